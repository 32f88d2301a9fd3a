"""Peak memory of training the keras.io MNIST convnet: the NumPy floor, Lamina and PyTorch, each in its own process.

For each, the process imports its framework, makes 1,280 random 28x28 images, then trains 13 steps of batch 128
(``conv_floor.py``'s runners); it reports the peak resident set size and how far training raised it above what the
imported framework and the data already held (the fair comparison: PyTorch's libraries alone take ~250 MB).

Run: python benchmarks/conv_memory.py            (prints one line per framework)
"""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FRAMEWORKS = ("floor", "lamina", "torch")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024   # Linux reports KiB


def measure(framework: str) -> None:
    import numpy as np

    sys.path.insert(0, str(HERE))
    import conv_floor

    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (1280, 28, 28, 1)).astype(np.float32)
    y = rng.integers(0, 10, 1280)
    if framework == "torch":
        import torch  # noqa: F401
    elif framework == "lamina":
        import lamina.cli  # noqa: F401
    before = peak_mb()
    runner = {"floor": conv_floor.run_floor, "lamina": conv_floor.run_lamina, "torch": conv_floor.run_torch}
    kwargs = {"profile": False} if framework == "lamina" else {}
    runner[framework](x, y, 5, 2, **kwargs)
    print(f"{framework:>7}: peak RSS {peak_mb():6.0f} MB, training added {peak_mb() - before:5.0f} MB")


def main() -> None:
    if len(sys.argv) > 1:
        measure(sys.argv[1])
        return
    for framework in FRAMEWORKS:
        subprocess.run([sys.executable, __file__, framework], check=True)


if __name__ == "__main__":
    main()
