"""``chainrule plot calibration MODEL DATA``: the reliability diagram.  The figures it
draws are read back from the function that computes them (and from the matplotlib lines
and bars, not the pixels) and compared with scikit-learn's ``calibration_curve(strategy=
"uniform")``: of the second class's probability of a binary model, of the top-class
confidence against whether the top class is right of three or more classes; the ECE and
Brier score in the legend with ``brier_score_loss`` and the ECE evaluate prints."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pandas as pd
import pytest
from sklearn.calibration import calibration_curve
from sklearn.metrics import brier_score_loss

import chainrule
from chainrule._cli_models_plot_calibration import calibration_figures
from file_helpers import cli_out as _run
from test_cli import run_main
from test_practitioner30_evaluate_calibration import _random_case, loop_ece

FAST = ["--hidden", "6", "--epochs", "30", "--seed", "0", "-q"]


@pytest.mark.parametrize("bins", [15, 6])
def test_binary_figures_are_calibration_curves(bins):
    y, proba, _ = _random_case(2, n=400, seed=5)
    got = calibration_figures(y, proba, n_bins=bins)
    prob_true, prob_pred = calibration_curve(y, proba[:, 1], n_bins=bins, strategy="uniform")
    full = got["count"] > 0
    np.testing.assert_allclose(got["accuracy"][full], prob_true, rtol=1e-12)
    np.testing.assert_allclose(got["confidence"][full], prob_pred, rtol=1e-12)
    assert np.isnan(got["accuracy"][~full]).all()
    edges = np.linspace(0, 1, bins + 1)
    expected = [np.sum((proba[:, 1] > lo) & (proba[:, 1] <= hi)) + (lo == 0) * np.sum(
        proba[:, 1] == 0) for lo, hi in itertools.pairwise(edges)]
    np.testing.assert_array_equal(got["count"], expected)
    assert got["of"] == "second class"
    assert got["brier"] == pytest.approx(brier_score_loss(y, proba[:, 1]), rel=1e-12)
    assert got["ece"] == pytest.approx(loop_ece(y, proba, n_bins=bins), rel=1e-12)


def test_multiclass_figures_are_the_top_class_curve():
    y, proba, w = _random_case(4, n=400, seed=6)
    got = calibration_figures(y, proba)
    top = proba.argmax(axis=1)
    prob_true, prob_pred = calibration_curve((top == y).astype(int), proba.max(axis=1),
                                             n_bins=15, strategy="uniform")
    full = got["count"] > 0
    np.testing.assert_allclose(got["accuracy"][full], prob_true, rtol=1e-12)
    np.testing.assert_allclose(got["confidence"][full], prob_pred, rtol=1e-12)
    assert got["count"].sum() == 400
    assert got["brier"] == pytest.approx(brier_score_loss(y, proba, labels=[0, 1, 2, 3]),
                                         rel=1e-12)
    assert got["ece"] == pytest.approx(loop_ece(y, proba), rel=1e-12)
    weighted = calibration_figures(y, proba, w)
    assert weighted["count"].sum() == pytest.approx(w.sum(), rel=1e-12)
    assert weighted["ece"] == pytest.approx(loop_ece(y, proba, w), rel=1e-12)


@pytest.fixture(scope="module")
def binary(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plotcal")
    rng = np.random.default_rng(7)
    X = rng.normal(size=(200, 2))
    y = (X[:, 0] + X[:, 1] + rng.normal(scale=0.9, size=200) > 0).astype(int)
    frame = pd.DataFrame(X, columns=["a", "b"])
    frame["ill"] = np.array(["no", "yes"])[y]
    data, model = tmp / "b.csv", tmp / "b.npz"
    frame.to_csv(data, index=False)
    from chainrule.cli import main

    assert main(["train", str(data), "--target", "ill", *FAST, "-o", str(model)]) == 0
    return model, data, frame, y


def test_plot_calibration_draws_the_figures_evaluate_prints(binary, tmp_path, capsys,
                                                            monkeypatch):
    import chainrule._cli_models_plot_calibration as module

    model, data, frame, y = binary
    drawn = {}
    original = module.plot_calibration

    def keep(figures, path, title, positive=None):
        out = original(figures, path, title, positive)
        drawn.update(figures=figures, title=title, positive=positive)
        return out

    monkeypatch.setattr(module, "plot_calibration", keep)
    png = tmp_path / "cal.png"
    out = _run(capsys, ["plot", "calibration", model, data, "--bins", "10", "-o", png])
    assert "calibration picture written to" in out
    assert png.stat().st_size > 1000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    proba = chainrule.load_model(str(model)).predict_proba(frame[["a", "b"]].to_numpy())
    prob_true, prob_pred = calibration_curve(y, proba[:, 1], n_bins=10, strategy="uniform")
    figures = drawn["figures"]
    full = figures["count"] > 0
    np.testing.assert_allclose(figures["accuracy"][full], prob_true, rtol=1e-12)
    np.testing.assert_allclose(figures["confidence"][full], prob_pred, rtol=1e-12)
    assert drawn["positive"] == "ill = yes"
    scores = json.loads(_run(capsys, ["evaluate", model, data, "--bins", "10", "--json"]))
    assert figures["ece"] == pytest.approx(scores["ece"], rel=1e-12)
    assert figures["brier"] == pytest.approx(scores["brier"], rel=1e-12)


def test_the_figure_holds_the_curve_the_diagonal_and_the_counts(tmp_path, monkeypatch):
    import chainrule.plots as plots
    from chainrule._cli_models_plot_calibration import plot_calibration

    y, proba, _ = _random_case(2, n=300, seed=8)
    figures = calibration_figures(y, proba, n_bins=12)
    captured = {}
    original = plots._save

    def hold(fig, path):  # the figure as it is written
        captured["fig"] = fig
        return original(fig, path)

    monkeypatch.setattr(plots, "_save", hold)
    png = plot_calibration(figures, tmp_path / "c.png", "t")
    assert png.stat().st_size > 1000
    fig = captured["fig"]
    ax, bars = fig.axes
    lines = {line.get_gid(): line for line in ax.lines}
    prob_true, prob_pred = calibration_curve(y, proba[:, 1], n_bins=12)
    np.testing.assert_allclose(lines["reliability"].get_xdata(), prob_pred, rtol=1e-12)
    np.testing.assert_allclose(lines["reliability"].get_ydata(), prob_true, rtol=1e-12)
    np.testing.assert_array_equal(lines["diagonal"].get_xdata(), [0, 1])
    assert f"ECE {loop_ece(y, proba, n_bins=12):.4f}" in lines["reliability"].get_label()
    assert f"Brier {brier_score_loss(y, proba[:, 1]):.4f}" in lines["reliability"].get_label()
    heights = [p.get_height() for p in bars.patches]
    np.testing.assert_array_equal(heights, figures["count"])


def test_a_threshold_is_said_to_be_of_the_decision(binary, tmp_path, capsys, monkeypatch):
    import chainrule._cli_models_plot_calibration as module

    model, data, _, _ = binary
    titles = []
    monkeypatch.setattr(module, "plot_calibration",
                        lambda figures, path, title, positive=None: titles.append(title)
                        or path)
    _run(capsys, ["plot", "calibration", model, data, "--threshold", "0.3",
                  "-o", tmp_path / "c.png"])
    assert "of the probabilities, not of the decision at threshold 0.3" in titles[0]


def test_refusals_name_the_option_or_the_model(binary, tmp_path, capsys):
    model, data, _, _ = binary
    code, _, err = run_main(capsys, "plot", "confusion", str(model), str(data), "--bins", "5",
                            "-o", str(tmp_path / "x.png"))
    assert code == 2 and "--bins is for plot calibration only" in err
    code, _, err = run_main(capsys, "plot", "calibration", str(model),
                            "-o", str(tmp_path / "x.png"))
    assert code == 2 and "plot calibration needs DATA" in err
    rng = np.random.default_rng(9)
    frame = pd.DataFrame(rng.normal(size=(60, 2)), columns=["a", "b"])
    frame["t"] = frame["a"] * 3.0
    reg_data, reg = tmp_path / "r.csv", tmp_path / "r.npz"
    frame.to_csv(reg_data, index=False)
    _run(capsys, ["train", reg_data, "--target", "t", *FAST, "-o", reg])
    code, _, err = run_main(capsys, "plot", "calibration", str(reg), str(reg_data),
                            "-o", str(tmp_path / "x.png"))
    assert code == 2 and "holds a regression model" in err
