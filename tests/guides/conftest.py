"""Fixtures of the guide tests: each guide program runs once per test module, in a temporary folder (the programs
write files: weights, generated images), after the same seed, with MNIST from the local copy or the packaged
digits in MNIST's shapes (``guide_runner.guide_data``), never from the internet."""

from __future__ import annotations

import json
import os
from pathlib import Path
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


KERAS_REFERENCE = Path(__file__).resolve().parent.parent / "data" / "guides" / "keras_reference.json"


def check_numbers_against_keras(run: GuideRun) -> None:
    """The run's probes that carry a tolerance (guide_runner.PROBES) against real Keras's values of the same
    program (tests/data/guides/keras_reference.json, from benchmarks/keras_programs.py --write-reference). Real
    Keras ran on MNIST, so without a local MNIST copy there is nothing to compare with."""
    if guide_runner.mnist_source() != "MNIST":
        pytest.skip("real Keras's numbers are for MNIST, and no local copy is present (set $LAMINA_DATA)")
    reference = json.loads(KERAS_REFERENCE.read_text())["probes"][run.name]
    values = guide_runner.probe_values(run.name, list(run.sections.values()))
    checked = [p for p in guide_runner.PROBES if p.program == run.name and (p.rel or p.abs)]
    assert checked, f"no probe of {run.name} has a tolerance"
    for probe in checked:
        # Different random initializations and shuffles: the tolerance of each probe says how close is close.
        assert values[probe.label] == pytest.approx(reference[probe.label], rel=probe.rel, abs=probe.abs), \
            f"{run.name}: {probe.label}: Lamina {values[probe.label]:.4f}, real Keras {reference[probe.label]:.4f}"
