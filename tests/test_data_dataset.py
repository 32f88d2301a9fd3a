"""lamina.data.Dataset's own guarantees: background threads (order, errors with their traceback, no thread left
behind), from_generator's checks, cache, Lamina layers inside map, the errors for bad input. The agreement with
tf.data is in test_data_vs_tf.py. No test here depends on timing: where a thread must have made progress, the test
waits for an event (with a generous timeout only as a guard against hanging)."""

from __future__ import annotations

import threading
import time
import traceback

import numpy as np
import pytest

import lamina
import lamina as tf
from lamina.data import AUTOTUNE, Dataset, TensorSpec
from lamina.layers import GaussianNoise

GUARD_SECONDS = 30  # never reached unless something hangs


@pytest.fixture
def thread_count():
    before = threading.active_count()
    yield before
    assert threading.active_count() == before, [t.name for t in threading.enumerate()]


# ----- threads --------------------------------------------------------------------------------------------
def test_parallel_map_keeps_input_order_with_uneven_work(thread_count) -> None:
    def slow_for_small(x):
        time.sleep(0.002 * (10 - int(x) % 10) / 10)  # the early elements finish last
        return x * 3

    values = [int(v) for v in Dataset.range(40).map(slow_for_small, num_parallel_calls=4).as_numpy_iterator()]
    assert values == [3 * i for i in range(40)]
    unordered = Dataset.range(40).map(slow_for_small, num_parallel_calls=4, deterministic=False)
    assert sorted(int(v) for v in unordered.as_numpy_iterator()) == [3 * i for i in range(40)]


def test_parallel_map_runs_on_several_threads(thread_count) -> None:
    names = set()
    both_started = threading.Barrier(2, timeout=GUARD_SECONDS)

    def record(x):
        names.add(threading.current_thread().name)
        if int(x) < 2:
            both_started.wait()  # two calls must be in flight at once, or this would never return
        return x

    list(Dataset.range(8).map(record, num_parallel_calls=2).as_numpy_iterator())
    assert len(names) == 2 and all(name.startswith("lamina-data-map") for name in names)


def test_prefetch_produces_ahead_while_the_consumer_waits(thread_count) -> None:
    produced = []
    three_ready = threading.Event()

    def source():
        for i in range(10):
            produced.append(i)
            if len(produced) == 3:
                three_ready.set()
            yield i

    dataset = Dataset.from_generator(source, output_signature=TensorSpec((), "int64")).prefetch(2)
    iterator = iter(dataset)
    assert int(next(iterator)) == 0
    # The consumer holds element 0; the producer fills the buffer (1, 2) on its own thread.
    assert three_ready.wait(GUARD_SECONDS)
    assert [int(v) for v in iterator] == list(range(1, 10))


@pytest.mark.parametrize("build", [
    lambda: Dataset.range(1000).prefetch(3),
    lambda: Dataset.range(1000).map(lambda x: x + 1, num_parallel_calls=3),
    lambda: Dataset.range(1000).map(lambda x: x + 1, num_parallel_calls=2).batch(4).prefetch(2),
    lambda: Dataset.range(1000).prefetch(2).map(lambda x: x, num_parallel_calls=2).prefetch(1).take(500),
    lambda: Dataset.zip(Dataset.range(1000).prefetch(1), Dataset.range(1000).prefetch(1)).shuffle(10, seed=0),
])
def test_dropping_a_half_consumed_iterator_leaves_no_thread(build, thread_count) -> None:
    iterator = iter(build())
    next(iterator)
    next(iterator)
    assert threading.active_count() > thread_count
    del iterator
    assert threading.active_count() == thread_count
    for _ in build():  # a for loop left by break drops its iterator too
        break
    assert threading.active_count() == thread_count
    with iter(build()) as iterator:  # and close() stops them at once
        next(iterator)
    assert threading.active_count() == thread_count


def _explode(x):
    if int(x) == 5:
        raise KeyError(f"bad element {int(x)}")
    return x


@pytest.mark.parametrize("parallel", [None, 3])
@pytest.mark.parametrize("prefetch", [False, True])
def test_a_worker_exception_reaches_the_consumer_with_its_traceback(parallel, prefetch, thread_count) -> None:
    dataset = Dataset.range(10).map(_explode, num_parallel_calls=parallel)
    if prefetch:
        dataset = dataset.prefetch(2)
    received = []
    with pytest.raises(KeyError, match="bad element 5") as caught:
        for value in dataset:
            received.append(int(value))
    assert received == [0, 1, 2, 3, 4]  # everything before the failing element, in order
    frames = [frame.name for frame in traceback.extract_tb(caught.value.__traceback__)]
    assert "_explode" in frames  # the worker's own frame is in the traceback
    assert threading.active_count() == thread_count


def test_an_exception_in_the_generator_reaches_the_consumer_through_prefetch(thread_count) -> None:
    def broken():
        yield 1
        raise OSError("disk gone")

    dataset = Dataset.from_generator(broken, output_signature=TensorSpec((), "int32")).prefetch(4)
    with pytest.raises(OSError, match="disk gone"):
        list(dataset)


def test_iteration_is_deterministic_with_a_seed_even_with_parallel_map(thread_count) -> None:
    def pipeline():
        return (Dataset.from_tensor_slices(np.arange(300)).shuffle(64, seed=7)
                .map(lambda x: x * 2, num_parallel_calls=AUTOTUNE).batch(32).prefetch(AUTOTUNE))

    first = [b.tolist() for b in pipeline().as_numpy_iterator()]
    assert first == [b.tolist() for b in pipeline().as_numpy_iterator()]
    assert sorted(v for b in first for v in b) == list(range(0, 600, 2))


# ----- elements and mapped functions ----------------------------------------------------------------------
def test_map_may_call_lamina_layers_and_return_tensors() -> None:
    lamina.utils.set_random_seed(0)
    noise = GaussianNoise(0.5)
    x = np.zeros((16, 3), np.float32)
    dataset = Dataset.from_tensor_slices((x, np.arange(16))).map(lambda v, y: (noise(v, training=True), y))
    element = next(iter(dataset))
    assert isinstance(element[0], lamina.Tensor)  # a mapped function's tensors are kept as elements
    batches = list(dataset.batch(8).as_numpy_iterator())
    features = np.concatenate([b[0] for b in batches])
    assert isinstance(batches[0][0], np.ndarray) and features.shape == (16, 3)
    assert features.std() > 0.1  # the noise was applied (training=True reached the layer)
    plain = next(Dataset.from_tensor_slices(x).map(lambda v: noise(v, training=False)).as_numpy_iterator())
    assert isinstance(plain, np.ndarray) and not plain.any()


def test_from_generator_checks_and_converts_to_the_signature() -> None:
    calls = []

    def numbers(stop):
        calls.append(stop)
        for i in range(stop):
            yield [i, i * 0.5], i  # a list for a tuple signature component, floats into float32

    signature = (TensorSpec((2,), "float32"), TensorSpec((), "int32"))
    dataset = Dataset.from_generator(numbers, args=(3,), output_signature=signature)
    first = list(dataset.as_numpy_iterator())
    second = list(dataset.as_numpy_iterator())
    assert calls == [3, 3]  # called again for every iteration
    assert [x.dtype for x, _ in first] == [np.float32] * 3 and first[2][1] == 2 and first[2][1].dtype == np.int32
    assert dataset.element_spec == signature and int(dataset.cardinality()) == tf.data.UNKNOWN_CARDINALITY
    assert [a.tolist() for a, _ in first] == [a.tolist() for a, _ in second]

    wrong_shape = Dataset.from_generator(lambda: iter([np.zeros(3)]), output_signature=TensorSpec((2,), "float32"))
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        list(wrong_shape)
    lossy = Dataset.from_generator(lambda: iter([1.5]), output_signature=TensorSpec((), "int32"))
    with pytest.raises(TypeError, match="without loss"):
        list(lossy)
    wrong_structure = Dataset.from_generator(lambda: iter([1]), output_signature=signature)
    with pytest.raises(TypeError, match="structure"):
        list(wrong_structure)
    with pytest.raises(TypeError, match="callable"):
        Dataset.from_generator(numbers(2), output_signature=signature)
    with pytest.raises(TypeError, match="output_signature"):
        Dataset.from_generator(numbers)
    legacy = Dataset.from_generator(lambda: iter([[1, 2]]), output_types="int64", output_shapes=(None,))
    assert legacy.element_spec == TensorSpec((None,), "int64")


def test_cache_replays_the_first_complete_pass_only() -> None:
    calls = []

    def count(x):
        calls.append(int(x))
        return x

    dataset = Dataset.range(5).map(count).cache()
    iterator = iter(dataset)
    next(iterator)
    del iterator  # a partial pass caches nothing
    assert [int(v) for v in dataset] == list(range(5))
    assert [int(v) for v in dataset] == list(range(5))
    assert calls == [0, 0, 1, 2, 3, 4]  # the second full pass came from memory
    with pytest.raises(NotImplementedError, match="in memory only"):
        Dataset.range(3).cache("/tmp/cache-file")


def test_as_numpy_iterator_len_bool_and_repr() -> None:
    dataset = Dataset.range(3).map(lambda x: lamina.tensor(np.full(2, x, np.float32)))
    assert all(isinstance(v, np.ndarray) for v in dataset.as_numpy_iterator())
    assert len(Dataset.range(7).batch(2)) == 4 and bool(Dataset.range(0)) is True
    assert repr(Dataset.range(2)) == "<RangeDataset element_spec=TensorSpec(shape=(), dtype=int64, name=None)>"
    assert tf.data.experimental.cardinality(Dataset.range(4)).numpy() == 4
    assert tf.data.AUTOTUNE == tf.data.experimental.AUTOTUNE == -1
    iterator = iter(Dataset.range(2))
    assert int(iterator.get_next()) == 0 and iterator.element_spec == TensorSpec((), "int64")


def test_repeat_of_an_empty_dataset_ends() -> None:
    assert list(Dataset.range(5).filter(lambda x: x > 10).repeat()) == []


def test_unbatch_splits_dicts_and_tensors() -> None:
    dataset = Dataset.from_tensors({"a": np.arange(6).reshape(3, 2), "b": np.arange(3)}).unbatch()
    assert [e["b"].item() for e in dataset] == [0, 1, 2]
    assert dataset.element_spec["a"] == TensorSpec((2,), np.arange(1).dtype)


# ----- bad input ------------------------------------------------------------------------------------------
def test_bad_arguments_raise_clear_errors() -> None:
    with pytest.raises(ValueError, match="same size in their first dimension"):
        Dataset.from_tensor_slices((np.zeros(3), np.zeros(4)))
    with pytest.raises(ValueError, match="scalar"):
        Dataset.from_tensor_slices(np.float32(1.0))
    with pytest.raises(ValueError, match="batch_size"):
        Dataset.range(3).batch(0)
    with pytest.raises(ValueError, match="buffer_size"):
        Dataset.range(3).shuffle(0)
    with pytest.raises(ValueError, match="num_parallel_calls"):
        Dataset.range(3).map(lambda x: x, num_parallel_calls=0)
    with pytest.raises(ValueError, match="count"):
        Dataset.range(3).take(-2)
    with pytest.raises(ValueError, match="prefetch"):
        Dataset.range(3).prefetch(-3)
    with pytest.raises(TypeError, match="callable"):
        Dataset.range(3).map("not a function")
    with pytest.raises(TypeError, match="same structure"):
        Dataset.range(3).concatenate(Dataset.from_tensor_slices((np.zeros(2), np.zeros(2))))
    with pytest.raises(TypeError, match="Dataset.zip"):
        Dataset.zip(Dataset.range(2), [1, 2])
    with pytest.raises(ValueError, match="scalar bool"):
        list(Dataset.range(3).filter(lambda x: x))
    with pytest.raises(ValueError, match="first \\(batch\\) axis"):
        list(Dataset.range(3).unbatch())
    ragged = Dataset.from_generator(lambda: iter([np.zeros(2), np.zeros(3)]),
                                    output_signature=TensorSpec((None,), "float64")).batch(2)
    with pytest.raises(ValueError, match=r"different shapes in component 0.*\(2,\).*\(3,\)"):
        list(ragged)


@pytest.mark.parametrize("size, buffer", [(0, 4), (5, 1), (20, 7), (20, 20), (500, 64), (300, 1000)])
def test_shuffling_row_numbers_and_shuffling_elements_give_the_same_order(size, buffer) -> None:
    """The vectorized order (rows of from_tensor_slices) and the step-by-step buffer (any other input) are two
    computations of one algorithm: the same seed must give the same order, through batch's gather too."""
    rows = np.arange(size, dtype=np.int64)
    for seed in range(3):
        stepwise = [int(v) for v in Dataset.from_generator(lambda: iter(rows.tolist()),
                                                           output_signature=TensorSpec((), "int64"))
                    .shuffle(buffer, seed=seed)]
        vectorized = [int(v) for v in Dataset.from_tensor_slices(rows).shuffle(buffer, seed=seed)]
        gathered = [int(v) for b in Dataset.from_tensor_slices(rows).shuffle(buffer, seed=seed).batch(3) for v in b]
        assert stepwise == vectorized == gathered and sorted(stepwise) == list(range(size))
