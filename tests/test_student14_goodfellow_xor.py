"""Deep Learning (Goodfellow, Bengio & Courville), section 6.1, learning XOR
(examples/goodfellow_xor.py): chainrule's linear model and ReLU network are the book's.

References: the book's figures (w = 0, b = 1/2; h = [[0, 0], [1, 0], [1, 0], [2, 1]] for
the four points; the network's output XOR exactly), the normal equations solved here with
numpy.linalg.solve, numpy.linalg.lstsq, and the book's f(x) = w^T max(0, W^T x + c) + b
written out in NumPy."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "goodfellow_xor.py"
X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
Y = np.array([0, 1, 1, 0], dtype=float)


@pytest.fixture(scope="module")
def xor():
    return runpy.run_path(str(EXAMPLE))


def _normal_equations():
    A = np.column_stack([X, np.ones(4)])
    return np.linalg.solve(A.T @ A, A.T @ Y)


def test_the_normal_equations_give_the_books_w_0_b_one_half():
    np.testing.assert_allclose(_normal_equations(), [0, 0, 0.5], atol=1e-15)


def test_the_linear_model_set_by_hand_outputs_one_half(xor):
    net = xor["linear_model"]()
    np.testing.assert_array_equal(net.predict(X)[:, 0], [0.5] * 4)
    # the book's MSE, 1/4 sum (f*(x) - f(x))^2
    assert net.loss_value(X, Y) == pytest.approx(np.mean((Y - 0.5) ** 2), abs=1e-15)
    assert net.loss_value(X, Y) == pytest.approx(0.25, abs=1e-15)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_full_batch_gradient_descent_converges_to_lstsq(xor, seed):
    net = xor["trained_linear_model"](epochs=600, seed=seed)
    got = np.append(net.layers[0].W[:, 0], net.layers[0].b)
    ref = np.linalg.lstsq(np.column_stack([X, np.ones(4)]), Y, rcond=None)[0]
    np.testing.assert_allclose(got, ref, rtol=0, atol=1e-10)
    np.testing.assert_allclose(xor["least_squares"](), ref, rtol=0, atol=1e-15)


def test_the_relu_network_has_the_books_hidden_representation_and_computes_xor(xor):
    net = xor["relu_network"]()
    steps = xor["hidden_representation"](net)
    W, c, w, b = np.ones((2, 2)), np.array([0.0, -1.0]), np.array([1.0, -2.0]), 0.0
    h = np.maximum(0, X @ W + c)
    np.testing.assert_array_equal(steps["h"], [[0, 0], [1, 0], [1, 0], [2, 1]])  # the book
    np.testing.assert_array_equal(steps["h"], h)
    np.testing.assert_array_equal(steps["XW + c"], X @ W + c)
    np.testing.assert_array_equal(steps["output"], h @ w + b)
    np.testing.assert_array_equal(steps["output"], [0, 1, 1, 0])  # XOR
    J, grad = net.loss_and_grad(X, Y)
    assert J == 0 and not np.any(grad)


def test_main_prints_both_models(xor, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--epochs", "500", "--out", str(tmp_path / "p.png")])
    got = xor["main"]()
    out = capsys.readouterr().out
    assert "outputs [0.5, 0.5, 0.5, 0.5], J = 0.25" in out
    assert "h =\n[[0. 0.]\n [1. 0.]\n [1. 0.]\n [2. 1.]]" in out
    np.testing.assert_array_equal(got["steps"]["output"], Y)
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
