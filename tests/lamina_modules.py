"""Every module of the lamina package, imported: shared by tests/test_doctests.py and tests/test_docs.py.

A module that needs an optional dependency which is not installed (numba, mpi4py, ...) is reported, not
imported: the tests that walk the package skip it with that reason instead of failing where the extra is
missing. A module failing for any other reason, or on a missing Lamina module, fails loudly.
"""

from __future__ import annotations

import importlib
import pkgutil
from types import ModuleType

import lamina


def every_module() -> tuple[list[ModuleType], dict[str, str]]:
    """(the modules that import, {module name: the missing dependency} for those that need one)."""
    modules: list[ModuleType] = [lamina]
    unavailable: dict[str, str] = {}

    def skip_package(name: str) -> None:  # walk_packages could not import a subpackage to look inside
        pass

    for info in pkgutil.walk_packages(lamina.__path__, prefix="lamina.", onerror=skip_package):
        try:
            modules.append(importlib.import_module(info.name))
        except ModuleNotFoundError as error:
            missing = (error.name or "").split(".")[0]
            if not missing or missing == "lamina":
                raise
            unavailable[info.name] = missing
    return modules, unavailable
