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
from . import compile_io, keras_config, keras_layers

KERAS_FORMAT_VERSION = "3.15.1"  # the Keras release whose files these were checked against
_CONFIG, _METADATA, _WEIGHTS = "config.json", "metadata.json", "model.weights.h5"


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
def _read_layer_weights(h5: Any, path: str) -> list[np.ndarray]:
    group = h5.get(f"{path}/vars")
    if group is None:
        return []
    return [np.asarray(group[name]) for name in sorted(group.keys(), key=int)]


def _keras_layers(model: Any) -> list[Any]:
    """The layers of ``model`` that Keras stores under ``layers/`` (a functional model's Inputs included)."""
    return model.layers


def _is_model(layer: Any) -> bool:
    return hasattr(layer, "fit") and hasattr(layer, "_graph")


def _read_weights_into(h5: Any, model: Any, prefix: str, error: Any) -> None:
    layers = _keras_layers(model)
    for layer, key in zip(layers, weight_keys([layer.class_name for layer in layers])):
        path = f"{prefix}layers/{key}"
        if _is_model(layer):
            _read_weights_into(h5, layer, f"{path}/", error)
            continue
        arrays = _read_layer_weights(h5, path)
        if len(arrays) != len(layer.weights):
            raise error(f'layer "{layer.name}" ({layer.class_name}) has {len(layer.weights)} weights but '
                        f"model.weights.h5 holds {len(arrays)} under {path}/vars")
        layer.set_weights(arrays)


def load_keras_archive(filepath: str, archive: zipfile.ZipFile, compile: bool = True,
                       custom_objects: Any = None) -> Any:
    """A Lamina model (Sequential or functional) from an open ``.keras`` archive (see ``load_model``)."""
    from .functional_config import layer_from_entry

    def error(message: str) -> ValueError:
        return ValueError(f"load_model: {filepath} (Keras format): {message}")

    h5py = _h5py()
    try:
        config = json.loads(archive.read(_CONFIG).decode("utf-8"))
        weights_bytes = archive.read(_WEIGHTS)
    except KeyError as missing:
        raise error(f"the archive lacks {missing}") from None
    except (zipfile.BadZipFile, OSError, UnicodeDecodeError, json.JSONDecodeError) as problem:
        raise error(f"damaged archive member ({problem})") from None
    try:
        class_name = config.get("class_name")
        if class_name not in ("Sequential", "Functional", "Model"):
            raise error(f"Lamina reads Sequential and functional models; this file holds a {class_name!r} model")
        entry = keras_layers.layer_from_keras(config)
        build_shape = entry["config"].pop("build_input_shape", None)
        model = layer_from_entry(entry, custom_objects)
        if build_shape and not model.built:
            model.build(build_shape)
        with h5py.File(io.BytesIO(weights_bytes), "r") as h5:
            _read_weights_into(h5, model, "", error)
    except (KeyError, TypeError, ValueError, OSError) as problem:
        if isinstance(problem, ValueError) and str(problem).startswith("load_model:"):
            raise
        raise error(str(problem)) from None
    compile_config = config.get("compile_config")
    if compile and compile_config:
        try:
            arguments = keras_config.compile_from_keras(compile_config, custom_objects)
        except (KeyError, TypeError, ValueError) as problem:
            warnings.warn(f"{filepath}: the model is loaded uncompiled; its Keras compile settings have no Lamina "
                          f"equivalent ({problem})", stacklevel=3)
        else:
            model.compile(**arguments)
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
    layers = _keras_layers(model)
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
