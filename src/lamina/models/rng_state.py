"""The states of a model's random generators, as JSON, so that a saved model resumes the same random sequence.

Two kinds of generators decide what training does next: the model's own shuffle generator (the permutation of
every epoch, ``TrainingMixin._shuffle_rng``) and each layer's generator (Dropout's masks, GaussianNoise's noise,
``layer._rng``). A resumed run draws exactly what an uninterrupted one would only if all of them continue from
where they stopped, so their ``bit_generator.state`` is saved with the model.

A state is a dict of ints and strings (PCG64, NumPy's default) or holds arrays (MT19937's key); arrays are written
as ``{"__ndarray__": [...], "dtype": "uint32"}``. Restoring looks the bit generator's class up in a fixed list of
NumPy's own, never by an arbitrary name from the file.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_BIT_GENERATORS: dict[str, type[np.random.BitGenerator]] = {
    cls.__name__: cls for cls in (np.random.PCG64, np.random.PCG64DXSM, np.random.MT19937, np.random.Philox,
                                  np.random.SFC64)
}


def _to_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _to_json(item) for key, item in value.items()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.tolist(), "dtype": value.dtype.name}
    if isinstance(value, np.integer):
        return int(value)
    return value


# The dtypes bit-generator states hold (MT19937's key is uint32); a file naming another is refused.
_STATE_DTYPES = ("uint32", "uint64", "int32", "int64")


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "__ndarray__" in value:
            if value.get("dtype") not in _STATE_DTYPES:
                raise ValueError(f"a random generator state holds an array of dtype {value.get('dtype')!r}; "
                                 f"expected one of {', '.join(_STATE_DTYPES)}")
            return np.asarray(value["__ndarray__"], dtype=np.dtype(value["dtype"]))
        return {key: _from_json(item) for key, item in value.items()}
    return value


def generator_state(rng: np.random.Generator) -> dict[str, Any]:
    """``rng.bit_generator.state`` as JSON-able data."""
    return _to_json(rng.bit_generator.state)


def restore_generator(state: dict[str, Any]) -> np.random.Generator:
    """A new generator that continues exactly where the one ``generator_state`` was taken from stood."""
    name = state.get("bit_generator") if isinstance(state, dict) else None
    cls = _BIT_GENERATORS.get(name)
    if cls is None:
        raise ValueError(f"unknown random bit generator {name!r}; known: {sorted(_BIT_GENERATORS)}")
    bit_generator = cls()
    bit_generator.state = _from_json(state)
    return np.random.Generator(bit_generator)


def _layers_by_path(model: Any) -> dict[str, Any]:
    """Every layer of ``model``, models used as layers opened too: a top-level layer under its name, a layer inside
    a nested model under ``model_name/layer_name`` (so that nested Dropouts keep their own streams)."""
    found: dict[str, Any] = {}
    stack = [("", layer) for layer in reversed(model.layers)]
    while stack:
        prefix, layer = stack.pop()
        path = prefix + layer.name
        found.setdefault(path, layer)
        inner = getattr(layer, "layers", None) if hasattr(layer, "fit") else None
        if inner:
            stack.extend((path + "/", child) for child in reversed(inner))
    return found


def model_rng_states(model: Any) -> dict[str, Any]:
    """``{"shuffle": state or None, "layers": {layer path: state}}`` for ``model``'s generators."""
    shuffle = getattr(model, "_shuffle_rng", None)
    layers = {path: generator_state(layer._rng) for path, layer in _layers_by_path(model).items()
              if isinstance(getattr(layer, "_rng", None), np.random.Generator)}
    return {"shuffle": None if shuffle is None else generator_state(shuffle), "layers": layers}


def restore_model_rng_states(model: Any, states: dict[str, Any]) -> None:
    """Put back what ``model_rng_states`` saved (layers matched by path; a missing entry leaves a fresh one)."""
    if states.get("shuffle") is not None:
        model._shuffle_rng = restore_generator(states["shuffle"])
    by_path = _layers_by_path(model)
    for path, state in (states.get("layers") or {}).items():
        layer = by_path.get(path)
        if layer is None or not hasattr(layer, "_rng"):
            raise ValueError(f"random state saved for layer {path!r}, which the model has not, or which has no "
                             f"generator")
        layer._rng = restore_generator(state)
