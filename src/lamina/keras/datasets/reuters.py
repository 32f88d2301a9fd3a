"""``keras.datasets.reuters``."""

from ...datasets.keras_text import reuters_get_label_names as get_label_names
from ...datasets.keras_text import reuters_get_word_index as get_word_index
from ...datasets.keras_text import reuters_load_data as load_data

__all__ = ["get_label_names", "get_word_index", "load_data"]
