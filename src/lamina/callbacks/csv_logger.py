"""CSVLogger: one CSV row per epoch."""

from __future__ import annotations

import csv
import os
from typing import IO, Any

from .base import Callback, Logs


class CSVLogger(Callback):
    """Write each epoch's logs as a row of a CSV file: ``epoch`` then the log keys in sorted order.

    The file is flushed after every row, so it can be read while training runs. Unlike Keras, no empty
    ``val_`` columns are added when there is no validation data. A missing value is written ``NA``.

    Args:
        filename: the CSV file.
        separator: the field separator.
        append: add to an existing file (writing the header only if the file is empty) instead of
            overwriting it.
    """

    def __init__(self, filename: str | os.PathLike, separator: str = ",", append: bool = False) -> None:
        super().__init__()
        self.filename = os.fspath(filename)
        self.sep = separator
        self.append = append
        self.keys: list[str] | None = None
        self._file: IO[str] | None = None
        self._writer: Any = None
        self._write_header = True

    def on_train_begin(self, logs: Logs | None = None) -> None:
        self._write_header = True
        if self.append and os.path.exists(self.filename):
            with open(self.filename, encoding="utf-8") as existing:
                self._write_header = not existing.readline()
        self._file = open(self.filename, "a" if self.append else "w", encoding="utf-8", newline="")
        self.keys = None
        self._writer = None

    def on_epoch_end(self, epoch: int, logs: Logs | None = None) -> None:
        logs = logs or {}
        if self._file is None:
            self.on_train_begin()
        if self.keys is None:
            self.keys = sorted(logs)
            self._writer = csv.DictWriter(self._file, fieldnames=["epoch", *self.keys], delimiter=self.sep,
                                          lineterminator="\n")
            if self._write_header:
                self._writer.writeheader()
        row = {"epoch": epoch, **{key: logs.get(key, "NA") for key in self.keys}}
        self._writer.writerow(row)
        self._file.flush()

    def on_train_end(self, logs: Logs | None = None) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None
