"""``lamina.data`` (``tf.data`` under ``import lamina as tf``): input pipelines for ``fit`` and Python loops.

- :class:`Dataset`: sources (``from_tensor_slices``, ``from_tensors``, ``from_generator``, ``range``, ``zip``)
  and transformations (``map``, ``filter``, ``batch``, ``unbatch``, ``shuffle``, ``repeat``, ``take``, ``skip``,
  ``cache``, ``prefetch``, ``concatenate``) with tf.data's semantics, on NumPy arrays.
- ``prefetch`` and ``map(num_parallel_calls=...)`` run on background threads, so the next batches are prepared
  while the model trains on the current one.
- :data:`AUTOTUNE`, :data:`INFINITE_CARDINALITY`, :data:`UNKNOWN_CARDINALITY`, :class:`TensorSpec` as tf.data;
  ``experimental`` holds the same names where older programs look for them.

Example:
    >>> import lamina as tf
    >>> x, y = np.zeros((100, 4), np.float32), np.arange(100) % 2
    >>> ds = tf.data.Dataset.from_tensor_slices((x, y)).shuffle(1000, seed=0).batch(32).prefetch(tf.data.AUTOTUNE)
    >>> [x_batch.shape for x_batch, y_batch in ds]
    [(32, 4), (32, 4), (32, 4), (4, 4)]
"""

from . import experimental
from .dataset import Dataset, DatasetIterator
from .structure import AUTOTUNE, INFINITE_CARDINALITY, UNKNOWN_CARDINALITY, TensorSpec

__all__ = ["AUTOTUNE", "Dataset", "DatasetIterator", "INFINITE_CARDINALITY", "TensorSpec", "UNKNOWN_CARDINALITY",
           "experimental"]
