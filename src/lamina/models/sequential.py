"""Sequential: a stack of layers, each feeding the next (the networks of sections 2, 5 and 6).

A Model whose graph is a line. Training, summary, saving and weights come from the Model base; this file holds
what is particular to a stack: adding and removing layers, building them one after the other for an input shape,
and the forward pass as a plain loop (no graph to walk on the hot path). ``graph_view()`` gives the same stack
as a functional graph for the code that walks graphs (ONNX export).
"""

from __future__ import annotations

from typing import Any, Iterable, Sequence

from ..layers import registry
from ..layers.base import Layer, Shape, _shape_tuple
from ..layers.input_layer import InputLayer
from ..layers.symbolic import KerasTensor
from ..tensor import Tensor
from .model import Model


class Sequential(Model):
    """A linear stack of layers.

    The model builds itself (creates every layer's weights) as soon as the input shape is known: from an
    ``Input`` first element, from the first layer's ``input_shape=``, from ``build(input_shape)``, or at the
    first call on data.

    >>> from lamina import layers
    >>> model = Sequential([layers.Dense(2, activation='relu', input_shape=(2,)), layers.Dense(1)])
    >>> model.count_params()
    9
    """

    def __init__(self, layers: Iterable[Layer] | None = None, trainable: bool = True, name: str | None = None,
                 **kwargs: Any):
        if name is not None and (not isinstance(name, str) or not name):
            raise ValueError(f"Sequential: name must be a non-empty string; received {name!r}")
        super().__init__(name=name, **kwargs)
        self._layers: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self._graph_view: Any = None
        self._view_input_layer: InputLayer | None = None
        self._in_constructor = True  # the shuffle generator is drawn once the whole stack is built (below)
        for layer in layers or []:
            self.add(layer)
        self._in_constructor = False
        if self.built:
            self._make_shuffle_rng()
        if not trainable:
            self.trainable = False

    def _default_name(self) -> str:
        return "sequential"

    # ----- structure -----------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The model's layers, without the Input."""
        return list(self._layers)

    def _sublayers(self) -> list[Layer]:
        return self._layers

    def add(self, layer: Layer | KerasTensor) -> None:
        """Append a layer; build it at once when the model's input shape is known."""
        if isinstance(layer, KerasTensor) and isinstance(layer._keras_history[0], InputLayer):
            layer = layer._keras_history[0]  # Sequential([keras.Input(shape=(20,)), ...])
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
        self._graph_view = None
        try:
            if len(self._layers) == 1 and self._input_layer is None and layer._batch_input_shape is not None:
                self.build(layer._batch_input_shape)
            elif self.built:
                self.output_shape = layer.build_for(self.output_shape)
                self.graph_view()
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
        self._graph_view = None
        if self.built:
            self.output_shape = self._propagate(self.input_shape, build=False)
        return layer

    def _propagate(self, input_shape: Shape, build: bool) -> Shape:
        shape = input_shape
        for layer in self._layers:
            shape = layer.build_for(shape) if build else layer.compute_output_shape(shape)
        return shape

    def build(self, input_shape: Sequence[int | None] | None = None) -> None:
        """Create every layer's weights for inputs of ``input_shape`` (batch axis first, e.g. ``(None, 20)``)."""
        if input_shape is None:
            raise ValueError(f'Sequential model "{self.name}": build() needs an input shape, e.g. (None, 20)')
        shape = _shape_tuple(input_shape)
        if len(shape) < 1:
            raise ValueError(f'Sequential model "{self.name}": build() needs the batch axis first, e.g. '
                             f'(None, features); received input_shape={shape}')
        self.output_shape = self._propagate(shape, build=True)
        self.input_shape = shape
        self.built = True
        self._graph_view = None
        if not self._in_constructor:
            self._make_shuffle_rng()
        if self._layers:
            # Record the stack as a graph now, so that each layer's ``output`` exists for feature extraction
            # (``Model(model.inputs, [layer.output for layer in model.layers])``), as in Keras.
            self.graph_view()

    def _build_on_first_call(self, input_shape: Any) -> None:
        self.build(input_shape)

    @property
    def inputs(self) -> list[KerasTensor] | None:
        """The symbolic input of the stack seen as a functional graph (None before the model is built)."""
        return self.graph_view().input_tensors if self.built else None

    @property
    def outputs(self) -> list[KerasTensor] | None:
        return self.graph_view().output_tensors if self.built else None

    def compute_output_shape(self, input_shape: Any) -> Any:
        return self._propagate(_shape_tuple(input_shape), build=False)

    # ----- forward -------------------------------------------------------------------------------------------
    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Tensor:
        """Run the layers in order."""
        if isinstance(inputs, dict):
            raise ValueError(f'Sequential model "{self.name}" takes one array; received a dict with keys '
                             f"{sorted(inputs)}: dict inputs feed a functional model's named inputs "
                             f"(keras.Model with keras.Input(name=...))")
        x = inputs
        for layer in self._layers:
            x = layer(x, training=training)
        if not isinstance(x, Tensor):  # a model without layers returns its input
            x = Tensor(x)
        return x

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        return Layer._symbolic_call(self, args, kwargs)

    def graph_view(self) -> Any:
        """The stack as a functional ``Graph`` (an Input, then each layer called once on the previous output);
        made once per structure, for code that walks graphs."""
        if self._graph_view is None:
            if not self.built:
                raise ValueError(f'Sequential model "{self.name}" is not built: build it (or call it on data) first')
            from .graph import Graph
            input_layer = self._input_layer or self._view_input_layer
            if input_layer is None or input_layer.batch_shape != tuple(self.input_shape):
                # One Input per input shape, reused when layers are added, so that every layer's ``output``
                # (its first node) traces back to the same ``inputs``.
                input_layer = self._view_input_layer = InputLayer(batch_shape=self.input_shape,
                                                                  name=f"{self.name}_input")
            inputs = input_layer.output
            x = inputs
            for layer in self._layers:
                x = layer(x)
            self._graph_view = Graph(inputs, x)
        return self._graph_view

    # ----- configuration -------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """``{'name': ..., 'layers': [{'class_name': ..., 'config': ...}, ...]}``; an InputLayer comes first when
        the input shape is known (Keras's layout)."""
        from .functional_config import serialize_layer
        layer_configs = []
        if self.input_shape is not None:
            input_layer = self._input_layer
            config = input_layer.get_config() if input_layer is not None else {
                "batch_shape": list(self.input_shape), "dtype": "float32", "name": "input_layer"}
            layer_configs.append({"class_name": "InputLayer", "config": config})
        layer_configs += [serialize_layer(layer) for layer in self._layers]
        return {"name": self.name, "trainable": self.trainable, "layers": layer_configs}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> "Sequential":
        """A new, untrained model with the same architecture (weights initialized afresh)."""
        from .functional_config import layer_from_entry
        model = cls(name=config.get("name"))
        entries = list(config.get("layers", []))
        if entries and entries[0]["class_name"] == "InputLayer":
            input_config = dict(entries.pop(0)["config"])
            input_config.pop("name", None)  # a fresh automatic name, so two rebuilt models do not clash
            model.add(registry.lookup("InputLayer")(**input_config))
        for entry in entries:
            layer_config = dict(entry["config"])
            if model.built:  # the model's input shape already comes from its InputLayer
                layer_config.pop("batch_input_shape", None)
            model.add(layer_from_entry({"class_name": entry["class_name"], "config": layer_config}, custom_objects))
        if config.get("trainable") is False:
            model.trainable = False
        return model

    def __repr__(self) -> str:
        return f"<Sequential name={self.name}, layers={[layer.name for layer in self._layers]}, built={self.built}>"
