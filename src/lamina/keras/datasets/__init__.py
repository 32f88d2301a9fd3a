"""``keras.datasets``: mnist, fashion_mnist, cifar10, imdb, reuters, boston_housing, each with Keras's
``load_data()`` (and ``get_word_index()`` / ``get_label_names()`` where Keras has them).

Re-exports of ``lamina.datasets.keras_images``, ``keras_text`` and ``keras_tabular``; files are found in Lamina's
data folders or Keras's cache (``~/.keras/datasets``), else downloaded there with the published checksums.
"""

from . import boston_housing, cifar10, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "cifar10", "fashion_mnist", "imdb", "mnist", "reuters"]
