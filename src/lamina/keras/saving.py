"""``keras.saving``: saving and loading models, and registering classes and functions of your own by name."""

from ..layers.registry import get_custom_objects, get_registered_name, register_keras_serializable  # noqa: F401
from ..models.saving import load_model, save_model  # noqa: F401

__all__ = ["get_custom_objects", "get_registered_name", "load_model", "register_keras_serializable",
           "save_model"]
