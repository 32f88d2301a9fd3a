"""Functional: the model ``keras.Model(inputs, outputs)`` makes, a graph of layer calls.

Everything it does is the Model base's (``model.py``) running its ``Graph`` (``graph.py``); this class adds the
config round trip (``functional_config.py``) and the name Keras gives it.

>>> from lamina.keras import Input, Model, layers
>>> inputs = Input(shape=(3,))
>>> hidden = layers.Dense(4, activation="relu")(inputs)
>>> model = Model(inputs, layers.Dense(1)(hidden) + hidden[:, :1])
>>> [layer.name for layer in model.layers]
['input_layer', 'dense', 'dense_1']
"""

from __future__ import annotations

from typing import Any

from .model import Model


class Functional(Model):
    """A model defined by its symbolic inputs and outputs (see ``Model``)."""

    def __init__(self, inputs: Any, outputs: Any, name: str | None = None, trainable: bool = True, **kwargs: Any):
        super().__init__(inputs=inputs, outputs=outputs, name=name, trainable=trainable, **kwargs)
