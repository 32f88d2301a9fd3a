"""``keras.datasets.imdb``."""

from ...datasets.keras_text import imdb_get_word_index as get_word_index
from ...datasets.keras_text import imdb_load_data as load_data

__all__ = ["get_word_index", "load_data"]
