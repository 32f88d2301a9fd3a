"""Keras 3's ``.keras`` file, read and written for Sequential and functional models (needs h5py:
``pip install lamina[keras-io]``).

The file is an uncompressed zip archive of

    metadata.json       {"keras_version": ..., "date_saved": ...}
    config.json         {"module": "keras", "class_name": "Sequential", "config": {"name", "layers": [...]},
                        "compile_config": ...}; translated by ``keras_config``
    model.weights.h5    HDF5: ``layers/<key>/vars/0..n-1``, where <key> is the snake_case of the layer's class
                        plus a counter per class inside the model (``dense``, ``dense_1``, ``batch_normalization``),
                        not the layer's name; layers without weights have empty ``vars`` groups. A functional
                        model's Inputs count as layers (``input_layer``); a model inside a model keeps its own
                        ``layers/<key>/layers/...`` (``functional``, ``sequential``). Each ``vars`` group carries
                        the layer's name as an attribute; ``optimizer/vars`` holds the optimizer's.

Reading checks the archive (``file_checks``), works out every weight's shape from the config without building
the model (``weight_plan``), refuses HDF5 content that reads outside the file or unpacks into far more than it
stores (``hdf5_checks``), and compares each dataset's shape with the plan before reading it; only then is the
model built. ``save_weights_h5`` / ``load_weights_h5`` write and read Keras 3's ``.weights.h5``, which is
``model.weights.h5`` on its own (Keras's ``save_weights`` also stores the optimizer's variables there; Lamina
skips them when reading and does not write them).

Keras and Lamina keep weights in the same order (Dense ``[kernel, bias]``, BatchNormalization
``[gamma, beta, moving_mean, moving_variance]``), so arrays move across unchanged. The optimizer's moments are not
carried over (the two libraries lay them out differently): a model read from Keras is compiled with a fresh
optimizer of the same configuration, and a model written for Keras starts Keras's optimizer afresh (its
``iterations`` at 0, its learning rate the current one).
"""

from __future__ import annotations

import datetime
import io
import json
import os
import warnings
import zipfile
from typing import Any

import numpy as np

from ..layers.base import to_snake_case
from ..utils.io import atomic_write
from . import compile_io, hdf5_checks, keras_config, keras_layers, weight_plan
from .file_checks import CONFIG_ERRORS, SafeArchive, describe_config_error, expansion_budget, open_regular_file

KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose files these were checked against
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
# How h5py reports damage it finds while reading a file's structure (HDF5's own errors, wrapped).
_HDF5_ERRORS = (OSError, RuntimeError)


def _h5py() -> Any:
    try:
        import h5py
    except ImportError:
        raise ImportError("Reading and writing .keras files needs h5py: pip install 'lamina[keras-io]' "
                          "(or pip install h5py)") from None
    return h5py


def weight_keys(class_names: list[str]) -> list[str]:
    """The HDF5 group of each layer: snake_case class name plus a per-class counter (Keras's rule)."""
    counts: dict[str, int] = {}
    keys = []
    for class_name in class_names:
        base = to_snake_case(class_name)
        count = counts.get(base, 0)
        counts[base] = count + 1
        keys.append(base if count == 0 else f"{base}_{count}")
    return keys


# ----- reading ----------------------------------------------------------------------------------------------------
def open_hdf5(source: Any, describe: str) -> Any:
    """``h5py.File(source)`` for reading; a file h5py cannot open is a ValueError starting with ``describe``."""
    h5py = _h5py()
    try:
        return h5py.File(source, "r")
    except (OSError, ValueError) as problem:
        raise ValueError(f"{describe}: not a readable HDF5 file ({problem})") from None


def _is_model(layer: Any) -> bool:
    return hasattr(layer, "fit") and hasattr(layer, "_graph")


def read_model_weights(h5: Any, model: Any, describe: str, budget: int) -> list[tuple[Any, list[np.ndarray]]]:
    """(layer, its arrays) for every layer of ``model`` (nested models included) from Keras's
    ``layers/<key>/vars`` groups of the open HDF5 file ``h5``.

    The whole file is checked first (``hdf5_checks``: nothing that reads outside it, nothing that unpacks into
    more than ``budget`` bytes), then every dataset's shape against the layer's weights before it is read.
    """
    hdf5_checks.check_hdf5(h5, describe, budget)
    found: list[tuple[Any, list[np.ndarray]]] = []

    def collect(owner: Any, prefix: str) -> None:
        layers = owner.layers
        for layer, key in zip(layers, weight_keys([layer.class_name for layer in layers])):
            path = f"{prefix}layers/{key}"
            if _is_model(layer):
                collect(layer, f"{path}/")
                continue
            planned = weight_plan.planned_layer(layer)
            group = h5.get(f"{path}/vars")
            if group is None:
                if planned.weights:
                    raise ValueError(f'{describe}: layer "{layer.name}" ({layer.class_name}) has '
                                     f"{len(planned.weights)} weights but the file has no {path}/vars")
                continue
            found.append((layer, hdf5_checks.read_weights(group, planned.weights, f"{describe}: {path}/vars")))

    collect(model, "")
    return found


def load_keras_archive(archive: SafeArchive, compile: bool = True, custom_objects: Any = None) -> Any:
    """A Lamina model (Sequential or functional) from an open ``.keras`` archive (see ``load_model``)."""
    from .functional_config import layer_from_entry

    describe = f"load_model: {archive.filepath} (Keras format)"

    def error(message: str) -> ValueError:
        return ValueError(f"{describe}: {message}")

    config = archive.json(_CONFIG)
    weights_bytes = archive.read(_WEIGHTS)
    try:
        class_name = config.get("class_name") if isinstance(config, dict) else None
        if class_name not in ("Sequential", "Functional", "Model"):
            raise error(f"Lamina reads Sequential and functional models; this file holds a {class_name!r} model")
        entry = keras_layers.layer_from_keras(config)
        build_shape = entry["config"].pop("build_input_shape", None)

        def make() -> Any:
            built = layer_from_entry(entry, custom_objects)
            if build_shape and not built.built:
                built.build(build_shape)
            return built

        # The model is rebuilt with placeholder weights; the HDF5 datasets are checked against them before
        # anything the size of a weight is allocated.
        model = weight_plan.build_with_placeholders(make)
        with open_hdf5(io.BytesIO(weights_bytes), f"{describe}: {_WEIGHTS}") as h5:
            found = read_model_weights(h5, model, f"{describe}: {_WEIGHTS}", expansion_budget(len(weights_bytes)))
        for layer, arrays in found:
            weight_plan.materialize(layer.weights, arrays)
        missing = [v.path or v.name for v in model.weights if not v.data.flags.writeable]
        if missing:
            raise error(f"the file holds no values for weight(s) {missing}")
    except CONFIG_ERRORS + _HDF5_ERRORS as problem:
        if isinstance(problem, ValueError) and str(problem).startswith("load_model:"):
            raise
        where = f"{_WEIGHTS}: " if isinstance(problem, _HDF5_ERRORS) else ""
        raise error(where + describe_config_error(problem)) from None
    compile_config = config.get("compile_config") if isinstance(config, dict) else None
    if compile and compile_config:
        try:
            arguments = keras_config.compile_from_keras(compile_config, custom_objects)
            compile_io.require_concrete(arguments)
            model.compile(**arguments)
        except CONFIG_ERRORS as problem:
            warnings.warn(f"{archive.filepath}: the model is loaded uncompiled; its Keras compile settings have no "
                          f"Lamina equivalent ({problem})", stacklevel=3)
    return model


# ----- writing ----------------------------------------------------------------------------------------------------
def _model_config(model: Any) -> dict[str, Any]:
    config = keras_layers.model_to_keras(model)
    settings = compile_io.compile_settings(model)
    if settings is not None:
        try:
            config["compile_config"] = keras_config.compile_to_keras(settings, model.optimizer)
        except ValueError as problem:
            warnings.warn(f"the compile settings are not written to the .keras file, so Keras will load the model "
                          f"uncompiled: {problem}", stacklevel=4)
    return config


def _write_layer_weights(h5: Any, model: Any, prefix: str) -> None:
    layers = model.layers
    for layer, key in zip(layers, weight_keys([layer.class_name for layer in layers])):
        path = f"{prefix}layers/{key}"
        group = h5.create_group(f"{path}/vars")
        group.attrs["name"] = layer.name
        if _is_model(layer):
            _write_layer_weights(h5, layer, f"{path}/")
            continue
        for i, weight in enumerate(layer.weights):
            group.create_dataset(str(i), data=weight.data)


def _weights_h5(model: Any, write_optimizer: bool) -> bytes:
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.create_group("vars").attrs["name"] = model.name
        _write_layer_weights(h5, model, "")
        if write_optimizer:
            # An unbuilt Keras optimizer has exactly these variables: iterations, then a constant learning rate.
            group = h5.create_group("optimizer/vars")
            group.attrs["name"] = model.optimizer.name
            group.create_dataset("0", data=np.int64(0))
            if not isinstance(model.optimizer.get_config()["learning_rate"], dict):  # not a schedule
                group.create_dataset("1", data=np.float32(model.optimizer.learning_rate))
    return buffer.getvalue()


def save_keras(model: Any, filepath: str | os.PathLike) -> None:
    """Write ``model`` (a built Sequential or functional model) as a Keras 3 ``.keras`` file, atomically.

    Raises ValueError naming the layer (and option) that Keras cannot rebuild.
    """
    filepath = os.fspath(filepath)
    config = _model_config(model)
    metadata = {"keras_version": KERAS_FORMAT_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}
    weights = _weights_h5(model, write_optimizer="compile_config" in config)
    with atomic_write(filepath, "wb") as handle:
        with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_STORED) as archive:
            archive.writestr(_METADATA, json.dumps(metadata))
            archive.writestr(_CONFIG, json.dumps(config))
            archive.writestr(_WEIGHTS, weights)


# ----- Keras 3's weights file (.weights.h5) ---------------------------------------------------------------------
def save_weights_h5(model: Any, filepath: str) -> None:
    """Write ``model``'s weights as Keras 3's ``.weights.h5`` (the layout of ``model.weights.h5`` inside a
    ``.keras`` file, without the optimizer), atomically; ``keras_model.load_weights`` reads it."""
    if not model.built:
        raise ValueError(f'save_weights: model "{model.name}" is not built, so it has no weights to write to '
                         f"{filepath}; build it (or call it on data) first")
    data = _weights_h5(model, write_optimizer=False)
    with atomic_write(filepath, "wb") as handle:
        handle.write(data)


def load_weights_h5(model: Any, filepath: str) -> None:
    """Read a Keras 3 ``.weights.h5`` file (written by Keras or by ``save_weights_h5``) into the built ``model``.

    The file is checked as a ``.keras`` file's weights are (``hdf5_checks``), and each dataset's shape against the
    model's weights before it is read; nothing is written into the model unless every weight was read.
    """
    describe = f"load_weights: {filepath}"
    if not model.built:
        raise ValueError(f'{describe}: model "{model.name}" is not built; build it (or call it on data) before '
                         f"loading weights into it")
    with open_regular_file(filepath, "load_weights") as handle:
        size = os.fstat(handle.fileno()).st_size
        try:
            with open_hdf5(handle, describe) as h5:
                found = read_model_weights(h5, model, describe, expansion_budget(size))
        except _HDF5_ERRORS + (KeyError, TypeError, ValueError) as problem:
            if isinstance(problem, ValueError) and str(problem).startswith(describe):
                raise
            raise ValueError(f"{describe}: damaged HDF5 weights file ({type(problem).__name__}: {problem})") from None
    for layer, arrays in found:
        layer.set_weights(arrays)
