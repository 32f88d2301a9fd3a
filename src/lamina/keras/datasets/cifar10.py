"""``keras.datasets.cifar10``."""

from ...datasets.keras_images import cifar10_load_data as load_data

__all__ = ["load_data"]
