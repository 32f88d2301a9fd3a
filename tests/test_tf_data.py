"""tf.data.Dataset under `import lamina as tf`: the in-memory pipeline of TensorFlow's training-loop guide."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina as tf

X = np.arange(20, dtype=np.float64).reshape(10, 2)
Y = np.arange(10, dtype=np.uint8)


def labels(dataset) -> list[int]:
    return [int(y) for _, y in dataset.as_numpy_iterator()]


def test_slices_batches_and_tensors():
    dataset = tf.data.Dataset.from_tensor_slices((X, Y))
    assert len(dataset) == dataset.cardinality() == 10
    x0, y0 = next(iter(dataset))
    assert isinstance(x0, lamina.Tensor) and x0.shape == (2,) and x0.dtype == np.float32  # Lamina's float policy
    assert y0.dtype == np.uint8 and int(y0) == 0
    batches = list(dataset.batch(4))
    assert [tuple(x.shape) for x, _ in batches] == [(4, 2), (4, 2), (2, 2)]
    assert len(dataset.batch(4)) == 3 and len(dataset.batch(4, drop_remainder=True)) == 2
    np.testing.assert_array_equal(np.concatenate([y.numpy() for _, y in batches]), Y)
    named = next(iter(tf.data.Dataset.from_tensor_slices({"image": X, "label": Y}).batch(3)))
    assert set(named) == {"image", "label"} and named["image"].shape == (3, 2)


def test_buffered_shuffle_is_tensorflows():
    assert labels(tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(1)) == list(range(10))  # a buffer of one
    k = 3
    order = labels(tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(k, seed=4))
    assert sorted(order) == list(range(10)) and order != list(range(10))
    # Output position p draws from the first p + k elements: element i never comes out before position i - k + 1.
    assert all(order.index(i) >= i - (k - 1) for i in range(10))


def test_shuffle_reshuffles_each_pass_unless_told_not_to_and_is_seeded():
    full = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(100, seed=1)
    first, second = labels(full), labels(full)
    assert sorted(first) == list(range(10)) and first != second
    fixed = tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(100, seed=1, reshuffle_each_iteration=False)
    assert labels(fixed) == labels(fixed) == first
    lamina.utils.set_random_seed(5)
    a = labels(tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(100))
    lamina.utils.set_random_seed(5)
    assert labels(tf.data.Dataset.from_tensor_slices((X, Y)).shuffle(100)) == a


def test_take_skip_repeat_map_prefetch():
    dataset = tf.data.Dataset.from_tensor_slices((X, Y))
    assert labels(dataset.take(3)) == [0, 1, 2] and len(dataset.take(3)) == 3
    assert labels(dataset.skip(8)) == [8, 9] and len(dataset.skip(8)) == 2
    assert labels(dataset.repeat(2)) == list(range(10)) * 2 and len(dataset.repeat(2)) == 20
    forever = dataset.repeat()
    assert forever.cardinality() == -1 and labels(forever.take(12)) == list(range(10)) + [0, 1]
    with pytest.raises(TypeError, match="infinite"):
        len(forever)
    doubled = dataset.map(lambda x, y: (x * 2, y)).prefetch(2)
    np.testing.assert_array_equal(np.stack([x for x, _ in doubled.as_numpy_iterator()]), X * 2)
    assert [int(v) for v in tf.data.Dataset.range(3)] == [0, 1, 2]


def test_bad_input_is_named():
    with pytest.raises(ValueError, match=r"same length along the first axis; received shapes \[\(10, 2\), \(9,\)\]"):
        tf.data.Dataset.from_tensor_slices((X, Y[:9]))
    with pytest.raises(ValueError, match="batch_size must be a positive integer; received 0"):
        tf.data.Dataset.from_tensor_slices(X).batch(0)
    with pytest.raises(AttributeError, match="tf.data.TFRecordDataset is a TensorFlow name that Lamina does not"):
        tf.data.TFRecordDataset  # noqa: B018
