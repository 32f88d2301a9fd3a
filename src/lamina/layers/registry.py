"""The registry of layer classes: how a saved config's ``class_name`` becomes a class, without running code.

Every Layer subclass defined inside Lamina registers itself by class name when its module is imported
(``Layer.__init_subclass__``), so adding a layer means writing its file: no table to edit. Classes of your own
are found through ``custom_objects={"MyLayer": MyLayer}`` at load time, or registered once with
``lamina.saving.register_keras_serializable()`` (Keras's decorator); nothing named in a file is ever imported.
"""

from __future__ import annotations

from typing import Any, Mapping

_BUILTIN: dict[str, type] = {}
_CUSTOM: dict[str, type] = {}


def register_builtin(cls: type) -> None:
    """Record a Lamina layer class under its name (two classes may not share one)."""
    name = cls.__name__
    existing = _BUILTIN.get(name)
    if existing is not None and (existing.__module__, existing.__qualname__) != (cls.__module__, cls.__qualname__):
        raise TypeError(f"two Lamina layer classes are called {name}: {existing.__module__} and {cls.__module__}")
    _BUILTIN[name] = cls


def register_custom(cls: type, name: str | None = None, package: str = "Custom") -> type:
    """Make a class of your own loadable by name (as ``"package>Name"`` and ``"Name"``)."""
    key = name or cls.__name__
    _CUSTOM[f"{package}>{key}"] = cls
    _CUSTOM[key] = cls
    try:
        cls._registered_name = f"{package}>{key}"
    except (AttributeError, TypeError):  # a builtin function cannot take the attribute; its name is enough
        pass
    return cls


def register_keras_serializable(package: str = "Custom", name: str | None = None) -> Any:
    """Keras's decorator: make a class (layer, model, ...) or function of your own loadable by name.

    Example::

        @register_keras_serializable(package="MyLayers")
        class Scale(Layer):
            ...
    """
    def decorator(obj: Any) -> Any:
        return register_custom(obj, name=name, package=package)
    return decorator


def get_custom_objects() -> dict[str, Any]:
    """Everything registered with ``register_keras_serializable`` (a live dict, as Keras's)."""
    return _CUSTOM


def get_registered_name(obj: Any) -> str:
    """The name ``obj`` is saved under: ``"package>Name"`` once registered, else its own name (as Keras)."""
    return getattr(obj, "_registered_name", None) or getattr(obj, "__name__", type(obj).__name__)


def find_custom(name: str, custom_objects: Mapping[str, Any] | None = None) -> Any:
    """The object of your own called ``name``: ``custom_objects`` first, then registered ones; None if neither
    has it (functions named in a file, e.g. a Lambda layer's, are found only this way, never imported)."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _CUSTOM.get(name)


def _ensure_loaded() -> None:
    from .. import layers  # noqa: F401 - importing the package imports every layer module


def lookup(class_name: str, custom_objects: Mapping[str, Any] | None = None) -> type:
    """The class called ``class_name``: ``custom_objects`` first, then registered classes, then Lamina's."""
    if custom_objects and class_name in custom_objects:
        return custom_objects[class_name]
    if class_name in _CUSTOM:
        return _CUSTOM[class_name]
    _ensure_loaded()
    cls = _BUILTIN.get(class_name)
    if cls is None:
        raise ValueError(f"Unknown layer class {class_name!r}: not a Lamina layer, and not given in "
                         f"custom_objects nor registered with register_keras_serializable. Known layers: "
                         f"{', '.join(sorted(n for n in _BUILTIN if not n.startswith('_')))}")
    return cls


def builtin_classes() -> dict[str, type]:
    """Every Lamina layer class by name (for documentation and tests)."""
    _ensure_loaded()
    return dict(_BUILTIN)
