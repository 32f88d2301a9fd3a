"""fit / evaluate / predict fed by a Dataset, a Python generator or a keras.utils.PyDataset (Keras 3's semantics:
batches from the input, steps_per_epoch continuing one iterator, validation_steps / validation_freq), and the
arrays path unchanged."""

from __future__ import annotations

import threading
import warnings

import numpy as np
import pytest

import lamina
from lamina.data import AUTOTUNE, Dataset
from lamina.keras.utils import PyDataset
from lamina.layers import Dense
from lamina.models import Sequential


def data(n: int = 96, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 5)).astype(np.float32)
    return x, (x[:, 0] + x[:, 1] > 0).astype(np.int64)


def model(seed: int = 0) -> Sequential:
    lamina.utils.set_random_seed(seed)
    net = Sequential([Dense(8, activation="relu", input_shape=(5,)), Dense(2, activation="softmax")])
    net.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return net


def same_weights(a: Sequential, b: Sequential) -> bool:
    return all(np.array_equal(u, v) for u, v in zip(a.get_weights(), b.get_weights()))


class Batches(PyDataset):
    """Batches of (x, y) by index; records the order it was asked for and its epoch hooks."""

    def __init__(self, x, y, batch_size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.requested: list[int] = []
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.batch_size)

    def __getitem__(self, index):
        self.requested.append(index)
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[part], self.y[part]

    def on_epoch_end(self):
        self.epochs_ended += 1


@pytest.fixture
def no_thread_left():
    before = threading.active_count()
    yield
    assert threading.active_count() == before, [t.name for t in threading.enumerate()]


# ----- the same training, fed three ways ------------------------------------------------------------------
def test_a_dataset_a_generator_and_a_py_dataset_train_exactly_like_arrays(no_thread_left) -> None:
    x, y = data()
    reference = model()
    history = reference.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)

    from_dataset = model()
    dataset = Dataset.from_tensor_slices((x, y)).batch(16).prefetch(AUTOTUNE)
    assert from_dataset.fit(dataset, epochs=3, verbose=0).history == history.history
    assert same_weights(reference, from_dataset)

    from_py_dataset = model()
    from_py_dataset.fit(Batches(x, y, 16, workers=2), epochs=3, shuffle=False, verbose=0)
    assert same_weights(reference, from_py_dataset)

    from_generator = model()
    batches = ((x[i:i + 16], y[i:i + 16]) for _ in range(3) for i in range(0, 96, 16))
    from_generator.fit(batches, steps_per_epoch=6, epochs=3, verbose=0)
    assert same_weights(reference, from_generator)

    assert reference.evaluate(x, y, batch_size=16, verbose=0) == from_dataset.evaluate(dataset, verbose=0)
    np.testing.assert_array_equal(reference.predict(x, verbose=0),
                                  from_dataset.predict(Dataset.from_tensor_slices(x).batch(10), verbose=0))
    np.testing.assert_array_equal(reference.predict(x, verbose=0),  # (x, y) elements: y is ignored
                                  from_dataset.predict(dataset, verbose=0))


def test_sample_and_class_weights_from_a_dataset_equal_the_arrays_path() -> None:
    x, y = data()
    w = np.linspace(0.5, 1.5, len(x)).astype(np.float32)
    reference = model()
    reference.fit(x, y, sample_weight=w, class_weight={0: 1.0, 1: 3.0}, batch_size=32, shuffle=False, verbose=0)
    weighted = model()
    weighted.fit(Dataset.from_tensor_slices((x, y, w)).batch(32), class_weight={0: 1.0, 1: 3.0}, verbose=0)
    assert same_weights(reference, weighted)


def test_py_dataset_batches_are_shuffled_per_epoch_by_the_models_generator(no_thread_left) -> None:
    x, y = data()
    orders = []
    for _ in range(2):
        batches = Batches(x, y, 8, workers=3)
        model(seed=4).fit(batches, epochs=2, verbose=0)
        orders.append(batches.requested)
        assert batches.epochs_ended == 2
    assert orders[0] == orders[1]  # reproducible from the seed
    first, second = orders[0][:12], orders[0][12:]
    assert sorted(first) == sorted(second) == list(range(12)) and first != second


# ----- steps ----------------------------------------------------------------------------------------------
def test_steps_per_epoch_continues_one_iterator_across_epochs() -> None:
    x, y = data(64)
    seen = []
    dataset = Dataset.range(8).repeat().map(lambda i: (seen.append(int(i)) or x[i * 8:(i + 1) * 8],
                                                       y[int(i) * 8:(int(i) + 1) * 8]))
    with pytest.raises(ValueError, match="infinite Dataset.*steps_per_epoch"):
        model().fit(dataset, epochs=1, verbose=0)
    history = model().fit(dataset, steps_per_epoch=3, epochs=3, verbose=0)
    assert seen == [0, 1, 2, 3, 4, 5, 6, 7, 0] and history.params["steps"] == 3


def test_a_finite_dataset_shorter_than_steps_per_epoch_warns_and_restarts() -> None:
    x, y = data(32)
    dataset = Dataset.from_tensor_slices((x, y)).batch(8)  # 4 batches
    with pytest.warns(UserWarning, match="ran out of data"):
        history = model().fit(dataset, steps_per_epoch=6, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2  # each epoch ran the 4 batches there were


def test_a_generator_that_runs_out_ends_training_with_the_keras_warning() -> None:
    x, y = data(32)
    generator = ((x[i:i + 8], y[i:i + 8]) for i in range(0, 32, 8))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = model().fit(generator, epochs=3, verbose=0)
    assert history.epoch == [0]  # the second epoch found nothing left
    assert any("ran out of data" in str(w.message) for w in caught)


def test_validation_dataset_steps_and_frequency() -> None:
    x, y = data(64)
    train = Dataset.from_tensor_slices((x, y)).shuffle(64, seed=1).batch(16)
    consumed = []
    validation = Dataset.from_tensor_slices((x[:32], y[:32])).batch(8).map(
        lambda a, b: (consumed.append(len(a)) or a, b))
    history = model().fit(train, validation_data=validation, validation_steps=2, validation_freq=2, epochs=4,
                          verbose=0)
    assert len(history.history["loss"]) == 4 and len(history.history["val_loss"]) == 2
    assert consumed == [8, 8, 8, 8]  # two validations of 2 batches each, each from the start
    history = model().fit(x, y, validation_data=validation, validation_freq=[1, 3], epochs=3, verbose=0)
    assert len(history.history["val_accuracy"]) == 2
    with pytest.raises(ValueError, match="validation_freq"):
        model().fit(x, y, validation_data=(x, y), validation_freq=0, verbose=0)
    assert model().evaluate(validation, steps=1, verbose=0, return_dict=True).keys() == {"loss", "accuracy"}


# ----- errors ---------------------------------------------------------------------------------------------
def test_bad_combinations_are_refused_clearly() -> None:
    x, y = data(32)
    dataset = Dataset.from_tensor_slices((x, y)).batch(8)
    net = model()
    with pytest.warns(UserWarning, match="batch_size=8 is ignored: x is a Dataset"):  # Keras: silently ignored
        net.fit(dataset, batch_size=8, verbose=0)
    with pytest.raises(ValueError, match="`y` should not be passed"):
        net.fit(dataset, y, verbose=0)
    with pytest.raises(ValueError, match="validation_split is only supported for arrays"):
        net.fit(dataset, validation_split=0.2, verbose=0)
    with pytest.raises(ValueError, match="steps_per_epoch"):
        net.fit(x, y, steps_per_epoch=0, verbose=0)
    with pytest.raises(ValueError, match="no targets"):
        net.fit(Dataset.from_tensor_slices(x).batch(8), verbose=0)
    with pytest.raises(ValueError, match="named inputs"):
        net.fit(Dataset.from_tensor_slices(({"features": x}, y)).batch(8), verbose=0)
    nan = x.copy()
    nan[13, 2] = np.nan
    with pytest.raises(ValueError, match="Dataset batch 1: x contains NaN"):
        net.fit(Dataset.from_tensor_slices((nan, y)).batch(8), verbose=0)


def _fail_on_third(features, label):
    if float(features[0]) == 3.0:
        raise RuntimeError("cannot decode sample 3")
    return features, label


def test_an_error_in_the_pipeline_stops_fit_with_its_traceback(no_thread_left) -> None:
    x = np.arange(20, dtype=np.float32)[:, None].repeat(5, axis=1)
    y = np.zeros(20, np.int64)
    dataset = Dataset.from_tensor_slices((x, y)).map(_fail_on_third, num_parallel_calls=2).batch(4).prefetch(2)
    with pytest.raises(RuntimeError, match="cannot decode sample 3") as caught:
        model().fit(dataset, epochs=1, verbose=0)
    assert "_fail_on_third" in {frame.name for frame in caught.traceback}


def test_threads_stop_when_fit_stops_inside_an_epoch(no_thread_left) -> None:
    x, y = data(64)
    x[40] = np.nan  # batch 5 of 8: training stops there with an error
    dataset = Dataset.from_tensor_slices((x, y)).repeat().batch(8).prefetch(2)
    with pytest.raises(ValueError, match="NaN") as caught:
        model().fit(dataset, steps_per_epoch=20, epochs=2, verbose=0)
    assert caught.value is not None  # the traceback (holding fit's frame) is still alive here


def test_predict_and_evaluate_take_generators_and_py_datasets() -> None:
    x, y = data(40)
    net = model()
    expected = net.predict(x, batch_size=8, verbose=0)
    np.testing.assert_array_equal(net.predict((x[i:i + 8] for i in range(0, 40, 8)), verbose=0), expected)
    np.testing.assert_array_equal(net.predict(Batches(x, y, 8, workers=2), verbose=0), expected)
    assert net.evaluate(Batches(x, y, 8), verbose=0) == net.evaluate(x, y, batch_size=8, verbose=0)
