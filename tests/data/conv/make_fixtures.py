"""Write the conv-layer fixtures from real Keras 3 (TensorFlow backend).

Run with the TensorFlow environment (it is not a test):
    /work/tfvenv/bin/python tests/data/conv/make_fixtures.py

Writes, next to this script:
* output_shapes.json: for each layer configuration and input shape, Keras's ``compute_output_shape`` and the
  shape of the real output (or the error Keras raises);
* forward.json: small inputs, weights and Keras's outputs of layers whose padding arithmetic matters ("same" with
  even kernels and strides, transposed convolutions with output_padding, pooling with "same");
* image_ops.json: ``keras.ops.image.affine_transform`` on one small image for translations, rotations and zooms
  in every fill mode and interpolation, the transform matrices Keras's augmentation layers build for given
  parameters, RandomContrast's transform for given factors, and the bilinear resize (``ops.image.resize``) used
  by RandomCrop at inference.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import keras  # noqa: E402
from keras import layers  # noqa: E402

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20240501)

# (layer class, config, input shape without the batch axis)
SHAPE_CASES = [
    ("Conv2D", {"filters": 4, "kernel_size": 3}, (28, 28, 1)),
    ("Conv2D", {"filters": 4, "kernel_size": 2, "padding": "same"}, (7, 6, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": (2, 4), "strides": (2, 3), "padding": "same"}, (7, 10, 3)),
    ("Conv2D", {"filters": 4, "kernel_size": (4, 2), "strides": 2, "padding": "valid"}, (9, 8, 3)),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "dilation_rate": 2, "padding": "valid"}, (9, 8, 3)),
    ("Conv2D", {"filters": 6, "kernel_size": 3, "groups": 3, "padding": "same"}, (5, 5, 6)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "data_format": "channels_first"}, (3, 8, 9)),
    ("Conv2D", {"filters": 4, "kernel_size": 5}, (4, 4, 2)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "dilation_rate": 3}, (6, 6, 2)),
    ("Conv1D", {"filters": 5, "kernel_size": 4, "padding": "causal", "dilation_rate": 2}, (10, 3)),
    ("Conv1D", {"filters": 5, "kernel_size": 4, "strides": 3, "padding": "same"}, (10, 3)),
    ("Conv1D", {"filters": 5, "kernel_size": 3, "data_format": "channels_first"}, (3, 10)),
    ("DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 2, "strides": 2, "padding": "same"}, (7, 8, 3)),
    ("SeparableConv2D", {"filters": 5, "kernel_size": 2, "padding": "same", "depth_multiplier": 2}, (6, 7, 3)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2}, (4, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (4, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}, (4, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": (3, 2), "strides": (2, 3), "padding": "same",
                         "output_padding": (1, 2)}, (4, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 2, "strides": 3, "padding": "valid"}, (4, 5, 2)),
    ("Conv2DTranspose", {"filters": 3, "kernel_size": 3, "dilation_rate": 2}, (4, 5, 2)),
    ("MaxPooling2D", {}, (7, 9, 3)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (7, 9, 3)),
    ("MaxPooling2D", {"pool_size": (2, 3), "strides": 1}, (7, 9, 3)),
    ("MaxPooling2D", {"pool_size": 2, "data_format": "channels_first"}, (3, 7, 9)),
    ("MaxPooling2D", {"pool_size": 5}, (4, 9, 3)),
    ("AveragePooling2D", {"pool_size": 2, "padding": "same"}, (7, 9, 3)),
    ("MaxPooling1D", {"pool_size": 3, "strides": 2}, (10, 3)),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (9, 3)),
    ("GlobalAveragePooling2D", {}, (5, 6, 3)),
    ("GlobalMaxPooling2D", {"keepdims": True}, (5, 6, 3)),
    ("GlobalAveragePooling1D", {"data_format": "channels_first", "keepdims": True}, (3, 7)),
    ("GlobalMaxPooling1D", {}, (7, 3)),
    ("ZeroPadding2D", {"padding": ((1, 2), (3, 0))}, (4, 5, 2)),
    ("ZeroPadding2D", {"padding": 2, "data_format": "channels_first"}, (2, 4, 5)),
    ("Cropping2D", {"cropping": ((1, 0), (2, 1))}, (5, 6, 2)),
    ("UpSampling2D", {"size": (2, 3)}, (4, 5, 2)),
    ("SpatialDropout2D", {"rate": 0.3}, (4, 5, 2)),
    ("LayerNormalization", {"axis": [1, 2]}, (4, 5, 2)),
    ("Embedding", {"input_dim": 10, "output_dim": 3}, (7,)),
    ("Rescaling", {"scale": 1 / 255}, (4, 5, 3)),
    ("RandomFlip", {}, (4, 5, 3)),
    ("RandomTranslation", {"height_factor": 0.1, "width_factor": 0.2}, (4, 5, 3)),
    ("RandomRotation", {"factor": 0.1}, (4, 5, 3)),
    ("RandomZoom", {"height_factor": 0.2}, (4, 5, 3)),
    ("RandomCrop", {"height": 3, "width": 4}, (6, 7, 3)),
    ("RandomContrast", {"factor": 0.3}, (4, 5, 3)),
]

# Layers whose forward values pin down Keras's padding arithmetic (weights drawn here, stored with the output).
FORWARD_CASES = [
    ("Conv2D", {"filters": 3, "kernel_size": 2, "padding": "same"}, (5, 6, 2)),
    ("Conv2D", {"filters": 3, "kernel_size": (2, 4), "strides": (2, 3), "padding": "same"}, (7, 10, 2)),
    ("Conv2D", {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}, (6, 7, 2)),
    ("Conv2D", {"filters": 4, "kernel_size": 3, "groups": 2, "padding": "same", "dilation_rate": 2}, (6, 7, 4)),
    ("Conv2D", {"filters": 3, "kernel_size": 2, "padding": "same", "data_format": "channels_first"}, (2, 5, 6)),
    ("Conv1D", {"filters": 3, "kernel_size": 4, "strides": 3, "padding": "same"}, (10, 2)),
    ("Conv1D", {"filters": 3, "kernel_size": 3, "padding": "causal", "dilation_rate": 2}, (8, 2)),
    ("DepthwiseConv2D", {"kernel_size": 2, "depth_multiplier": 2, "strides": 2, "padding": "same"}, (5, 6, 3)),
    ("SeparableConv2D", {"filters": 4, "kernel_size": 2, "padding": "same", "depth_multiplier": 2}, (5, 6, 3)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same"}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": (3, 2), "strides": (2, 3), "padding": "same",
                         "output_padding": (1, 2)}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "valid",
                         "output_padding": 1}, (3, 4, 2)),
    ("Conv2DTranspose", {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "valid"}, (3, 4, 2)),
    ("MaxPooling2D", {"pool_size": 2, "padding": "same"}, (5, 7, 2)),
    ("MaxPooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (6, 7, 2)),
    ("AveragePooling2D", {"pool_size": 2, "padding": "same"}, (5, 7, 2)),
    ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}, (6, 7, 2)),
    ("AveragePooling1D", {"pool_size": 2, "padding": "same"}, (7, 2)),
    ("LayerNormalization", {"axis": [1, 3]}, (3, 4, 2)),
]


def two_decimals(shape) -> np.ndarray:
    """Random values with two decimals: short in JSON, and the same float32 numbers wherever they are read."""
    return np.round(RNG.normal(size=shape), 2)


def rounded(array, decimals: int = 5) -> list:
    """An output for JSON: rounded (the tests compare with a tolerance well above 1e-5)."""
    return np.round(np.asarray(array, dtype=np.float64), decimals).tolist()


def shape_list(shape):
    return None if shape is None else [None if d is None else int(d) for d in shape]


def plain_config(layer) -> dict:
    """The layer's config entries that are plain values (numbers, strings, tuples of them), not objects."""
    def plain(value):
        if isinstance(value, (list, tuple)):
            items = [plain(v) for v in value]
            return None if any(i is _SKIP for i in items) else items
        if value is None or isinstance(value, (bool, int, float, str)):
            return value
        return _SKIP

    config = {}
    for key, value in layer.get_config().items():
        if key in ("name", "dtype", "trainable", "seed"):
            continue
        converted = plain(value)
        if converted is not _SKIP and converted is not None or value is None:
            config[key] = converted
    return config


_SKIP = object()


def output_shapes() -> list[dict]:
    cases = []
    for class_name, config, sample in SHAPE_CASES:
        case = {"layer": class_name, "config": config, "input_shape": [None, *sample]}
        layer = getattr(layers, class_name)(**config)
        case["keras_config"] = plain_config(layer)
        try:
            case["output_shape"] = shape_list(layer.compute_output_shape((None, *sample)))
            dtype = "int32" if class_name == "Embedding" else "float32"
            data = RNG.integers(0, 10, (2, *sample)) if class_name == "Embedding" else RNG.normal(size=(2, *sample))
            case["call_shape"] = shape_list(layer(np.asarray(data, dtype=dtype), training=True).shape)
        except ValueError as error:
            case["error"] = str(error).splitlines()[0][:200]
        cases.append(case)
    return cases


def forward_values() -> list[dict]:
    cases = []
    for class_name, config, sample in FORWARD_CASES:
        layer = getattr(layers, class_name)(**config)
        x = two_decimals((2, *sample))
        layer.build((None, *sample))
        weights = [two_decimals(w.shape) for w in layer.weights]
        layer.set_weights([w.astype("float32") for w in weights])
        y = layer(x.astype("float32"))
        cases.append({"layer": class_name, "config": config, "x": x.tolist(),
                      "weights": [w.tolist() for w in weights], "y": rounded(y)})
    return cases


def image_ops() -> dict:
    from keras import ops

    image = np.round(RNG.uniform(0, 255, size=(2, 6, 7, 2)), 1).astype("float32")
    translation = layers.RandomTranslation(0.2, 0.2)
    rotation = layers.RandomRotation(0.2)
    zoom = layers.RandomZoom(0.2, 0.3)
    shifts = np.array([[1.4, -2.3], [-0.6, 3.2]], dtype="float32")           # (dx, dy) per image, in pixels
    angles = np.array([23.0, -131.0], dtype="float32")                        # degrees
    zooms = np.array([[1.3, 0.8], [0.7, 1.15]], dtype="float32")              # (width, height) per image
    height, width = image.shape[1:3]
    matrices = {
        "translation": np.asarray(translation._get_translation_matrix(shifts)),
        "rotation": np.asarray(rotation._compute_affine_matrix(
            center_x=0.5, center_y=0.5, angle=ops.convert_to_tensor(angles), translate_x=np.zeros(2, "float32"),
            translate_y=np.zeros(2, "float32"), scale=np.ones(2, "float32"), shear_x=np.zeros(2, "float32"),
            shear_y=np.zeros(2, "float32"), height=height, width=width)),
        "zoom": np.asarray(zoom._get_zoom_matrix(ops.convert_to_tensor(zooms), height, width)),
    }
    transformed = []
    for name, matrix in matrices.items():
        for fill_mode in ("reflect", "wrap", "constant", "nearest"):
            for interpolation in ("bilinear", "nearest"):
                out = ops.image.affine_transform(image, matrix, interpolation=interpolation, fill_mode=fill_mode,
                                                 fill_value=7.0)
                transformed.append({"transform": name, "fill_mode": fill_mode, "interpolation": interpolation,
                                    "y": rounded(out, 3)})
    contrast = layers.RandomContrast(0.5)
    factors = np.array([0.6, 1.4], dtype="float32").reshape(2, 1, 1, 1)
    contrasted = np.asarray(contrast.transform_images(image, {"contrast_factor": factors}, training=True))
    resized = np.asarray(ops.image.resize(image, (4, 5), interpolation="bilinear"))
    resized_up = np.asarray(ops.image.resize(image, (9, 11), interpolation="bilinear"))
    return {
        "image": rounded(image, 1), "shifts": shifts.tolist(), "angles": angles.tolist(), "zooms": zooms.tolist(),
        "matrices": {k: v.astype("float32").tolist() for k, v in matrices.items()}, "transformed": transformed,
        "contrast_factors": factors.ravel().tolist(), "contrasted": rounded(contrasted, 3),
        "resized_4x5": rounded(resized, 3), "resized_9x11": rounded(resized_up, 3),
        "keras_version": keras.__version__,
    }


def main() -> None:
    (HERE / "output_shapes.json").write_text(json.dumps(
        {"keras_version": keras.__version__, "cases": output_shapes()}, indent=0))
    (HERE / "forward.json").write_text(json.dumps(
        {"keras_version": keras.__version__, "cases": forward_values()}))
    (HERE / "image_ops.json").write_text(json.dumps(image_ops()))
    for name in ("output_shapes.json", "forward.json", "image_ops.json"):
        print(name, (HERE / name).stat().st_size, "bytes")


if __name__ == "__main__":
    main()
