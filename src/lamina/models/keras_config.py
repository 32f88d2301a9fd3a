"""Translation between Keras 3's model config (``config.json`` of a ``.keras`` file) and Lamina's.

Keras writes every object as ``{"module", "class_name", "config", "registered_name"}`` and adds options Lamina
does not have (constraints, quantization, renormalization, ...). Reading, each Keras option is either
translated, ignored because it holds the value that means "off" (a ``None`` constraint, ``renorm: false``), or
refused with an error naming the layer, its class and the option: a model Lamina cannot run exactly is never
loaded approximately. Writing, Lamina emits the keys Keras 3 itself writes (a subset of them where Keras's extra
options are off), so ``keras.models.load_model`` rebuilds the same layers.

Class names are looked up in fixed tables of Lamina's classes; nothing named in a file is imported.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Mapping

from .. import activations as _activations
from .. import initializers as _initializers
from .. import optimizers as _optimizers
from .. import regularizers as _regularizers
from ..optimizers import schedules as _schedules
from . import keras_compile

# Activation names that mean the same function in both libraries ('leaky_relu': slope 0.2 in both).
KERAS_ACTIVATIONS = ("linear", "relu", "sigmoid", "tanh", "softmax", "leaky_relu", "log_softmax")

# Options of Keras layers that Lamina lacks but that are harmless at these values.
_OFF_VALUES: dict[str, tuple[Any, ...]] = {
    "kernel_constraint": (None,), "bias_constraint": (None,), "beta_constraint": (None,),
    "gamma_constraint": (None,), "activity_regularizer": (None,), "quantization_config": (None,),
    "lora_rank": (None,), "synchronized": (False,), "renorm": (False,), "renorm_clipping": (None,),
    "sparse": (False,), "ragged": (False,), "optional": (False,), "data_format": ("channels_last", None),
}
# Options that only mean something when an option above is on (so they can be dropped when it is off).
_DEPENDENT = ("renorm_momentum", "lora_alpha")

# Per Keras class: the options Lamina's class of the same name takes, and how to translate them.
_SAME = "same"
_LAYER_OPTIONS: dict[str, dict[str, str]] = {
    "InputLayer": {"batch_shape": _SAME},
    "Dense": {"units": _SAME, "activation": "activation", "use_bias": _SAME,
              "kernel_initializer": "initializer", "bias_initializer": "initializer",
              "kernel_regularizer": "regularizer", "bias_regularizer": "regularizer"},
    "BatchNormalization": {"axis": _SAME, "momentum": _SAME, "epsilon": _SAME, "center": _SAME, "scale": _SAME,
                           "beta_initializer": "initializer", "gamma_initializer": "initializer",
                           "moving_mean_initializer": "initializer", "moving_variance_initializer": "initializer",
                           "beta_regularizer": "regularizer", "gamma_regularizer": "regularizer"},
    "Dropout": {"rate": _SAME, "noise_shape": _SAME, "seed": _SAME},
    "GaussianNoise": {"stddev": _SAME, "seed": _SAME},
    "Activation": {"activation": "activation"},
    "LeakyReLU": {"negative_slope": _SAME},
    "Softmax": {"axis": _SAME},
    "Flatten": {},
}
# Layers whose config Keras 3 writes with a ``build_config`` (the others are built at construction).
_KERAS_BUILDS = ("Dense", "BatchNormalization", "Flatten")


def _keras_object(module: str, class_name: str, config: dict[str, Any]) -> dict[str, Any]:
    return {"module": module, "class_name": class_name, "config": config, "registered_name": None}


def _accepted(cls: type, config: dict[str, Any], where: str) -> dict[str, Any]:
    """``config`` reduced to ``cls``'s constructor arguments; a dropped entry must be None (off)."""
    parameters = inspect.signature(cls.__init__).parameters
    kept = {}
    for key, value in config.items():
        if key in parameters:
            kept[key] = value
        elif value is not None:
            raise ValueError(f"{where}: {cls.__name__} option {key}={value!r} has no Lamina equivalent")
    return kept


def _registered(module: Any, class_name: Any, base: type, where: str, what: str) -> type:
    cls = getattr(module, class_name, None) if class_name in getattr(module, "__all__", ()) else None
    if not (isinstance(cls, type) and issubclass(cls, base)):
        raise ValueError(f"{where}: Lamina has no {what} {class_name!r}")
    return cls


# ----- Keras -> Lamina ------------------------------------------------------------------------------------------
def _initializer_from_keras(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    cls = _registered(_initializers, value.get("class_name"), _initializers.Initializer, where, "initializer")
    return {"class_name": cls.__name__, "config": _accepted(cls, dict(value.get("config") or {}), where)}


def _regularizer_from_keras(value: Any, where: str) -> Any:
    if value is None or isinstance(value, str):
        return value
    cls = _registered(_regularizers, value.get("class_name"), _regularizers.Regularizer, where, "regularizer")
    return {"class_name": cls.__name__, "config": _accepted(cls, dict(value.get("config") or {}), where)}


def _activation_from_keras(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where}: activation {value!r} has no Lamina equivalent "
                         f"(Lamina reads {', '.join(KERAS_ACTIVATIONS)})")
    return value


_FROM_KERAS: dict[str, Callable[[Any, str], Any]] = {
    "initializer": _initializer_from_keras, "regularizer": _regularizer_from_keras,
    "activation": _activation_from_keras, _SAME: lambda value, where: value,
}


def _dtype_name(value: Any, where: str) -> str:
    """'float32' from Keras's dtype, a string or a DTypePolicy object."""
    if isinstance(value, dict):
        value = (value.get("config") or {}).get("name")
    if value is None:
        return "float32"
    if value not in ("float32", "float64"):
        raise ValueError(f"{where}: dtype {value!r} has no Lamina equivalent (float32 or float64)")
    return value


def layer_from_keras(entry: dict[str, Any]) -> dict[str, Any]:
    """A Keras layer entry of a Sequential config as Lamina's ``{"class_name", "config"}``."""
    class_name = entry.get("class_name")
    config = dict(entry.get("config") or {})
    where = f'Keras layer "{config.get("name", "?")}" ({class_name})'
    options = _LAYER_OPTIONS.get(class_name)
    if options is None:
        raise ValueError(f"{where}: Lamina cannot read layers of class {class_name!r}; it reads "
                         f"{', '.join(sorted(_LAYER_OPTIONS))}")
    lamina_config: dict[str, Any] = {"name": config.pop("name", None), "dtype": _dtype_name(config.pop("dtype", None),
                                                                                               where)}
    if class_name != "InputLayer":
        lamina_config["trainable"] = bool(config.pop("trainable", True))
    for key, value in config.items():
        if key in options:
            lamina_config[key] = _FROM_KERAS[options[key]](value, where)
        elif key in _DEPENDENT or (key in _OFF_VALUES and value in _OFF_VALUES[key]):
            continue
        else:
            raise ValueError(f"{where}: option {key}={value!r} has no Lamina equivalent")
    if lamina_config["name"] is None:
        del lamina_config["name"]
    return {"class_name": class_name, "config": lamina_config}


def sequential_from_keras(config: dict[str, Any]) -> tuple[dict[str, Any], list[int | None] | None]:
    """(Lamina's Sequential config, the build input shape when there is no InputLayer) from Keras's."""
    if config.get("class_name") != "Sequential":
        raise ValueError(f"Lamina reads Sequential models only; this file holds a {config.get('class_name')!r} "
                         f"model")
    inner = config.get("config") or {}
    model = {"name": inner.get("name"), "trainable": inner.get("trainable", True),
             "layers": [layer_from_keras(entry) for entry in inner.get("layers", [])]}
    has_input = bool(model["layers"]) and model["layers"][0]["class_name"] == "InputLayer"
    build_shape = None if has_input else inner.get("build_input_shape")
    return model, build_shape


def compile_from_keras(config: dict[str, Any], custom_objects: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Arguments for ``model.compile`` from Keras's ``compile_config`` (ValueError when something has no match);
    ``custom_objects`` supplies the user's own losses and metrics (see ``keras_compile``)."""
    optimizer = dict(config.get("optimizer") or {})
    where = "compile_config optimizer"
    cls = _registered(_optimizers, optimizer.get("class_name"), _optimizers.Optimizer, where, "optimizer")
    options = dict(optimizer.get("config") or {})
    if options.get("use_ema"):
        raise ValueError(f"{where}: use_ema=True has no Lamina equivalent")
    for key in ("use_ema", "ema_momentum", "ema_overwrite_frequency"):
        options.pop(key, None)
    if isinstance(options.get("learning_rate"), dict):
        schedule = options["learning_rate"]
        options["learning_rate"] = _schedules.deserialize(
            {"class_name": schedule.get("class_name"), "config": schedule.get("config") or {}})
    if config.get("loss_weights") is not None:
        raise ValueError("compile_config: loss_weights has no Lamina equivalent")
    metrics = config.get("metrics") or []
    weighted = config.get("weighted_metrics") or []
    return {
        "optimizer": cls(**_accepted(cls, options, where)),
        "loss": keras_compile.from_keras(config.get("loss"), "loss", "compile_config loss", custom_objects),
        "metrics": [keras_compile.from_keras(m, "metric", "compile_config metrics", custom_objects)
                    for m in metrics],
        "weighted_metrics": [keras_compile.from_keras(m, "metric", "compile_config weighted_metrics",
                                                      custom_objects) for m in weighted],
    }


# ----- Lamina -> Keras ------------------------------------------------------------------------------------------
def _initializer_to_keras(value: Any, where: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{where}: the initializer {value!r} is a function of your own, which Keras cannot rebuild")
    return _keras_object("keras.initializers", value["class_name"], dict(value["config"]))


def _regularizer_to_keras(value: Any, where: str) -> Any:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise ValueError(f"{where}: the regularizer {value!r} is a function of your own, which Keras cannot rebuild")
    return _keras_object("keras.regularizers", value["class_name"], dict(value["config"]))


def _activation_to_keras(value: Any, where: str) -> str:
    if value not in KERAS_ACTIVATIONS:
        raise ValueError(f"{where}: activation {value!r} has no Keras equivalent "
                         f"(Keras reads {', '.join(KERAS_ACTIVATIONS)})")
    return value


_TO_KERAS: dict[str, Callable[[Any, str], Any]] = {
    "initializer": _initializer_to_keras, "regularizer": _regularizer_to_keras,
    "activation": _activation_to_keras, _SAME: lambda value, where: value,
}

# Keras options written with their "off" value, so the config has Keras's own keys.
_KERAS_EXTRAS: dict[str, dict[str, Any]] = {
    "Dense": {"kernel_constraint": None, "bias_constraint": None},
    "BatchNormalization": {"beta_constraint": None, "gamma_constraint": None, "synchronized": False},
    "Flatten": {"data_format": "channels_last"},
    "InputLayer": {"sparse": False},
}


def layer_to_keras(layer: Any) -> dict[str, Any]:
    """Keras 3's config entry for a built Lamina layer (ValueError for what Keras cannot rebuild)."""
    class_name = type(layer).__name__
    where = f'layer "{layer.name}" ({class_name})'
    options = _LAYER_OPTIONS.get(class_name)
    if options is None or type(layer).__module__.split(".")[0] != "lamina":
        raise ValueError(f"{where}: cannot be written as Keras; the .keras format takes "
                         f"{', '.join(sorted(_LAYER_OPTIONS))}")
    config = layer.get_config()
    if class_name == "Softmax" and config.get("temperature", 1.0) != 1.0:
        raise ValueError(f"{where}: temperature={config['temperature']} has no Keras equivalent")
    keras_config: dict[str, Any] = {"name": layer.name}
    if class_name != "InputLayer":
        keras_config["trainable"] = layer.trainable
    keras_config["dtype"] = layer.dtype.name
    for key, kind in options.items():
        value = config[key]
        keras_config[key] = _TO_KERAS[kind](list(value) if isinstance(value, tuple) else value, where)
    keras_config.update(_KERAS_EXTRAS.get(class_name, {}))
    entry = _keras_object("keras.layers", class_name, keras_config)
    if class_name in _KERAS_BUILDS and layer.input_shape is not None:
        entry["build_config"] = {"input_shape": list(layer.input_shape)}
    return entry


def compile_to_keras(settings: dict[str, Any], optimizer: Any) -> dict[str, Any]:
    """Keras's ``compile_config`` from ``compile_io.compile_settings`` (ValueError for what Keras lacks)."""
    options = dict(settings["optimizer"]["config"])
    learning_rate = options.get("learning_rate")
    if isinstance(learning_rate, dict):
        if learning_rate["class_name"] == "LinearDecay":
            raise ValueError("the learning-rate schedule LinearDecay has no Keras equivalent")
        options["learning_rate"] = _keras_object("keras.optimizers.schedules", learning_rate["class_name"],
                                                 dict(learning_rate["config"]))
    return {
        "optimizer": _keras_object("keras.optimizers", type(optimizer).__name__, options),
        "loss": keras_compile.to_keras(settings["loss"], "loss", "loss"),
        "loss_weights": None,
        "metrics": [keras_compile.to_keras(m, "metric", "metric") for m in settings["metrics"]] or None,
        "weighted_metrics": [keras_compile.to_keras(m, "metric", "weighted metric")
                             for m in settings["weighted_metrics"]] or None,
        "run_eagerly": False, "steps_per_execution": 1, "jit_compile": False,
    }
