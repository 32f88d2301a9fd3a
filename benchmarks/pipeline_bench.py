"""What an input pipeline with augmentation costs a training epoch: Lamina's Dataset against arrays and PyTorch.

    python benchmarks/pipeline_bench.py                       # MLP on MNIST, 3 epochs, 3 repeats
    python benchmarks/pipeline_bench.py --epochs 4 --repeats 5
    python benchmarks/pipeline_bench.py --tiny                # seconds: synthetic images, for CI
    python benchmarks/pipeline_bench.py --model cnn           # the keras.io MNIST convnet, once Conv2D exists
    python benchmarks/pipeline_bench.py --blas-threads 1      # BLAS on one thread, leaving a core to the pipeline

The same model, seed and batch size (128) in every variant; each variant runs in a fresh process and the variants
alternate within every repeat, so that machine noise spreads evenly. Reported: the median steady-state epoch time
(epochs after the first) of each variant and its ratio to the array-fed epoch of the same repeat.

Variants:
    arrays             fit(x, y) on the images as they are (no augmentation)
    arrays_augmented   the augmentation applied once up front (its time printed apart), then fit(x_aug, y)
    pipeline           from_tensor_slices((x, y)).shuffle(60000).map(augment).batch(128).prefetch(AUTOTUNE)
    pipeline_no_prefetch      the same without prefetch: augmentation and training take turns
    pipeline_parallel  map(augment, num_parallel_calls=AUTOTUNE) then batch and prefetch
    pipeline_batched_map      shuffle, batch(128), then map(augment_batch): the same augmentation vectorized over
                       a batch (tf.data's advice for cheap functions), then prefetch
    pipeline_storage   the pipeline variant plus a simulated storage read of 2 ms per batch (time.sleep, as in
                       TensorFlow's tf.data performance guide): latency that needs no CPU, which prefetch can
                       hide even when every core is busy
    pipeline_storage_no_prefetch    the same without prefetch
    torch_arrays       PyTorch on the in-memory tensors (shuffled batches, no augmentation)
    torch_dataloader   PyTorch with a DataLoader (2 worker processes) running the same NumPy augmentation

The augmentation is a random shift of up to 2 pixels each way (a 28x28 crop of the image padded to 32x32) and a
random horizontal flip, written in NumPy per image, as a tf.data map function is.

Models (``--model``): ``mlp`` 784-256-128-10 ReLU, Adam; ``cnn`` the keras.io "Simple MNIST convnet" (two
Conv2D+MaxPooling blocks, Dropout 0.5, Adam). The convnet needs the Conv2D / MaxPooling2D layers of the convolution
issue: until they are in lamina.keras.layers, ``--model cnn`` says so and stops.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from workloads import epoch_timer

HERE = Path(__file__).resolve().parent
BATCH = 128
PAD = 2
VARIANTS = ("arrays", "arrays_augmented", "pipeline", "pipeline_no_prefetch", "pipeline_parallel",
            "pipeline_batched_map", "pipeline_storage", "pipeline_storage_no_prefetch", "torch_arrays",
            "torch_dataloader")
STORAGE_LATENCY = 2e-3  # seconds per batch: the simulated read of pipeline_storage


# ----- data and augmentation ------------------------------------------------------------------------------
def load_images(data_dir: str | None, tiny: bool) -> tuple[np.ndarray, np.ndarray]:
    """Training images as float32 in [0, 1], shape (n, 28, 28), and int64 labels."""
    if tiny:
        rng = np.random.default_rng(0)
        y = rng.integers(0, 10, 2048)
        centres = rng.random((10, 28, 28)).astype(np.float32)
        x = np.clip(centres[y] + rng.normal(0, 0.3, (2048, 28, 28)), 0, 1).astype(np.float32)
        return x, y.astype(np.int64)
    from lamina.datasets import mnist
    # The shared data folder sits beside the checkout (../shared), or beside its parent for a worktree.
    candidates = [data_dir, os.environ.get("LAMINA_DATA"), HERE.parent.parent / "shared" / "datasets",
                  HERE.parent.parent.parent / "shared" / "datasets"]
    folder = next((Path(c) for c in candidates if c and Path(c).is_dir()), None)
    if folder is None:
        raise SystemExit("MNIST not found: pass --data (a folder holding mnist/) or set LAMINA_DATA")
    (x, y), _ = mnist.load_data(path=str(folder / "mnist" if (folder / "mnist").is_dir() else folder),
                                download=False)
    return x.astype(np.float32) / 255.0, y.astype(np.int64)


def pad(images: np.ndarray) -> np.ndarray:
    return np.pad(images, ((0, 0), (PAD, PAD), (PAD, PAD)))


def make_augment(seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """One padded (32, 32) image -> a random (28, 28) crop, mirrored with probability 1/2."""
    rng = np.random.default_rng(seed)
    size = 28

    def augment(padded_image: np.ndarray) -> np.ndarray:
        u = rng.random(3)  # one generator call for the three decisions
        top, left = int(u[0] * (2 * PAD + 1)), int(u[1] * (2 * PAD + 1))
        crop = padded_image[top:top + size, left:left + size]
        return np.ascontiguousarray(crop[:, ::-1] if u[2] < 0.5 else crop)

    return augment


def make_batch_augment(seed: int) -> Callable[[np.ndarray], np.ndarray]:
    """The same augmentation for a batch of padded images at once: one gather for all the crops, one for the
    flips (per image: its own shift and its own coin)."""
    rng = np.random.default_rng(seed)
    size = 28
    rows, cols = np.arange(size)[:, None], np.arange(size)[None, :]

    def augment_batch(padded_images: np.ndarray) -> np.ndarray:
        count = len(padded_images)
        u = rng.random((count, 3))
        top = (u[:, 0] * (2 * PAD + 1)).astype(np.int64)[:, None, None]
        left = (u[:, 1] * (2 * PAD + 1)).astype(np.int64)[:, None, None]
        flip = (u[:, 2] < 0.5)[:, None, None]
        columns = np.where(flip, size - 1 - cols, cols) + left
        return padded_images[np.arange(count)[:, None, None], rows + top, columns]

    return augment_batch


def read_from_storage(images: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A stand-in for reading a batch from disk or the network: it waits, as I/O does, without using the CPU."""
    time.sleep(STORAGE_LATENCY)
    return images, labels


def model_input(model_name: str) -> Callable[[np.ndarray], np.ndarray]:
    """Images (..., 28, 28) -> what the model takes: flat rows for the MLP, a channel axis for the convnet."""
    if model_name == "mlp":
        return lambda images: images.reshape(*images.shape[:-2], 784)
    return lambda images: images[..., None]


# ----- Lamina ---------------------------------------------------------------------------------------------
def lamina_model(model_name: str, seed: int) -> Any:
    import lamina.keras as keras
    keras.utils.set_random_seed(seed)
    layers = keras.layers
    if model_name == "mlp":
        stack = [layers.Input(shape=(784,)), layers.Dense(256, activation="relu"),
                 layers.Dense(128, activation="relu"), layers.Dense(10, activation="softmax")]
    else:
        if not hasattr(layers, "Conv2D") or not hasattr(layers, "MaxPooling2D"):
            raise SystemExit("--model cnn needs lamina.keras.layers.Conv2D and MaxPooling2D (the convolution "
                             "issue); they are not in this checkout yet")
        stack = [layers.Input(shape=(28, 28, 1)), layers.Conv2D(32, 3, activation="relu"), layers.MaxPooling2D(2),
                 layers.Conv2D(64, 3, activation="relu"), layers.MaxPooling2D(2), layers.Flatten(),
                 layers.Dropout(0.5), layers.Dense(10, activation="softmax")]
    model = keras.Sequential(stack)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run_lamina(variant: str, model_name: str, x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> dict:
    import lamina.keras as keras
    from lamina.data import AUTOTUNE, Dataset

    model = lamina_model(model_name, seed)
    shape = model_input(model_name)
    augment = make_augment(seed)
    result: dict[str, Any] = {}
    times: list[float] = []

    if variant.startswith("arrays"):
        features = x
        if variant == "arrays_augmented":
            padded = pad(x)
            start = time.perf_counter()
            features = np.stack([augment(image) for image in padded])
            result["augment_seconds"] = time.perf_counter() - start
        model.fit(shape(features), y, batch_size=BATCH, epochs=epochs, verbose=0, callbacks=[epoch_timer(keras, times)])
        return {**result, "epoch_times": times}

    def pipeline() -> Any:
        dataset = Dataset.from_tensor_slices((pad(x), y)).shuffle(len(x), seed=seed)
        if variant == "pipeline_batched_map":
            augment_batch = make_batch_augment(seed)
            return dataset.batch(BATCH).map(lambda images, labels: (shape(augment_batch(images)), labels)
                                            ).prefetch(AUTOTUNE)
        parallel = AUTOTUNE if variant == "pipeline_parallel" else None
        dataset = dataset.map(lambda image, label: (shape(augment(image)), label),
                              num_parallel_calls=parallel).batch(BATCH)
        if variant.startswith("pipeline_storage"):
            dataset = dataset.map(read_from_storage)
        return dataset if variant.endswith("no_prefetch") else dataset.prefetch(AUTOTUNE)

    dataset = pipeline()
    start = time.perf_counter()
    for _ in dataset:  # the pipeline alone, with nothing to overlap with: what prefetch has to hide
        pass
    result["pipeline_alone_seconds"] = time.perf_counter() - start
    model.fit(dataset, epochs=epochs, verbose=0, callbacks=[epoch_timer(keras, times)])
    return {**result, "epoch_times": times}


# ----- PyTorch --------------------------------------------------------------------------------------------
def torch_model(model_name: str) -> Any:
    import torch.nn as nn
    if model_name == "mlp":
        return nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10))
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(1600, 10))


class AugmentedImages:
    """A torch map-style dataset: the same NumPy augmentation, per image, in the DataLoader's workers."""

    def __init__(self, padded: np.ndarray, labels: np.ndarray, model_name: str, seed: int) -> None:
        self.padded, self.labels, self.model_name, self.seed = padded, labels, model_name, seed
        self.augment = make_augment(seed)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> tuple[Any, int]:
        import torch
        image = self.augment(self.padded[index])
        image = image.reshape(784) if self.model_name == "mlp" else image[None]
        return torch.from_numpy(image), int(self.labels[index])


def _reseed_worker(worker_id: int) -> None:
    import torch.utils.data as torch_data
    info = torch_data.get_worker_info()
    info.dataset.augment = make_augment(info.dataset.seed * 1000 + worker_id)  # each worker its own stream


def run_torch(variant: str, model_name: str, x: np.ndarray, y: np.ndarray, epochs: int, seed: int) -> dict:
    import torch
    import torch.utils.data as torch_data

    torch.manual_seed(seed)
    if os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(int(os.environ["OMP_NUM_THREADS"]))  # --blas-threads, for PyTorch's own pool
    model = torch_model(model_name)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()

    def batches() -> Any:
        if variant == "torch_arrays":
            features = torch.from_numpy(model_input(model_name)(x).copy())
            if model_name == "cnn":
                features = features.permute(0, 3, 1, 2).contiguous()
            labels = torch.from_numpy(y)
            order = torch.randperm(len(y))
            return ((features[order[i:i + BATCH]], labels[order[i:i + BATCH]]) for i in range(0, len(y), BATCH))
        return loader

    loader = torch_data.DataLoader(AugmentedImages(pad(x), y, model_name, seed), batch_size=BATCH, shuffle=True,
                                   num_workers=2, worker_init_fn=_reseed_worker, persistent_workers=True)
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for features, labels in batches():
            optimizer.zero_grad()
            loss = loss_fn(model(features), labels)
            loss.backward()
            optimizer.step()
        times.append(time.perf_counter() - start)
    return {"epoch_times": times}


# ----- driver ---------------------------------------------------------------------------------------------
def child(variant: str, model_name: str, epochs: int, seed: int, data_dir: str | None, tiny: bool,
          samples: int | None) -> None:
    x, y = load_images(data_dir, tiny)
    x, y = x[:samples], y[:samples]
    runner = run_torch if variant.startswith("torch") else run_lamina
    print("RESULT " + json.dumps(runner(variant, model_name, x, y, epochs, seed)))


def run_child(variant: str, args: argparse.Namespace) -> dict | None:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", variant, "--model", args.model,
               "--epochs", str(args.epochs), "--seed", str(args.seed)]
    if args.data:
        command += ["--data", args.data]
    if args.tiny:
        command.append("--tiny")
    if args.samples:
        command += ["--samples", str(args.samples)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(HERE.parent / "src") + os.pathsep + env.get("PYTHONPATH", "")
    if args.blas_threads:
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[name] = str(args.blas_threads)
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
    print(f"  {variant}: failed ({' | '.join(tail)})")
    return None


def steady(result: dict) -> float:
    times = result["epoch_times"]
    return statistics.median(times[1:] if len(times) > 1 else times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="folder holding mnist/ (default: $LAMINA_DATA, then "
                                                     "shared/datasets beside the checkout)")
    parser.add_argument("--tiny", action="store_true", help="2,048 synthetic images: seconds, for CI")
    parser.add_argument("--samples", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--blas-threads", type=int, default=None,
                        help="threads for BLAS (OpenBLAS / MKL / OpenMP) and PyTorch in every variant; default: "
                             "the libraries' own (all cores)")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.model, args.epochs, args.seed, args.data, args.tiny, args.samples)
        return
    variants = [v for v in args.variants.split(",") if v]
    try:
        import torch  # noqa: F401
    except ImportError:
        print("PyTorch is not installed: its variants are skipped")
        variants = [v for v in variants if not v.startswith("torch")]
    if args.model == "cnn":
        lamina_model("cnn", 0)  # stops with the reason when Conv2D is not there yet
    print(f"model {args.model}, batch {BATCH}, {args.epochs} epochs, {args.repeats} repeats, "
          f"{os.cpu_count()} CPUs{' (tiny)' if args.tiny else ''}"
          f"{f', {args.samples} samples' if args.samples else ''}"
          f"{f', BLAS threads {args.blas_threads}' if args.blas_threads else ''}")
    per_repeat: list[dict[str, dict]] = []
    for repeat in range(args.repeats):
        results = {}
        for variant in variants:
            result = run_child(variant, args)
            if result is not None:
                results[variant] = result
                extra = "".join(f", {key} {value:.2f}" for key, value in result.items() if key.endswith("seconds"))
                print(f"  repeat {repeat}: {variant:22s} epochs {[round(t, 2) for t in result['epoch_times']]}"
                      f"{extra}")
        per_repeat.append(results)
    report(per_repeat, variants)


def report(per_repeat: list[dict[str, dict]], variants: list[str]) -> None:
    print("\nvariant                 median epoch (s)   / arrays (same repeat, median of repeats)")
    for variant in variants:
        times = [steady(r[variant]) for r in per_repeat if variant in r]
        ratios = [steady(r[variant]) / steady(r["arrays"]) for r in per_repeat if variant in r and "arrays" in r]
        if times:
            ratio = f"{statistics.median(ratios):.3f}  ({', '.join(f'{q:.2f}' for q in ratios)})" if ratios else ""
            print(f"{variant:22s}  {statistics.median(times):10.3f}         {ratio}")
    pairs = {
        "prefetch speed-up (no_prefetch / pipeline)": ("pipeline_no_prefetch", "pipeline"),
        "prefetch speed-up with storage latency": ("pipeline_storage_no_prefetch", "pipeline_storage"),
        "pipeline added to the array-fed epoch (pipeline / arrays - 1)": ("pipeline", "arrays"),
        "Lamina pipeline / PyTorch DataLoader": ("pipeline", "torch_dataloader"),
        "PyTorch DataLoader / PyTorch arrays": ("torch_dataloader", "torch_arrays"),
    }
    print()
    for label, (a, b) in pairs.items():
        ratios = [steady(r[a]) / steady(r[b]) for r in per_repeat if a in r and b in r]
        if ratios:
            value = statistics.median(ratios)
            shown = f"{(value - 1) * 100:+.1f}%" if label.startswith("pipeline added") else f"{value:.3f}"
            print(f"{label}: {shown}   per repeat: {', '.join(f'{q:.3f}' for q in ratios)}")


if __name__ == "__main__":
    main()
