"""The weights a model config will create, found without creating them, and given their values afterwards.

A loader must compare what a file's config asks for with the arrays the file actually holds *before* it
allocates: a 6 KB config declaring ``Dense(20000)`` on 20,000 inputs would otherwise allocate (and randomly
initialize) 1.6 GB before any check could run. So the model is rebuilt from its config inside
``placeholder_weights()`` (``layers/base.py``): constructors and builds run exactly as in a real load (shapes
propagate through Sequential stacks, functional graphs and nested models alike, so no per-layer table has to be
kept in step with the layers), but every weight is a zero-stride placeholder of the right shape. The loader reads
the plan off that model, checks every array of the file against it (zip and ``.npy`` headers, HDF5 shapes), and
only then ``materialize``s each weight with its array.

The plan's order is the model's ``weights`` order; ``trainable_plan`` is ``trainable_weights``'.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..layers.base import placeholder_weights


@dataclass(frozen=True)
class PlannedWeight:
    """One weight a config will create."""

    layer: str
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    trainable: bool

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


@dataclass
class PlannedLayer:
    """A layer: its name, class, whether it trains, and its weights in ``weights`` order."""

    name: str
    class_name: str
    trainable: bool
    weights: list[PlannedWeight] = field(default_factory=list)


def build_with_placeholders(make_model: Callable[[], Any]) -> Any:
    """``make_model()`` (from a config) with every weight a placeholder; raises what the real build raises."""
    with placeholder_weights():
        return make_model()


def _owners(model: Any) -> dict[int, str]:
    return {id(v): layer.name for layer in model._flatten_layers()
            for v in layer._trainable_own + layer._frozen_own}


def _planned(variables: Sequence[Any], owners: dict[int, str]) -> list[PlannedWeight]:
    return [PlannedWeight(owners.get(id(v), "?"), v.name, tuple(v.shape), v.dtype, bool(v.trainable))
            for v in variables]


def plan_of(model: Any) -> list[PlannedWeight]:
    """The model's weights, in ``weights`` order."""
    return _planned(model.weights, _owners(model))


def trainable_plan(model: Any) -> list[PlannedWeight]:
    """The weights the optimizer updates, in ``trainable_weights`` order (the optimizer state's order)."""
    return _planned(model.trainable_weights, _owners(model))


def plan_from_model(model: Any) -> list[PlannedLayer]:
    """Per layer of an existing model: the weights a weights file loaded into it must hold."""
    return [PlannedLayer(layer.name, type(layer).__name__, layer.trainable,
                         [PlannedWeight(layer.name, w.name, tuple(w.shape), w.dtype, w.requires_grad)
                          for w in layer.weights])
            for layer in model.layers]


def planned_layer(layer: Any) -> PlannedLayer:
    """One layer's plan (its placeholders' shapes)."""
    return PlannedLayer(layer.name, layer.class_name, layer.trainable,
                        [PlannedWeight(layer.name, w.name, tuple(w.shape), w.dtype, bool(w.trainable))
                         for w in layer.weights])


def all_weights(plan: list[PlannedLayer]) -> list[PlannedWeight]:
    """Every weight of a per-layer plan, in the model's ``weights`` order."""
    return [weight for layer in plan for weight in layer.weights]


def materialize(variables: Sequence[Any], arrays: Sequence[np.ndarray]) -> None:
    """Give each placeholder variable its value (a fresh, writable, C-ordered array of the variable's dtype)."""
    if len(variables) != len(arrays):
        raise ValueError(f"{len(arrays)} arrays for {len(variables)} weights")
    for variable, array in zip(variables, arrays):
        if tuple(np.shape(array)) != tuple(variable.shape):
            raise ValueError(f"weight {variable.path or variable.name} has shape {tuple(variable.shape)}; the array "
                             f"for it has shape {np.shape(array)}")
        variable.data = np.array(array, dtype=variable.dtype, order="C", copy=True)
