"""Tests of lamina.Sequential: the notes' three models and their summaries (Keras's exact table), the notes'
hand-set XOR weights, weights in Keras's order, building, configs, and a cross-check against PyTorch."""
from __future__ import annotations

import json

import numpy as np
import pytest

import lamina as tf
from lamina import gradcheck
from lamina.keras import layers, models, regularizers
from lamina.layers.base import clear_session, unique_name


@pytest.fixture(autouse=True)
def fixed_terminal(monkeypatch):
    """summary() sizes itself to the terminal; a non-terminal (80 columns) gives Keras's 76-wide table."""
    monkeypatch.setenv("COLUMNS", "80")


def notebook_history(**created):
    """Replay how many objects of each kind the notes' notebook had named before a cell ran, so that the
    automatic names (sequential_21, dense_3, ...) come out as printed in the notes."""
    clear_session()
    for prefix, count in created.items():
        for _ in range(count):
            unique_name(prefix)


def xor_model():
    # Section 2, as written in the notes.
    model = tf.keras.Sequential([
        tf.keras.layers.Dense(2, activation='leaky_relu',
                              kernel_initializer='he_normal',
                              input_shape=(2,), name='hidden_layer'),
        # Output layer (Linear for MSE)
        tf.keras.layers.Dense(1, name='output_layer')
    ])
    return model


def regularized_model():
    # Section 5, as written in the notes.
    l2_strength = 1e-4
    model = models.Sequential([
        layers.Dense(128, activation='relu',
                     kernel_regularizer=regularizers.l2(l2_strength),
                     input_shape=(32,)),
        layers.Dropout(0.3),
        layers.Dense(64, activation='relu',
                     kernel_regularizer=regularizers.l2(l2_strength)),
        layers.Dropout(0.2),
        layers.Dense(1, activation='linear')
    ])
    return model


def batch_norm_model():
    # Section 6, as written in the notes.
    model = models.Sequential([
        layers.Input(shape=(20,)),
        layers.Dense(64, kernel_regularizer=regularizers.l2(0.01), name="dense_1"),
        layers.BatchNormalization(name="batch_norm_1"),
        layers.Activation('relu'),
        layers.Dropout(0.3, name="dropout_1"),
        layers.Dense(32, kernel_regularizer=regularizers.l2(0.01), name="dense_2"),
        layers.BatchNormalization(name="batch_norm_2"),
        layers.Activation('relu'),
        layers.Dropout(0.2, name="dropout_2"),
        layers.Dense(1, activation='sigmoid', name="output_layer")
    ])
    return model


XOR_SUMMARY = """\
Model: "sequential_19"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ hidden_layer (Dense)            │ (None, 2)              │             6 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ output_layer (Dense)            │ (None, 1)              │             3 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 9 (36.00 B)
 Trainable params: 9 (36.00 B)
 Non-trainable params: 0 (0.00 B)
"""

REGULARIZED_SUMMARY = """\
Model: "sequential_21"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense_3 (Dense)                 │ (None, 128)            │         4,224 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout_2 (Dropout)             │ (None, 128)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_4 (Dense)                 │ (None, 64)             │         8,256 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout_3 (Dropout)             │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_5 (Dense)                 │ (None, 1)              │            65 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 12,545 (49.00 KB)
 Trainable params: 12,545 (49.00 KB)
 Non-trainable params: 0 (0.00 B)
"""

BATCH_NORM_SUMMARY = """\
Model: "sequential_23"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ dense_1 (Dense)                 │ (None, 64)             │         1,344 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_norm_1                    │ (None, 64)             │           256 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation_2 (Activation)       │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout_1 (Dropout)             │ (None, 64)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 32)             │         2,080 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_norm_2                    │ (None, 32)             │           128 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ activation_3 (Activation)       │ (None, 32)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dropout_2 (Dropout)             │ (None, 32)             │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ output_layer (Dense)            │ (None, 1)              │            33 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 3,841 (15.00 KB)
 Trainable params: 3,649 (14.25 KB)
 Non-trainable params: 192 (768.00 B)
"""

# The rows and totals as the notes print them (their tables lost the box characters in conversion).
NOTES_ROWS = {
    "xor": [("hidden_layer (Dense)", "(None, 2)", "6"), ("output_layer (Dense)", "(None, 1)", "3")],
    "regularized": [("dense_3 (Dense)", "(None, 128)", "4,224"), ("dropout_2 (Dropout)", "(None, 128)", "0"),
                    ("dense_4 (Dense)", "(None, 64)", "8,256"), ("dropout_3 (Dropout)", "(None, 64)", "0"),
                    ("dense_5 (Dense)", "(None, 1)", "65")],
    "batch_norm": [("dense_1 (Dense)", "(None, 64)", "1,344"), ("batch_norm_1 (BatchNormalization)", "(None, 64)", "256"),
                   ("activation_2 (Activation)", "(None, 64)", "0"), ("dropout_1 (Dropout)", "(None, 64)", "0"),
                   ("dense_2 (Dense)", "(None, 32)", "2,080"), ("batch_norm_2 (BatchNormalization)", "(None, 32)", "128"),
                   ("activation_3 (Activation)", "(None, 32)", "0"), ("dropout_2 (Dropout)", "(None, 32)", "0"),
                   ("output_layer (Dense)", "(None, 1)", "33")],
}
NOTES_TOTALS = {
    "xor": ["Total params: 9 (36.00 B)", "Trainable params: 9 (36.00 B)", "Non-trainable params: 0 (0.00 B)"],
    "regularized": ["Total params: 12,545 (49.00 KB)", "Trainable params: 12,545 (49.00 KB)",
                    "Non-trainable params: 0 (0.00 B)"],
    "batch_norm": ["Total params: 3,841 (15.00 KB)", "Trainable params: 3,649 (14.25 KB)",
                   "Non-trainable params: 192 (768.00 B)"],
}


def parse_rows(text):
    """(name (type), shape, params) per layer, joining wrapped cell lines."""
    rows, current = [], None
    for line in text.splitlines():
        if line.startswith("├") or line.startswith("└"):
            if current:
                rows.append(tuple(" ".join(part for part in cell if part) for cell in current))
            current = None
        elif line.startswith("│"):
            cells = [c.strip() for c in line.strip("│").split("│")]
            current = [[c] for c in cells] if current is None else [old + [c] for old, c in zip(current, cells)]
    return rows


@pytest.mark.parametrize("key, build, history, expected", [
    ("xor", xor_model, {"sequential": 19}, XOR_SUMMARY),
    ("regularized", regularized_model, {"sequential": 21, "dense": 3, "dropout": 2}, REGULARIZED_SUMMARY),
    ("batch_norm", batch_norm_model, {"sequential": 23, "activation": 2}, BATCH_NORM_SUMMARY),
])
def test_notes_models_print_the_notes_summaries(key, build, history, expected, capsys):
    notebook_history(**history)
    model = build()
    model.summary()
    printed = capsys.readouterr().out
    assert printed == expected
    assert parse_rows(printed) == NOTES_ROWS[key]
    assert [line.strip() for line in printed.splitlines()[-3:]] == NOTES_TOTALS[key]
    captured = []
    model.summary(print_fn=captured.append)
    assert captured == [expected]


def test_summary_of_unbuilt_model_and_custom_width(monkeypatch):
    clear_session()
    model = models.Sequential([layers.Dense(4), layers.Dense(1)])
    text = []
    model.summary(print_fn=text.append)
    assert "│ dense (Dense)                   │ ?                      │   0 (unbuilt) │" in text[0]
    assert " Total params: 0 (0.00 B)" in text[0]
    model.build((None, 3))
    monkeypatch.setenv("COLUMNS", "200")  # a terminal wide enough: rich (Keras) cuts a table at the terminal's edge
    model.summary(line_length=100, print_fn=text.append)
    assert all(len(line) == 100 for line in text[1].splitlines()[1:-3])


def test_hand_set_xor_weights_solve_xor():
    """Section 2: W = [[1, 1], [1, 1]], c = [0, -1], w = [[1], [-2]], b = 0 with ReLU give XOR exactly."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=np.float32)
    model = tf.keras.Sequential([tf.keras.layers.Dense(2, activation="relu", input_shape=(2,)),
                                 tf.keras.layers.Dense(1)])
    model.set_weights([np.array([[1, 1], [1, 1]]), np.array([0, -1]), np.array([[1], [-2]]), np.array([0])])
    out = model(X)
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.data, [[0], [1], [1], [0]])
    np.testing.assert_array_equal(model.predict(X, verbose=0), [[0], [1], [1], [0]])
    W, c, w, b = model.get_weights()
    np.testing.assert_array_equal(W, [[1, 1], [1, 1]])
    np.testing.assert_array_equal(c, [0, -1])


def test_weights_in_keras_order_and_set_weights_errors():
    notebook_history()
    model = batch_norm_model()
    shapes = [w.shape for w in model.get_weights()]
    assert shapes[:6] == [(20, 64), (64,), (64,), (64,), (64,), (64,)]  # kernel, bias, gamma, beta, mm, mv
    assert len(shapes) == 14 and model.count_params() == 3841
    assert len(model.trainable_weights) == 10 and len(model.non_trainable_weights) == 4
    with pytest.raises(ValueError, match="weight list of length 3, but the model was expecting 14"):
        model.set_weights(model.get_weights()[:3])
    bad = model.get_weights()
    bad[6] = np.zeros((64, 33))
    before = model.get_weights()
    with pytest.raises(ValueError, match=r'Layer "dense_2" weight 0 .*has shape \(64, 32\).*shape \(64, 33\)'):
        model.set_weights(bad)
    for old, now in zip(before, model.get_weights()):  # nothing was written
        np.testing.assert_array_equal(old, now)


def test_losses_collect_every_penalty():
    notebook_history()
    model = batch_norm_model()
    penalties = model.losses
    expected = 0.01 * (np.sum(model.layers[0].kernel.data ** 2) + np.sum(model.layers[4].kernel.data ** 2))
    assert len(penalties) == 2
    assert sum(p.item() for p in penalties) == pytest.approx(expected, rel=1e-5)


def test_build_add_pop_and_call():
    clear_session()
    model = models.Sequential()
    assert not model.built
    model.add(layers.Dense(3))
    model.add(layers.Dense(2, activation="softmax"))
    out = model(np.ones((4, 5)))  # builds on the first call
    assert model.built and model.input_shape == (None, 5) and model.output_shape == (None, 2)
    assert out.shape == (4, 2) and out.requires_grad
    model.add(layers.Dropout(0.5))  # built at once from the current output shape
    assert model.layers[-1].built and model.output_shape == (None, 2)
    assert model.pop().name == "dropout" and len(model.layers) == 2
    with pytest.raises(ValueError, match="unique names"):
        model.add(layers.Dense(1, name="dense"))
    with pytest.raises(ValueError, match='layer "dense_2".*expected axis -1 of input shape to have value 4'):
        m = models.Sequential([layers.Dense(4, input_shape=(3,)), layers.Dense(1)])
        m.layers[1].name = "dense_2"
        m.layers[1](np.ones((2, 5)))
    with pytest.raises(TypeError, match="only layers"):
        model.add("dense")


def test_config_round_trip_rebuilds_the_architecture():
    notebook_history()
    model = batch_norm_model()
    config = json.loads(json.dumps(model.get_config()))
    assert config["layers"][0] == {"class_name": "InputLayer",
                                   "config": {**config["layers"][0]["config"], "batch_shape": [None, 20]}}
    twin = models.Sequential.from_config(config)
    assert [type(layer) for layer in twin.layers] == [type(layer) for layer in model.layers]
    assert [layer.name for layer in twin.layers] == [layer.name for layer in model.layers]
    twin.set_weights(model.get_weights())
    x = np.random.default_rng(0).random((3, 20))
    np.testing.assert_allclose(twin(x).data, model(x).data)
    assert twin.layers[0].kernel_regularizer.l2 == 0.01


def test_model_gradcheck_every_weight():
    """Loss + L2 penalties of a Dense/BatchNorm/Dropout/LeakyReLU model, against every trainable weight."""
    model = models.Sequential([
        layers.Dense(4, kernel_regularizer=regularizers.l2(0.1), dtype="float64", input_shape=(3,)),
        layers.BatchNormalization(dtype="float64"), layers.LeakyReLU(dtype="float64"),
        layers.Dropout(0.3, seed=0, dtype="float64"), layers.GaussianNoise(0.1, seed=0, dtype="float64"),
        layers.Dense(2, activation="softmax", dtype="float64")])
    names = [(layer, n) for layer in model.layers for n, v in vars(layer).items()
             if any(v is w for w in layer.trainable_weights)]
    labels = np.array([0, 1, 1, 0, 1])
    loss = tf.losses.get("sparse_categorical_crossentropy")

    def f(x, *ws):
        for (layer, name), w in zip(names, ws):
            setattr(layer, name, w)
        model.layers[3]._rng = np.random.default_rng(1)
        model.layers[4]._rng = np.random.default_rng(2)
        total = loss(labels, model(x, training=True))
        for penalty in model.losses:
            total = total + penalty
        return total

    x = np.random.default_rng(3).normal(size=(5, 3))
    assert gradcheck(f, x, *[getattr(layer, n).data for layer, n in names])


def test_matches_pytorch_outputs_loss_gradients_and_running_stats():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 5)).astype(np.float32)
    labels = rng.integers(0, 3, size=8)
    model = models.Sequential([layers.Dense(6, input_shape=(5,)), layers.BatchNormalization(momentum=0.9),
                               layers.Activation("relu"), layers.Dense(4, activation="tanh"),
                               layers.Dense(3, activation="softmax")])
    kernel1, bias1, gamma, beta, _, _, kernel2, bias2, kernel3, bias3 = [
        rng.normal(size=w.shape).astype(np.float32) for w in model.weights]
    model.set_weights([kernel1, bias1, gamma, beta, np.zeros(6), np.ones(6), kernel2, bias2, kernel3, bias3])

    reference = torch.nn.Sequential(torch.nn.Linear(5, 6), torch.nn.BatchNorm1d(6, eps=1e-3, momentum=0.1),
                                    torch.nn.ReLU(), torch.nn.Linear(6, 4), torch.nn.Tanh(), torch.nn.Linear(4, 3))
    with torch.no_grad():
        for linear, kernel, bias in ((reference[0], kernel1, bias1), (reference[3], kernel2, bias2),
                                     (reference[5], kernel3, bias3)):
            linear.weight.copy_(torch.from_numpy(kernel.T.copy()))
            linear.bias.copy_(torch.from_numpy(bias))
        reference[1].weight.copy_(torch.from_numpy(gamma))
        reference[1].bias.copy_(torch.from_numpy(beta))

    # Training mode: outputs, loss and every gradient.
    out = model(x, training=True)
    loss = tf.losses.get("sparse_categorical_crossentropy")(labels, out)
    loss.backward()
    reference.train()
    logits = reference(torch.from_numpy(x))
    torch_loss = torch.nn.functional.cross_entropy(logits, torch.from_numpy(labels))
    torch_loss.backward()
    np.testing.assert_allclose(out.data, torch.softmax(logits, -1).detach().numpy(), rtol=1e-5, atol=1e-6)
    assert loss.item() == pytest.approx(torch_loss.item(), rel=1e-5)
    torch_grads = [reference[0].weight.grad.T, reference[0].bias.grad, reference[1].weight.grad,
                   reference[1].bias.grad, reference[3].weight.grad.T, reference[3].bias.grad,
                   reference[5].weight.grad.T, reference[5].bias.grad]
    for weight, expected in zip(model.trainable_weights, torch_grads):
        np.testing.assert_allclose(weight.grad, expected.numpy(), rtol=1e-4, atol=1e-6)

    # Running statistics: PyTorch's momentum 0.1 is Keras's 0.9; PyTorch keeps the unbiased variance.
    bn = model.layers[1]
    np.testing.assert_allclose(bn.moving_mean.data, reference[1].running_mean.numpy(), rtol=1e-5, atol=1e-6)
    n = len(x)
    batch_var_biased = (reference[1].running_var.numpy() - 0.9) / 0.1 * (n - 1) / n
    np.testing.assert_allclose(bn.moving_variance.data, 0.9 + 0.1 * batch_var_biased, rtol=1e-5)

    # Inference with the same running statistics set in both.
    with torch.no_grad():
        reference[1].running_var.copy_(torch.from_numpy(bn.moving_variance.data))
    reference.eval()
    np.testing.assert_allclose(model(x).data, torch.softmax(reference(torch.from_numpy(x)), -1).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
