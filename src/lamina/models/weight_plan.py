"""The weights a model config will create, worked out without creating them.

A loader must compare what a file's config asks for with the arrays the file actually holds *before* it builds
the model: a 6 KB config declaring ``Dense(20000)`` on 20,000 inputs would otherwise allocate (and randomly
initialize) 1.6 GB before any check could run. So each layer of the config is constructed (cheap: constructors
validate options and allocate nothing) and built with its ``add_weight`` replaced by a recorder, which notes
each weight's name, shape, dtype and trainability and hands back a zero-stride view of the right shape (no
memory). Shapes propagate from layer to layer through ``build_for``, exactly as in the real build, so no
per-layer table has to be kept in step with the layers.

The recorded order is the model's ``weights`` order: layer by layer, within a layer the weights created
trainable first, then the others, each in creation order (``Layer.weights``).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .. import layers as _layers
from ..layers.base import Layer, _shape_tuple
from ..tensor import Tensor


@dataclass(frozen=True)
class PlannedWeight:
    """One weight a config will create."""

    layer: str
    name: str
    shape: tuple[int, ...]
    dtype: np.dtype
    trainable: bool  # created trainable (a frozen layer's weights still count as such here)

    @property
    def nbytes(self) -> int:
        return math.prod(self.shape) * self.dtype.itemsize


@dataclass
class PlannedLayer:
    """A layer of the config: its name, class, whether it trains, and its weights in ``weights`` order."""

    name: str
    class_name: str
    trainable: bool
    weights: list[PlannedWeight] = field(default_factory=list)


def plan_sequential(config: dict[str, Any], build_shape: Sequence[int | None] | None = None) -> list[PlannedLayer]:
    """The layers and weights ``Sequential.from_config(config)`` (then ``build(build_shape)``) will create.

    Raises ValueError, TypeError or KeyError for a config that the real build would refuse too.
    """
    entries = list(config.get("layers") or [])
    shape = None
    if entries and entries[0].get("class_name") == "InputLayer":
        shape = _shape_tuple(entries.pop(0)["config"]["batch_shape"])
    layers = [_construct(entry, index) for index, entry in enumerate(entries)]
    if shape is None and layers:
        shape = layers[0]._batch_input_shape
    if shape is None and build_shape is not None:
        shape = _shape_tuple(build_shape)
    plans = []
    for layer in layers:
        plan = PlannedLayer(layer.name, type(layer).__name__, layer.trainable)
        if shape is not None:  # an unbuilt model creates no weights
            shape = _build_recording(layer, shape, plan)
        plans.append(plan)
    return plans


def plan_from_model(model: Any) -> list[PlannedLayer]:
    """The plan of an existing, built model: the weights a weights file loaded into it must hold (``trainable``
    is whether each one is trained now)."""
    return [PlannedLayer(layer.name, type(layer).__name__, layer.trainable,
                         [PlannedWeight(layer.name, w.name, tuple(w.shape), w.dtype, w.requires_grad)
                          for w in layer.weights])
            for layer in model.layers]


def all_weights(plan: list[PlannedLayer]) -> list[PlannedWeight]:
    """Every weight, in the model's ``weights`` order."""
    return [weight for layer in plan for weight in layer.weights]


def trainable_weights(plan: list[PlannedLayer]) -> list[PlannedWeight]:
    """The weights the optimizer updates, in the model's ``trainable_weights`` order."""
    return [weight for layer in plan if layer.trainable for weight in layer.weights if weight.trainable]


def _construct(entry: dict[str, Any], index: int) -> Layer:
    """A throwaway layer from its config entry, drawing nothing from Lamina's global seed sequence."""
    cls = _layers.get(entry["class_name"])
    config = dict(entry["config"])
    config.setdefault("name", f"planned_layer_{index}")  # an automatic name would advance the name counters
    if "seed" in inspect.signature(cls.__init__).parameters and config.get("seed") is None:
        config["seed"] = 0  # a seedless layer would spawn a generator from the global sequence
    return cls.from_config(config)


def _build_recording(layer: Layer, input_shape: tuple[int | None, ...], plan: PlannedLayer) -> tuple:
    """Build ``layer`` for ``input_shape`` recording its weights into ``plan``; returns the output shape."""
    created: list[PlannedWeight] = []

    def record(name: str, shape: Sequence[int], initializer: Any = None, trainable: bool = True,
               regularizer: Any = None, dtype: Any = None) -> Tensor:
        dtype = np.dtype(dtype if dtype is not None else layer.dtype)
        shape = tuple(int(d) for d in shape)
        if any(d < 0 for d in shape):
            raise ValueError(f'layer "{layer.name}": weight {name!r} would have the negative shape {shape}')
        created.append(PlannedWeight(layer.name, name, shape, dtype, bool(trainable)))
        placeholder = Tensor(np.broadcast_to(np.zeros((), dtype), shape), dtype=dtype)  # zero strides: no memory
        setattr(layer, name, placeholder)
        return placeholder

    layer.add_weight = record  # type: ignore[method-assign]  (an instance attribute: this throwaway layer only)
    output_shape = layer.build_for(input_shape)
    plan.weights = [w for w in created if w.trainable] + [w for w in created if not w.trainable]
    return output_shape
