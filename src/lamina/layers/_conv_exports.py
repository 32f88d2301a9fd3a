"""Temporary listing of the issue-15 layers (convolution, pooling, reshaping, normalization, embedding,
augmentation) until each file declares itself to the layer registry (issue 13). The lead wires this into
``lamina.layers`` / ``lamina.keras.layers``; until then import the classes from here or from their modules."""

from __future__ import annotations

from .average_pooling1d import AveragePooling1D
from .average_pooling2d import AveragePooling2D
from .conv1d import Conv1D
from .conv2d import Conv2D
from .conv2d_transpose import Conv2DTranspose
from .cropping2d import Cropping2D
from .depthwise_conv2d import DepthwiseConv2D
from .embedding import Embedding
from .global_average_pooling1d import GlobalAveragePooling1D
from .global_average_pooling2d import GlobalAveragePooling2D
from .global_max_pooling1d import GlobalMaxPooling1D
from .global_max_pooling2d import GlobalMaxPooling2D
from .layer_normalization import LayerNormalization
from .max_pooling1d import MaxPooling1D
from .max_pooling2d import MaxPooling2D
from .random_contrast import RandomContrast
from .random_crop import RandomCrop
from .random_flip import RandomFlip
from .random_rotation import RandomRotation
from .random_translation import RandomTranslation
from .random_zoom import RandomZoom
from .rescaling import Rescaling
from .separable_conv2d import SeparableConv2D
from .spatial_dropout2d import SpatialDropout2D
from .up_sampling2d import UpSampling2D
from .zero_padding2d import ZeroPadding2D

__all__ = [
    "Conv1D", "Conv2D", "DepthwiseConv2D", "SeparableConv2D", "Conv2DTranspose",
    "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D",
    "ZeroPadding2D", "Cropping2D", "UpSampling2D", "SpatialDropout2D", "LayerNormalization", "Embedding",
    "Rescaling", "RandomFlip", "RandomTranslation", "RandomRotation", "RandomZoom", "RandomCrop", "RandomContrast",
]

# Keras 3's other names for some of them.
ALIASES = {"Convolution1D": Conv1D, "Convolution2D": Conv2D, "MaxPool1D": MaxPooling1D, "MaxPool2D": MaxPooling2D,
           "AvgPool1D": AveragePooling1D, "AvgPool2D": AveragePooling2D,
           "GlobalAvgPool1D": GlobalAveragePooling1D, "GlobalAvgPool2D": GlobalAveragePooling2D,
           "GlobalMaxPool1D": GlobalMaxPooling1D, "GlobalMaxPool2D": GlobalMaxPooling2D}
