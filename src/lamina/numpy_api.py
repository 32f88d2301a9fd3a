"""``keras.ops``'s NumPy-like math: arithmetic, elementwise functions, reductions, comparisons and logic.

Every function takes tensors, arrays, lists or numbers, with Keras 3's signature (``x1, x2``; ``axis=None,
keepdims=False``), and returns a ``lamina.Tensor``: differentiable through Lamina's primitives when the result
is floating, a bool Tensor for comparisons and logic, an int32 Tensor for argmax / argmin. dtypes follow
Keras's promotion (``lamina.dtypes``): integers meeting floats take the float's dtype, integer input to a
floating-only function (sqrt, mean, divide, ...) becomes floatx.

>>> from lamina.keras import ops
>>> ops.mean(ops.square(ops.subtract([1.0, 2.0], [0.0, 4.0])))
tensor(2.5)
"""

from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

import numpy as np

from . import ops as _ops
from . import array_primitives as _prim
from .dtypes import as_float, is_weak, result_dtype, to_tensor
from .special import erf as _erf
from .tensor import Tensor

__all__ = [
    "add", "subtract", "multiply", "divide", "true_divide", "negative", "power", "square", "sqrt", "exp", "log",
    "log1p", "expm1", "abs", "absolute", "sign", "reciprocal", "sin", "cos", "floor", "ceil", "round", "mod",
    "floor_divide", "maximum", "minimum", "clip", "where", "matmul", "dot", "tensordot", "outer", "erf",
    "sum", "mean", "max", "min", "amax", "amin", "prod", "std", "var", "argmax", "argmin", "cumsum", "all", "any",
    "count_nonzero", "equal", "not_equal", "greater", "greater_equal", "less", "less_equal", "logical_and",
    "logical_or", "logical_not", "logical_xor", "isnan", "isfinite", "isinf",
]

Axis = "int | Sequence[int] | None"


# ----- operands ----------------------------------------------------------------------------------------------
def _operands(x1: Any, x2: Any) -> tuple[Tensor, Tensor]:
    """Both operands as tensors of Keras's common dtype (floats keep their graph through a float cast)."""
    dtype = result_dtype(x1, x2)
    return _as(x1, dtype), _as(x2, dtype)


def _as(value: Any, dtype: np.dtype) -> Tensor:
    if isinstance(value, Tensor):
        return value if value.dtype == dtype else _prim.cast(value, dtype)
    return to_tensor(np.asarray(value) if is_weak(value) else value, dtype)


def _unary_float(function: Callable[[Tensor], Tensor]) -> Callable[[Any], Tensor]:
    """An elementwise function defined on floats: integer input becomes floatx first."""
    def wrapped(x: Any) -> Tensor:
        return function(as_float(to_tensor(x)))
    wrapped.__name__ = function.__name__
    wrapped.__doc__ = function.__doc__
    return wrapped


def _constant(array: Any) -> Tensor:
    """A result that carries no gradient (comparisons, rounding, indices)."""
    array = np.asarray(array)
    return Tensor(array, dtype=array.dtype)


# ----- arithmetic --------------------------------------------------------------------------------------------
def add(x1: Any, x2: Any) -> Tensor:
    """x1 + x2, elementwise with broadcasting."""
    return _ops.add(*_operands(x1, x2))


def subtract(x1: Any, x2: Any) -> Tensor:
    """x1 - x2."""
    return _ops.subtract(*_operands(x1, x2))


def multiply(x1: Any, x2: Any) -> Tensor:
    """x1 * x2, elementwise."""
    return _ops.multiply(*_operands(x1, x2))


def divide(x1: Any, x2: Any) -> Tensor:
    """x1 / x2, true division (integers give floatx)."""
    a, b = _operands(x1, x2)
    return _ops.divide(as_float(a), as_float(b))


true_divide = divide


def negative(x: Any) -> Tensor:
    """-x."""
    return _ops.negative(to_tensor(x))


def power(x1: Any, x2: Any) -> Tensor:
    """x1 ** x2. A number exponent uses ``lamina.ops.power``; a tensor exponent is differentiable too."""
    if is_weak(x2) and not isinstance(x2, bool):
        base = to_tensor(x1)
        if isinstance(x2, float) and base.dtype.kind != "f":
            base = as_float(base)
        return _ops.power(base, x2)
    return _prim.power(*_operands(x1, x2))


def square(x: Any) -> Tensor:
    """x^2."""
    x = to_tensor(x)
    return _ops.power(x, 2)


sqrt = _unary_float(_ops.sqrt)
exp = _unary_float(_ops.exp)
log = _unary_float(_ops.log)
log1p = _unary_float(_prim.log1p)
expm1 = _unary_float(_prim.expm1)
sin = _unary_float(_prim.sin)
cos = _unary_float(_prim.cos)
erf = _unary_float(_erf)


def abs(x: Any) -> Tensor:  # noqa: A001 - Keras's name
    """|x|."""
    return _ops.abs(to_tensor(x))


absolute = abs


def sign(x: Any) -> Tensor:
    """-1, 0 or 1 by the sign of x (same dtype; no gradient: it is a step function)."""
    return _constant(np.sign(to_tensor(x).data))


def reciprocal(x: Any) -> Tensor:
    """1 / x."""
    x = as_float(to_tensor(x))
    return _ops.divide(np.ones((), dtype=x.dtype), x)


def floor(x: Any) -> Tensor:
    """The largest integer <= x, in x's (float) dtype; no gradient."""
    return _constant(np.floor(as_float(to_tensor(x)).data))


def ceil(x: Any) -> Tensor:
    """The smallest integer >= x, in x's (float) dtype; no gradient."""
    return _constant(np.ceil(as_float(to_tensor(x)).data))


def round(x: Any, decimals: int = 0) -> Tensor:  # noqa: A001 - Keras's name
    """x rounded to ``decimals`` (half to even, as NumPy and Keras); no gradient."""
    return _constant(np.round(to_tensor(x).data, decimals))


def mod(x1: Any, x2: Any) -> Tensor:
    """The remainder of x1 / x2 with the sign of x2 (Python's %); no gradient."""
    a, b = _operands(x1, x2)
    return _constant(np.mod(a.data, b.data))


def floor_divide(x1: Any, x2: Any) -> Tensor:
    """floor(x1 / x2); no gradient."""
    a, b = _operands(x1, x2)
    return _constant(np.floor_divide(a.data, b.data))


def maximum(x1: Any, x2: Any) -> Tensor:
    """Elementwise max(x1, x2); the gradient goes to the larger (half each on a tie)."""
    return _ops.maximum(*_operands(x1, x2))


def minimum(x1: Any, x2: Any) -> Tensor:
    """Elementwise min(x1, x2)."""
    return _ops.minimum(*_operands(x1, x2))


def clip(x: Any, x_min: Any, x_max: Any) -> Tensor:
    """x limited to [x_min, x_max]; gradient 1 inside, 0 where clipped. Bool input becomes int32 (Keras)."""
    x = to_tensor(x)
    if x.dtype.kind == "b":
        x = Tensor(x.data, dtype=np.int32)
    dtype = result_dtype(x, *(bound for bound in (x_min, x_max) if bound is not None))
    x = _as(x, dtype)
    low, high = (None if bound is None else _as(bound, dtype).data for bound in (x_min, x_max))
    return _ops.clip(x, low, high)


def where(condition: Any, x1: Any = None, x2: Any = None) -> Tensor | tuple[Tensor, ...]:
    """x1 where ``condition`` holds, else x2. With only ``condition``: the indices of its true elements, one
    int Tensor per axis (NumPy's ``nonzero``)."""
    if x1 is None and x2 is None:
        return tuple(_constant(i.astype(np.int32)) for i in np.nonzero(to_tensor(condition).data))
    if x1 is None or x2 is None:
        raise ValueError("where: give both x1 and x2, or neither (to get the indices where condition holds)")
    return _ops.where(to_tensor(condition), *_operands(x1, x2))


# ----- products ----------------------------------------------------------------------------------------------
def matmul(x1: Any, x2: Any) -> Tensor:
    """The matrix product, NumPy's rules (1-D operands, batched leading axes)."""
    return _ops.matmul(*_operands(x1, x2))


def tensordot(x1: Any, x2: Any, axes: int | Sequence[Any] = 2) -> Tensor:
    """Sum of products over ``axes``: the last ``axes`` axes of x1 with the first of x2, or the two lists
    ``axes = (axes_of_x1, axes_of_x2)``. Computed as one matrix product of transposed, reshaped operands, so
    the gradient comes from those primitives."""
    a, b = _operands(x1, x2)
    if isinstance(axes, (int, np.integer)):
        axes_a = list(range(a.ndim - int(axes), a.ndim))
        axes_b = list(range(int(axes)))
    else:
        axes_a, axes_b = ([v] if isinstance(v, (int, np.integer)) else list(v) for v in axes)
    axes_a = [int(i) % builtins.max(a.ndim, 1) for i in axes_a]
    axes_b = [int(i) % builtins.max(b.ndim, 1) for i in axes_b]
    if [a.shape[i] for i in axes_a] != [b.shape[i] for i in axes_b]:
        raise ValueError(f"tensordot: the summed axes differ in size: {[a.shape[i] for i in axes_a]} of x1 "
                         f"{a.shape} against {[b.shape[i] for i in axes_b]} of x2 {b.shape}")
    free_a = [i for i in range(a.ndim) if i not in axes_a]
    free_b = [i for i in range(b.ndim) if i not in axes_b]
    summed = int(np.prod([a.shape[i] for i in axes_a], dtype=np.int64))
    left = _ops.reshape(_ops.transpose(a, free_a + axes_a), (-1, summed))
    right = _ops.reshape(_ops.transpose(b, axes_b + free_b), (summed, -1))
    product = _ops.matmul(left, right)
    return _ops.reshape(product, tuple(a.shape[i] for i in free_a) + tuple(b.shape[i] for i in free_b))


def dot(x1: Any, x2: Any) -> Tensor:
    """NumPy's ``dot``: a product with a scalar, the matrix product for 1-D and 2-D operands, and for more
    axes the sum over the last axis of x1 and the second-to-last of x2."""
    a, b = _operands(x1, x2)
    if a.ndim == 0 or b.ndim == 0:
        return _ops.multiply(a, b)
    if a.ndim <= 2 and b.ndim <= 2:
        return _ops.matmul(a, b)
    return tensordot(a, b, axes=([a.ndim - 1], [builtins.max(b.ndim - 2, 0)]))


def outer(x1: Any, x2: Any) -> Tensor:
    """The outer product of the flattened operands: out[i, j] = x1_i x2_j."""
    a, b = _operands(x1, x2)
    return _ops.multiply(_ops.reshape(a, (-1, 1)), _ops.reshape(b, (1, -1)))


# ----- reductions --------------------------------------------------------------------------------------------
def _reduce_int(x: Tensor, axis: Any, keepdims: bool, reducer: Callable[..., Any], **kwargs: Any) -> Tensor:
    axes = _ops._normalize_axes(axis, x.ndim)
    return _constant(reducer(x.data, axis=axes, keepdims=keepdims, **kwargs))


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Sum over ``axis`` (all axes by default). Integers keep their dtype; bools count as int32."""
    x = to_tensor(x)
    if x.dtype.kind == "f":
        return _ops.sum(x, axis=axis, keepdims=keepdims)
    return _reduce_int(x, axis, keepdims, np.sum, dtype=np.int32 if x.dtype.kind == "b" else x.dtype)


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (integers give floatx)."""
    return _ops.mean(as_float(to_tensor(x)), axis=axis, keepdims=keepdims)


def _extremum(reduce: Callable[..., Tensor], pick: Callable[[Any, Any], Tensor], x: Any, axis: Any,
              keepdims: bool, initial: Any) -> Tensor:
    x = to_tensor(x)
    if x.dtype.kind == "b":
        x = Tensor(x.data, dtype=np.int32)
    out = reduce(x, axis=axis, keepdims=keepdims)
    return out if initial is None else pick(out, initial)


def max(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Largest element over ``axis``, and at least ``initial`` when given."""
    return _extremum(_ops.max, maximum, x, axis, keepdims, initial)


def min(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> Tensor:  # noqa: A001
    """Smallest element over ``axis``, and at most ``initial`` when given."""
    return _extremum(_ops.min, minimum, x, axis, keepdims, initial)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Largest element over ``axis`` (``max`` without ``initial``)."""
    return max(x, axis=axis, keepdims=keepdims)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Smallest element over ``axis``."""
    return min(x, axis=axis, keepdims=keepdims)


def prod(x: Any, axis: Any = None, keepdims: bool = False, dtype: Any = None) -> Tensor:
    """Product over ``axis``; its gradient is the product of the other elements (exact with zeros)."""
    x = to_tensor(x)
    if x.dtype.kind == "b" and dtype is None:
        dtype = "int32"
    return _prim.prod(x, axis=axis, keepdims=keepdims, dtype=dtype)


def var(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Variance over ``axis``, the biased one: mean((x - mean(x))^2), dividing by N (Keras's and NumPy's)."""
    x = as_float(to_tensor(x))
    centred = _ops.subtract(x, _ops.mean(x, axis=axis, keepdims=True))
    return _ops.mean(_ops.power(centred, 2), axis=axis, keepdims=keepdims)


def std(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Standard deviation over ``axis``: sqrt(var(x)). Its gradient is undefined where all values are equal."""
    return _ops.sqrt(var(x, axis=axis, keepdims=keepdims))


def _arg_extremum(function: Callable[..., np.ndarray], x: Any, axis: int | None, keepdims: bool) -> Tensor:
    data = to_tensor(x).data
    if axis is None:
        index = function(data.reshape(-1))
        if keepdims:
            index = np.reshape(index, (1,) * data.ndim)
        return _constant(np.asarray(index, dtype=np.int32))
    return _constant(function(data, axis=axis, keepdims=keepdims).astype(np.int32))


def argmax(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest element along ``axis`` (of the flattened x when None), as int32."""
    return _arg_extremum(np.argmax, x, axis, keepdims)


def argmin(x: Any, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest element along ``axis``, as int32."""
    return _arg_extremum(np.argmin, x, axis, keepdims)


def cumsum(x: Any, axis: int | None = None, dtype: Any = None) -> Tensor:
    """Running sum along ``axis`` (over the flattened x when None)."""
    x = to_tensor(x)
    if x.dtype.kind == "b" and dtype is None:
        dtype = "int32"
    return _prim.cumsum(x, axis=axis, dtype=dtype)


def all(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Whether every element along ``axis`` is true (non-zero): a bool Tensor."""
    return _reduce_int(to_tensor(x), axis, keepdims, np.all)


def any(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - Keras's name
    """Whether some element along ``axis`` is true (non-zero): a bool Tensor."""
    return _reduce_int(to_tensor(x), axis, keepdims, np.any)


def count_nonzero(x: Any, axis: Any = None) -> Tensor:
    """How many elements along ``axis`` are non-zero (int32)."""
    x = to_tensor(x)
    axes = _ops._normalize_axes(axis, x.ndim)
    return _constant(np.count_nonzero(x.data, axis=axes).astype(np.int32))


# ----- comparisons and logic (bool results, no gradient) -----------------------------------------------------
def _comparison(ufunc: np.ufunc, doc: str) -> Callable[[Any, Any], Tensor]:
    def compare(x1: Any, x2: Any) -> Tensor:
        a, b = _operands(x1, x2)
        try:
            return _constant(ufunc(a.data, b.data))
        except ValueError:
            raise ValueError(f"{ufunc.__name__}: shapes {a.shape} and {b.shape} do not broadcast together") from None
    compare.__name__ = ufunc.__name__
    compare.__doc__ = doc
    return compare


equal = _comparison(np.equal, "x1 == x2, elementwise: a bool Tensor.")
not_equal = _comparison(np.not_equal, "x1 != x2, elementwise: a bool Tensor.")
greater = _comparison(np.greater, "x1 > x2, elementwise: a bool Tensor.")
greater_equal = _comparison(np.greater_equal, "x1 >= x2, elementwise: a bool Tensor.")
less = _comparison(np.less, "x1 < x2, elementwise: a bool Tensor.")
less_equal = _comparison(np.less_equal, "x1 <= x2, elementwise: a bool Tensor.")
logical_and = _comparison(np.logical_and, "x1 and x2 (non-zero is true), elementwise: a bool Tensor.")
logical_or = _comparison(np.logical_or, "x1 or x2, elementwise: a bool Tensor.")
logical_xor = _comparison(np.logical_xor, "x1 xor x2, elementwise: a bool Tensor.")


def logical_not(x: Any) -> Tensor:
    """not x (zero is false), elementwise: a bool Tensor."""
    return _constant(np.logical_not(to_tensor(x).data))


def isnan(x: Any) -> Tensor:
    """Whether each element is NaN: a bool Tensor."""
    return _constant(np.isnan(to_tensor(x).data))


def isfinite(x: Any) -> Tensor:
    """Whether each element is finite (not NaN or infinite): a bool Tensor."""
    return _constant(np.isfinite(to_tensor(x).data))


def isinf(x: Any) -> Tensor:
    """Whether each element is +inf or -inf: a bool Tensor."""
    return _constant(np.isinf(to_tensor(x).data))
