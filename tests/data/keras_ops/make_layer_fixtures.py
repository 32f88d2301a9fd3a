"""Write layer_fixtures.npz: real Keras 3's results on the preprocessing-layer scenarios of layer_cases.py.

    /work/tfvenv/bin/python tests/data/keras_ops/make_layer_fixtures.py
(Keras 3.15.1 on TensorFlow 2.21 for the committed file.) Keys: ``<scenario>/<i>`` for the i-th array.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from layer_cases import SCENARIOS, data  # noqa: E402


def main() -> None:
    import keras
    arrays = {"keras_version": np.array(keras.__version__)}
    for name, scenario in SCENARIOS.items():
        for i, array in enumerate(scenario(keras.layers, data())):
            arrays[f"{name}/{i}"] = np.asarray(array)
    np.savez_compressed(HERE / "layer_fixtures.npz", **arrays)
    print(f"wrote {len(SCENARIOS)} scenarios to {HERE / 'layer_fixtures.npz'}")


if __name__ == "__main__":
    main()
