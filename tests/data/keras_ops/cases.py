"""The keras.ops cases shared by make_fixtures.py (run under real Keras) and tests/test_keras_ops_values.py.

Each case: name -> (expression, inputs, differentiable). The expression is evaluated with ``ops`` (keras.ops
or lamina.keras.ops), ``activations`` (keras.activations or lamina.keras.activations) and the inputs bound to
a, b, c. Inputs are described, not stored here: ``make_inputs`` draws them from a seeded generator and the
fixture file keeps the exact arrays, so both libraries see the same numbers. ``differentiable`` names the
inputs (by letter) whose gradient the tests check numerically.
"""

from __future__ import annotations

import numpy as np

N = ("normal",)
POS = ("positive",)
PROB = ("probability",)


def _spec(kind, shape, *extra):
    return (kind[0], shape) + extra


CASES = {
    # arithmetic
    "add": ("ops.add(a, b)", [_spec(N, (3, 4)), _spec(N, (4,))], "ab"),
    "subtract": ("ops.subtract(a, b)", [_spec(N, (3, 4)), _spec(N, (3, 1))], "ab"),
    "multiply": ("ops.multiply(a, b)", [_spec(N, (2, 3)), _spec(N, (2, 3))], "ab"),
    "divide": ("ops.divide(a, b)", [_spec(N, (2, 3)), _spec(POS, (3,))], "ab"),
    "true_divide": ("ops.true_divide(a, b)", [_spec(N, (2, 3)), _spec(POS, (2, 3))], "ab"),
    "divide_int": ("ops.divide(a, b)", [("int", (4,), 1, 9), ("int", (4,), 1, 5)], ""),
    "negative": ("ops.negative(a)", [_spec(N, (2, 3))], "a"),
    "power_tensor": ("ops.power(a, b)", [_spec(POS, (2, 3)), _spec(N, (2, 3))], "ab"),
    "power_number": ("ops.power(a, 3)", [_spec(N, (2, 3))], "a"),
    "square": ("ops.square(a)", [_spec(N, (2, 3))], "a"),
    "sqrt": ("ops.sqrt(a)", [_spec(POS, (2, 3))], "a"),
    "exp": ("ops.exp(a)", [_spec(N, (2, 3))], "a"),
    "log": ("ops.log(a)", [_spec(POS, (2, 3))], "a"),
    "log1p": ("ops.log1p(a)", [_spec(POS, (2, 3))], "a"),
    "expm1": ("ops.expm1(a)", [_spec(N, (2, 3))], "a"),
    "abs": ("ops.abs(a)", [_spec(N, (2, 3))], "a"),
    "sign": ("ops.sign(a)", [_spec(N, (2, 3))], ""),
    "reciprocal": ("ops.reciprocal(a)", [_spec(POS, (2, 3))], "a"),
    "sin": ("ops.sin(a)", [_spec(N, (2, 3))], "a"),
    "cos": ("ops.cos(a)", [_spec(N, (2, 3))], "a"),
    "round": ("ops.round(a * 3)", [_spec(N, (2, 3))], ""),
    "floor": ("ops.floor(a * 3)", [_spec(N, (2, 3))], ""),
    "mod": ("ops.mod(a, b)", [("int", (5,), -9, 9), ("int", (5,), 1, 4)], ""),
    "maximum": ("ops.maximum(a, b)", [_spec(N, (3, 4)), _spec(N, (4,))], "ab"),
    "minimum": ("ops.minimum(a, b)", [_spec(N, (3, 4)), _spec(N, (3, 4))], "ab"),
    "clip": ("ops.clip(a, -0.5, 0.5)", [_spec(N, (3, 4))], "a"),
    "clip_int": ("ops.clip(a, 2, 5)", [("int", (6,), 0, 9)], ""),
    "where": ("ops.where(ops.greater(a, 0), a, b)", [_spec(N, (3, 4)), _spec(N, (3, 4))], "ab"),
    "where_indices": ("ops.where(ops.greater(a, 0))[1]", [_spec(N, (3, 4))], ""),
    # products
    "matmul": ("ops.matmul(a, b)", [_spec(N, (3, 4)), _spec(N, (4, 2))], "ab"),
    "matmul_batched": ("ops.matmul(a, b)", [_spec(N, (2, 3, 4)), _spec(N, (4, 5))], "ab"),
    "matmul_vector": ("ops.matmul(a, b)", [_spec(N, (3, 4)), _spec(N, (4,))], "ab"),
    "dot": ("ops.dot(a, b)", [_spec(N, (3, 4)), _spec(N, (4, 2))], "ab"),
    "dot_3d": ("ops.dot(a, b)", [_spec(N, (2, 3, 4)), _spec(N, (4, 5))], "ab"),
    "dot_scalar": ("ops.dot(a, 2.0)", [_spec(N, (2, 3))], "a"),
    "tensordot_1": ("ops.tensordot(a, b, axes=1)", [_spec(N, (2, 3)), _spec(N, (3, 4))], "ab"),
    "tensordot_lists": ("ops.tensordot(a, b, axes=([1, 2], [0, 1]))", [_spec(N, (2, 3, 4)), _spec(N, (3, 4, 2))],
                        "ab"),
    "outer": ("ops.outer(a, b)", [_spec(N, (3,)), _spec(N, (4,))], "ab"),
    # reductions
    "sum": ("ops.sum(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "sum_keepdims": ("ops.sum(a, axis=(0, 2), keepdims=True)", [_spec(N, (2, 3, 4))], "a"),
    "sum_bool": ("ops.sum(ops.greater(a, 0))", [_spec(N, (3, 4))], ""),
    "mean": ("ops.mean(a, axis=(0, 2))", [_spec(N, (2, 3, 4))], "a"),
    "mean_int": ("ops.mean(a)", [("int", (5,), 0, 9)], ""),
    "max": ("ops.max(a, axis=0)", [_spec(N, (3, 4))], "a"),
    "max_initial": ("ops.max(a, initial=0.5)", [_spec(N, (3,))], "a"),
    "min": ("ops.min(a, axis=1, keepdims=True)", [_spec(N, (3, 4))], "a"),
    "prod": ("ops.prod(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "prod_all": ("ops.prod(a)", [_spec(POS, (2, 3))], "a"),
    "std": ("ops.std(a, axis=0)", [_spec(N, (5, 3))], "a"),
    "var": ("ops.var(a, axis=1, keepdims=True)", [_spec(N, (3, 5))], "a"),
    "argmax": ("ops.argmax(a, axis=1)", [_spec(N, (3, 4))], ""),
    "argmax_flat": ("ops.argmax(a)", [_spec(N, (3, 4))], ""),
    "argmin": ("ops.argmin(a, axis=0)", [_spec(N, (3, 4))], ""),
    "argsort": ("ops.argsort(a, axis=-1)", [_spec(N, (3, 4))], ""),
    "sort": ("ops.sort(a, axis=0)", [_spec(N, (3, 4))], "a"),
    "cumsum": ("ops.cumsum(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "cumsum_flat": ("ops.cumsum(a)", [_spec(N, (2, 3))], "a"),
    "all": ("ops.all(ops.greater(a, -1.0), axis=1)", [_spec(N, (3, 4))], ""),
    "any": ("ops.any(ops.greater(a, 1.0), axis=0)", [_spec(N, (3, 4))], ""),
    "logsumexp": ("ops.logsumexp(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "logsumexp_all": ("ops.logsumexp(a * 100.0)", [_spec(N, (3, 4))], "a"),
    "norm": ("ops.norm(a)", [_spec(N, (3, 4))], "a"),
    "norm_axis": ("ops.norm(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "norm_ord1": ("ops.norm(a, ord=1, axis=0, keepdims=True)", [_spec(N, (3, 4))], "a"),
    "norm_inf": ("ops.norm(a, ord=float('inf'), axis=-1)", [_spec(N, (3, 4))], "a"),
    "norm_p3": ("ops.norm(a, ord=3, axis=-1)", [_spec(N, (3, 4))], "a"),
    "norm_matrix1": ("ops.norm(a, ord=1)", [_spec(N, (3, 4))], "a"),
    "norm_fro": ("ops.norm(a, ord='fro', axis=(1, 2))", [_spec(N, (2, 3, 4))], "a"),
    "moments_mean": ("ops.moments(a, axes=[0, 1])[0]", [_spec(N, (2, 3, 4))], "a"),
    "moments_var": ("ops.moments(a, axes=[0], keepdims=True)[1]", [_spec(N, (5, 3))], "a"),
    # shapes
    "reshape": ("ops.reshape(a, (2, -1))", [_spec(N, (3, 4))], "a"),
    "transpose": ("ops.transpose(a, axes=(1, 0, 2))", [_spec(N, (2, 3, 4))], "a"),
    "transpose_default": ("ops.transpose(a)", [_spec(N, (2, 3, 4))], "a"),
    "expand_dims": ("ops.expand_dims(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "squeeze": ("ops.squeeze(a, axis=1)", [_spec(N, (3, 1, 4))], "a"),
    "squeeze_all": ("ops.squeeze(a)", [_spec(N, (1, 3, 1))], "a"),
    "concatenate": ("ops.concatenate([a, b], axis=1)", [_spec(N, (3, 2)), _spec(N, (3, 4))], "ab"),
    "stack": ("ops.stack([a, b], axis=1)", [_spec(N, (3, 4)), _spec(N, (3, 4))], "ab"),
    "split": ("ops.split(a, 2, axis=1)[1]", [_spec(N, (3, 4))], "a"),
    "split_indices": ("ops.split(a, [1, 3], axis=0)[1]", [_spec(N, (5, 2))], "a"),
    "tile": ("ops.tile(a, (2, 1, 3))", [_spec(N, (3, 2))], "a"),
    "repeat": ("ops.repeat(a, 2, axis=0)", [_spec(N, (3, 2))], "a"),
    "repeat_flat": ("ops.repeat(a, 3)", [_spec(N, (2, 2))], "a"),
    "broadcast_to": ("ops.broadcast_to(a, (2, 3, 4))", [_spec(N, (3, 1))], "a"),
    "flip": ("ops.flip(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "roll": ("ops.roll(a, 2, axis=1)", [_spec(N, (3, 4))], "a"),
    "slice": ("ops.slice(a, [1, 0], [2, 3])", [_spec(N, (3, 4))], "a"),
    "swapaxes": ("ops.swapaxes(a, 0, 2)", [_spec(N, (2, 3, 4))], "a"),
    "moveaxis": ("ops.moveaxis(a, 0, -1)", [_spec(N, (2, 3, 4))], "a"),
    "ravel": ("ops.ravel(a)", [_spec(N, (2, 3))], "a"),
    "take": ("ops.take(a, b, axis=1)", [_spec(N, (3, 4)), ("int", (2, 3), 0, 4)], "a"),
    "take_flat": ("ops.take(a, b)", [_spec(N, (3, 4)), ("int", (5,), 0, 12)], "a"),
    "take_along_axis": ("ops.take_along_axis(a, b, axis=1)", [_spec(N, (3, 4)), ("int", (3, 2), 0, 4)], "a"),
    "top_k_values": ("ops.top_k(a, 2).values", [_spec(N, (3, 5))], "a"),
    "top_k_indices": ("ops.top_k(a, 3)[1]", [_spec(N, (3, 5))], ""),
    "stop_gradient": ("ops.stop_gradient(a)", [_spec(N, (2, 3))], ""),
    "cast": ("ops.cast(a * 3, 'int32')", [_spec(N, (2, 3))], ""),
    "cast_float": ("ops.cast(a, 'float64')", [_spec(N, (2, 3))], ""),
    # creation
    "ones": ("ops.ones((2, 3))", [], ""),
    "zeros_int": ("ops.zeros((2,), dtype='int32')", [], ""),
    "full": ("ops.full((2, 2), 7.0)", [], ""),
    "eye": ("ops.eye(3, 4, k=1)", [], ""),
    "identity": ("ops.identity(3)", [], ""),
    "arange": ("ops.arange(2, 11, 3)", [], ""),
    "arange_float": ("ops.arange(0.0, 1.0, 0.25)", [], ""),
    "linspace": ("ops.linspace(0.0, 1.0, 5)", [], ""),
    "ones_like": ("ops.ones_like(a)", [_spec(N, (2, 3))], ""),
    "zeros_like": ("ops.zeros_like(a)", [("int", (3,), 0, 5)], ""),
    "full_like": ("ops.full_like(a, 2.5)", [_spec(N, (2, 3))], ""),
    "one_hot": ("ops.one_hot(a, 4)", [("int", (5,), 0, 4)], ""),
    "one_hot_axis0": ("ops.one_hot(a, 3, axis=0)", [("int", (2, 2), 0, 3)], ""),
    "multi_hot": ("ops.multi_hot(a, 5)", [("int", (3, 2), 0, 5)], ""),
    # comparisons and logic
    "equal": ("ops.equal(a, b)", [("int", (6,), 0, 3), ("int", (6,), 0, 3)], ""),
    "not_equal": ("ops.not_equal(a, b)", [("int", (6,), 0, 3), ("int", (6,), 0, 3)], ""),
    "greater": ("ops.greater(a, b)", [_spec(N, (3, 4)), _spec(N, (4,))], ""),
    "greater_equal": ("ops.greater_equal(a, 0)", [("int", (6,), -2, 3)], ""),
    "less": ("ops.less(a, 0.0)", [_spec(N, (3, 4))], ""),
    "less_equal": ("ops.less_equal(a, b)", [("int", (6,), 0, 3), ("int", (6,), 0, 3)], ""),
    "logical_and": ("ops.logical_and(ops.greater(a, 0), ops.less(b, 0))", [_spec(N, (3, 4)), _spec(N, (3, 4))],
                    ""),
    "logical_or": ("ops.logical_or(ops.greater(a, 0), ops.less(b, 0))", [_spec(N, (3, 4)), _spec(N, (3, 4))], ""),
    "logical_not": ("ops.logical_not(ops.greater(a, 0))", [_spec(N, (3, 4))], ""),
    "isnan": ("ops.isnan(ops.log(a))", [_spec(N, (3, 4))], ""),
    "isfinite": ("ops.isfinite(ops.divide(a, b))", [_spec(N, (6,)), ("int", (6,), 0, 2)], ""),
    # neural-network functions
    "relu": ("ops.relu(a)", [_spec(N, (3, 4))], "a"),
    "relu6": ("ops.relu6(a * 4)", [_spec(N, (3, 4))], "a"),
    "sigmoid": ("ops.sigmoid(a)", [_spec(N, (3, 4))], "a"),
    "tanh": ("ops.tanh(a)", [_spec(N, (3, 4))], "a"),
    "softmax": ("ops.softmax(a)", [_spec(N, (3, 4))], "a"),
    "softmax_axis0": ("ops.softmax(a, axis=0)", [_spec(N, (3, 4))], "a"),
    "log_softmax": ("ops.log_softmax(a, axis=-1)", [_spec(N, (3, 4))], "a"),
    "elu": ("ops.elu(a, alpha=0.5)", [_spec(N, (3, 4))], "a"),
    "selu": ("ops.selu(a)", [_spec(N, (3, 4))], "a"),
    "gelu": ("ops.gelu(a)", [_spec(N, (3, 4))], "a"),
    "gelu_exact": ("ops.gelu(a, approximate=False)", [_spec(N, (3, 4))], "a"),
    "silu": ("ops.silu(a)", [_spec(N, (3, 4))], "a"),
    "swish": ("ops.swish(a)", [_spec(N, (3, 4))], "a"),
    "softplus": ("ops.softplus(a * 10)", [_spec(N, (3, 4))], "a"),
    "softsign": ("ops.softsign(a)", [_spec(N, (3, 4))], "a"),
    "hard_sigmoid": ("ops.hard_sigmoid(a * 3)", [_spec(N, (3, 4))], "a"),
    "hard_silu": ("ops.hard_silu(a * 3)", [_spec(N, (3, 4))], "a"),
    "leaky_relu": ("ops.leaky_relu(a)", [_spec(N, (3, 4))], "a"),
    "leaky_relu_slope": ("ops.leaky_relu(a, negative_slope=0.1)", [_spec(N, (3, 4))], "a"),
    "log_sigmoid": ("ops.log_sigmoid(a * 10)", [_spec(N, (3, 4))], "a"),
    "hard_tanh": ("ops.hard_tanh(a * 2)", [_spec(N, (3, 4))], "a"),
    "erf": ("ops.erf(a * 2)", [_spec(N, (3, 4))], "a"),
    "normalize": ("ops.normalize(a, axis=-1)", [_spec(N, (3, 4))], "a"),
    "normalize_l1": ("ops.normalize(a, axis=0, order=1)", [_spec(N, (3, 4))], "a"),
    "binary_crossentropy": ("ops.binary_crossentropy(a, b)", [_spec(PROB, (3, 2)), _spec(PROB, (3, 2))], "ab"),
    "binary_crossentropy_logits": ("ops.binary_crossentropy(a, b, from_logits=True)",
                                   [_spec(PROB, (3, 2)), _spec(N, (3, 2))], "ab"),
    "categorical_crossentropy": ("ops.categorical_crossentropy(a, b)", [("onehot", (3, 4)), _spec(PROB, (3, 4))],
                                 "b"),
    "categorical_crossentropy_logits": ("ops.categorical_crossentropy(a, b, from_logits=True)",
                                        [("onehot", (3, 4)), _spec(N, (3, 4))], "ab"),
    "sparse_categorical_crossentropy": ("ops.sparse_categorical_crossentropy(a, b)",
                                        [("int", (3,), 0, 4), _spec(PROB, (3, 4))], "b"),
    "sparse_categorical_crossentropy_logits": ("ops.sparse_categorical_crossentropy(a, b, from_logits=True)",
                                               [("int", (3, 1), 0, 4), _spec(N, (3, 4))], "b"),
    # keras.activations (their defaults differ from keras.ops's in places: gelu is exact here)
    "act_elu": ("activations.elu(a)", [_spec(N, (3, 4))], "a"),
    "act_selu": ("activations.selu(a)", [_spec(N, (3, 4))], "a"),
    "act_gelu": ("activations.gelu(a)", [_spec(N, (3, 4))], "a"),
    "act_gelu_approximate": ("activations.gelu(a, approximate=True)", [_spec(N, (3, 4))], "a"),
    "act_silu": ("activations.silu(a)", [_spec(N, (3, 4))], "a"),
    "act_swish": ("activations.swish(a)", [_spec(N, (3, 4))], "a"),
    "act_softplus": ("activations.softplus(a * 10)", [_spec(N, (3, 4))], "a"),
    "act_softsign": ("activations.softsign(a)", [_spec(N, (3, 4))], "a"),
    "act_hard_sigmoid": ("activations.hard_sigmoid(a * 3)", [_spec(N, (3, 4))], "a"),
    "act_hard_silu": ("activations.hard_silu(a * 3)", [_spec(N, (3, 4))], "a"),
    "act_exponential": ("activations.exponential(a)", [_spec(N, (3, 4))], "a"),
    "act_mish": ("activations.mish(a * 3)", [_spec(N, (3, 4))], "a"),
    "act_relu6": ("activations.relu6(a * 4)", [_spec(N, (3, 4))], "a"),
}


def make_inputs(specs, rng):
    """The arrays for one case, drawn in order from ``rng``. Floats are float32 (both libraries' default)."""
    arrays = []
    for spec in specs:
        kind, shape = spec[0], spec[1]
        if kind == "normal":
            array = rng.standard_normal(shape)
            array[np.abs(array) < 0.05] += 0.1  # away from kinks at 0 (abs, relu) for the gradient checks
        elif kind == "positive":
            array = rng.uniform(0.5, 2.0, shape)
        elif kind == "probability":
            array = rng.uniform(0.05, 0.95, shape)
        elif kind == "onehot":
            array = np.eye(shape[-1])[rng.integers(0, shape[-1], shape[:-1])]
        elif kind == "int":
            array = rng.integers(spec[2], spec[3], shape).astype(np.int32)
        else:
            raise ValueError(kind)
        arrays.append(array.astype(np.float32) if array.dtype.kind == "f" else array)
    return arrays


# TensorFlow names under `import lamina as tf` (evaluated with ``tf`` bound to tensorflow, then to lamina).
TF_CASES = {
    "tf_constant_fill": ("tf.constant(3.0, shape=(2, 2))", [], ""),
    "tf_reduce_sum": ("tf.reduce_sum(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "tf_reduce_mean": ("tf.reduce_mean(a)", [_spec(N, (3, 4))], "a"),
    "tf_reduce_max": ("tf.reduce_max(a, axis=0, keepdims=True)", [_spec(N, (3, 4))], "a"),
    "tf_reduce_min": ("tf.reduce_min(a, axis=-1)", [_spec(N, (3, 4))], "a"),
    "tf_reduce_prod": ("tf.reduce_prod(a, axis=0)", [_spec(N, (3, 4))], "a"),
    "tf_math_reduce_std": ("tf.math.reduce_std(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "tf_reduce_logsumexp": ("tf.math.reduce_logsumexp(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "tf_add_n": ("tf.add_n([a, b, a])", [_spec(N, (3, 4)), _spec(N, (3, 4))], "ab"),
    "tf_linspace": ("tf.linspace(0.0, 2.0, 5)", [], ""),
    "tf_range": ("tf.range(1, 10, 2)", [], ""),
    "tf_range_float": ("tf.range(3.0)", [], ""),
    "tf_one_hot": ("tf.one_hot(a, 3)", [("int", (4,), 0, 4)], ""),
    "tf_one_hot_values": ("tf.one_hot(a, 3, on_value=5.0, off_value=-1.0, axis=0)", [("int", (4,), 0, 3)], ""),
    "tf_cast": ("tf.cast(a * 3, tf.int32)", [_spec(N, (2, 3))], ""),
    "tf_argmax": ("tf.argmax(a)", [_spec(N, (3, 4))], ""),
    "tf_argmin": ("tf.argmin(a, axis=1)", [_spec(N, (3, 4))], ""),
    "tf_shape": ("tf.shape(a)", [_spec(N, (3, 4))], ""),
    "tf_concat": ("tf.concat([a, b], axis=0)", [_spec(N, (1, 4)), _spec(N, (2, 4))], "ab"),
    "tf_stack": ("tf.stack([a, b], axis=1)", [_spec(N, (3,)), _spec(N, (3,))], "ab"),
    "tf_expand_dims": ("tf.expand_dims(a, -1)", [_spec(N, (3,))], "a"),
    "tf_squeeze": ("tf.squeeze(a)", [_spec(N, (3, 1))], "a"),
    "tf_reshape": ("tf.reshape(a, [4, 3])", [_spec(N, (3, 4))], "a"),
    "tf_transpose": ("tf.transpose(a)", [_spec(N, (3, 4))], "a"),
    "tf_transpose_perm": ("tf.transpose(a, [1, 0, 2])", [_spec(N, (2, 3, 4))], "a"),
    "tf_matmul": ("tf.matmul(a, b)", [_spec(N, (3, 4)), _spec(N, (4, 2))], "ab"),
    "tf_where": ("tf.where(a > 0, a, b)", [_spec(N, (3, 4)), _spec(N, (3, 4))], "ab"),
    "tf_clip_by_value": ("tf.clip_by_value(a, -0.5, 0.5)", [_spec(N, (3, 4))], "a"),
    "tf_maximum": ("tf.maximum(a, 0.0)", [_spec(N, (3, 4))], "a"),
    "tf_minimum": ("tf.minimum(a, b)", [_spec(N, (3, 4)), _spec(N, (3, 4))], "ab"),
    "tf_square": ("tf.square(a)", [_spec(N, (3, 4))], "a"),
    "tf_sqrt": ("tf.sqrt(a)", [_spec(POS, (3, 4))], "a"),
    "tf_exp": ("tf.exp(a)", [_spec(N, (3, 4))], "a"),
    "tf_math_log": ("tf.math.log(a)", [_spec(POS, (3, 4))], "a"),
    "tf_math_sigmoid": ("tf.math.sigmoid(a)", [_spec(N, (3, 4))], "a"),
    "tf_math_equal": ("tf.math.equal(a, b)", [("int", (6,), 0, 3), ("int", (6,), 0, 3)], ""),
    "tf_math_cumsum": ("tf.math.cumsum(a, axis=1, exclusive=True, reverse=True)", [_spec(N, (3, 4))], "a"),
    "tf_math_top_k": ("tf.math.top_k(a, k=2).values", [_spec(N, (3, 5))], "a"),
    "tf_math_in_top_k": ("tf.math.in_top_k(b, a, 2)", [_spec(N, (4, 5)), ("int", (4,), 0, 5)], ""),
    "tf_confusion_matrix": ("tf.math.confusion_matrix(a, b, num_classes=3)", [("int", (8,), 0, 3),
                                                                               ("int", (8,), 0, 3)], ""),
    "tf_split_sizes": ("tf.split(a, [1, 3], axis=1)[1]", [_spec(N, (2, 4))], "a"),
    "tf_gather": ("tf.gather(a, b)", [_spec(N, (4, 3)), ("int", (5,), 0, 4)], "a"),
    "tf_tile": ("tf.tile(a, [2, 1])", [_spec(N, (2, 3))], "a"),
    "tf_sort_descending": ("tf.sort(a, direction='DESCENDING')", [_spec(N, (3, 4))], "a"),
    "tf_argsort_descending": ("tf.argsort(a, direction='DESCENDING')", [_spec(N, (3, 4))], ""),
    "tf_norm": ("tf.norm(a)", [_spec(N, (3, 4))], "a"),
    "tf_norm_axis": ("tf.norm(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "tf_zeros_like": ("tf.zeros_like(a)", [_spec(N, (2, 3))], ""),
    "tf_ones": ("tf.ones((2, 3), dtype=tf.int32)", [], ""),
    "tf_fill": ("tf.fill([2, 2], 1.5)", [], ""),
    "tf_nn_relu": ("tf.nn.relu(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_relu6": ("tf.nn.relu6(a * 4)", [_spec(N, (3, 4))], "a"),
    "tf_nn_sigmoid": ("tf.nn.sigmoid(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_softmax": ("tf.nn.softmax(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_log_softmax": ("tf.nn.log_softmax(a, axis=0)", [_spec(N, (3, 4))], "a"),
    "tf_nn_gelu": ("tf.nn.gelu(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_gelu_approximate": ("tf.nn.gelu(a, approximate=True)", [_spec(N, (3, 4))], "a"),
    "tf_nn_silu_beta": ("tf.nn.silu(a, beta=2.0)", [_spec(N, (3, 4))], "a"),
    "tf_nn_leaky_relu": ("tf.nn.leaky_relu(a, alpha=0.1)", [_spec(N, (3, 4))], "a"),
    "tf_nn_elu": ("tf.nn.elu(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_selu": ("tf.nn.selu(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_softplus": ("tf.nn.softplus(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_softsign": ("tf.nn.softsign(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_sigmoid_ce": ("tf.nn.sigmoid_cross_entropy_with_logits(labels=a, logits=b)",
                         [_spec(PROB, (3, 2)), _spec(N, (3, 2))], "ab"),
    "tf_nn_softmax_ce": ("tf.nn.softmax_cross_entropy_with_logits(labels=a, logits=b)",
                         [("onehot", (3, 4)), _spec(N, (3, 4))], "ab"),
    "tf_nn_sparse_softmax_ce": ("tf.nn.sparse_softmax_cross_entropy_with_logits(labels=a, logits=b)",
                                [("int", (3,), 0, 4), _spec(N, (3, 4))], "b"),
    "tf_nn_l2_loss": ("tf.nn.l2_loss(a)", [_spec(N, (3, 4))], "a"),
    "tf_nn_l2_normalize": ("tf.nn.l2_normalize(a, axis=1)", [_spec(N, (3, 4))], "a"),
    "tf_nn_moments_var": ("tf.nn.moments(a, axes=[0])[1]", [_spec(N, (5, 3))], "a"),
    "tf_nn_bias_add": ("tf.nn.bias_add(a, b)", [_spec(N, (3, 4)), _spec(N, (4,))], "ab"),
    "tf_nn_compute_average_loss": ("tf.nn.compute_average_loss(a, global_batch_size=8)", [_spec(N, (4,))], "a"),
}


# keras.utils helpers on NumPy arrays (evaluated with ``utils`` bound to keras.utils, then lamina.keras.utils).
UTILS_CASES = {
    "utils_to_categorical": ("utils.to_categorical(a, 4)", [("int", (5,), 0, 4)], ""),
    "utils_to_categorical_inferred": ("utils.to_categorical(a)", [("int", (4, 1), 0, 3)], ""),
    "utils_to_categorical_2d": ("utils.to_categorical(a, 3)", [("int", (2, 3), 0, 3)], ""),
    "utils_normalize": ("utils.normalize(a)", [_spec(N, (3, 4))], ""),
    "utils_normalize_l1": ("utils.normalize(a, axis=1, order=1)", [_spec(N, (3, 4))], ""),
}
