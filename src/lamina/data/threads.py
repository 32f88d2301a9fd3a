"""The pipeline's background work: ``prefetch`` (one producer thread) and ``map(num_parallel_calls=...)`` (a pool).

While the training step runs in the main thread, these threads prepare the next elements: NumPy releases the GIL
in its heavy loops (and BLAS in its products), so the two overlap wherever either is inside NumPy.

Guarantees, the same for both iterators:

- Order: elements come out in input order (``map(deterministic=False)`` lets finished elements overtake).
- Errors: an exception raised by the producer or a mapped function is re-raised in the consumer, as the same
  exception object, so its traceback still shows the worker's frames (and a note says which stage raised it).
  Elements produced before the failing one are delivered first.
- Shutdown: ``close()``, or dropping the iterator (``__del__``), stops the workers and joins them, so no thread
  outlives a half-consumed iterator. The workers hold no reference to the iterator object itself, only to the
  shared state, which is what lets the iterator be garbage-collected while they run.
- Lifetime: a worker finishing its current element is the only wait; threads are daemons so that a producer
  stuck in user code (a generator that blocks forever) cannot keep the interpreter from exiting.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from itertools import islice
from typing import Any, Callable, Iterator

from .structure import AUTOTUNE

# A task of the parallel map should run long enough that handing it to a thread (a few tens of microseconds)
# is a small part of it: cheap per-element functions are grouped into tasks of several elements.
_TARGET_TASK_SECONDS = 2e-3
_MAX_ELEMENTS_PER_TASK = 128
# Prefetch depth chosen for AUTOTUNE: two batches ahead keeps the consumer fed through a slow batch without
# holding many batches in memory.
AUTOTUNE_PREFETCH = 2


def resolve_parallelism(value: int | None) -> int:
    """``num_parallel_calls`` as a thread count (AUTOTUNE: one per CPU core)."""
    if value == AUTOTUNE:
        return max(1, os.cpu_count() or 1)
    return int(value)


def _note(error: BaseException, text: str) -> None:
    if hasattr(error, "add_note"):  # Python 3.11+
        error.add_note(text)


def _close(iterator: Any) -> None:
    close = getattr(iterator, "close", None)
    if close is not None:
        close()


class _Channel:
    """A bounded queue between one producer and one consumer that the consumer can shut: a producer blocked on
    a full channel wakes up and learns it should stop."""

    def __init__(self, capacity: int) -> None:
        self.items: deque[tuple[str, Any]] = deque()
        self.capacity = capacity
        self.condition = threading.Condition()
        self.stopped = False

    def put(self, kind: str, value: Any) -> bool:
        with self.condition:
            while len(self.items) >= self.capacity and not self.stopped:
                self.condition.wait()
            if self.stopped:
                return False
            self.items.append((kind, value))
            self.condition.notify_all()
            return True

    def get(self) -> tuple[str, Any]:
        with self.condition:
            while not self.items:
                self.condition.wait()
            item = self.items.popleft()
            self.condition.notify_all()
            return item

    def stop(self) -> None:
        with self.condition:
            self.stopped = True
            self.items.clear()
            self.condition.notify_all()


def _produce(channel: _Channel, make_upstream: Callable[[], Iterator[Any]]) -> None:
    """The prefetch thread: pull from upstream until it ends, fails or the consumer stops the channel."""
    upstream = None
    try:
        upstream = make_upstream()
        for element in upstream:
            if not channel.put("element", element):
                return
        channel.put("end", None)
    except BaseException as error:  # noqa: BLE001 - every failure must reach the consumer
        _note(error, "(raised in the Dataset.prefetch worker thread, while producing the next element)")
        channel.put("error", error)
    finally:
        _close(upstream)


class PrefetchIterator:
    """Elements of ``make_upstream()`` computed up to ``buffer_size`` ahead by a background thread."""

    def __init__(self, make_upstream: Callable[[], Iterator[Any]], buffer_size: int) -> None:
        self._channel = _Channel(buffer_size)
        self._finished = False
        self._thread = threading.Thread(target=_produce, args=(self._channel, make_upstream),
                                        name="lamina-data-prefetch", daemon=True)
        self._thread.start()

    def __iter__(self) -> "PrefetchIterator":
        return self

    def __next__(self) -> Any:
        if self._finished:
            raise StopIteration
        kind, value = self._channel.get()
        if kind == "element":
            return value
        self.close()
        if kind == "end":
            raise StopIteration
        raise value

    def close(self) -> None:
        """Stop the producer and wait for it (it finishes the element it is computing, then exits)."""
        self._finished = True
        self._channel.stop()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter shutdown the threading module may be half torn down
            pass


def _apply_chunk(function: Callable[[Any], Any], chunk: list[Any]) -> tuple[list[Any], BaseException | None, float]:
    """Run ``function`` on each element of ``chunk`` in a pool thread: the outputs up to the first failure, that
    failure, and the seconds it took."""
    outputs = []
    start = time.perf_counter()
    try:
        for element in chunk:
            outputs.append(function(element))
    except BaseException as error:  # noqa: BLE001 - delivered to the consumer in order
        _note(error, f"(raised in the function given to Dataset.map, in worker thread "
                     f"{threading.current_thread().name})")
        return outputs, error, time.perf_counter() - start
    return outputs, None, time.perf_counter() - start


def _failed(error: BaseException) -> Future:
    future: Future = Future()
    future.set_result(([], error, 0.0))
    return future


class ParallelMapIterator:
    """``function`` applied to the elements of ``upstream`` by ``parallelism`` threads.

    The input is read in the consumer's thread, in order, and handed to the pool in tasks of one or more
    elements (grown until a task takes about ``_TARGET_TASK_SECONDS``); at most ``2 * parallelism`` tasks are in
    flight. Outputs come back in input order unless ``deterministic`` is False.
    """

    def __init__(self, upstream: Iterator[Any], function: Callable[[Any], Any], parallelism: int,
                 deterministic: bool) -> None:
        self._upstream = upstream
        self._function = function
        self._deterministic = deterministic
        self._window = 2 * parallelism
        self._elements_per_task = 1
        self._executor = ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="lamina-data-map")
        self._pending: deque[Future] = deque()
        self._ready: deque[Any] = deque()
        self._error: BaseException | None = None
        self._exhausted = False
        self._closed = False

    def __iter__(self) -> "ParallelMapIterator":
        return self

    def _submit(self) -> None:
        while not self._exhausted and len(self._pending) < self._window:
            try:
                chunk = list(islice(self._upstream, self._elements_per_task))
            except BaseException as error:  # noqa: BLE001 - after the elements already submitted
                self._pending.append(_failed(error))
                self._exhausted = True
                break
            if not chunk:
                self._exhausted = True
                break
            self._pending.append(self._executor.submit(_apply_chunk, self._function, chunk))

    def _next_done(self) -> Future:
        if self._deterministic:
            return self._pending.popleft()
        done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
        future = next(iter(done))
        self._pending.remove(future)
        return future

    def __next__(self) -> Any:
        while not self._ready:
            if self._error is not None or self._closed:
                error, self._error = self._error, None
                self.close()
                if error is not None:
                    raise error
                raise StopIteration
            self._submit()
            if not self._pending:
                self.close()
                raise StopIteration
            outputs, error, seconds = self._next_done().result()
            self._ready.extend(outputs)
            self._error = error
            if outputs and error is None:
                per_element = seconds / len(outputs)
                self._elements_per_task = max(1, min(_MAX_ELEMENTS_PER_TASK,
                                                     int(_TARGET_TASK_SECONDS / max(per_element, 1e-7))))
        return self._ready.popleft()

    def close(self) -> None:
        """Cancel the queued tasks, wait for the running ones, close the input."""
        if self._closed:
            return
        self._closed = True
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._pending.clear()
        _close(self._upstream)

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:  # noqa: BLE001 - at interpreter shutdown the threading module may be half torn down
            pass
