"""ONNX export of the convolutional layers: onnxruntime's outputs equal Lamina's to float32 rounding.

The keras.io MNIST convnet and a ResNet block (trained a little, so BatchNormalization has real statistics), the
Keras-written fixtures of tests/data/keras (every conv-family layer, at opsets 13, 17 and 18: the Reduce ops take
their axes as an input from 18, LayerNormalization exists from 17), each layer alone over strides, paddings
("same" with even kernels), dilations, groups, output_padding and both data formats, and inputs of unknown size.
"""

from __future__ import annotations

import collections

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("h5py")

import conv_models  # tests/conv_models.py  # noqa: E402
import lamina  # noqa: E402
from lamina import keras, layers  # noqa: E402
from lamina.models import load_model  # noqa: E402
from lamina.onnx.export import to_onnx  # noqa: E402
from lamina.tensor import no_grad  # noqa: E402

from test_keras_conv_format import fixture  # noqa: E402


def session(proto, level=None):
    options = ort.SessionOptions()
    if level is not None:
        options.graph_optimization_level = level
    return ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])


def run_onnx(proto, x: np.ndarray) -> np.ndarray:
    runner = session(proto)
    return runner.run(None, {runner.get_inputs()[0].name: x})[0]


def predict(model, x: np.ndarray) -> np.ndarray:
    with no_grad():
        return model(x, training=False).data


def assert_exports(model, x: np.ndarray, opset: int = 17) -> None:
    np.testing.assert_allclose(run_onnx(to_onnx(model, opset=opset), x), predict(model, x), rtol=1e-5, atol=1e-5)


def trained(model, x: np.ndarray, classes: int):
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, np.arange(len(x)) % classes, epochs=2, batch_size=8, verbose=0)  # real BN statistics
    return model


# ----- whole models -----------------------------------------------------------------------------------------------
def test_mnist_convnet_matches_onnxruntime() -> None:
    lamina.utils.set_random_seed(3)
    x = np.random.default_rng(0).uniform(0, 1, (24, 28, 28, 1)).astype(np.float32)
    model = trained(conv_models.build(keras, "mnist_convnet"), x, 10)
    proto = to_onnx(model)
    assert [node.op_type for node in proto.graph.node].count("Conv") == 2
    np.testing.assert_allclose(run_onnx(proto, x), predict(model, x), rtol=1e-5, atol=1e-6)


def test_resnet_block_matches_onnxruntime_with_batch_norm_folded() -> None:
    lamina.utils.set_random_seed(4)
    x = np.random.default_rng(1).normal(size=(24, 10, 10, 3)).astype(np.float32)
    model = trained(conv_models.build(keras, "resnet_block"), x, 4)
    assert model.get_layer("block_bn_1").moving_variance.data.min() != 1.0  # statistics moved
    for fold in (True, False):
        proto = to_onnx(model, fold_batch_norm=fold)
        ops = collections.Counter(node.op_type for node in proto.graph.node)
        assert ops["Conv"] == 3 and ops["Add"] == (1 if fold else 4)  # the shortcut (+ BN's shift when not folded)
        np.testing.assert_allclose(run_onnx(proto, x), predict(model, x), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("axis", [1, -1])
def test_channels_first_convolution_keeps_its_batch_norm(axis: int) -> None:
    """Folding multiplies the filters by BN's scales; a channels-first convolution's filters are axis 1, so a
    BatchNormalization after it (over axis 1, or over the width with -1) is exported as it is."""
    lamina.utils.set_random_seed(6)
    x = np.random.default_rng(3).normal(size=(16, 3, 6, 5)).astype(np.float32)
    model = trained(lamina.Sequential([layers.Input((3, 6, 5)), layers.Conv2D(5, 3, data_format="channels_first"),
                                       layers.BatchNormalization(axis=axis), layers.Flatten(), layers.Dense(2)]), x, 2)
    proto = to_onnx(model)
    assert "Mul" in {node.op_type for node in proto.graph.node}
    np.testing.assert_allclose(run_onnx(proto, x), predict(model, x), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["mnist_convnet", "resnet_block"])
def test_transpose_pairs_cancel_in_onnxruntime(name: str, tmp_path) -> None:
    """Each layer wraps its channels-first op in a Transpose pair; onnxruntime's basic optimizations cancel the
    inner pairs, leaving one Transpose at the input and one where the data leaves the image part."""
    model = conv_models.build(keras, name)
    proto = to_onnx(model)
    assert collections.Counter(n.op_type for n in proto.graph.node)["Transpose"] >= 6
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
    options.optimized_model_filepath = str(tmp_path / "optimized.onnx")
    ort.InferenceSession(proto.SerializeToString(), options, providers=["CPUExecutionProvider"])
    optimized = onnx.load(str(tmp_path / "optimized.onnx"))
    assert collections.Counter(n.op_type for n in optimized.graph.node)["Transpose"] == 2


@pytest.mark.parametrize("opset", [13, 17, 18])
@pytest.mark.parametrize("name", conv_models.MODELS)
def test_keras_fixtures_export(name: str, opset: int) -> None:
    path, x, y = fixture(name)
    proto = to_onnx(load_model(path), opset=opset)
    ops = {node.op_type for node in proto.graph.node}
    if name == "text_conv":
        assert "Gather" in ops and ("LayerNormalization" in ops) == (opset >= 17)
    np.testing.assert_allclose(run_onnx(proto, x), y, rtol=1e-5, atol=1e-5)


# ----- one layer at a time ----------------------------------------------------------------------------------------
def single(layer, input_shape, x_kind: str = "normal", seed: int = 0):
    lamina.utils.set_random_seed(seed)
    model = lamina.Sequential([layers.Input(input_shape, dtype="int32" if x_kind == "ids" else None), layer])
    rng = np.random.default_rng(seed)
    # random (not initial) biases, BN-like scales
    model.set_weights([rng.normal(0, 0.5, w.shape).astype(np.float32) for w in model.get_weights()])
    x = rng.integers(0, 9, (3,) + tuple(input_shape)).astype(np.int32) if x_kind == "ids" else \
        rng.normal(size=(3,) + tuple(input_shape)).astype(np.float32)
    return model, x


CASES = [
    (lambda: layers.Conv2D(4, 3), (7, 8, 2)),
    (lambda: layers.Conv2D(4, (2, 4), strides=(2, 3), padding="same", activation="relu"), (7, 10, 3)),
    (lambda: layers.Conv2D(6, 3, groups=3, padding="same", use_bias=False), (5, 5, 6)),
    (lambda: layers.Conv2D(4, 3, dilation_rate=2, activation="sigmoid"), (9, 8, 3)),
    (lambda: layers.Conv2D(4, 2, strides=2, padding="same", data_format="channels_first"), (3, 7, 9)),
    (lambda: layers.Conv2D(3, 3, activation="softmax"), (5, 5, 2)),
    (lambda: layers.Conv1D(5, 4, padding="causal", dilation_rate=2), (10, 3)),
    (lambda: layers.Conv1D(5, 4, strides=3, padding="same", activation="tanh"), (10, 3)),
    (lambda: layers.Conv1D(5, 3, data_format="channels_first"), (3, 10)),
    (lambda: layers.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same"), (7, 8, 3)),
    (lambda: layers.DepthwiseConv2D(2, dilation_rate=2, data_format="channels_first"), (3, 6, 7)),
    (lambda: layers.SeparableConv2D(5, 2, padding="same", depth_multiplier=2, activation="relu"), (6, 7, 3)),
    (lambda: layers.Conv2DTranspose(3, 3, strides=2), (4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, 4, strides=2, padding="same"), (4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, (3, 2), strides=(2, 3), padding="same", output_padding=(1, 2)), (4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, 2, strides=3), (4, 5, 2)),
    (lambda: layers.Conv2DTranspose(3, 3, dilation_rate=2, data_format="channels_first"), (2, 4, 5)),
    (lambda: layers.MaxPooling2D(), (7, 9, 3)),
    (lambda: layers.MaxPooling2D(3, strides=2, padding="same"), (7, 9, 3)),
    (lambda: layers.MaxPooling2D(2, data_format="channels_first"), (3, 7, 9)),
    (lambda: layers.AveragePooling2D(2, padding="same"), (7, 9, 3)),
    (lambda: layers.AveragePooling2D((3, 2), strides=(2, 1), padding="same"), (6, 5, 2)),
    (lambda: layers.MaxPooling1D(3, strides=2), (10, 3)),
    (lambda: layers.AveragePooling1D(2, padding="same"), (9, 3)),
    (lambda: layers.GlobalAveragePooling2D(), (5, 6, 3)),
    (lambda: layers.GlobalMaxPooling2D(keepdims=True), (5, 6, 3)),
    (lambda: layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True), (3, 7)),
    (lambda: layers.GlobalMaxPooling1D(), (7, 3)),
    (lambda: layers.ZeroPadding2D(((1, 2), (3, 0))), (4, 5, 2)),
    (lambda: layers.ZeroPadding2D(2, data_format="channels_first"), (2, 4, 5)),
    (lambda: layers.Cropping2D(((1, 0), (2, 1))), (5, 6, 2)),
    (lambda: layers.Cropping2D(((0, 2), (1, 0)), data_format="channels_first"), (2, 5, 6)),
    (lambda: layers.UpSampling2D((2, 3)), (4, 5, 2)),
    (lambda: layers.UpSampling2D(2, data_format="channels_first"), (2, 3, 4)),
    (lambda: layers.LayerNormalization(), (4, 5, 2)),
    (lambda: layers.LayerNormalization(axis=[1, 2], center=False), (4, 5, 2)),
    (lambda: layers.LayerNormalization(axis=[1, 3], scale=False), (4, 5, 2)),
    (lambda: layers.Rescaling([1 / 255, 2.0, -1.0], offset=0.5), (4, 5, 3)),
    (lambda: layers.SpatialDropout2D(0.4), (4, 5, 2)),
    (lambda: layers.RandomFlip(), (4, 5, 3)),
    (lambda: layers.RandomTranslation(0.1, 0.2), (4, 5, 3)),
    (lambda: layers.RandomRotation(0.1), (4, 5, 3)),
    (lambda: layers.RandomZoom(0.2), (4, 5, 3)),
    (lambda: layers.RandomContrast(0.3), (4, 5, 3)),
    (lambda: layers.RandomCrop(3, 4), (6, 7, 3)),            # central window 5 x 7, resized to 3 x 4
    (lambda: layers.RandomCrop(5, 2), (6, 7, 3)),            # window 6 x 2: columns only sliced
    (lambda: layers.RandomCrop(4, 5, data_format="channels_first"), (3, 6, 7)),
]


@pytest.mark.parametrize("opset", [13, 17])
@pytest.mark.parametrize("case", range(len(CASES)))
def test_each_layer_matches_onnxruntime(case: int, opset: int) -> None:
    make, shape = CASES[case]
    model, x = single(make(), shape, seed=case)
    assert_exports(model, x, opset)


def test_embedding_gathers_int_ids() -> None:
    model, x = single(layers.Embedding(9, 4), (6,), x_kind="ids")
    proto = to_onnx(model)
    assert proto.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.INT32
    assert_exports(model, x)


def test_inputs_of_unknown_size_export() -> None:
    """"same" padding on axes of unknown size is ONNX's SAME_UPPER (TensorFlow's split: the odd zero after); a
    transposed convolution's pads do not depend on the input size."""
    lamina.utils.set_random_seed(5)
    inputs = keras.Input((None, None, 3))
    x = layers.Conv2D(4, 2, strides=2, padding="same", activation="relu")(inputs)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(3, 3, strides=2, padding="same")(x)
    x = layers.Conv2DTranspose(2, 3, strides=2, padding="same", output_padding=1)(x)
    outputs = layers.GlobalAveragePooling2D()(layers.AveragePooling2D(2, padding="same")(x))
    model = keras.Model(inputs, outputs)
    proto = to_onnx(model)
    rng = np.random.default_rng(2)
    for size in ((7, 9), (8, 5)):
        x = rng.normal(size=(2, *size, 3)).astype(np.float32)
        np.testing.assert_allclose(run_onnx(proto, x), predict(model, x), rtol=1e-5, atol=1e-6)


def test_random_crop_of_unknown_size_is_refused_by_name() -> None:
    model = lamina.Sequential([layers.Input((None, None, 3)), layers.RandomCrop(2, 2, name="crop")])
    with pytest.raises(ValueError, match=r'export: layer "crop" \(RandomCrop\) needs inputs of known height and '
                                         r"width"):
        to_onnx(model)
