"""Callbacks: Keras's protocol and order, EarlyStopping's exact semantics, atomic checkpoints, LR callbacks,
TerminateOnNaN, CSVLogger, LambdaCallback."""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest

import lamina
from lamina.callbacks import (
    CSVLogger, Callback, EarlyStopping, History, LambdaCallback, LearningRateScheduler, ModelCheckpoint,
    ReduceLROnPlateau, TerminateOnNaN,
)
from lamina.layers import Dense
from lamina.models import Sequential


def small_model(seed: int = 0, optimizer: str = "sgd", metrics: tuple = ("accuracy",)) -> Sequential:
    lamina.utils.set_random_seed(seed)
    model = Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1, activation="sigmoid")])
    model.compile(optimizer=optimizer, loss="binary_crossentropy", metrics=list(metrics))
    return model


def toy_data(n: int = 40, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    return x, y


# ----- EarlyStopping on a scripted sequence of validation losses ---------------------------------------------
class FakeModel:
    """Just enough model for a callback: weights that record the epoch they come from."""

    def __init__(self) -> None:
        self.stop_training = False
        self.epoch = -1
        self.restored_from: int | None = None

    def get_weights(self) -> list[np.ndarray]:
        return [np.array(self.epoch)]

    def set_weights(self, weights: list[np.ndarray]) -> None:
        self.restored_from = int(weights[0])


SCRIPT = [1.0, 0.8, 0.85, 0.79, 0.9, 0.95, 0.97, 0.99, 1.0, 1.1]


def run_script(callback: EarlyStopping, values: list[float], key: str = "val_loss") -> tuple[FakeModel, int]:
    """Drive the callback as fit does; return the model and the number of epochs run."""
    model = FakeModel()
    callback.set_model(model)
    callback.on_train_begin()
    epochs_run = 0
    for epoch, value in enumerate(values):
        model.epoch = epoch
        callback.on_epoch_end(epoch, {key: value})
        epochs_run += 1
        if model.stop_training:
            break
    callback.on_train_end()
    return model, epochs_run


def test_early_stopping_patience_2_stops_at_epoch_6_and_restores_epoch_4(capsys) -> None:
    stop = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    model, epochs = run_script(stop, SCRIPT)
    assert epochs == 6 and stop.stopped_epoch == 5
    assert model.restored_from == 3 and stop.best == 0.79
    assert capsys.readouterr().out == ("Epoch 6: early stopping\n"
                                       "Restoring model weights from the end of the best epoch: 4.\n")


def test_early_stopping_patience_0_stops_at_epoch_3(capsys) -> None:
    stop = EarlyStopping(patience=0, restore_best_weights=True, verbose=1)
    model, epochs = run_script(stop, SCRIPT)
    assert epochs == 3 and model.restored_from == 1
    assert capsys.readouterr().out.splitlines() == [
        "Epoch 3: early stopping", "Restoring model weights from the end of the best epoch: 2."]


def test_early_stopping_min_delta_makes_small_gains_not_count(capsys) -> None:
    stop = EarlyStopping(patience=2, min_delta=0.05, verbose=1)
    model, epochs = run_script(stop, SCRIPT)
    # 0.79 beats 0.8 but not by 0.05: epochs 3 and 4 both count as waiting.
    assert epochs == 4 and stop.best == 0.8 and model.restored_from is None
    assert capsys.readouterr().out == "Epoch 4: early stopping\n"


def test_min_delta_sign_is_ignored() -> None:
    _, epochs = run_script(EarlyStopping(patience=2, min_delta=-0.05), SCRIPT)
    assert epochs == 4


def test_equal_value_is_not_an_improvement() -> None:
    _, epochs = run_script(EarlyStopping(patience=1), [1.0, 1.0, 1.0])
    assert epochs == 2


def test_never_stops_after_the_first_epoch() -> None:
    _, epochs = run_script(EarlyStopping(patience=0), [1.0, 2.0])
    assert epochs == 2


def test_restores_best_weights_also_when_not_stopped_early(capsys) -> None:
    stop = EarlyStopping(patience=5, restore_best_weights=True, verbose=1)
    model, epochs = run_script(stop, [1.0, 0.5, 0.7, 0.8])
    assert epochs == 4 and stop.stopped_epoch == 0 and model.restored_from == 1
    assert capsys.readouterr().out == "Restoring model weights from the end of the best epoch: 2.\n"


def test_accuracy_is_maximized_in_auto_mode() -> None:
    stop = EarlyStopping(monitor="val_accuracy", patience=1, restore_best_weights=True)
    model, epochs = run_script(stop, [0.5, 0.7, 0.6, 0.65], key="val_accuracy")
    assert epochs == 3 and model.restored_from == 1


def test_mode_min_on_an_accuracy_key_is_obeyed() -> None:
    _, epochs = run_script(EarlyStopping(monitor="val_accuracy", mode="min", patience=0),
                           [0.5, 0.7], key="val_accuracy")
    assert epochs == 2


def test_baseline_must_be_beaten_for_wait_to_reset() -> None:
    # The values improve but never beat the baseline 0.5, so wait is never reset; the first epoch that does
    # not improve then stops at once (as in Keras, the stop test runs only on epochs without improvement).
    values = [0.9, 0.8, 0.7, 0.75, 0.74]
    stop = EarlyStopping(patience=2, baseline=0.5)
    _, epochs = run_script(stop, values)
    assert epochs == 4 and stop.best == 0.7 and stop.wait == 4
    _, epochs = run_script(EarlyStopping(patience=2), values)
    assert epochs == 5


def test_start_from_epoch_ignores_the_warm_up() -> None:
    stop = EarlyStopping(patience=0, start_from_epoch=3)
    _, epochs = run_script(stop, [1.0, 2.0, 3.0, 1.0, 2.0, 0.5])
    assert epochs == 5


def test_missing_monitor_warns_and_does_not_stop() -> None:
    stop = EarlyStopping(monitor="val_loss", patience=0)
    with pytest.warns(UserWarning, match="val_loss.*not available"):
        _, epochs = run_script(stop, [1.0, 2.0, 3.0], key="loss")
    assert epochs == 3


def test_unknown_mode_warns_and_falls_back_to_auto() -> None:
    with pytest.warns(UserWarning, match="unknown"):
        stop = EarlyStopping(mode="sideways")
    assert stop.mode == "auto"


def test_unknown_direction_in_auto_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="mode='max'"):
        run_script(EarlyStopping(monitor="wobble", patience=0), [1.0], key="wobble")


def test_an_instance_can_be_reused() -> None:
    stop = EarlyStopping(patience=0)
    run_script(stop, SCRIPT)
    _, epochs = run_script(stop, [3.0, 2.0, 1.0])
    assert epochs == 3 and stop.stopped_epoch == 0


def test_early_stopping_inside_fit_restores_the_best_epoch(capsys) -> None:
    """The scripted losses injected into real fit logs: the loop stops and restores as Keras does."""
    model = small_model()
    x, y = toy_data()
    snapshots: list[list[np.ndarray]] = []

    def inject(epoch: int, logs: dict) -> None:
        logs["val_loss"] = SCRIPT[epoch]
        snapshots.append(model.get_weights())

    stop = EarlyStopping(patience=2, restore_best_weights=True, verbose=1)
    history = model.fit(x, y, epochs=100, verbose=0, validation_data=(x, y),
                        callbacks=[LambdaCallback(on_epoch_end=inject), stop])
    assert len(history.history["loss"]) == 6 and history.epoch == [0, 1, 2, 3, 4, 5]
    assert history.history["val_loss"] == SCRIPT[:6]
    for restored, best in zip(model.get_weights(), snapshots[3]):
        np.testing.assert_array_equal(restored, best)
    assert capsys.readouterr().out.splitlines()[-2:] == [
        "Epoch 6: early stopping", "Restoring model weights from the end of the best epoch: 4."]


# ----- the protocol ------------------------------------------------------------------------------------------
class Recorder(Callback):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[str] = []

    def __getattribute__(self, name: str):
        if name.startswith("on_") and not name.startswith("on_batch"):
            calls = object.__getattribute__(self, "calls")

            def record(*args, **kwargs):
                step = f" {args[0]}" if args and isinstance(args[0], int) else ""
                calls.append(name + step)
            return record
        return object.__getattribute__(self, name)


def test_hooks_are_called_in_keras_order() -> None:
    model = small_model()
    x, y = toy_data(10)
    recorder = Recorder()
    model.fit(x, y, batch_size=4, epochs=2, verbose=0, validation_data=(x[:4], y[:4]), callbacks=[recorder])
    epoch = lambda e: [f"on_epoch_begin {e}", "on_train_batch_begin 0", "on_train_batch_end 0",
                       "on_train_batch_begin 1", "on_train_batch_end 1", "on_train_batch_begin 2",
                       "on_train_batch_end 2", "on_test_begin", "on_test_batch_begin 0",
                       "on_test_batch_end 0", "on_test_end", f"on_epoch_end {e}"]
    assert recorder.calls == ["on_train_begin", *epoch(0), *epoch(1), "on_train_end"]

    recorder.calls.clear()
    model.evaluate(x, y, batch_size=8, verbose=0, callbacks=[recorder])
    assert recorder.calls == ["on_test_begin", "on_test_batch_begin 0", "on_test_batch_end 0",
                              "on_test_batch_begin 1", "on_test_batch_end 1", "on_test_end"]
    recorder.calls.clear()
    model.predict(x, batch_size=8, verbose=0, callbacks=[recorder])
    assert recorder.calls == ["on_predict_begin", "on_predict_batch_begin 0", "on_predict_batch_end 0",
                              "on_predict_batch_begin 1", "on_predict_batch_end 1", "on_predict_end"]


def test_callbacks_see_model_params_and_logs() -> None:
    model = small_model()
    x, y = toy_data(10)
    seen = {}

    class Probe(Callback):
        def on_train_begin(self, logs=None):
            seen["model"] = self.model
            seen["params"] = dict(self.params)

        def on_train_batch_end(self, batch, logs=None):
            seen.setdefault("batch_keys", sorted(logs))

        def on_epoch_end(self, epoch, logs=None):
            seen["epoch_keys"] = list(logs)

    model.fit(x, y, batch_size=4, epochs=1, verbose=0, validation_split=0.2, callbacks=[Probe()])
    assert seen["model"] is model
    assert seen["params"] == {"verbose": 0, "epochs": 1, "steps": 2}
    assert seen["batch_keys"] == ["accuracy", "loss"]
    assert seen["epoch_keys"] == ["accuracy", "loss", "val_accuracy", "val_loss"]


def test_stop_training_at_epoch_end_stops_after_that_epoch() -> None:
    model = small_model()
    x, y = toy_data()

    def stop_at_2(epoch, logs):
        if epoch == 2:
            model.stop_training = True

    history = model.fit(x, y, epochs=10, verbose=0, callbacks=[LambdaCallback(on_epoch_end=stop_at_2)])
    assert history.epoch == [0, 1, 2]


def test_lambda_callback_rejects_unknown_hooks() -> None:
    with pytest.raises(TypeError, match="unknown hook"):
        LambdaCallback(on_epoch_finish=print)


def test_callbacks_must_be_callbacks() -> None:
    model = small_model()
    x, y = toy_data()
    with pytest.raises(TypeError, match="Callback"):
        model.fit(x, y, verbose=0, callbacks=[print])


def test_a_user_history_is_the_one_returned() -> None:
    model = small_model()
    x, y = toy_data()
    mine = History()
    assert model.fit(x, y, epochs=2, verbose=0, callbacks=[mine]) is mine
    assert model.history is mine and len(mine.history["loss"]) == 2


# ----- NaN handling -------------------------------------------------------------------------------------------
def poison_after(model: Sequential, batch_index: int) -> LambdaCallback:
    """Set a weight to NaN after batch ``batch_index`` of the first epoch, so the next batch's loss is NaN."""
    def poison(batch, logs):
        if batch == batch_index:
            model.trainable_weights[0].data[...] = np.nan
    return LambdaCallback(on_train_batch_end=poison)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_stops_at_the_bad_batch_and_reports_no_partial_epoch(capsys) -> None:
    model = small_model()
    x, y = toy_data(40)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0,
                        callbacks=[poison_after(model, 1), TerminateOnNaN()])
    assert capsys.readouterr().out == "Batch 2: Invalid loss, terminating training\n"
    assert history.history == {} and history.epoch == []


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_terminate_on_nan_keeps_completed_epochs_only(capsys) -> None:
    model = small_model()
    x, y = toy_data(40)

    def poison_in_epoch_2(epoch, logs):
        if epoch == 1:
            model.trainable_weights[0].data[...] = np.inf
    history = model.fit(x, y, batch_size=8, epochs=4, verbose=1,
                        callbacks=[LambdaCallback(on_epoch_begin=poison_in_epoch_2), TerminateOnNaN()])
    out = capsys.readouterr().out
    assert history.epoch == [0] and len(history.history["loss"]) == 1
    assert out.splitlines()[-1] == "Batch 0: Invalid loss, terminating training"
    assert "Epoch 2/4" in out and out.count("5/5") == 1  # only the complete epoch printed a final bar


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_loss_without_terminate_on_nan_continues_like_keras() -> None:
    model = small_model()
    x, y = toy_data(40)
    history = model.fit(x, y, batch_size=8, epochs=3, verbose=0, callbacks=[poison_after(model, 1)])
    assert history.epoch == [0, 1, 2]
    assert all(math.isnan(v) for v in history.history["loss"])


# ----- ModelCheckpoint ----------------------------------------------------------------------------------------
def test_checkpoint_every_epoch_formats_the_path(tmp_path) -> None:
    model = small_model()
    x, y = toy_data()
    pattern = str(tmp_path / "ckpt-{epoch:02d}-{loss:.2f}.weights.npz")
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[ModelCheckpoint(pattern, save_weights_only=True)])
    names = sorted(os.listdir(tmp_path))
    expected = sorted(f"ckpt-{e + 1:02d}-{loss:.2f}.weights.npz" for e, loss in enumerate(history.history["loss"]))
    assert names == expected
    fresh = small_model(seed=99)
    fresh.build((None, 3))
    fresh.load_weights(str(tmp_path / expected[-1]))
    for a, b in zip(fresh.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_best_only_saves_on_strict_improvement(tmp_path, capsys) -> None:
    model = small_model()
    x, y = toy_data()
    path = str(tmp_path / "best.weights.npz")
    scripted = [0.9, 0.7, 0.8, 0.7, 0.6]
    saved_at: list[int] = []

    def inject(epoch, logs):
        logs["val_loss"] = scripted[epoch]

    def note_save(epoch, logs):
        if os.path.exists(path):
            saved_at.append(os.stat(path).st_mtime_ns)

    checkpoint = ModelCheckpoint(path, monitor="val_loss", save_best_only=True, save_weights_only=True, verbose=1)
    model.fit(x, y, epochs=5, verbose=0, callbacks=[LambdaCallback(on_epoch_end=inject), checkpoint])
    out = capsys.readouterr().out
    assert "Epoch 1: val_loss improved from inf to 0.90000, saving model to" in out
    assert "Epoch 2: val_loss improved from 0.90000 to 0.70000" in out
    assert "Epoch 3: val_loss did not improve from 0.70000" in out
    assert "Epoch 4: val_loss did not improve from 0.70000" in out  # equal is not better
    assert "Epoch 5: val_loss improved from 0.70000 to 0.60000" in out
    assert checkpoint.best == 0.6
    loaded = small_model(seed=5)
    loaded.build((None, 3))
    loaded.load_weights(path)
    for a, b in zip(loaded.get_weights(), model.get_weights()):  # the last epoch was the best
        np.testing.assert_array_equal(a, b)


def test_checkpoint_write_is_atomic_when_interrupted(tmp_path, monkeypatch) -> None:
    """A failure in the middle of writing leaves the previous checkpoint whole and loadable."""
    model = small_model()
    x, y = toy_data()
    path = str(tmp_path / "model.weights.npz")
    model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path, save_weights_only=True)])
    good = model.get_weights()
    before = open(path, "rb").read()

    real_savez = np.savez

    def crash_half_way(file, *args, **kwargs):
        real_savez(file, *args, **kwargs)
        file.truncate(len(before) // 2)  # a torn file...
        raise OSError("disk full")       # ...and the process dies mid-write

    monkeypatch.setattr(np, "savez", crash_half_way)
    with pytest.raises(OSError, match="disk full"):
        model.fit(x, y, epochs=1, verbose=0, callbacks=[ModelCheckpoint(path, save_weights_only=True)])
    monkeypatch.setattr(np, "savez", real_savez)
    assert open(path, "rb").read() == before
    assert os.listdir(tmp_path) == ["model.weights.npz"]  # no temporary file left behind
    restored = small_model(seed=3)
    restored.build((None, 3))
    restored.load_weights(path)
    for a, b in zip(restored.get_weights(), good):
        np.testing.assert_array_equal(a, b)


def test_checkpoint_best_only_with_missing_monitor_warns(tmp_path) -> None:
    model = small_model()
    x, y = toy_data()
    with pytest.warns(UserWarning, match="Can save best model only with val_loss available"):
        model.fit(x, y, epochs=1, verbose=0,
                  callbacks=[ModelCheckpoint(str(tmp_path / "w.npz"), save_best_only=True, save_weights_only=True)])
    assert not os.path.exists(tmp_path / "w.npz")


def test_checkpoint_every_n_batches(tmp_path) -> None:
    model = small_model()
    x, y = toy_data(40)
    pattern = str(tmp_path / "e{epoch}-b{batch}.npz")
    model.fit(x, y, batch_size=8, epochs=2, verbose=0,
              callbacks=[ModelCheckpoint(pattern, save_weights_only=True, save_freq=3)])
    assert sorted(os.listdir(tmp_path)) == ["e1-b3.npz", "e2-b1.npz", "e2-b4.npz"]


def test_checkpoint_rejects_a_bad_save_freq() -> None:
    with pytest.raises(ValueError, match="save_freq"):
        ModelCheckpoint("x.npz", save_freq="sometimes")


def test_load_weights_never_unpickles(tmp_path) -> None:
    path = tmp_path / "evil.npz"
    np.savez(path, lamina_weights_format=np.array(1), count=np.array(1), w0=np.array([{"a": 1}], dtype=object))
    model = small_model()
    model.build((None, 3))
    with pytest.raises(ValueError):
        model.load_weights(str(path))


# ----- learning-rate callbacks -------------------------------------------------------------------------------
def test_learning_rate_scheduler_sets_the_rate_each_epoch(capsys) -> None:
    model = small_model(optimizer="sgd")
    x, y = toy_data()
    schedule = LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch, verbose=1)
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[schedule])
    assert history.history["learning_rate"] == pytest.approx([0.1, 0.05, 0.025])
    assert model.optimizer.learning_rate == pytest.approx(0.025)
    assert "Epoch 2: LearningRateScheduler setting learning rate to 0.05." in capsys.readouterr().out


def test_learning_rate_scheduler_accepts_the_one_argument_form() -> None:
    model = small_model()
    x, y = toy_data()
    model.fit(x, y, epochs=2, verbose=0, callbacks=[LearningRateScheduler(lambda epoch: 0.01 * (epoch + 1))])
    assert model.optimizer.learning_rate == pytest.approx(0.02)


def test_learning_rate_scheduler_rejects_non_numbers() -> None:
    model = small_model()
    x, y = toy_data()
    with pytest.raises(ValueError, match="should be a float"):
        model.fit(x, y, verbose=0, callbacks=[LearningRateScheduler(lambda epoch, lr: "fast")])


class FakeOptimizer:
    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate


def drive_plateau(callback: ReduceLROnPlateau, values: list[float]) -> list[float]:
    """The learning rate after each epoch of a scripted monitor sequence."""
    model = FakeModel()
    model.optimizer = FakeOptimizer(1.0)
    callback.set_model(model)
    callback.on_train_begin()
    rates = []
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": value})
        rates.append(model.optimizer.learning_rate)
    return rates


def test_reduce_lr_on_plateau_with_patience_and_cooldown(capsys) -> None:
    callback = ReduceLROnPlateau(factor=0.5, patience=2, cooldown=1, min_lr=0.2, verbose=1)
    rates = drive_plateau(callback, [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95])
    # Keras's counting: no improvement after epoch 2, so wait reaches 2 at epoch 4: halve. The cooldown epoch
    # (5) resets wait and then counts, so wait is 2 again at epoch 6: halve. Epoch 8: 0.125, clipped to
    # min_lr 0.2; after that the rate is at min_lr and stays.
    assert rates == [1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25, 0.2, 0.2, 0.2]
    assert "Epoch 4: ReduceLROnPlateau reducing learning rate to 0.5." in capsys.readouterr().out


def test_reduce_lr_on_plateau_min_delta() -> None:
    callback = ReduceLROnPlateau(factor=0.1, patience=1, min_delta=0.1)
    assert drive_plateau(callback, [1.0, 0.95, 0.8]) == pytest.approx([1.0, 0.1, 0.1])


def test_reduce_lr_on_plateau_rejects_factor_1() -> None:
    with pytest.raises(ValueError, match="factor"):
        ReduceLROnPlateau(factor=1.0)


def test_reduce_lr_on_plateau_in_fit_records_the_rate() -> None:
    model = small_model(optimizer="sgd")
    x, y = toy_data()
    history = model.fit(x, y, epochs=3, verbose=0, validation_data=(x, y),
                        callbacks=[ReduceLROnPlateau(monitor="loss", patience=1, factor=0.5)])
    assert len(history.history["learning_rate"]) == 3


# ----- CSVLogger ----------------------------------------------------------------------------------------------
def test_csv_logger_writes_one_row_per_epoch(tmp_path) -> None:
    model = small_model()
    x, y = toy_data()
    path = tmp_path / "log.csv"
    history = model.fit(x, y, epochs=2, verbose=0, validation_split=0.25, callbacks=[CSVLogger(str(path))])
    lines = path.read_text().splitlines()
    assert lines[0] == "epoch,accuracy,loss,val_accuracy,val_loss"
    assert len(lines) == 3 and lines[1].startswith("0,") and lines[2].startswith("1,")
    assert float(lines[2].split(",")[2]) == pytest.approx(history.history["loss"][1])

    model.fit(x, y, epochs=1, verbose=0, validation_split=0.25, callbacks=[CSVLogger(str(path), append=True)])
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and lines.count(lines[0]) == 1  # no second header

    model.fit(x, y, epochs=1, verbose=0, callbacks=[CSVLogger(str(path), separator=";")])
    assert path.read_text().splitlines()[0] == "epoch;accuracy;loss"


def test_callback_modules_import_lazily() -> None:
    import subprocess
    import sys

    code = "import sys, lamina; print('lamina.callbacks' in sys.modules, 'lamina.models' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.split() == ["False", "False"]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert lamina.callbacks.EarlyStopping is EarlyStopping


def test_every_hook_receives_a_dict_never_none() -> None:
    """Keras's contract: ``logs`` is always a dict (empty where there is nothing to report), in every hook of
    fit, evaluate and predict, so that a callback may write ``logs["key"]`` without a check."""
    received: dict[str, set] = {}

    class Recorder(lamina.callbacks.Callback):
        pass

    recorder = Recorder()
    hooks = [name for name in dir(lamina.callbacks.Callback) if name.startswith("on_")]
    for hook in hooks:
        def record(*args, hook=hook):
            received.setdefault(hook, set()).add(type(args[-1]))
            args[-1]["seen_by_" + hook] = True  # writing into logs must be possible
        setattr(recorder, hook, record)
    model = small_model()
    x, y = toy_data()
    model.fit(x, y, epochs=2, batch_size=10, verbose=0, validation_split=0.25, callbacks=[recorder])
    model.evaluate(x, y, verbose=0, callbacks=[recorder])
    model.predict(x, verbose=0, callbacks=[recorder])
    expected = set(hooks) - {"on_batch_begin", "on_batch_end"}  # Keras's old aliases, called by the base class
    assert set(received) >= expected
    assert all(kinds == {dict} for kinds in received.values()), received
