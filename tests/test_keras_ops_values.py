"""keras.ops, keras.activations and TensorFlow names against real Keras 3 / TensorFlow, and gradcheck.

Every case of tests/data/keras_ops/cases.py (fixtures from make_fixtures.py there) is evaluated with
lamina.keras.ops / lamina.keras.activations / ``import lamina as tf`` on the inputs Keras saw; the values must
agree to float32 rounding and the dtype must be Keras's (TensorFlow's). Every case that names differentiable
inputs passes a numerical gradient check in float64.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

import lamina
import lamina as tf
from lamina.keras import activations, ops, utils

DATA = Path(__file__).parent / "data" / "keras_ops"
sys.path.insert(0, str(DATA))
from cases import CASES as KERAS_CASES, TF_CASES, UTILS_CASES  # noqa: E402

CASES = {**KERAS_CASES, **TF_CASES}
ALL_CASES = {**CASES, **UTILS_CASES}

FIXTURES = np.load(DATA / "ops_fixtures.npz")

def evaluate(name: str, inputs: list) -> object:
    expression = ALL_CASES[name][0]
    scope = {"ops": ops, "activations": activations, "tf": tf, "utils": utils, **dict(zip("abc", inputs))}
    with np.errstate(divide="ignore", invalid="ignore"):  # isnan / isfinite cases make NaN and inf on purpose
        return eval(expression, scope)  # noqa: S307 - the test's own table


def fixture_inputs(name: str) -> list[np.ndarray]:
    count = len(ALL_CASES[name][1])
    return [FIXTURES[f"{name}/in{i}"] for i in range(count)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_matches_keras(name):
    expected = FIXTURES[f"{name}/out"]
    result = evaluate(name, [lamina.tensor(a) if a.dtype.kind == "f" else a for a in fixture_inputs(name)])
    assert isinstance(result, lamina.Tensor), f"{name}: expected a lamina.Tensor, got {type(result).__name__}"
    got = result.numpy()
    assert got.shape == expected.shape, f"{name}: shape {got.shape}, Keras {expected.shape}"
    assert got.dtype == expected.dtype, f"{name}: dtype {got.dtype}, Keras {expected.dtype}"
    if expected.dtype.kind == "f":
        # float32 arithmetic in both libraries, in different orders: agreement to a few float32 ulps.
        np.testing.assert_allclose(got, expected, rtol=2e-5, atol=2e-6, err_msg=name)
    else:
        np.testing.assert_array_equal(got, expected, err_msg=name)


DIFFERENTIABLE = sorted(name for name, case in CASES.items() if case[2])


@pytest.mark.parametrize("name", DIFFERENTIABLE)
def test_gradcheck(name):
    checked = CASES[name][2]
    inputs = []
    for letter, array in zip("abc", fixture_inputs(name)):
        if letter in checked:
            inputs.append(array.astype(np.float64))
        else:  # a constant of the case (labels, indices): not a gradient-checked float64 input
            inputs.append(lamina.Tensor(array, dtype=array.dtype) if array.dtype.kind == "f" else array)
    assert lamina.gradcheck(lambda *tensors: evaluate(name, list(tensors)), *inputs)


@pytest.mark.parametrize("name", sorted(UTILS_CASES))
def test_utils_match_keras(name):
    """keras.utils.to_categorical / normalize on NumPy input give NumPy arrays, as Keras's do. (Lamina's
    to_categorical is float32, its floatx; Keras's is float64.)"""
    expected = FIXTURES[f"{name}/out"]
    got = evaluate(name, fixture_inputs(name))
    assert isinstance(got, np.ndarray)
    assert got.shape == expected.shape and got.dtype.kind == expected.dtype.kind
    np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-7)
