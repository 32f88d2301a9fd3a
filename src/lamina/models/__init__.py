"""Models: Sequential (layers in a stack) with Keras's training API, and ensembles."""

from .sequential import Sequential

__all__ = ["Sequential"]
