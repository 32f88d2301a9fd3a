"""Translation between Keras 3's compile settings (``compile_config`` of a ``.keras`` file) and Lamina's.

Keras writes every object as ``{"module", "class_name", "config", "registered_name"}``. Reading, each option is
translated or refused with an error naming it: a model Lamina cannot train exactly is never compiled
approximately. Writing, Lamina emits the keys Keras 3 itself writes. (Layers and models: ``keras_layers.py``;
losses and metrics: ``keras_compile.py``.)

Class names are looked up in Lamina's modules; nothing named in a file is imported.
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping

from .. import optimizers as _optimizers
from ..optimizers import schedules as _schedules
from . import keras_compile


def _keras_object(module: str, class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def _accepted(cls: type, config: dict[str, Any], where: str) -> dict[str, Any]:
    """``config`` reduced to ``cls``'s constructor arguments; a dropped entry must be None (off)."""
    parameters = inspect.signature(cls.__init__).parameters
    kept = {}
    for key, value in config.items():
        if key in parameters:
            kept[key] = value
        elif value is not None:
            raise ValueError(f"{where}: {cls.__name__} option {key}={value!r} has no Lamina equivalent")
    return kept


def _registered(module: Any, class_name: Any, base: type, where: str, what: str) -> type:
    cls = getattr(module, class_name, None) if class_name in getattr(module, "__all__", ()) else None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ValueError(f"{where}: Lamina has no {what} {class_name!r}")
    return cls


# ----- Keras -> Lamina ------------------------------------------------------------------------------------------
# ----- Keras -> Lamina ------------------------------------------------------------------------------------------
def compile_from_keras(config: dict[str, Any], custom_objects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Arguments for ``model.compile`` from Keras's ``compile_config`` (ValueError when something has no match);
    ``custom_objects`` supplies the user's own losses and metrics (see ``keras_compile``)."""
    optimizer = dict(config.get("optimizer") or {})
    where = "compile_config optimizer"
    cls = _registered(_optimizers, optimizer.get("class_name"), _optimizers.Optimizer, where, "optimizer")
    options = dict(optimizer.get("config") or {})
    if options.get("use_ema"):
        raise ValueError(f"{where}: use_ema=True has no Lamina equivalent")
    for key in ("use_ema", "ema_momentum", "ema_overwrite_frequency"):
        options.pop(key, None)
    if isinstance(options.get("learning_rate"), dict):
        schedule = options["learning_rate"]
        options["learning_rate"] = _schedules.deserialize(
            {"class_name": schedule.get("class_name"), "config": schedule.get("config") or {}})
    def read(value: Any, kind: str, where: str) -> Any:
        """One loss or metric, or a list / dict of them (one per output)."""
        if isinstance(value, dict) and "class_name" not in value and "module" not in value:  # one per output
            return {key: read(item, kind, where) for key, item in value.items()}
        if isinstance(value, list):
            return [read(item, kind, where) for item in value]
        return keras_compile.from_keras(value, kind, where, custom_objects)

    return {
        "optimizer": cls(**_accepted(cls, options, where)),
        "loss": read(config.get("loss"), "loss", "compile_config loss"),
        "loss_weights": config.get("loss_weights"),
        "metrics": read(config.get("metrics") or [], "metric", "compile_config metrics"),
        "weighted_metrics": read(config.get("weighted_metrics") or [], "metric", "compile_config weighted_metrics"),
    }


# ----- Lamina -> Keras ------------------------------------------------------------------------------------------
def compile_to_keras(settings: dict[str, Any], optimizer: Any) -> dict[str, Any]:
    """Keras's ``compile_config`` from ``compile_io.compile_settings`` (ValueError for what Keras lacks)."""
    options = dict(settings["optimizer"]["config"])
    learning_rate = options.get("learning_rate")
    if isinstance(learning_rate, dict):
        if learning_rate["class_name"] == "LinearDecay":
            raise ValueError("the learning-rate schedule LinearDecay has no Keras equivalent")
        options["learning_rate"] = _keras_object("keras.optimizers.schedules", learning_rate["class_name"],
                                                 dict(learning_rate["config"]))
    def write(value: Any, kind: str, where: str) -> Any:
        """One loss or metric, or a list / dict of them (one per output)."""
        if isinstance(value, dict) and set(value) == {"outputs"}:  # one per output, by name
            return {key: write(item, kind, where) for key, item in value["outputs"].items()}
        if isinstance(value, list):
            return [write(item, kind, where) for item in value]
        return keras_compile.to_keras(value, kind, where)

    return {
        "optimizer": _keras_object("keras.optimizers", type(optimizer).__name__, options),
        "loss": write(settings["loss"], "loss", "loss"),
        "loss_weights": settings.get("loss_weights"),
        "metrics": write(settings["metrics"], "metric", "metric") or None,
        "weighted_metrics": write(settings["weighted_metrics"], "metric", "weighted metric") or None,
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    }
