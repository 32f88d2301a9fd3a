"""``keras.backend``: ``clear_session`` resets the automatic layer and model names."""

from ..layers.base import clear_session  # noqa: F401
