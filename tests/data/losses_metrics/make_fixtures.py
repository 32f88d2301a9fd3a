"""Write the Keras-made fixtures of tests/test_losses_keras.py, test_metrics_keras.py and test_metrics_compile.py
(run with a Python that has Keras 3; the checked-in files were written by Keras 3.15.1, TensorFlow 2.21):

    /work/tfvenv/bin/python tests/data/losses_metrics/make_fixtures.py

- ``fixtures.json``: the inputs (float32 values from a fixed seed), then for every loss Keras's value under each
  reduction, with and without sample weights, and its gradient with respect to y_pred; every metric's result
  after one unweighted batch and after a second, sample-weighted one; and, for models compiled with loss and
  metric *names*, what ``evaluate`` returns and the history keys ``fit`` writes.
- ``<name>.keras``: small models compiled with losses and metrics by name and as objects, for the .keras tests.
"""

from __future__ import annotations

import json
import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(2024)


def f32(array) -> np.ndarray:
    return np.asarray(array, dtype=np.float32)


def softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return f32(e / e.sum(axis=-1, keepdims=True))


def make_inputs() -> dict[str, np.ndarray]:
    n = 8
    labels = RNG.integers(0, 4, n)
    inputs = {
        "reg_true": f32(RNG.normal(size=(n, 3))), "reg_pred": f32(RNG.normal(size=(n, 3)) * 1.5),
        "pos_true": f32(RNG.integers(0, 4, (n, 3))), "pos_pred": f32(RNG.uniform(0.1, 3.0, (n, 3))),
        "bin_true": f32(RNG.integers(0, 2, (n, 1))), "bin_pred": f32(RNG.uniform(0.02, 0.98, (n, 1))),
        "multi_true": f32(RNG.integers(0, 2, (n, 3))), "multi_pred": f32(RNG.uniform(0.02, 0.98, (n, 3))),
        "sparse_true": f32(labels), "onehot_true": f32(np.eye(4)[labels]),
        "cat_pred": softmax(RNG.normal(size=(n, 4)) * 2), "logits": f32(RNG.normal(size=(n, 4)) * 2),
        "dist_true": softmax(RNG.normal(size=(n, 4))),
        "signed_true": f32(RNG.choice([-1.0, 1.0], (n, 3))), "margin_pred": f32(RNG.normal(size=(n, 3))),
        "sample_weight": f32(RNG.uniform(0.2, 2.0, n)),
        # for AUC and the other threshold metrics: more samples, scores correlated with the labels
        "auc_true": f32(RNG.integers(0, 2, 60)),
    }
    inputs["auc_pred"] = f32(np.clip(0.35 * inputs["auc_true"] + RNG.uniform(0, 0.65, 60), 0, 1))
    inputs["auc_multi_true"] = f32(RNG.integers(0, 2, (60, 3)))
    inputs["auc_multi_pred"] = f32(np.clip(0.3 * inputs["auc_multi_true"] + RNG.uniform(0, 0.7, (60, 3)), 0, 1))
    inputs["auc_weight"] = f32(RNG.uniform(0.2, 2.0, 60))
    return inputs


# (Keras class, kwargs, y_true key, y_pred key)
LOSSES = [
    ("MeanSquaredError", {}, "reg_true", "reg_pred"),
    ("MeanAbsoluteError", {}, "reg_true", "reg_pred"),
    ("MeanAbsolutePercentageError", {}, "reg_true", "reg_pred"),
    ("MeanSquaredLogarithmicError", {}, "pos_true", "pos_pred"),
    ("Huber", {}, "reg_true", "reg_pred"),
    ("Huber", {"delta": 0.4}, "reg_true", "reg_pred"),
    ("LogCosh", {}, "reg_true", "reg_pred"),
    ("CosineSimilarity", {}, "reg_true", "reg_pred"),
    ("CosineSimilarity", {"axis": 0}, "reg_true", "reg_pred"),
    ("Hinge", {}, "multi_true", "margin_pred"),
    ("Hinge", {}, "signed_true", "margin_pred"),
    ("SquaredHinge", {}, "multi_true", "margin_pred"),
    ("CategoricalHinge", {}, "onehot_true", "margin_pred_4"),
    ("KLDivergence", {}, "dist_true", "cat_pred"),
    ("Poisson", {}, "pos_true", "pos_pred"),
    ("BinaryCrossentropy", {}, "bin_true", "bin_pred"),
    ("BinaryCrossentropy", {"label_smoothing": 0.2}, "multi_true", "multi_pred"),
    ("BinaryCrossentropy", {"from_logits": True}, "multi_true", "margin_pred"),
    ("CategoricalCrossentropy", {}, "onehot_true", "cat_pred"),
    ("CategoricalCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "onehot_true", "logits"),
    ("SparseCategoricalCrossentropy", {}, "sparse_true", "cat_pred"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_true", "logits"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 2}, "sparse_true", "cat_pred"),
    ("BinaryFocalCrossentropy", {}, "multi_true", "multi_pred"),
    ("BinaryFocalCrossentropy", {"apply_class_balancing": True, "gamma": 1.5, "label_smoothing": 0.1},
     "multi_true", "multi_pred"),
    ("CategoricalFocalCrossentropy", {}, "onehot_true", "cat_pred"),
    ("CategoricalFocalCrossentropy", {"from_logits": True, "alpha": 0.5}, "onehot_true", "logits"),
    ("Dice", {}, "multi_true", "multi_pred"),
    ("Dice", {"axis": 1}, "multi_true", "multi_pred"),
    ("Tversky", {"alpha": 0.3, "beta": 0.7, "axis": 1}, "multi_true", "multi_pred"),
]
# Keras's function of each class, checked per sample
FUNCTIONS = {"MeanSquaredError": "mean_squared_error", "MeanAbsoluteError": "mean_absolute_error",
             "MeanAbsolutePercentageError": "mean_absolute_percentage_error",
             "MeanSquaredLogarithmicError": "mean_squared_logarithmic_error", "Huber": "huber",
             "LogCosh": "log_cosh", "CosineSimilarity": "cosine_similarity", "Hinge": "hinge",
             "SquaredHinge": "squared_hinge", "CategoricalHinge": "categorical_hinge",
             "KLDivergence": "kl_divergence", "Poisson": "poisson", "BinaryCrossentropy": "binary_crossentropy",
             "CategoricalCrossentropy": "categorical_crossentropy",
             "SparseCategoricalCrossentropy": "sparse_categorical_crossentropy",
             "BinaryFocalCrossentropy": "binary_focal_crossentropy",
             "CategoricalFocalCrossentropy": "categorical_focal_crossentropy"}

# (Keras class, kwargs, y_true key, y_pred key, sample weight key)
METRICS = [
    ("Mean", {}, None, "reg_pred", "sample_weight"),
    ("Sum", {}, None, "reg_pred", "sample_weight"),
    ("Accuracy", {}, "sparse_true", "sparse_pred_argmax", "sample_weight"),
    ("BinaryAccuracy", {}, "bin_true", "bin_pred", "sample_weight"),
    ("BinaryAccuracy", {"threshold": 0.7}, "multi_true", "multi_pred", "sample_weight"),
    ("CategoricalAccuracy", {}, "onehot_true", "cat_pred", "sample_weight"),
    ("SparseCategoricalAccuracy", {}, "sparse_true", "cat_pred", "sample_weight"),
    ("TopKCategoricalAccuracy", {"k": 2}, "onehot_true", "cat_pred", "sample_weight"),
    ("SparseTopKCategoricalAccuracy", {"k": 2}, "sparse_true", "cat_pred", "sample_weight"),
    ("MeanSquaredError", {}, "reg_true", "reg_pred", "sample_weight"),
    ("MeanAbsoluteError", {}, "reg_true", "reg_pred", "sample_weight"),
    ("MeanAbsolutePercentageError", {}, "reg_true", "reg_pred", "sample_weight"),
    ("MeanSquaredLogarithmicError", {}, "pos_true", "pos_pred", "sample_weight"),
    ("RootMeanSquaredError", {}, "reg_true", "reg_pred", "sample_weight"),
    ("CosineSimilarity", {}, "reg_true", "reg_pred", "sample_weight"),
    ("LogCoshError", {}, "reg_true", "reg_pred", "sample_weight"),
    ("Hinge", {}, "multi_true", "margin_pred", "sample_weight"),
    ("SquaredHinge", {}, "signed_true", "margin_pred", "sample_weight"),
    ("CategoricalHinge", {}, "onehot_true", "margin_pred_4", "sample_weight"),
    ("KLDivergence", {}, "dist_true", "cat_pred", "sample_weight"),
    ("Poisson", {}, "pos_true", "pos_pred", "sample_weight"),
    ("BinaryCrossentropy", {}, "bin_true", "bin_pred", "sample_weight"),
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}, "multi_true", "margin_pred",
     "sample_weight"),
    ("CategoricalCrossentropy", {}, "onehot_true", "cat_pred", "sample_weight"),
    ("SparseCategoricalCrossentropy", {"from_logits": True}, "sparse_true", "logits", "sample_weight"),
    ("SparseCategoricalCrossentropy", {"ignore_class": 1}, "sparse_true", "cat_pred", "sample_weight"),
    ("TruePositives", {}, "auc_true", "auc_pred", "auc_weight"),
    ("FalsePositives", {"thresholds": [0.3, 0.6]}, "auc_true", "auc_pred", "auc_weight"),
    ("TrueNegatives", {}, "auc_true", "auc_pred", "auc_weight"),
    ("FalseNegatives", {}, "auc_true", "auc_pred", "auc_weight"),
    ("Precision", {}, "auc_true", "auc_pred", "auc_weight"),
    ("Precision", {"thresholds": [0.2, 0.5, 0.8]}, "auc_true", "auc_pred", "auc_weight"),
    ("Precision", {"thresholds": [0.0, 0.25, 0.5, 0.75, 1.0]}, "auc_true", "auc_pred", "auc_weight"),
    ("Precision", {"top_k": 1}, "multi_true", "multi_pred", "sample_weight"),
    ("Precision", {"class_id": 2}, "multi_true", "multi_pred", "sample_weight"),
    ("Recall", {}, "auc_true", "auc_pred", "auc_weight"),
    ("Recall", {"thresholds": 0.35}, "auc_multi_true", "auc_multi_pred", "auc_weight"),
    ("Recall", {"top_k": 2, "class_id": 1}, "multi_true", "multi_pred", "sample_weight"),
    ("AUC", {}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"curve": "PR"}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"curve": "PRGAIN"}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"summation_method": "minoring"}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"curve": "PR", "summation_method": "majoring"}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"num_thresholds": 7}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"thresholds": [0.1, 0.45, 0.5, 0.9]}, "auc_true", "auc_pred", "auc_weight"),
    ("AUC", {"from_logits": True}, "multi_true", "margin_pred", "sample_weight"),
    ("AUC", {}, "auc_multi_true", "auc_multi_pred", "auc_weight"),
    ("AUC", {"multi_label": True}, "auc_multi_true", "auc_multi_pred", "auc_weight"),
    ("AUC", {"multi_label": True, "label_weights": [0.2, 1.0, 3.0], "curve": "PR"}, "auc_multi_true",
     "auc_multi_pred", "auc_weight"),
    ("AUC", {"label_weights": [0.2, 1.0, 3.0]}, "auc_multi_true", "auc_multi_pred", "auc_weight"),
    ("F1Score", {}, "multi_true", "multi_pred", "sample_weight"),
    ("F1Score", {"average": "micro", "threshold": 0.5}, "multi_true", "multi_pred", "sample_weight"),
    ("F1Score", {"average": "macro", "threshold": 0.4}, "multi_true", "multi_pred", "sample_weight"),
    ("FBetaScore", {"average": "weighted", "beta": 2.0, "threshold": 0.5}, "multi_true", "multi_pred",
     "sample_weight"),
    ("R2Score", {}, "reg_true", "reg_pred", "sample_weight"),
    ("R2Score", {"class_aggregation": "variance_weighted_average", "num_regressors": 2}, "reg_true", "reg_pred",
     "sample_weight"),
    ("R2Score", {"class_aggregation": None}, "reg_true", "reg_pred", "sample_weight"),
]

# Models compiled with names: (setup, loss name, metric names). A name Keras refuses is recorded as refused.
COMPILED = [
    ("binary", "binary_crossentropy", ["accuracy", "binary_accuracy", "auc", "precision", "recall",
                                        "true_positives", "false_positives", "true_negatives", "false_negatives",
                                        "binary_crossentropy", "bce", "hinge", "squared_hinge", "mse", "mae",
                                        "AUC", "Precision"]),
    ("binary", "hinge", ["accuracy"]), ("binary", "squared_hinge", []), ("binary", "bce", []),
    ("binary", "binary_focal_crossentropy", []), ("binary", "crossentropy", []), ("binary", "dice", []),
    ("binary", "tversky", []),
    ("sparse", "sparse_categorical_crossentropy", ["accuracy", "acc", "sparse_categorical_accuracy",
                                                   "sparse_top_k_categorical_accuracy",
                                                   "sparse_categorical_crossentropy"]),
    ("sparse", "ce", []),
    ("onehot", "categorical_crossentropy", ["accuracy", "categorical_accuracy", "top_k_categorical_accuracy",
                                            "categorical_crossentropy", "categorical_hinge", "kl_divergence",
                                            "poisson", "cosine_similarity", "f1_score"]),
    ("onehot", "categorical_crossentropy", ["kld"]), ("regression", "mse", ["logcosh"]),
    ("onehot", "kl_divergence", []), ("onehot", "kld", []), ("onehot", "KLD", []), ("onehot", "poisson", []),
    ("onehot", "categorical_hinge", []), ("onehot", "categorical_focal_crossentropy", []),
    ("onehot", "crossentropy", []),
    ("regression", "mse", ["mape", "msle", "mae", "mse", "mean_squared_error", "root_mean_squared_error",
                           "cosine_similarity", "log_cosh_error", "r2_score", "mean_absolute_percentage_error",
                           "mean_squared_logarithmic_error", "MAPE"]),
    ("regression", "huber", []), ("regression", "log_cosh", []), ("regression", "mape", []),
    ("regression", "msle", []), ("regression", "mae", []), ("regression", "cosine_similarity", []),
    ("regression", "mean_absolute_percentage_error", []), ("regression", "mean_squared_logarithmic_error", []),
    ("regression", "huber_loss", []), ("regression", "logcosh", []), ("regression", "MSE", []),
]


def setup(kind: str, inputs: dict[str, np.ndarray]):
    """(model factory, x, y): a one-Dense model whose weights come from the fixed seed."""
    rng = np.random.default_rng(7)
    x = f32(rng.normal(size=(24, 4)))
    units, activation = {"binary": (1, "sigmoid"), "sparse": (5, "softmax"), "onehot": (5, "softmax"),
                         "regression": (3, "sigmoid")}[kind]
    kernel = f32(rng.normal(size=(4, units)) * 0.7)
    bias = f32(rng.normal(size=(units,)) * 0.2)
    labels = rng.integers(0, 5, 24)
    y = {"binary": f32(rng.integers(0, 2, (24, 1))), "sparse": labels, "onehot": f32(np.eye(5)[labels]),
         "regression": f32(rng.uniform(0.1, 3.0, (24, 3)))}[kind]

    def build():
        model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(units, activation=activation)])
        model.set_weights([kernel, bias])
        return model

    return build, x, y, kernel, bias, activation


def loss_entries(inputs: dict[str, np.ndarray]) -> list[dict]:
    entries = []
    weight = inputs["sample_weight"]
    for class_name, kwargs, true_key, pred_key in LOSSES:
        y_true, y_pred = inputs[true_key], inputs[pred_key]
        cls = getattr(keras.losses, class_name)
        entry = {"class_name": class_name, "kwargs": kwargs, "y_true": true_key, "y_pred": pred_key, "values": {}}
        for reduction in ("sum_over_batch_size", "sum", "mean_with_sample_weight", "none"):
            for weighted in (False, True):
                loss = cls(reduction=reduction, **kwargs)
                key = f"{reduction}{'/weighted' if weighted else ''}"
                try:
                    value = loss(y_true, y_pred, sample_weight=weight if weighted else None)
                except Exception as error:  # noqa: BLE001 - e.g. per-column values against per-sample weights
                    entry["values"][key] = {"error": type(error).__name__}
                    continue
                entry["values"][key] = np.asarray(value).tolist()
        variable = tf.Variable(y_pred)
        with tf.GradientTape() as tape:
            value = cls(**kwargs)(y_true, variable)
        entry["gradient"] = np.asarray(tape.gradient(value, variable)).tolist()
        if class_name in FUNCTIONS and not kwargs.get("ignore_class"):
            function = getattr(keras.losses, FUNCTIONS[class_name])
            function_kwargs = {k: v for k, v in kwargs.items() if k in ("delta", "axis", "from_logits",
                                                                       "label_smoothing")}
            entry["per_sample"] = np.asarray(function(y_true, y_pred, **function_kwargs)).tolist()
            entry["function"] = FUNCTIONS[class_name]
        entry["config"] = cls(**kwargs).get_config()
        entries.append(entry)
    return entries


def metric_entries(inputs: dict[str, np.ndarray]) -> list[dict]:
    entries = []
    for class_name, kwargs, true_key, pred_key, weight_key in METRICS:
        y_true = None if true_key is None else inputs[true_key]
        y_pred, weight = inputs[pred_key], inputs[weight_key]
        split = len(y_pred) * 5 // 8
        metric = getattr(keras.metrics, class_name)(**kwargs)
        args = (y_pred[:split],) if y_true is None else (y_true[:split], y_pred[:split])
        metric.update_state(*args)
        first = np.asarray(metric.result()).tolist()
        args = (y_pred[split:],) if y_true is None else (y_true[split:], y_pred[split:])
        metric.update_state(*args, sample_weight=weight[split:])
        both = np.asarray(metric.result()).tolist()
        metric.reset_state()
        after_reset = np.asarray(metric.result()).tolist()
        entries.append({"class_name": class_name, "kwargs": kwargs, "y_true": true_key, "y_pred": pred_key,
                        "sample_weight": weight_key, "split": split, "first": first, "both": both,
                        "after_reset": after_reset, "config": metric.get_config(),
                        "variables": [[v.name, list(v.shape)] for v in metric.variables]})
    return entries


def compiled_entries(inputs: dict[str, np.ndarray]) -> list[dict]:
    entries = []
    for kind, loss, metric_names in COMPILED:
        build, x, y, kernel, bias, activation = setup(kind, inputs)
        entry = {"setup": kind, "loss": loss, "metrics": metric_names, "x": x.tolist(), "y": y.tolist(),
                 "kernel": kernel.tolist(), "bias": bias.tolist(), "activation": activation}
        model = build()
        try:
            model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss, metrics=metric_names)
            entry["evaluate"] = {k: np.asarray(v).tolist()
                                 for k, v in model.evaluate(x, y, batch_size=len(x), verbose=0,
                                                            return_dict=True).items()}
            model = build()
            model.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss, metrics=metric_names)
            history = model.fit(x, y, batch_size=8, epochs=1, verbose=0, validation_data=(x, y), shuffle=False)
            entry["history_keys"] = sorted(history.history)
        except Exception as error:  # noqa: BLE001 - a refused name is a fact to record
            entry["refused"] = f"{type(error).__name__}: {error}"[:300]
        entries.append(entry)
    return entries


def keras_files(inputs: dict[str, np.ndarray]) -> None:
    """Compiled models for the .keras tests: losses and metrics by name, and as configured objects."""
    build, x, y, *_ = setup("regression", inputs)
    model = build()
    model.compile(optimizer="adam", loss="huber", metrics=["mape", "msle", "root_mean_squared_error",
                                                           "cosine_similarity", "log_cosh_error", "r2_score"])
    model.save(os.path.join(HERE, "regression_names.keras"))
    model = build()
    model.compile(optimizer="adam", loss=keras.losses.Huber(delta=0.5), metrics=[
        keras.metrics.MeanAbsolutePercentageError(name="pct"), keras.metrics.R2Score(class_aggregation="variance_weighted_average"),
        keras.metrics.CosineSimilarity(axis=-1)])
    model.save(os.path.join(HERE, "regression_objects.keras"))
    build, x, y, *_ = setup("onehot", inputs)
    model = build()
    model.compile(optimizer="rmsprop", loss="kl_divergence",
                  metrics=["auc", "top_k_categorical_accuracy", "categorical_hinge", "poisson", "precision"])
    model.save(os.path.join(HERE, "onehot_names.keras"))
    model = build()
    model.compile(optimizer="sgd", loss=keras.losses.CategoricalFocalCrossentropy(gamma=1.0),
                  metrics=[keras.metrics.AUC(num_thresholds=50, curve="PR", name="pr_auc"),
                           keras.metrics.Precision(thresholds=0.3, top_k=2),
                           keras.metrics.TopKCategoricalAccuracy(k=2), keras.metrics.F1Score(average="macro")])
    model.save(os.path.join(HERE, "onehot_objects.keras"))
    build, x, y, *_ = setup("regression", inputs)
    model = build()
    model.compile(optimizer="adam", loss=keras.losses.huber,
                  metrics=[keras.metrics.mean_absolute_error, keras.losses.kl_divergence, "mse"],
                  weighted_metrics=["mae"])
    model.save(os.path.join(HERE, "functions.keras"))


@keras.saving.register_keras_serializable(package="my_package")
class FourthPower(keras.losses.Loss):
    """A loss of the user's own, registered: Keras writes it under 'my_package>FourthPower'."""

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = scale

    def call(self, y_true, y_pred):
        return self.scale * keras.ops.mean((y_true - y_pred) ** 4, axis=-1)

    def get_config(self):
        return {**super().get_config(), "scale": self.scale}


def my_metric(y_true, y_pred):
    return keras.ops.mean(y_pred, axis=-1)


def custom_compile_config(inputs: dict[str, np.ndarray]) -> dict:
    """The compile_config Keras writes for a registered Loss subclass and a plain function metric."""
    build, *_ = setup("regression", inputs)
    model = build()
    model.compile(optimizer="sgd", loss=FourthPower(scale=2.0, name="fourth"), metrics=[my_metric, "mae"])
    return model.get_compile_config() if hasattr(model, "get_compile_config") else {}


def main() -> None:
    inputs = make_inputs()
    inputs["margin_pred_4"] = f32(RNG.normal(size=(8, 4)))
    inputs["sparse_pred_argmax"] = f32(np.argmax(inputs["cat_pred"], axis=-1))
    fixtures = {"keras_version": keras.__version__, "inputs": {k: v.tolist() for k, v in inputs.items()},
                "losses": loss_entries(inputs), "metrics": metric_entries(inputs),
                "compiled": compiled_entries(inputs), "custom_compile_config": custom_compile_config(inputs)}
    with open(os.path.join(HERE, "fixtures.json"), "w") as f:
        json.dump(fixtures, f, separators=(",", ":"), default=lambda o: np.asarray(o).tolist())
    keras_files(inputs)
    print(keras.__version__, len(fixtures["losses"]), "losses,", len(fixtures["metrics"]), "metrics,",
          len(fixtures["compiled"]), "compiled models")


if __name__ == "__main__":
    main()
