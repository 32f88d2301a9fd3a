"""``keras.optimizers``: SGD, Adam, ... and ``schedules``."""

from ..optimizers import *  # noqa: F401,F403
from ..optimizers import schedules  # noqa: F401
