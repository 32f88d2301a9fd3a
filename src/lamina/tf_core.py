"""The functions behind TensorFlow's top-level names under ``import lamina as tf`` (lamina.tf_compat finds them).

``tf.constant``, ``tf.convert_to_tensor``, ``tf.identity``, ``tf.shape`` / ``size`` / ``rank``, creation
(``tf.zeros``, ``tf.range``, ``tf.linspace``, ``tf.one_hot``, ``tf.fill``), shapes (``tf.concat``,
``tf.expand_dims``, ``tf.squeeze``, ``tf.split``, ``tf.tile``, ``tf.gather``), ``tf.clip_by_value``,
``tf.sort`` / ``argsort``, ``tf.norm``, ``tf.print``, ``tf.version``, ``tf.config`` (one CPU, no GPU) and
``tf.function``, which returns the function unchanged: Lamina runs eagerly, so a decorated train step runs as
plain Python (``jit_compile=`` and the other options are accepted and have no effect).
"""

from __future__ import annotations

import sys
from types import SimpleNamespace
from typing import Any, Callable, NamedTuple, Sequence

import numpy as np

from . import array_api as _array
from . import numpy_api as _np_api
from .dtypes import standardize_dtype, to_tensor
from .tensor import Tensor

# ----- tensors -----------------------------------------------------------------------------------------------
def constant(value: Any, dtype: Any = None, shape: Sequence[int] | None = None, name: str | None = None) -> Tensor:
    """A tensor holding ``value`` (a scalar fills ``shape``; values of the same size are reshaped to it)."""
    tensor = to_tensor(value.data if isinstance(value, Tensor) else value, dtype)
    if shape is None:
        return tensor
    target = tuple(int(n) for n in shape)
    if tensor.size == 1:
        return Tensor(np.full(target, tensor.data.reshape(()), dtype=tensor.dtype), dtype=tensor.dtype)
    if tensor.size != int(np.prod(target)):
        raise TypeError(f"constant: {tensor.size} values cannot fill shape {target}")
    return Tensor(tensor.data.reshape(target), dtype=tensor.dtype)


def convert_to_tensor(value: Any, dtype: Any = None, dtype_hint: Any = None, name: str | None = None) -> Tensor:
    """``value`` as a Tensor (Tensors pass through; ``dtype_hint`` applies to data that is not yet one)."""
    if dtype is None and dtype_hint is not None and not isinstance(value, Tensor):
        dtype = dtype_hint
    return to_tensor(value, dtype)


def identity(input: Any, name: str | None = None) -> Tensor:  # noqa: A002 - TensorFlow's name
    """The same values as a new tensor (the gradient passes through)."""
    return _np_api.add(to_tensor(input), 0)


def shape(input: Any, out_type: Any = "int32", name: str | None = None) -> Tensor:  # noqa: A002
    """The shape as a 1-D int32 tensor (``x.shape`` gives it as a tuple)."""
    target = standardize_dtype(out_type or "int32")
    return Tensor(np.asarray(to_tensor(input).shape, dtype=target), dtype=target)


def size(input: Any, out_type: Any = "int32", name: str | None = None) -> Tensor:  # noqa: A002
    """The number of elements, as a 0-d int32 tensor."""
    target = standardize_dtype(out_type or "int32")
    return Tensor(np.asarray(to_tensor(input).size, dtype=target), dtype=target)


def rank(input: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The number of axes, as a 0-d int32 tensor."""
    return Tensor(np.asarray(to_tensor(input).ndim, dtype=np.int32), dtype=np.int32)


# ----- creation ----------------------------------------------------------------------------------------------
def zeros(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """Zeros (float32 unless ``dtype``)."""
    return _array.zeros(shape, dtype=dtype)


def ones(shape: Any, dtype: Any = "float32", name: str | None = None) -> Tensor:
    """Ones (float32 unless ``dtype``)."""
    return _array.ones(shape, dtype=dtype)


def zeros_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Zeros of the input's shape and dtype."""
    return _array.zeros_like(input, dtype=dtype)


def ones_like(input: Any, dtype: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Ones of the input's shape and dtype."""
    return _array.ones_like(input, dtype=dtype)


def fill(dims: Any, value: Any, name: str | None = None) -> Tensor:
    """A tensor of shape ``dims`` filled with ``value``."""
    return _array.full(dims, value)


def range(start: Any, limit: Any = None, delta: Any = 1, dtype: Any = None,  # noqa: A001 - TensorFlow's name
          name: str | None = None) -> Tensor:
    """[start, start + delta, ...) up to ``limit`` (``range(n)`` counts from 0): int32 for integers, float32
    when a bound is a float."""
    return _array.arange(start, limit, delta, dtype=dtype)


def linspace(start: Any, stop: Any, num: int, name: str | None = None, axis: int = 0) -> Tensor:
    """``num`` evenly spaced values from start to stop, both included."""
    return _array.linspace(start, stop, num, axis=axis)


def one_hot(indices: Any, depth: int, on_value: Any = None, off_value: Any = None, axis: int | None = None,
            dtype: Any = None, name: str | None = None) -> Tensor:
    """One-hot rows of ``depth``: ``on_value`` (1) at each index, ``off_value`` (0) elsewhere; an index outside
    [0, depth) gives a row of ``off_value``. float32 unless ``dtype`` or the on/off values say otherwise."""
    from .nn_api import one_hot as keras_one_hot
    if dtype is None:
        given = on_value if on_value is not None else off_value
        dtype = "float32" if given is None else to_tensor(given).dtype
    target = standardize_dtype(dtype)
    hot = keras_one_hot(indices, depth, axis=-1 if axis is None else axis, dtype=bool).data
    values = np.where(hot, 1 if on_value is None else on_value, 0 if off_value is None else off_value)
    return Tensor(values.astype(target), dtype=target)


# ----- shapes ------------------------------------------------------------------------------------------------
def concat(values: Sequence[Any], axis: int, name: str | None = None) -> Tensor:
    """Tensors joined along ``axis``."""
    return _array.concatenate(values, axis=axis)


def expand_dims(input: Any, axis: int, name: str | None = None) -> Tensor:  # noqa: A002
    """A new axis of size 1 at ``axis``."""
    return _array.expand_dims(input, axis)


def squeeze(input: Any, axis: Any = None, name: str | None = None) -> Tensor:  # noqa: A002
    """Axes of size 1 removed (all, or those in ``axis``)."""
    return _array.squeeze(input, axis)


def split(value: Any, num_or_size_splits: Any, axis: int = 0, num: int | None = None,
          name: str | None = None) -> list[Tensor]:
    """``value`` cut along ``axis`` into ``n`` equal parts, or into parts of the given sizes."""
    if isinstance(num_or_size_splits, (int, np.integer)):
        return _array.split(value, int(num_or_size_splits), axis=axis)
    sizes = [int(s) for s in np.asarray(to_tensor(num_or_size_splits).data).ravel()]
    return _array.split(value, list(np.cumsum(sizes)[:-1]), axis=axis)


def tile(input: Any, multiples: Any, name: str | None = None) -> Tensor:  # noqa: A002
    """The input repeated ``multiples[i]`` times along axis i."""
    return _array.tile(to_tensor(input), [int(m) for m in np.asarray(to_tensor(multiples).data).ravel()])


def gather(params: Any, indices: Any, validate_indices: Any = None, axis: int | None = None, batch_dims: int = 0,
           name: str | None = None) -> Tensor:
    """Slices of ``params`` at ``indices`` along ``axis`` (0 by default)."""
    if batch_dims:
        raise ValueError("gather: batch_dims is not supported by Lamina (use take_along_axis)")
    return _array.take(params, indices, axis=0 if axis is None else axis)


def clip_by_value(t: Any, clip_value_min: Any, clip_value_max: Any, name: str | None = None) -> Tensor:
    """Values limited to [clip_value_min, clip_value_max]."""
    return _np_api.clip(t, clip_value_min, clip_value_max)


def sort(values: Any, axis: int = -1, direction: str = "ASCENDING", name: str | None = None) -> Tensor:
    """Sorted along ``axis``, ascending or (``direction="DESCENDING"``) descending."""
    ordered = _array.sort(values, axis=axis)
    return _array.flip(ordered, axis) if _descending(direction) else ordered


def argsort(values: Any, axis: int = -1, direction: str = "ASCENDING", stable: bool = False,
            name: str | None = None) -> Tensor:
    """The indices that sort ``values`` along ``axis`` (stable in both directions)."""
    if _descending(direction):
        data = to_tensor(values).data
        keys = -(data if data.dtype.kind in "fi" else data.astype(np.float64))
        return _array.argsort(keys, axis=axis)
    return _array.argsort(values, axis=axis)


def _descending(direction: str) -> bool:
    if direction not in ("ASCENDING", "DESCENDING"):
        raise ValueError(f"direction must be 'ASCENDING' or 'DESCENDING'; received {direction!r}")
    return direction == "DESCENDING"


def norm(tensor: Any, ord: Any = "euclidean", axis: Any = None, keepdims: bool | None = None,  # noqa: A002
         name: str | None = None) -> Tensor:
    """The Euclidean norm by default (of all elements when ``axis`` is None), else ``ord`` as NumPy's."""
    from .nn_api import norm as keras_norm
    return keras_norm(tensor, ord=None if ord in ("euclidean", 2) else ord, axis=axis, keepdims=bool(keepdims))


# ----- running -----------------------------------------------------------------------------------------------
def function(func: Callable | None = None, **options: Any) -> Any:
    """Returns ``func`` unchanged (as a decorator with or without options: ``@tf.function``,
    ``@tf.function(jit_compile=True)``): Lamina always runs eagerly, so there is nothing to trace or compile."""
    if func is None:
        return lambda inner: inner
    return func


def executing_eagerly() -> bool:
    """Always True: Lamina has no graph mode."""
    return True


def print(*inputs: Any, output_stream: Any = None, sep: str = " ", end: str = "\n",  # noqa: A001 - TF's name
          **options: Any) -> None:
    """Print tensors' values (TensorFlow's ``tf.print`` writes to stderr by default)."""
    stream = output_stream if output_stream is not None and hasattr(output_stream, "write") else sys.stderr
    text = sep.join(np.array2string(i.data) if isinstance(i, Tensor) else str(i) for i in inputs)
    stream.write(text + end)


class PhysicalDevice(NamedTuple):
    """A device as ``tf.config.list_physical_devices`` describes it."""
    name: str
    device_type: str


_CPU = PhysicalDevice("/physical_device:CPU:0", "CPU")


def _list_devices(device_type: str | None = None) -> list[PhysicalDevice]:
    return [_CPU] if device_type in (None, "CPU") else []


def _no_op(*args: Any, **kwargs: Any) -> None:
    """Accepted for compatibility; Lamina has one device (the CPU) and nothing to configure."""


config = SimpleNamespace(
    list_physical_devices=_list_devices, list_logical_devices=_list_devices, get_visible_devices=_list_devices,
    set_visible_devices=_no_op, run_functions_eagerly=_no_op, functions_run_eagerly=lambda: True,
    experimental=SimpleNamespace(list_physical_devices=_list_devices, set_memory_growth=_no_op,
                                 get_memory_growth=lambda device: False, set_visible_devices=_no_op),
    threading=SimpleNamespace(set_intra_op_parallelism_threads=_no_op, set_inter_op_parallelism_threads=_no_op),
)
test = SimpleNamespace(is_gpu_available=lambda *args, **kwargs: False, gpu_device_name=lambda: "",
                       is_built_with_cuda=lambda: False)
newaxis = None


def version() -> SimpleNamespace:
    """``tf.version``: Lamina's version under TensorFlow's attribute names."""
    from . import __version__
    return SimpleNamespace(VERSION=__version__, GIT_VERSION="unknown", COMPILER_VERSION="unknown")
