"""Losses and metrics of a ``.keras`` file's ``compile_config``, read into Lamina's and written back as Keras does.

Keras writes a loss or metric in one of four forms, and Lamina reads each:

- a name (``"huber"``, ``"mape"``): kept as the name, so the logs keep it;
- a built-in class, ``{"module": "keras.losses", "class_name": "Huber", "config": {...}}``: Lamina's class of that
  name, from its config;
- a function, ``{"module": "builtins", "class_name": "function", "config": "huber", "registered_name":
  "function"}``: Lamina's function of that name (``lamina.losses.huber``), else one given in ``custom_objects``;
- a class of the user's own (``"registered_name": "my_package>MyLoss"``): only from ``custom_objects``, under its
  registered name or class name.

Nothing named in a file is imported; an unknown name is a ValueError that names it and says how to supply it.
Writing is the reverse; a function or class of the user's own is written in Keras's function / registered form,
so that ``keras.models.load_model(..., custom_objects=...)`` can rebuild it.
"""

from __future__ import annotations

import inspect
from typing import Any, Mapping

from .. import losses as _losses
from .. import metrics as _metrics

_KINDS = {"loss": (_losses, _losses.Loss, "keras.losses"), "metric": (_metrics, _metrics.Metric, "keras.metrics")}
# Abstract or wrapping classes that a config alone cannot rebuild.
_NOT_FROM_CONFIG = {"Loss", "LossFunctionWrapper", "Metric", "MeanMetricWrapper"}


def _custom(name: str, custom_objects: Mapping[str, Any], kind: str, where: str) -> Any:
    if name in custom_objects:
        return custom_objects[name]
    raise ValueError(f"{where}: the {kind} {name!r} is not one Lamina has; if it is your own, pass it as "
                     f"load_model(..., custom_objects={{{name!r}: ...}}), or load with compile=False")


def _check_name(name: str, kind: str, where: str) -> str:
    module = _KINDS[kind][0]
    module.get(name)  # raises ValueError naming the known names
    return name


def from_keras(value: Any, kind: str, where: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """A ``compile`` argument (name, object or function) from one Keras loss (``kind="loss"``) or metric entry."""
    custom_objects = custom_objects or {}
    module, base, _ = _KINDS[kind]
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return _check_name(value, kind, where)
        except ValueError:
            return _custom(value, custom_objects, kind, where)
    if not isinstance(value, dict):
        raise ValueError(f"{where}: cannot read {value!r}")
    class_name, config = value.get("class_name"), value.get("config")
    if class_name == "function":
        name = str(config)
        if name in custom_objects:
            return custom_objects[name]
        # Keras's metric functions include its loss functions (kl_divergence, huber, ...).
        for source in (module, _losses) if kind == "metric" else (module,):
            function = getattr(source, name, None)
            if callable(function) and not isinstance(function, type) and name in source.__all__:
                return function
        return _custom(name, custom_objects, f"{kind} function", where)
    registered = value.get("registered_name")
    if registered and registered != class_name:  # registered by the user: "package>ClassName"
        cls = custom_objects.get(registered) or custom_objects.get(str(class_name))
        if cls is None:
            _custom(str(registered), custom_objects, f"{kind} class", where)
    else:
        cls = custom_objects.get(str(class_name))
        if cls is None:
            cls = getattr(module, str(class_name), None) if class_name in module.__all__ else None
            if not (isinstance(cls, type) and issubclass(cls, base)) or class_name in _NOT_FROM_CONFIG:
                raise ValueError(f"{where}: Lamina has no {kind} class {class_name!r}")
    config = _known_options(cls, dict(config or {}), where)
    try:
        return cls.from_config(config) if hasattr(cls, "from_config") else cls(**config)
    except TypeError as problem:
        raise ValueError(f"{where}: {class_name} cannot be built from the file's config {config}: {problem}") from None


def _known_options(cls: type, config: dict[str, Any], where: str) -> dict[str, Any]:
    """``config`` without the options ``cls`` does not take, which must be None (off) in the file."""
    parameters = inspect.signature(cls.__init__).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return config
    unknown = {key: value for key, value in config.items() if key not in parameters}
    refused = {key: value for key, value in unknown.items() if value is not None}
    if refused:
        raise ValueError(f"{where}: {cls.__name__} option(s) {refused} have no Lamina equivalent")
    return {key: value for key, value in config.items() if key in parameters}


def to_keras(value: Any, kind: str, where: str) -> Any:
    """One entry of Keras's ``compile_config`` from what ``compile_io.compile_settings`` recorded."""
    module_name = _KINDS[kind][2]
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict) and "function" in value:  # one of Lamina's functions, which Keras has too
        return {"module": "builtins", "class_name": "function", "config": value["function"],
                "registered_name": "function"}
    if isinstance(value, dict) and "custom" in value:
        name = value["custom"]
        if value.get("kind") == "class":
            return {"module": None, "class_name": name, "config": dict(value.get("config") or {}),
                    "registered_name": name}
        return {"module": "builtins", "class_name": "function", "config": name, "registered_name": "function"}
    if isinstance(value, dict) and "class_name" in value:
        return {"module": module_name, "class_name": value["class_name"], "config": dict(value["config"]),
                "registered_name": None}
    raise ValueError(f"{where}: cannot write {value!r} as Keras")
