"""Geometric image operations for data augmentation (no gradient): projective warps and bilinear resizing.

``affine_transform`` follows TensorFlow's ``ImageProjectiveTransformV3``, which Keras's RandomTranslation,
RandomRotation and RandomZoom use: for output pixel (x, y) (x the column, y the row) and the 8 numbers
(a0, a1, a2, b0, b1, b2, c0, c1) of a transform, the input point read is

    x_in = (a0 x + a1 y + a2) / k,   y_in = (b0 x + b1 y + b2) / k,   k = c0 x + c1 y + 1

A point outside the image is first mapped back inside by ``fill_mode`` ("reflect": d c b a | a b c d | d c b a,
"wrap": a b c d | a b c d, "nearest": the edge pixel, "constant": left as it is), then read by nearest-neighbour
(rounding halves away from zero) or bilinear interpolation; any neighbour still outside reads ``fill_value``.
The arithmetic is float32, as TensorFlow's, so that points landing exactly on pixels round the same way.

``resize_bilinear`` is ``tf.image.resize(..., "bilinear")`` (half-pixel centres, no antialiasing).
"""

from __future__ import annotations

import math

import numpy as np

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")

_f32 = np.float32


def _map_coordinates(coord: np.ndarray, length: int, fill_mode: str) -> np.ndarray:
    """Bring input coordinates outside [0, length - 1] back inside, as TensorFlow's ``MapCoordinate`` does."""
    if fill_mode == "constant":
        return coord
    top = _f32(length - 1)
    if fill_mode == "nearest" or length <= 1:
        return np.clip(coord, _f32(0), top) if length > 1 else np.zeros_like(coord)
    c = coord.copy()
    low, high = c < 0, c > top   # (one branch per point, as in TensorFlow's if / else if)
    if fill_mode == "reflect":
        size2 = _f32(2 * length)
        # TensorFlow folds negative coordinates by whole periods (truncating), then mirrors once.
        folded = size2 * np.trunc(-c[low] / size2).astype(_f32) + c[low]
        c[low] = np.where(folded < -length, folded + size2, -folded - _f32(1))
        folded = c[high] - size2 * np.trunc(c[high] / size2).astype(_f32)
        c[high] = np.where(folded >= length, size2 - folded - _f32(1), folded)
    else:  # wrap (TensorFlow's periods are length - 1 long here, but shift by length)
        span = _f32(length - 1)
        c[low] += _f32(length) * (np.trunc(-c[low] / span) + 1).astype(_f32)
        c[high] -= _f32(length) * np.trunc(c[high] / span).astype(_f32)
    return np.clip(c, _f32(0), top)


def _read(images: np.ndarray, rows: np.ndarray, columns: np.ndarray, fill_value: float) -> np.ndarray:
    """images[n, rows, columns, :] for integer coordinate maps (N, H, W); ``fill_value`` outside the image."""
    n, height, width, _ = images.shape
    inside = (rows >= 0) & (rows < height) & (columns >= 0) & (columns < width)
    batch = np.arange(n)[:, None, None]
    values = images[batch, np.clip(rows, 0, height - 1), np.clip(columns, 0, width - 1)]
    if not inside.all():
        values = np.where(inside[..., None], values, images.dtype.type(fill_value))
    return values


def _round_to_pixel(values: np.ndarray) -> np.ndarray:
    """C's ``std::round`` (halves away from zero), exactly: in float64, because in float32 0.49999997 + 0.5
    rounds up to 1.0 (NumPy's own ``round`` sends halves to even)."""
    v = values.astype(np.float64)
    return np.where(v >= 0, np.floor(v + 0.5), np.ceil(v - 0.5)).astype(np.int64)


def affine_transform(images: np.ndarray, transforms: np.ndarray, interpolation: str = "bilinear",
                     fill_mode: str = "constant", fill_value: float = 0.0) -> np.ndarray:
    """Warp each image of (N, H, W, C) by its own transform, (N, 8) (or one (8,) for all); see the module text."""
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of {INTERPOLATIONS}; received {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {FILL_MODES}; received {fill_mode!r}")
    n, height, width, _ = images.shape
    t = np.broadcast_to(np.asarray(transforms, dtype=_f32).reshape(-1, 8), (n, 8))[:, :, None, None]
    ys, xs = np.meshgrid(np.arange(height, dtype=_f32), np.arange(width, dtype=_f32), indexing="ij")
    projection = t[:, 6] * xs + t[:, 7] * ys + _f32(1)
    safe = np.where(projection == 0, _f32(1), projection)
    x = _map_coordinates((t[:, 0] * xs + t[:, 1] * ys + t[:, 2]) / safe, width, fill_mode)
    y = _map_coordinates((t[:, 3] * xs + t[:, 4] * ys + t[:, 5]) / safe, height, fill_mode)
    if interpolation == "nearest":
        out = _read(images, _round_to_pixel(y), _round_to_pixel(x), fill_value)
    else:
        y0, x0 = np.floor(y), np.floor(x)
        wy, wx = (y - y0)[..., None], (x - x0)[..., None]
        r0, c0 = y0.astype(np.int64), x0.astype(np.int64)
        top = (1 - wx) * _read(images, r0, c0, fill_value) + wx * _read(images, r0, c0 + 1, fill_value)
        bottom = (1 - wx) * _read(images, r0 + 1, c0, fill_value) + wx * _read(images, r0 + 1, c0 + 1, fill_value)
        out = (1 - wy) * top + wy * bottom
    if (projection == 0).any():
        out = np.where((projection == 0)[..., None], images.dtype.type(fill_value), out)
    return out.astype(images.dtype, copy=False)


def resize_axis_weights(length: int, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Half-pixel-centre bilinear weights along one axis: (lower index, upper index, weight of the upper)."""
    scale = _f32(length / size)
    position = (np.arange(size, dtype=_f32) + _f32(0.5)) * scale - _f32(0.5)
    floor = np.floor(position)
    lower = np.maximum(floor, 0).astype(np.int64)
    upper = np.minimum(np.ceil(position), length - 1).astype(np.int64)
    return lower, upper, (position - floor).astype(_f32)


def resize_bilinear(images: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize (N, H, W, C) to (N, size[0], size[1], C) by bilinear interpolation between pixel centres."""
    rows_lo, rows_hi, wy = resize_axis_weights(images.shape[1], size[0])
    cols_lo, cols_hi, wx = resize_axis_weights(images.shape[2], size[1])
    wx = wx[None, None, :, None]
    top = images[:, rows_lo][:, :, cols_lo] * (1 - wx) + images[:, rows_lo][:, :, cols_hi] * wx
    bottom = images[:, rows_hi][:, :, cols_lo] * (1 - wx) + images[:, rows_hi][:, :, cols_hi] * wx
    wy = wy[None, :, None, None]
    return (top * (1 - wy) + bottom * wy).astype(images.dtype, copy=False)


# ----- the transforms of Keras's augmentation layers ---------------------------------------------------------
def translation_matrices(dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """Shift each image right by dx and down by dy pixels: read (x - dx, y - dy)."""
    n = len(dx)
    zeros, ones = np.zeros(n, _f32), np.ones(n, _f32)
    return np.stack([ones, zeros, -dx, zeros, ones, -dy, zeros, zeros], axis=1).astype(_f32)


def rotation_matrices(degrees: np.ndarray, height: int, width: int) -> np.ndarray:
    """Rotate each image by its angle about the image centre ((W - 1) / 2, (H - 1) / 2) (Keras's convention:
    the output pixel reads the input rotated by the angle, counter-clockwise for positive angles on screen)."""
    theta = np.asarray(degrees, dtype=np.float64) * (math.pi / 180)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    cos, sin = np.cos(theta), np.sin(theta)
    a0, a1, b0, b1 = cos, -sin, sin, cos
    a2 = cx - cx * a0 - cy * a1
    b2 = cy - cx * b0 - cy * b1
    zeros = np.zeros_like(theta)
    return np.stack([a0, a1, a2, b0, b1, b2, zeros, zeros], axis=1).astype(_f32)


def zoom_matrices(width_zoom: np.ndarray, height_zoom: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale the reading grid about the image centre: a zoom factor > 1 reads a larger area (zooms out)."""
    zx, zy = np.asarray(width_zoom, _f32), np.asarray(height_zoom, _f32)
    zeros = np.zeros_like(zx)
    x_offset = _f32((width - 1) / 2) * (1 - zx)
    y_offset = _f32((height - 1) / 2) * (1 - zy)
    return np.stack([zx, zeros, x_offset, zeros, zy, y_offset, zeros, zeros], axis=1).astype(_f32)
