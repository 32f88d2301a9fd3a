"""A model's compile settings (optimizer, loss, metrics) as JSON, and back: what a saved model needs to train on.

The optimizer is kept as its full configuration (``optimizers.serialize``), so hyper-parameters given to its
constructor survive. Losses and metrics given by name stay names (the logs keep their names: 'mse' logs as
'mse'); objects of Lamina's classes become ``{"class_name", "config"}``. A function of the user's own cannot be
stored as code (loading never runs code from a file), so it is stored by name, ``{"custom": "my_loss"}``, and
``load_model(..., custom_objects={"my_loss": my_loss})`` supplies it again.
"""

from __future__ import annotations

from typing import Any, Mapping

from .. import losses as _losses
from .. import metrics as _metrics
from .. import optimizers as _optimizers


def _custom(function: Any) -> dict[str, str]:
    return {"custom": getattr(function, "__name__", type(function).__name__)}


def _describe_loss(loss: Any) -> Any:
    if loss is None or isinstance(loss, str):
        return loss
    resolved = _losses.get(loss)
    if type(resolved) is _losses.LossFunctionWrapper:
        return _custom(resolved.fn)
    if type(resolved).__name__ not in _losses.__all__:
        return _custom(loss)
    return {"class_name": type(resolved).__name__, "config": resolved.get_config()}


def _describe_metric(metric: Any) -> Any:
    if isinstance(metric, str):
        return metric
    resolved = _metrics.get(metric)
    if type(resolved) is _metrics.MeanMetricWrapper:
        return _custom(metric)
    if type(resolved).__name__ not in _metrics.__all__:
        return _custom(metric)
    return {"class_name": type(resolved).__name__, "config": resolved.get_config()}


def compile_settings(model: Any) -> dict[str, Any] | None:
    """JSON-able compile settings of ``model`` (None when it is not compiled)."""
    args = model.get_compile_config()
    if args is None:
        return None
    return {
        "optimizer": _optimizers.serialize(model.optimizer),
        "loss": _describe_loss(args["loss"]),
        "metrics": [_describe_metric(m) for m in args["metrics"]],
        "weighted_metrics": [_describe_metric(m) for m in args["weighted_metrics"]],
    }


def _resolve_custom(entry: dict[str, Any], custom_objects: Mapping[str, Any], what: str) -> Any:
    name = entry["custom"]
    if name not in custom_objects:
        raise ValueError(f"the model was compiled with a {what} of your own, {name!r}, which a file cannot hold; "
                         f"pass it as load_model(..., custom_objects={{{name!r}: {name}}}), or load with "
                         f"compile=False")
    return custom_objects[name]


def _loss_from(entry: Any, custom_objects: Mapping[str, Any]) -> Any:
    if isinstance(entry, dict) and "custom" in entry:
        return _resolve_custom(entry, custom_objects, "loss")
    return entry  # a name, None, or a {"class_name", "config"} dict that losses.get understands


def _metric_from(entry: Any, custom_objects: Mapping[str, Any]) -> Any:
    if isinstance(entry, dict) and "custom" in entry:
        return _resolve_custom(entry, custom_objects, "metric")
    if isinstance(entry, dict):
        name = entry.get("class_name")
        cls = _metrics._CLASSES.get(name) if isinstance(name, str) else None  # concrete classes only
        if cls is None:
            raise ValueError(f"unknown metric class {name!r}; known: {sorted(_metrics._CLASSES)}")
        return cls(**entry.get("config", {}))
    return entry


def require_concrete(arguments: Mapping[str, Any]) -> None:
    """Refuse compile arguments rebuilt from a file that name an abstract base class (``Loss``, ``Metric``,
    ``Optimizer``) or a wrapper that needs a function: they would construct, then fail at the first ``fit``."""
    optimizer = arguments.get("optimizer")
    if not isinstance(optimizer, str) and type(optimizer) not in set(_optimizers._BY_NAME.values()):
        raise ValueError(f"the optimizer class {type(optimizer).__name__} is not one Lamina can train with")
    loss = arguments.get("loss")
    if not (loss is None or isinstance(loss, str) or type(loss) in set(_losses._CLASSES.values())):
        raise ValueError(f"the loss class {type(loss).__name__} is abstract or needs a function")
    for metric in [*(arguments.get("metrics") or []), *(arguments.get("weighted_metrics") or [])]:
        if not (isinstance(metric, str) or type(metric) in set(_metrics._CLASSES.values())):
            raise ValueError(f"the metric class {type(metric).__name__} is abstract or needs a function")


def apply_compile_settings(model: Any, settings: Mapping[str, Any],
                           custom_objects: Mapping[str, Any] | None = None) -> None:
    """``model.compile(...)`` with what ``compile_settings`` returned."""
    custom_objects = custom_objects or {}
    model.compile(
        optimizer=_optimizers.deserialize(settings["optimizer"]),
        loss=_loss_from(settings.get("loss"), custom_objects),
        metrics=[_metric_from(m, custom_objects) for m in settings.get("metrics") or []],
        weighted_metrics=[_metric_from(m, custom_objects) for m in settings.get("weighted_metrics") or []],
    )
