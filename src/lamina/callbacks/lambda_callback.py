"""LambdaCallback: a callback made of plain functions."""

from __future__ import annotations

from typing import Any, Callable

from .base import HOOKS, Callback


class LambdaCallback(Callback):
    """A callback made of plain functions, for one-off hooks.

    ``on_epoch_begin/on_epoch_end(epoch, logs)``, ``on_train_batch_begin/end(batch, logs)`` and
    ``on_train_begin/end(logs)`` as keywords, plus any other hook name (e.g. ``on_test_end``) through
    ``**kwargs``.

    Example:
        >>> print_loss = LambdaCallback(on_epoch_end=lambda epoch, logs: print(epoch, logs["loss"]))
    """

    def __init__(self, on_epoch_begin: Callable | None = None, on_epoch_end: Callable | None = None,
                 on_train_begin: Callable | None = None, on_train_end: Callable | None = None,
                 on_train_batch_begin: Callable | None = None, on_train_batch_end: Callable | None = None,
                 **kwargs: Callable) -> None:
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end, on_train_begin=on_train_begin,
                     on_train_end=on_train_end, on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        for hook, function in given.items():
            if hook not in HOOKS and hook not in ("on_batch_begin", "on_batch_end"):
                raise TypeError(f"LambdaCallback: unknown hook {hook!r}; expected one of {', '.join(HOOKS)}")
            if function is None:
                continue
            if not callable(function):
                raise TypeError(f"LambdaCallback: {hook} must be callable; received {function!r}")
            setattr(self, hook, function)
