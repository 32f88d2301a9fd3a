"""The Layer base class: Keras's contract of __init__ (validate) / build (make weights) / call (forward).

A layer owns its weights as attributes named by ``add_weight`` (``self.kernel``, ``self.bias``), so the
forward pass reads them by name and ``weights`` lists them in creation order, trainable ones first (Keras's
order, which ``get_weights`` / ``set_weights`` follow). Weights are float32 ``Tensor`` leaves: trainable ones
require a gradient, the others (BatchNormalization's moving statistics) do not.

Names follow Keras: an unnamed layer is called by the snake_case of its class plus a global per-name counter
(``dense``, ``dense_1``, ...); ``clear_session()`` resets the counters.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Iterable, Sequence

import numpy as np

from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..tensor import Tensor

Shape = tuple["int | None", ...]

_name_counts: defaultdict[str, int] = defaultdict(int)


def to_snake_case(name: str) -> str:
    """'BatchNormalization' -> 'batch_normalization', 'LeakyReLU' -> 'leaky_re_lu' (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ... (explicit names take no number)."""
    count = _name_counts[prefix]
    _name_counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session() -> None:
    """Reset the automatic name counters, so the next Dense is ``dense`` again (Keras's ``clear_session``)."""
    _name_counts.clear()


def _shape_tuple(shape: Iterable[Any]) -> Shape:
    return tuple(None if d is None else int(d) for d in shape)


class Layer:
    """Base class of all layers.

    Subclasses implement ``build(input_shape)`` (create weights with ``add_weight``), ``call(x, training)``
    (the forward pass on a Tensor) and, when the shape changes, ``compute_output_shape``.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name; default: snake_case of the class with a counter.
        dtype: the dtype of weights and computation (float32; float64 for gradient checks).
        input_shape: Keras-style shape of one sample (without the batch axis); lets a Sequential model whose
            first layer this is build at construction.
        batch_input_shape: the same with the batch axis (usually None) in front.
    """

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 input_shape: Sequence[int | None] | None = None,
                 batch_input_shape: Sequence[int | None] | None = None, **kwargs: Any):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string without '/'; received {name!r}")
        self.name: str = name if name is not None else unique_name(to_snake_case(type(self).__name__))
        self.dtype: np.dtype = np.dtype(dtype if dtype is not None else np.float32)
        if self.dtype.kind != "f":
            raise ValueError(f'Layer "{self.name}": dtype must be a floating type; received {self.dtype}')
        self._trainable = bool(trainable)
        self.built = False
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None
        self._weight_names: list[str] = []
        self._weight_trainable: dict[str, bool] = {}
        self._regularizers: dict[str, Any] = {}
        # Keras's InputSpec, reduced to what the layers here need: required sizes of some axes, a minimum rank.
        self._input_axes: dict[int, int] = {}
        self._min_ndim: int | None = None
        self._ndim: int | None = None
        if batch_input_shape is not None:
            self._batch_input_shape: Shape | None = _shape_tuple(batch_input_shape)
        elif input_shape is not None:
            if isinstance(input_shape, (int, np.integer)):
                input_shape = (input_shape,)
            self._batch_input_shape = (None,) + _shape_tuple(input_shape)
        else:
            self._batch_input_shape = None

    # ----- configuration errors ------------------------------------------------------------------------------
    def _invalid(self, message: str) -> ValueError:
        return ValueError(f'{type(self).__name__} layer "{self.name}": {message}')

    # ----- weights -------------------------------------------------------------------------------------------
    def add_weight(self, name: str, shape: Sequence[int], initializer: Any = "glorot_uniform",
                   trainable: bool = True, regularizer: Any = None, dtype: Any = None) -> Tensor:
        """Create a weight, store it as ``self.<name>`` and return it.

        Args:
            name: the attribute name (and the last part of the tensor's name ``layer/name``).
            shape: its shape. initializer: name, class, instance or callable ``(shape, dtype) -> ndarray``.
            trainable: trainable weights require a gradient; others (running statistics) do not.
            regularizer: penalty on this weight, collected by ``losses``.
            dtype: defaults to the layer's dtype (float32).
        """
        if not name.isidentifier() or hasattr(type(self), name) or name in self._weight_names:
            raise ValueError(f'Layer "{self.name}": cannot create a weight named {name!r} (not an identifier, '
                             f'or already used by the layer)')
        dtype = np.dtype(dtype if dtype is not None else self.dtype)
        shape = tuple(int(d) for d in shape)
        init = _initializers.get(initializer)
        value = np.ascontiguousarray(init(shape, dtype=dtype), dtype=dtype)
        if value.shape != shape:
            raise ValueError(f'Layer "{self.name}": initializer of weight {name!r} returned shape {value.shape}, '
                             f'expected {shape}')
        weight = Tensor(value, requires_grad=trainable and self._trainable, dtype=dtype, name=f"{self.name}/{name}")
        setattr(self, name, weight)
        self._weight_names.append(name)
        self._weight_trainable[name] = bool(trainable)
        if regularizer is not None:
            self._regularizers[name] = _regularizers.get(regularizer)
        return weight

    def _named_weights(self, trainable: bool | None = None) -> list[Tensor]:
        if trainable:  # the training loop asks every step: the short way
            return [getattr(self, n) for n in self._weight_names if self._weight_trainable[n]] \
                if self._trainable else []
        names = [n for n in self._weight_names if self._weight_trainable[n]] + \
                [n for n in self._weight_names if not self._weight_trainable[n]]
        if trainable is not None:
            names = [n for n in names if (self._weight_trainable[n] and self._trainable) == trainable]
        return [getattr(self, n) for n in names]

    @property
    def weights(self) -> list[Tensor]:
        """All weights: those created trainable first, then the others, each in creation order."""
        return self._named_weights()

    @property
    def trainable_weights(self) -> list[Tensor]:
        return self._named_weights(trainable=True)

    @property
    def non_trainable_weights(self) -> list[Tensor]:
        return self._named_weights(trainable=False)

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freezing a layer makes all its weights non-trainable (and stop requiring gradients)."""
        self._trainable = bool(value)
        for name in self._weight_names:
            getattr(self, name).requires_grad = self._trainable and self._weight_trainable[name]

    @property
    def losses(self) -> list[Tensor]:
        """The regularization penalties of this layer's weights, computed now from their current values, so they
        enter the autodiff graph of whatever loss they are added to."""
        return [regularizer(getattr(self, name)) for name, regularizer in self._regularizers.items()]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights' values, in ``weights`` order."""
        return [w.data.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Write new values into the existing weight arrays (in place, so optimizers' references stay valid).

        Raises ValueError naming the layer when the count or a shape differs; nothing is written then.
        """
        params = self.weights
        weights = list(weights)
        if len(weights) != len(params):
            raise ValueError(f'You called `set_weights(weights)` on layer "{self.name}" with a weight list of '
                             f'length {len(weights)}, but the layer was expecting {len(params)} weights.')
        arrays = []
        for i, (param, value) in enumerate(zip(params, weights)):
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            if array.shape != param.shape:
                raise ValueError(f'Layer "{self.name}" weight {i} ({param.name}) has shape {param.shape}, but '
                                 f'set_weights received an array of shape {array.shape}.')
            arrays.append(array)
        for param, array in zip(params, arrays):
            np.copyto(param.data, array, casting="same_kind")

    def count_params(self) -> int:
        """Number of scalars in all weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f'You tried to call `count_params` on layer "{self.name}", but the layer isn\'t '
                             f'built. You can build it manually via: `{self.name}.build(batch_input_shape)`.')
        return int(sum(w.size for w in self.weights))

    # ----- building and calling ------------------------------------------------------------------------------
    def build(self, input_shape: Shape) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis first, usually None). Default: none."""

    def compute_output_shape(self, input_shape: Shape) -> Shape:
        """The output shape for ``input_shape`` (batch axis included). Default: unchanged."""
        return tuple(input_shape)

    def build_for(self, input_shape: Sequence[int | None]) -> Shape:
        """Build for ``input_shape`` unless built already, check the shape, and return the output shape."""
        shape = _shape_tuple(input_shape)
        if not self.built:
            self.build(shape)
            self.built = True
            self.input_shape = shape
            self.output_shape = self.compute_output_shape(shape)
        self._check_input_shape(shape)
        return self.compute_output_shape(shape)

    def _check_input_shape(self, shape: Shape) -> None:
        """Keras-style compatibility check of an input shape against what the layer was built for."""
        ndim = len(shape)
        problem = None
        if self._ndim is not None and ndim != self._ndim:
            problem = f"expected ndim={self._ndim}, found ndim={ndim}. Full shape received: {shape}"
        elif self._min_ndim is not None and ndim < self._min_ndim:
            problem = f"expected min_ndim={self._min_ndim}, found ndim={ndim}. Full shape received: {shape}"
        else:
            for axis, size in self._input_axes.items():
                if not -ndim <= axis < ndim or (shape[axis] is not None and shape[axis] != size):
                    problem = (f"expected axis {axis} of input shape to have value {size}, but received input "
                               f"with shape {shape}")
                    break
        if problem is not None:  # (the message is only built here: this runs on every call of every layer)
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: {problem}')

    def _to_tensor(self, inputs: Any) -> Tensor:
        """Tensors pass through (keeping their graph); arrays become tensors of the layer's dtype."""
        if isinstance(inputs, Tensor):
            return inputs if inputs.dtype.kind == "f" else Tensor(inputs.data, dtype=self.dtype)
        array = np.asarray(inputs)
        if array.dtype.kind not in "biuf":
            raise TypeError(f'Layer "{self.name}" expects numeric input; received an array of dtype {array.dtype}')
        return Tensor(array, dtype=self.dtype)

    def __call__(self, inputs: Any, training: bool | None = False) -> Tensor:
        """Convert ``inputs`` to a Tensor, build on the first call, check the shape, and run ``call``."""
        x = self._to_tensor(inputs)
        if not self.built:
            self.build_for((None,) + x.shape[1:] if x.ndim else x.shape)
        self._check_input_shape(x.shape)
        return self.call(x, training=bool(training))

    def call(self, x: Tensor, training: bool = False) -> Tensor:
        """The forward pass. Default: the identity."""
        return x

    # ----- configuration -------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Everything needed to rebuild the layer (JSON-able); ``from_config(get_config())`` makes a twin."""
        config: dict[str, Any] = {"name": self.name, "trainable": self._trainable, "dtype": self.dtype.name}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"
