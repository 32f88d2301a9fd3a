"""``keras.regularizers``: re-exported from lamina.regularizers."""

from ..regularizers import *  # noqa: F401,F403
from ..regularizers import __all__  # noqa: F401
