"""LeCun et al., "Efficient BackProp", sections 4.4-4.6 (examples/lecun_efficient_backprop.py).

References: the paper's figures (f(+-1) = +-1, |f''| largest near 1), their closed forms
(1.5 atanh(1/sqrt 3) for the peak, 1.5 atanh(1/1.7159) for the weight that reaches target
1), a NumPy write-up of the one-unit gradient descent and of the deep forward pass, and the
variance recursion by scipy.integrate.quad."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lecun_efficient_backprop.py"


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


def test_the_sigmoids_figures(ex):
    fig = ex["figures"]()
    assert fig["f(1)"] == pytest.approx(1.0, abs=3e-6) and fig["f(-1)"] == -fig["f(1)"]
    assert fig["argmax |f''|"] == pytest.approx(1.5 * np.arctanh(1 / np.sqrt(3)), abs=1e-4)
    assert abs(fig["argmax |f''|"] - 1) < 0.013  # the paper's "at x = 1"
    assert fig["f'(0)"] == pytest.approx(1.7159 * 2 / 3, rel=1e-15)


def _numpy_unit(f, df, epochs, lr=0.5):
    """f(w x) on x = -1, 1, targets -1, 1, squared error 1/2 (a - y)^2 averaged: gd from 0."""
    x, y, w = np.array([-1.0, 1.0]), np.array([-1.0, 1.0]), 0.0
    for _ in range(epochs):
        z = w * x
        w -= lr * np.mean((f(z) - y) * df(z) * x)
    return w


def test_targets_at_the_asymptotes_grow_the_weight_targets_at_one_do_not(ex):
    def lecun(z):
        return 1.7159 * np.tanh(2 * z / 3)

    def lecun_d(z):
        return 1.7159 * 2 / 3 / np.cosh(2 * z / 3) ** 2

    def tanh_d(z):
        return 1 / np.cosh(z) ** 2

    for epochs in (100, 1000):
        got = ex["target_weights"]("tanh", epochs)
        assert got == pytest.approx(_numpy_unit(np.tanh, tanh_d, epochs), rel=1e-10)
        assert ex["target_weights"]("lecun_tanh", epochs) == pytest.approx(
            _numpy_unit(lecun, lecun_d, epochs), rel=1e-10)
    # tanh's weight keeps growing; lecun_tanh's sits where f(w) = 1
    assert ex["target_weights"]("tanh", 100) < 1.9 < ex["target_weights"]("tanh", 1000) < 2.5
    fixed = 1.5 * np.arctanh(1 / 1.7159)
    assert ex["target_weights"]("lecun_tanh", 100) == pytest.approx(fixed, abs=1e-9)
    assert fixed == pytest.approx(1.0000036, abs=1e-7)


@pytest.mark.parametrize("activation, first, last", [("tanh", 0.628, 0.228),
                                                     ("lecun_tanh", 0.866, 0.636)])
def test_the_spread_through_ten_layers_follows_the_recursion(ex, activation, first, last):
    got = ex["layer_spreads"](activation, width=128, n=1000)
    # the same forward pass in NumPy, from the network's weights
    net = ex["deep_network"](activation, width=128)
    f = {"tanh": np.tanh, "lecun_tanh": lambda z: 1.7159 * np.tanh(2 * z / 3)}[activation]
    A = np.random.default_rng(0).standard_normal((1000, 128))
    ref = []
    for layer in net.layers:
        assert layer.W.std() == pytest.approx(128 ** -0.5, rel=0.05)
        A = f(A @ layer.W + layer.b)
        ref.append(A.std())
    np.testing.assert_allclose(got, ref, rtol=1e-12)
    # the recursion (Gauss-Hermite in the example), here by scipy's adaptive quadrature
    from scipy.integrate import quad

    predicted = ex["predicted_spreads"](activation)
    v, ref = 1.0, []
    for _ in range(10):
        v = quad(lambda z, v=v: f(np.sqrt(v) * z) ** 2 * np.exp(-z * z / 2), -np.inf,
                 np.inf)[0] / np.sqrt(2 * np.pi)
        ref.append(np.sqrt(v))
    np.testing.assert_allclose(predicted, ref, rtol=1e-8)
    assert predicted[0] == pytest.approx(first, abs=1e-3)
    assert predicted[-1] == pytest.approx(last, abs=1e-3)
    np.testing.assert_allclose(got, predicted, atol=0.03)  # 128 units, 1,000 examples


def test_the_spreads_limits(ex):
    # lecun_tanh's recursion has a fixed point, v = E[f(sqrt(v) Z)^2] solved here by scipy's
    # brentq on the same quadrature; tanh's spread keeps falling
    from scipy.optimize import brentq

    x, w = np.polynomial.hermite_e.hermegauss(100)
    w = w / np.sqrt(2 * np.pi)

    def gap(s):
        return np.sqrt(np.sum(w * (1.7159 * np.tanh(2 * s * x / 3)) ** 2)) - s

    fixed = brentq(gap, 0.3, 1.0)
    assert fixed == pytest.approx(0.6184, abs=1e-4)
    assert ex["predicted_spreads"]("lecun_tanh", depth=100)[-1] == pytest.approx(fixed, rel=1e-9)
    tanh = ex["predicted_spreads"]("tanh", depth=100)
    assert np.all(np.diff(tanh) < 0) and tanh[-1] < 0.1


@pytest.mark.slow  # 22,200 training steps: about 5 s
def test_main_prints_the_figures(ex, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--out", str(tmp_path / "p.png")])
    got = ex["main"]()
    out = capsys.readouterr().out
    assert "argmax |f''| = 0.9877" in out
    assert "targets +-1, lecun_tanh: weight 1.000004 after 100" in out
    assert got["weights"]["tanh"][10_000] == pytest.approx(2.992, abs=1e-3)
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
