"""``keras.datasets.mnist``."""

from ...datasets.keras_images import mnist_load_data as load_data

__all__ = ["load_data"]
