"""What every example shares: its command line (quick mode, output folder, seed), claims, plots and data.

Each example is a script (``python examples/s2_xor.py``) with a ``main(argv) -> dict`` that the tests call. The
quick mode (``--quick`` or ``LAMINA_QUICK=1``) shrinks the work so the whole set runs in seconds; the claims
are the same, checked on less data or fewer steps. Plots go to ``--output``, else ``$LAMINA_OUTPUT``, else
``./lamina-output``; without matplotlib the examples say so and skip them.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

import lamina
from lamina import plot

TRUE_WORDS = ("1", "true", "yes", "on")


def parse_args(description: str, argv: Sequence[str] | None = None,
               add_arguments: Callable[[argparse.ArgumentParser], None] | None = None) -> argparse.Namespace:
    """The common options (--quick, --output, --seed, --no-plot) plus the example's own.

    After parsing, ``args.quick`` is True when ``--quick`` was given or ``$LAMINA_QUICK`` is set to 1/true, and
    ``args.output`` is a Path. The seed is applied with ``lamina.utils.set_random_seed``.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true",
                        help="a shortened run (also: LAMINA_QUICK=1), e.g. for tests")
    parser.add_argument("--output", default=None,
                        help="folder for the plots (default: $LAMINA_OUTPUT or ./lamina-output)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every random draw")
    parser.add_argument("--no-plot", action="store_true", help="do not draw plots")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    args.quick = args.quick or os.environ.get("LAMINA_QUICK", "").strip().lower() in TRUE_WORDS
    args.output = Path(args.output or os.environ.get("LAMINA_OUTPUT") or "lamina-output")
    lamina.utils.set_random_seed(args.seed)
    return args


def heading(text: str) -> None:
    """A section heading in the printed report."""
    print(f"\n== {text} ==")


def claim(text: str, holds: bool) -> bool:
    """Print one claim of the notes and whether this run shows it; return ``holds``."""
    print(f"[{'claim holds' if holds else 'CLAIM FAILS'}] {text}")
    return bool(holds)


def save_plot(args: argparse.Namespace, filename: str, draw: Callable[[Path], Any]) -> Path | None:
    """Call ``draw(path)`` to write the plot ``filename`` into the output folder, when plots are wanted and
    matplotlib is installed; print where it went (or why not). Returns the path or None."""
    if args.no_plot:
        return None
    if not plot.available():
        print(f"plot {filename} skipped: matplotlib is not installed (pip install lamina[plot])")
        return None
    path = args.output / filename
    draw(path)
    print(f"plot: {path}")
    return path


def table(rows: Sequence[Sequence[Any]], header: Sequence[str]) -> None:
    """Print rows as an aligned text table (floats with 4 significant digits)."""
    def cell(value: Any) -> str:
        if isinstance(value, (float, np.floating)):
            return f"{value:.4g}"
        return str(value)

    cells = [[str(h) for h in header]] + [[cell(v) for v in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    for i, row in enumerate(cells):
        print("  " + "  ".join(text.rjust(width) for text, width in zip(row, widths)))
        if i == 0:
            print("  " + "  ".join("-" * width for width in widths))


def load_images(choice: str = "auto") -> tuple[str, tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Flat float32 images in [0, 1] and integer labels: MNIST when ``choice`` is 'mnist', or 'auto' and a
    local copy exists ($LAMINA_DATA, the user cache, /usr/share/datasets; never downloaded here), else the UCI
    digits shipped with Lamina."""
    from lamina.cli import load_dataset

    if choice in ("auto", "mnist"):
        try:
            return load_dataset("mnist", download=False)
        except FileNotFoundError:
            if choice == "mnist":
                raise
            print("MNIST not found locally (set $LAMINA_DATA to a folder holding it); using the UCI digits")
    return load_dataset("digits")


def add_dataset_argument(parser: argparse.ArgumentParser) -> None:
    """--dataset auto|mnist|digits, for the examples that train on images."""
    parser.add_argument("--dataset", choices=("auto", "mnist", "digits"), default="auto",
                        help="auto: MNIST when a local copy exists, else the packaged UCI digits")


def as_images(x: np.ndarray) -> np.ndarray:
    """Flat square images (n, side * side) -> (n, side, side, 1): channels last, for convolutional networks."""
    side = int(round(np.sqrt(x.shape[1])))
    if side * side != x.shape[1]:
        raise ValueError(f"as_images: {x.shape[1]} pixels do not make a square image")
    return np.ascontiguousarray(x.reshape(len(x), side, side, 1))
