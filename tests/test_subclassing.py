"""Layers and models of your own: tracking, add_weight, variables, add_loss, freezing, training flags,
train_step / test_step / compute_loss overrides."""

from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import keras
from lamina.keras import layers

RNG = np.random.default_rng(3)
X = RNG.normal(size=(40, 5)).astype(np.float32)
Y = (X @ RNG.normal(size=(5, 1))).astype(np.float32)


class MLPBlock(layers.Layer):
    """A layer holding Dense sublayers: the case that used to train with 0 weights."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = layers.Dense(8, activation="relu")
        self.out = layers.Dense(1)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


class ListsAndDicts(layers.Layer):
    def __init__(self):
        super().__init__()
        self.blocks = []
        self.heads = {"a": layers.Dense(2), "b": layers.Dense(3)}

    def build(self, input_shape):
        self.blocks.append(layers.Dense(4))  # appended after assignment: still tracked
        self.scale = self.add_weight(shape=(1,), initializer="ones", name="scale")
        self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")

    def call(self, x):
        h = self.blocks[0](x) * self.scale
        return self.heads["a"](h), self.heads["b"](h)


def test_sublayers_in_attributes_lists_and_dicts_are_tracked():
    block = MLPBlock()
    block(X[:2])
    assert len(block.weights) == 4 and len(block.trainable_weights) == 4
    layer = ListsAndDicts()
    layer(X[:2])
    assert [w.name for w in layer.weights] == ["scale", "count", "kernel", "bias", "kernel", "bias", "kernel", "bias"]
    assert [w.name for w in layer.non_trainable_weights] == ["count"]
    assert layer.count_params() == 1 + 1 + (5 * 4 + 4) + (4 * 2 + 2) + (4 * 3 + 3)


def test_a_subclassed_model_trains_to_the_same_weights_as_sequential():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.block = MLPBlock()

        def call(self, x):
            return self.block(x)

    lamina.utils.set_random_seed(5)
    net = Net()
    net(X[:1])
    seq = keras.Sequential([keras.Input((5,)), layers.Dense(8, activation="relu"), layers.Dense(1)])
    seq.set_weights(net.get_weights())
    for model in (net, seq):
        model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mse")
    lamina.utils.set_random_seed(9)
    h1 = net.fit(X, Y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    h2 = seq.fit(X, Y, epochs=3, batch_size=8, verbose=0, shuffle=False)
    assert h1.history["loss"] == h2.history["loss"]
    for a, b in zip(net.get_weights(), seq.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert [layer.name for layer in net.layers] == [net.block.name]


def test_a_model_without_weights_is_an_error_not_a_silent_run():
    class Hidden(keras.Model):
        def __init__(self):
            super().__init__()
            self._impl = {"f": np.tanh}  # nothing trainable anywhere

        def call(self, x):
            return lamina.tanh(lamina.tensor(np.asarray(x)))

    model = Hidden()
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="has no weights, so training would change nothing"):
        model.fit(X, Y, epochs=1, verbose=0)


def test_keras_add_weight_signature_and_variables():
    class Linear(layers.Layer):
        def __init__(self, units=3):
            super().__init__()
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal",
                                     trainable=True)
            self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

        def call(self, inputs):
            return lamina.matmul(inputs, self.w) + self.b

    layer = Linear(4)
    y = layer(np.ones((2, 2), np.float32))
    assert y.shape == (2, 4) and len(layer.trainable_weights) == 2
    layer.b.assign(np.ones(4))
    layer.b.assign_add([1, 1, 1, 1])
    np.testing.assert_array_equal(layer.b.numpy(), 2 * np.ones(4))
    assert layer.w.path == f"{layer.name}/variable"


def test_add_loss_is_collected_cleared_per_call_and_trained_on():
    class ActivityPenalty(layers.Layer):
        def call(self, inputs):
            self.add_loss(0.1 * lamina.sum(inputs * inputs))
            return inputs

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(3)
            self.penalty = ActivityPenalty()

        def call(self, x):
            return self.penalty(self.dense(x))

    net = Net()
    out = net(X[:4])
    assert len(net.losses) == 1
    np.testing.assert_allclose(net.losses[0].item(), 0.1 * float(np.sum(out.data ** 2)), rtol=1e-5)
    net(X[:4])
    assert len(net.losses) == 1  # the previous call's term was cleared
    net.compile(optimizer="sgd", loss="mse")
    with_penalty = net.evaluate(X, np.zeros((40, 3)), batch_size=40, verbose=0)
    plain = float(np.mean(net.predict(X, verbose=0) ** 2))
    assert with_penalty == pytest.approx(plain + 0.1 * float(np.sum(net.predict(X, verbose=0) ** 2)), rel=1e-4)


def test_freezing_a_layer_freezes_its_sublayers_and_batch_norm_runs_in_inference():
    block = MLPBlock()
    block(X[:2])
    block.trainable = False
    assert block.trainable_weights == [] and len(block.non_trainable_weights) == 4
    assert not block.hidden.trainable and not block.hidden.kernel.requires_grad
    block.trainable = True
    assert len(block.trainable_weights) == 4

    bn = layers.BatchNormalization()
    bn(X)
    bn.trainable = False
    before = bn.moving_mean.numpy().copy()
    bn(X * 3 + 1, training=True)
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_training_flag_reaches_sublayers_called_without_it():
    class WithDropout(keras.Model):
        def __init__(self):
            super().__init__()
            self.drop = layers.Dropout(0.5, seed=1)

        def call(self, x):
            return self.drop(x)  # no training= here: inherited from the outer call

    model = WithDropout()
    ones = np.ones((4, 100), np.float32)
    assert np.array_equal(model(ones).numpy(), ones)
    dropped = model(ones, training=True).numpy()
    assert (dropped == 0).any() and set(np.unique(dropped)) <= {0.0, 2.0}


def test_custom_train_step_test_step_and_metrics_property():
    """The keras.io guide's pattern: its own loss tracker and metric, listed in `metrics` for the epoch resets."""
    class CustomModel(keras.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.steps_seen = 0

        def train_step(self, data):
            x, y = data
            with lamina.GradientTape() as tape:
                y_pred = self(x, training=True)
                loss = lamina.mean((y_pred - y) ** 2)
            gradients = tape.gradient(loss, self.trainable_variables)
            self.optimizer.apply(gradients, self.trainable_variables)
            self.loss_tracker.update_state(loss.numpy())
            self.mae_metric.update_state(y, y_pred.numpy())
            self.steps_seen += 1
            return {"loss": self.loss_tracker.result(), "mae": self.mae_metric.result()}

        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            self.mae_metric.update_state(y, y_pred.numpy())
            return {"mae": self.mae_metric.result()}

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

    inputs = keras.Input(shape=(5,))
    model = CustomModel(inputs, layers.Dense(1)(inputs))
    model.compile(optimizer="adam")
    history = model.fit(X, Y, epochs=3, batch_size=10, verbose=0, validation_data=(X, Y))
    assert model.steps_seen == 12
    assert sorted(history.history) == ["loss", "mae", "val_mae"]
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(X, Y, verbose=0, return_dict=True).keys() == {"mae"}


def test_compute_loss_override_is_used_by_fit():
    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = layers.Dense(1)

        def call(self, x):
            return self.dense(x)

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            return lamina.mean(lamina.abs(y_pred - y)) * 2.0

    net = Net()
    net.compile(optimizer="sgd", loss="mse")
    loss = net.evaluate(X, Y, batch_size=40, verbose=0)
    assert loss == pytest.approx(2.0 * float(np.mean(np.abs(net.predict(X, verbose=0) - Y))), rel=1e-5)


def test_build_a_subclassed_model_from_a_shape_and_summarize(capsys):
    class Net(keras.Model):
        def __init__(self):
            super().__init__(name="net")
            self.a = layers.Dense(4, name="a")
            self.b = layers.Dense(1, name="b")

        def call(self, x):
            return self.b(self.a(x))

    net = Net()
    net.build((None, 3))
    assert net.count_params() == 3 * 4 + 4 + 5
    net.summary()
    text = capsys.readouterr().out
    assert 'Model: "net"' in text and "a (Dense)" in text and "Total params: 21" in text


class ActivityPenalty(layers.Layer):
    """No weights; its loss term is 1e-2 * mean(inputs) (the subclassing guide's ActivityRegularizationLayer)."""

    def call(self, inputs):
        self.add_loss(1e-2 * keras.ops.mean(inputs))
        return inputs


def test_a_model_whose_layers_have_no_weights_fits_with_a_warning_as_in_keras():
    inputs = keras.Input(shape=(5,))
    model = keras.Model(inputs, ActivityPenalty()(inputs))
    model.compile(optimizer="adam", loss="mse")
    with pytest.warns(UserWarning, match='Model "functional" has no trainable weights: fit will not change them'):
        history = model.fit(X, X + 1, epochs=1, batch_size=40, verbose=0)
    assert history.history["loss"][0] == pytest.approx(1.0 + 1e-2 * X.mean(), rel=1e-5)


def test_compile_without_a_loss_minimizes_the_add_loss_terms():
    inputs = keras.Input(shape=(5,))
    model = keras.Model(inputs, ActivityPenalty()(layers.Dense(5)(inputs)))
    model.compile(optimizer="sgd")
    before = float(model.evaluate(X, Y, verbose=0, batch_size=40))
    assert before == pytest.approx(1e-2 * float(np.mean(model.predict(X, verbose=0))), rel=1e-4)
    history = model.fit(X, Y, epochs=3, batch_size=40, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]  # the penalty alone drives training


def test_compile_without_a_loss_and_no_add_loss_is_an_error_naming_both_ways():
    model = keras.Sequential([keras.Input(shape=(5,)), layers.Dense(1)])
    model.compile(optimizer="sgd")
    before = model.get_weights()
    with pytest.raises(ValueError, match=r"has no loss to compute: compile it with loss=.*self.add_loss"):
        model.fit(X, Y, epochs=1, verbose=0)
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)
