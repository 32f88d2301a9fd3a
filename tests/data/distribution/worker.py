"""One process of the data-parallel tests (tests/test_distribution_mpi.py), run as ``python worker.py CONFIG`` or
``mpiexec -n N python worker.py CONFIG``; CONFIG is a JSON object:

    out        folder for this run's results (rank{r}.npz: final weights; rank{r}.json: history, evaluate)
    dtype      'float32' or 'float64' (the model's weights and arithmetic)
    optimizer  the optimizer's name (default 'adam')
    epochs, batch_size, samples
    sync_bn    add a BatchNormalization(synchronized=True) (false: no BatchNormalization)
    backend    DataParallel's backend ('auto' or 'mpi')
    check_every
    timeout    DataParallel's timeout from the second epoch on
    fault      'raise' / 'kill' / 'hang' on rank ``fault_rank`` (default 1) at the 6th batch of epoch 2
    verbose    fit's verbose
    files      add ModelCheckpoint and CSVLogger writing to rank-stamped names, and EarlyStopping (verbose 1)
    resume     a checkpoint (Lamina format) to load and continue from, with initial_epoch
    save       where to write a full checkpoint (ModelCheckpoint, Lamina format) every epoch
"""

from __future__ import annotations

import json
import os
import signal
import sys
import time

import numpy as np

from lamina import callbacks, distribution, layers
from lamina.models import Sequential, load_model
from lamina.utils import set_random_seed

config = json.loads(sys.argv[1])
distribution.set_distribution(distribution.DataParallel(backend=config.get("backend", "auto"),
                                                        check_every=config.get("check_every")))
rank = distribution.rank()
out = config["out"]
set_random_seed(0)

# A small 3-class problem; the sample count is chosen so that the last batches are uneven.
data = np.random.default_rng(1)
x = data.normal(size=(config.get("samples", 203), 10)).astype(np.float32)
y = ((x[:, :3].sum(axis=1) > 0).astype(np.int64) + (x[:, 3] > 1)).astype(np.int64)

if config.get("resume"):
    model = load_model(config["resume"])
else:
    dtype = config.get("dtype", "float32")
    stack = [layers.Input((10,)), layers.Dense(16, dtype=dtype, kernel_regularizer="l2")]
    if config.get("sync_bn"):
        stack.append(layers.BatchNormalization(synchronized=True, dtype=dtype))
    stack += [layers.Activation("relu", dtype=dtype), layers.Dense(3, activation="softmax", dtype=dtype)]
    model = Sequential(stack)
    model.compile(optimizer=config.get("optimizer", "adam"), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])


class Fault(callbacks.Callback):
    def on_train_batch_begin(self, batch, logs=None):
        if rank != config.get("fault_rank", 1) or self.epoch != 1 or batch != 5:
            return
        if config["fault"] == "raise":
            raise ValueError("a failure on purpose")
        if config["fault"] == "kill":
            os.kill(os.getpid(), signal.SIGKILL)
        if config["fault"] == "hang":
            time.sleep(600)

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch
        if epoch == 1 and config.get("timeout"):
            # The short timeout from here on only: a slow start of one process on a busy machine is no fault.
            distribution.set_distribution(distribution.DataParallel(timeout=config["timeout"]))


used = []
if config.get("fault"):
    used.append(Fault())
if config.get("files"):
    used += [callbacks.ModelCheckpoint(os.path.join(out, f"ckpt-rank{rank}.weights.npz"), save_weights_only=True),
             callbacks.CSVLogger(os.path.join(out, f"log-rank{rank}.csv")),
             callbacks.EarlyStopping(monitor="val_loss", patience=0, min_delta=0.5, verbose=1)]
if config.get("save"):
    used.append(callbacks.ModelCheckpoint(config["save"]))
history = model.fit(x, y, batch_size=config.get("batch_size", 20), epochs=config.get("epochs", 3),
                    initial_epoch=config.get("initial_epoch", 0), validation_split=0.1,
                    verbose=config.get("verbose", 0), callbacks=used)
evaluation = model.evaluate(x, y, batch_size=17, verbose=0, return_dict=True)
np.savez(os.path.join(out, f"rank{rank}.npz"), *model.get_weights())
with open(os.path.join(out, f"rank{rank}.json"), "w") as handle:
    json.dump({"history": history.history, "evaluate": evaluation, "size": distribution.size()}, handle)
