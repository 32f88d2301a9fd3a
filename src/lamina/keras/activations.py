"""``keras.activations``: re-exported from lamina.activations."""

from ..activations import *  # noqa: F401,F403
from ..activations import __all__  # noqa: F401
