"""Sequential: a stack of layers, each feeding the next (the networks of sections 2, 5 and 6).

Training (compile / fit / evaluate / predict) comes from ``TrainingMixin``; this file holds the model's
structure: adding layers, building them for an input shape, the forward pass, weights and the summary.
"""

from __future__ import annotations

from typing import Any, Callable, Iterable, Sequence

import numpy as np

from .. import layers as _layers
from ..layers.base import Layer, Shape, _shape_tuple, unique_name
from ..layers.input_layer import InputLayer
from ..tensor import Tensor
from .summary import print_summary
from .training import TrainingMixin


class Sequential(TrainingMixin):
    """A linear stack of layers.

    The model builds itself (creates every layer's weights) as soon as the input shape is known: from an
    ``Input`` first element, from the first layer's ``input_shape=``, from ``build(input_shape)``, or at the
    first call on data.

    >>> model = Sequential([layers.Dense(2, activation='relu', input_shape=(2,)), layers.Dense(1)])
    >>> model.count_params()
    9
    """

    def __init__(self, layers: Iterable[Layer] | None = None, name: str | None = None, trainable: bool = True):
        super().__init__()
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"Sequential: name must be a non-empty string; received {name!r}")
        self.name: str = name if name is not None else unique_name("sequential")
        self._layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self.built = False
        self.input_shape: Shape | None = None
        self.output_shape: Shape | None = None
        self._in_constructor = True  # the shuffle generator is drawn once the whole stack is built (below)
        for layer in layers or []:
            self.add(layer)
        self._in_constructor = False
        if self.built:
            self._make_shuffle_rng()
        if not trainable:
            self.trainable = False

    # ----- structure -----------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The model's layers, without the Input."""
        return list(self._layers)

    def add(self, layer: Layer) -> None:
        """Append a layer; build it at once when the model's input shape is known."""
        if isinstance(layer, InputLayer):
            if self._layers or self._input_layer is not None:
                raise ValueError(f'Sequential model "{self.name}": an Input can only be the first element; the model '
                                 f'already has layers {[l.name for l in self._layers]}')
            self._input_layer = layer
            self.build(layer.batch_shape)
            return
        if not isinstance(layer, Layer):
            raise TypeError(f'Sequential model "{self.name}": only layers can be added; received {layer!r} of type '
                            f'{type(layer).__name__}')
        if any(existing.name == layer.name for existing in self._layers):
            raise ValueError(f'Sequential model "{self.name}": all layers must have unique names; "{layer.name}" '
                             f'is already used by another layer: {[l.name for l in self._layers]}')
        self._layers.append(layer)
        try:
            if len(self._layers) == 1 and self._input_layer is None and layer._batch_input_shape is not None:
                self.build(layer._batch_input_shape)
            elif self.built:
                self.output_shape = layer.build_for(self.output_shape)
        except Exception:
            self._layers.pop()  # a layer that does not fit leaves the model as it was
            raise
        if self.built and not self._in_constructor:
            self._make_shuffle_rng()

    def pop(self) -> Layer:
        """Remove and return the last layer."""
        if not self._layers:
            raise IndexError(f'Sequential model "{self.name}" has no layers to pop')
        layer = self._layers.pop()
        if self.built:
            self.output_shape = self._propagate(self.input_shape, build=False)
        return layer

    def _propagate(self, input_shape: Shape, build: bool) -> Shape:
        shape = input_shape
        for layer in self._layers:
            shape = layer.build_for(shape) if build else layer.compute_output_shape(shape)
        return shape

    def build(self, input_shape: Sequence[int | None]) -> None:
        """Create every layer's weights for inputs of ``input_shape`` (batch axis first, e.g. ``(None, 20)``)."""
        shape = _shape_tuple(input_shape)
        if len(shape) < 2:
            raise ValueError(f'Sequential model "{self.name}": build() needs the batch axis first, e.g. '
                             f'(None, {shape[0] if shape else "features"}); received input_shape={shape}')
        self.output_shape = self._propagate(shape, build=True)
        self.input_shape = shape
        self.built = True
        if not self._in_constructor:
            self._make_shuffle_rng()

    # ----- forward -------------------------------------------------------------------------------------------
    def __call__(self, inputs: Any, training: bool | None = False) -> Tensor:
        """Run the layers in order on ``inputs`` (array or Tensor); builds the model on the first call."""
        if not self.built:
            batch_shape = np.shape(inputs.data if isinstance(inputs, Tensor) else inputs)
            self.build((None,) + tuple(batch_shape[1:]))
        x = inputs
        if self._input_layer is not None:
            x = self._input_layer(x, training=training)
        for layer in self._layers:
            x = layer(x, training=training)
        if not isinstance(x, Tensor):  # a model without layers returns its input
            x = self._layers[0]._to_tensor(x) if self._layers else Tensor(np.asarray(x, dtype=np.float32))
        return x

    def call(self, inputs: Any, training: bool = False) -> Tensor:
        return self(inputs, training=training)

    # ----- weights -------------------------------------------------------------------------------------------
    @property
    def weights(self) -> list[Tensor]:
        """All weights, layer by layer (each layer's in its own order): Keras's ``get_weights`` order."""
        return [w for layer in self._layers for w in layer.weights]

    @property
    def trainable_weights(self) -> list[Tensor]:
        return [w for layer in self._layers for w in layer.trainable_weights]

    @property
    def non_trainable_weights(self) -> list[Tensor]:
        return [w for layer in self._layers for w in layer.non_trainable_weights]

    @property
    def trainable(self) -> bool:
        return all(layer.trainable for layer in self._layers)

    @trainable.setter
    def trainable(self, value: bool) -> None:
        for layer in self._layers:
            layer.trainable = value

    @property
    def losses(self) -> list[Tensor]:
        """Every layer's regularization penalties, computed now (they join the graph of the loss)."""
        return [penalty for layer in self._layers for penalty in layer.losses]

    def get_weights(self) -> list[np.ndarray]:
        """Copies of all weights: per layer, e.g. Dense ``[kernel, bias]``, BatchNormalization
        ``[gamma, beta, moving_mean, moving_variance]``."""
        return [w.data.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Load weights in ``get_weights`` order (in place). Checks everything before writing anything."""
        weights = list(weights)
        expected = len(self.weights)
        if len(weights) != expected:
            raise ValueError(f'You called `set_weights(weights)` on model "{self.name}" with a weight list of length '
                             f'{len(weights)}, but the model was expecting {expected} weights'
                             f'{"" if self.built else " (the model is not built yet)"}.')
        position = 0
        chunks = []
        for layer in self._layers:
            count = len(layer.weights)
            chunks.append((layer, weights[position:position + count]))
            position += count
        for layer, chunk in chunks:  # validate every layer first, so a bad shape leaves the model unchanged
            for i, (param, value) in enumerate(zip(layer.weights, chunk)):
                shape = np.shape(value.data if isinstance(value, Tensor) else value)
                if tuple(shape) != param.shape:
                    raise ValueError(f'Layer "{layer.name}" weight {i} ({param.name}) has shape {param.shape}, but '
                                     f'set_weights received an array of shape {tuple(shape)}.')
        for layer, chunk in chunks:
            layer.set_weights(chunk)

    def count_params(self) -> int:
        """Number of scalars in all weights."""
        if not self.built:
            raise ValueError(f'You tried to call `count_params` on model "{self.name}", but the model isn\'t built. '
                             f'Build it with `model.build(input_shape)` or call it on data.')
        return int(sum(w.size for w in self.weights))

    def summary(self, line_length: int | None = None, print_fn: Callable[[str], Any] | None = None) -> None:
        """Print Keras's table of layers, output shapes and parameter counts (see ``models.summary``)."""
        print_summary(self, line_length=line_length, print_fn=print_fn)

    # ----- configuration -------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """``{'name': ..., 'layers': [{'class_name': ..., 'config': ...}, ...]}``; an InputLayer comes first when
        the input shape is known (Keras's layout)."""
        layer_configs = []
        if self.input_shape is not None:
            input_layer = self._input_layer
            config = input_layer.get_config() if input_layer is not None else {
                "batch_shape": list(self.input_shape), "dtype": "float32", "name": "input_layer"}
            layer_configs.append({"class_name": "InputLayer", "config": config})
        layer_configs += [_layers.serialize(layer) for layer in self._layers]
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Sequential":
        """A new, untrained model with the same architecture (weights initialized afresh)."""
        model = cls(name=config.get("name"))
        entries = list(config.get("layers", []))
        if entries and entries[0]["class_name"] == "InputLayer":
            input_config = dict(entries.pop(0)["config"])
            input_config.pop("name", None)  # a fresh automatic name, so two rebuilt models do not clash
            model.add(_layers.InputLayer(**input_config))
        for entry in entries:
            layer_config = dict(entry["config"])
            if model.built:  # the model's input shape already comes from its InputLayer
                layer_config.pop("batch_input_shape", None)
            model.add(_layers.get(entry["class_name"]).from_config(layer_config))
        if config.get("trainable") is False:
            model.trainable = False
        return model

    # ----- saving --------------------------------------------------------------------------------------------
    def save(self, filepath: str, overwrite: bool = True) -> None:
        """Save the whole model: architecture, weights, compile settings, optimizer and random states (see
        ``lamina.models.saving``); a name ending in ``.keras`` writes Keras 3's format instead.

        Example:
            >>> model.save("classifier.lamina")
            >>> model = lamina.models.load_model("classifier.lamina")
        """
        from .saving import save_model
        save_model(self, filepath, overwrite=overwrite)

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, layers={[layer.name for layer in self._layers]}, built={self.built}>"
