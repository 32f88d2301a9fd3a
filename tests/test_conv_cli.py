"""``lamina train --model cnn``: the keras.io convnet from the command line (tests/test_cli.py's style)."""

from __future__ import annotations

import numpy as np
import pytest

from lamina import cli
from test_cli import accuracy_from   # (tests/ is on the path, as pytest runs these files)


def test_train_cnn_on_the_packaged_digits(tmp_path, capsys):
    status = cli.main(["train", "--model", "cnn", "--epochs", "8", "--verbose", "0", "--no-plot",
                       "--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert accuracy_from(out) >= 0.85
    assert "8x8x1 pixels" in out and "Conv2D" in out and "MaxPooling2D" in out
    assert "batch size 128" in out                                  # the keras.io batch unless given
    weights = np.load(tmp_path / "model.weights.npz")
    assert (3, 3, 32, 64) in [w.shape for w in weights.values()]


def test_cnn_options_and_their_defaults(tmp_path, capsys):
    args = cli.build_parser().parse_args(["train", "--model", "cnn"])
    assert cli._default_for_model(args, "batch_size", cli.DEFAULT_BATCH_SIZE) == 128
    assert cli._default_for_model(args, "dropout", cli.DEFAULT_DROPOUT) == 0.5
    args = cli.build_parser().parse_args(["train", "--model", "cnn", "--batch-size", "32", "--dropout", "0"])
    assert cli._default_for_model(args, "batch_size", cli.DEFAULT_BATCH_SIZE) == 32
    assert cli._default_for_model(args, "dropout", cli.DEFAULT_DROPOUT) == 0.0
    mlp = cli.build_parser().parse_args(["train"])
    assert cli._default_for_model(mlp, "batch_size", cli.DEFAULT_BATCH_SIZE) == 32
    model = cli.build_cnn((28, 28, 1), 10)
    assert model.count_params() == 34826                            # keras.io's summary
    assert [type(layer).__name__ for layer in model.layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]


def test_cnn_refuses_images_that_are_not_square(tmp_path, capsys):
    with pytest.raises(ValueError, match="square images"):
        cli.as_square_images(np.zeros((2, 10)))


def test_help_mentions_the_model_option(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = capsys.readouterr().out
    assert "--model {mlp,cnn}" in text and "keras.io" in text
