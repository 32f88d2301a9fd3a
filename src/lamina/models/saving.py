"""``model.save(path)`` and ``load_model(path)``: Lamina's own model file, and the choice of format.

A Lamina model file (``.lamina`` by convention) is an uncompressed zip archive holding

    manifest.json       {"format": "lamina", "format_version": 1, "lamina_version": ..., "created": ...}
    config.json         the architecture: {"class_name": "Sequential", "config": model.get_config(),
                        "weights": [{"name", "shape", "dtype"}, ...]} (the list checks the arrays below)
    training.json       what training needs to go on exactly where it stopped: the compile settings
                        (``compile_io``), the optimizer's scalar state (iterations, learning rate, ...) with the
                        names of its arrays, and the states of the model's random generators (``rng_state``)
    weights/<i>.npy     the i-th array of ``get_weights()``
    optimizer/<i>.npy   the i-th array of the optimizer's state (its moments), named in training.json

Only JSON and ``.npy`` arrays, read with ``allow_pickle=False``, and layer classes looked up in Lamina's registry:
loading never runs code from the file. Each array is streamed into the archive (no second copy in memory), and
the zip's CRC-32 of every member catches a damaged file. The archive is written through ``atomic_write``, so a
crash or a kill during ``save`` leaves the previous file whole (a stray hidden ``.tmp`` file at most).

A path ending in ``.keras`` is written in Keras 3's format instead (``keras_format``); ``load_model`` looks
inside the file to tell the formats apart, whatever its name.
"""

from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any, Mapping

import numpy as np

from ..utils.io import atomic_write
from ..version import __version__

FORMAT_NAME = "lamina"
FORMAT_VERSION = 1

_MANIFEST, _CONFIG, _TRAINING = "manifest.json", "config.json", "training.json"
_ZIP_MAGIC = b"PK\x03\x04"


def _lamina_version() -> str:
    return __version__


def _model_classes() -> dict[str, type]:
    """The model classes a file may name (imported here, not at the top: the models import this module)."""
    from .functional import Functional
    from .sequential import Sequential
    return {"Sequential": Sequential, "Functional": Functional}


# ----- saving -----------------------------------------------------------------------------------------------------
def _optimizer_state(model: Any) -> tuple[dict[str, Any] | None, list[np.ndarray]]:
    """(the optimizer's scalar state with its array names, the arrays), or (None, []) when not compiled."""
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None, []
    state = model.optimizer.get_state()
    names = [key for key, value in state.items() if isinstance(value, np.ndarray)]
    scalars = {key: value for key, value in state.items() if not isinstance(value, np.ndarray)}
    return {**scalars, "arrays": names}, [state[name] for name in names]


def _write_array(archive: zipfile.ZipFile, name: str, array: np.ndarray) -> None:
    with archive.open(name, "w", force_zip64=True) as member:
        np.lib.format.write_array(member, np.asarray(array), allow_pickle=False)


def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Save ``model`` (architecture, weights, compile settings, optimizer and random states) to ``filepath``.

    Args:
        model: a Sequential or functional model.
        filepath: the file to write; a name ending in ``.keras`` selects Keras 3's format.
        overwrite: if False, an existing file raises FileExistsError.

    Example:
        >>> save_model(model, "classifier.lamina")
    """
    filepath = os.fspath(filepath)
    if not overwrite and os.path.exists(filepath):
        raise FileExistsError(f"save: {filepath} exists and overwrite=False")
    if filepath.endswith(".keras"):
        from .keras_format import save_keras
        save_keras(model, filepath)
        return
    from . import compile_io, rng_state  # here, so that importing lamina.models stays light

    if type(model).__name__ not in _model_classes():
        raise TypeError(f"save: a {type(model).__name__} model is subclassed: its call() is Python code, which a "
                        f"model file never holds; save its weights with model.save_weights(...) and rebuild the "
                        f"model in code (saveable: {sorted(_model_classes())})")
    weights = [w.data for w in model.weights]
    optimizer_scalars, optimizer_arrays = _optimizer_state(model)
    manifest = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION, "lamina_version": _lamina_version(),
                "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}
    config = {"class_name": type(model).__name__, "config": model.get_config(),
              "weights": [{"name": w.name, "shape": list(w.shape), "dtype": w.dtype.name} for w in model.weights]}
    training = {"compile": compile_io.compile_settings(model), "optimizer_state": optimizer_scalars,
                "rng": rng_state.model_rng_states(model)}
    # Serialize the JSON parts before opening the file: an unsaveable model fails without touching the disk.
    texts = {name: json.dumps(content, indent=1) for name, content in
             ((_MANIFEST, manifest), (_CONFIG, config), (_TRAINING, training))}
    with atomic_write(filepath, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
            for name, text in texts.items():
                archive.writestr(name, text)
            for i, array in enumerate(weights):
                _write_array(archive, f"weights/{i}.npy", array)
            for i, array in enumerate(optimizer_arrays):
                _write_array(archive, f"optimizer/{i}.npy", array)


# ----- loading ----------------------------------------------------------------------------------------------------
class _Reader:
    """Reads the members of an open model archive, turning every failure into a ValueError naming the file."""

    def __init__(self, filepath: str, archive: zipfile.ZipFile):
        self.filepath = filepath
        self.archive = archive

    def error(self, message: str) -> ValueError:
        return ValueError(f"load_model: {self.filepath}: {message}")

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.archive.read(name).decode("utf-8"))
        except KeyError:
            raise self.error(f"the archive has no {name}; the file is incomplete or not a Lamina model") from None
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as error:
            raise self.error(f"{name} is damaged ({error})") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            raise self.error(f"{name} is not valid JSON ({error})") from None

    def array(self, name: str) -> np.ndarray:
        try:
            # Reading the member whole lets zipfile check its CRC-32 (a stream read stops at the array's end).
            data = self.archive.read(name)
            return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
        except KeyError:
            raise self.error(f"the archive has no {name}; the file is incomplete") from None
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as error:
            raise self.error(f"{name} is damaged or not a plain array ({error})") from None


def _open_archive(filepath: str) -> zipfile.ZipFile:
    """The file as a zip archive, or a ValueError saying why it is not a model file."""
    try:
        with open(filepath, "rb") as handle:
            head = handle.read(4)
    except IsADirectoryError:
        raise ValueError(f"load_model: {filepath} is a directory, not a model file") from None
    try:
        return zipfile.ZipFile(filepath, "r")
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        if head == _ZIP_MAGIC:
            raise ValueError(f"load_model: {filepath} is truncated or corrupt: it starts as a zip archive but "
                             f"cannot be read as one ({error})") from None
        raise ValueError(f"load_model: {filepath} is not a Lamina or Keras model file (not a zip archive)") from None


def _file_kind(filepath: str, archive: zipfile.ZipFile) -> str:
    names = set(archive.namelist())
    if _MANIFEST in names:
        return "lamina"
    if {"config.json", "model.weights.h5"} <= names or {"config.json", "metadata.json"} <= names:
        return "keras"
    if "lamina_weights_format.npy" in names:
        raise ValueError(f"load_model: {filepath} is a weights file written by save_weights, not a whole model; "
                         f"build the model and call model.load_weights({filepath!r})")
    raise ValueError(f"load_model: {filepath} is a zip archive but not a Lamina model (no {_MANIFEST}) nor a "
                     f"Keras model (no config.json); it holds {sorted(names)[:5]}")


def load_model(filepath: str | os.PathLike, compile: bool = True,
               custom_objects: Mapping[str, Any] | None = None) -> Any:
    """Load a model saved by ``model.save`` (Lamina's format), or a Sequential ``.keras`` file of Keras 3.

    Args:
        filepath: the file; its format is read from its content, not its name.
        compile: restore the compile settings and the optimizer's state (when the model was compiled).
        custom_objects: ``{name: function}`` for losses and metrics of your own, which files keep by name.

    Returns:
        A new model, ready to predict, and (compiled) to go on training exactly where the saved one stopped.

    Raises:
        FileNotFoundError: no such file. ValueError: the file is not a model, is truncated or damaged, or was
        written by a newer format version (the message names the file and the problem).

    Example:
        >>> model = lamina.models.load_model("classifier.lamina")
    """
    filepath = os.fspath(filepath)
    with _open_archive(filepath) as archive:
        if _file_kind(filepath, archive) == "keras":
            from .keras_format import load_keras_archive
            return load_keras_archive(filepath, archive, compile=compile, custom_objects=custom_objects)
        return _load_lamina(_Reader(filepath, archive), compile, custom_objects or {})


def _check_manifest(reader: _Reader) -> None:
    manifest = reader.json(_MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise reader.error(f"not a Lamina model file (its manifest names the format {found!r})")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise reader.error(f"the manifest has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise reader.error(f"the file has format version {version} (written by Lamina "
                           f"{manifest.get('lamina_version', '?')}), newer than this Lamina "
                           f"{_lamina_version()} can read (up to version {FORMAT_VERSION}); upgrade Lamina")


def _load_lamina(reader: _Reader, compile: bool, custom_objects: Mapping[str, Any]) -> Any:
    from . import compile_io, rng_state

    _check_manifest(reader)
    config = reader.json(_CONFIG)
    training = reader.json(_TRAINING)
    try:
        cls = _model_classes().get(config["class_name"])
        if cls is None:
            raise reader.error(f"unknown model class {config['class_name']!r}; known: {sorted(_model_classes())}")
        model = cls.from_config(config["config"], custom_objects=custom_objects)
        expected = config["weights"]
        if len(expected) != len(model.weights):
            raise reader.error(f"the architecture has {len(model.weights)} weights but the file lists "
                               f"{len(expected)}")
        model.set_weights([reader.array(f"weights/{i}.npy") for i in range(len(expected))])
        settings = training.get("compile")
        if compile and settings is not None:
            compile_io.apply_compile_settings(model, settings, custom_objects)
            state = dict(training.get("optimizer_state") or {})
            names = state.pop("arrays", [])
            state.update({name: reader.array(f"optimizer/{i}.npy") for i, name in enumerate(names)})
            if state:
                model.optimizer.set_state(state)
        rng_state.restore_model_rng_states(model, training.get("rng") or {})
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ValueError) and str(error).startswith("load_model:"):
            raise
        detail = f"missing entry {error}" if isinstance(error, KeyError) else str(error)
        raise reader.error(f"cannot rebuild the model: {detail}") from None
    return model
