"""What fit / evaluate / predict iterate: ``(x, y, sample_weight)`` batches from any input Keras accepts.

Inputs:

- arrays (x, y, sample_weight): checked once (``data_adapter.prepare``), then sliced into batches of
  ``batch_size``, in a new permutation every epoch drawn from the model's generator. Nothing per batch beyond
  the slicing: this is the benchmarked path, and its numbers do not depend on this module.
- a ``lamina.data.Dataset`` of batches: elements ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``; the
  dataset sets the batch size (``batch_size`` must be None) and its own order (``shuffle`` is ignored).
- a Python generator (any iterator) yielding such batches: read once, never restarted.
- a ``keras.utils.PyDataset`` (``__len__`` and ``__getitem__`` giving batches): its batches in a new order every
  epoch when ``shuffle``, fetched ahead by ``workers`` threads when it asks for more than one.
- a ``torch.utils.data.DataLoader`` (as Keras 3 takes on every backend): a new pass over it every epoch, its
  tensors converted to arrays; torch itself is never imported by Lamina.

With a stream, ``batch_size`` is ignored with a warning (Keras ignores it silently): the stream makes the batches.

Steps, as Keras 3 counts them: without ``steps_per_epoch`` an epoch is one full pass (a new iteration of a
Dataset or PyDataset); with it, an epoch is that many batches taken from one iterator that continues across
epochs, started again only when it runs out (with Keras's "ran out of data" warning). An infinite Dataset needs
``steps_per_epoch``. A generator cannot be restarted: the epoch after it runs out gets no batch, which warns and
ends training.

Batches from a stream are converted and checked as arrays are (float32 features, finite values, equal lengths)
with the batch's number in any error.
"""

from __future__ import annotations

import itertools
import warnings
from typing import Any, Callable, Iterator

import numpy as np

from ..utils import nest
from . import data_adapter as da
from . import label_checks

Batch = tuple[np.ndarray, "np.ndarray | None", "np.ndarray | None"]

RAN_OUT_WARNING = ("Your input ran out of data; interrupting training. Make sure that your dataset or generator "
                   "can generate at least `steps_per_epoch * epochs` batches. You may need to use the `.repeat()` "
                   "function when building your dataset.")


def _dataset_class() -> type:
    from ..data import Dataset  # lazily: lamina.data is only loaded by programs that use it
    return Dataset


def _py_dataset_class() -> type:
    from ..data.py_dataset import PyDataset
    return PyDataset


def input_kind(x: Any) -> str:
    """'dataset', 'py_dataset', 'generator' or 'arrays' (everything else, converted by ``prepare``)."""
    # Only classes of lamina.data (or user subclasses of them) can be Datasets or PyDatasets: checking the
    # modules first keeps lamina.data unimported for programs that never use it.
    if any((getattr(cls, "__module__", "") or "").startswith("lamina.data") for cls in type(x).__mro__):
        if isinstance(x, _dataset_class()):
            return "dataset"
        if isinstance(x, _py_dataset_class()):
            return "py_dataset"
    if hasattr(x, "__next__") and not hasattr(x, "shape"):
        return "generator"
    if _is_torch_dataloader(x):
        return "torch_dataloader"
    return "arrays"


def _is_torch_dataloader(x: Any) -> bool:
    """A ``torch.utils.data.DataLoader`` (Keras 3 takes them on every backend); torch is never imported here."""
    if not any((getattr(cls, "__module__", "") or "").startswith("torch.utils.data") for cls in type(x).__mro__):
        return False
    import sys
    data = getattr(sys.modules.get("torch"), "utils", None)
    return data is not None and isinstance(x, data.data.DataLoader)


def is_stream(x: Any) -> bool:
    return input_kind(x) != "arrays"


class Feed:
    """The batches of one input: ``epoch(rng)`` yields ``(x, y, sample_weight)`` for one epoch.

    Attributes:
        steps: batches per epoch when known (``steps_per_epoch``, else the input's length), else None.
    """

    def __init__(self, start: Callable[[Any], Iterator[Any]], steps: int | None, *, persistent: bool = False,
                 one_shot: bool = False, convert: Callable[[Any, int], Batch] | None = None,
                 on_epoch_begin: Callable[[], Any] | None = None,
                 on_epoch_end: Callable[[], Any] | None = None, limited: bool = False,
                 samples: int | None = None, batch_size: int | None = None,
                 sample_shape: tuple = (None,)) -> None:
        self._start = start
        self.steps = steps
        # For arrays: how many samples in batches of what size, and one sample's shape (what a data-parallel run
        # checks every process agrees on); unknown for streams.
        self.samples, self.batch_size, self.sample_shape = samples, batch_size, sample_shape
        self._limited = limited  # steps is a requested number (steps_per_epoch / steps), not the input's length
        self._persistent = persistent
        self._one_shot = one_shot
        self._convert = convert
        self._on_epoch_begin, self._on_epoch_end = on_epoch_begin, on_epoch_end
        self._iterator: Iterator[Any] | None = None
        self._completed = False

    def epoch(self, rng: np.random.Generator | None = None) -> Iterator[Batch]:
        """One epoch's batches; ``rng`` orders the samples (arrays) or batches (PyDataset) when shuffling."""
        self._completed = False
        if self._on_epoch_begin is not None:
            self._on_epoch_begin()
        iterator = self._iterator if self._iterator is not None else self._start(rng)
        self._iterator = iterator if self._persistent else None
        done = 0
        try:
            while self.steps is None or done < self.steps:
                try:
                    batch = next(iterator)
                except StopIteration:
                    self._iterator = None
                    if self._limited or done == 0:
                        warnings.warn(RAN_OUT_WARNING, stacklevel=2)
                    break
                yield batch if self._convert is None else self._convert(batch, done)
                done += 1
            self._completed = done > 0
        except BaseException:
            # The loop stopped reading (stop_training, an error in the step or in the input): no later epoch will
            # continue this iterator, so stop its threads now, not when the traceback holding the Feed is cleared.
            if not self._one_shot:
                self.close()
            raise
        finally:
            if not self._persistent and not self._one_shot:
                _close(iterator)
            if self._on_epoch_end is not None:
                self._on_epoch_end()

    def sizes(self, name: str) -> dict[str, tuple[int, int]]:
        """``{name: (samples, batch size)}`` for arrays, else empty."""
        return {} if self.samples is None else {name: (self.samples, self.batch_size)}

    def interrupted(self, done: int) -> bool:
        """Whether the epoch that yielded ``done`` batches ended early: stopped (``stop_training``) before its
        last batch, or no batch came at all. Such an epoch is not reported."""
        if done == 0:
            return True
        return not self._completed and (self.steps is None or done < self.steps)

    def close(self) -> None:
        """Stop a persistent iterator (and its threads) now rather than when the Feed is collected."""
        if self._iterator is not None:
            _close(self._iterator)
            self._iterator = None


def _close(iterator: Any) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


# ----- the arrays path ----------------------------------------------------------------------------------------
def array_feed(x: Any, y: Any, sample_weight: np.ndarray | None, batch_size: int, shuffle: bool = False,
               steps: int | None = None, persistent: bool = False) -> Feed:
    """Prepared arrays (or structures of arrays, for several inputs / outputs) in batches: a new permutation at
    every pass when ``shuffle`` (drawn from the ``rng`` given to ``epoch``, at the start of the pass, exactly as
    the training loop always has)."""
    n = da.num_samples(x)

    def start(rng: np.random.Generator | None) -> Iterator[Batch]:
        order = rng.permutation(n) if shuffle else None
        for index in da.batches(n, batch_size, order):
            yield da.take(x, index), da.take(y, index), da.take(sample_weight, index)

    passes = da.num_steps(n, batch_size)
    first = nest.flatten(x)[0] if nest.is_nested(x) else x
    return Feed(start, passes if steps is None else steps, persistent=persistent, limited=steps is not None,
                samples=n, batch_size=batch_size, sample_shape=tuple(np.shape(first)))


def fit_feeds(model: Any, x: Any, y: Any, sample_weight: Any, *, batch_size: int | None, shuffle: bool,
              class_weight: dict | None, validation_split: float, validation_data: Any,
              validation_batch_size: int | None, steps_per_epoch: int | None,
              validation_steps: int | None) -> tuple[Feed, Feed | None]:
    """The training feed and the validation feed (or None) of ``fit``; arrays are checked against ``model``
    (its input shape, and every label against its output and loss: ``label_checks``) before anything runs."""
    steps_per_epoch = _check_steps(steps_per_epoch, "steps_per_epoch")
    validation_steps = _check_steps(validation_steps, "validation_steps")
    if is_stream(x):
        if validation_split:
            raise ValueError(f"validation_split is only supported for arrays; x is a {_kind_name(x)}. Pass "
                             f"validation_data (e.g. another Dataset) instead")
        train = stream_feed(x, y, sample_weight, batch_size=batch_size, steps=steps_per_epoch, shuffle=shuffle,
                            class_weight=class_weight, training=True, argument="x", need_y=model._needs_targets())
        validation_batch_size = None
    else:
        batch_size = da.check_batch_size(batch_size)
        x, y, sample_weight = da.prepare(x, y, sample_weight, need_y=model._needs_targets(),
                                         input_shape=model.input_shape)
        if class_weight is not None:
            class_weights = da.class_weight_to_sample_weight(y, class_weight)
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        label_checks.check_labels(model, x, y)
        if validation_data is None and validation_split > 0:
            (x, y, sample_weight), validation_data = da.split_validation((x, y, sample_weight), validation_split)
            validation_data = _Prepared(validation_data)
        train = array_feed(x, y, sample_weight, batch_size, shuffle, steps_per_epoch,
                           persistent=steps_per_epoch is not None)
        validation_batch_size = validation_batch_size or batch_size
    validation = None
    if validation_data is not None:
        validation = evaluation_feed(model, validation_data, batch_size=validation_batch_size,
                                     steps=validation_steps, argument="validation_data")
    return train, validation


class _Prepared(tuple):
    """Validation arrays already converted and checked (the end of the training arrays)."""


def evaluation_feed(model: Any, data: Any, y: Any = None, sample_weight: Any = None, *, batch_size: int | None,
                    steps: int | None, argument: str = "x", need_y: bool = True) -> Feed:
    """Batches for ``evaluate`` (``need_y``) or ``predict``: in order, a fresh pass each call, at most ``steps``."""
    steps = _check_steps(steps, "steps")
    need_y = need_y and model._needs_targets()
    if argument == "validation_data" and not is_stream(data):
        if isinstance(data, _Prepared):
            arrays = tuple(data)
        else:
            arrays = da.prepare(*da.unpack_validation_data(data), prefix="validation_data ", need_y=need_y,
                                input_shape=model.input_shape)
            label_checks.check_labels(model, arrays[0], arrays[1], prefix="validation_data ")
        return array_feed(*arrays, batch_size=da.check_batch_size(batch_size), steps=steps)
    if is_stream(data):
        if argument == "validation_data":
            batch_size = None  # the training batch size, passed down; a stream of batches has its own
        return stream_feed(data, y, sample_weight, batch_size=batch_size, steps=steps, shuffle=False,
                           class_weight=None, training=False, argument=argument, need_y=need_y)
    batch_size = da.check_batch_size(batch_size)
    x, y, sample_weight = da.prepare(data, y, sample_weight, need_y=need_y, input_shape=model.input_shape)
    if need_y:
        label_checks.check_labels(model, x, y)
    return array_feed(x, y, sample_weight, batch_size, steps=steps)


# ----- streams: Dataset, generator, PyDataset -----------------------------------------------------------------
def stream_feed(x: Any, y: Any, sample_weight: Any, *, batch_size: int | None, steps: int | None, shuffle: bool,
                class_weight: dict | None, training: bool, argument: str, need_y: bool = True) -> Feed:
    kind = input_kind(x)
    name = _kind_name(x)
    for value, what in ((y, "y"), (sample_weight, "sample_weight")):
        if value is not None:
            raise ValueError(f"When providing {argument} as a {name}, `{what}` should not be passed: the {name}'s "
                             f"elements hold it, as (x, y) or (x, y, sample_weight)")
    if batch_size is not None:
        # Keras ignores it silently (the guides pass batch_size=64 with a PyDataset); say so instead.
        warnings.warn(f"batch_size={batch_size!r} is ignored: {argument} is a {name}, which makes its own batches "
                      f"(e.g. by Dataset.batch)", stacklevel=4)
    convert = _batch_converter(name, class_weight, need_y)
    if kind == "dataset":
        count = int(x.cardinality())
        if count == -1 and steps is None:
            raise ValueError(f"{argument} is an infinite Dataset (repeat() without a count): give "
                             f"{'steps_per_epoch' if training else 'steps'} to say how many batches make an epoch")
        known = count if count >= 0 else None
        return Feed(lambda rng: iter(x), steps if steps is not None else known, persistent=training and
                    steps is not None, convert=convert, limited=steps is not None)
    if kind == "py_dataset":
        return _py_dataset_feed(x, steps, shuffle, training, convert)
    if kind == "torch_dataloader":
        # A new pass every epoch (the loader shuffles if it was made to); its tensors become arrays in `convert`.
        return Feed(lambda rng: iter(x), steps if steps is not None else _safe_len(x), persistent=training and
                    steps is not None, convert=convert, limited=steps is not None)
    return Feed(lambda rng: x, steps, persistent=True, one_shot=True, convert=convert, limited=steps is not None)


def _py_dataset_feed(dataset: Any, steps: int | None, shuffle: bool, training: bool,
                     convert: Callable[[Any, int], Batch]) -> Feed:
    num_batches = dataset.num_batches
    if num_batches is None and steps is None:
        raise ValueError("this PyDataset is infinite (num_batches is None): give steps_per_epoch (or steps)")
    workers = int(dataset.workers or 1)

    def start(rng: np.random.Generator | None) -> Iterator[Any]:
        if num_batches is None:
            order: Iterator[int] = itertools.count()
        elif shuffle and training and rng is not None:
            order = iter(rng.permutation(num_batches).tolist())
        else:
            order = iter(range(num_batches))
        if workers > 1:
            from ..data.threads import ParallelMapIterator
            return ParallelMapIterator(order, dataset.__getitem__, workers, deterministic=True)
        return (dataset[index] for index in order)

    return Feed(start, steps if steps is not None else num_batches, persistent=training and steps is not None,
                convert=convert, on_epoch_begin=dataset.on_epoch_begin, on_epoch_end=dataset.on_epoch_end,
                limited=steps is not None)


def _batch_converter(name: str, class_weight: dict | None, need_y: bool) -> Callable[[Any, int], Batch]:
    def convert(batch: Any, step: int) -> Batch:
        x, y, sample_weight = unpack_batch(batch, name)
        prefix = f"{name} batch {step}: "
        if need_y and y is None:
            raise ValueError(f"{prefix}the batch holds no targets; fit and evaluate need (x, y) or "
                             f"(x, y, sample_weight) batches")
        x, y, sample_weight = da.prepare(inputs_from_structure(x, prefix), y if need_y else None,
                                         sample_weight if need_y else None, need_y=need_y, prefix=prefix)
        if class_weight is not None:
            class_weights = da.class_weight_to_sample_weight(y, class_weight)
            sample_weight = class_weights if sample_weight is None else sample_weight * class_weights
        return x, y, sample_weight

    return convert


def unpack_batch(batch: Any, name: str) -> tuple[Any, Any, Any]:
    """Keras's ``unpack_x_y_sample_weight``: ``(x,)``, ``(x, y)``, ``(x, y, sample_weight)`` or ``x`` alone."""
    if isinstance(batch, list):
        batch = tuple(batch)
    if not isinstance(batch, tuple):
        return batch, None, None
    if 1 <= len(batch) <= 3:
        return (*batch, *(None,) * (3 - len(batch)))
    raise ValueError(f"a {name} must yield x, (x,), (x, y) or (x, y, sample_weight); received a tuple of "
                     f"{len(batch)} items")


def inputs_from_structure(x: Any, prefix: str) -> Any:
    """The model's input from a batch's x: an array, or (several inputs) a tuple in input order or a dict keyed
    by input name, which the model maps onto its inputs (``Model._input_list``)."""
    return list(x) if isinstance(x, tuple) else x


def _kind_name(x: Any) -> str:
    return {"dataset": "Dataset", "py_dataset": "PyDataset", "generator": "generator",
            "torch_dataloader": "torch DataLoader"}.get(input_kind(x), type(x).__name__)


def _safe_len(x: Any) -> int | None:
    """len(x), or None for an input without one (an iterable-style torch dataset)."""
    try:
        return len(x)
    except TypeError:
        return None


def _check_steps(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be a positive integer or None; received {value!r}")
    return int(value)


def check_validation_freq(value: Any) -> Any:
    """Keras's ``validation_freq``: an int n (validate every n-th epoch) or a list of 1-based epoch numbers."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 1:
        return int(value)
    if isinstance(value, (list, tuple, range)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value):
        return {int(v) for v in value}
    raise ValueError(f"validation_freq must be a positive integer or a list of epoch numbers (1-based); "
                     f"received {value!r}")


def should_validate(epoch: int, validation_freq: Any) -> bool:
    """Whether to validate after ``epoch`` (0-based), as Keras decides: ``(epoch + 1) % freq == 0`` or
    ``epoch + 1 in freq``."""
    if isinstance(validation_freq, int):
        return (epoch + 1) % validation_freq == 0
    return epoch + 1 in validation_freq
