"""Models: Sequential (layers in a stack) with Keras's training API, and ensembles."""

from .ensemble import Ensemble
from .sequential import Sequential

__all__ = ["Ensemble", "Sequential"]
