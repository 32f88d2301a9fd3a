"""lamina.plot: every function returns a matplotlib Figure and writes a PNG; matplotlib stays optional."""

from __future__ import annotations

import builtins
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lamina
from lamina import layers, plot

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def is_png(path: Path) -> bool:
    return path.is_file() and path.read_bytes()[:8] == PNG_SIGNATURE


def test_import_lamina_does_not_import_matplotlib():
    code = "import sys, lamina; from lamina import plot; print('matplotlib' in sys.modules)"
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_missing_matplotlib_gives_the_install_hint(monkeypatch):
    real_import = builtins.__import__

    def refuse_matplotlib(name, *args, **kwargs):
        if name == "matplotlib" or name.startswith("matplotlib."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", refuse_matplotlib)
    assert plot.available() is False
    with pytest.raises(ImportError, match=r"pip install lamina\[plot\]"):
        plot.history({"loss": [1.0, 0.5]})


@pytest.fixture
def Figure():
    """matplotlib's Figure class; skips the test when matplotlib is not installed."""
    pytest.importorskip("matplotlib", reason="lamina.plot needs matplotlib (pip install lamina[plot])")
    from matplotlib.figure import Figure

    return Figure


def small_classifier() -> lamina.Sequential:
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Input((2,)), layers.Dense(8, activation="relu"),
                               layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def test_history_from_fit_and_from_a_dict(tmp_path, Figure):
    x, y = lamina.datasets.two_moons(64, seed=0)
    model = small_classifier()
    history = model.fit(x, y, epochs=3, validation_split=0.25, verbose=0)
    fig = plot.history(history, path=tmp_path / "fit.png", title="fit")
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # loss, accuracy; each with its validation twin
    assert [len(ax.lines) for ax in fig.axes] == [2, 2]
    assert is_png(tmp_path / "fit.png")
    fig = plot.history({"loss": [1.0, 0.6, 0.4]}, path=tmp_path / "nested" / "dict.png")
    assert len(fig.axes) == 1 and is_png(tmp_path / "nested" / "dict.png")  # the folder is created
    assert isinstance(plot.history(model), Figure)  # a fitted model's .history
    with pytest.raises(TypeError, match="History"):
        plot.history([1, 2, 3])
    with pytest.raises(ValueError, match="empty"):
        plot.history({})


def test_curves(tmp_path, Figure):
    fig = plot.curves({"a": [3.0, 2.0, 1.0], "b": (np.array([10, 20]), np.array([1.0, 0.1]))},
                      path=tmp_path / "curves.png", logy=True, xlabel="step", ylabel="loss", title="t")
    ax = fig.axes[0]
    assert [line.get_label() for line in ax.lines] == ["a", "b"]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "step"
    assert is_png(tmp_path / "curves.png")


def test_decision_boundary_of_a_model_and_of_a_function(tmp_path, Figure):
    x, y = lamina.datasets.xor()
    model = small_classifier()
    model.fit(x, y, epochs=2, verbose=0)
    fig = plot.decision_boundary(model, x, y, path=tmp_path / "model.png", resolution=50, title="xor")
    assert isinstance(fig, Figure) and is_png(tmp_path / "model.png")
    fig = plot.decision_boundary(lambda points: points[:, 0] - points[:, 1], x, y, path=tmp_path / "fn.png",
                                 resolution=30)
    assert is_png(tmp_path / "fn.png")
    with pytest.raises(ValueError, match=r"\(n, 2\)"):
        plot.decision_boundary(model, np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="labels"):
        plot.decision_boundary(model, x, y[:3])


def test_decision_boundary_of_a_softmax_model(Figure):
    lamina.utils.set_random_seed(0)
    model = lamina.Sequential([layers.Input((2,)), layers.Dense(2, activation="softmax")])
    x, y = lamina.datasets.circles(40, seed=0)
    assert isinstance(plot.decision_boundary(model, x, y, resolution=20), Figure)


def test_activations_plot_uses_autodiff_derivatives(tmp_path, Figure):
    fig = plot.activations(("sigmoid", "tanh", "relu"), path=tmp_path / "act.png")
    left, right = fig.axes
    assert [line.get_label() for line in right.lines[:3]] == ["sigmoid'", "tanh'", "relu'"]
    x, slope = right.lines[0].get_data()
    sigma = 1 / (1 + np.exp(-np.asarray(x)))
    np.testing.assert_allclose(slope, sigma * (1 - sigma), atol=1e-12)
    assert is_png(tmp_path / "act.png")


def test_trajectories(tmp_path, Figure):
    path = np.array([[1.0, 1.0], [0.5, 0.4], [0.1, 0.05]])
    fig = plot.trajectories(lambda a, b: a ** 2 + 10 * b ** 2, {"sgd": path}, xlim=(-1.5, 1.5), ylim=(-1.5, 1.5),
                            minima=[(0, 0)], path=tmp_path / "paths.png", log_levels=True, title="bowl")
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert "sgd" in labels
    assert is_png(tmp_path / "paths.png")
    with pytest.raises(ValueError, match=r"\(steps, 2\)"):
        plot.trajectories(lambda a, b: a + b, {"bad": np.zeros(3)}, xlim=(0, 1), ylim=(0, 1))


def test_figure_and_save_combine_panels(tmp_path, Figure):
    fig, axes = plot.figure(ncols=2)
    plot.curves({"a": [1, 2]}, ax=axes[0])
    plot.curves({"b": [2, 1]}, ax=axes[1])
    assert plot.save(fig, tmp_path / "two.png") is fig
    assert is_png(tmp_path / "two.png")
