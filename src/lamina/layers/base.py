"""The Layer base class: Keras's contract of __init__ (validate) / build (make weights) / call (forward).

A layer owns variables (``add_weight``) and may own other layers: every layer, variable, and list, tuple or dict
of them assigned as an attribute is tracked (``self.dense = Dense(8)``, ``self.blocks = [Block(), Block()]``),
so ``weights``, ``trainable_weights``, ``losses`` and saving see everything a custom layer holds, and a layer
that holds Dense sublayers can never silently train with zero weights. ``weights`` lists the layer's own
variables (trainable ones first, each in creation order) and then its sublayers' (Keras's order, which
``get_weights`` / ``set_weights`` follow).

Calling a layer on arrays or Tensors runs it (building it first from the input's shape); calling it on symbolic
``KerasTensor``s records a node of a functional graph instead (``layers/symbolic.py``).

A layer declares itself once, in its own file: the registry finds it by class name (``layers/registry.py``),
``keras_options`` says how its config maps to Keras's (``models/keras_config.py`` reads it), and ``to_onnx``
says how it exports (``onnx/export.py`` calls it).

Names follow Keras: an unnamed layer is called by the snake_case of its class plus a global per-name counter
(``dense``, ``dense_1``, ...); ``clear_session()`` resets the counters.
"""

from __future__ import annotations

import contextlib
import inspect
import re
import threading
from collections import defaultdict
from typing import Any, Callable, ClassVar, Iterable, Iterator, Sequence

import numpy as np

from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..tensor import Tensor, no_grad
from ..utils import nest
from ..variables import Variable
from . import registry
from .symbolic import KerasTensor, Node, call_context, is_symbolic

Shape = tuple["int | None", ...]

_name_counts: defaultdict[str, int] = defaultdict(int)


class _WeightMode(threading.local):
    """Per thread: whether ``add_weight`` makes placeholders (see ``placeholder_weights``)."""

    placeholders = False


_weight_mode = _WeightMode()


@contextlib.contextmanager
def placeholder_weights() -> Iterator[None]:
    """Inside this block, ``add_weight`` creates every weight as a zero-stride, read-only placeholder of the right
    shape and dtype: no memory, no initializer run, no random draw. A loader builds a model from an untrusted
    config this way, checks the shapes against the file's arrays, and only then gives each weight its real values
    (``models/weight_plan.py``)."""
    previous = _weight_mode.placeholders
    _weight_mode.placeholders = True
    try:
        yield
    finally:
        _weight_mode.placeholders = previous
# Set once any layer calls add_loss: only then does the outermost call clear the losses of the previous one.
_losses_used = False


def to_snake_case(name: str) -> str:
    """'BatchNormalization' -> 'batch_normalization', 'LeakyReLU' -> 'leaky_re_lu' (Keras's rule)."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(prefix: str) -> str:
    """``prefix`` the first time, then ``prefix_1``, ``prefix_2``, ... (explicit names take no number)."""
    count = _name_counts[prefix]
    _name_counts[prefix] += 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session() -> None:
    """Reset the automatic name counters, so the next Dense is ``dense`` again (Keras's ``clear_session``)."""
    _name_counts.clear()


def _shape_tuple(shape: Iterable[Any]) -> Shape:
    return tuple(None if d is None else int(d) for d in shape)


def is_shape(value: Any) -> bool:
    """A single shape (a tuple/list of ints and None), as opposed to a structure of shapes."""
    return isinstance(value, (tuple, list)) and all(d is None or isinstance(d, (int, np.integer)) for d in value)


def normalize_shapes(shapes: Any) -> Any:
    """A shape as a tuple, or a structure (list / dict) of shapes with each as a tuple."""
    if is_shape(shapes):
        return _shape_tuple(shapes)
    if isinstance(shapes, dict):
        return {key: normalize_shapes(value) for key, value in shapes.items()}
    return [normalize_shapes(s) for s in shapes]


def _sample_shape(value: Any) -> Shape:
    """The shape a layer is built for: the batch axis unknown (None), the rest as the data has it."""
    shape = value.shape if isinstance(value, (Tensor, KerasTensor, np.ndarray)) else np.shape(value)
    if isinstance(value, KerasTensor):
        return shape
    return (None,) + tuple(shape[1:]) if len(shape) else tuple(shape)


def _iter_trackables(value: Any, seen: set[int]) -> Iterator[Any]:
    """Layers and variables inside ``value`` (itself, or nested in lists, tuples and dict values), once each."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (Layer, Variable)):
            if id(item) not in seen:
                seen.add(id(item))
                yield item
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))


class Layer:
    """Base class of all layers.

    Subclasses implement ``build(input_shape)`` (create weights with ``add_weight``), ``call(inputs)`` (the
    forward pass; it may take ``training`` and ``mask``) and, when the shape changes,
    ``compute_output_shape``. A layer of your own that holds other layers needs no ``build``.

    Args:
        trainable: whether the layer's weights are updated by training.
        name: the layer's name; default: snake_case of the class with a counter.
        dtype: the dtype of weights and computation (float32; float64 for gradient checks).
        input_shape: Keras-style shape of one sample (without the batch axis); lets a Sequential model whose
            first layer this is build at construction.
        batch_input_shape: the same with the batch axis (usually None) in front.

    Example:
        >>> class Scale(Layer):
        ...     def build(self, input_shape):
        ...         self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
        ...     def call(self, x):
        ...         return x * self.w
    """

    # ----- what a layer declares about itself (read by keras_config.py and onnx/export.py) ------------------
    # Config keys shared with Keras, each with how its value translates: "same", "activation", "initializer",
    # "regularizer" or "constraint". None: the layer has no Keras equivalent.
    keras_options: ClassVar[dict[str, str] | None] = None
    # Keras options Lamina lacks, written with the value that means "off" and accepted only at that value.
    keras_extras: ClassVar[dict[str, Any]] = {}
    # Whether Keras writes a ``build_config`` for this layer; its module and class name in a .keras file.
    keras_builds: ClassVar[bool] = True
    # Whether Keras's config of this layer has a ``trainable`` key (its SpatialDropout layers take none).
    keras_writes_trainable: ClassVar[bool] = True
    # Whether ``to_onnx`` takes ``folded_batch_norm=`` (a following BatchNormalization folded into the weights).
    onnx_folds_batch_norm: ClassVar[bool] = False
    keras_module: ClassVar[str] = "keras.layers"
    keras_class_name: ClassVar[str | None] = None

    _untracked_attributes: ClassVar[frozenset[str]] = frozenset()
    _leaf_layer: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__module__.startswith("lamina."):
            registry.register_builtin(cls)
        parameters = inspect.signature(cls.call).parameters
        accepts_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
        cls._call_takes_training = "training" in parameters or accepts_any
        cls._call_takes_mask = "mask" in parameters or accepts_any
        # A layer of your own that does not say its output shape gets it by running on zeros; Lamina's own layers
        # that change the shape define compute_output_shape.
        cls._infers_output_shape = (cls.compute_output_shape is Layer.compute_output_shape
                                    and cls.call is not Layer.call and not cls.__module__.startswith("lamina."))
        # A layer of Lamina's layers package calls no other layer (one that does says so with False).
        if "_leaf_layer" not in cls.__dict__:
            cls._leaf_layer = cls.__module__.startswith("lamina.layers.")

    def __init__(self, trainable: bool = True, name: str | None = None, dtype: Any = None,
                 input_shape: Sequence[int | None] | None = None,
                 batch_input_shape: Sequence[int | None] | None = None, input_dim: int | None = None,
                 **kwargs: Any):
        # Keras's mixed-precision switch has nothing to do here; an activity regularizer only when it is off.
        kwargs.pop("autocast", None)
        if kwargs.get("activity_regularizer", 0) is None:
            del kwargs["activity_regularizer"]
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s): {', '.join(sorted(kwargs))}")
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string without '/'; received {name!r}")
        self.__dict__.setdefault("_tracked_attrs", {})
        self.name: str = name if name is not None else unique_name(self._default_name())
        if isinstance(dtype, dict):  # Keras's DTypePolicy config
            dtype = (dtype.get("config") or {}).get("name")
        self.dtype: np.dtype = np.dtype(dtype if dtype is not None else np.float32)
        if self.dtype.kind != "f":
            raise ValueError(f'Layer "{self.name}": dtype must be a floating type; received {self.dtype}')
        self._trainable = bool(trainable)
        self.built = False
        self.input_shape: Any = None
        self.output_shape: Any = None
        self._trainable_own: list[Variable] = []
        self._frozen_own: list[Variable] = []
        self._weight_regularizers: list[tuple[Variable, Any]] = []
        self._weight_constraints: list[tuple[Variable, Any]] = []
        self._call_losses: list[Any] = []
        self._inbound_nodes: list[Node] = []
        # Keras's InputSpec, reduced to what the layers here need: required sizes of some axes, a minimum rank.
        self._input_axes: dict[int, int] = {}
        self._min_ndim: int | None = None
        self._ndim: int | None = None
        if batch_input_shape is not None:
            self._batch_input_shape: Shape | None = _shape_tuple(batch_input_shape)
        elif input_shape is not None:
            if isinstance(input_shape, (int, np.integer)):
                input_shape = (input_shape,)
            self._batch_input_shape = (None,) + _shape_tuple(input_shape)
        elif input_dim is not None:
            self._batch_input_shape = (None, int(input_dim))
        else:
            self._batch_input_shape = None

    def _default_name(self) -> str:
        return to_snake_case(self.class_name)

    @property
    def class_name(self) -> str:
        """The class name Keras shows for this layer (in summaries and .keras files)."""
        return type(self).keras_class_name or type(self).__name__

    # ----- tracking ------------------------------------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if not name.startswith("__"):
            tracked = self.__dict__.get("_tracked_attrs")
            if tracked is None:  # an attribute set before Layer.__init__ ran
                tracked = {}
                object.__setattr__(self, "_tracked_attrs", tracked)
            if isinstance(value, Variable):
                self._own(value)
                tracked.pop(name, None)
            elif (isinstance(value, Layer) or type(value) in (list, tuple, dict)) and value is not self \
                    and name not in self._untracked_attributes and name not in _BASE_ATTRIBUTES:
                tracked[name] = value
            elif name in tracked:
                del tracked[name]
        object.__setattr__(self, name, value)

    def _own(self, variable: Variable) -> None:
        if "_trainable_own" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}: call super().__init__() before creating variables")
        if any(v is variable for v in self._trainable_own) or any(v is variable for v in self._frozen_own):
            return
        (self._trainable_own if variable.trainable else self._frozen_own).append(variable)
        if not self._trainable:
            variable.trainable = False

    def _sublayers(self) -> list["Layer"]:
        """The layers this layer holds in its attributes, in the order they were assigned."""
        tracked = self._tracked_attrs
        if not tracked:
            return []
        seen: set[int] = set()
        return [item for value in tracked.values() for item in _iter_trackables(value, seen)
                if isinstance(item, Layer)]

    def _flatten_layers(self, include_self: bool = True) -> list["Layer"]:
        """This layer and every layer inside it, depth first, each once."""
        result: list[Layer] = []
        seen: set[int] = set()
        stack: list[Layer] = [self]
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            result.append(layer)
            stack.extend(reversed(layer._sublayers()))
        return result if include_self else result[1:]

    # ----- configuration errors ------------------------------------------------------------------------------
    def _invalid(self, message: str) -> ValueError:
        return ValueError(f'{type(self).__name__} layer "{self.name}": {message}')

    # ----- weights -------------------------------------------------------------------------------------------
    def add_weight(self, shape: Any = None, initializer: Any = None, dtype: Any = None, trainable: bool = True,
                   autocast: bool = True, regularizer: Any = None, constraint: Any = None,
                   aggregation: str = "none", name: str | None = None, **kwargs: Any) -> Variable:
        """Create a variable owned by this layer and return it (Keras 3's signature).

        Args:
            shape: its shape. initializer: a name, Initializer or callable ``(shape, dtype) -> array``
                (default: glorot_uniform for floats, zeros otherwise).
            dtype: defaults to the layer's dtype (float32). trainable: trainable weights require a gradient;
                the others (running statistics) do not.
            regularizer: a penalty on this weight, collected by ``losses``.
            constraint: a projection applied after every optimizer step (``constraints.MaxNorm(3)``, ...).
            name: its short name; the variable's ``path`` is ``layer_name/name``.

        The older call ``add_weight("kernel", shape, initializer, ...)`` (name first) is accepted too and also
        stores the variable as ``self.kernel``.
        """
        store_as_attribute = isinstance(shape, str)
        if store_as_attribute:  # add_weight(name, shape, initializer, ...)
            name, shape, initializer, dtype = shape, initializer, dtype, None
        shape = () if shape is None else tuple(int(d) for d in shape)
        dtype = np.dtype(dtype if dtype is not None else self.dtype)
        if name is None:
            name = "variable"
        if store_as_attribute and (not name.isidentifier() or hasattr(type(self), name)):
            raise ValueError(f'Layer "{self.name}": cannot create a weight named {name!r} (not an identifier, '
                             f'or already used by the layer)')
        if any(d < 0 for d in shape):
            raise ValueError(f'Layer "{self.name}": weight {name!r} would have the negative shape {shape}')
        if _weight_mode.placeholders:
            variable = Variable(np.zeros((), dtype), dtype=dtype, trainable=trainable, name=name)
            variable.data = np.broadcast_to(variable.data, shape)
        else:
            if initializer is None:
                initializer = "glorot_uniform" if dtype.kind == "f" else "zeros"
            init = _initializers.get(initializer)
            value = np.asarray(init(shape, dtype=dtype), dtype=dtype, order="C")
            if value.shape != shape:
                raise ValueError(f'Layer "{self.name}": initializer of weight {name!r} returned shape {value.shape}, '
                                 f'expected {shape}')
            variable = Variable(value, dtype=dtype, trainable=trainable, name=name)
        variable.path = f"{self.name}/{name}"
        self._own(variable)
        if regularizer is not None:
            self._weight_regularizers.append((variable, _regularizers.get(regularizer)))
        if constraint is not None:
            from .. import constraints
            self._weight_constraints.append((variable, constraints.get(constraint)))
        if store_as_attribute:
            setattr(self, name, variable)
        return variable

    def add_variable(self, shape: Any = None, initializer: Any = None, dtype: Any = None, trainable: bool = True,
                     name: str | None = None, **kwargs: Any) -> Variable:
        """Keras 3's alias of ``add_weight``."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable, name=name,
                               **kwargs)

    @property
    def weights(self) -> list[Variable]:
        """All variables: this layer's own (trainable first), then its sublayers', each once."""
        own = self._trainable_own + self._frozen_own
        sublayers = self._sublayers()
        if not sublayers:
            return own
        seen = {id(v) for v in own}
        for layer in sublayers:
            for v in layer.weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    own.append(v)
        return own

    @property
    def trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return []
        if not self._sublayers():  # the training loop asks every step: the short way for plain layers
            return [v for v in self._trainable_own if v._trainable]
        return [v for v in self.weights if v._trainable]

    @property
    def non_trainable_weights(self) -> list[Variable]:
        if not self._trainable:
            return self.weights
        return [v for v in self.weights if not v._trainable]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool) -> None:
        """Freezing a layer freezes its weights and its sublayers (their weights stop requiring gradients)."""
        self._trainable = bool(value)
        for v in self._trainable_own:
            v.trainable = self._trainable
        for layer in self._sublayers():
            layer.trainable = self._trainable

    # ----- losses --------------------------------------------------------------------------------------------
    def add_loss(self, loss: Any) -> None:
        """Add a term to the training loss from inside ``call`` (e.g. an activity penalty); ``losses`` lists it
        until the next call of the outermost layer."""
        global _losses_used
        _losses_used = True
        self._call_losses.append(loss)

    @property
    def losses(self) -> list[Any]:
        """The terms this layer and its sublayers add to the loss: ``add_loss`` terms of the last call, and the
        regularization penalties of their weights, computed now (so they join the graph of the loss)."""
        result: list[Any] = []
        for layer in self._flatten_layers():
            result.extend(layer._call_losses)
            result.extend(regularizer(variable) for variable, regularizer in layer._weight_regularizers)
        return result

    def apply_constraints(self) -> None:
        """Project every constrained weight back into its set (called after each optimizer step)."""
        for layer in self._flatten_layers():
            for variable, constraint in layer._weight_constraints:
                variable.assign(constraint(variable.data))

    # ----- values --------------------------------------------------------------------------------------------
    def get_weights(self) -> list[np.ndarray]:
        """Copies of the weights' values, in ``weights`` order."""
        return [w.data.copy() for w in self.weights]

    def set_weights(self, weights: Sequence[Any]) -> None:
        """Write new values into the existing weight arrays (in place, so optimizers' references stay valid).

        Raises ValueError naming the layer that owns a weight when the count or a shape differs; every shape is
        checked before anything is written, so a refused call changes nothing.
        """
        params = self.weights
        weights = list(weights)
        kind = "model" if hasattr(self, "fit") else "layer"
        if len(weights) != len(params):
            raise ValueError(f'You called `set_weights(weights)` on {kind} "{self.name}" with a weight list of '
                             f'length {len(weights)}, but the {kind} was expecting {len(params)} weights'
                             f'{"" if self.built else f" (the {kind} is not built yet)"}.')
        arrays = []
        for param, value in zip(params, weights):
            array = np.asarray(value.data if isinstance(value, Tensor) else value)
            if array.shape != param.shape:
                owner = next(layer for layer in self._flatten_layers()
                             if any(v is param for v in layer._trainable_own + layer._frozen_own))
                index = [id(w) for w in owner.weights].index(id(param))
                raise ValueError(f'Layer "{owner.name}" weight {index} ({param.path or param.name}) has shape '
                                 f'{param.shape}, but set_weights received an array of shape {array.shape}.')
            arrays.append(array)
        for param, array in zip(params, arrays):
            np.copyto(param.data, array, casting="same_kind")

    def count_params(self) -> int:
        """Number of scalars in all weights (the layer must be built)."""
        if not self.built:
            raise ValueError(f'You tried to call `count_params` on layer "{self.name}", but the layer isn\'t '
                             f'built. You can build it manually via: `{self.name}.build(batch_input_shape)`.')
        return int(sum(w.size for w in self.weights))

    # ----- building ------------------------------------------------------------------------------------------
    def build(self, input_shape: Any) -> None:
        """Create the weights for inputs of ``input_shape`` (batch axis first, usually None). Default: none."""

    def compute_output_shape(self, input_shape: Any) -> Any:
        """The output shape for ``input_shape`` (batch axis included). Default: unchanged for layers that do not
        override ``call``; for layers of your own that do not say, found by running ``call`` on zeros."""
        if type(self)._infers_output_shape:
            return self._output_shape_by_running(input_shape)
        return input_shape

    def _output_shape_by_running(self, input_shape: Any) -> Any:
        def zeros(shape: Any) -> Tensor:
            return Tensor(np.zeros(tuple(1 if d is None else d for d in shape), dtype=self.dtype))

        inputs = _map_shapes(zeros, input_shape)
        try:
            with no_grad():
                outputs = self.call(inputs, **({"training": False} if self._call_takes_training else {}))
        except Exception as error:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) does not define compute_output_shape, '
                             f'and running it on zeros of shape {input_shape} to find its output shape failed: '
                             f'{type(error).__name__}: {error}') from error
        return nest.map_structure(lambda t: (None,) + tuple(np.shape(t)[1:]), outputs)

    def _build_on_first_call(self, input_shape: Any) -> None:
        self.build(input_shape)

    def build_for(self, input_shape: Any) -> Any:
        """Build for ``input_shape`` unless built already, check the shape, and return the output shape."""
        shape = normalize_shapes(input_shape)
        if not self.built:
            self.build(shape)
            self.built = True
            self.input_shape = shape
            self.output_shape = self.compute_output_shape(shape)
            return self.output_shape
        if is_shape(shape):
            self._check_input_shape(shape)
        return self.compute_output_shape(shape)

    def _check_input_shape(self, shape: Shape) -> None:
        """Keras-style compatibility check of an input shape against what the layer was built for."""
        ndim = len(shape)
        problem = None
        if self._ndim is not None and ndim != self._ndim:
            problem = f"expected ndim={self._ndim}, found ndim={ndim}. Full shape received: {shape}"
        elif self._min_ndim is not None and ndim < self._min_ndim:
            problem = f"expected min_ndim={self._min_ndim}, found ndim={ndim}. Full shape received: {shape}"
        else:
            for axis, size in self._input_axes.items():
                if not -ndim <= axis < ndim or (shape[axis] is not None and shape[axis] != size):
                    problem = (f"expected axis {axis} of input shape to have value {size}, but received input "
                               f"with shape {shape}")
                    break
        if problem is not None:  # (the message is only built here: this runs on every call of every layer)
            raise ValueError(f'Input 0 of layer "{self.name}" is incompatible with the layer: {problem}')

    def _to_tensor(self, inputs: Any) -> Tensor:
        """Tensors pass through (keeping their graph); arrays become tensors of the layer's dtype."""
        if isinstance(inputs, Tensor):
            return inputs if inputs.dtype.kind == "f" else Tensor(inputs.data, dtype=self.dtype)
        array = np.asarray(inputs)
        if array.dtype.kind not in "biuf":
            raise TypeError(f'Layer "{self.name}" expects numeric input; received an array of dtype {array.dtype}')
        return Tensor(array, dtype=self.dtype)

    def _convert_inputs(self, inputs: Any) -> Any:
        if type(inputs) is Tensor:
            return inputs if inputs.data.dtype.kind == "f" else self._to_tensor(inputs)
        if isinstance(inputs, (list, tuple, dict)) and any(
                isinstance(leaf, (Tensor, np.ndarray)) for leaf in nest.flatten(inputs)):
            return nest.map_structure(self._to_tensor, inputs)
        return self._to_tensor(inputs)

    # ----- calling -------------------------------------------------------------------------------------------
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the layer on arrays or Tensors (building it on the first call), or record a graph node when
        called on symbolic tensors.

        ``training`` (True in ``fit``) reaches ``call`` when it accepts it; when not given, the value of the
        enclosing layer's call is used (False outside any call).
        """
        if not args:
            if "inputs" not in kwargs:
                raise TypeError(f'Layer "{self.name}" was called without inputs')
            args = (kwargs.pop("inputs"),)
        inputs = args[0]
        if type(inputs) is Tensor:  # the hot path: a float tensor from the previous layer
            if inputs.data.dtype.kind != "f":
                inputs = self._to_tensor(inputs)
        else:
            if is_symbolic(inputs) or any(is_symbolic(a) for a in args[1:]) \
                    or any(is_symbolic(v) for v in kwargs.values()):
                return self._symbolic_call(args, kwargs)
            inputs = self._convert_inputs(inputs)
        training = kwargs.pop("training", None)
        training = bool(call_context.training) if training is None else bool(training)
        if kwargs and not self._call_takes_mask:
            kwargs.pop("mask", None)
        first_call = not self.built
        if first_call:
            shape = normalize_shapes(nest.map_structure(_sample_shape, inputs))
            self._build_on_first_call(shape)
            self.built = True
            self.input_shape = shape
        if type(inputs) is Tensor:
            self._check_input_shape(inputs.data.shape)
        if self._call_takes_training:
            kwargs["training"] = training
        if self._leaf_layer:
            # Lamina's own layers call no sublayers: no context to set for them, no losses to clear.
            outputs = self.call(inputs, *args[1:], **kwargs)
        else:
            context = call_context
            outer_training = context.training
            depth = context.depth
            if depth == 0 and _losses_used:
                for layer in self._flatten_layers():
                    layer._call_losses.clear()
            context.training = training
            context.depth = depth + 1
            try:
                outputs = self.call(inputs, *args[1:], **kwargs)
            finally:
                context.training = outer_training
                context.depth = depth
        if first_call and self.output_shape is None:
            self.output_shape = nest.map_structure(_sample_shape, outputs)
        return outputs

    def _symbolic_call(self, args: tuple, kwargs: dict) -> Any:
        """Build from the symbolic inputs' shapes, record a Node, and return symbolic outputs."""
        inputs = args[0]
        shapes = normalize_shapes(nest.map_structure(_sample_shape, inputs))
        if type(self)._infers_output_shape and (len(args) > 1 or kwargs):
            # A layer of your own called on several tensors (``Endpoint()(targets, logits)``): its output shape
            # comes from running it on zeros for all of them.
            if not self.built:
                self.build(shapes)
                self.built = True
                self.input_shape = shapes
            options = {"training": False} if self._call_takes_training else {}
            given = {key: v for key, v in kwargs.items()
                     if key != "training" and (key != "mask" or self._call_takes_mask)}
            output_shapes = infer_output_shapes(lambda *a, **k: self.call(*a, **k, **options), args, given)
        else:
            output_shapes = self.build_for(shapes)
        outputs = _symbolic_outputs(output_shapes, self._output_dtype(inputs))
        Node(self, tuple(args), dict(kwargs), outputs)
        return outputs

    def _output_dtype(self, inputs: Any) -> str:
        return self.dtype.name

    def call(self, inputs: Any, training: bool = False) -> Any:
        """The forward pass. Default: the identity."""
        return inputs

    @property
    def input(self) -> Any:
        """The symbolic input of this layer's first call in a functional graph."""
        return self._first_node("input").call_args[0]

    @property
    def output(self) -> Any:
        """The symbolic output of this layer's first call in a functional graph."""
        return self._first_node("output").output_structure

    def _first_node(self, what: str) -> Node:
        if not self._inbound_nodes:
            raise AttributeError(f'Layer "{self.name}" has no defined {what}: it has not been called on a '
                                 f'symbolic input (keras.Input) yet')
        return self._inbound_nodes[0]

    # ----- configuration -------------------------------------------------------------------------------------
    def get_config(self) -> dict[str, Any]:
        """Everything needed to rebuild the layer (JSON-able); ``from_config(get_config())`` makes a twin."""
        config: dict[str, Any] = {"name": self.name, "trainable": self._trainable, "dtype": self.dtype.name}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = list(self._batch_input_shape)
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Layer":
        return cls(**config)

    def to_onnx(self, graph: Any, inputs: list[str]) -> Any:
        """Emit this layer's inference-mode computation into an ONNX graph (``onnx/export.py``): add nodes to
        ``graph`` reading the value names ``inputs`` and return the name(s) of the output(s)."""
        raise ValueError(f'export: layer "{self.name}" ({self.class_name}) has no ONNX export')

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}, built={self.built}>"


# Attributes of the base class that hold internal lists, never sublayers.
_BASE_ATTRIBUTES = frozenset({
    "_tracked_attrs", "_trainable_own", "_frozen_own", "_weight_regularizers", "_weight_constraints",
    "_call_losses", "_inbound_nodes", "_input_axes", "input_shape", "output_shape", "_batch_input_shape",
})


# The two sizes an unknown axis takes when an output shape is found by running a function.
_PROBE_SIZES = (2, 3)


def infer_output_shapes(function: Callable[..., Any], args: tuple, kwargs: dict | None = None) -> Any:
    """The output shape(s) of ``function(*args, **kwargs)`` for symbolic arguments, found by running it on zeros
    twice, with the unknown axes at two different sizes: an output axis whose size follows them is unknown too."""
    results = []
    for size in _PROBE_SIZES:
        def concrete(value: Any) -> Any:
            if isinstance(value, KerasTensor):
                return Tensor(np.zeros([size if d is None else d for d in value.shape], dtype=value.dtype))
            return value

        def concrete_all(value: Any) -> Any:
            return nest.map_structure(concrete, value) if nest.is_nested(value) else concrete(value)
        with no_grad():
            try:
                out = function(*[concrete_all(a) for a in args],
                               **{key: concrete_all(v) for key, v in (kwargs or {}).items()})
            except (ValueError, IndexError, TypeError) as error:
                shapes = [a.shape if isinstance(a, KerasTensor) else a for a in args]
                raise ValueError(f"cannot apply {function.__name__} to symbolic inputs {shapes}: {error}") from None
        results.append([tuple(np.shape(leaf.data if isinstance(leaf, Tensor) else leaf))
                        for leaf in nest.flatten(out)] if nest.is_nested(out) else
                       tuple(np.shape(out.data if isinstance(out, Tensor) else out)))
    first, second = results
    if isinstance(first, list):
        return [tuple(a if a == b else None for a, b in zip(f, g)) for f, g in zip(first, second)]
    return tuple(a if a == b else None for a, b in zip(first, second))



def _map_shapes(function: Any, shapes: Any) -> Any:
    """``function`` applied to every shape of a structure of shapes (``nest`` would open the shape tuples)."""
    if is_shape(shapes):
        return function(shapes)
    if isinstance(shapes, dict):
        return {key: _map_shapes(function, value) for key, value in shapes.items()}
    return [_map_shapes(function, s) for s in shapes]


def _symbolic_outputs(shapes: Any, dtype: str) -> Any:
    return _map_shapes(lambda shape: KerasTensor(shape, dtype=dtype), shapes)
