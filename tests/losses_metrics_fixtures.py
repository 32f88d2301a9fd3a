"""The Keras-made fixtures shared by the loss and metric tests: tests/data/losses_metrics/fixtures.json, written
by Keras 3.15.1 with tests/data/losses_metrics/make_fixtures.py (inputs as float32 arrays, then per-loss,
per-metric and per-compiled-model expectations)."""

from __future__ import annotations

import json
import os

import numpy as np

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "losses_metrics")
with open(os.path.join(DATA, "fixtures.json")) as _file:
    FIXTURES = json.load(_file)
INPUTS = {key: np.asarray(value, dtype=np.float32) for key, value in FIXTURES["inputs"].items()}


def case_id(entry: dict) -> str:
    """A readable test id: the class, its arguments and the labels' input."""
    return f"{entry['class_name']}({', '.join(f'{k}={v}' for k, v in entry['kwargs'].items())})-{entry['y_true']}"
