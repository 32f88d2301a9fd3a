"""``tf.image`` basics on NumPy: resizing, flips, rotations, dtype conversion, seeded random flips and brightness.

Images are arrays of shape (height, width, channels) or batches (n, height, width, channels); a Lamina Tensor is
read as its array. Results are new NumPy arrays. The formulas are TensorFlow's, checked against it by
tests/data/tf_data/make_fixtures.py:

- ``resize`` samples at pixel centres ("half-pixel" convention): output pixel o of an axis resized from
  ``n_in`` to ``n_out`` looks at input coordinate ``s = (o + 0.5) * n_in / n_out - 0.5``. Bilinear interpolates
  between ``floor(s)`` and ``ceil(s)`` (clamped to the image) with weight ``s - floor(s)``; nearest takes
  ``floor((o + 0.5) * n_in / n_out)``. With ``antialias`` a downscale averages over a triangle kernel widened by
  ``n_in / n_out``, so that no input pixel is skipped.
- ``convert_image_dtype`` maps integer ranges onto [0, 1] floats (divide by the integer type's maximum) and back
  (multiply by max + 0.5, then truncate).

Randomness: ``seed=None`` draws from a generator spawned from Lamina's seed sequence (reproducible after
``lamina.utils.set_random_seed``); an integer seed gives its own generator, created at the first call with that
seed and continued by later calls, so repeated calls differ but a rerun of the program repeats them (TensorFlow's
op-seed behaviour).

Decoding (``decode_image``, ``decode_png``, ``decode_jpeg``) uses Pillow, an optional extra:
``pip install lamina[images]``.
"""

from __future__ import annotations

import io
import threading
from typing import Any

import numpy as np

from .random import make_rng
from .tensor import Tensor

__all__ = [
    "adjust_brightness", "convert_image_dtype", "decode_image", "decode_jpeg", "decode_png", "flip_left_right",
    "flip_up_down", "random_brightness", "random_flip_left_right", "random_flip_up_down", "resize",
    "resize_with_pad", "rot90",
]

_METHODS = ("bilinear", "nearest")


def _as_images(images: Any, name: str) -> np.ndarray:
    array = np.asarray(images.data if isinstance(images, Tensor) else images)
    if array.ndim not in (3, 4):
        raise ValueError(f"{name}: images must have shape (height, width, channels) or (batch, height, width, "
                         f"channels); received shape {array.shape}")
    return array


# ----- resize -----------------------------------------------------------------------------------------------
def resize(images: Any, size: Any, method: str = "bilinear", preserve_aspect_ratio: bool = False,
           antialias: bool = False, name: str | None = None) -> np.ndarray:
    """Resize to ``size = (height, width)``, as ``tf.image.resize``.

    Args:
        images: (h, w, c) or (n, h, w, c).
        size: the new (height, width).
        method: 'bilinear' (float32 result) or 'nearest' (the input's dtype).
        preserve_aspect_ratio: fit inside ``size`` keeping the aspect ratio (the result may be smaller).
        antialias: when downscaling bilinearly, average over all covered input pixels.

    Example:
        >>> resize(np.zeros((32, 48, 3)), (16, 16)).shape
        (16, 16, 3)
    """
    array = _as_images(images, "resize")
    method = str(getattr(method, "value", method)).lower()
    if method not in _METHODS:
        raise ValueError(f"resize: method must be one of {_METHODS}; received {method!r}")
    try:
        new_height, new_width = (int(s) for s in size)
    except (TypeError, ValueError):
        raise ValueError(f"resize: size must be a pair (height, width) of positive integers; received "
                         f"{size!r}") from None
    if new_height < 1 or new_width < 1:
        raise ValueError(f"resize: size must be positive; received {size!r}")
    batch = array if array.ndim == 4 else array[None]
    height, width = batch.shape[1:3]
    if preserve_aspect_ratio:
        factor = min(np.float32(new_height) / np.float32(height), np.float32(new_width) / np.float32(width))
        new_height = int(np.round(np.float32(height) * factor))
        new_width = int(np.round(np.float32(width) * factor))
    if method == "nearest":
        rows = _nearest_indices(height, new_height)
        cols = _nearest_indices(width, new_width)
        result = batch[:, rows][:, :, cols]
    elif antialias and (new_height < height or new_width < width):
        result = _resize_with_kernel(batch.astype(np.float32), new_height, new_width)
    else:
        result = _resize_bilinear(batch.astype(np.float32), new_height, new_width)
    return result if array.ndim == 4 else result[0]


def resize_with_pad(image: Any, target_height: int, target_width: int, method: str = "bilinear",
                    antialias: bool = False) -> np.ndarray:
    """Resize keeping the aspect ratio to fit inside (target_height, target_width), then pad with zeros around
    it (centred), as ``tf.image.resize_with_pad``."""
    array = _as_images(image, "resize_with_pad")
    height, width = array.shape[-3:-1]
    ratio = max(np.float32(width) / np.float32(target_width), np.float32(height) / np.float32(target_height))
    resized_height_float, resized_width_float = np.float32(height) / ratio, np.float32(width) / ratio
    resized_height, resized_width = int(np.floor(resized_height_float)), int(np.floor(resized_width_float))
    top = max(0, int(np.floor((np.float32(target_height) - resized_height_float) / 2)))
    left = max(0, int(np.floor((np.float32(target_width) - resized_width_float) / 2)))
    resized = resize(array, (resized_height, resized_width), method=method, antialias=antialias)
    padded = np.zeros((*array.shape[:-3], int(target_height), int(target_width), array.shape[-1]), resized.dtype)
    padded[..., top:top + resized_height, left:left + resized_width, :] = resized
    return padded


def _nearest_indices(n_in: int, n_out: int) -> np.ndarray:
    # float32 throughout, as TensorFlow computes it, so that ties land on the same pixel.
    scale = np.float32(n_in) / np.float32(n_out)
    positions = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale
    return np.clip(np.floor(positions).astype(np.int64), 0, n_in - 1)


def _bilinear_axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower and upper source indices and the interpolation weight of each output position."""
    scale = np.float32(n_in) / np.float32(n_out)
    source = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5)
    floor = np.floor(source)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(source), n_in - 1).astype(np.int64)
    return lower, upper, (source - floor).astype(np.float32)


def _resize_bilinear(batch: np.ndarray, new_height: int, new_width: int) -> np.ndarray:
    top, bottom, y_weight = _bilinear_axis(batch.shape[1], new_height)
    left, right, x_weight = _bilinear_axis(batch.shape[2], new_width)
    x_weight = x_weight[None, None, :, None]
    y_weight = y_weight[None, :, None, None]
    top_rows, bottom_rows = batch[:, top], batch[:, bottom]
    # TensorFlow's order of operations: interpolate along x in the top and bottom rows, then along y.
    upper = top_rows[:, :, left] + (top_rows[:, :, right] - top_rows[:, :, left]) * x_weight
    lower = bottom_rows[:, :, left] + (bottom_rows[:, :, right] - bottom_rows[:, :, left]) * x_weight
    return upper + (lower - upper) * y_weight


def _triangle_weights(n_in: int, n_out: int) -> np.ndarray:
    """(n_out, n_in) weights of TensorFlow's antialiased triangle kernel (scale_and_translate), rows summing to 1.

    Output pixel o is centred at input coordinate ``c = (o + 0.5) * n_in / n_out``; input pixel i (centre
    ``i + 0.5``) weighs ``max(0, 1 - |i + 0.5 - c| / k)`` with ``k = max(n_in / n_out, 1)``.
    """
    inverse_scale = np.float32(n_in) / np.float32(n_out)
    kernel_scale = max(inverse_scale, np.float32(1.0))
    centres = (np.arange(n_out, dtype=np.float32) + np.float32(0.5)) * inverse_scale
    inputs = np.arange(n_in, dtype=np.float32) + np.float32(0.5)
    weights = np.maximum(0.0, 1.0 - np.abs(inputs[None, :] - centres[:, None]) / kernel_scale).astype(np.float32)
    totals = weights.sum(axis=1, keepdims=True)
    return weights / np.where(totals > 0, totals, 1)


def _resize_with_kernel(batch: np.ndarray, new_height: int, new_width: int) -> np.ndarray:
    rows = _triangle_weights(batch.shape[1], new_height)
    cols = _triangle_weights(batch.shape[2], new_width)
    resized = np.einsum("oh,nhwc->nowc", rows, batch, optimize=True)
    return np.einsum("pw,nowc->nopc", cols, resized, optimize=True).astype(np.float32)


# ----- geometry and dtype -----------------------------------------------------------------------------------
def flip_left_right(image: Any) -> np.ndarray:
    """Mirror the width axis."""
    return np.ascontiguousarray(_as_images(image, "flip_left_right")[..., ::-1, :])


def flip_up_down(image: Any) -> np.ndarray:
    """Mirror the height axis."""
    return np.ascontiguousarray(_as_images(image, "flip_up_down")[..., ::-1, :, :])


def rot90(image: Any, k: int = 1, name: str | None = None) -> np.ndarray:
    """Rotate by ``k`` quarter turns counter-clockwise."""
    array = _as_images(image, "rot90")
    return np.ascontiguousarray(np.rot90(array, int(k), axes=(-3, -2)))


def convert_image_dtype(image: Any, dtype: Any, saturate: bool = False, name: str | None = None) -> np.ndarray:
    """Convert between integer pixels (0..max of the type) and float pixels (0..1), as ``tf.image``.

    Integer to float divides by the integer type's maximum; float to integer multiplies by ``max + 0.5`` and
    truncates (clipping first when ``saturate``); integers are rescaled by powers of two; floats are cast.
    """
    array = np.asarray(image.data if isinstance(image, Tensor) else image)
    target = np.dtype(getattr(dtype, "as_numpy_dtype", dtype))
    source = array.dtype
    if source == target:
        return array
    for kind in (source, target):
        if kind.kind not in "iuf":
            raise TypeError(f"convert_image_dtype: only integer and float images; received {source} -> {target}")
    if source.kind in "iu" and target.kind in "iu":
        source_max, target_max = int(np.iinfo(source).max), int(np.iinfo(target).max)
        if source_max > target_max:
            return (array // ((source_max + 1) // (target_max + 1))).astype(target)
        return array.astype(target) * target.type((target_max + 1) // (source_max + 1))
    if source.kind == "f" and target.kind == "f":
        return array.astype(target)
    if source.kind in "iu":
        return array.astype(target) * target.type(1.0 / np.iinfo(source).max)
    scaled = array * source.type(np.iinfo(target).max + 0.5)
    if saturate:
        info = np.iinfo(target)
        scaled = np.clip(scaled, info.min, info.max)
    return scaled.astype(target)


def adjust_brightness(image: Any, delta: float) -> np.ndarray:
    """``image + delta`` in float pixels (integer images are converted to float, shifted and converted back)."""
    array = np.asarray(image.data if isinstance(image, Tensor) else image)
    if array.dtype.kind == "f":
        return array + array.dtype.type(delta)
    as_float = convert_image_dtype(array, np.float32)
    return convert_image_dtype(as_float + np.float32(delta), array.dtype, saturate=True)


# ----- random augmentation ----------------------------------------------------------------------------------
_seeded: dict[int, np.random.Generator] = {}
_seeded_lock = threading.Lock()


def _generator(seed: int | None) -> np.random.Generator:
    if seed is None:
        return make_rng()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, a numpy Generator or None; received {seed!r}")
    with _seeded_lock:
        if int(seed) not in _seeded:
            _seeded[int(seed)] = np.random.default_rng(int(seed))
        return _seeded[int(seed)]


def _random_flip(image: Any, seed: Any, axis: int, name: str) -> np.ndarray:
    array = _as_images(image, name)
    rng = _generator(seed)
    if array.ndim == 3:
        return np.ascontiguousarray(np.flip(array, axis)) if rng.random() < 0.5 else array.copy()
    flip = rng.random(len(array)) < 0.5  # each image of a batch decides for itself, as in TensorFlow 2
    result = array.copy()
    result[flip] = np.flip(array[flip], axis)
    return result


def random_flip_left_right(image: Any, seed: Any = None) -> np.ndarray:
    """Mirror the width axis with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, seed, -2, "random_flip_left_right")


def random_flip_up_down(image: Any, seed: Any = None) -> np.ndarray:
    """Mirror the height axis with probability 1/2 (each image of a batch independently)."""
    return _random_flip(image, seed, -3, "random_flip_up_down")


def random_brightness(image: Any, max_delta: float, seed: Any = None) -> np.ndarray:
    """``adjust_brightness`` by one delta drawn uniformly from [-max_delta, max_delta) for the whole input."""
    if not max_delta >= 0:
        raise ValueError(f"random_brightness: max_delta must be >= 0; received {max_delta!r}")
    delta = _generator(seed).uniform(-max_delta, max_delta)
    return adjust_brightness(image, delta)


# ----- decoding ---------------------------------------------------------------------------------------------
def pillow() -> Any:
    """The ``PIL.Image`` module, or an ImportError naming the extra that installs it."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Decoding and encoding images needs Pillow, an optional dependency of Lamina: "
                          "pip install 'lamina[images]' (or pip install Pillow)") from None
    return Image


def to_channels(picture: Any, channels: int) -> np.ndarray:
    """A Pillow image as uint8 (h, w, channels): 0 keeps its own channels, 1 grey, 3 RGB, 4 RGBA.

    Colour to grey is TensorFlow's (libpng's) ``floor((9797 R + 19234 G + 3737 B) / 2**15)``, the ITU-R 601
    luma truncated, rather than Pillow's rounded one; a JPEG gives its stored luma channel directly, as libjpeg
    does.
    """
    modes = {1: "L", 3: "RGB", 4: "RGBA"}
    if channels not in (0, *modes):
        raise ValueError(f"channels must be 0 (as stored), 1, 3 or 4; received {channels!r}")
    if channels == 1 and picture.mode not in ("L", "1", "P", "LA", "I", "I;16"):
        if picture.format == "JPEG":
            picture.draft("L", picture.size)
        if picture.mode != "L":
            rgb = np.asarray(picture.convert("RGB"), dtype=np.uint32)
            luma = (9797 * rgb[..., 0] + 19234 * rgb[..., 1] + 3737 * rgb[..., 2]) >> 15
            return luma.astype(np.uint8)[..., None]
    if channels:
        picture = picture.convert(modes[channels]) if picture.mode != modes[channels] else picture
    elif picture.mode not in ("L", "RGB", "RGBA"):
        picture = picture.convert("RGBA" if "A" in picture.getbands() else "RGB")
    array = np.asarray(picture)
    return array[..., None] if array.ndim == 2 else array


def decode_image(contents: bytes, channels: int = 0, dtype: Any = np.uint8, expand_animations: bool = False
                 ) -> np.ndarray:
    """Decode PNG, JPEG, GIF or BMP bytes into (h, w, channels) pixels (``dtype`` float: scaled to [0, 1])."""
    Image = pillow()
    with Image.open(io.BytesIO(contents)) as picture:
        array = to_channels(picture, channels)
    return convert_image_dtype(array, dtype)


def decode_png(contents: bytes, channels: int = 0, dtype: Any = np.uint8) -> np.ndarray:
    """Decode PNG bytes (see ``decode_image``)."""
    return decode_image(contents, channels, dtype)


def decode_jpeg(contents: bytes, channels: int = 0) -> np.ndarray:
    """Decode JPEG bytes into uint8 pixels (see ``decode_image``)."""
    return decode_image(contents, channels)
