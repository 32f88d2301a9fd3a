"""The guide programs themselves: each cites its guide, and every line that differs from the guide's text says so,
so that "only the imports changed" can be checked rather than claimed."""

from __future__ import annotations

import ast

import pytest

import guide_runner

PROGRAMS = sorted(path.stem for path in guide_runner.PROGRAMS.glob("*.py"))


def test_there_is_a_program_for_each_guide():
    assert {"sequential_model", "subclassing", "callbacks", "custom_fit", "training_loop"} <= set(PROGRAMS)


@pytest.mark.parametrize("name", PROGRAMS)
def test_changes_are_marked_and_the_keras_version_is_lamina_free(name):
    source = (guide_runner.PROGRAMS / f"{name}.py").read_text()
    assert "Source: https://keras.io/guides/" in source and "Apache License 2.0" in source
    changes = guide_runner.changes(source)  # raises on an unknown kind
    marked = {number for number, _, _ in changes}
    for number, line in enumerate(source.splitlines(), start=1):
        if "lamina" in line.split("#")[0]:
            assert number in marked, f"{name}.py:{number} uses Lamina without a `# changed (imports)` mark"
    keras_version = guide_runner.keras_source(source)
    ast.parse(keras_version)
    code_lines = [line.split("#")[0] for line in keras_version.splitlines()]
    assert not any("lamina" in line for line in code_lines)
    assert any(line.startswith(("import keras", "from keras")) for line in code_lines)
    assert [s.title for s in guide_runner.split_sections(source)][1] == "Setup"
