"""The Keras-style progress bar: ``4/4 ━━━━━━━━━━━━━━━━━━━━ 0s 23ms/step - accuracy: 0.6100 - loss: 0.6458``.

Two display modes, chosen once when the bar is made:

- *live* (the output is a terminal): one line, rewritten in place with ``\\r`` at most every ``interval``
  seconds; the done part of the bar is green and the rest grey, as in Keras 3; while running, the time field
  is the ETA, and at the end the elapsed seconds;
- *plain* (a file, a pipe, a captured stream or a notebook): nothing until the end, then one clean line
  without control characters, so logs and notebooks are not flooded with partial bars.

``verbose=2`` prints only the final line, in the compact form ``4/4 - 0s - 14ms/step - loss: 0.6458``.
"""

from __future__ import annotations

import math
import os
import sys
import time
from typing import IO, Any, Iterable

BAR_GLYPH = "\u2501"         # '━', used by Keras 3 for both parts of the bar
PLAIN_REST_GLYPH = "\u2500"  # '─', the not-yet-done part when colours are off (NO_COLOR)
_GREEN, _GREY, _BOLD, _RESET = "\x1b[32m", "\x1b[37m", "\x1b[1m", "\x1b[0m"


def format_value(value: Any) -> str:
    """A metric value as Keras shows it: ``.4f``, or ``.4e`` when ``|v| <= 1e-3`` (so 0 is ``0.0000e+00``)."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{number:.4e}" if abs(number) <= 1e-3 else f"{number:.4f}"


def format_step_time(seconds: float, unit_name: str = "step") -> str:
    """Time per step in whole s, ms or us, as Keras does: ``0s/step``, ``23ms/step``, ``850us/step``."""
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/{unit_name}"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/{unit_name}"
    return f"{seconds * 1e6:.0f}us/{unit_name}"


def _format_eta(seconds: float) -> str:
    if seconds > 3600:
        return f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{int(seconds % 60):02d}"
    if seconds > 60:
        return f"{int(seconds // 60)}:{int(seconds % 60):02d}"
    return f"{int(seconds)}s"


def _in_notebook() -> bool:
    # A Jupyter kernel's stdout is not a terminal but does honour '\r'; the brief for Lamina is one clean line
    # per epoch there, which also keeps saved notebooks small.
    return "ipykernel" in sys.modules


class Progbar:
    """A progress bar over ``target`` steps.

    Args:
        target: the number of steps, or None when unknown (then the count is shown as ``n/Unknown``).
        width: characters in the bar (Keras: 20).
        verbose: 1 for the bar, 2 for one compact line at the end, 0 for nothing.
        interval: the least time in seconds between two redraws of a live bar.
        unit_name: the unit of the per-step time (``step``).
        stream: where to write; ``sys.stdout`` at the time of each write when None (so redirection works).
        live: force the live (True) or plain (False) mode; by default live only on a terminal outside notebooks.

    Example:
        >>> bar = Progbar(4)
        >>> for step in range(1, 5):
        ...     bar.update(step, [("loss", 0.5)])
        4/4 ━━━━━━━━━━━━━━━━━━━━ 0s ...s/step - loss: 0.5000
    """

    def __init__(self, target: int | None, width: int = 20, verbose: int = 1, interval: float = 0.05,
                 unit_name: str = "step", stream: IO[str] | None = None, live: bool | None = None) -> None:
        if target is not None and target < 0:
            raise ValueError(f"Progbar: target must be >= 0 or None; received {target}")
        self.target = target
        self.width = width
        self.verbose = verbose
        self.interval = interval
        self.unit_name = unit_name
        self._stream = stream
        if live is None:
            out = self.stream
            live = bool(getattr(out, "isatty", lambda: False)()) and not _in_notebook()
        self.live = live
        self.colors = live and "NO_COLOR" not in os.environ
        self._values: dict[str, Any] = {}
        self._start = time.perf_counter()
        self._last_update = 0.0
        self._time_after_first_step: float | None = None
        self._prev_width = 0
        self._seen = 0
        self.finished = False

    @property
    def stream(self) -> IO[str]:
        return self._stream if self._stream is not None else sys.stdout

    def update(self, current: int, values: Iterable[tuple[str, Any]] | None = None,
               finalize: bool | None = None) -> None:
        """Record that ``current`` steps are done, with the latest values of the metrics (already averaged).

        The bar is finished (final line written) when ``finalize`` is True, or, when it is None, once
        ``current`` reaches the target.
        """
        if finalize is None:
            finalize = self.target is not None and current >= self.target
        for key, value in values or ():
            self._values[key] = value
        now = time.perf_counter()
        step_time = self._step_time(current, now)
        self._seen = current
        if self.verbose == 1:
            if finalize or (self.live and now - self._last_update >= self.interval):
                self._draw(current, now, step_time, finalize)
                self._last_update = now
        elif self.verbose == 2 and finalize:
            self._write(self._compact_line(current, now, step_time) + "\n")
        if finalize:
            self.finished = True

    def abandon(self) -> None:
        """End a live line that will never be finished (training stopped mid-epoch), so later text starts on a
        fresh line. Nothing to do in plain mode, where an unfinished bar has printed nothing."""
        if self.live and self.verbose == 1 and self._prev_width and not self.finished:
            self._write("\n")
        self.finished = True

    # ----- formatting ---------------------------------------------------------------------------------------
    def _step_time(self, current: int, now: float) -> float:
        """Seconds per step, leaving out the first step (which pays for warm-up) once there are others."""
        if not current:
            return 0.0
        if self._time_after_first_step is not None and current > 1:
            per_step = (now - self._time_after_first_step) / (current - 1)
        else:
            per_step = (now - self._start) / current
        if current == 1 and self._time_after_first_step is None:
            self._time_after_first_step = now
        return per_step

    def _count(self, current: int) -> str:
        if self.target is None:
            return f"{current:7d}/Unknown"
        digits = int(math.log10(self.target)) + 1 if self.target > 0 else 1
        return f"{current:{digits}d}/{self.target}"

    def _bar(self, current: int) -> str:
        if self.target is None:
            return ""
        done = int(self.width * current / self.target) if self.target else self.width
        done = min(done, self.width)
        rest = self.width - done
        if self.colors:
            return f"{_GREEN}{BAR_GLYPH * done}{_RESET}{_GREY}{BAR_GLYPH * rest}{_RESET}"
        return BAR_GLYPH * done + PLAIN_REST_GLYPH * rest

    def _metrics(self) -> str:
        return "".join(f" - {key}: {format_value(value)}" for key, value in self._values.items())

    def _draw(self, current: int, now: float, step_time: float, finalize: bool) -> None:
        count = self._count(current)
        bar = self._bar(current)
        if self.target is not None and not finalize:
            clock = _format_eta(step_time * (self.target - current))
        else:
            clock = f"{now - self._start:.0f}s"
        if self.colors:
            count, clock = f"{_BOLD}{count}{_RESET}", f"{_BOLD}{clock}{_RESET}"
        head = f"{count} {bar}" if bar else count
        line = f"{head} {clock} {format_step_time(step_time, self.unit_name)}{self._metrics()}"
        if not self.live:
            self._write(line + "\n")
            return
        visible = len(_strip_ansi(line))
        padding = " " * max(self._prev_width - visible, 0)
        self._prev_width = visible
        self._write("\r" + line + padding + ("\n" if finalize else ""))

    def _compact_line(self, current: int, now: float, step_time: float) -> str:
        return (f"{self._count(current)} - {now - self._start:.0f}s - "
                f"{format_step_time(step_time, self.unit_name)}{self._metrics()}")

    def _write(self, text: str) -> None:
        out = self.stream
        out.write(text)
        out.flush()


def _strip_ansi(text: str) -> str:
    for code in (_GREEN, _GREY, _BOLD, _RESET):
        text = text.replace(code, "")
    return text
