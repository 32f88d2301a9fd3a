"""``keras.datasets.fashion_mnist``."""

from ...datasets.keras_images import fashion_mnist_load_data as load_data

__all__ = ["load_data"]
