"""Nested structures of lists, tuples and dicts: flatten them, and rebuild one structure from a flat list.

Models with several inputs or outputs take and return such structures (``[x1, x2]``, ``{"image": x, "meta": m}``)
and so do layers with several inputs (``Add()([a, b])``). Dicts are flattened in sorted key order, as Keras and
``tf.nest`` do, so that a structure and its flat list always correspond the same way.
"""

from __future__ import annotations

from typing import Any, Callable, Iterator


_MISSING = object()


def is_nested(value: Any) -> bool:
    return isinstance(value, (list, tuple, dict))


def _walk(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item[key] for key in reversed(sorted(item)))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        else:
            yield item


def flatten(structure: Any) -> list[Any]:
    """The leaves of ``structure`` in order (dict keys sorted); a leaf alone gives ``[leaf]``."""
    if not is_nested(structure):
        return [structure]
    return list(_walk(structure))


def pack_like(structure: Any, flat: list[Any]) -> Any:
    """``structure`` with its leaves replaced, in order, by the items of ``flat`` (the inverse of ``flatten``)."""
    iterator = iter(flat)

    def rebuild(item: Any) -> Any:
        if isinstance(item, dict):
            rebuilt = {key: rebuild(item[key]) for key in sorted(item)}
            return {key: rebuilt[key] for key in item}
        if isinstance(item, (list, tuple)):
            values = [rebuild(child) for child in item]
            return type(item)(values) if type(item) in (list, tuple) else type(item)(*values)
        value = next(iterator, _MISSING)
        if value is _MISSING:
            raise ValueError("pack_like: fewer values than the structure has leaves")
        return value

    result = rebuild(structure)
    if next(iterator, _MISSING) is not _MISSING:
        raise ValueError("pack_like: more values than the structure has leaves")
    return result


def map_structure(function: Callable[[Any], Any], structure: Any) -> Any:
    """``structure`` with ``function`` applied to every leaf."""
    return pack_like(structure, [function(leaf) for leaf in flatten(structure)])
