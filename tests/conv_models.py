"""Convolutional models built the same way by real Keras and by Lamina, for the .keras fixtures and the tests that
compare (tests/test_keras_conv_format.py, tests/test_onnx_conv.py).

Each builder takes a Keras-shaped module (``keras`` itself, or ``lamina.keras``) and returns a model; every layer
is named, and every random layer seeded, so that the two libraries write configs that can be compared entry by
entry. The fixture script (tests/data/keras/make_conv_fixtures.py, run with Keras) loads this file by path.
"""

from __future__ import annotations

from typing import Any, Callable


def mnist_convnet(keras: Any) -> Any:
    """keras.io's "Simple MNIST convnet", layer for layer (Sequential)."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", name="conv2d"),
        layers.MaxPooling2D(pool_size=(2, 2), name="max_pooling2d"),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2d_1"),
        layers.MaxPooling2D(pool_size=(2, 2), name="max_pooling2d_1"),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5, name="dropout"),
        layers.Dense(10, activation="softmax", name="dense"),
    ], name="mnist_convnet")


def resnet_block(keras: Any) -> Any:
    """A stem and one residual block of He et al. (2015): conv-BN-ReLU-conv-BN, the identity added, ReLU."""
    layers = keras.layers
    inputs = keras.Input(shape=(10, 10, 3), name="image")
    stem = layers.Conv2D(8, 3, padding="same", use_bias=False, name="stem_conv")(inputs)
    stem = layers.BatchNormalization(name="stem_bn")(stem)
    stem = layers.Activation("relu", name="stem_relu")(stem)
    x = layers.Conv2D(8, 3, padding="same", use_bias=False, name="block_conv_1")(stem)
    x = layers.BatchNormalization(name="block_bn_1")(x)
    x = layers.Activation("relu", name="block_relu_1")(x)
    x = layers.Conv2D(8, 3, padding="same", use_bias=False, name="block_conv_2")(x)
    x = layers.BatchNormalization(name="block_bn_2")(x)
    x = layers.Add(name="shortcut")([x, stem])
    x = layers.Activation("relu", name="block_relu_2")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    outputs = layers.Dense(4, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="resnet_block")


def text_conv(keras: Any) -> Any:
    """Token ids -> Embedding -> Conv1D stack -> global poolings -> classes (keras.io's text-classification
    pattern). The Embedding's mask (mask_zero) stops at the first Conv1D in Keras, which does not support masks."""
    layers = keras.layers
    tokens = keras.Input(shape=(16,), dtype="int32", name="tokens")
    x = layers.Embedding(30, 8, mask_zero=True, name="embedding")(tokens)
    x = layers.Conv1D(6, 3, padding="causal", dilation_rate=2, activation="relu", name="causal_conv")(x)
    x = layers.MaxPooling1D(2, name="max_pooling1d")(x)
    x = layers.Conv1D(6, 4, strides=2, padding="same", name="strided_conv")(x)
    x = layers.LayerNormalization(name="layer_norm")(x)
    pooled = layers.AveragePooling1D(3, strides=1, padding="same", name="average_pooling1d")(x)
    average = layers.GlobalAveragePooling1D(name="global_average")(pooled)
    largest = layers.GlobalMaxPooling1D(name="global_max")(x)
    x = layers.Concatenate(name="features")([average, largest])
    outputs = layers.Dense(3, activation="softmax", name="classes")(x)
    return keras.Model(tokens, outputs, name="text_conv")


def conv_zoo(keras: Any) -> Any:
    """Every other convolution, pooling, padding, cropping and upsampling layer, with strides, "same" padding of
    even kernels, groups, dilation and output_padding (where the arithmetic of sizes can go wrong)."""
    layers = keras.layers
    inputs = keras.Input(shape=(9, 10, 4), name="image")
    x = layers.ZeroPadding2D(((1, 2), (0, 1)), name="zero_padding2d")(inputs)
    x = layers.Conv2D(6, (2, 4), strides=(2, 3), padding="same", groups=2, activation="tanh", name="grouped")(x)
    x = layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", name="depthwise")(x)
    x = layers.SeparableConv2D(5, 2, padding="same", depth_multiplier=2, activation="relu", name="separable")(x)
    x = layers.Conv2DTranspose(4, 3, strides=2, padding="same", output_padding=1, name="transpose")(x)
    x = layers.Conv2DTranspose(3, (2, 3), strides=(1, 2), name="transpose_valid")(x)
    x = layers.Cropping2D(((1, 0), (2, 1)), name="cropping2d")(x)
    x = layers.UpSampling2D((2, 1), name="up_sampling2d")(x)
    x = layers.Conv2D(6, 3, dilation_rate=2, name="dilated")(x)
    x = layers.AveragePooling2D(3, strides=2, padding="same", name="average_pooling2d")(x)
    x = layers.SpatialDropout2D(0.3, seed=4, name="spatial_dropout2d")(x)
    x = layers.MaxPooling2D(2, strides=1, padding="same", name="max_pooling2d")(x)
    x = layers.LayerNormalization(axis=[1, 2, 3], name="layer_norm")(x)
    average = layers.GlobalAveragePooling2D(keepdims=True, name="global_average")(x)
    largest = layers.GlobalMaxPooling2D(name="global_max")(x)
    x = layers.Concatenate(name="features")([layers.Flatten(name="flatten")(average), largest])
    outputs = layers.Dense(3, name="out")(x)
    return keras.Model(inputs, outputs, name="conv_zoo")


def augmentation(keras: Any) -> Any:
    """Rescaling and the random augmentation layers (identities at inference, except Rescaling), each with
    options away from their defaults, in front of a small convnet."""
    layers = keras.layers
    return keras.Sequential([
        keras.Input(shape=(8, 8, 3)),
        layers.Rescaling(1 / 255, offset=-0.5, name="rescaling"),
        layers.RandomFlip("horizontal", seed=1, name="random_flip"),
        layers.RandomTranslation(0.1, (-0.2, 0.1), fill_mode="constant", fill_value=0.5, seed=2,
                                 name="random_translation"),
        layers.RandomRotation((-0.1, 0.2), fill_mode="wrap", interpolation="nearest", seed=3,
                              name="random_rotation"),
        layers.RandomZoom(0.2, (-0.1, 0.3), fill_mode="nearest", seed=4, name="random_zoom"),
        layers.RandomContrast(0.3, value_range=(-0.5, 0.5), seed=5, name="random_contrast"),
        layers.RandomCrop(8, 8, seed=6, name="random_crop"),
        layers.Conv2D(4, 3, activation="relu", name="conv2d"),
        layers.GlobalMaxPooling2D(name="global_max"),
        layers.Dense(2, activation="softmax", name="dense"),
    ], name="augmentation")


BUILDERS: dict[str, Callable[[Any], Any]] = {
    "mnist_convnet": mnist_convnet, "resnet_block": resnet_block, "text_conv": text_conv,
    "conv_zoo": conv_zoo, "augmentation": augmentation,
}
MODELS = tuple(BUILDERS)


def build(keras: Any, name: str) -> Any:
    """The model ``name`` built with ``keras``, after resetting the automatic names."""
    keras.backend.clear_session()
    return BUILDERS[name](keras)


def sample_inputs(model: Any, rng: Any, samples: int = 5) -> Any:
    """Inputs for ``model``: token ids in [0, 30) (zeros included, the padding) or pixels in [0, 255] for the
    augmentation model (its Rescaling expects them), else standard normal values."""
    import numpy as np

    shape = (samples,) + tuple(model.inputs[0].shape[1:])
    if "int" in str(model.inputs[0].dtype):
        return rng.integers(0, 30, size=shape).astype(np.int32)
    if model.name == "augmentation":
        return rng.uniform(0, 255, size=shape).astype(np.float32)
    return rng.normal(0, 1, size=shape).astype(np.float32)
