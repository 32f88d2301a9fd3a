"""``keras.random``: seeded random tensors, re-exported from lamina.random_ops."""

from ..random_ops import *  # noqa: F401,F403
from ..random_ops import __all__  # noqa: F401
