"""Lambda: a function of your own used as a layer (``Lambda(lambda x: x ** 2)``, ``Lambda(scale, arguments=...)``).

Saved by reference, never as code. A model config holds the function's *name*; loading finds the function only
in ``custom_objects={"name": function}`` or among functions registered with ``registry.register_custom``, and
otherwise raises a ValueError saying so. Nothing is ever unpickled, unmarshalled or imported from a file.

Keras writes a Python ``lambda`` as marshalled bytecode (``{"class_name": "__lambda__", "config": {"code": ...}}``);
Lamina refuses to read that (running bytecode from a file executes arbitrary code) and cannot write it for an
anonymous lambda, which has no name to refer to: such a model is refused on saving, naming the layer. A function
defined with ``def`` is written the way Keras writes one (``{"module": "builtins", "class_name": "function",
"config": "name"}``), which Keras loads with the same ``custom_objects``; no code travels either way.
"""

from __future__ import annotations

import inspect
import json
from typing import Any, Callable, Mapping, Sequence

from . import registry
from .base import Layer

__all__ = ["Lambda"]


def _function_name(function: Callable[..., Any]) -> str | None:
    """The name a function is saved under; None for an anonymous lambda (or a callable object)."""
    name = getattr(function, "__name__", None)
    if not isinstance(name, str) or name == "<lambda>" or not name.isidentifier():
        return None
    return name


def resolve_function(name: Any, layer_name: str, what: str, custom_objects: Mapping[str, Any] | None) -> Any:
    """The function saved under ``name`` (a string), from ``custom_objects`` or the registered functions."""
    function = registry.find_custom(name, custom_objects) if isinstance(name, str) else None
    if function is None or not callable(function):
        raise ValueError(f'Lambda layer "{layer_name}": its {what} {name!r} is saved by name only (never as code); '
                         f"give it when loading: load_model(..., custom_objects={{{name!r}: {name}}}) (or register it "
                         f"once with lamina.layers.registry.register_custom)")
    return function


class Lambda(Layer):
    """Wrap ``function(inputs, **arguments)`` as a layer without weights.

    Args:
        function: called on the layer's input (a Tensor, or a list of them); may take ``training``.
        output_shape: the output shape of one sample (without the batch axis), or a function of the full input
            shape; by default found by running ``function`` on zeros.
        arguments: keyword arguments passed to ``function`` on every call (saved with the layer: plain values).
        mask: Keras's masking; only None is supported.

    The gradient is that of the operations ``function`` performs on its Tensor input.

    >>> square = Lambda(lambda x: x ** 2)
    """

    keras_options = {"function": "function", "output_shape": "function", "arguments": "same"}
    keras_extras = {"mask": None}

    def __init__(self, function: Callable[..., Any], output_shape: Sequence[int | None] | Callable | None = None,
                 mask: Any = None, arguments: Mapping[str, Any] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f'Lambda layer "{self.name}": `function` must be callable; received {function!r}')
        if mask is not None:
            raise self._invalid("masks have no Lamina equivalent; `mask` must be None")
        if output_shape is not None and not callable(output_shape):
            if not isinstance(output_shape, (list, tuple)) or not all(
                    d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in output_shape):
                raise self._invalid(f"`output_shape` must be a tuple of integers (one sample's shape) or a function; "
                                    f"received output_shape={output_shape!r}")
            output_shape = tuple(output_shape)
        if arguments is not None and not isinstance(arguments, Mapping):
            raise self._invalid(f"`arguments` must be a dict of keyword arguments; received {arguments!r}")
        self.function = function
        self.output_shape_spec = output_shape
        self.arguments = dict(arguments or {})
        try:
            parameters = inspect.signature(function).parameters
        except (TypeError, ValueError):  # some builtins have no signature
            parameters = {}
        self._function_takes_training = "training" in parameters

    def compute_output_shape(self, input_shape: Any) -> Any:
        spec = self.output_shape_spec
        if spec is None:
            return self._output_shape_by_running(input_shape)
        if callable(spec):
            return spec(input_shape)
        batch = input_shape[0] if input_shape and not isinstance(input_shape[0], (list, tuple, dict)) else None
        return (batch,) + tuple(spec)

    def call(self, inputs: Any, training: bool = False, mask: Any = None) -> Any:
        kwargs = dict(self.arguments)
        if self._function_takes_training:
            kwargs["training"] = training
        return self.function(inputs, **kwargs)

    # ----- saving by reference -------------------------------------------------------------------------------
    def _reference(self, function: Callable[..., Any], what: str) -> str:
        name = _function_name(function)
        if name is None:
            raise self._invalid(f"its {what} {function!r} is an anonymous lambda (or a callable object), which "
                                f"cannot be saved: Lamina saves a Lambda's function by name, never as code. Define "
                                f"it with `def` and give it in custom_objects when loading.")
        return name

    def get_config(self) -> dict[str, Any]:
        """The function (and a callable output_shape) as its name; ``arguments`` must be plain JSON values."""
        spec = self.output_shape_spec
        output_shape = self._reference(spec, "output_shape function") if callable(spec) else (
            None if spec is None else list(spec))
        try:
            json.dumps(self.arguments)
        except (TypeError, ValueError):
            raise self._invalid(f"`arguments` {self.arguments!r} cannot be saved: only numbers, strings, lists and "
                                f"dicts of them can") from None
        return {**super().get_config(), "function": self._reference(self.function, "function"),
                "output_shape": output_shape, "arguments": dict(self.arguments)}

    @classmethod
    def from_config(cls, config: dict[str, Any], custom_objects: Mapping[str, Any] | None = None) -> "Lambda":
        """A Lambda whose function (named in ``config``) is found in ``custom_objects`` or the registered
        functions; ValueError naming the function otherwise."""
        config = dict(config)
        name = config.get("name", "lambda")
        config["function"] = resolve_function(config.get("function"), name, "function", custom_objects)
        if isinstance(config.get("output_shape"), str):
            config["output_shape"] = resolve_function(config["output_shape"], name, "output_shape function",
                                                      custom_objects)
        return cls(**config)

    def to_onnx(self, graph: Any, inputs: list[str]) -> Any:
        raise ValueError(f'export: layer "{self.name}" (Lambda) runs Python code, which has no ONNX export; write it '
                         f"as layers or tensor operations (x + y, x[:, 1:]) instead")

