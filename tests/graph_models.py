"""Functional models built the same way by real Keras and by Lamina, for the fixtures and the tests that compare.

Each builder takes a Keras-shaped module (``keras`` itself, or ``lamina.keras``) and returns a model; every layer
is named explicitly (automatic names would depend on what ran before), so both libraries make models whose
summaries, configs and weight files can be compared entry by entry. The tests (run with Lamina) import it as
``graph_models``; the fixture scripts, run with Keras (tests/data/summary/make_fixtures.py,
tests/data/keras/make_graph_fixtures.py), load it by path.
"""

from __future__ import annotations

from typing import Any, Callable


def mlp(keras: Any) -> Any:
    """The Functional API guide's MNIST MLP: a chain, which Keras summarizes with three columns."""
    inputs = keras.Input(shape=(784,), name="img")
    x = keras.layers.Dense(64, activation="relu", name="dense")(inputs)
    x = keras.layers.Dense(64, activation="relu", name="dense_1")(x)
    outputs = keras.layers.Dense(10, name="predictions")(x)
    return keras.Model(inputs=inputs, outputs=outputs, name="mnist_model")


def residual(keras: Any) -> Any:
    """Identity shortcuts written as ``x + shortcut`` (a tensor operation) and as ``layers.add``; a side branch
    made before the main path so that Keras's layer order (by depth) differs from the order of creation."""
    inputs = keras.Input(shape=(12,), name="features")
    side = keras.layers.Dense(16, name="side")(inputs)
    h = keras.layers.Dense(16, activation="relu", name="stem")(inputs)
    x = keras.layers.Dense(16, activation="relu", name="block_1a")(h)
    x = keras.layers.Dense(16, name="block_1b")(x)
    x = x + h
    y = keras.layers.Dense(16, activation="tanh", name="block_2a")(x)
    y = keras.layers.Dense(16, name="block_2b")(y)
    x = keras.layers.add([y, x, side], name="shortcut_2")
    outputs = keras.layers.Dense(3, activation="softmax", name="classes")(x)
    return keras.Model(inputs, outputs, name="residual_mlp")


def shared(keras: Any) -> Any:
    """One Dense layer applied to two inputs (shared weights), its two outputs joined."""
    left = keras.Input(shape=(6,), name="left")
    right = keras.Input(shape=(6,), name="right")
    encoder = keras.layers.Dense(4, activation="tanh", name="shared_encoder")
    joined = keras.layers.concatenate([encoder(left), encoder(right)], name="joined")
    distance = keras.layers.subtract([encoder(left), encoder(right)], name="difference")
    x = keras.layers.concatenate([joined, distance], name="features")
    outputs = keras.layers.Dense(1, activation="sigmoid", name="same")(x)
    return keras.Model([left, right], outputs, name="siamese")


def merges(keras: Any) -> Any:
    """Every merge layer once, including broadcasting against a (None, 1) input."""
    a = keras.Input(shape=(5,), name="a")
    b = keras.Input(shape=(5,), name="b")
    c = keras.Input(shape=(1,), name="c")
    layers = keras.layers
    parts = [layers.Add(name="add")([a, b, c]), layers.Subtract(name="subtract")([a, b]),
             layers.Multiply(name="multiply")([a, c]), layers.Average(name="average")([a, b]),
             layers.Maximum(name="maximum")([a, b]), layers.Minimum(name="minimum")([b, c]),
             layers.Dot(axes=1, name="dot")([a, b]),
             layers.Dot(axes=1, normalize=True, name="cosine")([a, b])]
    x = layers.Concatenate(axis=-1, name="concatenate")(parts)
    outputs = layers.Dense(2, name="out")(x)
    return keras.Model([a, b, c], outputs, name="merges")


def multi_io(keras: Any) -> Any:
    """The Functional API guide's ticket model with Dense layers in place of the text encoders: three inputs,
    two outputs."""
    title = keras.Input(shape=(12,), name="title")
    body = keras.Input(shape=(20,), name="body")
    tags = keras.Input(shape=(5,), name="tags")
    title_features = keras.layers.Dense(8, activation="relu", name="title_features")(title)
    body_features = keras.layers.Dense(8, activation="relu", name="body_features")(body)
    x = keras.layers.concatenate([title_features, body_features, tags], name="concatenate")
    priority = keras.layers.Dense(1, name="priority")(x)
    department = keras.layers.Dense(4, activation="softmax", name="department")(x)
    return keras.Model(inputs=[title, body, tags], outputs=[priority, department], name="ticket_classifier")


def _encoder(keras: Any) -> Any:
    inputs = keras.Input(shape=(10,), name="encoder_input")
    x = keras.layers.Dense(8, activation="relu", name="encoder_hidden")(inputs)
    outputs = keras.layers.Dense(4, name="encoder_code")(x)
    return keras.Model(inputs, outputs, name="encoder")


def nested(keras: Any) -> Any:
    """A functional model and a Sequential model used as layers inside a functional model."""
    encoder = _encoder(keras)
    head = keras.Sequential([keras.Input(shape=(4,)),
                             keras.layers.Dense(6, activation="relu", name="head_hidden"),
                             keras.layers.Dense(4, name="head_out")], name="head")
    inputs = keras.Input(shape=(10,), name="raw")
    code = encoder(inputs)
    x = head(code) + code
    x = keras.layers.BatchNormalization(name="norm")(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="decision")(x)
    return keras.Model(inputs, outputs, name="nested")


def sequential_of_model(keras: Any) -> Any:
    """The TensorFlow quick-start's ``Sequential([model, layers.Softmax()])``, with a functional model inside."""
    return keras.Sequential([_encoder(keras), keras.layers.Softmax(name="probabilities")], name="probability_model")


def tensor_ops(keras: Any) -> Any:
    """Python operators on symbolic tensors: slicing, scaling by a constant, negation, division, ``+``."""
    inputs = keras.Input(shape=(8,), name="signal")
    x = keras.layers.Dense(6, name="project")(inputs)
    first = x[:, :3]
    second = x[:, 3:]
    mixed = first * 2.0 - second / 4.0
    outputs = keras.layers.Dense(2, name="out")(-mixed + first)
    return keras.Model(inputs, outputs, name="tensor_ops")


def reshaping(keras: Any) -> Any:
    """The shape layers: Reshape with -1, Permute, RepeatVector, Identity, Flatten."""
    inputs = keras.Input(shape=(12,), name="flat")
    x = keras.layers.Reshape((3, -1), name="to_grid")(inputs)
    x = keras.layers.Permute((2, 1), name="transpose")(x)
    x = keras.layers.Dense(5, name="per_row")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Identity(name="same")(x)
    x = keras.layers.RepeatVector(2, name="twice")(keras.layers.Dense(3, name="squeeze")(x))
    outputs = keras.layers.Flatten(name="out")(x)
    return keras.Model(inputs, outputs, name="reshaping")


def scale_by_two(x: Any) -> Any:
    """The function of the Lambda fixture (given to load_model as custom_objects={"scale_by_two": ...})."""
    return x * 2.0


def lambda_model(keras: Any) -> Any:
    """A Lambda layer whose function is a named function (Keras saves it by name: no code in the file)."""
    inputs = keras.Input(shape=(4,), name="x")
    x = keras.layers.Dense(3, name="dense")(inputs)
    outputs = keras.layers.Lambda(scale_by_two, name="double")(x)
    return keras.Model(inputs, outputs, name="with_lambda")


BUILDERS: dict[str, Callable[[Any], Any]] = {
    "mlp": mlp, "residual": residual, "shared": shared, "merges": merges, "multi_io": multi_io,
    "nested": nested, "sequential_of_model": sequential_of_model, "tensor_ops": tensor_ops,
    "reshaping": reshaping, "lambda": lambda_model,
}


def build(keras: Any, name: str) -> Any:
    """The model ``name`` built with ``keras``, after resetting the automatic names (``add``, ``add_1``, ...)."""
    keras.backend.clear_session()
    return BUILDERS[name](keras)


# The summaries of tests/data/summary/: (model, variant, terminal columns, summary() arguments). Columns 80 is
# what the width is taken as when the output is not a terminal; wider cases use a wide terminal, and one case
# asks for a table wider than its terminal (rich cuts it at the edge).
SUMMARY_CASES: list[tuple[str, str, int, dict[str, Any]]] = [
    *[(name, "", 80, {}) for name in BUILDERS if name != "lambda"],
    ("residual", "wide", 200, {}),
    ("shared", "wide", 200, {"line_length": 150}),
    ("mlp", "wide", 200, {}),
    ("mlp", "narrow", 80, {"line_length": 60}),
    ("multi_io", "positions", 200, {"line_length": 100, "positions": [0.25, 0.5, 0.6, 1.0]}),
    ("nested", "expanded", 80, {"expand_nested": True}),
    ("nested", "trainable", 200, {"show_trainable": True}),
    ("sequential_of_model", "expanded", 200, {"expand_nested": True, "line_length": 100}),
    ("sequential_of_model", "cut", 80, {"expand_nested": True, "line_length": 100}),
]


def summary_filename(name: str, variant: str) -> str:
    return f"{name}_{variant}.txt" if variant else f"{name}.txt"
