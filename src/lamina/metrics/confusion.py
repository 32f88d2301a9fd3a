"""Confusion-matrix metrics: true/false positive/negative counts, precision, recall and AUC, as Keras computes them.

At a threshold t a prediction is positive when y_pred > t; a label is positive when nonzero. With weights w
(sample weights, 1 without them):

    TP(t) = sum w [y and y_pred > t]      FP(t) = sum w [not y and y_pred > t]
    FN(t) = sum w [y] - TP(t)             TN(t) = sum w [not y] - FP(t)
    precision = TP / (TP + FP),  recall = TP / (TP + FN)   (0 where the denominator is 0)

Counting works on all thresholds at once: each prediction passes the first k sorted thresholds, so a histogram of
k and a reversed cumulative sum give every TP(t) and FP(t) in O(N + T). For evenly spaced thresholds (AUC's
default) k comes from Keras's bucket formula ceil(p (T - 1)) in float32, so the counts equal Keras's exactly.

AUC accumulates the four counts at ``num_thresholds`` thresholds (default 200: -eps, 1/199, ..., 198/199, 1 + eps)
and integrates the curve: ROC, the recall over the false positive rate FP / (FP + TN); PR, the precision over
the recall. With ``summation_method="interpolation"`` ROC uses the trapezoid rule and PR the interpolation of
Davis & Goadrich (2006), which integrates the precision exactly on a line between two points of (TP, TP + FP)
space; "minoring" / "majoring" take the lower / upper of two neighbouring heights.
"""

from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..kernels.numpy_layers import sigmoid_array as _sigmoid_array
from .base import Metric, as_array, same_rank

NEG_INF = -1e10  # Keras's stand-in score for the classes outside the top k
_EPSILON = 1e-7
_CONDITIONS = ("true_positives", "false_positives", "true_negatives", "false_negatives")


def _divide_no_nan(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a / b, and 0 where b == 0 (Keras's divide_no_nan)."""
    b_safe = np.where(b == 0, 1, b)
    return np.where(b == 0, 0.0, a / b_safe).astype(np.result_type(a, b), copy=False)


def parse_thresholds(thresholds: Any, default: float, owner: str) -> list[float]:
    """``thresholds`` as a list (``default`` when None), each checked to lie in [0, 1]."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [thresholds]
    bad = [t for t in values if t is None or not 0 <= float(t) <= 1]
    if bad or not values:
        raise ValueError(f"{owner}: threshold values must be in [0, 1]; received {thresholds!r}")
    return [float(t) for t in values]


def evenly_spaced(thresholds: Sequence[float]) -> bool:
    """Whether the thresholds are 0, 1/(T-1), ..., 1 (up to eps), which allows the bucket formula."""
    count = len(thresholds)
    if count < 3:
        return False
    return bool(np.allclose(thresholds, np.arange(count, dtype=np.float32) / (count - 1), atol=_EPSILON))


def _top_k_only(y_pred: np.ndarray, k: int) -> np.ndarray:
    """y_pred with every score outside its row's k largest replaced by NEG_INF (ties: the lower index wins)."""
    order = np.argsort(-y_pred, axis=-1, kind="stable")[..., :k]
    keep = np.zeros(y_pred.shape, dtype=bool)
    np.put_along_axis(keep, order, True, axis=-1)
    return np.where(keep, y_pred, np.float32(NEG_INF)).astype(y_pred.dtype)


def _passed(y_pred: np.ndarray, thresholds: np.ndarray, evenly: bool) -> np.ndarray:
    """How many of the (sorted) thresholds each prediction exceeds."""
    count = len(thresholds)
    if evenly:
        with_epsilon = thresholds[0] < 0 or thresholds[-1] > 1
        p = np.clip(y_pred.astype(np.float32), 0, 1)
        bucket = np.ceil(p * np.float32(count - 1)).astype(np.int64) - 1
        if with_epsilon:
            bucket = np.maximum(bucket, 0)  # every prediction in [0, 1] exceeds -eps
        return bucket + 1
    return np.searchsorted(thresholds.astype(np.float32), y_pred.astype(np.float32), side="left")


def _cumulative(passed: np.ndarray, weights: np.ndarray, count: int) -> np.ndarray:
    """For each threshold i, the total weight of the predictions that exceed it (passed > i); over the last axis
    of ``passed`` separately when it has two (one column per label)."""
    if passed.ndim == 1:
        histogram = np.bincount(passed, weights=weights, minlength=count + 1)
        return np.cumsum(histogram[::-1])[::-1][1:]
    labels = passed.shape[1]
    offsets = passed + (count + 1) * np.arange(labels)
    histogram = np.bincount(offsets.ravel(), weights=weights.ravel(), minlength=(count + 1) * labels)
    histogram = histogram.reshape(labels, count + 1)
    return np.cumsum(histogram[:, ::-1], axis=1)[:, ::-1][:, 1:].T


def confusion_counts(y_true: Any, y_pred: Any, thresholds: Sequence[float], sample_weight: Any = None,
                     top_k: int | None = None, class_id: int | None = None, multi_label: bool = False,
                     label_weights: Any = None, evenly: bool | None = None) -> dict[str, np.ndarray]:
    """TP, FP, TN and FN at every threshold (in the given order), as Keras's update_confusion_matrix_variables.

    Returns arrays of shape (T,), or (T, labels) with ``multi_label``.
    """
    y_true = as_array(y_true).astype(np.float32)
    y_pred = as_array(y_pred).astype(np.float32)
    y_pred, y_true = same_rank(y_pred, y_true)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"labels of shape {y_true.shape} do not match predictions of shape {y_pred.shape}")
    weights = np.ones(y_pred.shape, dtype=np.float64)
    if sample_weight is not None:
        w = as_array(sample_weight).astype(np.float64)
        w = w.reshape(w.shape + (1,) * (y_pred.ndim - w.ndim)) if 0 < w.ndim < y_pred.ndim else w
        try:
            weights = np.broadcast_to(w, y_pred.shape).astype(np.float64)
        except ValueError:
            raise ValueError(f"sample_weight of shape {np.shape(sample_weight)} does not match predictions of "
                             f"shape {y_pred.shape}") from None
    if top_k is not None:
        y_pred = _top_k_only(y_pred, top_k)
    if class_id is not None:
        if y_pred.ndim < 2:
            raise ValueError(f"class_id needs predictions of shape (samples, classes); received {y_pred.shape}")
        y_true, y_pred, weights = (a[..., class_id, None] for a in (y_true, y_pred, weights))
    if label_weights is not None and not multi_label:
        weights = weights * np.broadcast_to(as_array(label_weights, np.float64), y_pred.shape)
    if not multi_label:
        y_true, y_pred, weights = y_true.ravel(), y_pred.ravel(), weights.ravel()
    elif y_pred.ndim != 2:
        raise ValueError(f"multi_label needs predictions of shape (samples, labels); received {y_pred.shape}")
    positive = y_true != 0
    if len(thresholds) == 1 and not multi_label:  # the common case (Precision, Recall): one comparison
        predicted = y_pred > np.float32(thresholds[0])
        unweighted = sample_weight is None and label_weights is None
        counts = [np.count_nonzero(mask) if unweighted else np.sum(weights, where=mask)
                  for mask in (positive & predicted, ~positive & predicted, ~positive & ~predicted,
                               positive & ~predicted)]
        return {key: np.array([value], dtype=np.float64) for key, value in zip(_CONDITIONS, counts)}
    thresholds = np.asarray(thresholds, dtype=np.float64)
    order = np.argsort(thresholds, kind="stable")
    evenly = evenly_spaced(thresholds[order]) if evenly is None else evenly
    passed = _passed(y_pred, thresholds[order], evenly)
    true_positives = _cumulative(passed, weights * positive, len(order))
    false_positives = _cumulative(passed, weights * ~positive, len(order))
    all_positive = np.sum(weights * positive, axis=0)
    all_negative = np.sum(weights * ~positive, axis=0)
    counts = {"true_positives": true_positives, "false_positives": false_positives,
              "true_negatives": all_negative - false_positives, "false_negatives": all_positive - true_positives}
    restore = np.argsort(order)  # back to the order the thresholds were given in
    return {key: value[restore] for key, value in counts.items()}


class _ConfusionMetric(Metric):
    """Accumulates some of the four counts at ``thresholds`` (one variable per count)."""

    _counts: tuple[str, ...] = ()

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.top_k = None if top_k is None else int(top_k)
        self.class_id = None if class_id is None else int(class_id)
        default = 0.5 if top_k is None else NEG_INF
        self.thresholds = parse_thresholds(thresholds, default, type(self).__name__)
        for count in self._counts:
            setattr(self, count, self.add_variable(shape=(len(self.thresholds),), initializer="zeros",
                                                   name=self._variable_names.get(count, count)))

    _variable_names: dict[str, str] = {}

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        counts = confusion_counts(y_true, y_pred, self.thresholds, sample_weight, self.top_k, self.class_id)
        for count in self._counts:
            getattr(self, count).assign_add(counts[count])

    def _value(self, values: np.ndarray) -> Any:
        return float(values[0]) if len(self.thresholds) == 1 else values.astype(self._dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "thresholds": self.init_thresholds}


class _Count(_ConfusionMetric):
    _variable_names = {count: "accumulator" for count in _CONDITIONS}  # Keras's name for the one count

    def __init__(self, thresholds: Any = None, name: str | None = None, dtype: Any = None):
        super().__init__(thresholds, name=name, dtype=dtype)

    def result(self) -> Any:
        return self._value(getattr(self, self._counts[0]).data)


class TruePositives(_Count):
    """The (weighted) number of positive labels predicted positive (y_pred > threshold)."""
    _counts = ("true_positives",)


class FalsePositives(_Count):
    """The (weighted) number of negative labels predicted positive."""
    _counts = ("false_positives",)


class TrueNegatives(_Count):
    """The (weighted) number of negative labels predicted negative."""
    _counts = ("true_negatives",)


class FalseNegatives(_Count):
    """The (weighted) number of positive labels predicted negative."""
    _counts = ("false_negatives",)


class _Ratio(_ConfusionMetric):
    """TP / (TP + the second count), 0 where that sum is 0, per threshold."""

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str | None = None, dtype: Any = None):
        super().__init__(thresholds, top_k, class_id, name, dtype)

    def result(self) -> Any:
        true_positives, other = (getattr(self, count).data for count in self._counts)
        return self._value(_divide_no_nan(true_positives, true_positives + other))

    def get_config(self):
        return {**super().get_config(), "top_k": self.top_k, "class_id": self.class_id}


class Precision(_Ratio):
    """TP / (TP + FP): of the predicted positives, the fraction that are positive (0 when none is predicted).

    Args:
        thresholds: a threshold in [0, 1] or a list of them (one result each); default 0.5.
        top_k: count only each row's k highest scores as predicted positives.
        class_id: look at one class (column) only.
    """

    _counts = ("true_positives", "false_positives")

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str = "precision", dtype: Any = None):
        super().__init__(thresholds, top_k, class_id, name, dtype)


class Recall(_Ratio):
    """TP / (TP + FN): of the actual positives, the fraction found (0 when there are none). Args: as Precision's."""

    _counts = ("true_positives", "false_negatives")

    def __init__(self, thresholds: Any = None, top_k: int | None = None, class_id: int | None = None,
                 name: str = "recall", dtype: Any = None):
        super().__init__(thresholds, top_k, class_id, name, dtype)


class AUC(Metric):
    """The area under the ROC (default) or precision-recall curve, from counts at fixed thresholds.

    Args:
        num_thresholds: how many thresholds (> 1) discretize the curve; default 200.
        curve: "ROC", "PR" or "PRGAIN".
        summation_method: "interpolation" (default), "minoring" or "majoring".
        thresholds: explicit thresholds in [0, 1] instead (-eps and 1 + eps are added).
        multi_label: one curve per label column, averaged (weighted by ``label_weights``), instead of
            flattening all columns into one.
        num_labels: the number of labels with ``multi_label`` (else known at the first update).
        label_weights: per-label weights (of the average with multi_label, of the counts without).
        from_logits: apply a sigmoid to y_pred first.
    """

    def __init__(self, num_thresholds: int = 200, curve: str = "ROC", summation_method: str = "interpolation",
                 name: str | None = None, dtype: Any = None, thresholds: Sequence[float] | None = None,
                 multi_label: bool = False, num_labels: int | None = None, label_weights: Any = None,
                 from_logits: bool = False):
        curves = {"roc": "ROC", "pr": "PR", "prgain": "PRGAIN"}
        methods = ("interpolation", "minoring", "majoring")
        if str(curve).lower() not in curves:
            raise ValueError(f"AUC: curve must be one of 'ROC', 'PR', 'PRGAIN'; received {curve!r}")
        if str(summation_method).lower() not in methods:
            raise ValueError(f"AUC: summation_method must be one of {methods}; received {summation_method!r}")
        if thresholds is not None:
            inner = sorted(parse_thresholds(list(thresholds), 0.5, "AUC"))
            self._evenly = evenly_spaced([0.0, *inner, 1.0])
        else:
            if isinstance(num_thresholds, bool) or int(num_thresholds) != num_thresholds or num_thresholds <= 1:
                raise ValueError(f"AUC: num_thresholds must be an integer > 1; received {num_thresholds!r}")
            inner = [(i + 1) / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        self.num_thresholds = len(inner) + 2
        self._thresholds = np.array([-_EPSILON, *inner, 1.0 + _EPSILON])
        self._init_thresholds = None if thresholds is None else list(thresholds)
        self.curve = curves[str(curve).lower()]
        self.summation_method = str(summation_method).lower()
        self.multi_label = bool(multi_label)
        self.num_labels = num_labels
        self.from_logits = bool(from_logits)
        super().__init__(name=name, dtype=dtype)
        self.label_weights = None if label_weights is None else as_array(label_weights, self._dtype)
        self._built = False
        if self.multi_label and num_labels:
            self._build(int(num_labels))
        elif not self.multi_label:
            if num_labels:
                raise ValueError("AUC: num_labels is needed only when multi_label=True")
            self._build(None)

    @property
    def thresholds(self) -> list[float]:
        return list(self._thresholds)

    def _build(self, labels: int | None) -> None:
        shape = (self.num_thresholds,) if labels is None else (self.num_thresholds, labels)
        for count in _CONDITIONS:
            setattr(self, count, self.add_variable(shape=shape, initializer="zeros", name=count))
        self._built = True

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = as_array(y_pred)
        if not self._built:
            if y_pred.ndim != 2:
                raise ValueError(f"AUC: multi_label needs predictions of shape (samples, labels); received "
                                 f"{y_pred.shape}")
            self._build(y_pred.shape[1])
        if self.from_logits:
            y_pred = _sigmoid_array(y_pred.astype(np.float32))
        counts = confusion_counts(y_true, y_pred, self._thresholds, sample_weight, multi_label=self.multi_label,
                                  label_weights=None if self.multi_label else self.label_weights,
                                  evenly=self._evenly)
        for count in _CONDITIONS:
            getattr(self, count).assign_add(counts[count])

    def reset_state(self) -> None:
        if self._built:
            super().reset_state()

    def _average(self, per_label: np.ndarray) -> float:
        if not self.multi_label:
            return float(np.sum(per_label))
        by_label = np.sum(per_label, axis=0)
        if self.label_weights is None:
            return float(np.mean(by_label))
        return float(_divide_no_nan(np.sum(by_label * self.label_weights), np.sum(self.label_weights)))

    def _interpolated_pr(self, tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> float:
        """Davis & Goadrich: between thresholds A and B, precision = (TP_A + slope (P - P_A)) / P with
        P = TP + FP and slope = dTP / dP; its integral over dTP, divided by all positives."""
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        slope = _divide_no_nan(dtp, np.maximum(dp, 0))
        intercept = tp[1:] - slope * p[1:]
        both_positive = (p[:-1] > 0) & (p[1:] > 0)
        ratio = np.where(both_positive, _divide_no_nan(p[:-1], np.maximum(p[1:], 0)), 1.0)
        increments = _divide_no_nan(slope * (dtp + intercept * np.log(ratio)), np.maximum(tp[1:] + fn[1:], 0))
        return self._average(increments)

    def result(self) -> float:
        if not self._built:
            return 0.0
        tp, fp = self.true_positives.data, self.false_positives.data
        tn, fn = self.true_negatives.data, self.false_negatives.data
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self._interpolated_pr(tp, fp, fn)
        recall = _divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            x, y = _divide_no_nan(fp, fp + tn), recall
        elif self.curve == "PR":
            x, y = recall, _divide_no_nan(tp, tp + fp)
        else:  # PRGAIN: precision and recall gains, scaled by positives / negatives
            scale = _divide_no_nan(tp + fn, tn + fp)
            recall_gain = np.where(tp == 0, 0.0, 1.0 - scale * _divide_no_nan(fn, tp))
            precision_gain = np.where(tp == 0, 1.0, 1.0 - scale * _divide_no_nan(fp, tp))
            x, y = np.maximum(recall_gain, 0.0), precision_gain
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = np.minimum(y[:-1], y[1:])
        else:
            heights = np.maximum(y[:-1], y[1:])
        return self._average((x[:-1] - x[1:]) * heights)

    def get_config(self) -> dict[str, Any]:
        config = {**super().get_config(), "num_thresholds": self.num_thresholds, "curve": self.curve,
                  "summation_method": self.summation_method, "multi_label": self.multi_label,
                  "num_labels": self.num_labels,
                  "label_weights": None if self.label_weights is None else self.label_weights.tolist(),
                  "from_logits": self.from_logits}
        if self._init_thresholds is not None:
            config["thresholds"] = self._thresholds[1:-1].tolist()
        return config
