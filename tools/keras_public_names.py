"""List Keras 3's and TensorFlow's public names, for the documentation's "Coming from Keras" coverage tables.

Run with the real library (CI has no TensorFlow, so the list is kept in the repository):

    /work/tfvenv/bin/python tools/keras_public_names.py            # writes docs/_data/keras_names.json

Every public module under ``keras`` (but ``keras.src``, the implementation) is walked, and the ``tensorflow``
namespaces that ``import lamina as tf`` answers for (``tf``, ``tf.nn``, ``tf.math``, ``tf.random``, ``tf.data``,
``tf.data.experimental``, ``tf.image``). For each
name it records its kind: ``class`` (with the Keras base it derives from: Layer, Loss, Metric, Optimizer,
Callback, ...), ``function``, ``module`` or ``value``. The docs build (docs/_ext/lamina_keras_coverage.py)
compares these names with Lamina's namespaces at every build.
"""

from __future__ import annotations

import inspect
import json
import os
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

OUTPUT = Path(__file__).resolve().parent.parent / "docs" / "_data" / "keras_names.json"
SKIPPED = {"keras.src", "keras.legacy"}  # the implementation, and Keras 2 compatibility shims
TENSORFLOW_NAMESPACES = ("tensorflow", "tensorflow.nn", "tensorflow.math", "tensorflow.random", "tensorflow.data",
                         "tensorflow.data.experimental", "tensorflow.image")


def base_class(value: type, bases: dict[str, type]) -> str:
    """The most specific of Keras's public base classes that ``value`` derives from, or ''."""
    found = [name for name, base in bases.items() if value is not base and issubclass(value, base)]
    found.sort(key=lambda name: len(bases[name].__mro__), reverse=True)
    return found[0] if found else ""


def kind(value: Any, bases: dict[str, type]) -> str:
    if inspect.ismodule(value):
        return "module"
    if inspect.isclass(value):
        parent = base_class(value, bases)
        return f"class:{parent}" if parent else "class"
    if callable(value):
        return "function"
    return "value"


def public(module: ModuleType) -> list[str]:
    return sorted(name for name in dir(module) if not name.startswith("_"))


def walk_keras(keras: ModuleType, bases: dict[str, type]) -> dict[str, dict[str, str]]:
    found: dict[str, dict[str, str]] = {}
    queue = [("keras", keras)]
    while queue:
        path, module = queue.pop(0)
        if path in SKIPPED or path in found:
            continue
        names = {}
        for name in public(module):
            value = getattr(module, name)
            names[name] = kind(value, bases)
            child = f"{path}.{name}"
            if inspect.ismodule(value) and value.__name__.startswith("keras") and child not in SKIPPED:
                queue.append((child, value))
        found[path] = names
    return found


def walk_tensorflow(bases: dict[str, type]) -> dict[str, dict[str, str]]:
    import tensorflow as tf

    found = {}
    for path in TENSORFLOW_NAMESPACES:
        module = tf
        for part in path.split(".")[1:]:
            module = getattr(module, part)
        found[path.replace("tensorflow", "tf", 1)] = {name: kind(getattr(module, name), bases)
                                                      for name in public(module)}
    return found


def main() -> int:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import keras
    import tensorflow as tf

    bases = {name: getattr(keras, name) for name in ("Layer", "Loss", "Metric", "Optimizer", "Initializer",
                                                     "Regularizer", "Model", "Variable", "Operation")}
    bases["Callback"] = keras.callbacks.Callback
    bases["Constraint"] = keras.constraints.Constraint
    bases["LearningRateSchedule"] = keras.optimizers.schedules.LearningRateSchedule
    record = {
        "made_by": "tools/keras_public_names.py",
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
        "keras": walk_keras(keras, bases),
        "tensorflow": walk_tensorflow(bases),
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    total = sum(len(names) for names in record["keras"].values())
    print(f"{OUTPUT}: {len(record['keras'])} Keras namespaces, {total} names; "
          f"{sum(len(n) for n in record['tensorflow'].values())} TensorFlow names")
    return 0


if __name__ == "__main__":
    sys.exit(main())
