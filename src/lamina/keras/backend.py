"""``keras.backend``: ``clear_session`` resets the automatic layer and model names; the settings of
``keras.config`` and dtype helpers under their ``keras.backend`` names."""

from ..dtypes import standardize_dtype  # noqa: F401
from ..layers.base import clear_session  # noqa: F401
from ..settings import (  # noqa: F401
    backend, epsilon, floatx, image_data_format, set_epsilon, set_floatx, set_image_data_format,
)
