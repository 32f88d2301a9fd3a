"""The current distribution (one per program, as in Keras) and the replica the training loop asks."""

from __future__ import annotations

from typing import Any

from .replica import LOCAL, Replica

_current: Any = None


def set_distribution(value: Any) -> None:
    """Make ``value`` (a ``DataParallel``, or None for one process) the distribution ``fit`` and ``evaluate``
    use from now on. Call it before building the model, as in Keras (Lamina also accepts it later: the
    weights are broadcast from rank 0 at the start of every ``fit`` and ``evaluate``).

    Example:
        >>> from lamina import distribution
        >>> distribution.set_distribution(distribution.DataParallel())
        >>> distribution.size()   # 1 unless started by mpiexec
        1
        >>> distribution.set_distribution(None)   # back to one process, without MPI
    """
    global _current
    if value is not None and not isinstance(getattr(value, "replica", None), Replica):
        raise TypeError(f"set_distribution expects a lamina.distribution.DataParallel or None; received "
                        f"{type(value).__name__}: {value!r}")
    _current = value


def distribution() -> Any:
    """The current distribution, or None (one process: the default)."""
    return _current


def current_replica() -> Replica:
    """What the training loop asks (``replica.Replica``): the current distribution's, else one process's."""
    return LOCAL if _current is None else _current.replica


def rank() -> int:
    """This process's index in the data-parallel job (0 without a distribution, or under one process)."""
    return current_replica().rank


def size() -> int:
    """The number of processes training together (1 without a distribution)."""
    return current_replica().size
