"""Write the Keras-made ``.weights.h5`` fixture of tests/test_reliability_keras_names.py (needs Keras 3).

    /path/to/keras-venv/bin/python tests/data/keras/make_weights_fixtures.py

Keras loads ``mlp.keras`` (the fixture of ``make_fixtures.py``, whose predictions on ``mlp_x.npy`` are
``mlp_y.npy``) and writes its weights with ``model.save_weights("mlp.weights.h5")``: Keras 3's weights file, which
Lamina must read into the same architecture and reproduce ``mlp_y.npy`` with. The script checks that Keras itself
reproduces them from the file first.
"""

from __future__ import annotations

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def main() -> None:
    model = keras.models.load_model(os.path.join(HERE, "mlp.keras"))
    path = os.path.join(HERE, "mlp.weights.h5")
    model.save_weights(path)
    fresh = keras.models.model_from_json(model.to_json())
    fresh.load_weights(path)
    expected = np.load(os.path.join(HERE, "mlp_y.npy"))
    got = fresh.predict(np.load(os.path.join(HERE, "mlp_x.npy")), verbose=0)
    np.testing.assert_allclose(got, expected, atol=1e-6)
    print("mlp.weights.h5", keras.__version__, os.path.getsize(path), "bytes")


if __name__ == "__main__":
    main()
