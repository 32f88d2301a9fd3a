"""Keras's image file utilities: ``load_img``, ``img_to_array``, ``array_to_img``, ``save_img``.

They work with Pillow images (the optional ``images`` extra: ``pip install 'lamina[images]'``); without Pillow
each raises an ImportError that names the extra. Arrays are float32 (height, width, channels) unless
``data_format='channels_first'``.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings
from typing import Any

import numpy as np

from ..image import pillow

_RESAMPLING = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def _check_data_format(data_format: str | None) -> str:
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first'; received {data_format!r}")
    return data_format


def load_img(path: Any, color_mode: str = "rgb", target_size: tuple[int, int] | None = None,
             interpolation: str = "nearest", keep_aspect_ratio: bool = False) -> Any:
    """Read an image file into a Pillow image, converted to ``color_mode`` and resized to ``target_size``
    ``(height, width)`` with Pillow's ``interpolation`` (centre-cropped to the target's aspect ratio first when
    ``keep_aspect_ratio``).

    Example::

        img = load_img("cat.jpg", target_size=(180, 180))
        x = img_to_array(img)   # (180, 180, 3) float32
    """
    Image = pillow()
    if color_mode not in _COLOR_MODES:
        raise ValueError(f"load_img: color_mode must be 'grayscale', 'rgb' or 'rgba'; received {color_mode!r}")
    if isinstance(path, io.BytesIO):
        picture = Image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as file:
            picture = Image.open(io.BytesIO(file.read()))
    else:
        raise TypeError(f"load_img: path must be a path or io.BytesIO; received {type(path).__name__}")
    mode = _COLOR_MODES[color_mode]
    keep_grey = mode == "L" and picture.mode in ("L", "I;16", "I")  # 16-bit greys keep their depth, as Keras
    if picture.mode != mode and not keep_grey:
        picture = picture.convert(mode)
    if target_size is None:
        return picture
    if interpolation not in _RESAMPLING:
        raise ValueError(f"load_img: interpolation must be one of {_RESAMPLING}; received {interpolation!r}")
    size = (int(target_size[1]), int(target_size[0]))  # Pillow's order: (width, height)
    if picture.size == size:
        return picture
    resample = getattr(Image.Resampling, interpolation.upper())
    box = None
    if keep_aspect_ratio:
        width, height = picture.size
        crop_height = min(height, (width * size[1]) // size[0])
        crop_width = min(width, (height * size[0]) // size[1])
        top, left = (height - crop_height) // 2, (width - crop_width) // 2
        box = (left, top, left + crop_width, top + crop_height)
    return picture.resize(size, resample, box=box)


def img_to_array(img: Any, data_format: str | None = None, dtype: Any = "float32") -> np.ndarray:
    """A Pillow image (or array) as a (height, width, channels) array; greyscale gets a channel axis."""
    data_format = _check_data_format(data_format)
    array = np.asarray(img, dtype=dtype or "float32")
    if array.ndim == 2:
        array = array[:, :, None]
    elif array.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {array.shape}; expected 2 or 3 dimensions")
    return array.transpose(2, 0, 1) if data_format == "channels_first" else array


def array_to_img(x: Any, data_format: str | None = None, scale: bool = True, dtype: Any = "float32") -> Any:
    """A (height, width, channels) array as a Pillow image; with ``scale`` the values are stretched to 0..255
    (minimum to 0, maximum to 255) first."""
    Image = pillow()
    data_format = _check_data_format(data_format)
    array = np.array(x, dtype=dtype or "float32")
    if array.ndim != 3:
        raise ValueError(f"array_to_img: expected one image of rank 3; received shape {array.shape}")
    if data_format == "channels_first":
        array = array.transpose(1, 2, 0)
    if scale:
        array = array - np.min(array)
        top = np.max(array)
        if top != 0:
            array /= top
        array *= 255
    channels = array.shape[2]
    if channels in (3, 4):
        return Image.fromarray(array.astype(np.uint8), "RGBA" if channels == 4 else "RGB")
    if channels == 1:
        if np.max(array) > 255:
            return Image.fromarray(array[:, :, 0].astype(np.int32), "I")
        return Image.fromarray(array[:, :, 0].astype(np.uint8), "L")
    raise ValueError(f"array_to_img: unsupported number of channels {channels}; expected 1, 3 or 4")


def save_img(path: Any, x: Any, data_format: str | None = None, file_format: str | None = None,
             scale: bool = True, **kwargs: Any) -> None:
    """Write an array as an image file (the format from ``file_format`` or the path's suffix)."""
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    picture = array_to_img(x, data_format=data_format, scale=scale)
    if picture.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG cannot store an alpha channel; converting the RGBA image to RGB",
                      stacklevel=2)
        picture = picture.convert("RGB")
    picture.save(path, format=file_format, **kwargs)
