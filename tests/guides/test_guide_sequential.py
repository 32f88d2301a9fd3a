"""The keras.io guide "The Sequential model", run on Lamina with only its imports changed (programs/
sequential_model*.py), and what each of its sections shows.

Source: https://keras.io/guides/sequential_model/
"""

from __future__ import annotations

import numpy as np
import pytest



@pytest.fixture(scope="module")
def guide(run_guide):
    return run_guide("sequential_model")


def summary_rows(text: str) -> list[tuple[str, str, int]]:
    """(layer, output shape, params) of each row of the summary tables in ``text``."""
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.strip("│").split("│")]
        if line.startswith("│") and len(cells) == 3 and cells[2].replace(",", "").isdigit():
            rows.append((cells[0], cells[1], int(cells[2].replace(",", ""))))
    return rows


def test_a_sequential_model_is_its_layers_called_in_turn(guide):
    ns = guide["When to use a Sequential model"].namespace
    model, x = ns["model"], ns["x"]
    assert [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]
    assert tuple(ns["y"].shape) == (3, 4)
    # "is equivalent to this function": the three layers with the model's weights compute the model's output.
    for mine, theirs in zip((ns["layer1"], ns["layer2"], ns["layer3"]), model.layers):
        mine.set_weights(theirs.get_weights())
    np.testing.assert_allclose(np.asarray(ns["layer3"](ns["layer2"](ns["layer1"](x)))), np.asarray(model(x)),
                               rtol=1e-6)


def test_layers_attribute_and_unbuilt_model(guide):
    model = guide["Creating a Sequential model"].namespace["model"]
    assert len(model.layers) == 3
    assert [type(layer).__name__ for layer in model.layers] == ["Dense"] * 3
    assert not model.built and all(not layer.weights for layer in model.layers)


def test_pop_removes_the_last_layer(guide):
    section = guide["add() and pop()"]
    assert section.output == "2\n"
    assert [layer.units for layer in section.namespace["model"].layers] == [2, 3]


def test_name_argument(guide):
    model = guide["A name"].namespace["model"]
    assert model.name == "my_sequential"
    assert [layer.name for layer in model.layers] == ["layer1", "layer2", "layer3"]


def test_a_layer_creates_its_weights_on_its_first_call(guide):
    layer = guide["Specifying the input shape in advance"].namespace["layer"]
    assert [tuple(w.shape) for w in layer.weights] == [(4, 3), (3,)]


def test_a_model_is_built_by_its_first_call_and_summarized(guide):
    section = guide["A model is built when it first sees data"]
    assert section.output.startswith("Number of weights after calling the model: 6\n")
    rows = summary_rows(section.output)
    # Params: 4*2+2, 2*3+3, 3*4+4. (Keras prints the batch size of the call that built it, (1, 2); Lamina None.)
    assert [params for _, _, params in rows] == [10, 9, 16]
    assert [shape.split(", ")[1] for _, shape, _ in rows] == ["2)", "3)", "4)"]
    assert "Total params: 35 (140.00 B)" in section.output


def test_an_input_object_gives_a_summary_before_any_data_and_is_not_a_layer(guide):
    section = guide["Starting with an Input"]
    assert summary_rows(section.output) == [(f"{section.namespace['model'].layers[0].name} (Dense)", "(None, 2)", 10)]
    assert "Total params: 10 (40.00 B)" in section.output
    assert len(section.namespace["model"].layers) == 1


# ----- the sections with convolutions --------------------------------------------------------------------------
def test_conv_sections_summary_shapes_and_feature_extraction(run_guide):
    guide = run_guide("sequential_model_conv")
    section = guide["A common debugging workflow: add() + summary()"]
    rows = summary_rows(section.output)
    # The guide's answer: (40, 40, 32) after the first pooling, 4x4 maps at the end; Conv2D params k*k*c_in*32+32.
    assert rows[2][1] == "(None, 40, 40, 32)" and rows[-1][1] == "(None, 4, 4, 32)"
    assert rows[0][2] == 5 * 5 * 3 * 32 + 32 and rows[1][2] == 3 * 3 * 32 * 32 + 32
    features = guide["Feature extraction with a Sequential model"].namespace["features"]
    assert [tuple(f.shape) for f in features] == [(1, 123, 123, 32), (1, 121, 121, 32), (1, 119, 119, 32)]
    assert tuple(guide["Features of one layer"].namespace["features"].shape) == (1, 121, 121, 32)


# ----- feature extraction and transfer learning with Dense layers ----------------------------------------------
@pytest.fixture(scope="module")
def dense_guide(run_guide):
    return run_guide("sequential_model_dense")


def test_feature_extractor_returns_every_layers_output(dense_guide):
    ns = dense_guide["Feature extraction with a Sequential model"].namespace
    features, model, x = ns["features"], ns["initial_model"], ns["x"]
    assert len(features) == 3 and all(tuple(f.shape) == (1, 250, 32) for f in features)
    expected = np.asarray(x)
    for layer, feature in zip(model.layers, features):
        expected = np.asarray(layer(expected))
        np.testing.assert_allclose(np.asarray(feature), expected, rtol=1e-6)


def test_feature_extractor_of_one_named_layer(dense_guide):
    ns = dense_guide["Features of one layer"].namespace
    model = ns["initial_model"]
    expected = model.layers[1](model.layers[0](ns["x"]))
    np.testing.assert_allclose(np.asarray(ns["features"]), np.asarray(expected), rtol=1e-6)


def test_freezing_all_but_the_last_layer_trains_only_the_last_layer(dense_guide):
    ns = dense_guide["Transfer learning: freeze all layers except the last one"].namespace
    before, after = ns["pretrained"], ns["model"].get_weights()
    for old, new in zip(before[:-2], after[:-2]):
        np.testing.assert_array_equal(old, new)
    assert not np.array_equal(before[-2], after[-2])
    assert len(ns["model"].trainable_weights) == 2


def test_a_frozen_base_model_under_a_new_classifier(dense_guide):
    ns = dense_guide["Transfer learning: a frozen base model under a new classifier"].namespace
    model = ns["model"]
    assert [tuple(w.shape) for w in model.trainable_weights] == [(64, 1000), (1000,)]
    assert len(model.non_trainable_weights) == 2 and ns["base_model"].trainable_weights == []
    assert len(model.history.history["loss"]) == 2
