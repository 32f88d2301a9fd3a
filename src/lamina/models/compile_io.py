"""A model's compile settings (optimizer, loss, metrics) as JSON, and back: what a saved model needs to train on.

The optimizer is kept as its full configuration (``optimizers.serialize``), so hyper-parameters given to its
constructor survive. Losses and metrics given by name stay names (the logs keep their names: 'mse' logs as
'mse'); objects of Lamina's classes become ``{"class_name", "config"}``; Lamina's own functions
(``lamina.losses.huber``) ``{"function": "huber"}``. A function or class of the user's own cannot be stored as
code (loading never runs code from a file), so it is stored by name, ``{"custom": "my_loss", "kind": "function"}``
(a class with its config, ``"kind": "class"``), and ``load_model(..., custom_objects={"my_loss": my_loss})``
supplies it again.
"""

from __future__ import annotations

from typing import Any, Mapping

from .. import losses as _losses
from .. import metrics as _metrics
from .. import optimizers as _optimizers


def _lamina_function(function: Any) -> str | None:
    """The name under which lamina.metrics or lamina.losses exports ``function``, if it does."""
    name = getattr(function, "__name__", None)
    for module in (_metrics, _losses):
        if name in module.__all__ and getattr(module, name, None) is function:
            return name
    return None


def _custom(resolved: Any) -> dict[str, Any]:
    """A loss or metric of the user's own: a function by its name, an object by its class name and config."""
    if isinstance(resolved, (_losses.LossFunctionWrapper, _metrics.MeanMetricWrapper)) and \
            type(resolved) in (_losses.LossFunctionWrapper, _metrics.MeanMetricWrapper):
        function = resolved.fn
        return {"custom": getattr(function, "__name__", type(function).__name__), "kind": "function"}
    try:
        config = resolved.get_config()
    except (AttributeError, NotImplementedError, TypeError):
        config = {}
    return {"custom": type(resolved).__name__, "kind": "class", "config": config}


def _describe(value: Any, kind: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    module = _losses if kind == "loss" else _metrics
    if callable(value) and not isinstance(value, type) and _lamina_function(value):
        return {"function": _lamina_function(value)}
    resolved = module.get(value)
    wrapper = _losses.LossFunctionWrapper if kind == "loss" else _metrics.MeanMetricWrapper
    if type(resolved) is wrapper or type(resolved).__name__ not in module.__all__ or \
            type(resolved).__module__.split(".")[0] != "lamina":
        return _custom(resolved)
    return {"class_name": type(resolved).__name__, "config": resolved.get_config()}


def _describe_structure(value: Any, kind: str) -> Any:
    """A loss or metric, or a list of them, or (several outputs) a dict of them by output name, which is kept
    as ``{"outputs": {...}}`` so that it cannot be mistaken for one entry."""
    if isinstance(value, dict):
        return {"outputs": {key: _describe_structure(item, kind) for key, item in value.items()}}
    if isinstance(value, (list, tuple)):
        return [_describe_structure(item, kind) for item in value]
    return _describe(value, kind)


def compile_settings(model: Any) -> dict[str, Any] | None:
    """JSON-able compile settings of ``model`` (None when it is not compiled)."""
    args = model.get_compile_config()
    if args is None:
        return None
    return {
        "optimizer": _optimizers.serialize(model.optimizer),
        "loss": _describe_structure(args["loss"], "loss"),
        "loss_weights": args.get("loss_weights"),
        "metrics": _describe_structure(args["metrics"], "metric"),
        "weighted_metrics": _describe_structure(args["weighted_metrics"], "metric"),
    }


def _resolve_custom(entry: dict[str, Any], custom_objects: Mapping[str, Any], what: str) -> Any:
    name = entry["custom"]
    if name not in custom_objects:
        raise ValueError(f"the model was compiled with a {what} of your own, {name!r}, which a file cannot hold; "
                         f"pass it as load_model(..., custom_objects={{{name!r}: {name}}}), or load with "
                         f"compile=False")
    supplied = custom_objects[name]
    if isinstance(supplied, type) and entry.get("config") and hasattr(supplied, "from_config"):
        return supplied.from_config(entry["config"])
    return supplied


def _entry_from(entry: Any, custom_objects: Mapping[str, Any], kind: str) -> Any:
    """A compile argument from one recorded entry: a name, a Lamina function or class, or the user's own."""
    if not isinstance(entry, dict):
        return entry  # a name, or None
    if "custom" in entry:
        return _resolve_custom(entry, custom_objects, kind)
    if "function" in entry:
        name = entry["function"]
        for module in (_metrics, _losses):
            if name in module.__all__ and callable(getattr(module, name)):
                return getattr(module, name)
        raise ValueError(f"unknown {kind} function {name!r}")
    if kind == "loss":
        return _losses.get(entry)
    return _metrics.from_config(entry)


def require_concrete(arguments: Mapping[str, Any]) -> None:
    """Refuse compile arguments rebuilt from a file that name an abstract base class (``Loss``, ``Metric``,
    ``Optimizer``) or a wrapper that needs a function: they would construct, then fail at the first ``fit``."""
    optimizer = arguments.get("optimizer")
    if not isinstance(optimizer, str) and type(optimizer) not in set(_optimizers._BY_NAME.values()):
        raise ValueError(f"the optimizer class {type(optimizer).__name__} is not one Lamina can train with")

    def leaves(value: Any) -> list[Any]:
        if isinstance(value, dict):
            return [leaf for item in value.values() for leaf in leaves(item)]
        if isinstance(value, (list, tuple)):
            return [leaf for item in value for leaf in leaves(item)]
        return [value]

    for loss in leaves(arguments.get("loss")):
        if not (loss is None or isinstance(loss, str) or callable(loss) and not isinstance(loss, _losses.Loss)
                or type(loss) in set(_losses._CLASSES.values())):
            raise ValueError(f"the loss class {type(loss).__name__} is abstract or needs a function")
    for metric in leaves([arguments.get("metrics") or [], arguments.get("weighted_metrics") or []]):
        if not (metric is None or isinstance(metric, str) or callable(metric) and not isinstance(metric, _metrics.Metric)
                or type(metric) in set(_metrics._CLASSES.values())):
            raise ValueError(f"the metric class {type(metric).__name__} is abstract or needs a function")


def apply_compile_settings(model: Any, settings: Mapping[str, Any],
                           custom_objects: Mapping[str, Any] | None = None) -> None:
    """``model.compile(...)`` with what ``compile_settings`` returned."""
    custom_objects = custom_objects or {}

    def rebuild(entry: Any, kind: str) -> Any:
        if isinstance(entry, dict) and set(entry) == {"outputs"}:
            return {key: rebuild(item, kind) for key, item in entry["outputs"].items()}
        if isinstance(entry, list):
            return [rebuild(item, kind) for item in entry]
        return _entry_from(entry, custom_objects, kind)

    model.compile(
        optimizer=_optimizers.deserialize(settings["optimizer"]),
        loss=rebuild(settings.get("loss"), "loss"),
        loss_weights=settings.get("loss_weights"),
        metrics=rebuild(settings.get("metrics") or [], "metric"),
        weighted_metrics=rebuild(settings.get("weighted_metrics") or [], "metric"),
    )
