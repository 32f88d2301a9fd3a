"""lamina.data against tf.data: the pipelines of tests/data/tf_data/pipelines.py built with both, compared on
cardinality, element_spec and every element (dtypes included); shuffle's seed-independent semantics checked on
TensorFlow's recorded orders and on Lamina's. Fixtures: tests/data/tf_data/make_fixtures.py (TensorFlow 2.21)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from lamina import data

FIXTURES = Path(__file__).parent / "data" / "tf_data"
sys.path.insert(0, str(FIXTURES))
from pipelines import INFINITE, SHUFFLED, build, encode, encode_spec  # noqa: E402

RECORDED = json.loads((FIXTURES / "pipelines.json").read_text())
PIPELINES = RECORDED["pipelines"]


@pytest.mark.parametrize("name", sorted(PIPELINES))
def test_pipeline_matches_tf_data(name: str) -> None:
    case = PIPELINES[name]
    dataset = build(data.Dataset, case["steps"], data.AUTOTUNE)
    assert int(dataset.cardinality()) == case["cardinality"]
    assert encode_spec(dataset.element_spec) == case["element_spec"]
    if name in INFINITE:
        return
    produced = [encode(element) for element in dataset.as_numpy_iterator()]
    if name in SHUFFLED:
        assert sorted(map(json.dumps, produced)) == sorted(map(json.dumps, case["elements"]))
    else:
        assert produced == case["elements"]
    if case["cardinality"] >= 0:
        assert len(dataset) == case["cardinality"] == len(produced)


def test_len_raises_like_tf_data_for_infinite_and_unknown() -> None:
    with pytest.raises(TypeError, match="infinite"):
        len(data.Dataset.range(3).repeat())
    with pytest.raises(TypeError, match="unknown"):
        len(data.Dataset.range(3).filter(lambda x: x > 0))


def check_shuffle_order(order: list[int], size: int, buffer: int) -> None:
    """What tf.data's buffer guarantees whatever the seed."""
    assert sorted(order) == list(range(size))  # a permutation: nothing lost or repeated
    for k, value in enumerate(order):
        assert value < buffer + k  # the k-th output is one of the first buffer + k inputs
    if buffer == 1:
        assert order == list(range(size))


@pytest.mark.parametrize("key", ["n20_buffer1", "n20_buffer3", "n20_buffer8", "n20_buffer100"])
def test_shuffle_buffer_semantics_hold_for_tf_and_lamina(key: str) -> None:
    run = RECORDED["shuffle"][key]
    size, buffer = run["size"], run["buffer"]
    for order in run["orders"]:
        check_shuffle_order(order, size, buffer)
    ours = [[int(v) for v in data.Dataset.range(size).shuffle(buffer, seed=seed).as_numpy_iterator()]
            for seed in range(30)]
    for order in ours:
        check_shuffle_order(order, size, buffer)
    # As in TensorFlow, a buffer > 1 gives several different orders over 30 seeds, and the first output can be
    # any of the first `buffer` inputs.
    assert len({tuple(o) for o in ours}) > 1 if buffer > 1 else len({tuple(o) for o in ours}) == 1
    assert {o[0] for o in ours} <= set(range(buffer))
    if buffer >= 3:
        assert len({o[0] for o in ours}) > 1 and len({o[0] for o in run["orders"]}) > 1


def test_reshuffle_each_iteration_as_tf_data() -> None:
    epochs = RECORDED["shuffle"]["epochs"]
    for reshuffle, orders in epochs.items():
        ours = data.Dataset.range(10).shuffle(10, seed=3, reshuffle_each_iteration=reshuffle == "True")
        mine = [[int(v) for v in ours.as_numpy_iterator()] for _ in range(3)]
        for recorded, own in ((orders, mine),):
            distinct = len({tuple(o) for o in recorded})
            assert len({tuple(o) for o in own}) == distinct  # 3 different orders, or one repeated
        assert (distinct == 3) == (reshuffle == "True")
    # shuffle before repeat: each pass is a permutation of its own, and the passes differ.
    repeated = RECORDED["shuffle"]["shuffle_then_repeat"]
    ours = [int(v) for v in data.Dataset.range(10).shuffle(10, seed=4).repeat(3).as_numpy_iterator()]
    for order in (repeated, ours):
        passes = [order[i:i + 10] for i in range(0, 30, 10)]
        assert all(sorted(p) == list(range(10)) for p in passes)
        assert len({tuple(p) for p in passes}) > 1


def test_shuffle_with_a_seed_is_deterministic_across_runs_and_without_one_follows_set_random_seed() -> None:
    def orders(dataset):
        return [[int(v) for v in dataset.as_numpy_iterator()] for _ in range(2)]

    assert orders(data.Dataset.range(50).shuffle(20, seed=9)) == orders(data.Dataset.range(50).shuffle(20, seed=9))
    import lamina
    lamina.utils.set_random_seed(5)
    first = orders(data.Dataset.range(50).shuffle(20))
    lamina.utils.set_random_seed(5)
    assert orders(data.Dataset.range(50).shuffle(20)) == first
