"""Fixtures of the guide tests: each guide program runs once per test module, in a temporary folder (the programs
write files: weights, generated images), after the same seed, with MNIST from the local copy or the packaged
digits in MNIST's shapes (``guide_runner.guide_data``), never from the internet."""

from __future__ import annotations

import os
from typing import Callable

import pytest

import guide_runner


class GuideRun:
    """The sections of one run of a guide program, by title."""

    def __init__(self, name: str, sections: list[guide_runner.Section]):
        self.name = name
        self.sections = {section.title: section for section in sections}

    def __getitem__(self, title: str) -> guide_runner.Section:
        """The section, which must have run without an error (else the test fails with its traceback)."""
        section = self.sections[title]
        if not section.ran:
            failed = [s for s in self.sections.values() if s.error is not None]
            pytest.fail(f"{self.name}: section {title!r} did not run; it follows the failed section "
                        f"{failed[0].title!r}:\n{failed[0].trace}" if failed else f"{title!r} did not run")
        if section.error is not None:
            pytest.fail(f"{self.name}: section {title!r} failed:\n{section.trace}")
        return section


@pytest.fixture(scope="module")
def run_guide(tmp_path_factory) -> Callable[[str], GuideRun]:
    """``run_guide(name)``: ``programs/<name>.py`` run once for the module (later calls return the same run)."""
    runs: dict[str, GuideRun] = {}

    def run(name: str) -> GuideRun:
        if name not in runs:
            folder = tmp_path_factory.mktemp(name)
            previous = os.getcwd()
            os.chdir(folder)
            try:
                guide_runner.seed_everything("lamina")
                with guide_runner.guide_data("lamina"):
                    runs[name] = GuideRun(name, guide_runner.run_program(name))
            finally:
                os.chdir(previous)
        return runs[name]

    return run


def missing_layers(*names: str) -> list[str]:
    """The names among ``names`` that ``lamina.keras.layers`` (or ``keras.utils``, for ``utils.<name>``) lacks."""
    from lamina import keras

    missing = []
    for name in names:
        module, attribute = (keras.utils, name[6:]) if name.startswith("utils.") else (keras.layers, name)
        if not hasattr(module, attribute):
            missing.append(name)
    return missing
