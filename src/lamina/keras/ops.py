"""``keras.ops``: Keras 3's backend-neutral operations over Lamina tensors (re-exports only).

The code lives in ``lamina.numpy_api`` (math, reductions, comparisons), ``lamina.array_api`` (conversion,
creation, shapes, indexing, sorting) and ``lamina.nn_api`` (activations, norms, encodings, cross-entropies).
Every function returns a ``lamina.Tensor`` (bool for comparisons, int32 for indices), except
``convert_to_numpy`` (an ndarray), ``shape`` (a tuple), ``split`` (a list) and ``top_k`` (values, indices).
"""

from .. import nn_api as nn  # noqa: F401 - keras.ops.nn
from .. import numpy_api as numpy  # noqa: F401 - keras.ops.numpy
from ..array_api import *  # noqa: F401,F403
from ..nn_api import *  # noqa: F401,F403
from ..numpy_api import *  # noqa: F401,F403
from ..array_api import __all__ as _array_names
from ..nn_api import __all__ as _nn_names
from ..numpy_api import __all__ as _numpy_names

# (``nn`` and ``numpy`` stay out of __all__: `from keras.ops import *` must not shadow the numpy module.)
__all__ = [*_numpy_names, *_array_names, *_nn_names]
