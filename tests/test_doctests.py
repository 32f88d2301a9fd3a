"""The ``>>>`` examples in Lamina's docstrings run, and print what they say they print.

Every module of the package is imported and searched with ``doctest`` (a new module is picked up without an
edit here). Each example runs with ``lamina`` and ``np`` available, in a temporary folder (examples that save
files write there), after ``set_random_seed(0)`` and ``clear_session()`` (so layer names start again at
``dense``). Illustrative fragments that need a trained model or a file are written as literal blocks
(``Example::``), which doctest does not run; ``# doctest: +SKIP`` marks the few that need the network or a
data set.
"""

from __future__ import annotations

import doctest

import numpy as np
import pytest

import lamina
from lamina_modules import every_module

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
MODULES, UNAVAILABLE = every_module()


def _examples() -> list[doctest.DocTest]:
    finder = doctest.DocTestFinder(exclude_empty=True)
    found = []
    for module in MODULES:
        found += [test for test in finder.find(module, module.__name__, extraglobs={"lamina": lamina, "np": np})
                  if test.examples]
    return sorted(found, key=lambda test: test.name)


EXAMPLES = _examples()


def test_the_docstrings_have_examples() -> None:
    # A guard against the finder silently finding nothing (a package that stops importing its modules).
    assert len(EXAMPLES) >= 20, [test.name for test in EXAMPLES]


# A module needing an optional dependency that is not installed shows up as a skipped case, with the reason.
CASES = [pytest.param(test, id=test.name) for test in EXAMPLES] + [
    pytest.param(None, id=name, marks=pytest.mark.skip(reason=f"{name} needs {missing}, which is not installed"))
    for name, missing in sorted(UNAVAILABLE.items())]


@pytest.mark.parametrize("example", CASES)
def test_docstring_example(example: doctest.DocTest, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    lamina.utils.set_random_seed(0)
    lamina.layers.clear_session()  # layer names start from "dense" again, as in a fresh interpreter
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    report: list[str] = []
    runner.run(example, out=report.append, clear_globs=True)
    assert runner.failures == 0, "".join(report)
