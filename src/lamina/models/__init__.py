"""Models: Sequential (layers in a stack) with Keras's training API, and ensembles."""

from .ensemble import Ensemble
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = ["Ensemble", "Sequential", "load_model", "save_model"]
