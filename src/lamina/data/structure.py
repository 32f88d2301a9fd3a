"""Elements of a Dataset: nested structures of arrays, their specs, and tf.data's cardinality constants.

An element is a leaf (a NumPy array or scalar, or a Lamina ``Tensor`` where a mapped function returned one), or a
tuple or dict of elements, nested to any depth (tf.data's "structure"). Lists are not structures: as in
tf.data, a Python list given to ``from_tensor_slices`` is one array, and a list returned by a mapped function
becomes a tuple.

Leaves made from Python values follow TensorFlow's dtypes (ints -> int32, or int64 when too large; floats ->
float32); NumPy arrays keep theirs. Strings are NumPy unicode arrays (TensorFlow's are bytes).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..tensor import Tensor

AUTOTUNE = -1
INFINITE_CARDINALITY = -1
UNKNOWN_CARDINALITY = -2


class Cardinality(int):
    """An ``int`` that also answers ``.numpy()``, since Keras programs write ``ds.cardinality().numpy()``."""

    def numpy(self) -> np.int64:
        return np.int64(self)


def is_structure(value: Any) -> bool:
    return isinstance(value, (tuple, dict))


def flatten(element: Any) -> list[Any]:
    """The leaves of ``element`` in order (dict values in their keys' order)."""
    if isinstance(element, tuple):
        leaves: list[Any] = []
        for item in element:
            leaves.extend(flatten(item))
        return leaves
    if isinstance(element, dict):
        leaves = []
        for item in element.values():
            leaves.extend(flatten(item))
        return leaves
    return [element]


def pack_like(structure: Any, leaves: list[Any]) -> Any:
    """The inverse of ``flatten``: ``leaves`` put back into the shape of ``structure``."""
    position = iter(leaves)

    def build(node: Any) -> Any:
        if isinstance(node, tuple):
            items = [build(item) for item in node]
            return type(node)(*items) if hasattr(node, "_fields") else tuple(items)
        if isinstance(node, dict):
            return {key: build(item) for key, item in node.items()}
        return next(position)

    return build(structure)


def map_structure(function: Callable[[Any], Any], element: Any) -> Any:
    """``function`` applied to every leaf, the structure kept."""
    if isinstance(element, tuple):
        items = [map_structure(function, item) for item in element]
        return type(element)(*items) if hasattr(element, "_fields") else tuple(items)
    if isinstance(element, dict):
        return {key: map_structure(function, item) for key, item in element.items()}
    return function(element)


def same_structure(a: Any, b: Any) -> bool:
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(same_structure(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_structure(a[k], b[k]) for k in a)
    return not is_structure(a) and not is_structure(b)


def to_leaf(value: Any, where: str = "element") -> Any:
    """A leaf as the pipeline keeps it: arrays, NumPy scalars and Tensors as they are; Python values converted
    with TensorFlow's dtypes (int32 for ints that fit, float32 for floats)."""
    if isinstance(value, (np.ndarray, np.generic, Tensor)):
        return value
    if value is None:
        raise TypeError(f"{where} is None; a Dataset element must be an array, a number, or a tuple or dict of "
                        f"them")
    try:
        array = np.asarray(value)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{where}: could not convert {type(value).__name__} to an array: {error}") from None
    if array.dtype == object:
        raise TypeError(f"{where}: could not convert {type(value).__name__} to an array of one dtype "
                        f"(ragged nested lists or mixed types?)")
    if array.dtype == np.float64:
        array = array.astype(np.float32)
    elif array.dtype == np.int64 and (array.size == 0 or (array.min() >= -2**31 and array.max() < 2**31)):
        array = array.astype(np.int32)
    return array


def to_element(value: Any, where: str = "element") -> Any:
    """``value`` normalised into an element: lists of structures stay arrays (tf.data's rule), leaves converted
    by :func:`to_leaf`."""
    if isinstance(value, tuple):
        return tuple(to_element(item, f"{where}[{i}]") for i, item in enumerate(value))
    if isinstance(value, dict):
        return {key: to_element(item, f"{where}[{key!r}]") for key, item in value.items()}
    return to_leaf(value, where)


def function_output(value: Any, where: str) -> Any:
    """What a mapped function returned, as an element: a list becomes a tuple (as tf.data does)."""
    if type(value) is tuple:
        # The common case (x, y) of arrays: checked without rebuilding the tuple.
        for item in value:
            if not isinstance(item, (np.ndarray, np.generic, Tensor)):
                break
        else:
            return value
    if isinstance(value, list):
        value = tuple(value)
    return to_element(value, where)


def as_numpy(element: Any) -> Any:
    """Every leaf as NumPy (a Tensor's array; arrays and NumPy scalars as they are)."""
    return map_structure(lambda leaf: leaf.data if isinstance(leaf, Tensor) else leaf, element)


class TensorSpec:
    """The shape and dtype of one component of a Dataset's elements (``None`` in a shape: any size).

    Example:
        >>> TensorSpec(shape=(None, 28, 28), dtype="float32")
        TensorSpec(shape=(None, 28, 28), dtype=float32, name=None)
    """

    def __init__(self, shape: Any, dtype: Any = "float32", name: str | None = None) -> None:
        if shape is None:
            self.shape: tuple[int | None, ...] | None = None  # unknown rank: any shape fits
        else:
            try:
                self.shape = tuple(None if d is None else int(d) for d in shape)
            except (TypeError, ValueError):
                raise ValueError(f"TensorSpec: shape must be a tuple of ints and None (or None for any shape); "
                                 f"received {shape!r}") from None
        try:
            self.dtype = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
        except TypeError:
            raise TypeError(f"TensorSpec: dtype must be a NumPy dtype or its name; received {dtype!r}") from None
        self.name = name

    @classmethod
    def from_value(cls, value: Any) -> "TensorSpec":
        array = value.data if isinstance(value, Tensor) else value
        return cls(np.shape(array), np.asarray(array).dtype if not hasattr(array, "dtype") else array.dtype)

    def is_compatible_with(self, value: Any) -> bool:
        """Whether ``value`` (a spec or an array) has a shape that fits this one; dtypes must be equal."""
        other = value if isinstance(value, TensorSpec) else TensorSpec.from_value(value)
        if other.dtype != self.dtype:
            return False
        if self.shape is None or other.shape is None:
            return True
        return len(other.shape) == len(self.shape) and all(
            a is None or b is None or a == b for a, b in zip(self.shape, other.shape))

    def most_specific_common(self, other: "TensorSpec") -> "TensorSpec":
        """The spec of both: dimensions that differ become None."""
        if self.shape is None or other.shape is None or len(self.shape) != len(other.shape):
            return TensorSpec(None, self.dtype, self.name)
        shape = tuple(a if a == b else None for a, b in zip(self.shape, other.shape))
        return TensorSpec(shape, self.dtype, self.name)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, TensorSpec) and self.shape == other.shape and self.dtype == other.dtype
                and self.name == other.name)

    def __hash__(self) -> int:
        return hash((self.shape, self.dtype, self.name))

    def __repr__(self) -> str:
        shape = "<unknown>" if self.shape is None else self.shape
        return f"TensorSpec(shape={shape}, dtype={self.dtype.name}, name={self.name!r})"


def spec_of(element: Any) -> Any:
    """The element spec (a structure of TensorSpecs) of one element."""
    return map_structure(TensorSpec.from_value, element)


def check_spec(spec: Any, where: str) -> Any:
    """``spec`` as a structure of TensorSpecs (lists of specs are tuples)."""
    if isinstance(spec, list):
        spec = tuple(spec)
    if isinstance(spec, tuple):
        return tuple(check_spec(item, where) for item in spec)
    if isinstance(spec, dict):
        return {key: check_spec(item, where) for key, item in spec.items()}
    if not isinstance(spec, TensorSpec):
        raise TypeError(f"{where} must be a TensorSpec or a tuple/dict of them; received {type(spec).__name__}")
    return spec
