"""summary() of functional models equals the text real Keras prints for the same model, character for character:
the "Connected to" column, tensor operations as rows, shared layers' node indices, nested models (also expanded),
a Sequential holding a model, chains printed with three columns, custom widths and positions, a Trainable
column, and a table cut at the terminal's edge.

The expected texts in tests/data/summary/ were printed by Keras 3.15.1 (tests/data/summary/make_fixtures.py) for
the models of tests/graph_models.py, which this test builds with Lamina under the same names.
"""

from __future__ import annotations

import os

import pytest

import graph_models  # tests/graph_models.py
from lamina import keras

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data")


@pytest.mark.parametrize("name, variant, columns, options", graph_models.SUMMARY_CASES,
                         ids=[graph_models.summary_filename(n, v)[:-4] for n, v, _, _ in graph_models.SUMMARY_CASES])
def test_summary_equals_keras(name, variant, columns, options, monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    with open(os.path.join(DATA, "summary", graph_models.summary_filename(name, variant)), encoding="utf-8") as f:
        expected = f.read()
    model = graph_models.build(keras, name)
    printed = []
    model.summary(print_fn=printed.append, **options)
    assert len(printed) == 1
    assert printed[0].rstrip("\n") == expected.rstrip("\n")


def test_summary_prints_to_stdout_once(monkeypatch, capsys) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    model = graph_models.build(keras, "residual")
    model.summary()
    out = capsys.readouterr().out
    assert out.count("Connected to") == 1 and "add (Add)" in out and "shortcut_2 (Add)" in out
