"""Workloads E and F of ``train_bench.py``: convolutional networks, each written for Lamina, PyTorch and Keras.

    E  the keras.io "Simple MNIST convnet": Conv2D 32 3x3 ReLU, MaxPooling 2, Conv2D 64 3x3 ReLU, MaxPooling 2,
       Flatten, Dropout 0.5, Dense 10 softmax; Adam, batch 128; all 60,000 MNIST training images per epoch
    F  the residual network of examples/s11_resnet.py: a stride-2 stem and 9 residual pairs of Conv2D 3x3 (8
       channels) + BatchNormalization (momentum 0.9) + ReLU, global average pooling, Dense 10; Adam, batch 64;
       the first 8,000 Fashion-MNIST training images per epoch (the example's subset)

As for A-D, every runner trains the same network on the same data for the same epochs and returns each epoch's
wall time and the test accuracy at the end (all 10,000 test images, in batches of the training batch size: the
peak memory is training's, not that of a larger evaluation batch). Lamina and Keras run the same Keras-API
code (for F, the example's own ``network`` function); PyTorch's models are written out with the same layers,
initial-weight scheme aside (each framework's defaults), channels first (the images have one channel, so NCHW
is a reshape of the same memory). ``workloads.py`` routes these workloads here (``with_conv_workloads``).
"""

from __future__ import annotations

import importlib.util
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from workloads import Workload, epoch_timer, torch_train

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@dataclass(frozen=True)
class ConvWorkload(Workload):
    """A convolutional workload: ``model`` names the network, ``train_limit`` caps the training images."""
    model: str = "convnet"
    train_limit: int | None = None

    def layer_shapes(self) -> list[tuple[int, int, int]]:
        """(output positions per sample, inputs per output, outputs per position) of every layer with weights."""
        if self.model == "convnet":
            return [(26 * 26, 9, 32), (11 * 11, 9 * 32, 64), (1, 5 * 5 * 64, 10)]
        pairs, width = self.resnet_shape()
        return [(14 * 14, 9, width)] + [(14 * 14, 9 * width, width)] * (2 * pairs) + [(1, width, 10)]

    @staticmethod
    def resnet_shape() -> tuple[int, int]:
        return 9, 8

    def matmul_flops_per_sample(self, inputs: int, classes: int) -> int:
        """Forward + backward multiply-adds of the convolutions and the Dense layer, times 2, per sample (as
        ``Workload``'s: three products per layer, two for the first, which needs no input gradient)."""
        macs = [positions * fan_in * outputs for positions, fan_in, outputs in self.layer_shapes()]
        return 2 * (3 * sum(macs) - macs[0])


CONV_WORKLOADS = {
    "E": ConvWorkload("E", "mnist", (), 128, dropout=0.5, model="convnet"),
    "F": ConvWorkload("F", "fashion-mnist", (), 64, batch_norm=True, model="resnet", train_limit=8000),
}


def images(data: tuple, workload: ConvWorkload, channels_first: bool = False) -> tuple:
    """The flat pixel rows as one-channel images (views, no copy); the training set cut to ``train_limit``."""
    x_train, y_train, x_test, y_test = data
    limit = workload.train_limit or len(x_train)
    side = int(round(math.sqrt(x_train.shape[1])))
    shape = (1, side, side) if channels_first else (side, side, 1)
    return (x_train[:limit].reshape((-1,) + shape), y_train[:limit], x_test.reshape((-1,) + shape), y_test)


def example_network() -> Callable[..., Any]:
    """``network`` of examples/s11_resnet.py (its folder first on the path, for its ``_common``)."""
    sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location("s11_resnet", EXAMPLES / "s11_resnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.network


# ----- Lamina and Keras: the same code ----------------------------------------------------------------------
def keras_convnet(keras: Any) -> Any:
    layers = keras.layers
    model = keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"), layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(), layers.Dropout(0.5), layers.Dense(10, activation="softmax"),
    ])
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    return model


def run_keras_api(keras: Any, workload: ConvWorkload, data: tuple, epochs: int, seed: int) -> dict:
    keras.utils.set_random_seed(seed)
    x_train, y_train, x_test, y_test = images(data, workload)
    if workload.model == "convnet":
        model = keras_convnet(keras)
    else:
        pairs, width = workload.resnet_shape()
        model = example_network()(keras, (28, 28, 1), 10, pairs, residual=True, width=width)
    times: list[float] = []

    model.fit(x_train, y_train, batch_size=workload.batch_size, epochs=epochs, verbose=0, callbacks=[epoch_timer(keras, times)])
    _, accuracy = model.evaluate(x_test, y_test, batch_size=workload.batch_size, verbose=0)
    return {"epoch_times": times, "accuracy": float(accuracy)}


# ----- PyTorch ------------------------------------------------------------------------------------------------
def torch_network(torch: Any, workload: ConvWorkload) -> Any:
    nn = torch.nn
    if workload.model == "convnet":
        return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))
    pairs, width = workload.resnet_shape()

    def conv_bn(channels_in: int, stride: int = 1) -> list:
        # Keras's BatchNormalization(momentum=0.9, epsilon=1e-3) is PyTorch's momentum=0.1, eps=1e-3
        return [nn.Conv2d(channels_in, width, 3, stride=stride, padding=1, bias=False),
                nn.BatchNorm2d(width, eps=1e-3, momentum=0.1)]

    class Pair(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*conv_bn(width), nn.ReLU(), *conv_bn(width))

        def forward(self, x):
            return torch.relu(self.body(x) + x)

    # Keras's "same" for a 3x3 stride-2 convolution of 28 pixels pads (0, 1); PyTorch's padding=1 pads (1, 1):
    # the same output size (14), the window shifted by one pixel.
    return nn.Sequential(*conv_bn(1, stride=2), nn.ReLU(), *[Pair() for _ in range(pairs)],
                         nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, 10))


def run_torch(workload: ConvWorkload, data: tuple, epochs: int, seed: int, fused: bool = False) -> dict:
    import torch

    torch.manual_seed(seed)
    torch.set_num_threads(2)
    x_train, y_train, x_test, y_test = (torch.from_numpy(np.ascontiguousarray(a))
                                        for a in images(data, workload, channels_first=True))
    model = torch_network(torch, workload)
    times = torch_train(torch, model, x_train, y_train, workload.batch_size, epochs, fused)
    model.eval()
    with torch.no_grad():
        batch = workload.batch_size
        correct = sum(int((model(x_test[i:i + batch]).argmax(dim=1) == y_test[i:i + batch]).sum())
                      for i in range(0, len(x_test), batch))
    return {"epoch_times": times, "accuracy": correct / len(x_test)}


# ----- the hand-written NumPy floor (E only: benchmarks/conv_floor.py) -----------------------------------------
def run_numpy(workload: ConvWorkload, data: tuple, epochs: int, seed: int) -> dict:
    """conv_floor.py's hand-written step over every full batch of 128 (the last 96 images of each epoch's
    shuffled order are left out); test accuracy over the full batches of the test set (9,984 images)."""
    if workload.model != "convnet":
        raise ValueError(f"workload {workload.name}: there is no hand-written NumPy floor of this network")
    from conv_floor import BATCH, ConvNetFloor
    from numpy_floor import FlatAdam

    x_train, y_train, x_test, y_test = images(data, workload)
    rng = np.random.default_rng(seed)
    net = ConvNetFloor(rng)
    adam = FlatAdam(net.params, net.grads, epsilon=1e-7)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        order = rng.permutation(len(x_train))
        for i in range(0, len(order) - BATCH + 1, BATCH):
            index = order[i:i + BATCH]
            net.draw_mask(rng)
            net.loss_and_gradients(x_train[index], y_train[index])
            adam.step()
        times.append(time.perf_counter() - start)
    scores = net.predict(x_test)
    accuracy = float((scores.argmax(axis=1) == y_test[:len(scores)]).mean())
    return {"epoch_times": times, "accuracy": accuracy}


def run_lamina(workload: ConvWorkload, data: tuple, epochs: int, seed: int) -> dict:
    import lamina.keras
    return run_keras_api(lamina.keras, workload, data, epochs, seed)


def run_keras(workload: ConvWorkload, data: tuple, epochs: int, seed: int) -> dict:
    import os
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    return run_keras_api(keras, workload, data, epochs, seed)


def conv_runner(framework: str, runner: Callable[..., dict]) -> Callable[..., dict]:
    """``runner`` (workloads.py's, for ``framework``) for the MLP workloads; this module's for E and F."""
    if framework.startswith("lamina"):
        own = run_lamina
    elif framework.startswith("keras"):
        own = run_keras
    elif framework.startswith("torch"):
        own = lambda w, d, e, s: run_torch(w, d, e, s, fused=framework == "torch-fused")  # noqa: E731
    else:
        own = run_numpy

    def run(workload: Workload, data: Any, epochs: int, seed: int) -> dict:
        if isinstance(workload, ConvWorkload):
            return own(workload, data, epochs, seed)
        return runner(workload, data, epochs, seed)
    return run
