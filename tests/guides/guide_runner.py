"""Run an adapted guide program section by section, on Lamina or (with its imports put back) on real Keras.

A guide program (``programs/*.py``) is a Keras guide's code cells in order, split into sections by lines
``# %% <title>``. Every line changed from the guide's text carries ``# changed (<kind>): ...``, with kind one of

- ``imports``: an import line; the comment gives the guide's line as ``was `...```, which ``keras_source``
  puts back to run the same program on real Keras;
- ``data``: data substituted (the guide downloads it, or leaves it as ``...``);
- ``size``: fewer samples or epochs, so that the guide runs in seconds;
- ``guide``: the guide's own code fails on real Keras too (NumPy 2 removed ``np.Inf``, ...);
- ``lamina``: a change because Lamina lacks or differs in something (what ``keras_programs.py`` counts as
  "not unchanged").

``run_program`` executes the sections in one namespace, in this process, and returns what each printed, a
shallow copy of the namespace after it, its time and its error (the sections after a failed one are not run).

This file imports neither Lamina nor Keras at load time: ``benchmarks/keras_programs.py`` runs it under a
Python that has only one of them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gzip
import io
import os
import re
import time
import traceback
from pathlib import Path
from typing import Any, Callable

PROGRAMS = Path(__file__).resolve().parent / "programs"
SECTION = re.compile(r"^# %% (.+)$")
CHANGE = re.compile(r"# changed \((?P<kind>[a-z0-9]+)\): (?P<why>.*)$")
WAS = re.compile(r"was `(?P<line>[^`]+)`")
KINDS = ("imports", "data", "size", "guide", "lamina")


@dataclasses.dataclass
class Section:
    title: str
    source: str
    first_line: int
    output: str = ""
    namespace: dict[str, Any] = dataclasses.field(default_factory=dict)
    error: BaseException | None = None
    trace: str = ""
    seconds: float = 0.0
    ran: bool = False


def changes(source: str) -> list[tuple[int, str, str]]:
    """``(line number, kind, reason)`` of every ``# changed (kind): reason`` in a program."""
    found = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = CHANGE.search(line)
        if match:
            if match["kind"] not in KINDS:
                raise ValueError(f"line {number}: unknown change kind {match['kind']!r}; use one of {KINDS}")
            found.append((number, match["kind"], match["why"].strip()))
    return found


def keras_source(source: str) -> str:
    """The program with each ``# changed (imports)`` line replaced by the guide's own line (for real Keras)."""
    lines = []
    for number, line in enumerate(source.splitlines(), start=1):
        match = CHANGE.search(line)
        if match and match["kind"] == "imports":
            original = WAS.search(match["why"])
            if original is None:
                raise ValueError(f"line {number}: an imports change must say was `...`")
            indent = line[: len(line) - len(line.lstrip())]
            line = indent + original["line"]
        lines.append(line)
    return "\n".join(lines) + "\n"


def split_sections(source: str) -> list[Section]:
    """The ``# %%`` sections of a program, each with its source padded so that line numbers stay true."""
    sections: list[Section] = []
    lines = source.splitlines()
    start, title = 0, "(preamble)"
    for number, line in enumerate(lines):
        match = SECTION.match(line)
        if match:
            sections.append(Section(title, "\n".join(lines[start:number]), start + 1))
            start, title = number, match[1].strip()
    sections.append(Section(title, "\n".join(lines[start:]), start + 1))
    return [s for s in sections if s.source.strip()]


def run_program(name: str, framework: str = "lamina", stop_after: str | None = None) -> list[Section]:
    """Run ``programs/<name>.py`` section by section in a fresh namespace (see the module docstring)."""
    path = PROGRAMS / f"{name}.py"
    source = path.read_text()
    if framework == "keras":
        source = keras_source(source)
    sections = split_sections(source)
    namespace: dict[str, Any] = {"__name__": f"guide_{name}", "__file__": str(path)}
    for section in sections:
        code = compile("\n" * (section.first_line - 1) + section.source, str(path), "exec")
        buffer = io.StringIO()
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(buffer):
                exec(code, namespace)
        except Exception as error:  # noqa: BLE001 - recorded and reported per section
            section.error = error
            section.trace = traceback.format_exc()
        section.seconds = time.perf_counter() - started
        section.output = buffer.getvalue()
        section.namespace = dict(namespace)
        section.ran = True
        if section.error is not None or section.title == stop_after:
            break
    return sections


# ----- data ---------------------------------------------------------------------------------------------------
def _read_idx(path: Path) -> Any:
    """An IDX file (gzipped or not) as a NumPy array: the format's header, then big-endian unsigned bytes."""
    import numpy as np

    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    ndim = raw[3]
    shape = tuple(int.from_bytes(raw[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim))
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def local_mnist() -> Callable[[], tuple] | None:
    """A ``load_data`` reading MNIST's IDX files from ``$LAMINA_DATA/mnist`` (for real Keras, which would
    download), or None when they are not there."""
    folder = Path(os.environ.get("LAMINA_DATA", "/nonexistent")) / "mnist"
    names = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")
    files = [next((p for p in (folder / n, folder / f"{n}.gz") if p.exists()), None) for n in names]
    if not all(files):
        return None

    def load_data(path: str = "mnist.npz") -> tuple:
        x, y, x_test, y_test = (_read_idx(f) for f in files)
        return (x, y), (x_test, y_test)

    return load_data


def digits_as_mnist() -> tuple:
    """MNIST's shapes and dtypes from Lamina's packaged 8x8 UCI digits (when no MNIST copy is at hand): each
    image scaled 3x to 24x24, padded to 28x28, 0..16 stretched to 0..255; the first 1497 images repeated to
    60,000 training images, the last 300 to 10,000 test images."""
    import numpy as np
    from lamina.datasets import digits

    (x_a, y_a), (x_b, y_b) = digits.load_data()
    x = np.concatenate([x_a, x_b]).reshape(-1, 8, 8)
    y = np.concatenate([y_a, y_b]).astype(np.uint8)
    big = np.kron(x, np.ones((3, 3)))
    images = np.pad(big, ((0, 0), (2, 2), (2, 2)))
    images = np.clip(np.round(images * (255.0 / max(float(images.max()), 1.0))), 0, 255).astype(np.uint8)
    train_x, train_y = np.resize(images[:1497], (60000, 28, 28)), np.resize(y[:1497], 60000)
    test_x, test_y = np.resize(images[1497:], (10000, 28, 28)), np.resize(y[1497:], 10000)
    return (train_x, train_y), (test_x, test_y)


def mnist_source() -> str:
    """"MNIST" when Lamina's keras.datasets.mnist.load_data finds a local copy, else "digits"."""
    from lamina.datasets import mnist

    try:
        mnist.load_data(download=False, verify=False)
    except (FileNotFoundError, ValueError):
        return "digits"
    return "MNIST"


@contextlib.contextmanager
def guide_data(framework: str = "lamina"):
    """Inside this block ``keras.datasets.mnist.load_data()`` never downloads: Lamina's uses its local copy as it
    is (the guide's line unchanged) or, without one, the packaged digits in MNIST's shapes; real Keras reads the
    same IDX files through ``local_mnist``."""
    if framework == "keras":
        import keras

        loader = local_mnist()
        if loader is None:
            raise RuntimeError("real Keras runs need MNIST's IDX files under $LAMINA_DATA/mnist")
        module, replacement = keras.datasets.mnist, loader
    else:
        from lamina.keras.datasets import mnist as module

        replacement = None if mnist_source() == "MNIST" else (lambda path="mnist.npz": digits_as_mnist())
    original = module.load_data
    if replacement is not None:
        module.load_data = replacement
    try:
        yield
    finally:
        module.load_data = original


def seed_everything(framework: str, seed: int = 0) -> None:
    """The same start for every run (a harness step, not part of the guide)."""
    if framework == "keras":
        import keras

        keras.utils.set_random_seed(seed)
        keras.backend.clear_session()
    else:
        import lamina

        lamina.utils.set_random_seed(seed)
        lamina.keras.backend.clear_session()


# ----- numbers to compare with real Keras ---------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Probe:
    """A number a guide produces: ``expression`` evaluated in the namespace after ``section``. With a tolerance
    (``rel`` or ``abs``), the tests check Lamina's value against real Keras's (tests/data/guides/
    keras_reference.json, written by ``benchmarks/keras_programs.py``); without one it is only reported."""

    program: str
    section: str
    label: str
    expression: str
    rel: float | None = None
    abs: float | None = None


PROBES = (
    Probe("subclassing", "Train the VAE on MNIST with fit()", "VAE loss, epoch 1",
          "vae.history.history['loss'][0]", rel=0.15),
    Probe("subclassing", "Train the VAE on MNIST with fit()", "VAE loss, epoch 2",
          "vae.history.history['loss'][-1]", rel=0.15),
    Probe("training_loop", "Low-level handling of metrics", "training accuracy, epoch 2", "float(train_acc)",
          abs=0.1),
    Probe("training_loop", "Low-level handling of metrics", "validation accuracy, epoch 2", "float(val_acc)",
          abs=0.1),
    Probe("training_loop", "Speeding-up your training step with tf.function", "validation accuracy, epoch 4",
          "float(val_acc)", abs=0.1),
    Probe("callbacks", "Usage of logs dict", "test MAE after 2 epochs", "float(res[1])"),
    Probe("callbacks", "Early stopping at minimum loss", "epochs until early stopping",
          "len(model.history.history['loss'])"),
    Probe("callbacks", "Learning rate scheduling", "test MAE after the 15-epoch schedule",
          "float(model.evaluate(x_test, y_test, verbose=0)[1])", rel=0.3),
    Probe("custom_fit", "A first simple example", "loss after 3 epochs", "model.history.history['loss'][-1]"),
    Probe("custom_fit", "Going lower-level", "loss after 5 epochs", "model.history.history['loss'][-1]"),
    Probe("custom_fit", "Supporting sample_weight & class_weight", "weighted loss after 3 epochs",
          "model.history.history['loss'][-1]"),
)


def probe_values(name: str, sections: list[Section]) -> dict[str, float | None]:
    """Each probe of program ``name`` evaluated after its section (None where that section did not run)."""
    by_title = {section.title: section for section in sections}
    values: dict[str, float | None] = {}
    for probe in PROBES:
        if probe.program != name:
            continue
        section = by_title.get(probe.section)
        if section is None or not section.ran or section.error is not None:
            values[probe.label] = None
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            values[probe.label] = float(eval(probe.expression, {}, dict(section.namespace)))  # noqa: S307
    return values
