"""The experiments' ``plot`` methods draw into a caller's Axes (``ax=``), path optional,
as :mod:`chainrule.plots`' functions they call do: drawn into the first subplots of a
figure of one more, the numbers drawn are the result's own, the last subplot stays
empty and no file is written; the path-only call writes its file as before."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.datasets import xor
from chainrule.experiments import (
    free_fall,
    lr_range_test,
    overfitting,
    perceptron_vs_mlp,
    saturation_vs_scale,
    vanishing_gradients,
)
from plot_helpers import drawn_figure


def _subplots(n: int):
    """A 1 x n Agg figure and its Axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4 * n, 4), dpi=100)
    FigureCanvasAgg(fig)
    return fig, list(fig.subplots(1, n))


def _untouched(ax) -> None:
    assert not (ax.lines or ax.images or ax.texts or ax.collections or ax.patches)
    assert ax.get_title() == "" and ax.get_legend() is None


def _lines(ax) -> dict:
    return {line.get_label(): line for line in ax.get_lines()}


def _path_only(result, tmp_path) -> None:
    """The path-only call writes the PNG and returns its path, as before."""
    import matplotlib.image as mpimg

    written = result.plot(tmp_path / "file.png")
    assert written == tmp_path / "file.png" and mpimg.imread(written).std() > 0.01


def test_the_lr_range_test_drawn_into_a_subplot(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int) + (X[:, 3] > 1)
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", loss="cross_entropy", seed=0)
    test = lr_range_test(net, X, y, steps=30, batch_size=8, seed=0, lr_max=50.0)
    _fig, (left, right) = _subplots(2)
    assert test.plot(ax=left, title="rates") is left
    smoothed = _lines(left)["smoothed loss"]
    np.testing.assert_array_equal(smoothed.get_xdata(), test.lrs)
    np.testing.assert_array_equal(smoothed.get_ydata(), test.smoothed)
    assert left.get_xscale() == "log" and left.get_title() == "rates"
    _untouched(right)
    assert list(tmp_path.iterdir()) == []
    _path_only(test, tmp_path)


def test_the_xor_comparison_drawn_into_three_of_four_subplots(tmp_path):
    result = perceptron_vs_mlp(seed=0)
    _fig, axes = _subplots(4)
    assert result.plot(ax=axes[:3]) == axes[:3]
    X, y = xor()
    for ax, (Xp, yp) in zip(axes[:3], [(result.X_separable, result.y_separable), (X, y),
                                       (X, y)], strict=True):
        _regions, *points = ax.collections  # the regions, then one scatter per class
        for c, scatter in zip(np.unique(yp), points, strict=True):
            np.testing.assert_array_equal(scatter.get_offsets(), Xp[yp == c])
    assert axes[2].get_title().startswith("two-layer network on XOR")
    _untouched(axes[3])
    assert list(tmp_path.iterdir()) == []
    _path_only(result, tmp_path)


def test_the_overfitting_panels_drawn_into_three_of_four_subplots(tmp_path, monkeypatch):
    result = overfitting(weight_decays=(0.0, 0.1), n_val=20, hidden=(5, 5), epochs=12, seed=0)
    fig, axes = _subplots(4)
    assert result.plot(ax=axes[:3]) == axes[:3]
    for lam in (0.0, 0.1):
        label = f"weight decay {lam:g}"
        np.testing.assert_array_equal(_lines(axes[0])[label].get_ydata(),
                                      result.val_error[lam])
        np.testing.assert_array_equal(_lines(axes[1])[label].get_ydata(),
                                      result.train_error[lam])
    (points,) = axes[2].collections
    np.testing.assert_array_equal(points.get_offsets(),
                                  np.column_stack([result.X[:, 0], result.y]))
    assert fig._suptitle is None  # the figure's title is the caller's
    _untouched(axes[3])
    assert list(tmp_path.iterdir()) == []
    _path_only(result, tmp_path)
    fig = drawn_figure(monkeypatch, lambda: result.plot(tmp_path / "again.png"))
    assert fig._suptitle.get_text() == "A large network on 10 noisy points"


def test_the_free_fall_panels_drawn_into_two_of_three_subplots(tmp_path):
    result = free_fall(architectures=(("tanh", 1, True), ("tanh", 2, True)), starts=1,
                       maxiter=20, seed=0)
    _fig, axes = _subplots(3)
    assert result.plot(ax=axes[:2]) == axes[:2]
    (samples,) = axes[0].collections
    np.testing.assert_array_equal(samples.get_offsets(),
                                  np.column_stack([result.t[:, 0], result.h]))
    tanh = _lines(axes[1])["tanh"]
    np.testing.assert_array_equal(tanh.get_xdata(), [1, 2])
    np.testing.assert_array_equal(tanh.get_ydata(), [r.rmse_inside for r in result.rows])
    _untouched(axes[2])
    assert list(tmp_path.iterdir()) == []
    _path_only(result, tmp_path)


@pytest.mark.parametrize("epochs", [0, 2])
def test_the_gradient_norms_drawn_into_subplots(tmp_path, epochs):
    """One panel without training, three with it."""
    result = vanishing_gradients("tanh", depth=3, width=4, n_samples=8, epochs=epochs, seed=0)
    n = 3 if epochs else 1
    _fig, axes = _subplots(n + 1)
    drawn = result.plot(ax=axes[:n] if n > 1 else axes[0])
    assert drawn == (axes[:n] if n > 1 else axes[0])
    for a, norms in result.at_init.items():
        np.testing.assert_array_equal(_lines(axes[0])[a].get_xdata(), [1, 2, 3])
        np.testing.assert_array_equal(_lines(axes[0])[a].get_ydata(), norms)
        if epochs:
            np.testing.assert_array_equal(_lines(axes[1])[a].get_ydata(),
                                          result.histories[a]["loss"])
    _untouched(axes[n])
    assert list(tmp_path.iterdir()) == []
    _path_only(result, tmp_path)


def test_the_saturation_drawn_into_a_subplot(tmp_path):
    result = saturation_vs_scale((1, 8), depth=3)
    _fig, (left, right) = _subplots(2)
    assert result.plot(ax=left) is left
    for s, fractions in result.fractions.items():
        line = _lines(left)[f"weights x{s:g}"]
        np.testing.assert_array_equal(line.get_xdata(), np.arange(1, len(fractions) + 1))
        np.testing.assert_array_equal(line.get_ydata(), fractions)
    _untouched(right)
    assert list(tmp_path.iterdir()) == []
    _path_only(result, tmp_path)


def test_a_wrong_number_of_axes_is_refused_naming_ax():
    result = saturation_vs_scale((1, 8), depth=3)
    _fig, axes = _subplots(2)
    with pytest.raises(ValueError, match="ax must hold one Axes per panel, 1 here, got 2"):
        result.plot(ax=axes)
