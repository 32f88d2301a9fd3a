"""``keras.ops``: Keras 3's backend-neutral operations over Lamina tensors.

The code lives in ``lamina.numpy_api`` (math, reductions, comparisons), ``lamina.array_api`` (conversion,
creation, shapes, indexing, sorting) and ``lamina.nn_api`` (activations, norms, encodings, cross-entropies).
Every function returns a ``lamina.Tensor`` (bool for comparisons, int32 for indices), except
``convert_to_numpy`` (an ndarray), ``shape`` (a tuple), ``split`` (a list) and ``top_k`` (values, indices).
Called on symbolic tensors (``keras.Input``), each records an operation of a functional model instead
(``layers/tensor_ops.py``).
"""

from .. import array_api as _array_api
from .. import nn_api as _nn_api
from .. import numpy_api as _numpy_api
from ..layers.tensor_ops import accepting_symbolic as _accepting_symbolic

# Functions that do not take tensors (creation from shapes, conversion out) stay as they are.
_EAGER_ONLY = {"convert_to_numpy", "shape", "ones", "zeros", "full", "eye", "identity", "arange", "linspace",
               "tri", "empty"}

__all__: list[str] = []
for _module, _keras_module in ((_numpy_api, "keras.src.ops.numpy"), (_array_api, "keras.src.ops.core"),
                               (_nn_api, "keras.src.ops.nn")):
    for _name in _module.__all__:
        _function = getattr(_module, _name)
        globals()[_name] = _function if _name in _EAGER_ONLY or not callable(_function) else \
            _accepting_symbolic(_name, _function, _keras_module)
        __all__.append(_name)

# (``nn`` and ``numpy`` stay out of __all__: `from keras.ops import *` must not shadow the numpy module.)
nn = _nn_api
numpy = _numpy_api
