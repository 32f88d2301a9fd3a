"""The training workloads of the speed benchmark, each written for Lamina, PyTorch and Keras.

Every runner trains the same network on the same data for the same number of epochs and returns the wall time
of each epoch and the test accuracy at the end, so that speed never comes from doing less work. Runners are
called in a fresh process by ``train_bench.py`` (one framework per process: clean peak-memory readings, no
thread-pool interference between frameworks).

Workloads (batch size, epochs are set by the driver):
    A  MNIST MLP 784-256-128-10, ReLU, Adam, batch 128
    B  MNIST MLP 784-2048-2048-10, ReLU, Adam, batch 256
    C  the notes' XOR listing: 2-2-1, leaky ReLU, he_normal, Adam(0.05), MSE, 100 epochs of one batch
    D  Fashion-MNIST, 8 hidden layers of 256 with BatchNorm, ReLU and Dropout 0.2, Adam, batch 128
    E  the keras.io MNIST convnet, Adam, batch 128 (conv_workloads.py)
    F  the residual network of examples/s11_resnet.py on 8,000 Fashion-MNIST images, Adam, batch 64
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Workload:
    name: str
    dataset: str          # "mnist", "fashion-mnist", "xor", or "synthetic" (tiny mode)
    hidden: tuple[int, ...]
    batch_size: int
    batch_norm: bool = False
    dropout: float = 0.0

    def matmul_flops_per_sample(self, inputs: int, classes: int) -> int:
        """Forward + backward multiply-adds of the dense layers, times 2 (FLOPs), per training sample.

        Backward does two products per layer (dW and dx) except the first layer, which needs no dx.
        """
        sizes = (inputs,) + self.hidden + (classes,)
        forward = sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
        first = sizes[0] * sizes[1]
        return 2 * (3 * forward - first)


WORKLOADS = {
    "A": Workload("A", "mnist", (256, 128), 128),
    "B": Workload("B", "mnist", (2048, 2048), 256),
    "C": Workload("C", "xor", (2,), 4),
    "D": Workload("D", "fashion-mnist", (256,) * 8, 128, batch_norm=True, dropout=0.2),
}


def epoch_timer(keras: Any, times: list[float]) -> Any:
    """A callback of ``keras`` (Lamina's or Keras's) that appends each epoch's wall time to ``times``."""
    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    return EpochTimer()


def load_data(workload: Workload, data_dir: str | None, tiny: bool):
    """(x_train, y_train, x_test, y_test): float32 pixels in [0, 1], flattened; integer labels."""
    if tiny or workload.dataset == "synthetic":
        rng = np.random.default_rng(0)
        centers = rng.normal(size=(10, 784)).astype(np.float32)
        y = rng.integers(0, 10, size=1200)
        x = (centers[y] + rng.normal(scale=2.0, size=(1200, 784))).astype(np.float32)
        return x[:1000], y[:1000], x[1000:], y[1000:]
    from lamina.datasets import fashion_mnist, mnist, read_idx
    loader = mnist if workload.dataset == "mnist" else fashion_mnist
    folder = Path(data_dir) if data_dir else None
    if folder is None or not _idx_file(folder, "train-images-idx3-ubyte"):
        (x_train, y_train), (x_test, y_test) = loader.load_data(path=data_dir)  # the library's search order
        return _pixels(x_train), y_train.astype(np.int64), _pixels(x_test), y_test.astype(np.int64)
    # One file at a time, each uint8 array dropped as soon as its float32 copy exists: the lowest peak memory
    # for every framework, so that the peak measured is training's, not this conversion's.
    read = lambda base: read_idx(_idx_file(folder, base))
    x_train = _pixels(read("train-images-idx3-ubyte"))
    x_test = _pixels(read("t10k-images-idx3-ubyte"))
    y_train = read("train-labels-idx1-ubyte").astype(np.int64)
    y_test = read("t10k-labels-idx1-ubyte").astype(np.int64)
    return x_train, y_train, x_test, y_test


def _idx_file(folder: Path, base: str) -> Path | None:
    for name in (base + ".gz", base):
        if (folder / name).is_file():
            return folder / name
    return None


def _pixels(images: np.ndarray) -> np.ndarray:
    """uint8 images -> float32 rows in [0, 1], divided in place (no second float32 copy)."""
    pixels = images.reshape(len(images), -1).astype(np.float32)
    pixels /= 255.0
    return pixels


XOR_X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
XOR_Y = np.array([[0], [1], [1], [0]], dtype=np.float32)


# ----- Lamina and Keras: the same code, since Lamina's API is Keras's ------------------------------------------
def build_mlp(keras, workload: Workload, inputs: int):
    """The compiled MLP of workload A, B or D, with a Keras-compatible module (``lamina.keras`` or ``keras``)."""
    layers = keras.layers
    model = keras.Sequential([layers.Input(shape=(inputs,))])
    for units in workload.hidden:
        if workload.batch_norm:
            model.add(layers.Dense(units))
            model.add(layers.BatchNormalization())
            model.add(layers.Activation("relu"))
        else:
            model.add(layers.Dense(units, activation="relu"))
        if workload.dropout:
            model.add(layers.Dropout(workload.dropout))
    model.add(layers.Dense(10, activation="softmax"))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run_keras_api(keras, workload: Workload, data, epochs: int, seed: int) -> dict:
    """Build, train and time the workload with a Keras-compatible module: ``lamina.keras`` or ``keras``."""
    layers = keras.layers
    keras.utils.set_random_seed(seed)
    if workload.dataset == "xor":
        model = keras.Sequential([
            layers.Input(shape=(2,)),
            layers.Dense(2, activation="leaky_relu", kernel_initializer="he_normal"),
            layers.Dense(1),
        ])
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.05), loss="mse")
        start = time.perf_counter()
        model.fit(XOR_X, XOR_Y, epochs=100, verbose=0)
        elapsed = time.perf_counter() - start
        solved = bool(np.all(np.round(model.predict(XOR_X, verbose=0)) == XOR_Y))
        return {"epoch_times": [elapsed], "accuracy": float(solved)}

    x_train, y_train, x_test, y_test = data
    model = build_mlp(keras, workload, x_train.shape[1])
    times: list[float] = []

    model.fit(x_train, y_train, batch_size=workload.batch_size, epochs=epochs, verbose=0, callbacks=[epoch_timer(keras, times)])
    _, accuracy = model.evaluate(x_test, y_test, batch_size=1024, verbose=0)
    return {"epoch_times": times, "accuracy": float(accuracy)}


def run_lamina(workload: Workload, data, epochs: int, seed: int) -> dict:
    """Lamina with the kernels ``lamina.kernels`` chooses (``LAMINA_KERNELS=numpy`` forces NumPy's); the time
    its kernels spent compiling, or loading from the disk cache, is reported as ``compile_s``."""
    import lamina.keras
    from lamina import kernels
    result = run_keras_api(lamina.keras, workload, data, epochs, seed)
    result["compile_s"] = kernels.compile_seconds()
    result["kernels"] = kernels.backend_name()
    return result


def run_keras(workload: Workload, data, epochs: int, seed: int) -> dict:
    """Keras 3 on the backend that ``KERAS_BACKEND`` names (the driver sets ``jax`` for ``keras-jax``)."""
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    result = run_keras_api(keras, workload, data, epochs, seed)
    result["backend"] = keras.backend.backend()
    return result


# ----- PyTorch -----------------------------------------------------------------------------------------------
def _torch_mlp(torch, workload: Workload, inputs: int):
    modules = []
    previous = inputs
    for units in workload.hidden:
        modules.append(torch.nn.Linear(previous, units))
        if workload.batch_norm:
            modules.append(torch.nn.BatchNorm1d(units))
        modules.append(torch.nn.ReLU())
        if workload.dropout:
            modules.append(torch.nn.Dropout(workload.dropout))
        previous = units
    modules.append(torch.nn.Linear(previous, 10))
    return torch.nn.Sequential(*modules)


def run_torch(workload: Workload, data, epochs: int, seed: int, fused: bool = False) -> dict:
    import torch

    torch.manual_seed(seed)
    # Two threads (this machine's cores), or one per CPU the driver pinned the process to (--cpus).
    torch.set_num_threads(int(os.environ.get("BENCH_THREADS", "2")))
    if workload.dataset == "xor":
        model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.LeakyReLU(0.2), torch.nn.Linear(2, 1))
        torch.nn.init.kaiming_normal_(model[0].weight)
        optimizer = torch.optim.Adam(model.parameters(), lr=0.05, fused=fused or None)
        x, y = torch.from_numpy(XOR_X), torch.from_numpy(XOR_Y)
        start = time.perf_counter()
        for _ in range(100):
            optimizer.zero_grad()
            loss = torch.nn.functional.mse_loss(model(x), y)
            loss.backward()
            optimizer.step()
        elapsed = time.perf_counter() - start
        with torch.no_grad():
            solved = bool(torch.all(torch.round(model(x)) == y))
        return {"epoch_times": [elapsed], "accuracy": float(solved)}

    x_train, y_train, x_test, y_test = (torch.from_numpy(a) for a in data)
    model = _torch_mlp(torch, workload, x_train.shape[1])
    times = torch_train(torch, model, x_train, y_train, workload.batch_size, epochs, fused)
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return {"epoch_times": times, "accuracy": accuracy}


def torch_train(torch: Any, model: Any, x_train: Any, y_train: Any, batch_size: int, epochs: int,
                fused: bool) -> list[float]:
    """PyTorch's usual loop (Adam with Keras's epsilon, cross-entropy, a new permutation every epoch); the wall
    time of each epoch."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7, fused=fused or None)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    n = len(x_train)
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        for i in range(0, n, batch_size):
            index = order[i:i + batch_size]
            optimizer.zero_grad()
            loss_fn(model(x_train[index]), y_train[index]).backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return times


# ----- hand-written NumPy: the floor a NumPy-only library is compared against (see numpy_floor.py) -----------
def run_numpy(workload: Workload, data, epochs: int, seed: int) -> dict:
    from numpy_floor import run_numpy as run
    return run(workload, data, epochs, seed)


RUNNERS = {
    "lamina": run_lamina,
    "torch": run_torch,
    "torch-fused": lambda w, d, e, s: run_torch(w, d, e, s, fused=True),
    "lamina-numpy": run_lamina,
    "keras": run_keras,
    "keras-jax": run_keras,
    "numpy": run_numpy,
}


# Workloads E and F, the convolutional networks (conv_workloads.py): each runner hands them to that module.
from conv_workloads import CONV_WORKLOADS, conv_runner  # noqa: E402

WORKLOADS.update(CONV_WORKLOADS)
RUNNERS = {framework: conv_runner(framework, runner) for framework, runner in RUNNERS.items()}
