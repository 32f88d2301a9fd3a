"""Translation between Keras 3's layer and model configs (``config.json`` of a ``.keras`` file) and Lamina's.

Each Lamina layer class declares in its own file how its config maps to Keras's (``keras_options``: the shared
keys and how each value translates; ``keras_extras``: Keras's options that Lamina lacks, with the value that means
"off"). Reading, each Keras option is translated, ignored because it holds its "off" value, or refused with an
error naming the layer, its class and the option: a model Lamina cannot run exactly is never loaded
approximately. Writing, Lamina emits the keys Keras 3 itself writes, so ``keras.models.load_model`` rebuilds the
same layers. Functional models keep Keras's graph layout (``inbound_nodes``, ``input_layers``, ``output_layers``)
unchanged in both directions; only each layer's entry is translated. Operations recorded from Python operators
(``x + y``) are Keras's ``keras.src.ops.numpy`` classes on one side and Lamina's ``TensorOp`` on the other.

Class names are looked up in Lamina's registry; nothing named in a file is imported.
"""

from __future__ import annotations

from typing import Any, Callable

from .. import activations as _activations
from .. import constraints as _constraints
from .. import initializers as _initializers
from .. import regularizers as _regularizers
from ..layers import registry
from ..layers import tensor_ops
from .keras_config import _accepted, _keras_object, _registered

# Keras 3's activation names. One is read or written only when Lamina has a function of that name (the same
# function: 'leaky_relu' has slope 0.2 in both; 'swish' is written as Keras writes it, 'silu').
KERAS_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "log_softmax", "elu", "selu",
                     "gelu", "silu", "swish", "softplus", "softsign", "hard_sigmoid", "exponential", "mish",
                     "relu6", "hard_silu", "log_sigmoid", "hard_tanh")

# Options Keras writes on every layer, harmless at these values.
_COMMON_OFF: dict[str, tuple[Any, ...]] = {"activity_regularizer": (None,), "lora_rank": (None,),
                                           "lora_alpha": (None,), "quantization_config": (None,)}
# Options that only mean something when another one is on: ignored while that one is off.
_DEPENDENT = {"renorm_momentum": "renorm", "lora_alpha": "lora_rank"}
_MODEL_CLASSES = ("Functional", "Sequential", "Model")


def _where(config: dict[str, Any], class_name: Any) -> str:
    return f'Keras layer "{config.get("name", "?")}" ({class_name})'


# ----- values ----------------------------------------------------------------------------------------------------
def _object_from_keras(value: Any, module: Any, base: type, where: str, what: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"{where}: cannot read the {what} {value!r}")
    cls = _registered(module, value.get("class_name"), base, where, what)
    return {"class_name": cls.__name__, "config": _accepted(cls, dict(value.get("config") or {}), where)}


def _activation_from_keras(value: Any, where: str) -> str:
    if isinstance(value, dict):  # Keras writes an activation of its own as {"class_name": "function", ...}
        value = value.get("config")
    if not isinstance(value, str) or value not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where}: activation {value!r} has no Lamina equivalent")
    try:
        _activations.get(value)
    except ValueError:
        raise ValueError(f"{where}: activation {value!r} has no Lamina equivalent") from None
    return value


def _function_from_keras(value: Any, where: str) -> Any:
    """A Lambda's function (or output_shape) as the name Lamina saves it by; shapes pass through."""
    if value is None or isinstance(value, (list, tuple)):
        return value
    if isinstance(value, dict) and value.get("class_name") == "__lambda__":
        raise ValueError(f"{where}: its function is stored as Python bytecode (a lambda), which Lamina never runs "
                         f"(it could execute anything); define the function with def, save the model again, and "
                         f"load it with custom_objects={{name: function}}")
    if isinstance(value, dict) and value.get("class_name") == "function" and isinstance(value.get("config"), str):
        return value["config"]
    raise ValueError(f"{where}: cannot read the function {value!r}")


def _function_to_keras(value: Any, where: str) -> Any:
    """A function saved by name as Keras writes a named function (found again through custom_objects)."""
    if isinstance(value, str):
        return {"module": "builtins", "class_name": "function", "config": value, "registered_name": "function"}
    return value


_FROM_KERAS: dict[str, Callable[[Any, str], Any]] = {
    "same": lambda value, where: value,
    "activation": _activation_from_keras,
    "initializer": lambda value, where: _object_from_keras(value, _initializers, _initializers.Initializer, where,
                                                           "initializer"),
    "regularizer": lambda value, where: _object_from_keras(value, _regularizers, _regularizers.Regularizer, where,
                                                           "regularizer"),
    "constraint": lambda value, where: _object_from_keras(value, _constraints, _constraints.Constraint, where,
                                                          "constraint"),
    "function": _function_from_keras,
}


def _object_to_keras(value: Any, module: str, where: str, what: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, dict):
        raise ValueError(f"{where}: the {what} {value!r} is a function of your own, which Keras cannot rebuild")
    return _keras_object(module, value["class_name"], dict(value["config"]))


def _activation_to_keras(value: Any, where: str) -> str:
    if value not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where}: activation {value!r} has no Keras equivalent")
    return "silu" if value == "swish" else value


_TO_KERAS: dict[str, Callable[[Any, str], Any]] = {
    "same": lambda value, where: list(value) if isinstance(value, tuple) else value,
    "activation": _activation_to_keras,
    "initializer": lambda value, where: _object_to_keras(value, "keras.initializers", where, "initializer"),
    "regularizer": lambda value, where: _object_to_keras(value, "keras.regularizers", where, "regularizer"),
    "constraint": lambda value, where: _object_to_keras(value, "keras.constraints", where, "constraint"),
    "function": _function_to_keras,
}


def _dtype_name(value: Any, where: str) -> str:
    """'float32' from Keras's dtype, a string or a DTypePolicy object."""
    if isinstance(value, dict):
        value = (value.get("config") or {}).get("name")
    if value is None:
        return "float32"
    if value not in ("float32", "float64", "int32", "int64"):
        raise ValueError(f"{where}: dtype {value!r} has no Lamina equivalent (float32 or float64)")
    return value


# ----- Keras -> Lamina ---------------------------------------------------------------------------------------------
def layer_from_keras(entry: dict[str, Any]) -> dict[str, Any]:
    """A Keras layer entry as Lamina's ``{"class_name", "config"}`` (graph keys such as ``inbound_nodes`` kept)."""
    class_name = entry.get("class_name")
    config = dict(entry.get("config") or {})
    where = _where(config, class_name)
    graph_keys = {key: entry[key] for key in ("name", "inbound_nodes") if key in entry}
    if "inbound_nodes" in graph_keys:
        graph_keys["inbound_nodes"] = [_without_recorded_training(node) for node in graph_keys["inbound_nodes"]]
    module = str(entry.get("module") or "")
    if module.startswith("keras.src.ops"):
        op = tensor_ops.op_for_keras_class(class_name)
        if op is None:
            raise ValueError(f"{where}: Lamina cannot read the operation {module}.{class_name}")
        settings = {key: value for key, value in config.items() if key != "name"}
        return {"class_name": "TensorOp", "config": {"name": config.get("name"), "op": op, **settings},
                **graph_keys}
    if class_name in _MODEL_CLASSES:
        return {"class_name": "Sequential" if class_name == "Sequential" else "Functional",
                "config": model_config_from_keras(class_name, config), **graph_keys}
    try:
        cls = registry.lookup(class_name)
    except ValueError:
        cls = None
    options = getattr(cls, "keras_options", None)
    if options is None:
        raise ValueError(f"{where}: Lamina cannot read layers of class {class_name!r}")
    lamina_config: dict[str, Any] = {"name": config.pop("name", None)}
    dtype = _dtype_name(config.pop("dtype", None), where)
    if class_name == "InputLayer":
        lamina_config["dtype"] = dtype
    else:
        lamina_config["dtype"] = dtype
        lamina_config["trainable"] = bool(config.pop("trainable", True))
    off_values = {**_COMMON_OFF, **{key: (value,) for key, value in cls.keras_extras.items()}}
    for key, value in config.items():
        if key in options:
            lamina_config[key] = _FROM_KERAS[options[key]](value, where)
        elif key in off_values and value in off_values[key]:
            continue
        elif key in _DEPENDENT and not config.get(_DEPENDENT[key]):
            continue
        else:
            raise ValueError(f"{where}: option {key}={value!r} has no Lamina equivalent")
    if lamina_config["name"] is None:
        del lamina_config["name"]
    return {"class_name": class_name, "config": lamina_config, **graph_keys}


def _without_recorded_training(node: Any) -> Any:
    """A Keras node without the ``training`` value Keras records from a call's default (Dropout's False): Keras
    replaces it by the model's own flag whenever the model is called with one (fit: True), whereas a flag
    recorded in a Lamina graph binds; kept, it would switch a loaded model's Dropout off in fit."""
    if isinstance(node, dict) and isinstance(node.get("kwargs"), dict) and "training" in node["kwargs"]:
        return {**node, "kwargs": {k: v for k, v in node["kwargs"].items() if k != "training"}}
    return node


def model_config_from_keras(class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    """Lamina's config of a Sequential or functional model from Keras's (the inner ``config``)."""
    layers = [layer_from_keras(entry) for entry in config.get("layers", [])]
    if class_name == "Sequential":
        model = {"name": config.get("name"), "trainable": config.get("trainable", True), "layers": layers}
        if not (layers and layers[0]["class_name"] == "InputLayer") and config.get("build_input_shape"):
            model["build_input_shape"] = config["build_input_shape"]
        return model
    return {"name": config.get("name"), "trainable": config.get("trainable", True), "layers": layers,
            "input_layers": config.get("input_layers"), "output_layers": config.get("output_layers")}


# ----- Lamina -> Keras ---------------------------------------------------------------------------------------------
def layer_to_keras(layer: Any) -> dict[str, Any]:
    """Keras 3's config entry for a built Lamina layer (ValueError for what Keras cannot rebuild)."""
    class_name = layer.class_name
    where = f'layer "{layer.name}" ({type(layer).__name__})'
    if type(layer).__name__ == "TensorOp":
        return {"module": layer.keras_module, "class_name": class_name,
                "config": {"name": layer.name, **layer.options}, "registered_name": class_name}
    if hasattr(layer, "_graph") and hasattr(layer, "fit"):  # a model used as a layer
        return model_to_keras(layer)
    options = type(layer).keras_options
    if options is None or not type(layer).__module__.startswith("lamina."):
        raise ValueError(f"{where}: cannot be written as Keras; the .keras format takes Lamina's built-in layers "
                         f"that have a Keras equivalent")
    problem = getattr(layer, "keras_config_problem", lambda: None)()
    if problem:
        raise ValueError(f"{where}: {problem}")
    config = layer.get_config()
    keras_config: dict[str, Any] = {"name": layer.name}
    if class_name != "InputLayer":
        if type(layer).keras_writes_trainable:
            keras_config["trainable"] = layer.trainable
        keras_config["dtype"] = layer.dtype.name
    else:
        keras_config["dtype"] = config.get("dtype", "float32")
    for key, kind in options.items():
        keras_config[key] = _TO_KERAS[kind](config[key], where)
    for key, value in type(layer).keras_extras.items():
        keras_config.setdefault(key, value)
    entry = _keras_object(layer.keras_module, class_name, keras_config)
    if type(layer).keras_builds and layer.input_shape is not None:
        entry["build_config"] = {"input_shape": _json_shape(layer.input_shape)}
    return entry


def _json_shape(shape: Any) -> Any:
    if isinstance(shape, tuple):
        return list(shape)
    if isinstance(shape, list):
        return [_json_shape(s) for s in shape]
    return shape


def model_to_keras(model: Any) -> dict[str, Any]:
    """Keras 3's ``{"module", "class_name", "config", ...}`` of a built Sequential or functional model."""
    if not model.built:
        raise ValueError(f'save: model "{model.name}" is not built; build it (or call it on data) before saving '
                         f"it as .keras, so that its weights exist")
    if model._graph is None and not hasattr(model, "graph_view"):
        raise ValueError(f'save: model "{model.name}" ({type(model).__name__}) is subclassed: its call() is Python '
                         f"code, which a .keras file cannot hold; save its weights (save_weights) instead")
    if type(model).__name__ == "Sequential":
        input_shape = list(model.input_shape)
        input_layer = model._input_layer
        input_entry = _keras_object("keras.layers", "InputLayer", {
            "batch_shape": input_shape, "dtype": "float32", "sparse": False, "ragged": False,
            "name": input_layer.name if input_layer is not None else "input_layer", "optional": False})
        layers = [input_entry] + [layer_to_keras(layer) for layer in model.layers]
        return {"module": "keras", "class_name": "Sequential",
                "config": {"name": model.name, "trainable": model.trainable, "dtype": _policy("float32"),
                           "layers": layers, "build_input_shape": input_shape},
                "registered_name": None, "build_config": {"input_shape": input_shape}}
    from .functional_config import graph_config
    config = graph_config(model, serialize=layer_to_keras)
    return {"module": "keras.src.models.functional", "class_name": "Functional", "config": config,
            "registered_name": "Functional",
            "build_config": {"input_shape": None}}  # as Keras writes it: a functional model builds from its graph


def _policy(name: str) -> dict[str, Any]:
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": name}, "registered_name": None}
