"""How fast can NumPy train a convnet? One training step of the keras.io "Simple MNIST convnet", three ways.

The network (keras.io/examples/vision/mnist_convnet): Conv2D 32 3x3 ReLU, MaxPooling 2, Conv2D 64 3x3 ReLU,
MaxPooling 2, Flatten, Dropout 0.5, Dense 10 softmax; sparse categorical cross-entropy, Adam (Keras's defaults),
batch 128, 28x28x1 images. Timed here:

* the NumPy floor: the step written by hand in NumPy as directly as possible (below), with the time of each
  part (im2col, GEMMs, col2im, pooling, the rest);
* PyTorch (CPU, its default threads), the same network and optimizer;
* Lamina (the same network built with its Keras-style layers and ``train_on_batch``), with a profile of the
  same parts.

The floor, per step (B = 128; "GEMM" is one BLAS matrix product)::

    P1 = im2col(x)                 (B 26 26, 9)        9 strided copies, one per kernel offset (1 channel)
    z1 = P1 W1 + b1                (B 26 26, 32)       GEMM
    a1 = relu(maxpool(z1))         (B, 13, 13, 32)     max and ReLU commute: ReLU on the 4x smaller map
    P2 = im2col(a1)                (B 11 11, 288)      one copy through a 6-D strided view (32 channels)
    z2 = P2 W2 + b2                (B 11 11, 64)       GEMM
    a2 = relu(maxpool(z2))         (B, 5, 5, 64)       the 11th row and column are dropped (floor)
    h  = a2 M / 0.5                (B, 1600)           dropout mask M
    p  = softmax(h W3 + b3)        (B, 10)             GEMM
  backward (g_v = dloss/dv):
    g_logits = (p - onehot(y)) / B;  g_W3 = h^T g_logits;  g_h = g_logits W3^T          GEMMs
    g_z2 = unpool(g_h M / 0.5 * [a2 > 0])            the saved argmax routes each gradient to its input
    g_W2 = P2^T g_z2;  g_P2 = g_z2 W2^T              GEMMs
    g_a1 = col2im(g_P2) * [a1 > 0]                   9 strided adds, one per kernel offset, 8 samples at a time
    g_z1 = unpool(g_a1);  g_W1 = P1^T g_z1           (x needs no gradient)
    Adam over one flat buffer of all 34,826 parameters (benchmarks/numpy_floor.py's FlatAdam)

Every buffer is allocated once; all arithmetic is float32. Run:
    python benchmarks/conv_floor.py [--steps 20] [--repeats 5] [--skip torch,lamina]
The machine is usually shared: compare within one run (ratios) and repeat.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

sys.path.insert(0, str(Path(__file__).resolve().parent))
from numpy_floor import FlatAdam, carve  # noqa: E402

BATCH = 128
IMAGE = 28
CLASSES = 10
DROPOUT = 0.5
PARTS = ("im2col", "GEMM", "col2im", "pooling", "rest")
# Keras's weight order: conv1 kernel, bias, conv2 kernel, bias, dense kernel, bias.
SHAPES = [(3, 3, 1, 32), (32,), (3, 3, 32, 64), (64,), (5 * 5 * 64, CLASSES), (CLASSES,)]


# ----- the floor ---------------------------------------------------------------------------------------------
def max_pool_2x2(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    """out = the max of each 2x2 window of z (odd rows/columns at the end dropped); returns which of the 4 won
    (the first on a tie), as uint8: a pairwise tree with the index updated by arithmetic, not by masked copies."""
    oh, ow = out.shape[1:3]
    t0, t1, t2, t3 = (z[:, a:2 * oh:2, b:2 * ow:2] for a in (0, 1) for b in (0, 1))
    right = np.greater(t1, t0).view(np.uint8)                 # winner of the top pair: 0 or 1
    bottom = np.greater(t3, t2).view(np.uint8)                # of the bottom pair, minus 2
    top_max, bottom_max = np.maximum(t0, t1), np.maximum(t2, t3)
    lower = np.greater(bottom_max, top_max).view(np.uint8)
    np.maximum(top_max, bottom_max, out=out)
    bottom += np.uint8(2)
    bottom -= right                                           # argmax = right + lower * (bottom + 2 - right)
    bottom *= lower
    bottom += right
    return bottom


def unpool_2x2(g: np.ndarray, argmax: np.ndarray, dz: np.ndarray) -> None:
    """dz = g routed to the argmax of each 2x2 window (windows do not overlap; rows/columns outside them: 0)."""
    oh, ow = g.shape[1:3]
    dz[:, 2 * oh:] = 0
    dz[:, :, 2 * ow:] = 0
    for k, (a, b) in enumerate(((0, 0), (0, 1), (1, 0), (1, 1))):
        np.multiply(g, argmax == k, out=dz[:, a:2 * oh:2, b:2 * ow:2])


def col2im_3x3(g_cols: np.ndarray, g_x: np.ndarray, block: int = 8) -> None:
    """g_x = the scatter-add of the patch gradients (N, OH, OW, 3, 3, C) onto the (N, OH + 2, OW + 2, C)
    input, eight samples at a time so that the nine passes over a block stay in cache."""
    oh, ow = g_cols.shape[1:3]
    g_x.fill(0)
    for start in range(0, len(g_x), block):
        part, grads = g_x[start:start + block], g_cols[start:start + block]
        for a in range(3):
            for b in range(3):
                part[:, a:a + oh, b:b + ow, :] += grads[:, :, :, a, b, :]


class ConvNetFloor:
    """The keras.io MNIST convnet, forward and backward written out by hand (see the module docstring)."""

    def __init__(self, rng: np.random.Generator, batch: int = BATCH, dtype=np.float32, dropout: float = DROPOUT):
        self.dtype, self.batch, self.dropout = np.dtype(dtype), batch, dropout
        total = sum(math.prod(s) for s in SHAPES)
        self.params = np.empty(total, self.dtype)
        self.grads = np.zeros(total, self.dtype)
        self.w1, self.b1, self.w2, self.b2, self.w3, self.b3 = carve(self.params, SHAPES)
        self.g_w1, self.g_b1, self.g_w2, self.g_b2, self.g_w3, self.g_b3 = carve(self.grads, SHAPES)
        for w in (self.w1, self.w2, self.w3):   # glorot_uniform with Keras's fans (receptive field x channels)
            fan_in, fan_out = math.prod(w.shape[:-1]), math.prod(w.shape[:-2]) * w.shape[-1]
            limit = math.sqrt(6.0 / (fan_in + fan_out))
            w[...] = rng.uniform(-limit, limit, w.shape)
        for b in (self.b1, self.b2, self.b3):
            b.fill(0)
        self.clock: dict[str, float] = defaultdict(float)
        f = self.dtype
        self.cols1 = np.empty((batch, 26, 26, 3, 3, 1), f)
        self.z1 = np.empty((batch, 26, 26, 32), f)
        self.a1 = np.empty((batch, 13, 13, 32), f)
        self.cols2 = np.empty((batch, 11, 11, 3, 3, 32), f)
        self.z2 = np.empty((batch, 11, 11, 64), f)
        self.a2 = np.empty((batch, 5, 5, 64), f)
        self.h = np.empty((batch, 1600), f)
        self.logits = np.empty((batch, CLASSES), f)
        self.g_h = np.empty((batch, 1600), f)
        self.g_z2 = np.empty(self.z2.shape, f)
        self.g_cols2 = np.empty((batch * 121, 288), f)
        self.g_a1 = np.empty(self.a1.shape, f)
        self.g_z1 = np.empty(self.z1.shape, f)
        self.ones = {n: np.ones(n, f) for n in (batch * 676, batch * 121, batch)}
        self.mask = np.empty((batch, 1600), f)

    def _tick(self, part: str, start: float) -> float:
        now = time.process_time()
        self.clock[part] += now - start
        return now

    def draw_mask(self, rng: np.random.Generator) -> None:
        keep = rng.bit_generator.random_raw(self.mask.size // 2).view(np.uint32).reshape(self.mask.shape)
        np.greater_equal(keep, np.uint32(self.dropout * 2 ** 32), out=self.mask, casting="unsafe")
        self.mask *= self.dtype.type(1 / (1 - self.dropout))

    def loss_and_gradients(self, x: np.ndarray, y: np.ndarray) -> float:
        """One forward and backward pass; gradients into ``self.grads``; returns the mean loss."""
        f, t = self.dtype.type, time.process_time()   # CPU time per part: robust on a shared machine
        batch = len(x)
        # --- forward
        for a in range(3):
            for b in range(3):
                self.cols1[:, :, :, a, b, 0] = x[:, a:a + 26, b:b + 26, 0]
        t = self._tick("im2col", t)
        p1 = self.cols1.reshape(-1, 9)
        np.matmul(p1, self.w1.reshape(9, 32), out=self.z1.reshape(-1, 32))
        t = self._tick("GEMM", t)
        self.z1 += self.b1
        t = self._tick("rest", t)
        self.arg1 = max_pool_2x2(self.z1, self.a1)
        t = self._tick("pooling", t)
        np.maximum(self.a1, 0, out=self.a1)
        t = self._tick("rest", t)
        s = self.a1.strides
        np.copyto(self.cols2, as_strided(self.a1, self.cols2.shape, (s[0], s[1], s[2], s[1], s[2], s[3])))
        t = self._tick("im2col", t)
        p2 = self.cols2.reshape(-1, 288)
        np.matmul(p2, self.w2.reshape(288, 64), out=self.z2.reshape(-1, 64))
        t = self._tick("GEMM", t)
        self.z2 += self.b2
        t = self._tick("rest", t)
        self.arg2 = max_pool_2x2(self.z2, self.a2)
        t = self._tick("pooling", t)
        np.maximum(self.a2, 0, out=self.a2)
        np.multiply(self.a2.reshape(batch, -1), self.mask, out=self.h)
        t = self._tick("rest", t)
        np.matmul(self.h, self.w3, out=self.logits)
        t = self._tick("GEMM", t)
        logits = self.logits
        logits += self.b3
        logits -= logits.max(axis=1, keepdims=True)
        rows = np.arange(batch)
        picked = logits[rows, y]
        np.exp(logits, out=logits)
        sums = logits.sum(axis=1, keepdims=True)
        logits /= sums
        loss = float(np.log(sums).mean() - picked.mean())
        logits[rows, y] -= f(1)
        logits *= f(1 / batch)                                   # now g_logits
        np.matmul(self.ones[batch], logits, out=self.g_b3)
        t = self._tick("rest", t)
        # --- backward
        np.matmul(self.h.T, logits, out=self.g_w3)
        np.matmul(logits, self.w3.T, out=self.g_h)
        t = self._tick("GEMM", t)
        self.g_h *= self.mask
        g_a2 = self.g_h.reshape(self.a2.shape)
        g_a2 *= self.a2 > 0
        t = self._tick("rest", t)
        unpool_2x2(g_a2, self.arg2, self.g_z2)
        t = self._tick("pooling", t)
        g_z2 = self.g_z2.reshape(-1, 64)
        np.matmul(p2.T, g_z2, out=self.g_w2.reshape(288, 64))
        np.matmul(g_z2, self.w2.reshape(288, 64).T, out=self.g_cols2)
        t = self._tick("GEMM", t)
        np.matmul(self.ones[batch * 121], g_z2, out=self.g_b2)
        t = self._tick("rest", t)
        col2im_3x3(self.g_cols2.reshape(self.cols2.shape), self.g_a1)
        t = self._tick("col2im", t)
        self.g_a1 *= self.a1 > 0
        t = self._tick("rest", t)
        unpool_2x2(self.g_a1, self.arg1, self.g_z1)
        t = self._tick("pooling", t)
        g_z1 = self.g_z1.reshape(-1, 32)
        np.matmul(p1.T, g_z1, out=self.g_w1.reshape(9, 32))
        t = self._tick("GEMM", t)
        np.matmul(self.ones[batch * 676], g_z1, out=self.g_b1)
        self._tick("rest", t)
        return loss

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities in inference mode (no dropout), for every full batch of ``x``."""
        keep = self.mask.copy()
        self.mask.fill(1)
        try:
            scores = []
            for start in range(0, len(x) - self.batch + 1, self.batch):
                self.loss_and_gradients(x[start:start + self.batch], np.zeros(self.batch, np.int64))
                probabilities = self.logits * self.dtype.type(self.batch)  # left as (p - onehot(0)) / B
                probabilities[:, 0] += 1
                scores.append(probabilities)
            return np.concatenate(scores)
        finally:
            np.copyto(self.mask, keep)


def run_floor(x, y, steps: int, repeats: int, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    net = ConvNetFloor(rng)
    adam = FlatAdam(net.params, net.grads, epsilon=1e-7)

    def step(i: int) -> float:
        start = (i * BATCH) % (len(x) - BATCH)
        net.draw_mask(rng)
        loss = net.loss_and_gradients(x[start:start + BATCH], y[start:start + BATCH])
        t = time.process_time()
        adam.step()
        net.clock["rest"] += time.process_time() - t
        return loss

    times, losses = timed_steps(step, steps, repeats, reset=net.clock.clear)
    parts = {part: net.clock[part] / (steps * repeats) for part in PARTS}
    return {"step": times, "parts": parts, "losses": losses}


# ----- PyTorch -----------------------------------------------------------------------------------------------
def run_torch(x, y, steps: int, repeats: int, seed: int = 0) -> dict:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                          nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(DROPOUT), nn.Linear(1600, CLASSES))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y.astype(np.int64))
    model.train()

    def step(i: int) -> float:
        start = (i * BATCH) % (len(x) - BATCH)
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(xt[start:start + BATCH]), yt[start:start + BATCH])
        loss.backward()
        optimizer.step()
        return loss.item()

    times, losses = timed_steps(step, steps, repeats)
    return {"step": times, "losses": losses, "threads": torch.get_num_threads()}


# ----- Lamina ------------------------------------------------------------------------------------------------
def lamina_convnet(seed: int = 0):
    """The keras.io convnet as a Lamina Sequential model (``lamina train --model cnn``'s), compiled like the
    guide (Adam, sparse categorical cross-entropy)."""
    import lamina
    from lamina.cli import build_cnn

    lamina.utils.set_random_seed(seed)
    model = build_cnn((IMAGE, IMAGE, 1), CLASSES, DROPOUT)
    model.compile(optimizer=lamina.optimizers.Adam(epsilon=1e-7), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def run_lamina(x, y, steps: int, repeats: int, seed: int = 0, profile: bool = True) -> dict:
    model = lamina_convnet(seed)

    def step(i: int) -> float:
        start = (i * BATCH) % (len(x) - BATCH)
        return float(model.train_on_batch(x[start:start + BATCH], y[start:start + BATCH])[0])

    times, losses = timed_steps(step, steps, repeats)
    result = {"step": times, "losses": losses}
    if profile:
        result["parts"] = profile_lamina(step, steps)
    return result


def profile_lamina(step, steps: int) -> dict[str, float]:
    """CPU seconds per step in Lamina's parts, from cProfile: im2col, col2im and pooling (their cumulative time), the
    matrix products (the own time of the convolution engines' forward/backward and of the dense primitive, which
    do little else), the rest being everything else (activations, bias, loss, optimizer, graph, Python)."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(time.process_time)
    start = time.process_time()
    profiler.enable()
    for i in range(steps):
        step(i)
    profiler.disable()
    total = (time.process_time() - start) / steps
    parts: dict[str, float] = defaultdict(float)
    for (filename, _, function), (_, _, own, cumulative, _) in pstats.Stats(profiler).stats.items():
        name = Path(filename).name
        if name == "convolution.py" and function in ("im2col", "col2im"):
            parts[function] += cumulative
        elif name == "pooling.py" and function in ("max_pool", "vjp"):
            parts["pooling"] += cumulative
        elif (name == "convolution.py" and function in ("forward", "backward")) or \
                (name == "functional.py" and function == "dense"):
            parts["GEMM"] += own
    parts = {part: parts[part] / steps for part in PARTS[:-1]}
    parts["rest"] = max(total - sum(parts.values()), 0.0)
    parts["total (profiled)"] = total
    return parts


# ----- driver ------------------------------------------------------------------------------------------------
def timed_steps(step, steps: int, repeats: int, reset=None) -> tuple[dict, list[float]]:
    """Warm up 3 steps, then ``repeats`` rounds of ``steps``. Seconds per step: the min and median over rounds of
    the wall time, and the min of the process's CPU time (all threads; on a shared machine the least disturbed
    measure of the work itself, though it counts BLAS workers' busy-waiting too)."""
    losses = [step(i) for i in range(3)]
    if reset is not None:
        reset()
    rounds, cpu = [], []
    for r in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        for i in range(steps):
            losses.append(step(3 + r * steps + i))
        rounds.append((time.perf_counter() - start) / steps)
        cpu.append((time.process_time() - start_cpu) / steps)
    return {"min": min(rounds), "median": float(np.median(rounds)), "cpu": min(cpu)}, losses


def load_images(limit: int = 12800) -> tuple[np.ndarray, np.ndarray, str]:
    """MNIST training images (N, 28, 28, 1) in [0, 1] when a local copy exists, else random ones."""
    try:
        from lamina.datasets import mnist

        (x, y), _ = mnist.load_data(download=False)
        x = (x[:limit].astype(np.float32) / 255.0).reshape(-1, IMAGE, IMAGE, 1)
        return x, y[:limit].astype(np.int64), "MNIST"
    except (ImportError, FileNotFoundError, ValueError):
        rng = np.random.default_rng(0)
        x = rng.uniform(0, 1, (limit, IMAGE, IMAGE, 1)).astype(np.float32)
        return x, rng.integers(0, CLASSES, limit), "random images (no local MNIST)"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="training steps per timed round")
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (min and median are reported)")
    parser.add_argument("--skip", default="", help="comma-separated: torch, lamina")
    args = parser.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    x, y, source = load_images()
    print(f"keras.io MNIST convnet, one training step (batch {BATCH}) on {source}; {os.cpu_count()} CPUs "
          f"(shared machine: compare ratios within this run); {args.repeats} rounds of {args.steps} steps")
    results = {"floor": run_floor(x, y, args.steps, args.repeats)}
    if "torch" not in skip:
        results["torch"] = run_torch(x, y, args.steps, args.repeats)
    if "lamina" not in skip:
        results["lamina"] = run_lamina(x, y, args.steps, args.repeats)
    floor = results["floor"]["step"]
    print(f"\n{'':>10} {'min ms':>8} {'median ms':>10} {'x floor':>8} {'CPU ms':>8} {'x floor':>8}")
    for name, result in results.items():
        step = result["step"]
        print(f"{name:>10} {step['min'] * 1e3:8.2f} {step['median'] * 1e3:10.2f} {step['min'] / floor['min']:8.2f} "
              f"{step['cpu'] * 1e3:8.2f} {step['cpu'] / floor['cpu']:8.2f}")
    for name in ("floor", "lamina"):
        if name in results:
            parts = results[name]["parts"]
            print(f"\n{name} per part (CPU ms per step): " +
                  ", ".join(f"{part} {seconds * 1e3:.2f}" for part, seconds in parts.items()))
    if "torch" in results:
        print(f"\nPyTorch threads: {results['torch']['threads']}")
    return results


if __name__ == "__main__":
    main()
