"""Translation between Keras 3's compile settings (``compile_config`` of a ``.keras`` file) and Lamina's.

Keras writes every object as ``{"module", "class_name", "config", "registered_name"}``. Reading, each option is
translated or refused with an error naming it: a model Lamina cannot train exactly is never compiled
approximately. Writing, Lamina emits the keys Keras 3 itself writes. (Layers and models: ``keras_layers.py``.)

Class names are looked up in Lamina's modules; nothing named in a file is imported.
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import losses as _losses
from .. import metrics as _metrics
from .. import optimizers as _optimizers
from ..optimizers import schedules as _schedules


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
def _compile_object(value: Any, module: Any, base: type, where: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        cls = _registered(module, value.get("class_name"), base, where, "class")
        return cls(**_accepted(cls, dict(value.get("config") or {}), where))
    raise ValueError(f"{where}: cannot read {value!r}")


def compile_from_keras(config: dict[str, Any]) -> dict[str, Any]:
    """Arguments for ``model.compile`` from Keras's ``compile_config`` (ValueError when something has no match)."""
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
    if config.get("loss_weights") is not None:
        raise ValueError("compile_config: loss_weights has no Lamina equivalent")
    metrics = config.get("metrics") or []
    weighted = config.get("weighted_metrics") or []
    return {
        "optimizer": cls(**_accepted(cls, options, where)),
        "loss": _compile_object(config.get("loss"), _losses, _losses.Loss, "compile_config loss"),
        "metrics": [_compile_object(m, _metrics, _metrics.Metric, "compile_config metrics") for m in metrics],
        "weighted_metrics": [_compile_object(m, _metrics, _metrics.Metric, "compile_config weighted_metrics")
                             for m in weighted],
    }


# ----- Lamina -> Keras ------------------------------------------------------------------------------------------
def _compile_entry_to_keras(value: Any, module: str, where: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and "class_name" in value:
        return _keras_object(module, value["class_name"], dict(value["config"]))
    raise ValueError(f"{where}: {value!r} is a function of your own, which Keras cannot rebuild")


def compile_to_keras(settings: dict[str, Any], optimizer: Any) -> dict[str, Any]:
    """Keras's ``compile_config`` from ``compile_io.compile_settings`` (ValueError for what Keras lacks)."""
    options = dict(settings["optimizer"]["config"])
    learning_rate = options.get("learning_rate")
    if isinstance(learning_rate, dict):
        if learning_rate["class_name"] == "LinearDecay":
            raise ValueError("the learning-rate schedule LinearDecay has no Keras equivalent")
        options["learning_rate"] = _keras_object("keras.optimizers.schedules", learning_rate["class_name"],
                                                 dict(learning_rate["config"]))
    return {
        "optimizer": _keras_object("keras.optimizers", type(optimizer).__name__, options),
        "loss": _compile_entry_to_keras(settings["loss"], "keras.losses", "loss"),
        "loss_weights": None,
        "metrics": [_compile_entry_to_keras(m, "keras.metrics", "metric") for m in settings["metrics"]] or None,
        "weighted_metrics": [_compile_entry_to_keras(m, "keras.metrics", "weighted metric")
                             for m in settings["weighted_metrics"]] or None,
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    }
