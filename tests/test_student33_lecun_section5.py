"""LeCun, Bottou, Orr & Mueller, "Efficient BackProp" (1998), sections 5, 6 and 9, in
examples/lecun_efficient_backprop.py: lambda_max of the Hessian by eigsh and by the power
method, and gradient descent at c * 2 / lambda_max.

References: for the linear unit the cost J = 1/(2m) sum (x w + b - y)^2 is a quadratic with
H = A^T A / m (A: the inputs and a column of ones), so np.linalg.eigh of that matrix, the
normal equations' minimum and the closed-form descent e_t = (I - lr H)^t e_0,
J_t - J* = e_t^T H e_t / 2, all in NumPy; section 5's factor 1 - lr lambda per step along
an eigenvector; for the tanh net np.linalg.eigvalsh of the Hessian by central differences
of the gradient, and the theory's threshold c = 1 as the error along u_1 shrinks."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "lecun_efficient_backprop.py"


@pytest.fixture(scope="module")
def ex():
    return runpy.run_path(str(EXAMPLE))


@pytest.fixture(scope="module")
def unit(ex):
    net, X, y = ex["linear_unit"]()
    A = np.column_stack([X, np.ones(len(X))])
    H = A.T @ A / len(X)  # the Hessian of J = 1/(2m) |A theta - y|^2, from its definition
    theta = np.linalg.solve(A.T @ A, A.T @ y)  # the normal equations
    J_min = 0.5 * np.mean((A @ theta - y) ** 2)
    return ex, net, X, y, H, theta, J_min


@pytest.fixture(scope="module")
def tanh(ex):
    net, X, y = ex["tanh_net"]()
    return ex, net, X, y


def _fd_hessian(net, X, y, eps=1e-5):
    theta, n = net.params.copy(), net.n_params
    H = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        net.params[:] = theta + e
        gp = net.loss_and_grad(X, y)[1].copy()
        net.params[:] = theta - e
        H[:, i] = (gp - net.loss_and_grad(X, y)[1]) / (2 * eps)
    net.params[:] = theta
    return (H + H.T) / 2


def test_linear_unit_lambda_max_is_that_of_the_input_moments(unit):
    ex, net, X, y, H, theta, _ = unit
    np.testing.assert_allclose(net.params, theta, rtol=1e-12)
    lam_ref = np.linalg.eigvalsh(H)[-1]
    s5 = ex["section5"](net, X, y, eps=0.1)
    assert s5["lambda_max"] == pytest.approx(lam_ref, rel=1e-13)
    assert s5["power_method"] == pytest.approx(lam_ref, rel=1e-11)
    hist = np.array(s5["power_history"])
    # the power method's Rayleigh quotients on a PSD H rise towards lambda_max
    assert np.all(np.diff(hist) >= -1e-12 * lam_ref) and hist[0] < 0.5 * lam_ref
    assert len(hist) < 50
    # section 5: one step at lr multiplies the error along u_1 by 1 - lr lambda_max exactly
    for lr_lam, factor in s5["one_step"].items():
        assert factor == pytest.approx(1 - lr_lam, abs=1e-9)


@pytest.mark.parametrize("c", [0.9, 1.1])
def test_linear_unit_descent_is_the_closed_form(unit, c):
    ex, net, X, y, H, theta, J_min = unit
    w, U = np.linalg.eigh(H)
    lr = c * 2 / w[-1]
    e0 = 0.1 * (U[:, -1] + U[:, 0] + U[:, 1])
    before = net.params.copy()
    got = ex["descent_losses"](net, X, y, lr, 60, theta + e0) - J_min
    M, e, want = np.eye(3) - lr * H, e0.copy(), []
    for _ in range(61):
        want.append(0.5 * e @ H @ e)
        e = M @ e
    want = np.array(want)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-13)
    np.testing.assert_array_equal(net.params, before)  # left where it was
    if c < 1:  # converges: every |1 - lr lambda_i| < 1
        assert got[-1] < 1e-5 * got[0] and np.all(np.diff(got) < 0)
    else:  # diverges: the excess grows by (1 - 2.2)^2 = 1.44 a step along u_1
        assert got[-1] > 1e6 * got[0]
        np.testing.assert_allclose(got[-1] / got[-2], 1.2**2, rtol=1e-6)


def test_tanh_net_is_at_a_strict_minimum_and_lambda_max_is_the_hessians(tanh):
    ex, net, X, y = tanh
    assert np.abs(net.loss_and_grad(X, y)[1]).max() < 1e-8
    ev = np.linalg.eigvalsh(_fd_hessian(net, X, y))
    assert ev[0] > 1e-3  # positive definite: a strict minimum
    s5 = ex["section5"](net, X, y, eps=0.01)
    assert s5["lambda_max"] == pytest.approx(ev[-1], rel=1e-7)
    assert s5["power_method"] == pytest.approx(ev[-1], rel=1e-7)
    J09, J11 = s5["excess"][0.9], s5["excess"][1.1]
    assert J09[-1] < 1e-2 * J09[0] and np.all(np.diff(J09) < 0)
    assert J11[10] > 10 * J11[0] and J11[-1] > J11[0]
    for lr_lam, factor in s5["one_step"].items():  # the quadratic's 1 - lr lambda, nearly
        assert factor == pytest.approx(1 - lr_lam, abs=1e-3)


def test_tanh_net_threshold_tends_to_two_over_lambda_max(tanh):
    ex, net, X, y = tanh
    c3, c2, c1 = (ex["critical_factor"](net, X, y, eps=e) for e in (1e-3, 1e-2, 1e-1))
    assert abs(c3 - 1) < 2e-4 and abs(c2 - 1) < 3e-3  # the quadratic's c = 1
    assert c1 > 1.02  # farther out the cubic terms move it
