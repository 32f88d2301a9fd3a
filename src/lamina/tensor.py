"""The Tensor: an ndarray that remembers how it was made, and reverse-mode backward().

Section 7 of the notes computes dL/dw by the chain rule, one local derivative at a time, from the loss back to
the first layer. A Tensor records, for each operation, its parents and a *vector-Jacobian product* (VJP): given
the upstream gradient ``g = dL/d(out)`` it returns ``dL/d(parent) = g . d(out)/d(parent)`` for each parent.
``backward()`` visits the recorded graph in reverse topological order and applies the VJPs, which is exactly
the notes' right-to-left sweep, made general.

Rules that keep gradients correct (see ``../docs`` design notes):
- backward is iterative, so a chain of any length works (no recursion limit);
- a gradient flowing into a tensor used several times is *summed*;
- backward never writes into an array it did not allocate: a VJP may return the upstream gradient itself or a
  view of it, so such arrays are copied before anything could modify them.
"""

from __future__ import annotations

import contextlib
import itertools
import operator
import threading
from typing import Any, Callable, Iterator, Sequence

import numpy as np

# Creation numbers: a tensor's inputs always have smaller numbers than it (see _reverse_topological_order).
_next_number = itertools.count().__next__


class _GradMode(threading.local):
    """Whether operations record the graph, one flag per thread (as PyTorch's grad mode is).

    A thread predicting inside ``no_grad()`` must not switch recording off for a thread that trains: with one
    process-wide flag, two overlapping ``no_grad`` blocks in two threads could restore it to False for good.
    Reading this attribute costs about 25 ns more than a module global (measured: ~30 ns against ~5 ns),
    under 1% of an op's bookkeeping.
    """

    def __init__(self) -> None:  # runs once in each thread that reads the flag
        self.enabled = True


_grad_mode = _GradMode()

VJP = Callable[[np.ndarray], Sequence["np.ndarray | None"]]


@contextlib.contextmanager
def no_grad() -> Iterator[None]:
    """Record nothing inside the block: results need no gradient and keep no parents.

    >>> w = lamina.tensor([1.0, 2.0], requires_grad=True)
    >>> with lamina.no_grad():
    ...     y = w * 2          # inference: no graph, no saved activations
    >>> y.requires_grad
    False
    """
    mode = _grad_mode
    previous = mode.enabled
    mode.enabled = False
    try:
        yield
    finally:
        mode.enabled = previous


def set_grad_enabled(enabled: bool) -> bool:
    """Switch recording on or off in this thread (what ``GradientTape`` does); returns the previous setting."""
    mode = _grad_mode
    previous = mode.enabled
    mode.enabled = bool(enabled)
    return previous


def is_grad_enabled() -> bool:
    """True unless this thread is inside ``no_grad()`` (each thread has its own grad mode)."""
    return _grad_mode.enabled


def _as_array(data: Any, dtype: Any = None) -> np.ndarray:
    """Convert user data to an ndarray with Lamina's dtype policy (floats -> float32 unless asked)."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        try:
            return np.asarray(data, dtype=dtype)
        except (TypeError, ValueError) as error:
            raise TypeError(f"cannot convert {type(data).__name__} to a tensor of dtype {np.dtype(dtype)}: "
                            f"{error}") from None
    try:
        array = np.asarray(data)
    except (TypeError, ValueError) as error:
        raise TypeError(f"cannot convert {type(data).__name__} to a numeric tensor: {error}") from None
    kind = array.dtype.kind
    if kind == "f":
        # float16 stays; float64 (NumPy's default for Python floats) becomes float32, the library's dtype.
        return array.astype(np.float32, copy=False) if array.dtype == np.float64 else array
    if kind in "biu":
        return array
    raise TypeError(f"tensor data must be numeric (bool, int or float); received an array of dtype "
                    f"{array.dtype} from {type(data).__name__}")


class Tensor:
    """An n-dimensional array with an optional gradient.

    Attributes:
        data: the values, a NumPy ndarray (float32 unless asked otherwise).
        grad: ``dL/d(self)`` after ``backward()``, an ndarray of ``data``'s shape and dtype, or None. Only
            tensors created by the user with ``requires_grad=True`` (leaves) keep a ``grad``; gradients
            accumulate across ``backward()`` calls until cleared (``t.grad = None`` or ``t.zero_grad()``).
        requires_grad: whether gradients flow to this tensor.

    Example:
        >>> w = lamina.tensor([1.0, -2.0], requires_grad=True)
        >>> (w * w).sum().backward()
        >>> w.grad
        array([ 2., -4.], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "_parents", "_vjp", "name", "_logits", "_grad_buffer", "_seq",
                 "__weakref__")
    # NumPy must defer to Tensor's reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_priority__ = 1000

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None, name: str | None = None):
        array = _as_array(data, dtype)
        if requires_grad and array.dtype.kind != "f":
            # Gradients live in the continuous world; integer leaves that ask for one become float32.
            array = array.astype(np.float32)
        self.data: np.ndarray = array
        self.grad: np.ndarray | None = None
        self.requires_grad: bool = bool(requires_grad)
        self._parents: tuple[Tensor, ...] = ()
        self._vjp: VJP | None = None
        self._seq = _next_number()
        self.name = name
        # Set on the output of a sigmoid/softmax layer: ("sigmoid" | "softmax", pre-activation tensor), so that a
        # cross-entropy loss can be computed from the logits, stably (what Keras does for such outputs).
        self._logits: tuple[str, Tensor] | None = None
        # Optional preallocated home for this leaf's gradient (a view into a model's flat gradient buffer, see
        # lamina/packing.py); left unset on op results, which never keep a gradient.
        self._grad_buffer: np.ndarray | None = None

    # ----- construction used by the ops ------------------------------------------------------------------
    @classmethod
    def _from_op(cls, data: np.ndarray, parents: tuple["Tensor", ...], vjp: VJP) -> "Tensor":
        """Wrap an op's result; record parents and VJP only when a gradient could flow through it."""
        out = cls.__new__(cls)
        # NumPy returns scalars, not arrays, for 0-d arithmetic; a tensor always holds an ndarray.
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad = None
        out.name = None
        out._logits = None
        out._seq = _next_number()
        if _grad_mode.enabled:
            for parent in parents:
                if parent.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._vjp = vjp
                    return out
        out.requires_grad = False
        out._parents = ()
        out._vjp = None
        return out

    # ----- array-like attributes -------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        return len(self.data)

    def numpy(self) -> np.ndarray:
        """The values as an ndarray (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item() needs a tensor with one element; this one has shape {self.shape}")
        return self.data.item()

    def detach(self) -> "Tensor":
        """A tensor sharing the values but cut from the graph (no gradient flows through it)."""
        return Tensor(self.data, dtype=self.data.dtype)

    def zero_grad(self) -> None:
        """Clear the accumulated gradient."""
        self.grad = None

    @property
    def is_leaf(self) -> bool:
        return self._vjp is None

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extra = ", requires_grad=True" if self.requires_grad else ""
        if self.data.dtype != np.float32:
            extra = f", dtype={self.data.dtype}" + extra
        return f"tensor({body}{extra})"

    def __bool__(self) -> bool:
        return bool(self.data)

    # A one-element tensor converts to a Python number and formats like one, as TensorFlow's tensors do
    # (``float(loss_value)``, ``f"{loss:.4f}"`` in training loops).
    def __float__(self) -> float:
        return float(self._one_value("float"))

    def __int__(self) -> int:
        return int(self._one_value("int"))

    def __index__(self) -> int:
        if self.data.dtype.kind not in "biu":
            raise TypeError(f"only integer tensors can be used as an index; this one is {self.data.dtype}")
        return int(self._one_value("an index"))

    def __format__(self, spec: str) -> str:
        if self.data.size == 1:
            return format(self.data.item(), spec)
        return format(str(self), spec)

    def _one_value(self, what: str) -> float | int | bool:
        if self.data.size != 1:
            raise TypeError(f"only a tensor with one element converts to {what}; this one has shape {self.shape}")
        return self.data.item()

    # ----- reverse mode ----------------------------------------------------------------------------------
    def backward(self, grad: Any = None) -> None:
        """Accumulate ``dL/d(leaf)`` into ``leaf.grad`` for every leaf that requires a gradient.

        Args:
            grad: ``dL/d(self)``, the seed. Defaults to 1 for a one-element tensor; required otherwise.
        """
        if not self.requires_grad:
            raise ValueError("backward() called on a tensor that does not require a gradient: none of the "
                             "tensors it was computed from has requires_grad=True (or it was computed inside "
                             "no_grad())")
        if grad is None:
            if self.data.size != 1:
                raise ValueError(f"backward() on a non-scalar tensor of shape {self.shape} needs `grad`, "
                                 f"dL/d(output) of that shape (a scalar loss seeds itself with 1)")
            seed = np.ones(self.shape, dtype=self.dtype)
            seed_owned = True
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ValueError(f"backward(): grad has shape {seed.shape} but the tensor has shape {self.shape}")
            seed_owned = False
        _run_backward(self, seed, seed_owned)


def _reverse_topological_order(root: Tensor) -> tuple[list[Tensor], dict[Tensor, int]]:
    """The nodes that need a gradient, every node before all of its parents, and each leaf's use count.

    Every tensor is numbered when it is created, and an op's inputs always exist before its output, so
    sorting the reachable nodes by creation number, newest first, is a topological order for backward. The
    graph is collected with a plain worklist (no recursion, so chains of any length work).
    Tensors hash by identity (``object.__hash__``), so they serve directly as set and dict keys.
    """
    nodes = [root]
    seen = {root}
    leaf_uses: dict[Tensor, int] = {}
    for node in nodes:  # the list grows while it is walked
        for parent in node._parents:
            if parent.requires_grad:
                if parent._vjp is None:
                    leaf_uses[parent] = leaf_uses.get(parent, 0) + 1
                if parent not in seen:
                    seen.add(parent)
                    nodes.append(parent)
    nodes.sort(key=_creation_number, reverse=True)
    return nodes, leaf_uses


_creation_number = operator.attrgetter("_seq")


# Leaves whose gradient a VJP may write straight into the leaf's preallocated buffer (see ``gradient_target``).
_gradient_targets: dict[Tensor, np.ndarray] = {}


def gradient_target(leaf: Tensor) -> np.ndarray | None:
    """During backward: the array into which a VJP may write ``leaf``'s whole gradient (``out=``), or None.

    Only a leaf with a preallocated buffer (a packed model weight), no gradient yet, and exactly one use in
    the graph qualifies: its one VJP's result is then its entire gradient, so computing it in place saves
    allocating and copying a weight-sized array. Anything else gets a fresh array as usual.
    """
    return _gradient_targets.get(leaf)


def _run_backward(root: Tensor, seed: np.ndarray, seed_owned: bool) -> None:
    # Pending gradient per node: [array, owned]. "owned" means backward allocated the array itself and may add
    # into it in place; otherwise the first addition allocates a fresh sum.
    pending: dict[Tensor, list] = {root: [seed, seed_owned]}
    order, leaf_uses = _reverse_topological_order(root)
    for leaf, uses in leaf_uses.items():
        buffer = getattr(leaf, "_grad_buffer", None)
        if uses == 1 and buffer is not None and leaf.grad is None:
            _gradient_targets[leaf] = buffer
    try:
        _backward_pass(order, pending)
    finally:
        _gradient_targets.clear()


def _backward_pass(order: list[Tensor], pending: dict[Tensor, list],
                   captured: dict[Tensor, np.ndarray] | None = None) -> None:
    """Apply the VJPs in ``order``. With ``captured`` (a dict whose keys are the tensors asked for), the full
    gradient of each of those tensors is stored there instead of in any leaf's ``.grad``."""
    for node in order:
        entry = pending.pop(node, None)
        if entry is None:  # no gradient reached this node
            continue
        g, owned = entry
        if captured is not None:
            if node in captured:
                captured[node] = g if owned else g.copy()
            if node._vjp is None:
                continue
        elif node._vjp is None:
            # A leaf: keep the gradient. Copy if it may alias an array someone else holds.
            if node.grad is None:
                buffer = getattr(node, "_grad_buffer", None)
                if buffer is not None:
                    if g is not buffer:
                        np.copyto(buffer, g)
                    node.grad = buffer
                else:
                    node.grad = g if owned else g.copy()
            else:
                node.grad = np.asarray(node.grad + g)
            continue
        for parent, parent_grad in zip(node._parents, node._vjp(g)):
            if parent_grad is None or not parent.requires_grad:
                continue
            if type(parent_grad) is not np.ndarray:  # a NumPy scalar from 0-d arithmetic
                parent_grad = np.asarray(parent_grad)
            assert parent_grad.shape == parent.data.shape and parent_grad.dtype == parent.data.dtype, (
                f"internal error: VJP gave a gradient of {parent_grad.shape} {parent_grad.dtype} "
                f"for a tensor of {parent.data.shape} {parent.data.dtype}")
            slot = pending.get(parent)
            if slot is None:
                # Fresh arrays (neither the upstream gradient nor a view of anything) belong to backward.
                pending[parent] = [parent_grad, parent_grad is not g and parent_grad.base is None]
            elif slot[1]:
                np.add(slot[0], parent_grad, out=slot[0])
            else:
                slot[0] = np.asarray(slot[0] + parent_grad)
                slot[1] = True


def gradients(target: Tensor, sources: Sequence[Tensor], seed: Any = None) -> list[np.ndarray | None]:
    """``d target / d source`` for each source (leaves or intermediate tensors), without touching any ``.grad``.

    Returns one array per source, None where no path joins the source to the target. ``seed`` is
    ``d loss / d target`` (default 1 for a one-element target). This is what ``GradientTape.gradient`` runs.
    """
    if not target.requires_grad:
        return [None] * len(sources)
    if seed is None:
        if target.data.size != 1:
            raise ValueError(f"gradient of a non-scalar target of shape {target.shape} needs output_gradients")
        seed_array = np.ones(target.shape, dtype=target.dtype)
    else:
        seed_array = np.array(seed.data if isinstance(seed, Tensor) else seed, dtype=target.dtype, copy=True)
        if seed_array.shape != target.shape:
            raise ValueError(f"output_gradients has shape {seed_array.shape}; the target has shape {target.shape}")
    captured: dict[Tensor, np.ndarray | None] = {source: None for source in sources}
    order, _ = _reverse_topological_order(target)
    _backward_pass(order, {target: [seed_array, True]}, captured)
    return [captured[source] for source in sources]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """Make a Tensor from a number, a (nested) list or an ndarray.

    Floating data becomes float32 unless ``dtype`` says otherwise (``dtype=np.float64`` for gradient checks);
    integer and bool data keep their dtype, except that a tensor requiring a gradient is made float32.
    Non-numeric data raises TypeError.

    >>> lamina.tensor([[1, 2], [3, 4]], requires_grad=True).dtype
    dtype('float32')
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(value: Any, like: Tensor | None = None) -> Tensor:
    """Return ``value`` as a Tensor; plain numbers and arrays take ``like``'s floating dtype.

    Constants must not silently upcast float32 work to float64 (a float64 ``np.eye`` one-hot would turn a
    whole backward pass into float64), so a floating constant is cast to the dtype of the tensor it meets.
    """
    if isinstance(value, Tensor):
        return value
    if like is not None and like.data.dtype.kind == "f":
        array = np.asarray(value)
        if array.dtype.kind in "biuf":
            return _constant(array.astype(like.data.dtype, copy=False))
    return Tensor(value)


def _constant(array: np.ndarray) -> Tensor:
    """A tensor that needs no gradient, made without __init__'s conversions (the hot path of `x * 0.5`)."""
    out = Tensor.__new__(Tensor)
    out.data = array
    out.grad = None
    out.requires_grad = False
    out._parents = ()
    out._vjp = None
    out._seq = _next_number()
    out.name = None
    out._logits = None
    return out
