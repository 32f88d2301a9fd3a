"""``keras.datasets.boston_housing``."""

from ...datasets.keras_tabular import boston_housing_load_data as load_data

__all__ = ["load_data"]
