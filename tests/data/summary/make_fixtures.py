"""Write the summaries real Keras prints for the models of tests/graph_models.py (run with Keras 3).

    /path/to/keras-venv/bin/python tests/data/summary/make_fixtures.py

Each ``<model>[_<variant>].txt`` is exactly the text ``model.summary(print_fn=...)`` hands to ``print_fn``, with
the terminal width (the COLUMNS variable) and the arguments listed in ``graph_models.SUMMARY_CASES``.
tests/test_functional_summary.py builds the same models with Lamina and compares character for character.
"""

from __future__ import annotations

import importlib.util
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def graph_models():
    spec = importlib.util.spec_from_file_location("graph_models", os.path.join(HERE, "..", "..", "graph_models.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> None:
    models = graph_models()
    for name, variant, columns, options in models.SUMMARY_CASES:
        os.environ["COLUMNS"] = str(columns)  # read by Keras (shutil) and by rich for each summary
        model = models.build(keras, name)
        captured = []
        model.summary(print_fn=captured.append, **options)
        filename = models.summary_filename(name, variant)
        with open(os.path.join(HERE, filename), "w", encoding="utf-8") as handle:
            handle.write("".join(captured))
        print(filename, keras.__version__, file=sys.stderr)


if __name__ == "__main__":
    main()
