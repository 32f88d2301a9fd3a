"""The Optimizer base class: state, step count, clipping, weight decay, checks.

Each update rule (``sgd.py``, ``adam.py``, ...) is a subclass that declares its
per-parameter state slots and writes one short ``_update`` in the notes'
symbols; everything the rules share lives here, once.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Iterable, Sequence, Union

import numpy as np

from ..kernels import blocks
from ..kernels.prelude import NO_PRELUDE, Prelude
from ..packing import flat_base
from . import schedules as _schedules
from .checks import _check_float, _grad_array, _param_array

LearningRate = Union[float, Callable[[int], float]]

# Moments that decay geometrically towards zero end up as subnormal floats after
# enough steps, and arithmetic on subnormals is many times slower on most CPUs.
# Values below these thresholds are flushed to zero every `_FLUSH_EVERY` steps.
# 1e-30 (float32) is far below anything that can move a weight (an Adam step of
# m / (sqrt(v) + eps) with m < 1e-30 is < 1e-23) yet far above the subnormal range
# (< 1.2e-38), so a value just above it cannot decay into subnormals before the
# next flush: 32 steps at beta = 0.9 shrink it by only 0.9**32 ~ 0.03.
_FLUSH_THRESHOLD = {np.dtype(np.float32): 1e-30, np.dtype(np.float64): 1e-290}
_FLUSH_EVERY = 32


class Optimizer:
    """Base class of Lamina's optimizers.

    Two ways to use an optimizer, sharing one implementation:

    - ``optimizer.step(params)`` reads each parameter's ``.grad`` (a hand-written
      loop after ``loss.backward()``). Parameters whose ``.grad`` is ``None`` are
      skipped: neither they nor their state change in that step.
    - ``optimizer.apply(grads, params)`` takes the gradients explicitly; a
      parameter may be a lamina Tensor (its ``.data`` is updated) or a plain
      float ndarray (updated in place). ``None`` gradients are skipped likewise.

    One call is one step: the learning rate for it is ``learning_rate`` evaluated
    at ``iterations`` (the count *before* this step, so a schedule sees 0, 1,
    2, ...); then ``iterations`` grows by one. A call in which every gradient is
    ``None`` does nothing and is not counted (as in Keras).

    Order inside a step (as in Keras): clip the gradients (``clipnorm`` per
    tensor, ``global_clipnorm`` over all of them together, or ``clipvalue``
    elementwise; at most one), then decoupled weight decay
    ``w = w - eta * weight_decay * w`` when ``weight_decay`` is set (it means
    the same for every optimizer; AdamW only changes its default), then the
    rule's update. The norms are computed here; the rest of the step is one
    call of the rule's kernel (``lamina.kernels``: NumPy's passes, or one
    compiled loop with the ``fast`` extra), which takes these parts as a
    ``Prelude`` and folds them into its pass over memory.

    The parameter list is fixed on first use (or by ``build``): later calls must
    pass the same number of parameters with the same shapes and dtypes, else a
    ValueError names the parameter. Per-parameter state has the parameter's
    dtype (float32 parameters keep float32 state), and every update is done in
    place with ``out=`` ufuncs into buffers allocated once.

    Gradients are never written to: clipping writes into the optimizer's own
    buffers, since a gradient array may be shared inside the autodiff engine.

    A NaN or inf in a gradient is not filtered: it propagates into that
    parameter's moments and weights (and, with ``global_clipnorm``, the norm is
    NaN so no clipping is applied). The training loop's ``TerminateOnNaN``
    callback stops training when the loss becomes NaN.

    ``get_state()`` / ``set_state()`` save and restore everything that changes
    during training (step count, per-parameter slots, a constant learning rate
    that a callback may have changed) as plain numpy arrays, ints and floats;
    restoring into a fresh optimizer built with the same ``get_config()`` and
    continuing gives bit-identical results.

    A model's packed parameters (``lamina/packing.py``) are updated as one flat
    buffer, with one kernel call per step. NumPy's kernels go a cache-sized
    block at a time and split a buffer of half a million elements or more over
    two threads when the process has two cores (``kernels/blocks.py``); the
    compiled ones split only very large buffers (``kernels/numba_runtime.py``).
    ``update_threads = 1`` keeps the update on the calling thread; the numbers
    are the same either way.

    Args:
        learning_rate: a float >= 0, or a schedule ``f(step) -> float`` such as
            those in ``lamina.optimizers.schedules``.
        weight_decay: optional decoupled weight decay (see above), >= 0.
        clipnorm: clip each gradient to this L2 norm (> 0).
        clipvalue: clip each gradient element to ``[-clipvalue, clipvalue]`` (> 0).
        global_clipnorm: clip all gradients together to this global L2 norm (> 0).
        name: a name for the optimizer.
    """

    # Subclasses fill these in.
    _slot_names: tuple[str, ...] = ()       # per-parameter state arrays, in order
    _decaying_slots: tuple[str, ...] = ()   # slots that decay towards 0 (flushed: the rule's kernel knows them)
    _scalar_state: tuple[str, ...] = ()     # float attributes saved by get_state

    def __init__(self, learning_rate: LearningRate, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str | None = None) -> None:
        given = [f"{k}={v!r}" for k, v in (("clipnorm", clipnorm), ("clipvalue", clipvalue),
                                           ("global_clipnorm", global_clipnorm)) if v is not None]
        if len(given) > 1:
            raise ValueError("Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be "
                             f"set; received {', '.join(given)}.")
        self.clipnorm = None if clipnorm is None else _check_float("clipnorm", clipnorm, 0, low_open=True)
        self.clipvalue = None if clipvalue is None else _check_float("clipvalue", clipvalue, 0, low_open=True)
        self.global_clipnorm = (None if global_clipnorm is None else
                                _check_float("global_clipnorm", global_clipnorm, 0, low_open=True))
        self.weight_decay = None if weight_decay is None else _check_float("weight_decay", weight_decay, 0)
        self.name = name if name is not None else type(self).__name__.lower()
        self._learning_rate: LearningRate = 0.0
        self.learning_rate = learning_rate  # validated by the setter
        self.iterations: int = 0
        # Turn off only to measure its cost; results agree to float rounding either way.
        self.flush_denormals: bool = True
        # Threads an update's kernel may use (kernels/blocks.py, kernels/numba_runtime.py); 1 to keep it on
        # the calling thread. Results are the same, bit for bit, either way.
        self.update_threads: int = blocks.default_threads()
        self._signature: list[tuple[tuple[int, ...], np.dtype]] | None = None
        self._state: list[dict[str, np.ndarray]] = []
        self._pending_state: dict[str, Any] | None = None
        # Set when the parameters tile one flat buffer (lamina/packing.py): the rule then runs once on
        # the whole buffer. (flat parameters, per-parameter arrays, flat slots)
        self._flat: tuple[np.ndarray, list[np.ndarray], dict[str, np.ndarray]] | None = None
        self._flat_grads: tuple[list[np.ndarray], np.ndarray] | None = None

    # ---------------------------------------------------------------- learning rate
    @property
    def learning_rate(self) -> float:
        """The learning rate for the next step (a schedule evaluated at ``iterations``)."""
        lr = self._learning_rate
        if not callable(lr):
            return float(lr)
        value = lr(self.iterations)
        try:
            v = float(value)
        except (TypeError, ValueError):
            v = float("nan")
        if not math.isfinite(v) or v < 0:
            raise ValueError(f"The learning-rate schedule {lr!r} returned {value!r} at step "
                             f"{self.iterations}; a learning rate must be finite and >= 0.")
        return v

    @learning_rate.setter
    def learning_rate(self, value: LearningRate) -> None:
        if callable(value):
            self._learning_rate = value
            return
        if callable(self._learning_rate):
            raise TypeError("This optimizer was created with a learning-rate schedule, so its "
                            "learning rate cannot be set to a number; create it with a float "
                            "`learning_rate` to change the rate during training.")
        self._learning_rate = _check_float("learning_rate", value, 0)

    # ---------------------------------------------------------------- building
    def build(self, params: Sequence[Any]) -> None:
        """Allocate state for ``params`` (done automatically on the first step)."""
        arrays = [_param_array(p, f"Parameter {i}") for i, p in enumerate(params)]
        self._build(arrays)

    def _build(self, arrays: list[np.ndarray]) -> None:
        self._signature = [(a.shape, a.dtype) for a in arrays]
        flat = flat_base(arrays)
        if flat is not None:
            # One flat array per slot; each parameter's state is a view of its segment, so that get_state,
            # set_state and the per-parameter path see the same numbers.
            slots = self._init_slots(flat)
            self._flat = (flat, list(arrays), slots)
            self._state = []
            offset = 0
            for a in arrays:
                self._state.append({name: slot[offset:offset + a.size].reshape(a.shape)
                                    for name, slot in slots.items()})
                offset += a.size
        else:
            self._flat = None
            self._state = [self._init_slots(a) for a in arrays]
        self._finish_build()

    def _finish_build(self) -> None:
        """Load state that set_state() received before the parameters were known."""
        if self._pending_state is not None:
            pending, self._pending_state = self._pending_state, None
            try:
                self._load_slots(pending)
            except ValueError:
                self._signature = None
                self._pending_state = pending
                raise

    def _init_slots(self, w: np.ndarray) -> dict[str, np.ndarray]:
        """Fresh state for one parameter; zeros unless a rule says otherwise."""
        return {name: np.zeros_like(w) for name in self._slot_names}

    def _check_signature(self, arrays: list[np.ndarray]) -> None:
        sig = self._signature
        assert sig is not None
        if len(arrays) != len(sig):
            raise ValueError(f"{type(self).__name__} was built for {len(sig)} parameters, "
                             f"received {len(arrays)}. The parameter list must stay the same "
                             "between steps; use a new optimizer for a new list.")
        for i, (a, (shape, dtype)) in enumerate(zip(arrays, sig)):
            if a.shape != shape or a.dtype != dtype:
                raise ValueError(f"Parameter {i} changed between steps: expected shape "
                                 f"{shape} ({dtype}), received shape {a.shape} ({a.dtype}).")

    # ---------------------------------------------------------------- public steps
    def step(self, params: Iterable[Any]) -> None:
        """One update of ``params`` from their ``.grad`` (``None`` grads are skipped)."""
        params = list(params)
        grads = []
        for i, p in enumerate(params):
            if isinstance(p, np.ndarray) or not hasattr(p, "grad"):
                raise TypeError(f"step() reads `.grad`; parameter {i} is a "
                                f"{type(p).__name__} without one. Use apply(grads, params).")
            grads.append(p.grad)
        self._apply(grads, params)

    def apply(self, grads: Sequence[Any], params: Sequence[Any]) -> None:
        """One update of ``params`` (Tensors or ndarrays) with the given gradients."""
        grads, params = list(grads), list(params)
        if len(grads) != len(params):
            raise ValueError(f"apply() received {len(grads)} gradients for {len(params)} "
                             "parameters; they must pair up one to one.")
        self._apply(grads, params)

    def apply_gradients(self, grads_and_vars: Iterable[tuple[Any, Any]]) -> None:
        """Keras-style ``apply_gradients([(grad, param), ...])``."""
        pairs = list(grads_and_vars)
        self.apply([g for g, _ in pairs], [p for _, p in pairs])

    # ---------------------------------------------------------------- the step
    def _apply(self, grads: list[Any], params: list[Any]) -> None:
        if self._flat is not None:
            flat_grad = self._flat_gradient(grads, params)
            if flat_grad is not None:
                self._apply_flat(flat_grad)
                return
        arrays = [_param_array(p, f"Parameter {i}") for i, p in enumerate(params)]
        if self._signature is None:
            self._build(arrays)
            if self._flat is not None:  # packed parameters: the first step already takes the flat path
                flat_grad = self._flat_gradient(grads, params)
                if flat_grad is not None:
                    self._apply_flat(flat_grad)
                    return
        else:
            self._check_signature(arrays)
        work = []
        for i, (g, w) in enumerate(zip(grads, arrays)):
            if g is None:
                continue
            g = _grad_array(g)
            if g.shape != w.shape:
                raise ValueError(f"Gradient {i} has shape {g.shape} but parameter {i} has "
                                 f"shape {w.shape}; they must match.")
            work.append((i, w, g))
        if not work:
            return

        lr = self.learning_rate
        scales = self._clip_scales(work)
        t = self.iterations + 1  # the notes' t: 1 on the first step
        coeffs = self._coefficients(lr, t)
        by_dtype: dict[np.dtype, tuple[dict[str, Any], Prelude]] = {}
        for (i, w, g), scale in zip(work, scales):
            cast = by_dtype.get(w.dtype)
            if cast is None:
                # Cast once per dtype: a float64 scalar would upcast float32 arrays.
                cast = by_dtype[w.dtype] = ({k: w.dtype.type(v) for k, v in coeffs.items()},
                                            self._prelude(lr, t, w.dtype))
            c, pre = cast
            if scale is not None:
                pre = pre._replace(scale=w.dtype.type(scale))
            self._update(w, g, self._state[i], c, pre)
        self.iterations = t

    def _flat_gradient(self, grads: list[Any], params: list[Any]) -> np.ndarray | None:
        """The flat gradient buffer when ``params`` are the packed parameters and ``grads`` tile one buffer
        in the same layout; else None (the per-parameter path handles everything else, errors included)."""
        _, param_arrays, _ = self._flat  # type: ignore[misc]
        if len(params) != len(param_arrays) or len(grads) != len(params) or self.clipnorm is not None:
            return None
        for p, a in zip(params, param_arrays):
            if p is not a and getattr(p, "data", None) is not a:
                return None
        cached = self._flat_grads
        if cached is not None:
            # The usual case: the very gradient buffers seen last step.
            for g, known in zip(grads, cached[0]):
                if g is not known:
                    break
            else:
                return cached[1]
        arrays = []
        for g in grads:
            g = g if isinstance(g, np.ndarray) else getattr(g, "data", None)
            if not isinstance(g, np.ndarray):
                return None
            arrays.append(g)
        if any(g.shape != a.shape for g, a in zip(arrays, param_arrays)):
            return None
        base = flat_base(arrays)
        if base is None or base.dtype != param_arrays[0].dtype:
            return None
        self._flat_grads = (arrays, base)
        return base

    def _apply_flat(self, g: np.ndarray) -> None:
        """One step on the packed buffer: the same order as ``_apply`` (clip, decay, rule), one rule call."""
        w, _, slots = self._flat  # type: ignore[misc]
        lr = self.learning_rate
        t = self.iterations + 1
        pre = self._prelude(lr, t, w.dtype)
        if self.global_clipnorm is not None:
            scale = self._clip_scales([(0, w, g)])[0]
            if scale is not None:
                pre = pre._replace(scale=w.dtype.type(scale))
        c = {k: w.dtype.type(v) for k, v in self._coefficients(lr, t).items()}
        self._update(w, g, slots, c, pre)
        self.iterations = t

    def _prelude(self, lr: float, t: int, dtype: np.dtype) -> Prelude:
        """The step's clip value, weight decay and flush threshold, as scalars of ``dtype`` (no norm scale:
        that is per parameter, or global)."""
        cast = dtype.type
        threshold = self._flush_threshold(t, dtype)
        if threshold is None and self.clipvalue is None and not self.weight_decay:
            return NO_PRELUDE  # most steps of most optimizers
        return Prelude(clipvalue=None if self.clipvalue is None else cast(self.clipvalue),
                       decay=cast(1.0 - lr * self.weight_decay) if self.weight_decay else None,
                       flush=None if threshold is None else cast(threshold))

    def _clip_scales(self, work: list[tuple[int, np.ndarray, np.ndarray]]) -> list[float | None]:
        """Per gradient, the factor ``clipnorm`` or ``global_clipnorm`` multiplies it by (c / ||g||, when the
        norm exceeds c), or None. ``clipvalue`` is elementwise: the kernel applies it."""
        if self.clipnorm is not None:
            scales: list[float | None] = []
            for _, _, g in work:
                norm = math.sqrt(float(np.vdot(g, g)))
                scales.append(self.clipnorm / norm if norm > self.clipnorm else None)  # False for a NaN norm
            return scales
        if self.global_clipnorm is not None:
            norm = math.sqrt(sum(float(np.vdot(g, g)) for _, _, g in work))
            if norm > self.global_clipnorm:
                return [self.global_clipnorm / norm] * len(work)
        return [None] * len(work)

    def _flush_threshold(self, t: int, dtype: np.dtype) -> float | None:
        """On every _FLUSH_EVERY-th step, the magnitude below which decaying slots are set to zero; else None."""
        if self.flush_denormals and self._decaying_slots and t % _FLUSH_EVERY == 0:
            return _FLUSH_THRESHOLD.get(dtype)
        return None

    # ---------------------------------------------------------------- rule hooks
    def _coefficients(self, lr: float, t: int) -> dict[str, float]:
        """Scalars for this step, as Python floats (cast to each parameter's dtype
        by the caller). Called exactly once per counted step."""
        return {"lr": lr}

    def _update(self, w: np.ndarray, g: np.ndarray, state: dict[str, np.ndarray], c: dict[str, Any],
                pre: Prelude) -> None:
        """Update ``w`` in place from ``g`` by calling the rule's kernel (``lamina.kernels``); ``state`` holds
        this parameter's slots, ``c`` the step's scalars (``_coefficients``, cast to ``w``'s dtype), ``pre``
        the step's clipping, decay and flush."""
        raise NotImplementedError

    # ---------------------------------------------------------------- state
    def get_state(self) -> dict[str, Any]:
        """Everything that changes during training, as copies.

        Keys: ``iterations`` (int), ``num_params`` (int, 0 before the first step),
        ``learning_rate`` (float, only when it is a constant rather than a
        schedule), each rule's scalar state (floats), and ``"<slot>/<index>"``
        arrays such as ``"m/0"``, ``"v/0"``, in parameter order.
        """
        state: dict[str, Any] = {"iterations": int(self.iterations)}
        if not callable(self._learning_rate):
            state["learning_rate"] = float(self._learning_rate)
        for key in self._scalar_state:
            state[key.lstrip("_")] = float(getattr(self, key))
        if self._signature is None and self._pending_state is not None:
            pending = self._pending_state
            state["num_params"] = pending["num_params"]
            state.update({k: v.copy() for k, v in pending.items() if isinstance(v, np.ndarray)})
            return state
        state["num_params"] = 0 if self._signature is None else len(self._signature)
        for i, slots in enumerate(self._state):
            for name in self._slot_names:
                state[f"{name}/{i}"] = slots[name].copy()
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        """Restore ``get_state()``'s output (on this or a fresh, same-config optimizer).

        On an optimizer that has not stepped yet the slots are kept until the first
        step, which checks them against the parameters.
        """
        iterations = state.get("iterations")
        if isinstance(iterations, bool) or not isinstance(iterations, (int, np.integer)) \
                or iterations < 0:
            raise ValueError(f"State entry `iterations` must be an int >= 0; received {iterations!r}.")
        num = state.get("num_params", 0)
        if isinstance(num, bool) or not isinstance(num, (int, np.integer)) or num < 0:
            raise ValueError(f"State entry `num_params` must be an int >= 0; received {num!r}.")
        slots: dict[str, Any] = {"num_params": int(num)}
        for i in range(int(num)):
            for name in self._slot_names:
                key = f"{name}/{i}"
                if key not in state:
                    raise ValueError(f"State for {type(self).__name__} lacks `{key}` "
                                     f"(expected slots {list(self._slot_names)} for {num} parameters).")
                slots[key] = np.array(state[key], copy=True)
        scalars = {}
        for key in self._scalar_state:
            name = key.lstrip("_")
            if name not in state:
                raise ValueError(f"State for {type(self).__name__} lacks `{name}`.")
            scalars[key] = float(state[name])
        lr = state.get("learning_rate")
        if lr is not None:
            if callable(self._learning_rate):
                raise ValueError("The saved state has a constant learning rate but this "
                                 "optimizer uses a schedule; build it from the same config.")
            lr = _check_float("learning_rate", lr, 0)
        if self._signature is None:
            self._pending_state = slots
        else:
            self._load_slots(slots)
        if lr is not None:
            self._learning_rate = lr
        self.iterations = int(iterations)
        for key, value in scalars.items():
            setattr(self, key, value)

    def _load_slots(self, slots: dict[str, Any]) -> None:
        """Copy saved slots into the built state, checking count and shapes first."""
        assert self._signature is not None
        num = slots["num_params"]
        if num and num != len(self._signature):
            raise ValueError(f"The saved optimizer state is for {num} parameters; this "
                             f"optimizer has {len(self._signature)}.")
        if not num:
            return
        for i, (shape, _) in enumerate(self._signature):
            for name in self._slot_names:
                saved = slots[f"{name}/{i}"]
                if saved.shape != shape:
                    raise ValueError(f"Saved slot `{name}/{i}` has shape {saved.shape}; "
                                     f"parameter {i} has shape {shape}.")
        for i in range(num):
            for name in self._slot_names:
                np.copyto(self._state[i][name], slots[f"{name}/{i}"], casting="same_kind")

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict[str, Any]:
        """Constructor arguments, so that ``type(opt).from_config(cfg)`` rebuilds it.

        A schedule is stored as ``{"class_name": ..., "config": ...}``; a constant
        learning rate as its current value.
        """
        lr = self._learning_rate
        if callable(lr):
            lr = _schedules.serialize(lr)
        return {"name": self.name, "learning_rate": lr, "weight_decay": self.weight_decay,
                "clipnorm": self.clipnorm, "global_clipnorm": self.global_clipnorm,
                "clipvalue": self.clipvalue}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "Optimizer":
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = _schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name!r} iterations={self.iterations}>"
