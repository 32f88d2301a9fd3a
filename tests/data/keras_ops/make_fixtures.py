"""Write ops_fixtures.npz: real Keras 3's (and TensorFlow's) results on every case of cases.py.

Run with a Python that has Keras 3 and TensorFlow (this repo used Keras 3.15.1, TensorFlow 2.21, NumPy 2.4):
    /work/tfvenv/bin/python tests/data/keras_ops/make_fixtures.py
The file holds, per case, the inputs (``<name>/in0``, ...) and Keras's output (``<name>/out``, with Keras's
dtype). tests/test_keras_ops_values.py evaluates the same expressions with Lamina on the same inputs.
The preprocessing-layer fixtures come from make_layer_fixtures.py beside this file.
"""

from __future__ import annotations

import os
import sys
import zlib
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from cases import CASES, TF_CASES, UTILS_CASES, make_inputs  # noqa: E402


def case_seed(name: str) -> int:
    return zlib.crc32(name.encode())


def main() -> None:
    import keras
    import tensorflow as tf
    from keras import activations, ops, utils
    arrays = {"keras_version": np.array(keras.__version__), "tensorflow_version": np.array(tf.__version__)}
    for name, (expression, specs, _) in {**CASES, **TF_CASES, **UTILS_CASES}.items():
        inputs = make_inputs(specs, np.random.default_rng(case_seed(name)))
        scope = {"ops": ops, "activations": activations, "tf": tf, "utils": utils, **dict(zip("abc", inputs))}
        out = np.asarray(ops.convert_to_numpy(eval(expression, scope)))  # noqa: S307 - our own table
        for i, array in enumerate(inputs):
            arrays[f"{name}/in{i}"] = array
        arrays[f"{name}/out"] = out
    np.savez_compressed(HERE / "ops_fixtures.npz", **arrays)
    print(f"wrote {len(CASES) + len(TF_CASES) + len(UTILS_CASES)} cases to {HERE / 'ops_fixtures.npz'}")


if __name__ == "__main__":
    main()
