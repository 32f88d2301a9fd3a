"""Issue 12, item 9: a model's shuffle generator is drawn when the model is built, not at its first fit.

Everything random about a model (initial weights, Dropout's generator, the epoch permutations) is then fixed
once it is built, so with several models in one program the order in which they are first fitted does not
change any of their results.
"""

from __future__ import annotations

import numpy as np

import lamina
from lamina import layers
from lamina.models import Sequential


def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 5)).astype(np.float32)
    return x, (x.sum(axis=1) > 0).astype(np.float32)


def build(kind: str) -> Sequential:
    if kind == "input":  # built at construction
        model = Sequential([layers.Input(shape=(5,)), layers.Dense(6, activation="tanh"), layers.Dropout(0.3),
                            layers.Dense(1, activation="sigmoid")])
    elif kind == "add":  # built when its Input is added
        model = Sequential()
        for layer in (layers.Input(shape=(5,)), layers.Dense(6, activation="tanh"), layers.Dense(1)):
            model.add(layer)
    else:  # built by build()
        model = Sequential([layers.Dense(6, activation="tanh"), layers.Dense(1, activation="sigmoid")])
        model.build((None, 5))
    model.compile(optimizer="sgd", loss="binary_crossentropy" if kind != "add" else "mse")
    return model


def run(fit_order: str, kind: str) -> dict[str, list[np.ndarray]]:
    lamina.utils.set_random_seed(11)
    models = {"a": build(kind), "b": build(kind)}
    x, y = data()
    for name in fit_order:
        models[name].fit(x, y, epochs=3, batch_size=8, verbose=0)
    return {name: model.get_weights() for name, model in models.items()}


def assert_same(first: dict, second: dict) -> None:
    for name in first:
        for w1, w2 in zip(first[name], second[name]):
            np.testing.assert_array_equal(w1, w2, err_msg=f"model {name}")


def test_order_of_first_fits_does_not_change_results() -> None:
    for kind in ("input", "add", "build"):
        assert_same(run("ab", kind), run("ba", kind))


def test_shuffle_generator_exists_once_built_and_survives_rebuild() -> None:
    model = build("input")
    rng = model._shuffle_rng
    assert isinstance(rng, np.random.Generator)
    model.build((None, 5))
    assert model._shuffle_rng is rng
