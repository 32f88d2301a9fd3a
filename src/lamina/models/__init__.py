"""Models: the Model base (functional and subclassed models), Sequential, saving, and ensembles."""

from .ensemble import Ensemble
from .functional import Functional
from .model import Model
from .saving import load_model, save_model
from .sequential import Sequential

__all__ = ["Ensemble", "Functional", "Model", "Sequential", "load_model", "save_model"]
