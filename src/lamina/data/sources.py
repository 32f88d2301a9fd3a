"""Where a Dataset's elements come from: arrays (sliced or whole), a generator, a range, other datasets.

Each source is a node: ``iterate()`` returns a fresh iterator over its elements, ``cardinality()`` the number of
elements (or tf.data's INFINITE / UNKNOWN constants), ``element_spec()`` the structure of TensorSpecs. A
``Dataset`` wraps one node; the transformations (``transforms.py``) wrap nodes in nodes.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import numpy as np

from ..tensor import Tensor
from .structure import (
    INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, TensorSpec, check_spec, flatten, is_structure, map_structure,
    pack_like, same_structure, spec_of, to_element,
)


def close_iterator(iterator: Any) -> None:
    """Close an upstream iterator (a generator, or one of the threaded iterators) if it can be closed."""
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


class TensorSlices:
    """``from_tensor_slices``: element i is every component's row i."""

    name = "TensorSliceDataset"

    def __init__(self, tensors: Any) -> None:
        element = to_element(tensors, "from_tensor_slices")
        leaves = [leaf.data if isinstance(leaf, Tensor) else np.asarray(leaf) for leaf in flatten(element)]
        for position, leaf in enumerate(leaves):
            if leaf.ndim == 0:
                raise ValueError(f"from_tensor_slices: component {position} is a scalar (shape ()); every "
                                 f"component needs a first axis to slice along")
        sizes = [len(leaf) for leaf in leaves]
        if len(set(sizes)) > 1:
            raise ValueError(f"from_tensor_slices: all components must have the same size in their first "
                             f"dimension (the number of elements); received sizes {sizes}")
        self.structure = element
        self.leaves = leaves
        self.size = sizes[0]

    def iterate(self) -> Iterator[Any]:
        leaves, structure = self.leaves, self.structure
        if not is_structure(structure):
            return iter(leaves[0])
        flat = not any(is_structure(item) for item in
                       (structure.values() if isinstance(structure, dict) else structure))
        if flat and type(structure) is tuple:
            return zip(*leaves)  # iterating arrays yields their rows
        if flat and type(structure) is dict:
            keys = tuple(structure)
            return (dict(zip(keys, row)) for row in zip(*leaves))
        return (pack_like(structure, list(row)) for row in zip(*leaves))

    def cardinality(self) -> int:
        return self.size

    def element_spec(self) -> Any:
        specs = [TensorSpec(leaf.shape[1:], leaf.dtype) for leaf in self.leaves]
        return pack_like(self.structure, specs)

    # The index plan: shuffle, repeat, take and skip over this source reorder row numbers (small ints) instead of
    # elements, and batch gathers a batch of rows with one fancy index per component. Same elements, same order.
    def index_plan(self) -> tuple["TensorSlices", Callable[[], Iterator[int]]]:
        return self, lambda: iter(range(self.size))

    def row_getter(self) -> Callable[[int], Any]:
        """``index -> element``, as ``iterate`` would give it."""
        leaves, structure = self.leaves, self.structure
        if not is_structure(structure):
            return leaves[0].__getitem__
        if type(structure) is tuple and len(leaves) == 2 and len(structure) == 2 and not any(
                is_structure(item) for item in structure):
            first, second = leaves
            return lambda index: (first[index], second[index])
        return lambda index: pack_like(structure, [leaf[index] for leaf in leaves])

    def gather(self, indices: np.ndarray) -> Any:
        """The elements at ``indices`` already stacked, as ``batch`` would stack them."""
        return pack_like(self.structure, [leaf[indices] for leaf in self.leaves])


class Tensors:
    """``from_tensors``: the whole structure as one element."""

    name = "TensorDataset"

    def __init__(self, tensors: Any) -> None:
        self.element = to_element(tensors, "from_tensors")

    def iterate(self) -> Iterator[Any]:
        return iter((self.element,))

    def cardinality(self) -> int:
        return 1

    def element_spec(self) -> Any:
        return spec_of(self.element)


class Range:
    """``range(start, stop, step)``, as Python's, with elements of ``dtype`` (int64 by default)."""

    name = "RangeDataset"

    def __init__(self, args: tuple[Any, ...], dtype: Any) -> None:
        if not 1 <= len(args) <= 3 or not all(isinstance(a, (int, np.integer)) and not isinstance(a, bool)
                                                for a in args):
            raise TypeError(f"Dataset.range takes 1 to 3 integers (stop), (start, stop) or (start, stop, step); "
                            f"received {args!r}")
        if len(args) == 3 and args[2] == 0:
            raise ValueError("Dataset.range: step must not be zero")
        self.range = range(*(int(a) for a in args))
        self.dtype = np.dtype(dtype)

    def iterate(self) -> Iterator[Any]:
        return map(self.dtype.type, self.range)

    def cardinality(self) -> int:
        return len(self.range)

    def element_spec(self) -> Any:
        return TensorSpec((), self.dtype)


class FromGenerator:
    """``from_generator``: each iteration calls ``generator(*args)`` anew and checks what it yields against the
    declared ``output_signature`` (converting to its dtypes)."""

    name = "FlatMapDataset"

    def __init__(self, generator: Callable[..., Any], signature: Any, args: tuple[Any, ...]) -> None:
        if not callable(generator):
            raise TypeError(f"from_generator: generator must be a callable that returns an iterator (e.g. a "
                            f"generator function, not a generator object); received {type(generator).__name__}")
        self.generator = generator
        self.signature = check_spec(signature, "from_generator: output_signature")
        self.args = args

    def iterate(self) -> Iterator[Any]:
        source = iter(self.generator(*self.args))
        try:
            for count, value in enumerate(source):
                yield self._conform(value, count)
        finally:
            close_iterator(source)

    def _conform(self, value: Any, count: int) -> Any:
        where = f"from_generator: element {count}"
        if isinstance(value, list) and isinstance(self.signature, tuple):
            value = tuple(value)

        def conform(spec: TensorSpec, leaf: Any) -> Any:
            array = np.asarray(leaf.data if isinstance(leaf, Tensor) else leaf)
            if array.dtype != spec.dtype:
                if array.dtype.kind == "f" and spec.dtype.kind in "biu" or array.dtype.kind in "OUS" and \
                        spec.dtype.kind not in "OUS":
                    raise TypeError(f"{where} has dtype {array.dtype}, which cannot be converted to the declared "
                                    f"{spec.dtype} without loss; yield {spec.dtype} values or fix "
                                    f"output_signature")
                array = array.astype(spec.dtype)
            if not spec.is_compatible_with(TensorSpec(array.shape, spec.dtype)):
                raise ValueError(f"{where} has shape {array.shape}, which does not match the declared shape "
                                 f"{spec.shape} of output_signature")
            return array

        if not _matches(self.signature, value):
            raise TypeError(f"{where} does not match the structure of output_signature: expected "
                            f"{self.signature}, received {type(value).__name__} {_describe(value)}")
        return _zip_structure(conform, self.signature, value)

    def cardinality(self) -> int:
        return UNKNOWN_CARDINALITY

    def element_spec(self) -> Any:
        return self.signature


def _matches(spec: Any, value: Any) -> bool:
    if isinstance(spec, tuple):
        return isinstance(value, (tuple, list)) and len(value) == len(spec) and all(
            _matches(s, v) for s, v in zip(spec, value))
    if isinstance(spec, dict):
        return isinstance(value, dict) and value.keys() == spec.keys() and all(
            _matches(spec[k], value[k]) for k in spec)
    return not is_structure(value)


def _zip_structure(function: Callable[[Any, Any], Any], spec: Any, value: Any) -> Any:
    if isinstance(spec, tuple):
        return tuple(_zip_structure(function, s, v) for s, v in zip(spec, value))
    if isinstance(spec, dict):
        return {k: _zip_structure(function, spec[k], value[k]) for k in spec}
    return function(spec, value)


def _describe(value: Any) -> str:
    return str(map_structure(lambda leaf: f"<shape {np.shape(leaf)}>", value)) if is_structure(value) else \
        f"of shape {np.shape(value)}"


class Zip:
    """``zip``: a structure of datasets iterated together, ending with the shortest."""

    name = "ZipDataset"

    def __init__(self, nodes: Any) -> None:
        self.nodes = nodes
        self.flat = flatten(nodes)

    def iterate(self) -> Iterator[Any]:
        iterators = [node.iterate() for node in self.flat]
        try:
            for row in zip(*iterators):
                yield pack_like(self.nodes, list(row))
        finally:
            for iterator in iterators:
                close_iterator(iterator)

    def cardinality(self) -> int:
        counts = [node.cardinality() for node in self.flat]
        if UNKNOWN_CARDINALITY in counts:
            return UNKNOWN_CARDINALITY
        finite = [c for c in counts if c != INFINITE_CARDINALITY]
        return min(finite) if finite else INFINITE_CARDINALITY

    def element_spec(self) -> Any:
        return pack_like(self.nodes, [node.element_spec() for node in self.flat])


class Concatenate:
    """``a.concatenate(b)``: the elements of ``a``, then those of ``b`` (same structure and dtypes)."""

    name = "ConcatenateDataset"

    def __init__(self, first: Any, second: Any) -> None:
        spec_a, spec_b = first.element_spec(), second.element_spec()
        if not _compatible(spec_a, spec_b):
            raise TypeError(f"concatenate: the datasets' elements must have the same structure and dtypes; "
                            f"received {spec_a} and {spec_b}")
        self.first, self.second = first, second

    def iterate(self) -> Iterator[Any]:
        for node in (self.first, self.second):
            iterator = node.iterate()
            try:
                yield from iterator
            finally:
                close_iterator(iterator)

    def cardinality(self) -> int:
        counts = (self.first.cardinality(), self.second.cardinality())
        if INFINITE_CARDINALITY in counts:
            return INFINITE_CARDINALITY
        if UNKNOWN_CARDINALITY in counts:
            return UNKNOWN_CARDINALITY
        return counts[0] + counts[1]

    def element_spec(self) -> Any:
        a, b = flatten(self.first.element_spec()), flatten(self.second.element_spec())
        return pack_like(self.first.element_spec(), [x.most_specific_common(y) for x, y in zip(a, b)])


def _compatible(a: Any, b: Any) -> bool:
    if not same_structure(a, b):
        return False
    return all(x.dtype == y.dtype and (x.shape is None or y.shape is None or len(x.shape) == len(y.shape))
               for x, y in zip(flatten(a), flatten(b)))
