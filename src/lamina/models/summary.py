"""``model.summary()``: Keras 3's table of layers, output shapes and parameter counts, character for character.

Keras draws the table with the ``rich`` library; this module reproduces the text rich prints without colour.

Which table (``keras/src/utils/summary_utils.py``):
- Sequential models, subclassed models, and functional models whose graph is a chain (one node per depth, each
  with one input, no shared layer) get three columns, "Layer (type)", "Output Shape", "Param #", at 45% / 80% /
  100% of a line ``min(88, terminal columns - 4)`` wide (76 when the output is not a terminal).
- Other functional models add "Connected to" (``layer[node][tensor]`` for each input tensor, "-" for an Input),
  at 30% / 56% / 74% / 100% of ``min(108, columns - 4)``. Their rows are every operation of the graph in Keras's
  order (``graph_order.py``): Inputs and tensor operations such as ``add (Add)`` included.
- ``show_trainable`` adds a centred "Trainable" column (Y / N, "-" without weights), 12 characters more;
  ``expand_nested`` lists a nested model's layers under it, prefixed ``   └ `` per level.

How rich lays it out:
- the cells' padding and the borders do not fit in the asked widths, so rich takes the excess back from the
  columns, evenly ("ratio reduce");
- a cell wraps at spaces; a word longer than its column ends with "…"; numbers are right-aligned;
- lines longer than the console (the terminal's columns) are cut at its edge;
- sizes are parameters x bytes per parameter, shown in B / KB / MB ... (steps of 1024) with two decimals.
"""

from __future__ import annotations

import re
import shutil
from typing import Any, Callable, Sequence

from .graph_order import GraphLayout

_CHAIN = (88, (0.45, 0.80, 1.0), ("Layer (type)", "Output Shape", "Param #"), ("left", "left", "right"))
_GRAPH = (108, (0.3, 0.56, 0.74, 1.0), ("Layer (type)", "Output Shape", "Param #", "Connected to"),
          ("left", "left", "right", "left"))
_WORD = re.compile(r"\s*\S+\s*")


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


def column_widths(line_length: int, positions: Sequence[float] = _CHAIN[1]) -> list[int]:
    """Text widths of the columns of a table ``line_length`` characters wide, asked at ``positions``."""
    requested, current = [], 0
    for position in positions:
        width = int(position * line_length) - current
        if width < 4:
            raise ValueError(f"summary: line_length={line_length} is too narrow to print the table "
                             f"(Keras: Insufficient console width to print summary.)")
        requested.append(width)
        current += width
    cells = [w + 2 for w in requested]          # one space of padding on each side
    available = line_length - (len(cells) + 1)  # minus the vertical borders
    if sum(cells) > available:
        cells = _ratio_reduce(sum(cells) - available, cells)
    return [max(c - 2, 1) for c in cells]


def _truncate(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 1] + "…"


def _wrap(text: str, width: int, justify: str = "left") -> list[str]:
    """The lines rich makes of ``text`` in a column ``width`` wide: breaks before words that do not fit, a word
    longer than the column on a line of its own ending in "…", each line padded to the width."""
    lines = []
    for paragraph in text.split("\n"):
        breaks, offset = [], 0
        for match in _WORD.finditer(paragraph):
            start, word = match.start(), match.group()
            length = len(word.rstrip())
            if width - offset >= length:
                offset += len(word)
                continue
            if length > width or offset:
                if start:
                    breaks.append(start)
                offset = len(word)
        pieces = [paragraph[a:b] for a, b in zip([0] + breaks, breaks + [len(paragraph)])]
        for piece in pieces:
            excess = len(piece) - width
            if excess > 0:  # trailing spaces beyond the edge go first
                trailing = len(piece) - len(piece.rstrip())
                piece = piece[:len(piece) - min(trailing, excess)]
            if justify != "left":
                piece = piece.rstrip()
            piece = _truncate(piece, width)
            if justify == "right":
                piece = piece.rjust(width)
            elif justify == "center":
                piece = (" " * ((width - len(piece)) // 2) + piece).ljust(width)
            else:
                piece = piece.ljust(width)
            lines.append(piece)
    return lines


def _border(left: str, fill: str, middle: str, right: str, widths: Sequence[int]) -> str:
    return left + middle.join(fill * (w + 2) for w in widths) + right


def _row(cells: Sequence[str], widths: Sequence[int], justify: Sequence[str], edge: str,
         bottom: bool = False) -> list[str]:
    """The lines of one table row; short cells are padded below (or above, for the header: rich aligns header
    cells to the bottom)."""
    wrapped = [_wrap(cell, w, how) for cell, w, how in zip(cells, widths, justify)]
    height = max(len(lines) for lines in wrapped)
    padded = [([" " * w] * (height - len(lines)) + lines) if bottom else (lines + [" " * w] * (height - len(lines)))
              for lines, w in zip(wrapped, widths)]
    return [edge + edge.join(f" {lines[i]} " for lines in padded) + edge for i in range(height)]


def format_shape(shape: Sequence[Any] | None) -> str:
    """'(None, 128)'; '?' for a layer that has not been built."""
    if shape is None:
        return "?"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _layer_shape(layer: Any) -> str:
    """The output shape(s) of the layer's last call (Keras's rule), or of its build; '?' when unbuilt."""
    if layer._inbound_nodes:
        shapes = [format_shape(t.shape) for t in layer._inbound_nodes[-1].outputs]
        return shapes[0] if len(shapes) == 1 else "[" + ", ".join(shapes) + "]"
    if not layer.built:
        return "?"
    return format_shape(layer.output_shape)


def _param_counts(weights: Sequence[Any]) -> tuple[int, int]:
    """(number of parameters, bytes) of distinct weights."""
    unique = {id(w): w for w in weights}.values()
    return sum(w.size for w in unique), sum(w.size * w.dtype.itemsize for w in unique)


def _chain_like(layout: GraphLayout, layers: list[Any]) -> bool:
    """Keras's test for a functional model printed like a Sequential one: one node per depth, each with at most
    one input tensor, and no layer called twice in the graph."""
    for nodes in layout.nodes_by_depth().values():
        if len(nodes) > 1 or len(nodes[0].input_tensors) > 1:
            return False
    return all(sum(id(node) in layout.nodes for node in layer._inbound_nodes) <= 1 for layer in layers)


def _connections(layer: Any, relevant: dict[int, Any]) -> str:
    parts = []
    for node in layer._inbound_nodes:
        if relevant and id(node) not in relevant:  # a call in another model
            continue
        for tensor in node.input_tensors:
            operation, node_index, tensor_index = tensor._keras_history
            parts.append(f"{operation.name}[{node_index}][{tensor_index}]")
    return ", ".join(parts) or "-"


def _nested_layers(layer: Any) -> list[Any]:
    return list(layer.layers) if hasattr(layer, "layers") and hasattr(layer, "fit") else []


def summary_text(model: Any, line_length: int | None = None, positions: Sequence[float] | None = None,
                 expand_nested: bool = False, show_trainable: bool = False) -> str:
    """The summary as one string, every line ending in a newline."""
    graph = getattr(model, "_graph", None)
    layout = GraphLayout(graph.input_tensors, graph.output_tensors) if graph is not None else None
    rows_of = graph.operations if graph is not None else model.layers
    connected = layout is not None and not _chain_like(layout, model.layers)
    default_length, default_positions, header, justify = _GRAPH if connected else _CHAIN
    positions = list(positions or default_positions)
    header, justify = list(header), list(justify)
    if show_trainable:
        default_length += 12
        positions = [p * 0.90 for p in positions] + [1.0]
        header.append("Trainable")
        justify.append("center")
    columns = shutil.get_terminal_size().columns
    line_length = line_length or min(default_length, columns - 4)
    widths = column_widths(line_length, positions)
    relevant = layout.nodes if connected else {}

    def fields(layer: Any, prefix: str) -> list[str]:
        params = f"{layer.count_params():,}" if layer.built else "0 (unbuilt)"
        cells = [f"{prefix}{layer.name} ({layer.class_name})", _layer_shape(layer), params]
        if connected:
            cells.append(_connections(layer, relevant))
        if show_trainable:
            cells.append(("Y" if layer.trainable else "N") if layer.weights else "-")
        return cells

    def rows(layer: Any, level: int = 0) -> list[list[str]]:
        result = [fields(layer, "   " * level + "└ " if level else "")]
        if expand_nested:
            for inner in _nested_layers(layer):
                result.extend(rows(inner, level + 1))
        return result

    lines = [f'Model: "{model.name}"',
             _border("┏", "━", "┳", "┓", widths),
             *_row(header, widths, justify, "┃", bottom=True),
             _border("┡", "━", "╇", "┩", widths)]
    for i, cells in enumerate(row for layer in rows_of for row in rows(layer)):
        if i:
            lines.append(_border("├", "─", "┼", "┤", widths))
        lines.extend(_row(cells, widths, justify, "│"))
    lines.append(_border("└", "─", "┴", "┘", widths))
    lines = [line[:columns] for line in lines]  # rich cuts what passes the console's edge
    trainable, trainable_bytes = _param_counts(model.trainable_weights)
    frozen, frozen_bytes = _param_counts(model.non_trainable_weights)
    lines += [f" Total params: {trainable + frozen:,} ({readable_size(trainable_bytes + frozen_bytes)})",
              f" Trainable params: {trainable:,} ({readable_size(trainable_bytes)})",
              f" Non-trainable params: {frozen:,} ({readable_size(frozen_bytes)})"]
    return "\n".join(lines) + "\n"


def print_summary(model: Any, line_length: int | None = None, print_fn: Callable[[str], Any] | None = None,
                  positions: Sequence[float] | None = None, expand_nested: bool = False,
                  show_trainable: bool = False) -> None:
    """Print the summary (or hand the whole text to ``print_fn`` in one call, as Keras 3 does)."""
    text = summary_text(model, line_length, positions=positions, expand_nested=expand_nested,
                        show_trainable=show_trainable)
    if print_fn is None:
        print(text, end="")
    else:
        print_fn(text)
