"""Model: a Layer that trains. One base class for the three ways Keras builds networks.

- Functional: ``Model(inputs, outputs)`` with symbolic tensors from ``keras.Input``; the model is the graph of
  layer calls between them (``models/graph.py``), with any number of inputs and outputs, shared layers, and
  models used as layers.
- Sequential: a chain of layers (``models/sequential.py``), a Model whose graph is a line.
- Subclassed: ``class MyModel(Model)`` with layers as attributes and its own ``call``.

All three get compile / fit / evaluate / predict / train_on_batch (``training.py``), summary, save, get_config,
get_weights / set_weights and count_params from here, defined once.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..layers.base import Layer, Shape, to_snake_case, unique_name
from ..layers.symbolic import KerasTensor
from ..layers.tensor_ops import TensorOp
from ..tensor import Tensor, no_grad
from ..utils import nest
from .graph import Graph
from .training import TrainingMixin


def _graph_arguments(args: tuple, kwargs: dict) -> tuple[Any, Any] | None:
    """(inputs, outputs) when the constructor was given them, positionally or by name."""
    inputs = kwargs.get("inputs", args[0] if args else None)
    outputs = kwargs.get("outputs", args[1] if len(args) > 1 else None)
    if inputs is None and outputs is None:
        return None
    return inputs, outputs


class Model(TrainingMixin, Layer):
    """A network that can be compiled, trained, evaluated, saved and summarized.

    ``Model(inputs, outputs, name=None)`` makes a functional model; subclass it (define ``__init__`` with layers
    as attributes, and ``call``) for a model of your own.

    Example:
        >>> from lamina import keras
        >>> from lamina.keras import layers
        >>> inputs = keras.Input(shape=(784,))
        >>> x = layers.Dense(64, activation="relu")(inputs)
        >>> outputs = layers.Dense(10)(x)
        >>> model = Model(inputs=inputs, outputs=outputs, name="mnist_model")
    """

    _graph: Graph | None = None

    def __new__(cls, *args: Any, **kwargs: Any) -> "Model":
        if cls is Model and _graph_arguments(args, kwargs) is not None:
            from .functional import Functional
            return super().__new__(Functional)
        return super().__new__(cls)

    def __init__(self, *args: Any, **kwargs: Any):
        graph_arguments = _graph_arguments(args, kwargs)
        kwargs.pop("inputs", None)
        kwargs.pop("outputs", None)
        if graph_arguments is None and args:
            raise TypeError(f"{type(self).__name__}: unexpected positional arguments {args!r}; a functional model "
                            f"takes Model(inputs, outputs)")
        Layer.__init__(self, **kwargs)
        if graph_arguments is not None:
            self._init_graph(*graph_arguments)

    def _default_name(self) -> str:
        return "functional" if self._is_functional_class() else to_snake_case(type(self).__name__)

    def _is_functional_class(self) -> bool:
        return type(self).__name__ == "Functional"

    def _init_graph(self, inputs: Any, outputs: Any) -> None:
        if inputs is None or outputs is None:
            raise ValueError(f'Model "{self.name}": a functional model needs both `inputs` and `outputs`')
        self._graph = Graph(inputs, outputs)
        self.built = True
        shapes = [t.shape for t in self._graph.input_tensors]
        self.input_shape = shapes[0] if len(shapes) == 1 else shapes
        if len(shapes) == 1:  # so that Sequential([model, ...]) builds at once, as Keras's does
            self._batch_input_shape = shapes[0]
        out_shapes = [t.shape for t in self._graph.output_tensors]
        self.output_shape = out_shapes[0] if len(out_shapes) == 1 else out_shapes
        self._make_shuffle_rng()

    # ----- structure -----------------------------------------------------------------------------------------
    @property
    def layers(self) -> list[Layer]:
        """The model's layers: for a functional model, in the order of their first call, inputs included (tensor
        operations such as ``x + y`` are not layers); for a subclassed model, the layers it holds."""
        if self._graph is not None:
            return [op for op in self._graph.operations if not isinstance(op, TensorOp)]
        return Layer._sublayers(self)

    def _sublayers(self) -> list[Layer]:
        if self._graph is not None:
            return self._graph.operations
        return Layer._sublayers(self)

    def get_layer(self, name: str | None = None, index: int | None = None) -> Layer:
        """A layer by name, or by index in ``layers``."""
        if (name is None) == (index is None):
            raise ValueError("get_layer: give exactly one of `name` or `index`")
        layers = self.layers
        if index is not None:
            if not -len(layers) <= index < len(layers):
                raise ValueError(f'Model "{self.name}": was asked to retrieve layer at index {index} but the model '
                                 f"only has {len(layers)} layers.")
            return layers[index]
        for layer in layers:
            if layer.name == name:
                return layer
        raise ValueError(f'No such layer: {name}. Existing layers are: {[layer.name for layer in layers]}.')

    @property
    def inputs(self) -> list[KerasTensor] | None:
        return None if self._graph is None else list(self._graph.input_tensors)

    @property
    def outputs(self) -> list[KerasTensor] | None:
        return None if self._graph is None else list(self._graph.output_tensors)

    @property
    def input_names(self) -> list[str]:
        return [] if self._graph is None else [layer.name for layer in self._graph.input_layers]

    @property
    def output_names(self) -> list[str]:
        """The name of each output: the layer that produced it (Keras's history keys use these)."""
        if self._graph is None:
            return []
        if isinstance(self._graph.outputs, dict):
            return sorted(self._graph.outputs)
        return [t._keras_history[0].name for t in self._graph.output_tensors]

    # ----- building ------------------------------------------------------------------------------------------
    def build(self, input_shape: Any = None) -> None:
        """Build a subclassed model for ``input_shape`` (batch axis first) by running it once on zeros, so that
        every layer it calls creates its weights. (Functional models are built when made.)"""
        if self._graph is not None or input_shape is None:
            return
        from ..layers.base import _map_shapes, normalize_shapes
        shapes = normalize_shapes(input_shape)
        zeros = _map_shapes(lambda s: np.zeros(tuple(1 if d is None else d for d in s), dtype=np.float32), shapes)
        self.built = True
        with no_grad():
            self(zeros, training=False)
        self.input_shape = shapes

    def _build_on_first_call(self, input_shape: Any) -> None:
        # A subclassed model's layers build themselves when its call first reaches them; only a build() of the
        # subclass's own runs here (Model.build would run the model a second time).
        if type(self).build is not Model.build:
            self.build(input_shape)
        self._make_shuffle_rng()

    # ----- forward -------------------------------------------------------------------------------------------
    def _to_tensor(self, inputs: Any) -> Tensor:
        """Data entering a model keeps integer dtypes (token ids); the layers convert what they need."""
        if isinstance(inputs, Tensor):
            return inputs
        array = np.asarray(inputs)
        if array.dtype.kind not in "biuf":
            raise TypeError(f'Model "{self.name}" expects numeric input; received an array of dtype {array.dtype}')
        return Tensor(array, dtype=self.dtype if array.dtype.kind == "f" else None)

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        """Run the graph (functional models); a subclassed model defines its own ``call``."""
        if self._graph is None:
            raise NotImplementedError(f'Model "{self.name}" ({type(self).__name__}) has no graph and no call(): '
                                      f"subclasses of Model must define call(self, inputs)")
        return self._graph.run(self._input_list(inputs), training)

    def _input_list(self, inputs: Any) -> list[Any]:
        """One value per graph input, from a single value, a list or a dict (keyed by input names)."""
        graph = self._graph
        expected = len(graph.input_tensors)
        if isinstance(inputs, dict):
            if isinstance(graph.inputs, dict):
                keys = sorted(graph.inputs)
            else:
                keys = [layer.name for layer in graph.input_layers]
            missing = [key for key in keys if key not in inputs]
            if missing:
                raise ValueError(f'Model "{self.name}": missing input(s) {missing}; the model takes {keys}, received '
                                 f"keys {sorted(inputs)}")
            values = [inputs[key] for key in keys]
        elif expected == 1:
            values = [inputs[0] if isinstance(inputs, (list, tuple)) and len(inputs) == 1 else inputs]
        else:
            values = nest.flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
            if len(values) != expected:
                raise ValueError(f'Layer "{self.name}" expects {expected} input(s), but it received {len(values)} '
                                 f"input tensors.")
        for i, (value, tensor) in enumerate(zip(values, graph.input_tensors)):
            shape = getattr(value, "shape", None)
            if shape is not None and not _compatible(tuple(shape), tensor.shape):
                raise ValueError(f'Input {i} of layer "{self.name}" is incompatible with the layer: expected '
                                 f"shape={tensor.shape}, found shape={tuple(shape)}")
        return values

    def compute_output_shape(self, input_shape: Any) -> Any:
        if self._graph is not None:
            return self.output_shape
        return Layer.compute_output_shape(self, input_shape)

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        """A functional model called on symbolic tensors (a model used as a layer) returns symbolic outputs with
        its own output structure."""
        if self._graph is None:
            return Layer._symbolic_call(self, args, kwargs)
        from ..layers.base import _symbolic_outputs
        from ..layers.symbolic import Node
        self._input_list(args[0])  # checks count and shapes
        outputs = nest.pack_like(self._graph.outputs,
                                 [_symbolic_outputs(t.shape, t.dtype) for t in self._graph.output_tensors])
        Node(self, tuple(args), dict(kwargs), outputs)
        return outputs

    # ----- weights -------------------------------------------------------------------------------------------
    def count_params(self) -> int:
        """Number of scalars in all weights."""
        if not self.built:
            raise ValueError(f'You tried to call `count_params` on model "{self.name}", but the model isn\'t built. '
                             f'Build it with `model.build(input_shape)` or call it on data.')
        return int(sum(w.size for w in self.weights))

    # ----- summary, config, saving -------------------------------------------------------------------------------
    def summary(self, line_length: int | None = None, positions: Sequence[float] | None = None,
                print_fn: Callable[[str], Any] | None = None, expand_nested: bool = False,
                show_trainable: bool = False) -> None:
        """Print Keras's table of layers, output shapes, parameter counts (and, for a functional model, the
        layers each one is connected to); see ``models.summary``."""
        from .summary import print_summary
        print_summary(self, line_length=line_length, print_fn=print_fn, positions=positions,
                      expand_nested=expand_nested, show_trainable=show_trainable)

    def get_config(self) -> dict[str, Any]:
        if self._graph is not None:
            from .functional_config import graph_config
            return graph_config(self)
        return {"name": self.name, "trainable": self.trainable}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Any = None) -> "Model":
        """A functional model's config rebuilds its graph with new layers (weights initialized afresh); a
        subclassed model's config is given to its constructor."""
        if "layers" in config and "input_layers" in config:
            from .functional_config import rebuild_graph
            inputs, outputs = rebuild_graph(config, custom_objects)
            model = cls(inputs=inputs, outputs=outputs, name=config.get("name"))
            if config.get("trainable") is False:
                model.trainable = False
            return model
        return cls(**config)

    def save(self, filepath: str, overwrite: bool = True, **kwargs: Any) -> None:
        """Save the whole model: architecture, weights, compile settings, optimizer and random states (see
        ``lamina.models.saving``); a name ending in ``.keras`` writes Keras 3's format instead.

        Example::

            model.save("classifier.lamina")
            model = lamina.models.load_model("classifier.lamina")
        """
        from .saving import save_model
        save_model(self, filepath, overwrite=overwrite, **kwargs)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


def _compatible(shape: tuple, expected: tuple) -> bool:
    if len(shape) != len(expected):
        return False
    return all(e is None or s is None or s == e for s, e in zip(shape, expected))
