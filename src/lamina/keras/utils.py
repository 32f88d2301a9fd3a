"""``keras.utils``: ``set_random_seed`` (lamina.random's), the other lamina.utils helpers, and the data utilities
of ``lamina.data`` (datasets from folders and arrays, image files, ``PyDataset``), loaded on first use."""

import importlib
from typing import Any

from ..random import set_random_seed  # noqa: F401
from ..utils import *  # noqa: F401,F403
from ..utils.numerical import normalize, to_categorical  # noqa: F401
from ..layers.base import clear_session  # noqa: F401
from ..layers.registry import get_custom_objects, get_registered_name, register_keras_serializable  # noqa: F401

_DATA_UTILITIES = {
    "PyDataset": "py_dataset", "Sequence": "py_dataset",
    "image_dataset_from_directory": "directory", "text_dataset_from_directory": "directory",
    "timeseries_dataset_from_array": "timeseries", "split_dataset": "split",
    "load_img": "images", "img_to_array": "images", "array_to_img": "images", "save_img": "images",
}


def __getattr__(name: str) -> Any:
    if name in _DATA_UTILITIES:
        value = getattr(importlib.import_module(f"lamina.data.{_DATA_UTILITIES[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'lamina.keras.utils' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_DATA_UTILITIES))
