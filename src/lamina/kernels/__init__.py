"""The speed seam: the elementwise work between the matrix products, behind one small interface.

A training step is a few matrix products (NumPy's BLAS) and, between them, elementwise work: every
optimizer's update over all the weights, bias + activation forward and backward, dropout, batch norm, the
loss and its gradient. NumPy does that work as many single-threaded passes over memory, one ufunc call each.
The same interface has two implementations:

- ``numpy_optimizers`` and ``numpy_layers``: NumPy only, always available, the reference;
- ``numba_optimizers`` and ``numba_layers``: the same computations compiled with Numba (the optional extra
  ``pip install "lamina[fast]"``), each one loop over memory, with the NumPy version's arithmetic in its
  order: the same numbers (bit for bit where the work is elementwise and free of ``exp``/``log``/``tanh``;
  to float rounding otherwise; see the tests).

The implementation is chosen once per process, at the first kernel call on an array of at least
``CHOICE_SIZE`` elements (a call on less runs NumPy's kernel without choosing, so a tiny model, such as the
notes' XOR network, never imports Numba): the compiled kernels when numba is installed, NumPy's otherwise
(with a one-time debug log line), or what the environment variable ``LAMINA_KERNELS`` asks for:
``numpy`` turns the extra off, ``numba`` asks for it (an ImportError naming the extra if numba is missing),
``auto`` or unset chooses as above. Nothing here is imported by ``import lamina``'s core, and importing this
package imports neither implementation. The compiled kernels are compiled at their first call (the first
``fit``), and cached on disk (``numba_runtime.py``), so a later process loads them instead.

The interface (arrays in place where said; scalars already of the arrays' dtype; ``pre`` a ``Prelude``):

    sgd_update(w, g, v, pre, lr, momentum, nesterov, threads=1)
    adagrad_update(w, g, r, pre, lr, delta, threads=1)
    rmsprop_update(w, g, r, m_g, b, pre, lr, rho, one_minus_rho, mu, delta, threads=1)
    adam_update(w, g, m, v, v_max, pre, beta_1, beta_2, step_size, epsilon_hat, threads=1)
    nadam_update(w, g, m, v, pre, beta_1, one_minus_beta_1, beta_2, one_minus_beta_2, bias_2, epsilon,
                 lr_m, lr_g, threads=1)
    bias_act_forward(z, bias, activation, alpha=0.2, out=None) -> (a, saved)
    bias_act_backward(g, a, saved, activation, alpha=0.2, want_db=False, db_out=None) -> (dz, db)
    dropout_forward(x, raw, threshold, scale) -> (out, mask)
    batch_norm_forward(x, gamma, beta, epsilon) -> (y, x_hat, mean, var, inv_std)
    batch_norm_backward(g, x_hat, gamma, inv_std, want_dx=True) -> (dx, dgamma, dbeta)
    softmax_forward(z, axis) -> probabilities
    softmax_cross_entropy_forward(z, labels, axis) -> (per_sample, log_probs)
    softmax_cross_entropy_backward(log_probs, labels, axis, factor) -> dz
    sigmoid_cross_entropy_forward(z, y) -> per_element
    sigmoid_cross_entropy_backward(z, y, factor) -> dz
    col2im(dcols, padded_shape, strides, dilation) -> dxp      (the convolution's scatter-add)
    max_pool_forward(xp, kernel, strides, out) -> (best, argmax)
    max_pool_backward(g, argmax, padded_shape, kernel, strides) -> dxp

``numpy_optimizers.py`` and ``numpy_layers.py`` document each function. Callers use them as attributes of
this module (``kernels.adam_update(...)``): after the choice, the attributes are the chosen implementation's
functions themselves, so a call costs one attribute lookup more than calling NumPy directly.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import os
import time
from typing import Any, Callable

from .prelude import Prelude

NAMES = ("sgd_update", "adagrad_update", "rmsprop_update", "adam_update", "nadam_update", "bias_act_forward",
         "bias_act_backward", "dropout_forward", "batch_norm_forward", "batch_norm_backward", "softmax_forward",
         "softmax_cross_entropy_forward", "softmax_cross_entropy_backward", "sigmoid_cross_entropy_forward",
         "sigmoid_cross_entropy_backward", "col2im", "max_pool_forward",
         "max_pool_backward")
_MODULES = {"numpy": ("numpy_optimizers", "numpy_layers"), "numba": ("numba_optimizers", "numba_layers")}
CHOICE_SIZE = 16384  # elements (128 x 128): below this NumPy's passes cost microseconds, as a call does
ENVIRONMENT = "LAMINA_KERNELS"

_chosen: str | None = None
_why = ""
_start_seconds = 0.0   # importing numba and setting it up


def _requested() -> str:
    value = os.environ.get(ENVIRONMENT, "auto").strip().lower() or "auto"
    if value not in ("auto", "numpy", "numba"):
        raise ValueError(f"The environment variable {ENVIRONMENT} must be 'numpy', 'numba' or 'auto'; "
                         f"received {value!r}.")
    return value


def _numba_installed() -> bool:
    """Whether numba can be found, without importing it."""
    try:
        return importlib.util.find_spec("numba") is not None
    except (ImportError, ValueError):  # a hidden or half-imported numba
        return False


def _bind(name: str) -> None:
    """Make this module's kernel functions those of the implementation ``name``."""
    global _chosen, _defer
    functions: dict[str, Callable[..., Any]] = {}
    for module_name in _MODULES[name]:
        module = importlib.import_module(f".{module_name}", __name__)
        functions.update({n: getattr(module, n) for n in NAMES if hasattr(module, n)})
    missing = set(NAMES) - set(functions)
    assert not missing, f"kernels {sorted(missing)} missing from the {name} implementation"
    globals().update(functions)
    _chosen = name
    _defer = False


def choose() -> str:
    """Choose the implementation now, if not yet chosen (see the module docstring); returns its name."""
    global _why, _start_seconds
    if _chosen is not None:
        return _chosen
    requested = _requested()
    if requested == "numpy":
        _why = f"{ENVIRONMENT}=numpy"
        _bind("numpy")
        return "numpy"
    problem = None if _numba_installed() else "numba is not installed"
    if problem is None:
        start = time.perf_counter()
        try:
            importlib.import_module(".numba_runtime", __name__)  # imports numba, sets its threads up
        except ImportError as error:  # e.g. a numba too old or too new for this NumPy
            problem = f"numba could not be imported ({error})"
    if problem is not None:
        if requested == "numba":
            raise ImportError(f"{ENVIRONMENT}=numba asks for the compiled kernels, but {problem}: "
                              "pip install 'lamina[fast]' (or pip install numba), or unset the variable.")
        _why = f"{problem}; pip install 'lamina[fast]' for the compiled kernels"
        logging.getLogger(__name__).debug("lamina.kernels: NumPy's kernels, since %s", _why)
        _bind("numpy")
        return "numpy"
    _bind("numba")
    _start_seconds = time.perf_counter() - start
    _why = f"{ENVIRONMENT}=numba" if requested == "numba" else "numba is installed"
    return "numba"


def use(name: str | None) -> None:
    """Switch to the implementation ``name`` ('numpy' or 'numba') now, or with None forget the choice (the
    next large call chooses again). For tests and benchmarks that compare the two in one process."""
    global _chosen, _why, _defer
    if name is None:
        globals().update(_STUBS)
        _chosen, _why, _defer = None, "", None
        return
    if name not in _MODULES:
        raise ValueError(f"kernels.use: expected 'numpy', 'numba' or None; received {name!r}")
    if name == "numba":
        importlib.import_module(".numba_runtime", __name__)  # an ImportError here names numba
    _bind(name)
    _why = "kernels.use()"


def backend_name() -> str:
    """The chosen implementation and why, e.g. ``'numba 0.60.0 (numba is installed; workqueue threading layer,
    up to 2 threads)'``, or ``'not chosen yet'`` (no large kernel call so far; ``choose()`` forces the choice)."""
    if _chosen is None:
        return "not chosen yet"
    if _chosen == "numpy":
        return f"numpy ({_why})"
    import numba
    from . import numba_runtime
    layer = numba.config.THREADING_LAYER
    return f"numba {numba.__version__} ({_why}; {layer} threading layer, up to {numba_runtime.THREADS} threads)"


def compile_seconds() -> float:
    """Seconds this process has spent importing numba and compiling its kernels or loading them from the disk
    cache (0.0 with NumPy's kernels)."""
    if _chosen != "numba":
        return 0.0
    from . import numba_runtime
    return _start_seconds + numba_runtime.compile_timer.seconds


_defer: bool | None = None  # whether small calls wait for a large one before choosing (auto, numba installed)


def _deferring() -> bool:
    global _defer
    if _defer is None:
        _defer = _requested() == "auto" and _numba_installed()
    return _defer


def _numpy_function(name: str) -> Callable[..., Any]:
    for module_name in _MODULES["numpy"]:
        module = importlib.import_module(f".{module_name}", __name__)
        if hasattr(module, name):
            return getattr(module, name)
    raise AssertionError(name)


def _stub(name: str) -> Callable[..., Any]:
    """The placeholder for kernel ``name`` until the choice: a small call runs NumPy's kernel, a large one
    chooses and runs the chosen implementation's. Kept cheap: a tiny model calls it a few times per step."""
    numpy_function: Callable[..., Any] | None = None

    def kernel(*args: Any, **kwargs: Any) -> Any:
        nonlocal numpy_function
        if _defer is None:
            _deferring()
        if _defer and args[0].size < CHOICE_SIZE:
            if numpy_function is None:
                numpy_function = _numpy_function(name)
            return numpy_function(*args, **kwargs)
        choose()
        return globals()[name](*args, **kwargs)

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = f"``{name}`` of the implementation chosen at the first large call (see lamina.kernels)."
    return kernel


_STUBS = {name: _stub(name) for name in NAMES}
globals().update(_STUBS)

__all__ = [*NAMES, "NAMES", "Prelude", "CHOICE_SIZE", "choose", "use", "backend_name",
           "compile_seconds"]
