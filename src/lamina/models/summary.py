"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts, character for character.

Keras draws the table with the ``rich`` library; this module reproduces the text rich prints without colour:
- the line is ``min(88, terminal columns - 4)`` wide (76 when the output is not a terminal);
- Keras asks for columns at 45% / 80% / 100% of the line; the cells' padding and the borders do not fit in that,
  so rich takes the 10 extra characters back from the columns, evenly ("ratio reduce": 3, 4, 3);
- a cell wraps at spaces (``batch_norm_1`` / ``(BatchNormalization)``), words longer than the column are cut;
- sizes are parameters x bytes per parameter, shown in B / KB / MB ... (steps of 1024) with two decimals.
"""

from __future__ import annotations

import shutil
from typing import Any, Callable, Sequence

_DEFAULT_LINE_LENGTH = 88
_POSITIONS = (0.45, 0.80, 1.0)
_HEADER = ("Layer (type)", "Output Shape", "Param #")
_RIGHT_ALIGNED = (False, False, True)


def readable_size(num_bytes: float) -> str:
    """'36.00 B', '49.00 KB', ... (Keras's units, 1024 apart)."""
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if num_bytes < 1024:
            return f"{num_bytes:.2f} {unit}"
        num_bytes /= 1024
    return f"{num_bytes:.2f} PB"


def _ratio_reduce(total: int, widths: list[int]) -> list[int]:
    """Take ``total`` characters away from the columns in equal shares (rich's ``ratio_reduce``)."""
    remaining_ratio, remaining = len(widths), total
    result = []
    for width in widths:
        taken = min(width, round(remaining / remaining_ratio))
        result.append(width - taken)
        remaining -= taken
        remaining_ratio -= 1
    return result


def column_widths(line_length: int) -> list[int]:
    """Text widths of the three columns for a table ``line_length`` characters wide."""
    requested, current = [], 0
    for position in _POSITIONS:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError(f"summary: line_length={line_length} is too narrow to print the table")
        requested.append(width)
        current += width
    cells = [w + 2 for w in requested]          # one space of padding on each side
    available = line_length - (len(cells) + 1)  # minus the vertical borders
    if sum(cells) > available:
        cells = _ratio_reduce(sum(cells) - available, cells)
    return [max(c - 2, 1) for c in cells]


def _wrap(text: str, width: int) -> list[str]:
    """Greedy word wrap at spaces; a word longer than the column is cut into pieces."""
    lines: list[str] = []
    current = ""
    for word in text.split(" "):
        while len(word) > width:
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:width])
            word = word[width:]
        if not current:
            current = word
        elif len(current) + 1 + len(word) <= width:
            current += " " + word
        else:
            lines.append(current)
            current = word
    lines.append(current)
    return lines


def _border(left: str, fill: str, middle: str, right: str, widths: Sequence[int]) -> str:
    return left + middle.join(fill * (w + 2) for w in widths) + right


def _row(cells: Sequence[str], widths: Sequence[int], edge: str) -> list[str]:
    wrapped = [_wrap(cell, w) for cell, w in zip(cells, widths)]
    height = max(len(lines) for lines in wrapped)
    out = []
    for i in range(height):
        parts = []
        for lines, width, right in zip(wrapped, widths, _RIGHT_ALIGNED):
            text = lines[i] if i < len(lines) else ""
            parts.append(" " + (text.rjust(width) if right else text.ljust(width)) + " ")
        out.append(edge + edge.join(parts) + edge)
    return out


def format_shape(shape: Sequence[Any] | None) -> str:
    """'(None, 128)'; '?' for a layer that has not been built."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _param_counts(weights: Sequence[Any]) -> tuple[int, int]:
    """(number of parameters, bytes) of distinct weights."""
    unique = {id(w): w for w in weights}.values()
    return sum(w.size for w in unique), sum(w.size * w.dtype.itemsize for w in unique)


def summary_text(model: Any, line_length: int | None = None) -> str:
    """The summary as one string, every line ending in a newline."""
    if line_length is None:
        line_length = min(_DEFAULT_LINE_LENGTH, shutil.get_terminal_size().columns - 4)
    widths = column_widths(line_length)
    lines = [f'Model: "{model.name}"',
             _border("┏", "━", "┳", "┓", widths),
             *_row(_HEADER, widths, "┃"),
             _border("┡", "━", "╇", "┩", widths)]
    for i, layer in enumerate(model.layers):
        if i:
            lines.append(_border("├", "─", "┼", "┤", widths))
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        shape = format_shape(layer.output_shape if layer.built else None)
        lines.extend(_row((f"{layer.name} ({type(layer).__name__})", shape, params), widths, "│"))
    lines.append(_border("└", "─", "┴", "┘", widths))
    trainable, trainable_bytes = _param_counts(model.trainable_weights)
    frozen, frozen_bytes = _param_counts(model.non_trainable_weights)
    lines += [f" Total params: {trainable + frozen:,} ({readable_size(trainable_bytes + frozen_bytes)})",
              f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})",
              f" Non-trainable params: {frozen:,} ({readable_size(frozen_bytes)})"]
    return "\n".join(lines) + "\n"


def print_summary(model: Any, line_length: int | None = None,
                  print_fn: Callable[[str], Any] | None = None) -> None:
    """Print the summary (or hand the whole text to ``print_fn`` in one call, as Keras 3 does)."""
    text = summary_text(model, line_length)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)
