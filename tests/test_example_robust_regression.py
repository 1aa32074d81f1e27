"""examples/robust_regression.py: its data, its printed figures recomputed, its README row."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "robust_regression.py"


def _r2(y: np.ndarray, p: np.ndarray) -> float:
    return 1 - np.sum((y - p) ** 2) / np.sum((y - y.mean()) ** 2)


def test_robust_regression_prints_what_its_fits_compute(tmp_path, monkeypatch, capsys):
    """The held-out R^2 and MSE of both fits, from each model's own predictions in NumPy;
    the data are what the docstring says (20 of 200 training targets 8 above the curve,
    clean held-out targets); the README row quotes the figures printed."""
    monkeypatch.setattr(sys, "argv", ["robust_regression.py", "--out", str(tmp_path / "p.png")])
    module = runpy.run_path(str(SCRIPT))
    got = module["main"]()
    out = capsys.readouterr().out
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    d = got["data"]
    x, x_test = d["X_train"][:, 0], d["X_test"][:, 0]
    assert d["X_train"].shape == (200, 1) and d["X_test"].shape == (200, 1)
    assert x.min() >= -3 and x.max() <= 3
    residual = d["y_train"] - (np.sin(x) + x / 2)
    shifted = np.zeros(200, dtype=bool)
    shifted[d["outliers"]] = True
    assert shifted.sum() == 20
    assert np.all(np.abs(residual[shifted] - 8) < 0.5) and np.all(np.abs(residual[~shifted]) < 0.5)
    assert np.all(np.abs(d["y_test"] - (np.sin(x_test) + x_test / 2)) < 0.5)
    figures = {}
    for loss in ("squared_error", "huber"):
        model = got[loss]["model"]
        assert model.loss == loss and model.huber_delta == 1.0 and model.alpha == 1.0
        p = model.predict(d["X_test"])
        np.testing.assert_array_equal(got[loss]["prediction"], p)
        r2, mse = _r2(d["y_test"], p), np.mean((d["y_test"] - p) ** 2)
        assert abs(got[loss]["r2"] - r2) < 1e-12 and abs(got[loss]["mse"] - mse) < 1e-12
        assert f"  {loss:14s} {r2:12.3f} {mse:12.4f}\n" in out, loss
        figures[loss] = (r2, mse)
    # both from the same initial weights: the same seed, the same network shape
    assert got["huber"]["model"].random_state == got["squared_error"]["model"].random_state == 0
    assert "picture written to" in out
    readme = (SCRIPT.parents[1] / "README.md").read_text()
    row = readme.split("**`robust_regression.py`**", 1)[1].split("<br>", 1)[0]
    (r2_se, mse_se), (r2_h, mse_h) = figures["squared_error"], figures["huber"]
    assert (f"held-out R^2 {r2_h:.3f} with the Huber loss, {r2_se:.3f} with the squared "
            f"error (MSE {mse_h:.3f} vs {mse_se:.3f})") in row, row


def test_huber_fit_stays_on_the_curve_for_seeds_0_to_4():
    """The docstring's claim, over seeds 0-4: the outliers lift the squared-error fit (R^2
    under 0.75, MSE over 0.5), not the Huber fit (R^2 over 0.98)."""
    fit_both = runpy.run_path(str(SCRIPT))["fit_both"]
    for seed in range(5):
        got = fit_both(seed)
        y = got["data"]["y_test"]
        se, huber = got["squared_error"]["prediction"], got["huber"]["prediction"]
        assert _r2(y, se) < 0.75 and np.mean((y - se) ** 2) > 0.5, seed
        assert _r2(y, huber) > 0.98, seed
        # the fits sit above the curve: the squared error's by about the outliers' mean
        # (20 * 8 / 200 = 0.8), the Huber loss's where the 180 inliers' residuals balance
        # the 20 outliers' pull of delta = 1 each (20 / 180 = 0.11)
        assert 0.7 < np.mean(se - y) < 0.9 and 0.05 < np.mean(huber - y) < 0.2, seed
