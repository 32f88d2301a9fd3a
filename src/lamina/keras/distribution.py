"""``keras.distribution``: Lamina's data parallelism over MPI processes (``lamina.distribution``)."""

from ..distribution import (DataParallel, distribution, get_device_count, initialize, list_devices, rank,
                            set_distribution, size)

__all__ = ["DataParallel", "distribution", "get_device_count", "initialize", "list_devices", "rank",
           "set_distribution", "size"]
