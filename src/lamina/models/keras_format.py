"""Keras 3's ``.keras`` file, read and written for Sequential models (needs h5py: ``pip install lamina[keras-io]``).

The file is an uncompressed zip archive of

    metadata.json       {"keras_version": ..., "date_saved": ...}
    config.json         {"module": "keras", "class_name": "Sequential", "config": {"name", "layers": [...]},
                        "compile_config": ...}; translated by ``keras_config``
    model.weights.h5    HDF5: ``layers/<key>/vars/0..n-1``, where <key> is the snake_case of the layer's class
                        plus a counter per class inside the model (``dense``, ``dense_1``, ``batch_normalization``),
                        not the layer's name; layers without weights have empty ``vars`` groups. Each ``vars``
                        group carries the layer's name as an attribute; ``optimizer/vars`` holds the optimizer's.

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
from . import compile_io, hdf5_checks, keras_config, weight_plan
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


def read_planned_weights(h5: Any, plan: list[weight_plan.PlannedLayer], describe: str, budget: int
                         ) -> list[list[np.ndarray]]:
    """Each planned layer's arrays from Keras's ``layers/<key>/vars`` groups of the open HDF5 file ``h5``.

    The whole file is checked first (``hdf5_checks``: nothing that reads outside it, nothing that unpacks into
    more than ``budget`` bytes), then every dataset's shape against the plan before it is read.
    """
    hdf5_checks.check_hdf5(h5, describe, budget)
    arrays = []
    for layer, key in zip(plan, weight_keys([layer.class_name for layer in plan])):
        group = h5.get(f"layers/{key}/vars")
        if group is None:
            if layer.weights:
                raise ValueError(f'{describe}: layer "{layer.name}" ({layer.class_name}) has {len(layer.weights)} '
                                 f"weights but the file has no layers/{key}/vars")
            arrays.append([])
            continue
        arrays.append(hdf5_checks.read_weights(group, layer.weights, f"{describe}: layers/{key}/vars"))
    return arrays


def load_keras_archive(archive: SafeArchive, compile: bool = True) -> Any:
    """A Lamina Sequential model from an open ``.keras`` archive (see ``load_model``)."""
    from .sequential import Sequential

    describe = f"load_model: {archive.filepath} (Keras format)"

    def error(message: str) -> ValueError:
        return ValueError(f"{describe}: {message}")

    config = archive.json(_CONFIG)
    weights_bytes = archive.read(_WEIGHTS)
    try:
        lamina_config, build_shape = keras_config.sequential_from_keras(config)
        # The weights' shapes are worked out from the config and checked against the HDF5 datasets before the
        # model allocates anything.
        plan = weight_plan.plan_sequential(lamina_config, build_shape)
        with open_hdf5(io.BytesIO(weights_bytes), f"{describe}: {_WEIGHTS}") as h5:
            arrays = read_planned_weights(h5, plan, f"{describe}: {_WEIGHTS}", expansion_budget(len(weights_bytes)))
        model = Sequential.from_config(lamina_config)
        if build_shape:
            model.build(build_shape)
        for layer, layer_arrays in zip(model.layers, arrays):
            layer.set_weights(layer_arrays)
    except CONFIG_ERRORS + _HDF5_ERRORS as problem:
        if isinstance(problem, ValueError) and str(problem).startswith("load_model:"):
            raise
        where = f"{_WEIGHTS}: " if isinstance(problem, _HDF5_ERRORS) else ""
        raise error(where + describe_config_error(problem)) from None
    compile_config = config.get("compile_config") if isinstance(config, dict) else None
    if compile and compile_config:
        try:
            arguments = keras_config.compile_from_keras(compile_config)
            compile_io.require_concrete(arguments)
            model.compile(**arguments)
        except CONFIG_ERRORS as problem:
            warnings.warn(f"{archive.filepath}: the model is loaded uncompiled; its Keras compile settings have no "
                          f"Lamina equivalent ({problem})", stacklevel=3)
    return model


# ----- writing ----------------------------------------------------------------------------------------------------
def _model_config(model: Any) -> dict[str, Any]:
    input_shape = list(model.input_shape)
    input_layer = {"module": "keras.layers", "class_name": "InputLayer",
                   "config": {"batch_shape": input_shape, "dtype": "float32", "sparse": False,
                              "name": getattr(model._input_layer, "name", None) or "input_layer"},
                   "registered_name": None}
    layers = [input_layer] + [keras_config.layer_to_keras(layer) for layer in model.layers]
    config = {"module": "keras", "class_name": "Sequential",
              "config": {"name": model.name, "trainable": model.trainable, "layers": layers,
                         "build_input_shape": input_shape},
              "registered_name": None, "build_config": {"input_shape": input_shape}}
    settings = compile_io.compile_settings(model)
    if settings is not None:
        try:
            config["compile_config"] = keras_config.compile_to_keras(settings, model.optimizer)
        except ValueError as problem:
            warnings.warn(f"the compile settings are not written to the .keras file, so Keras will load the model "
                          f"uncompiled: {problem}", stacklevel=4)
    return config


def _weights_h5(model: Any, write_optimizer: bool) -> bytes:
    h5py = _h5py()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as h5:
        h5.create_group("vars").attrs["name"] = model.name
        keys = weight_keys([type(layer).__name__ for layer in model.layers])
        for layer, key in zip(model.layers, keys):
            group = h5.create_group(f"layers/{key}/vars")
            group.attrs["name"] = layer.name
            for i, weight in enumerate(layer.weights):
                group.create_dataset(str(i), data=weight.data)
        if write_optimizer:
            # An unbuilt Keras optimizer has exactly these variables: iterations, then a constant learning rate.
            group = h5.create_group("optimizer/vars")
            group.attrs["name"] = model.optimizer.name
            group.create_dataset("0", data=np.int64(0))
            if not isinstance(model.optimizer.get_config()["learning_rate"], dict):  # not a schedule
                group.create_dataset("1", data=np.float32(model.optimizer.learning_rate))
    return buffer.getvalue()


def save_keras(model: Any, filepath: str | os.PathLike) -> None:
    """Write ``model`` (a built Sequential) as a Keras 3 ``.keras`` file, atomically.

    Raises ValueError naming the layer (and option) that Keras cannot rebuild.
    """
    filepath = os.fspath(filepath)
    if type(model).__name__ != "Sequential":
        raise TypeError(f"save: only Sequential models can be written as .keras; received {type(model).__name__}")
    if not model.built:
        raise ValueError(f'save: model "{model.name}" is not built; build it (or call it on data) before saving '
                         f"it as .keras, so that its weights exist")
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
                arrays = read_planned_weights(h5, weight_plan.plan_from_model(model), describe,
                                              expansion_budget(size))
        except _HDF5_ERRORS + (KeyError, TypeError, ValueError) as problem:
            if isinstance(problem, ValueError) and str(problem).startswith(describe):
                raise
            raise ValueError(f"{describe}: damaged HDF5 weights file ({type(problem).__name__}: {problem})") from None
    model.set_weights([array for layer_arrays in arrays for array in layer_arrays])
