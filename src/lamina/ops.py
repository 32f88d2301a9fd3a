"""Every differentiable primitive: its forward pass and its VJP, side by side.

Each function takes tensors (or numbers / arrays, which become constants), computes the result with NumPy and
hands ``Tensor._from_op`` a closure ``vjp(g)`` that maps the upstream gradient ``g = dL/d(out)`` to
``dL/d(input)`` for each input, by the chain rule of section 7:

    dL/dx = dL/d(out) . d(out)/dx

Contract for a VJP: return one entry per parent (None where no gradient is needed); each is either a freshly
allocated array or ``g`` itself / a view of ``g`` (backward copies those before keeping them). Never return an
array saved from the forward pass, and never write into ``g``.
"""

from __future__ import annotations

import builtins
import math
from typing import Any, Sequence

import numpy as np

from .tensor import Tensor, as_tensor

Axis = "int | tuple[int, ...] | None"


# ----- helpers -----------------------------------------------------------------------------------------------
def unbroadcast(grad: np.ndarray, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Undo NumPy broadcasting: sum ``grad`` over the axes that broadcasting added or stretched.

    If ``x`` of shape (3, 1) was broadcast to (2, 3, 4), each x[i, 0] was used 2*4 times, so its gradient is the
    sum of those 8 upstream entries. The one place where broadcasting is undone.
    """
    if grad.shape != shape:
        extra = grad.ndim - len(shape)
        if extra:
            grad = grad.sum(axis=tuple(range(extra)))
        stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
        if stretched:
            grad = grad.sum(axis=stretched, keepdims=True)
    if grad.dtype != dtype:
        grad = grad.astype(dtype)
    return grad


def _pair(a: Any, b: Any) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, as_tensor(b, like=a)
    b = as_tensor(b)
    return as_tensor(a, like=b), b


def _broadcast_error(name: str, a: Tensor, b: Tensor) -> ValueError:
    return ValueError(f"{name}: operands could not be broadcast together: shapes {a.shape} and {b.shape}")


# ----- arithmetic --------------------------------------------------------------------------------------------
def add(a: Any, b: Any) -> Tensor:
    """a + b. d/da = 1, d/db = 1 (summed over broadcast axes)."""
    a, b = _pair(a, b)
    try:
        out = a.data + b.data
    except ValueError:
        raise _broadcast_error("add", a, b) from None

    def vjp(g):
        return unbroadcast(g, a.shape, a.dtype), unbroadcast(g, b.shape, b.dtype)

    return Tensor._from_op(out, (a, b), vjp)


def subtract(a: Any, b: Any) -> Tensor:
    """a - b. d/da = 1, d/db = -1."""
    a, b = _pair(a, b)
    try:
        out = a.data - b.data
    except ValueError:
        raise _broadcast_error("subtract", a, b) from None

    def vjp(g):
        return unbroadcast(g, a.shape, a.dtype), unbroadcast(-g, b.shape, b.dtype) if b.requires_grad else None

    return Tensor._from_op(out, (a, b), vjp)


def multiply(a: Any, b: Any) -> Tensor:
    """a * b (elementwise). d/da = b, d/db = a."""
    a, b = _pair(a, b)
    try:
        out = a.data * b.data
    except ValueError:
        raise _broadcast_error("multiply", a, b) from None

    def vjp(g):
        ga = unbroadcast(g * b.data, a.shape, a.dtype) if a.requires_grad else None
        gb = unbroadcast(g * a.data, b.shape, b.dtype) if b.requires_grad else None
        return ga, gb

    return Tensor._from_op(out, (a, b), vjp)


def divide(a: Any, b: Any) -> Tensor:
    """a / b. d/da = 1/b, d/db = -a/b^2."""
    a, b = _pair(a, b)
    try:
        out = a.data / b.data
    except ValueError:
        raise _broadcast_error("divide", a, b) from None

    def vjp(g):
        ga = unbroadcast(g / b.data, a.shape, a.dtype) if a.requires_grad else None
        gb = unbroadcast(-g * out / b.data, b.shape, b.dtype) if b.requires_grad else None
        return ga, gb

    return Tensor._from_op(out, (a, b), vjp)


def negative(x: Any) -> Tensor:
    """-x. d/dx = -1."""
    x = as_tensor(x)
    return Tensor._from_op(-x.data, (x,), lambda g: (-g,))


def power(x: Any, exponent: float) -> Tensor:
    """x ** p for a number p. d/dx = p x^(p-1)."""
    x = as_tensor(x)
    if isinstance(exponent, Tensor):
        raise TypeError("power: the exponent must be a number; for a tensor exponent use exp(b * log(a))")
    p = float(exponent)
    out = x.data ** np.asarray(p, dtype=x.dtype) if x.dtype.kind == "f" else x.data ** exponent

    def vjp(g):
        if p == 2.0:
            return (g * (2 * x.data),)
        return (g * (p * x.data ** (p - 1)).astype(x.dtype, copy=False),)

    return Tensor._from_op(out, (x,), vjp)


def rpower(base: float, x: Any) -> Tensor:
    """base ** x for a number base. d/dx = base^x ln(base)."""
    x = as_tensor(x)
    out = np.power(np.asarray(base, dtype=x.dtype), x.data)
    log_base = np.log(np.asarray(base, dtype=x.dtype))
    return Tensor._from_op(out, (x,), lambda g: (g * out * log_base,))


def matmul(a: Any, b: Any) -> Tensor:
    """a @ b, with NumPy's rules for 1-D operands and batched (broadcast) leading axes.

    For 2-D operands: dL/da = g b^T, dL/db = a^T g.
    """
    a, b = _pair(a, b)
    try:
        out = a.data @ b.data
    except ValueError:
        raise ValueError(f"matmul: cannot multiply shapes {a.shape} and {b.shape} (the last axis of the first, "
                         f"{a.shape[-1] if a.ndim else '-'}, must equal the "
                         f"{'first' if b.ndim == 1 else 'second-to-last'} axis of the second, "
                         f"{b.shape[0] if b.ndim == 1 else (b.shape[-2] if b.ndim else '-')})") from None

    def vjp(g):
        A, B = a.data, b.data
        ga = gb = None
        if A.ndim == 1 and B.ndim == 1:  # inner product: out = sum_i a_i b_i
            ga = g * B if a.requires_grad else None
            gb = g * A if b.requires_grad else None
        elif A.ndim == 1:  # (n) @ (..., n, m) -> (..., m)
            if a.requires_grad:
                ga = unbroadcast((B @ g[..., :, None])[..., 0], a.shape, a.dtype)
            if b.requires_grad:
                gb = unbroadcast(A[:, None] * g[..., None, :], b.shape, b.dtype)
        elif B.ndim == 1:  # (..., k, n) @ (n) -> (..., k)
            if a.requires_grad:
                ga = unbroadcast(g[..., :, None] * B, a.shape, a.dtype)
            if b.requires_grad:
                gb = unbroadcast((np.swapaxes(A, -1, -2) @ g[..., :, None])[..., 0], b.shape, b.dtype)
        else:
            if a.requires_grad:
                ga = unbroadcast(g @ np.swapaxes(B, -1, -2), a.shape, a.dtype)
            if b.requires_grad:
                gb = unbroadcast(np.swapaxes(A, -1, -2) @ g, b.shape, b.dtype)
        return ga, gb

    return Tensor._from_op(out, (a, b), vjp)


# ----- reductions --------------------------------------------------------------------------------------------
def _normalize_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for ax in axes:
        if not -ndim <= ax < builtins.max(ndim, 1):
            raise ValueError(f"axis {ax} is out of bounds for a tensor of {ndim} dimensions")
    return tuple(sorted(int(ax) % builtins.max(ndim, 1) for ax in axes))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape of a reduction with keepdims=True: reduced axes become 1."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g: np.ndarray, shape: tuple[int, ...], kept: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """Copy a reduction's upstream gradient to every element that was reduced: a fresh array of ``shape``."""
    grad = np.empty(shape, dtype=dtype)
    grad[...] = g.reshape(kept)
    return grad


def sum(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001 - NumPy's name
    """Sum over ``axis``. Each input element gets the upstream gradient of its sum."""
    x = as_tensor(x)
    axes = _normalize_axes(axis, x.ndim)
    kept = _kept_shape(x.shape, axes)
    out = np.sum(x.data, axis=axes, keepdims=keepdims)
    return Tensor._from_op(out, (x,), lambda g: (_spread(g, x.shape, kept, x.dtype),))


def mean(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis``: the sum divided by the count n; each input gets g / n."""
    x = as_tensor(x)
    axes = _normalize_axes(axis, x.ndim)
    kept = _kept_shape(x.shape, axes)
    count = math.prod(x.shape[i] for i in axes)
    dtype = x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)
    # np.add.reduce and a multiply: np.mean's Python wrapper costs more than the arithmetic on small arrays.
    out = np.multiply(np.add.reduce(x.data, axis=axes, keepdims=keepdims, dtype=dtype),
                      np.asarray(1 / builtins.max(count, 1), dtype=dtype))

    def vjp(g):
        grad = _spread(g, x.shape, kept, x.dtype)
        grad /= np.asarray(count, dtype=grad.dtype)
        return (grad,)

    return Tensor._from_op(out, (x,), vjp)


def _extremum(x: Any, axis: Any, keepdims: bool, reduce) -> Tensor:
    x = as_tensor(x)
    axes = _normalize_axes(axis, x.ndim)
    out = reduce(x.data, axis=axes, keepdims=True)

    def vjp(g):
        # The gradient goes to the element(s) that won; ties share it equally (so the sum is preserved).
        winners = x.data == out
        share = winners / winners.sum(axis=axes, keepdims=True)
        return ((share * g.reshape(out.shape)).astype(x.dtype, copy=False),)

    result = out if keepdims else np.squeeze(out, axis=axes)
    return Tensor._from_op(np.asarray(result), (x,), vjp)


def max(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Largest element over ``axis``; the gradient flows to the maximal element (shared between ties)."""
    return _extremum(x, axis, keepdims, np.max)


def min(x: Any, axis: Any = None, keepdims: bool = False) -> Tensor:  # noqa: A001
    """Smallest element over ``axis``; the gradient flows to the minimal element (shared between ties)."""
    return _extremum(x, axis, keepdims, np.min)


# ----- shape -------------------------------------------------------------------------------------------------
def reshape(x: Any, *shape: Any) -> Tensor:
    """Same values, new shape (``reshape(t, 6, 4)`` or ``reshape(t, (6, 4))``); the VJP reshapes back."""
    x = as_tensor(x)
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    try:
        out = x.data.reshape(shape)
    except ValueError:
        raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) "
                         f"into shape {tuple(shape)}") from None
    return Tensor._from_op(out, (x,), lambda g: (g.reshape(x.shape),))


def transpose(x: Any, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (reverse them by default); the VJP applies the inverse permutation."""
    x = as_tensor(x)
    if axes is not None and len(axes) != x.ndim:
        raise ValueError(f"transpose: axes {tuple(axes)} do not match a tensor of shape {x.shape}")
    out = np.transpose(x.data, axes)
    inverse = None if axes is None else tuple(np.argsort(axes))
    return Tensor._from_op(out, (x,), lambda g: (np.transpose(g, inverse),))


def _has_array_index(index: Any) -> bool:
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, np.ndarray, Tensor)) for p in parts)


def getitem(x: Any, index: Any) -> Tensor:
    """Indexing and slicing as NumPy does it; the VJP scatters g back into zeros of x's shape.

    Integer-array indices may repeat an element; its gradient is then the sum (``np.add.at``).
    """
    x = as_tensor(x)
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    out = x.data[index]
    advanced = _has_array_index(index)

    def vjp(g):
        grad = np.zeros(x.shape, dtype=x.dtype)
        if advanced:
            np.add.at(grad, index, g)
        else:
            grad[index] = g
        return (grad,)

    return Tensor._from_op(np.asarray(out), (x,), vjp)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; the VJP slices g back into the pieces."""
    parts = [as_tensor(t) for t in tensors]
    if not parts:
        raise ValueError("concatenate: need at least one tensor")
    parts = [parts[0]] + [as_tensor(t, like=parts[0]) if not isinstance(t, Tensor) else t for t in tensors[1:]]
    try:
        out = np.concatenate([p.data for p in parts], axis=axis)
    except ValueError:
        raise ValueError(f"concatenate: shapes {[p.shape for p in parts]} do not match outside axis {axis}") from None
    bounds = np.cumsum([p.shape[axis] for p in parts])[:-1]

    def vjp(g):
        return tuple(piece.astype(p.dtype, copy=False) for piece, p in zip(np.split(g, bounds, axis=axis), parts))

    return Tensor._from_op(out, tuple(parts), vjp)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis; the VJP takes each slice of g back."""
    parts = [as_tensor(t) for t in tensors]
    if not parts:
        raise ValueError("stack: need at least one tensor")
    try:
        out = np.stack([p.data for p in parts], axis=axis)
    except ValueError:
        raise ValueError(f"stack: all tensors must have the same shape; received {[p.shape for p in parts]}") from None

    def vjp(g):
        return tuple(np.take(g, i, axis=axis).astype(p.dtype, copy=False) for i, p in enumerate(parts))

    return Tensor._from_op(out, tuple(parts), vjp)


# ----- elementwise functions ---------------------------------------------------------------------------------
def exp(x: Any) -> Tensor:
    """e^x. d/dx = e^x (the output itself)."""
    x = as_tensor(x)
    out = np.exp(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g * out,))


def log(x: Any) -> Tensor:
    """Natural logarithm. d/dx = 1/x."""
    x = as_tensor(x)
    out = np.log(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g / x.data,))


def sqrt(x: Any) -> Tensor:
    """Square root. d/dx = 1 / (2 sqrt(x))."""
    x = as_tensor(x)
    out = np.sqrt(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g / (2 * out),))


def abs(x: Any) -> Tensor:  # noqa: A001
    """|x|. d/dx = sign(x) (0 at 0)."""
    x = as_tensor(x)
    out = np.abs(x.data)
    return Tensor._from_op(out, (x,), lambda g: (g * np.sign(x.data),))


def clip(x: Any, a_min: float | None, a_max: float | None) -> Tensor:
    """Limit values to [a_min, a_max]; gradient 1 inside the interval, 0 where a value was clipped."""
    x = as_tensor(x)
    out = np.clip(x.data, a_min, a_max)

    def vjp(g):
        inside = np.ones(x.shape, dtype=bool)
        if a_min is not None:
            inside &= x.data >= a_min
        if a_max is not None:
            inside &= x.data <= a_max
        return (g * inside,)

    return Tensor._from_op(out, (x,), vjp)


def _select(name: str, a: Any, b: Any, a_wins) -> Tensor:
    a, b = _pair(a, b)
    try:
        take_a = a_wins(a.data, b.data)
    except ValueError:
        raise _broadcast_error(name, a, b) from None
    out = np.where(take_a, a.data, b.data)

    def vjp(g):
        # Ties share the gradient equally, as PyTorch's maximum/minimum do.
        tie = a.data == b.data
        weight_a = np.where(tie, 0.5, take_a).astype(g.dtype)
        ga = unbroadcast(g * weight_a, a.shape, a.dtype) if a.requires_grad else None
        gb = unbroadcast(g * (1 - weight_a), b.shape, b.dtype) if b.requires_grad else None
        return ga, gb

    return Tensor._from_op(out, (a, b), vjp)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max(a, b); the gradient goes to the larger (half each on a tie)."""
    return _select("maximum", a, b, np.greater)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min(a, b); the gradient goes to the smaller (half each on a tie)."""
    return _select("minimum", a, b, np.less)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """Take ``a`` where ``condition`` holds, else ``b``; the gradient follows the same choice."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a, b = _pair(a, b)
    try:
        out = np.where(cond, a.data, b.data)
    except ValueError:
        raise ValueError(f"where: condition {cond.shape}, a {a.shape} and b {b.shape} do not broadcast") from None

    def vjp(g):
        ga = unbroadcast(np.where(cond, g, 0).astype(g.dtype), a.shape, a.dtype) if a.requires_grad else None
        gb = unbroadcast(np.where(cond, 0, g).astype(g.dtype), b.shape, b.dtype) if b.requires_grad else None
        return ga, gb

    return Tensor._from_op(out, (a, b), vjp)


# ----- Tensor methods and operators --------------------------------------------------------------------------
def _compare(ufunc):
    def method(self: Tensor, other: Any) -> np.ndarray:
        # Comparisons are not differentiable: they return a plain boolean ndarray.
        return ufunc(self.data, other.data if isinstance(other, Tensor) else other)
    return method


def _install_tensor_methods() -> None:
    """Give Tensor its operators and NumPy-named methods, all routed through the primitives above."""
    T = Tensor
    T.__add__ = add
    T.__radd__ = lambda self, other: add(other, self)
    T.__sub__ = subtract
    T.__rsub__ = lambda self, other: subtract(other, self)
    T.__mul__ = multiply
    T.__rmul__ = lambda self, other: multiply(other, self)
    T.__truediv__ = divide
    T.__rtruediv__ = lambda self, other: divide(other, self)
    T.__matmul__ = matmul
    T.__rmatmul__ = lambda self, other: matmul(other, self)
    T.__pow__ = power
    T.__rpow__ = lambda self, base: rpower(base, self)
    T.__neg__ = negative
    T.__pos__ = lambda self: self
    T.__abs__ = abs
    T.__getitem__ = getitem
    T.__lt__ = _compare(np.less)
    T.__le__ = _compare(np.less_equal)
    T.__gt__ = _compare(np.greater)
    T.__ge__ = _compare(np.greater_equal)
    T.__eq__ = _compare(np.equal)
    T.__ne__ = _compare(np.not_equal)
    T.sum = sum
    T.mean = mean
    T.max = max
    T.min = min
    T.reshape = reshape
    T.transpose = lambda self, *axes: transpose(
        self, axes[0] if len(axes) == 1 and isinstance(axes[0], (tuple, list)) else (axes or None))
    T.T = property(lambda self: transpose(self))
    T.exp = exp
    T.log = log
    T.sqrt = sqrt
    T.abs = abs
    T.clip = clip


_install_tensor_methods()
