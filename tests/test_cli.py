"""The ``lamina`` command: ``train`` reaches the promised accuracy on the packaged digits, its options work, the
help is complete, ``examples`` lists the scripts of the repository's examples/ folder."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lamina import cli, plot
from lamina.datasets import digits, write_idx

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ACCURACY_LINE = re.compile(r"^test accuracy: (\d\.\d{3})$", re.MULTILINE)


def accuracy_from(text: str) -> float:
    found = ACCURACY_LINE.findall(text)
    assert len(found) == 1, f"expected one 'test accuracy: 0.xxx' line in:\n{text}"
    return float(found[0])


def test_train_defaults_reach_95_percent_on_the_packaged_digits(tmp_path, capsys):
    status = cli.main(["train", "--output", str(tmp_path)])
    out = capsys.readouterr().out
    assert status == 0
    assert accuracy_from(out) >= 0.95
    assert "Epoch 50/50" in out and "\u2501" in out  # the progress bar, one per epoch
    assert "UCI digits" in out and "Total params" in out
    assert (tmp_path / "model.weights.npz").is_file()
    if plot.available():
        assert (tmp_path / "training.png").read_bytes()[:8] == PNG_SIGNATURE
        assert f"plot: {tmp_path / 'training.png'}" in out
    else:
        assert "plot skipped" in out and "pip install lamina[plot]" in out


def test_train_is_reproducible_from_its_seed(tmp_path, capsys):
    argv = ["train", "--quiet", "--epochs", "3", "--hidden", "32", "--no-plot", "--seed", "7"]
    results = []
    for run in range(2):
        assert cli.main([*argv, "--output", str(tmp_path / str(run))]) == 0
        results.append(capsys.readouterr().out)
    assert results[0] == results[1]
    weights = [np.load(tmp_path / str(run) / "model.weights.npz") for run in range(2)]
    for key in weights[0].files:
        np.testing.assert_array_equal(weights[0][key], weights[1][key])


def test_train_options_batch_norm_sgd_dropout_quiet(tmp_path, capsys):
    status = cli.main(["train", "--quiet", "--hidden", "64,32", "--batch-norm", "--dropout", "0.1",
                       "--optimizer", "sgd", "--learning-rate", "0.1", "--momentum", "0.9", "--epochs", "5",
                       "--batch-size", "64", "--activation", "tanh", "--validation-split", "0",
                       "--output", str(tmp_path), "--no-plot"])
    out = capsys.readouterr().out
    assert status == 0
    assert out.strip().splitlines() == [out.strip()]  # --quiet: the accuracy line only
    assert accuracy_from(out) > 0.8
    assert not (tmp_path / "training.png").exists()


def test_train_reads_an_idx_folder(tmp_path, capsys):
    (x_train, y_train), (x_test, y_test) = digits.load_data()
    folder = tmp_path / "idx"
    folder.mkdir()
    for name, array in (("train-images-idx3-ubyte.gz", x_train), ("train-labels-idx1-ubyte.gz", y_train),
                        ("t10k-images-idx3-ubyte", x_test), ("t10k-labels-idx1-ubyte", y_test)):
        write_idx(folder / name, array)
    status = cli.main(["train", "--dataset", str(folder), "--epochs", "10", "--verbose", "0", "--no-plot",
                       "--output", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert status == 0
    assert f"IDX files in {folder}" in out
    assert accuracy_from(out) > 0.85


def test_train_reports_a_missing_dataset(tmp_path, capsys):
    assert cli.main(["train", "--dataset", "no-such-set", "--output", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "unknown dataset 'no-such-set'" in err and "digits" in err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert cli.main(["train", "--dataset", str(empty), "--output", str(tmp_path)]) == 2
    assert "lacks" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["train", "--hidden", "12,x"], ["train", "--dropout", "1.5"],
                                  ["train", "--optimizer", "lbfgs"], ["train", "--epochs", "0"],
                                  ["train", "--quiet", "--verbose", "2"]])
def test_bad_options_exit_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert "usage: lamina train" in capsys.readouterr().err


def test_help_is_complete(capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--help"])
    assert exit_info.value.code == 0
    top = capsys.readouterr().out
    assert "train" in top and "examples" in top and "--version" in top
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    train_help = capsys.readouterr().out
    for option in ("--dataset", "--data-dir", "--hidden", "--activation", "--dropout", "--batch-norm", "--optimizer",
                   "--learning-rate", "--momentum", "--epochs", "--batch-size", "--seed", "--output", "--no-plot",
                   "--quiet", "--verbose", "--validation-split", "--no-download"):
        assert option in train_help, option
    assert "fashion-mnist" in train_help and "(default: 32)" in train_help
    with pytest.raises(SystemExit):
        cli.main(["examples", "--help"])
    assert "examples/" in capsys.readouterr().out


def test_no_command_prints_help(capsys):
    assert cli.main([]) == 0
    assert "usage: lamina" in capsys.readouterr().out


def test_examples_lists_every_script(capsys):
    assert cli.main(["examples"]) == 0
    out = capsys.readouterr().out
    for name, section, description in cli.EXAMPLES:
        assert name in out and description in out
    assert "python " in out and "s2_xor.py" in out  # run from the checkout: says where the scripts are


def test_the_listing_matches_the_examples_folder():
    scripts = sorted(path.stem for path in (ROOT / "examples").glob("s*_*.py")
                     if re.fullmatch(r"s[0-9]+_\w+", path.stem))
    assert scripts == sorted(name for name, _, _ in cli.EXAMPLES)
    assert cli.examples_folder() == ROOT / "examples"


def test_module_entry_point_and_console_script_declaration(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    done = subprocess.run([sys.executable, "-m", "lamina.cli", "examples"], capture_output=True, text=True,
                          env=env, cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "s7_backprop" in done.stdout
    assert 'lamina = "lamina.cli:main"' in (ROOT / "pyproject.toml").read_text()
