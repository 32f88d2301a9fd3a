"""Variable: a model's state (weights, moving statistics, metric totals) as a Tensor that can be assigned to.

A weight is a leaf of the autodiff graph, so it is a ``Tensor``; what makes it a *variable* is that its value is
replaced in place (by the optimizer, by ``set_weights``, by ``assign``) and never rebound: layers, optimizers and
the flat buffers of ``packing.py`` all hold references to the same array, so ``assign`` copies into it.

Keras 3's ``keras.Variable`` and TensorFlow's ``tf.Variable`` share this shape: a first positional argument
that is the initial value or an initializer, ``trainable``, ``name``, ``assign`` / ``assign_add`` /
``assign_sub``, ``numpy()``, ``value``; arithmetic on a variable gives a plain tensor.

>>> v = Variable([1.0, 2.0], name="v")
>>> v.assign_add([0.5, 0.5]).numpy()
array([1.5, 2.5], dtype=float32)
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .tensor import Tensor


class Variable(Tensor):
    """A named, assignable tensor.

    Args:
        initializer: the initial value (number, list, array, Tensor), or an initializer (name such as
            ``"zeros"``, ``"glorot_uniform"``, an ``Initializer`` or a callable ``(shape, dtype) -> array``),
            which then needs ``shape``.
        shape: the shape, required with an initializer, checked against an initial value.
        dtype: the dtype; floating initial values default to float32.
        trainable: whether training updates it (a trainable floating variable requires a gradient).
        name: its short name (``"kernel"``); ``path`` is the full one (``"dense/kernel"``) once a layer owns it.
    """

    def __init__(self, initializer: Any, shape: Sequence[int] | None = None, dtype: Any = None,
                 trainable: bool = True, name: str | None = None, **keras_options: Any):
        # Keras's autocast / aggregation / synchronization concern distributed and mixed-precision backends.
        unknown = set(keras_options) - {"autocast", "aggregation", "synchronization"}
        if unknown:
            raise TypeError(f"Variable: unexpected keyword argument(s) {sorted(unknown)}")
        if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, Tensor)):
            if shape is None:
                raise ValueError(f"Variable {name or ''}: an initializer ({initializer!r}) needs `shape`")
            from . import initializers
            dtype = np.dtype(dtype if dtype is not None else np.float32)
            value = initializers.get(initializer)(tuple(int(d) for d in shape), dtype=dtype)
        else:
            value = initializer.data if isinstance(initializer, Tensor) else initializer
        array = np.array(value, dtype=dtype, copy=True) if dtype is not None else np.array(value, copy=True)
        if array.dtype == np.float64 and dtype is None:
            array = array.astype(np.float32)
        if shape is not None and array.shape != tuple(int(d) for d in shape):
            raise ValueError(f"Variable {name or ''}: the initial value has shape {array.shape}, but shape="
                             f"{tuple(shape)} was given")
        self._trainable = bool(trainable)
        super().__init__(np.asarray(array, order="C"), requires_grad=self._trainable and array.dtype.kind == "f",
                         dtype=array.dtype, name=name)
        self.path = name

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self._trainable = bool(value)
        self.requires_grad = self._trainable and self.data.dtype.kind == "f"

    @property
    def value(self) -> Tensor:
        """The variable itself, usable wherever a tensor is (Keras's ``variable.value``)."""
        return self

    def _checked(self, value: Any, what: str) -> np.ndarray:
        array = np.asarray(value.data if isinstance(value, Tensor) else value)
        if array.shape != self.data.shape:
            try:
                array = np.broadcast_to(array, self.data.shape)
            except ValueError:
                raise ValueError(f"{what}: variable {self.path or self.name!r} has shape {self.data.shape}; "
                                 f"received a value of shape {array.shape}") from None
        return array

    def assign(self, value: Any) -> "Variable":
        """Replace the value, in place (every holder of this variable sees the new value)."""
        np.copyto(self.data, self._checked(value, "assign"), casting="unsafe")
        return self

    def assign_add(self, delta: Any) -> "Variable":
        """``variable += delta``, in place."""
        np.add(self.data, self._checked(delta, "assign_add"), out=self.data, casting="unsafe")
        return self

    def assign_sub(self, delta: Any) -> "Variable":
        """``variable -= delta``, in place."""
        np.subtract(self.data, self._checked(delta, "assign_sub"), out=self.data, casting="unsafe")
        return self

    def __repr__(self) -> str:
        return (f"<Variable path={self.path or self.name}, shape={self.data.shape}, dtype={self.data.dtype.name}, "
                f"value={np.array2string(self.data, threshold=6)}>")
