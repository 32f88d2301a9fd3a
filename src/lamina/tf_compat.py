"""TensorFlow's names under ``import lamina as tf``, for programs that use a few next to ``tf.keras``.

``lamina.__getattr__`` asks ``lookup(name)`` for any name the package itself lacks. This module imports
nothing from Lamina at load time (it is consulted while other modules are still importing); the objects live
in ``tf_core`` (tensors, creation, shapes, ``tf.function``, ``tf.config``), ``tf_math``, ``tf_nn`` and
``lamina.random`` (``tf.random``), and load when a program first uses one. ``tf.data`` and ``tf.image`` are
Lamina's own ``lamina.data`` and ``lamina.image`` (``tf.TensorSpec`` is ``lamina.data``'s).

A TensorFlow name that Lamina does not implement (``tf.saved_model``, ``tf.distribute``, ...) raises an
AttributeError that says so, instead of failing later in a confusing way.

Names that Lamina itself defines at its top level keep Lamina's meaning: ``tf.where(c, x, y)``,
``tf.transpose(x)``, ``tf.matmul(a, b)``, ``tf.reshape``, ``tf.stack`` work as in TensorFlow, but the one-argument
``tf.where(c)``, ``tf.transpose(x, perm=...)`` (pass the permutation positionally) and ``tf.matmul``'s
``transpose_a`` / ``transpose_b`` do not.
"""

from __future__ import annotations

import importlib
from typing import Any

_CORE_NAMES = (
    "constant", "convert_to_tensor", "identity", "shape", "size", "rank", "zeros", "ones",
    "zeros_like", "ones_like", "fill", "range", "linspace", "one_hot", "concat", "expand_dims", "squeeze", "split",
    "tile", "gather", "clip_by_value", "sort", "argsort", "norm", "function", "executing_eagerly",
    "print", "config", "test", "newaxis",
)
_DTYPES = {name: name for name in ("float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                                   "uint16", "uint32", "uint64", "bool")}
_DTYPES.update(half="float16", double="float64")
_MATH_NAMES = (
    "reduce_sum", "reduce_mean", "reduce_max", "reduce_min", "reduce_prod", "reduce_std", "reduce_variance",
    "reduce_logsumexp", "reduce_any", "reduce_all", "argmax", "argmin", "add_n", "square", "pow", "sign",
    "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and", "logical_or",
    "logical_not", "cumsum", "round", "floor", "ceil", "truediv", "floordiv", "rsqrt", "reciprocal",
)
_WHERE: dict[str, tuple[str, str]] = {  # tf name -> (lamina module, name there)
    **{name: ("tf_core", name) for name in _CORE_NAMES},
    **{name: ("tf_math", name) for name in _MATH_NAMES},
    "Variable": ("variables", "Variable"),  # the class itself: isinstance(v, tf.Variable) works
    "stop_gradient": ("array_primitives", "stop_gradient"),
    "cast": ("array_primitives", "cast"),
    "broadcast_to": ("array_primitives", "broadcast_to"),
    "TensorSpec": ("data.structure", "TensorSpec"),  # from_generator's output_signature=tf.TensorSpec(...)
}
_SUBMODULES = {"nn": "tf_nn", "math": "tf_math", "random": "random", "dtypes": "dtypes"}

# TensorFlow names that Lamina does not implement: reaching one says so, naming the name.
UNIMPLEMENTED = frozenset({
    "distribute", "saved_model", "lite", "io", "strings", "sparse", "ragged", "summary",
    "signal", "linalg", "audio", "estimator", "compat", "train", "autograph", "xla", "feature_column", "lookup",
    "queue", "sets", "bitwise", "experimental", "tpu", "types", "mlir", "profiler", "debugging", "quantization",
    "TensorArray", "TensorShape", "RaggedTensor", "SparseTensor", "IndexedSlices", "DType",
    "py_function", "numpy_function", "while_loop", "cond", "case", "switch_case", "map_fn", "scan", "foldl",
    "vectorized_map", "custom_gradient", "recompute_grad", "Module", "Graph", "Session", "placeholder",
    "get_static_value", "device", "name_scope", "init_scope", "control_dependencies", "einsum", "gather_nd",
    "scatter_nd", "tensor_scatter_nd_update", "tensor_scatter_nd_add", "unique", "pad", "meshgrid",
    "searchsorted", "boolean_mask", "sequence_mask", "reverse", "unstack", "slice", "strided_slice",
    "string", "complex64", "complex128", "bfloat16", "qint8", "variant", "resource", "gradients",
    "nest", "keras_tensor", "Operation", "OptionalSpec", "random_uniform_initializer",
    "constant_initializer", "zeros_initializer", "ones_initializer", "random_normal_initializer",
    "sysconfig", "errors", "version_compat", "load_op_library", "register_tensor_conversion_function",
})


def not_implemented(where: str, name: str) -> AttributeError:
    """The error for a TensorFlow name that Lamina lacks."""
    return AttributeError(f"{where}.{name} is a TensorFlow name that Lamina does not implement "
                          f"(under `import lamina as tf`, Lamina covers tf.keras and the common tensor functions; "
                          f"see lamina.tf_compat)")


def lookup(name: str) -> Any:
    """The TensorFlow-named object for ``name``; AttributeError when Lamina has none (with the reason)."""
    if name in _DTYPES:  # tf.float32 is NumPy's dtype: `x.dtype == tf.float32` and `dtype=tf.float32` work
        import numpy as np
        return np.dtype(_DTYPES[name])
    if name == "version":
        return importlib.import_module(".tf_core", __package__).version()
    if name in _SUBMODULES:
        return importlib.import_module(f".{_SUBMODULES[name]}", __package__)
    source = _WHERE.get(name)
    if source is not None:
        return getattr(importlib.import_module(f".{source[0]}", __package__), source[1])
    if name in UNIMPLEMENTED:
        raise not_implemented("tf", name)
    raise AttributeError(f"module 'lamina' has no attribute {name!r}")
