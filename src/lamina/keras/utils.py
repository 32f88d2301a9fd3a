"""``keras.utils``: ``set_random_seed`` (lamina.random's) and the other lamina.utils helpers."""

from ..random import set_random_seed  # noqa: F401
from ..utils import *  # noqa: F401,F403
from ..utils.numerical import normalize, to_categorical  # noqa: F401
from ..layers.base import clear_session  # noqa: F401
