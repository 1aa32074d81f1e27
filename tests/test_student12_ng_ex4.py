"""Andrew Ng's ex4 (examples/ng_ex4_backprop.py): chainrule's cost and gradient are
nnCostFunction's.

References: ex4's formulas written out here in NumPy, example by example as ex4.pdf's
backpropagation loop (accumulate Delta^(l) += delta^(l+1) a^(l)^T, then divide by m and
add (lambda/m) Theta off the bias column); central differences with Ng's e = 1e-4.  The
facts asserted from the course: sigmoidGradient's published values (ex4.m, six decimals)
and checkNNGradients' "the relative difference will be small (less than 1e-9)"."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.network import Network

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "ng_ex4_backprop.py"
PUBLISHED = [0.196612, 0.235004, 0.250000, 0.235004, 0.196612]  # ex4.m, sigmoidGradient


@pytest.fixture(scope="module")
def ex4():
    return runpy.run_path(str(EXAMPLE))


def _sig(z):
    return 1 / (1 + np.exp(-z))


def _debug_weights(fan_out, fan_in):
    """debugInitializeWeights from its definition: entry (i, j) is sin(1 + i + j fan_out) / 10
    (Octave fills a matrix column by column)."""
    W = np.empty((fan_out, 1 + fan_in))
    for i in range(fan_out):
        for j in range(1 + fan_in):
            W[i, j] = np.sin(1 + i + j * fan_out) / 10
    return W


def _debug():
    Theta1, Theta2 = _debug_weights(5, 3), _debug_weights(3, 5)
    X = _debug_weights(5, 2)
    y = np.array([1 + (t % 3) for t in range(1, 6)])  # 1 + mod(1:m, K)
    return Theta1, Theta2, X, y


def _reference(Theta1, Theta2, X, y, lam):
    """J, Theta1_grad, Theta2_grad and each example's deltas by ex4's loop over examples."""
    m, K = X.shape[0], Theta2.shape[0]
    J, D1, D2 = 0.0, np.zeros_like(Theta1), np.zeros_like(Theta2)
    deltas2, deltas3 = [], []
    for t in range(m):
        a1 = np.concatenate([[1.0], X[t]])
        z2 = Theta1 @ a1
        a2 = np.concatenate([[1.0], _sig(z2)])
        a3 = _sig(Theta2 @ a2)
        yk = np.zeros(K)
        yk[y[t] - 1] = 1
        J += np.sum(-yk * np.log(a3) - (1 - yk) * np.log(1 - a3))
        d3 = a3 - yk
        d2 = (Theta2.T @ d3)[1:] * _sig(z2) * (1 - _sig(z2))
        D1 += np.outer(d2, a1)
        D2 += np.outer(d3, a2)
        deltas2.append(d2)
        deltas3.append(d3)
    J = J / m + lam / (2 * m) * (np.sum(Theta1[:, 1:] ** 2) + np.sum(Theta2[:, 1:] ** 2))
    G1, G2 = D1 / m, D2 / m
    G1[:, 1:] += lam / m * Theta1[:, 1:]
    G2[:, 1:] += lam / m * Theta2[:, 1:]
    return J, G1, G2, np.array(deltas2), np.array(deltas3)


def test_sigmoid_gradient_gives_the_published_values(ex4):
    g = ex4["sigmoid_gradient"](np.array([-1, -0.5, 0, 0.5, 1]))
    assert np.round(g, 6).tolist() == PUBLISHED


def test_the_debug_network_is_checknngradients(ex4):
    thetas, X, y = ex4["debug_problem"]()
    Theta1, Theta2, X_ref, y_ref = _debug()
    np.testing.assert_array_equal(thetas[0], Theta1)
    np.testing.assert_array_equal(thetas[1], Theta2)
    np.testing.assert_array_equal(X, X_ref)
    assert y.tolist() == y_ref.tolist() == [2, 3, 1, 2, 3]


@pytest.mark.parametrize("lam", [0.0, 3.0, 1.0])
def test_chainrule_computes_nncostfunction(lam):
    """log_loss, weight_decay=lambda, decay="per_sample" on Ng's Theta^T: his J and gradient."""
    Theta1, Theta2, X, y = _debug()
    J_ref, G1, G2, _, _ = _reference(Theta1, Theta2, X, y, lam)
    net = Network.from_transfer_matrices([Theta1.T, Theta2.T], activation="sigmoid",
                                         loss="log_loss", weight_decay=lam, decay="per_sample")
    J, _ = net.loss_and_grad(X, y - 1)
    assert J == pytest.approx(J_ref, rel=1e-13)
    for layer, G in zip(net.layers, (G1, G2), strict=True):  # Theta_grad = [db, dW^T]
        np.testing.assert_allclose(layer.db, G[:, 0], rtol=0, atol=1e-15)
        np.testing.assert_allclose(layer.dW.T, G[:, 1:], rtol=0, atol=1e-15)


@pytest.mark.parametrize("lam", [0.0, 3.0])
def test_check_nn_gradients_against_the_reference_and_central_differences(ex4, lam):
    c = ex4["check_nn_gradients"](lam)
    Theta1, Theta2, X, y = _debug()
    J_ref, G1, G2, _, _ = _reference(Theta1, Theta2, X, y, lam)
    grad_ref = np.concatenate([G1.ravel(order="F"), G2.ravel(order="F")])  # [T1(:); T2(:)]
    assert c["J"] == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(c["grad"], grad_ref, rtol=0, atol=1e-15)
    # central differences of the reference cost, e = 1e-4, one parameter at a time
    theta = np.concatenate([Theta1.ravel(order="F"), Theta2.ravel(order="F")])
    num = np.empty_like(theta)
    for p in range(theta.size):
        shifted = []
        for s in (1e-4, -1e-4):
            th = theta.copy()
            th[p] += s
            T1 = th[:Theta1.size].reshape(Theta1.shape, order="F")
            T2 = th[Theta1.size:].reshape(Theta2.shape, order="F")
            shifted.append(_reference(T1, T2, X, y, lam)[0])
        num[p] = (shifted[0] - shifted[1]) / 2e-4
    # two costs of about 2 differ by rounding, about 1e-16 * 2 / 2e-4 in the quotient
    np.testing.assert_allclose(c["numgrad"], num, rtol=0, atol=1e-10)
    diff = np.linalg.norm(num - c["grad"]) / np.linalg.norm(num + c["grad"])
    assert diff < 1e-9 and c["relative_difference"] < 1e-9  # Ng's bound
    assert 0.5 < c["relative_difference"] / diff < 2  # both rounding: the same order


def test_the_numpy_nncostfunction_of_the_example_is_the_reference(ex4):
    Theta1, Theta2, X, y = _debug()
    params = np.concatenate([Theta1.ravel(order="F"), Theta2.ravel(order="F")])
    J, grad = ex4["nn_cost_function"](params, (3, 5, 3), X, y, 3.0)
    J_ref, G1, G2, _, _ = _reference(Theta1, Theta2, X, y, 3.0)
    assert J == pytest.approx(J_ref, rel=1e-13)
    np.testing.assert_allclose(grad, np.concatenate([G1.ravel(order="F"), G2.ravel(order="F")]),
                               rtol=0, atol=1e-15)


def test_the_trace_rows_are_ngs_deltas_and_gradient_rows(ex4):
    Theta1, Theta2, X, y = _debug()
    J_ref, G1, G2, d2, d3 = _reference(Theta1, Theta2, X, y, 3.0)
    rows = ex4["trace_rows"](ex4["check_nn_gradients"](3.0))
    np.testing.assert_allclose(rows["Theta1_grad"], G1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rows["Theta2_grad"], G2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rows["delta2"], d2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(rows["delta3"], d3, rtol=0, atol=1e-15)
    assert rows["J"] == pytest.approx(J_ref, rel=1e-13)
    assert isinstance(rows["trace"], cr.Trace)


def test_rand_initialize_weights_stays_within_epsilon_init(ex4):
    T = ex4["rand_initialize_weights"](400, 25, np.random.default_rng(1))
    assert T.shape == (25, 401) and np.abs(T).max() <= 0.12
    assert np.abs(T).max() > 0.119  # the whole range is drawn, the bias column too
    assert np.std(T[:, 0]) > 0.03


def test_main_prints_the_check_and_returns_its_figures(ex4, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "argv", ["x", "--out", str(tmp_path / "p.png")])
    got = ex4["main"]()
    out = capsys.readouterr().out
    assert "0.196612 0.235004 0.250000 0.235004 0.196612" in out.splitlines()[1]
    assert out.count("Relative Difference:") == 2
    Theta1, Theta2, X, y = _debug()
    for lam, c in got["checks"].items():
        assert c["J"] == pytest.approx(_reference(Theta1, Theta2, X, y, lam)[0], rel=1e-13)
        assert c["relative_difference"] < 1e-9
    assert (tmp_path / "p.png").read_bytes()[:4] == b"\x89PNG"
