"""The transformations: nodes that wrap a node (see ``sources.py`` for the node interface).

Every iterator here is a generator that creates its upstream iterator when first advanced and closes it in a
``finally``: closing (or dropping) the outermost iterator therefore closes the whole chain, down to the
threaded stages, which then stop their threads.

Cardinalities follow tf.data's rules exactly (checked against TensorFlow by tests/data/tf_data/make_fixtures.py),
including its conservative answers: ``filter`` gives UNKNOWN (even of an infinite input), ``unbatch`` UNKNOWN
unless infinite, ``take`` of an UNKNOWN is UNKNOWN.
"""

from __future__ import annotations

import itertools
from itertools import islice
from typing import Any, Callable, Iterator

import numpy as np

from ..tensor import Tensor
from .sources import close_iterator
from .structure import (
    INFINITE_CARDINALITY as INFINITE, UNKNOWN_CARDINALITY as UNKNOWN, TensorSpec, flatten, function_output,
    is_structure, pack_like, spec_of,
)
from .threads import ParallelMapIterator, PrefetchIterator


def index_plan(node: Any) -> Any:
    """``(source, make_indices)`` when ``node``'s elements are rows of a ``from_tensor_slices`` source picked by
    an index sequence (see ``TensorSlices.index_plan``), else None."""
    plan = getattr(node, "index_plan", None)
    return plan() if plan is not None else None


def first_element(node: Any, what: str) -> Any:
    """The first element of ``node`` (to infer a spec the way tracing would); the iterator is closed after."""
    iterator = node.iterate()
    try:
        return next(iterator)
    except StopIteration:
        raise ValueError(f"cannot infer the element_spec of {what}: the dataset it reads is empty") from None
    finally:
        close_iterator(iterator)


def call_with_element(function: Callable[..., Any], element: Any) -> Any:
    """tf.data's calling convention: a tuple element is spread over the arguments, anything else is one."""
    if type(element) is tuple:
        return function(*element)
    return function(element)


class Map:
    """``map(function)``: the function applied to every element, sequentially or on a thread pool."""

    name = "MapDataset"

    def __init__(self, node: Any, function: Callable[..., Any], parallelism: int | None,
                 deterministic: bool) -> None:
        if not callable(function):
            raise TypeError(f"map: the function must be callable; received {type(function).__name__}")
        self.node, self.function = node, function
        self.parallelism, self.deterministic = parallelism, deterministic
        if parallelism is not None:
            self.name = "ParallelMapDataset"

    def apply(self, element: Any) -> Any:
        return function_output(call_with_element(self.function, element), "the output of map's function")

    def iterate(self) -> Iterator[Any]:
        if self.parallelism is not None and self.parallelism > 1:
            return ParallelMapIterator(self.node.iterate(), self.apply, self.parallelism, self.deterministic)
        return self._sequential()

    def _sequential(self) -> Iterator[Any]:
        upstream = self.node.iterate()
        apply = self.apply
        try:
            for element in upstream:
                yield apply(element)
        finally:
            close_iterator(upstream)

    def cardinality(self) -> int:
        return self.node.cardinality()

    def element_spec(self) -> Any:
        """Read from the output on the first element (tf.data traces the function instead). When the input's
        first dimension is unknown (batches whose last one is short), an output dimension of that size is taken
        to be the batch's and stays unknown, as tracing would leave it."""
        element = first_element(self.node, "map's output")
        spec = spec_of(self.apply(element))
        input_leaves = flatten(self.node.element_spec())
        if not input_leaves or not all(leaf.shape and leaf.shape[0] is None for leaf in input_leaves):
            return spec
        batch = len(np.asarray(flatten(element)[0]))
        return _map_specs(lambda leaf: TensorSpec((None, *leaf.shape[1:]), leaf.dtype)
                          if leaf.shape and leaf.shape[0] == batch else leaf, spec)


class Filter:
    """``filter(predicate)``: the elements for which the predicate is true."""

    name = "FilterDataset"

    def __init__(self, node: Any, predicate: Callable[..., Any]) -> None:
        if not callable(predicate):
            raise TypeError(f"filter: the predicate must be callable; received {type(predicate).__name__}")
        self.node, self.predicate = node, predicate

    def iterate(self) -> Iterator[Any]:
        upstream = self.node.iterate()
        try:
            for element in upstream:
                if self._keep(call_with_element(self.predicate, element)):
                    yield element
        finally:
            close_iterator(upstream)

    @staticmethod
    def _keep(result: Any) -> bool:
        array = np.asarray(result.data if isinstance(result, Tensor) else result)
        if array.shape != () or array.dtype != np.bool_:
            raise ValueError(f"filter: the predicate must return a scalar bool; returned dtype {array.dtype} "
                             f"with shape {array.shape}")
        return bool(array)

    def cardinality(self) -> int:
        return UNKNOWN  # even of an infinite input: tf.data cannot know that any element passes

    def element_spec(self) -> Any:
        return self.node.element_spec()


def stack_components(elements: list[Any]) -> Any:
    """Elements stacked into one batch, component by component (every element must have the same shapes)."""
    first = elements[0]
    if not is_structure(first):
        return _stack(elements, 0)
    if type(first) is tuple:
        columns = zip(*elements)
        if all(type(e) is tuple and len(e) == len(first) for e in elements) and \
                not any(is_structure(item) for item in first):
            return tuple(_stack(list(column), i) for i, column in enumerate(columns))
    flat = [flatten(element) for element in elements]
    return pack_like(first, [_stack(list(column), i) for i, column in enumerate(zip(*flat))])


def _stack(leaves: list[Any], component: int) -> np.ndarray:
    first = leaves[0]
    try:
        if isinstance(first, (np.ndarray, np.generic)):
            # np.array copies a list of equal-shape arrays in one C loop: 2x faster than np.stack on rows, 50x on
            # scalars. Its result for ragged rows (an error, or an object array) is caught below.
            stacked = np.array(leaves)
            if stacked.dtype != object or first.dtype == object:
                return stacked
        return np.stack(leaves)
    except ValueError:
        shapes = [np.shape(leaf) for leaf in leaves]
        odd = next(i for i, shape in enumerate(shapes) if shape != shapes[0])
        raise ValueError(f"Cannot batch tensors with different shapes in component {component}. First element "
                         f"had shape {shapes[0]} and element {odd} had shape {shapes[odd]}. (Resize them "
                         f"first, or batch them one at a time.)") from None


class Batch:
    """``batch(batch_size, drop_remainder)``: consecutive elements stacked along a new first axis."""

    name = "BatchDataset"

    def __init__(self, node: Any, batch_size: int, drop_remainder: bool) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
            raise ValueError(f"batch: batch_size must be a positive integer; received {batch_size!r}")
        self.node, self.batch_size, self.drop_remainder = node, int(batch_size), bool(drop_remainder)

    def iterate(self) -> Iterator[Any]:
        plan = index_plan(self.node)
        if plan is not None:
            return self._gathered(*plan)
        return self._stacked()

    def _gathered(self, source: Any, make_indices: Callable[[], Iterator[int]]) -> Iterator[Any]:
        """Rows of a from_tensor_slices source, a batch of them per fancy index (no per-row objects)."""
        indices = make_indices()
        size = self.batch_size
        try:
            while True:
                chunk = np.fromiter(islice(indices, size), dtype=np.int64)
                if not len(chunk) or (self.drop_remainder and len(chunk) < size):
                    return
                yield source.gather(chunk)
                if len(chunk) < size:
                    return
        finally:
            close_iterator(indices)

    def _stacked(self) -> Iterator[Any]:
        upstream = self.node.iterate()
        size = self.batch_size
        try:
            while True:
                elements = list(islice(upstream, size))
                if not elements or (self.drop_remainder and len(elements) < size):
                    return
                yield stack_components(elements)
                if len(elements) < size:
                    return
        finally:
            close_iterator(upstream)

    def cardinality(self) -> int:
        count = self.node.cardinality()
        if count < 0:
            return count
        return count // self.batch_size if self.drop_remainder else -(-count // self.batch_size)

    def element_spec(self) -> Any:
        size = self.batch_size if self.drop_remainder else None
        return _map_specs(lambda spec: TensorSpec(None if spec.shape is None else (size, *spec.shape), spec.dtype),
                          self.node.element_spec())


def _map_specs(function: Callable[[TensorSpec], TensorSpec], spec: Any) -> Any:
    return pack_like(spec, [function(leaf) for leaf in flatten(spec)])


class Unbatch:
    """``unbatch()``: every element split along its first axis into that many elements."""

    name = "UnbatchDataset"

    def __init__(self, node: Any) -> None:
        self.node = node  # no element_spec here: for a map it would run the function at construction

    def iterate(self) -> Iterator[Any]:
        upstream = self.node.iterate()
        try:
            for element in upstream:
                leaves = flatten(element)
                if any(np.ndim(leaf) == 0 for leaf in leaves):
                    raise ValueError("unbatch: every component needs a first (batch) axis; an element has a "
                                     "scalar component")
                sizes = {len(leaf) for leaf in leaves}
                if len(sizes) > 1:
                    raise ValueError(f"unbatch: the components of an element have different first dimensions "
                                     f"{sorted(sizes)}; they must be equal")
                if not is_structure(element):
                    yield from (element.data if isinstance(element, Tensor) else element)
                    continue
                arrays = [leaf.data if isinstance(leaf, Tensor) else leaf for leaf in leaves]
                for row in zip(*arrays):
                    yield pack_like(element, list(row))
        finally:
            close_iterator(upstream)

    def cardinality(self) -> int:
        return INFINITE if self.node.cardinality() == INFINITE else UNKNOWN

    def element_spec(self) -> Any:
        return _map_specs(lambda spec: TensorSpec(None if spec.shape is None else spec.shape[1:], spec.dtype),
                          self.node.element_spec())


class _Selection:
    """Take and Skip: a contiguous part of the upstream's sequence (of elements, or of row numbers)."""

    method = ""

    def __init__(self, node: Any, count: int) -> None:
        self.node, self.count = node, _check_count(count, self.method)

    def select(self, upstream: Iterator[Any]) -> Iterator[Any]:
        raise NotImplementedError

    def iterate(self) -> Iterator[Any]:
        upstream = self.node.iterate()
        try:
            yield from self.select(upstream)
        finally:
            close_iterator(upstream)

    def index_plan(self) -> Any:
        plan = index_plan(self.node)
        return None if plan is None else (plan[0], lambda: self.select(plan[1]()))

    def element_spec(self) -> Any:
        return self.node.element_spec()


class Take(_Selection):
    """``take(count)``: the first ``count`` elements (all of them for -1)."""

    name, method = "TakeDataset", "take"

    def select(self, upstream: Iterator[Any]) -> Iterator[Any]:
        return upstream if self.count == -1 else islice(upstream, self.count)

    def cardinality(self) -> int:
        count, upstream = self.count, self.node.cardinality()
        if count == -1:
            return upstream
        if upstream == INFINITE:
            return count
        if upstream == UNKNOWN:
            return UNKNOWN
        return min(count, upstream)


class Skip(_Selection):
    """``skip(count)``: all but the first ``count`` elements (none for -1)."""

    name, method = "SkipDataset", "skip"

    def select(self, upstream: Iterator[Any]) -> Iterator[Any]:
        return iter(()) if self.count == -1 else islice(upstream, self.count, None)

    def cardinality(self) -> int:
        count, upstream = self.count, self.node.cardinality()
        if upstream in (INFINITE, UNKNOWN):
            return upstream
        return 0 if count == -1 else max(upstream - count, 0)


def _check_count(count: Any, method: str) -> int:
    if isinstance(count, bool) or not isinstance(count, (int, np.integer)) or count < -1:
        raise ValueError(f"{method}: count must be an integer >= -1 (-1: all elements); received {count!r}")
    return int(count)


class Repeat:
    """``repeat(count)``: the dataset ``count`` times (forever for None or -1), each pass a new iteration (so a
    ``shuffle`` before it reshuffles)."""

    name = "RepeatDataset"

    def __init__(self, node: Any, count: int | None) -> None:
        self.node = node
        self.count = -1 if count is None else _check_count(count, "repeat")

    def iterate(self) -> Iterator[Any]:
        return self._passes(self.node.iterate)

    def index_plan(self) -> Any:
        plan = index_plan(self.node)
        return None if plan is None else (plan[0], lambda: self._passes(plan[1]))

    def _passes(self, make_upstream: Callable[[], Iterator[Any]]) -> Iterator[Any]:
        passes = itertools.count() if self.count == -1 else range(self.count)
        for _ in passes:
            upstream = make_upstream()
            produced = False
            try:
                for element in upstream:
                    produced = True
                    yield element
            finally:
                close_iterator(upstream)
            if not produced:
                return  # an empty dataset repeated forever is still empty (tf.data stops too)

    def cardinality(self) -> int:
        upstream = self.node.cardinality()
        if self.count == -1:
            return 0 if upstream == 0 else INFINITE
        if upstream in (INFINITE, UNKNOWN):
            return 0 if self.count == 0 else upstream
        return upstream * self.count

    def element_spec(self) -> Any:
        return self.node.element_spec()


class Cache:
    """``cache()``: the first complete pass is kept in memory and replayed by every later iteration. A pass that
    stops early keeps nothing (as tf.data), so a half-read dataset is never replayed short."""

    name = "CacheDataset"

    def __init__(self, node: Any) -> None:
        self.node = node
        self.elements: list[Any] | None = None

    def iterate(self) -> Iterator[Any]:
        if self.elements is not None:
            return iter(self.elements)
        return self._record()

    def _record(self) -> Iterator[Any]:
        recorded = []
        upstream = self.node.iterate()
        try:
            for element in upstream:
                recorded.append(element)
                yield element
            if self.elements is None:
                self.elements = recorded
        finally:
            close_iterator(upstream)

    def cardinality(self) -> int:
        return self.node.cardinality()

    def element_spec(self) -> Any:
        return self.node.element_spec()


class Prefetch:
    """``prefetch(buffer_size)``: up to ``buffer_size`` elements computed ahead by a background thread."""

    name = "PrefetchDataset"

    def __init__(self, node: Any, buffer_size: int) -> None:
        self.node, self.buffer_size = node, buffer_size

    def iterate(self) -> Iterator[Any]:
        if self.buffer_size == 0:
            return self.node.iterate()
        return PrefetchIterator(self.node.iterate, self.buffer_size)

    def cardinality(self) -> int:
        return self.node.cardinality()

    def element_spec(self) -> Any:
        return self.node.element_spec()
