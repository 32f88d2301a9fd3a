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
crash or a kill during ``save`` leaves the previous file whole (a hidden ``.<name>.<hex>.tmp`` at most, which the
next successful save to the same path removes).

A path ending in ``.keras`` is written in Keras 3's format instead (``keras_format``); a path ending in ``.h5`` is
refused (Keras's legacy HDF5 model format, which Lamina does not write). ``load_model`` looks inside the file to
tell the formats apart, whatever its name, and checks what the file declares before it reads or allocates
anything large (``file_checks``, ``weight_plan``).
"""

from __future__ import annotations

import datetime
import json
import os
import zipfile
from typing import Any, Mapping

import numpy as np

from ..utils.io import atomic_write
from ..version import __version__
from . import weight_plan
from .file_checks import CONFIG_ERRORS, SafeArchive, check_conversion, describe_config_error

FORMAT_NAME = "lamina"
FORMAT_VERSION = 1

_MANIFEST, _CONFIG, _TRAINING = "manifest.json", "config.json", "training.json"


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


def check_model_path(filepath: str) -> None:
    """Refuse a name ``model.save`` must not write: ``.h5`` means Keras's legacy HDF5 model format, which Lamina
    does not write (a Keras 2-style config and Keras's own optimizer layout in HDF5), and ``.weights.h5`` a
    weights file; Lamina never writes a zip under those names. (Also checked by ModelCheckpoint when it is made.)"""
    lower = filepath.lower()
    if lower.endswith(".weights.h5"):
        raise ValueError(f"save: {filepath}: a .weights.h5 name is for weights alone: use "
                         f"model.save_weights({filepath!r}) (Keras 3's weights format), or model.save('<name>.keras') "
                         f"for the whole model")
    if lower.endswith((".h5", ".hdf5")):
        raise ValueError(f"save: {filepath}: Lamina does not write Keras's legacy HDF5 (.h5) model format. Use a "
                         f"name ending in '.keras' (Keras 3's format, which Keras loads) or any other name such as "
                         f"'.lamina' (Lamina's format, which also keeps the optimizer and random states).")


def save_model(model: Any, filepath: str | os.PathLike, overwrite: bool = True) -> None:
    """Save ``model`` (architecture, weights, compile settings, optimizer and random states) to ``filepath``.

    Args:
        model: a Sequential or functional model.
        filepath: the file to write; a name ending in ``.keras`` selects Keras 3's format.
        overwrite: if False, an existing file raises FileExistsError.

    Example::

        save_model(model, "classifier.lamina")
    """
    filepath = os.fspath(filepath)
    check_model_path(filepath)
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
_NOT_A_MODEL = "a Lamina or Keras model file"
_HDF5_HINT = ("Lamina reads Keras 3's .keras files, not the legacy HDF5 (.h5) model format; re-save the model "
              "from Keras with model.save('model.keras'), or load a .weights.h5 file with model.load_weights")


def _file_kind(filepath: str, archive: SafeArchive) -> str:
    names = set(archive.names())
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
        FileNotFoundError: no such file.
        OSError: the file cannot be read.
        ValueError: anything wrong with the file itself (not a regular file, not a model, truncated, damaged,
            forged, larger than it claims, or written by a newer format version); the message names the file and
            the problem. What is checked, before anything large is read or allocated, is listed in
            ``file_checks`` and ``hdf5_checks``.

    Example::

        model = lamina.models.load_model("classifier.lamina")
    """
    filepath = os.fspath(filepath)
    with SafeArchive(filepath, "load_model", _NOT_A_MODEL, hdf5_hint=_HDF5_HINT) as archive:
        if _file_kind(filepath, archive) == "keras":
            from .keras_format import load_keras_archive
            return load_keras_archive(archive, compile=compile, custom_objects=custom_objects)
        return _load_lamina(archive, compile, custom_objects or {})


def _check_manifest(archive: SafeArchive) -> None:
    manifest = archive.json(_MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise archive.error(f"not a Lamina model file (its manifest names the format {found!r})")
    version = manifest.get("format_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise archive.error(f"the manifest has an invalid format_version {version!r}")
    if version > FORMAT_VERSION:
        raise archive.error(f"the file has format version {version} (written by Lamina "
                            f"{manifest.get('lamina_version', '?')}), newer than this Lamina "
                            f"{_lamina_version()} can read (up to version {FORMAT_VERSION}); upgrade Lamina")


def _check_planned(archive: SafeArchive, listed: Any, planned: list[weight_plan.PlannedWeight]) -> None:
    """The weights the architecture will create against the file's list of them and its arrays' headers."""
    if not isinstance(listed, list) or len(listed) != len(planned):
        count = len(listed) if isinstance(listed, list) else listed
        raise archive.error(f"the architecture has {len(planned)} weights but the file lists {count}")
    for i, (weight, entry) in enumerate(zip(planned, listed)):
        if tuple(entry["shape"]) != weight.shape:
            raise archive.error(f"config.json lists weight {i} with shape {tuple(entry['shape'])}, but the "
                                f"architecture makes {weight.layer}/{weight.name} of shape {weight.shape}")
        shape = archive.npy_header(f"weights/{i}.npy")[0]
        if shape != weight.shape:
            raise archive.error(f"weights/{i}.npy holds an array of shape {shape}, but the architecture makes "
                                f"{weight.layer}/{weight.name} of shape {weight.shape}")


def _optimizer_members(archive: SafeArchive, names: Any, trainable: list[weight_plan.PlannedWeight]
                       ) -> list[tuple[str, str, tuple[int, ...]]]:
    """(state key, member, shape) of each optimizer array: a key ``<slot>/<i>`` belongs to trainable weight i
    and has its shape, which is checked against the member's header before anything is read."""
    if not isinstance(names, list):
        raise archive.error(f"training.json names the optimizer arrays as {type(names).__name__}, not a list")
    members = []
    for i, key in enumerate(names):
        slot, _, index = str(key).rpartition("/")
        if not slot or not index.isdigit() or int(index) >= len(trainable):
            raise archive.error(f"optimizer array {key!r} does not name one of the {len(trainable)} trainable "
                                f"weights")
        shape = trainable[int(index)].shape
        member = f"optimizer/{i}.npy"
        declared = archive.npy_header(member)[0]
        if declared != shape:
            raise archive.error(f"{member} ({key}) holds an array of shape {declared}, but trainable weight "
                                f"{index} has shape {shape}")
        members.append((str(key), member, shape))
    return members


def _load_lamina(archive: SafeArchive, compile: bool, custom_objects: Mapping[str, Any]) -> Any:
    from . import compile_io, rng_state

    _check_manifest(archive)
    config = archive.json(_CONFIG)
    training = archive.json(_TRAINING)
    try:
        cls = _model_classes().get(config["class_name"])
        if cls is None:
            raise archive.error(f"unknown model class {config['class_name']!r}; known: {sorted(_model_classes())}")
        # The model is rebuilt with placeholder weights, and everything the file declares is checked against them
        # before anything the size of a weight is allocated (``weight_plan``).
        model = weight_plan.build_with_placeholders(
            lambda: cls.from_config(config["config"], custom_objects=custom_objects))
        planned = weight_plan.plan_of(model)
        _check_planned(archive, config["weights"], planned)
        settings = training.get("compile") if compile else None
        state = dict(training.get("optimizer_state") or {}) if settings is not None else {}
        optimizer_members = _optimizer_members(archive, state.pop("arrays", []), weight_plan.trainable_plan(model))
        arrays = []
        for i, weight in enumerate(planned):
            array = archive.array(f"weights/{i}.npy", weight.shape)
            check_conversion(array, weight.dtype, f"weights/{i}.npy ({weight.layer}/{weight.name})")
            arrays.append(array)
        weight_plan.materialize(model.weights, arrays)
        if settings is not None:
            compile_io.apply_compile_settings(model, settings, custom_objects)
            state.update({key: archive.array(member, shape) for key, member, shape in optimizer_members})
            if state:
                model.optimizer.set_state(state)
        rng_state.restore_model_rng_states(model, training.get("rng") or {})
    except CONFIG_ERRORS as error:
        if isinstance(error, ValueError) and str(error).startswith("load_model:"):
            raise
        detail = describe_config_error(error)
        raise archive.error(f"cannot rebuild the model: {detail}") from None
    return model
