"""TensorBoard: write training's scalars, weight histograms and model graph as TensorBoard event files.

Laid out as Keras's callback lays them out, so TensorBoard shows a Lamina run as it shows a Keras one:

- ``log_dir/train``: ``epoch_<metric>`` at step = epoch (``epoch_loss``, ``epoch_accuracy``,
  ``epoch_learning_rate``); with ``update_freq`` a number N (or ``"batch"``, N = 1), ``batch_<metric>`` every N
  batches at step = the number of batches trained so far (counted from 1 over the whole fit); every
  ``histogram_freq`` epochs, ``<model>/<layer>/<weight>/histogram`` of each weight; with ``write_graph``, the model's
  config under the tag ``keras`` (TensorBoard's graph tab draws it);
- ``log_dir/validation``: ``epoch_<metric>`` of the validation (``val_`` dropped), and after every evaluation
  ``evaluation_<metric>_vs_iterations`` at step = the optimizer's step count.

The files are written with tensorboardX, an optional dependency: ``pip install lamina[tensorboard]``.

Example (then ``tensorboard --logdir logs`` in a shell)::

    model.fit(x, y, epochs=10, validation_split=0.2, callbacks=[TensorBoard("logs/run1", histogram_freq=1)])
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

import numpy as np

from .base import Callback, Logs


def _summary_writer(log_dir: str) -> Any:
    try:
        from tensorboardX import SummaryWriter
    except ImportError:
        raise ImportError("TensorBoard needs the tensorboardX package to write event files: "
                          "pip install 'lamina[tensorboard]' (or pip install tensorboardX)") from None
    # flush_secs=10: events reach the disk within 10 s while training runs, as tf.summary's writers do.
    return SummaryWriter(log_dir=log_dir, flush_secs=10)


class TensorBoard(Callback):
    """Write event files that TensorBoard reads (see the module docstring for what goes where).

    Args:
        log_dir: the run's folder; ``train/`` and ``validation/`` are made inside it.
        histogram_freq: every how many epochs to write weight histograms (0: never).
        write_graph: write the model's config, which TensorBoard's graph tab shows.
        write_images: also write each Dense kernel and bias as a grayscale image (Keras's layout).
        write_steps_per_second: add ``steps_per_second`` to the epoch scalars (and ``batch_steps_per_second``).
        update_freq: ``"epoch"`` (scalars once per epoch), ``"batch"`` or an integer N (also every N batches).
        profile_batch: must be 0; Lamina has no profiler to trace.
        embeddings_freq: must be 0; Lamina has no embedding layers to project.
        embeddings_metadata: accepted for Keras compatibility; unused.
    """

    def __init__(self, log_dir: str | os.PathLike = "logs", histogram_freq: int = 0, write_graph: bool = True,
                 write_images: bool = False, write_steps_per_second: bool = False, update_freq: str | int = "epoch",
                 profile_batch: int = 0, embeddings_freq: int = 0, embeddings_metadata: Any = None) -> None:
        super().__init__()
        if isinstance(histogram_freq, bool) or not isinstance(histogram_freq, (int, np.integer)) or histogram_freq < 0:
            raise ValueError(f"TensorBoard: histogram_freq must be an integer >= 0; received {histogram_freq!r}")
        if update_freq == "batch":
            update_freq = 1
        if update_freq != "epoch" and (isinstance(update_freq, bool) or not isinstance(update_freq, (int, np.integer))
                                       or update_freq < 1):
            raise ValueError(f"TensorBoard: update_freq must be 'epoch', 'batch' or an integer >= 1; received "
                             f"{update_freq!r}")
        if profile_batch:
            raise ValueError(f"TensorBoard: profile_batch={profile_batch!r}: Lamina has no profiler; use 0")
        if embeddings_freq:
            raise ValueError(f"TensorBoard: embeddings_freq={embeddings_freq!r}: Lamina has no embedding layers; "
                             f"use 0")
        self.log_dir = os.fspath(log_dir)
        self.histogram_freq = int(histogram_freq)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = update_freq if update_freq == "epoch" else int(update_freq)
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, Any] = {}
        self._global_train_batch = 0
        self._epoch_start = self._batch_start = 0.0
        self._epoch_batches = 0
        self._training = False

    # ----- writers ------------------------------------------------------------------------------------------
    def _writer(self, run: str) -> Any:
        """The run's writer ("train" or "validation"), made (with its folder) at first use."""
        writer = self._writers.get(run)
        if writer is None:
            writer = self._writers[run] = _summary_writer(os.path.join(self.log_dir, run))
        return writer

    def _scalars(self, run: str, prefix: str, logs: Logs, step: int) -> None:
        writer = self._writer(run)
        for name, value in logs.items():
            array = np.asarray(value, dtype=np.float64)
            if array.size == 1:  # per-class metrics (e.g. F1Score without average) have no scalar to plot
                writer.add_scalar(f"{prefix}{name}", float(array), step)

    def _close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ----- hooks --------------------------------------------------------------------------------------------
    def set_model(self, model: Any) -> None:
        super().set_model(model)
        self._close()
        if self.write_graph and model is not None:
            self._write_model_config(model)

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._global_train_batch = 0
        self._training = True
        self._writer("train")

    def on_epoch_begin(self, epoch: int, logs: Logs | None = None) -> None:
        self._epoch_start = time.perf_counter()
        self._epoch_batches = 0

    def on_train_batch_begin(self, batch: int, logs: Logs | None = None) -> None:
        self._global_train_batch += 1
        self._batch_start = time.perf_counter()

    def on_train_batch_end(self, batch: int, logs: Logs | None = None) -> None:
        self._epoch_batches += 1
        if self.update_freq == "epoch" or self._global_train_batch % self.update_freq:
            return
        step = self._global_train_batch
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._batch_start
            if elapsed > 0:
                self._writer("train").add_scalar("batch_steps_per_second", 1.0 / elapsed, step)
        self._scalars("train", "batch_", logs or {}, step)

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        train = {key: value for key, value in logs.items() if not key.startswith("val_")}
        validation = {key[4:]: value for key, value in logs.items() if key.startswith("val_")}
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            train["learning_rate"] = float(optimizer.learning_rate)
        if self.write_steps_per_second:
            elapsed = time.perf_counter() - self._epoch_start
            train["steps_per_second"] = self._epoch_batches / elapsed if elapsed > 0 else 0.0
        if train:
            self._scalars("train", "epoch_", train, epoch)
        if validation:
            self._scalars("validation", "epoch_", validation, epoch)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_weights(epoch)
        for writer in self._writers.values():
            writer.flush()

    def on_test_end(self, logs: Logs | None = None) -> None:
        optimizer = getattr(self.model, "optimizer", None)
        if optimizer is not None and logs:
            step = int(getattr(optimizer, "iterations", 0))
            self._scalars("validation", "evaluation_", {f"{k}_vs_iterations": v for k, v in logs.items()}, step)
        if not self._training:  # evaluate() on its own: its events are complete on disk when it returns
            self._close()

    def on_train_end(self, logs: Logs | None = None) -> None:
        self._training = False
        self._close()

    # ----- what is written ----------------------------------------------------------------------------------
    def _weights(self) -> list[tuple[str, np.ndarray]]:
        """(Keras's weight path "<model>/<layer>/<weight>", values) of every weight of every layer."""
        model_name = getattr(self.model, "name", "model")
        found = []
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                short = str(getattr(weight, "name", None) or "weight").split("/")[-1].replace(":", "_")
                found.append((f"{model_name}/{layer.name}/{short}", np.asarray(weight.data)))
        return found

    def _write_weights(self, epoch: int) -> None:
        writer = self._writer("train")
        for path, values in self._weights():
            writer.add_histogram(f"{path}/histogram", values.astype(np.float64), epoch, bins="tensorflow")
            if self.write_images:
                image = _weight_image(values)
                if image is not None:
                    writer.add_image(f"{path}/image", image, epoch, dataformats="HW")

    def _write_model_config(self, model: Any) -> None:
        """The model's config as Keras writes it, a JSON string under the tag ``keras`` with the plugin
        ``graph_keras_model``, which TensorBoard's graph tab draws."""
        try:
            config = json.dumps({"class_name": type(model).__name__, "config": model.get_config()}, default=str)
        except (AttributeError, NotImplementedError, TypeError, ValueError):
            return  # a model without a config (Keras skips it too, with a warning)
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model",
                                                                          content=b"1"))
        tensor = TensorProto(dtype="DT_STRING", string_val=[config.encode()], tensor_shape=TensorShapeProto())
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        writer = self._writer("train")
        writer._get_file_writer().add_summary(summary, global_step=0)
        writer.flush()


def _weight_image(values: np.ndarray) -> np.ndarray | None:
    """A weight as a grayscale image in [0, 1] (Keras's orientation: a bias as one column, a kernel wider than
    tall), or None for weights of more than two axes."""
    image = np.squeeze(values)
    if image.ndim == 1:  # a bias: one column
        image = image[:, None]
    elif image.ndim == 2 and image.shape[0] > image.shape[1]:
        image = image.T
    if image.ndim != 2:
        return None
    low, high = float(image.min()), float(image.max())
    return (image - low) / (high - low) if high > low else np.zeros_like(image, dtype=np.float64)
