"""``shuffle(buffer_size, seed, reshuffle_each_iteration)``: tf.data's buffer semantics, computed fast.

The semantics (TensorFlow's): a buffer holds ``buffer_size`` elements; each new input element takes the slot of
an element chosen uniformly at random from the buffer, which is emitted; when the input ends, the buffer is
emitted in random order. So ``buffer_size=1`` keeps the order, a buffer at least as large as the dataset gives a
uniform permutation, and the k-th output is one of the first ``buffer_size + k`` inputs.

How it is computed. Step k (input ``B + k`` arriving, ``B = buffer_size``) uses slot ``s_k = floor(u_k * B)``
from uniform floats ``u`` drawn 1024 at a time; the final buffer is emitted in the order
``rng.permutation(len(buffer))``. Emitted at step k is whatever slot ``s_k`` holds: the input that arrived at the
previous step j < k with ``s_j = s_k``, or the slot's first occupant. For row numbers of a finite
``from_tensor_slices`` source that rule is evaluated for all steps at once with a stable sort of the slots
(``vectorized_order``); for any other input it runs step by step (``shuffled``). Both draw the same numbers in the
same order, so they produce the same order for the same seed.

Iteration ``i`` draws from ``default_rng([seed, i])`` (``[seed, 0]`` every time without reshuffling): with a seed
every run repeats the same sequence of orders; without one the seed comes from Lamina's generator, so
``lamina.utils.set_random_seed`` makes it reproducible.
"""

from __future__ import annotations

import itertools
from itertools import islice
from typing import Any, Iterator

import numpy as np

from .sources import close_iterator
from .transforms import index_plan

_DRAW_CHUNK = 1024


def slot_draws(rng: np.random.Generator, steps: int, buffer_size: int) -> np.ndarray:
    """The slots of the first ``steps`` steps, drawn in chunks of 1024 as ``shuffled`` draws them."""
    chunks = -(-steps // _DRAW_CHUNK)
    return (rng.random(chunks * _DRAW_CHUNK)[:steps] * buffer_size).astype(np.int64)


def vectorized_order(values: np.ndarray, buffer_size: int, rng: np.random.Generator) -> np.ndarray:
    """``values`` in the order ``shuffled`` would emit them, computed with array operations."""
    total = len(values)
    if total <= buffer_size:
        return values[rng.permutation(total)]
    steps = total - buffer_size
    slots = slot_draws(rng, steps, buffer_size)
    by_slot = np.argsort(slots, kind="stable")  # steps grouped by slot, in time order within a group
    sorted_slots = slots[by_slot]
    same_as_before = np.empty(steps, dtype=bool)
    same_as_before[0] = False
    same_as_before[1:] = sorted_slots[1:] == sorted_slots[:-1]
    previous = np.full(steps, -1, dtype=np.int64)  # the last earlier step that used the same slot
    previous[by_slot[1:][same_as_before[1:]]] = by_slot[:-1][same_as_before[1:]]
    arrived = values[buffer_size:]
    emitted = np.where(previous >= 0, arrived[np.maximum(previous, 0)], values[slots])
    final = values[:buffer_size].copy()
    last_of_slot = np.append(~same_as_before[1:], True)
    final[sorted_slots[last_of_slot]] = arrived[by_slot[last_of_slot]]
    return np.concatenate([emitted, final[rng.permutation(buffer_size)]])


def shuffled(upstream: Iterator[Any], buffer_size: int, rng: np.random.Generator) -> Iterator[Any]:
    """The elements of ``upstream`` through the shuffle buffer, step by step."""
    try:
        buffer = list(islice(upstream, buffer_size))
        draws: Iterator[int] = iter(())
        for incoming in upstream:
            slot = next(draws, None)
            if slot is None:
                # A thousand draws per generator call: one call per element would cost more than the rest.
                draws = iter(slot_draws(rng, _DRAW_CHUNK, buffer_size).tolist())
                slot = next(draws)
            element = buffer[slot]
            buffer[slot] = incoming
            yield element
        for position in rng.permutation(len(buffer)).tolist():
            yield buffer[position]
    finally:
        close_iterator(upstream)


class Shuffle:
    """The node of ``Dataset.shuffle`` (see the module doc)."""

    name = "ShuffleDataset"

    def __init__(self, node: Any, buffer_size: int, seed: int, reshuffle_each_iteration: bool) -> None:
        self.node, self.buffer_size, self.seed = node, buffer_size, seed
        self.reshuffle = reshuffle_each_iteration
        self.iterations = itertools.count()

    def _rng(self) -> np.random.Generator:
        iteration = next(self.iterations) if self.reshuffle else 0
        return np.random.default_rng([self.seed, iteration])

    def _indices(self, make_indices: Any) -> Iterator[int]:
        rng = self._rng()
        if self.node.cardinality() >= 0:
            values = np.fromiter(make_indices(), dtype=np.int64)
            return iter(vectorized_order(values, self.buffer_size, rng).tolist())
        return shuffled(make_indices(), self.buffer_size, rng)

    def iterate(self) -> Iterator[Any]:
        plan = index_plan(self.node)
        if plan is not None:
            # Row numbers of a from_tensor_slices source: shuffled as numbers, the rows fetched after.
            source, make_indices = plan
            return map(source.row_getter(), self._indices(make_indices))
        return shuffled(self.node.iterate(), self.buffer_size, self._rng())

    def index_plan(self) -> Any:
        plan = index_plan(self.node)
        return None if plan is None else (plan[0], lambda: self._indices(plan[1]))

    def cardinality(self) -> int:
        return self.node.cardinality()

    def element_spec(self) -> Any:
        return self.node.element_spec()
