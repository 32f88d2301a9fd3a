"""Lamina's public API, found by walking the package: what the API reference documents and the tests check.

Nothing here is a hand-kept list of names. A namespace is ``lamina``, ``lamina.keras``, or a module reachable
from them by a public name. Its public names are its ``__all__`` when it has one; otherwise every function and
class of Lamina's own that it holds, plus the modules its source binds by name (``from . import schedules``,
``nn = _nn_api``; a submodule that is an attribute only because Python imported it is not public). ``lamina``
itself also answers TensorFlow's names (``import lamina as tf``) through ``lamina.tf_compat``'s table; those
are public names of ``lamina`` too.

Each function, class and module is documented once, at its *home*: the namespace it was found in whose name
is the longest prefix of the module that defines it (``Dense`` is defined in ``lamina.layers.dense``, so its
home is ``lamina.layers``, not ``lamina.keras.layers``); when no namespace matches, the first one that holds
it. Every other path to the object (``lamina.keras.layers.Dense``, an alias such as ``losses.mse``) links to
that home.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Iterator

ROOTS = ("lamina", "lamina.keras")
_FOREIGN_MODULES = ("typing", "__future__", "collections", "abc", "builtins")


@dataclass
class Namespace:
    """One public module: its dotted name, the module, its public names and the objects they give."""

    name: str
    module: ModuleType
    members: dict[str, Any] = field(default_factory=dict)
    tensorflow_names: set[str] = field(default_factory=set)  # names answered by lamina.tf_compat (lamina only)


def unwrap(value: Any) -> Any:
    """The object behind a wrapper that records ``__wrapped__`` (keras.ops' symbolic dispatchers)."""
    seen = 0
    while callable(value) and hasattr(value, "__wrapped__") and seen < 10:
        value, seen = value.__wrapped__, seen + 1
    return value


def is_documentable(value: Any) -> bool:
    """Functions, classes and modules have one identity and a docstring; other values are data."""
    value = unwrap(value)
    return inspect.isroutine(value) or inspect.isclass(value) or inspect.ismodule(value)


def is_lamina_module(value: Any) -> bool:
    return inspect.ismodule(value) and (value.__name__ == "lamina" or value.__name__.startswith("lamina."))


def _source_bound_names(module: ModuleType) -> set[str]:
    """Names that the module's own source binds at top level (imports and assignments)."""
    try:
        source = Path(inspect.getfile(module)).read_text(encoding="utf-8")
    except (TypeError, OSError):
        return set()
    bound: set[str] = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.Assign):
            bound.update(target.id for target in node.targets if isinstance(target, ast.Name))
    return bound


def _is_lamina_object(value: Any) -> bool:
    module = getattr(unwrap(value), "__module__", None) or ""
    return module == "lamina" or module.startswith("lamina.")


def _is_child(value: ModuleType, module: ModuleType) -> bool:
    return value.__name__.startswith(module.__name__ + ".")


def public_names(module: ModuleType) -> list[str]:
    """The module's ``__all__``, or else its own public functions, classes, and the submodules its source
    binds by name: of its own package (``from . import schedules``), or any, in ``lamina.keras``'s modules
    (which only re-export; there the modules they bind are public even when left out of ``__all__``)."""
    declared = getattr(module, "__all__", None)
    bound = _source_bound_names(module)
    reexports = module.__name__.startswith("lamina.keras.")  # the keras namespace re-exports other modules
    if declared is not None:
        # keras.ops leaves its ``nn`` and ``numpy`` namespaces out of __all__ (a star import must not shadow
        # NumPy); they are public all the same, as in Keras.
        extra = [name for name in sorted(bound) if reexports and not name.startswith("_")
                 and name not in declared and is_lamina_module(getattr(module, name, None))]
        return list(dict.fromkeys([*declared, *extra]))
    names = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        try:
            value = getattr(module, name)
        except AttributeError:
            continue
        if inspect.ismodule(value):
            if is_lamina_module(value) and name in bound and (reexports or _is_child(value, module)):
                names.append(name)
        elif (inspect.isroutine(unwrap(value)) or inspect.isclass(value)) and _is_lamina_object(value):
            names.append(name)
    return names


def _lamina_top_level(module: ModuleType) -> tuple[list[str], set[str]]:
    """``lamina``'s names: what ``dir(lamina)`` declares (its imports, lazy subpackages and attributes; not the
    implementation modules Python happens to have loaded) and TensorFlow's names from ``tf_compat``."""
    lazy_modules = set(getattr(module, "_LAZY_SUBMODULES", ()))
    names = []
    for name in dir(module):
        if name.startswith("_"):
            continue
        value = getattr(module, name)
        if inspect.ismodule(value):
            if name in lazy_modules:
                names.append(name)
        elif (inspect.isroutine(value) or inspect.isclass(value)) and _is_lamina_object(value):
            names.append(name)
    tf_compat = importlib.import_module("lamina.tf_compat")
    tensorflow = set(getattr(tf_compat, "_WHERE", {})) | set(getattr(tf_compat, "_DTYPES", {})) \
        | set(getattr(tf_compat, "_SUBMODULES", {})) | {"version"}
    tensorflow -= set(names)
    return names + sorted(tensorflow), tensorflow


def namespaces() -> list[Namespace]:
    """Every public namespace, breadth first from ``lamina`` (so ``lamina.keras.*`` comes after the packages
    that define what it re-exports); a module reachable by several paths is listed once, by its first."""
    found: list[Namespace] = []
    seen_modules: set[int] = set()
    queue = [(name, importlib.import_module(name)) for name in ROOTS]
    while queue:
        name, module = queue.pop(0)
        if id(module) in seen_modules:
            continue
        seen_modules.add(id(module))
        namespace = Namespace(name, module)
        if name == "lamina":
            names, namespace.tensorflow_names = _lamina_top_level(module)
        else:
            names = public_names(module)
        for member in names:
            try:
                value = getattr(module, member)
            except AttributeError as error:
                raise AttributeError(f"{name}.__all__ names {member!r}, which the module lacks") from error
            namespace.members[member] = value
            if is_lamina_module(value):
                queue.append((f"{name}.{member}", value))
        found.append(namespace)
    return found


def homes(spaces: list[Namespace]) -> dict[int, str]:
    """id(object) -> the dotted name under which it is documented (see the module docstring)."""
    candidates: dict[int, list[tuple[str, str, Any]]] = {}
    module_home = {id(space.module): space.name for space in spaces}
    for space in spaces:
        for member, value in space.members.items():
            if inspect.ismodule(value) or not is_documentable(value):
                continue
            candidates.setdefault(id(unwrap(value)), []).append((space.name, member, value))
    home: dict[int, str] = dict(module_home)
    for key, places in candidates.items():
        defining = getattr(unwrap(places[0][2]), "__module__", "") or ""
        matching = [(len(space), space, member) for space, member, _ in places
                    if defining == space or defining.startswith(space + ".")]
        if matching:
            _, space, member = max(matching, key=lambda item: item[0])
        else:
            space, member, _ = places[0]
        # Several names for one object in that namespace (losses.mse, losses.mean_squared_error): its own name.
        own = getattr(unwrap(places[0][2]), "__name__", member)
        if any(s == space and m == own for s, m, _ in places):
            member = own
        home[key] = f"{space}.{member}"
    return home


def lookup(dotted: str) -> Any:
    """The object at a dotted path, attributes first (``lamina.gradcheck`` is the function, not its module);
    ImportError or AttributeError when there is none."""
    parts = dotted.split(".")
    value = importlib.import_module(parts[0])
    for index, part in enumerate(parts[1:], start=2):
        try:
            value = getattr(value, part)
        except AttributeError:
            value = importlib.import_module(".".join(parts[:index]))
    return value


def every_public_name(spaces: list[Namespace]) -> Iterator[tuple[str, Any]]:
    """(dotted name, object) for every public name of every namespace."""
    for space in spaces:
        for member, value in space.members.items():
            yield f"{space.name}.{member}", value


def page_name(namespace: str) -> str:
    """The API page (document name under docs/) of a namespace."""
    return f"api/{namespace}"
