"""chainrule.minimize with SciPy's second-order methods (Newton-CG, trust-ncg, trust-krylov),
given the exact Hessian-vector product: they reach L-BFGS-B's cost or better, report their
Hessian products, keep frozen parameters, and refuse networks without an exact H v."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import mlp
from chainrule._scipy_fit_newton import make_hessp
from chainrule.hessian import hessian_vector_product

RNG = np.random.default_rng(1)
X = RNG.normal(size=(80, 3))
Y = np.sin(X @ np.array([1.0, -0.5, 0.3]))[:, None] + 0.05 * RNG.normal(size=(80, 1))


def _net():
    return mlp([3, 6, 1], hidden="tanh", seed=0, weight_decay=1e-3)


@pytest.fixture(scope="module")
def lbfgs_cost():
    """L-BFGS-B run to its own convergence (tight tolerances, many iterations)."""
    r = chainrule.minimize(_net(), X, Y, maxiter=5000, options={"gtol": 1e-10, "ftol": 1e-15})
    assert r.success
    return r.fun


@pytest.mark.parametrize(("method", "options"), [
    ("newton-cg", {"xtol": 1e-10}), ("Trust-NCG", {"gtol": 1e-9}),
    ("trust-krylov", {"gtol": 1e-8}),  # (1e-9: near its rounding, it may stall there)
])
def test_second_order_methods_reach_the_lbfgs_cost(method, options, lbfgs_cost):
    net = _net()
    r = chainrule.minimize(net, X, Y, method=method, maxiter=300, options=options)
    # the same minimum from the same start, to 1e-7 of the cost (L-BFGS-B: ~960 iterations
    # there; these: ~80 iterations and ~1000 Hessian-vector products).  Where Newton-CG
    # stops depends on the BLAS kernels' rounding: below 1e-8 on an Intel Xeon, 1.75e-8
    # above (max |grad| 1e-7) with OpenBLAS's Haswell kernels on an AMD EPYC, 1.4e-8 with
    # its Sandybridge ones: each a stationary point to that rounding (the gradient below)
    assert r.fun <= lbfgs_cost * (1 + 1e-7)
    assert r.nhev > 0 and 0 < r.nit <= 300 and r.nfev > 0  # SciPy's counts, reported
    assert len(r.loss_curve) == r.nit
    J, grad = net.loss_and_grad(X, Y)  # the network holds result.x, a stationary point
    assert J == pytest.approx(r.fun, rel=1e-12)
    assert np.abs(grad).max() < 1e-6


@pytest.fixture(scope="module")
def softmax_problem():
    labels = (X[:, 0] + X[:, 1] ** 2 > 0.5).astype(int) + (X[:, 2] > 0.8)
    sw = RNG.random(80) + 0.5

    def fit(method):
        net = mlp([3, 4, 3], hidden="softplus", output="softmax", seed=1, weight_decay=0.01,
                  decay="per_sample")
        return chainrule.minimize(net, X, labels, method=method, maxiter=400, sample_weight=sw)

    return fit, fit("L-BFGS-B").fun


@pytest.mark.parametrize("method", ["Newton-CG", "trust-ncg", "trust-krylov"])
def test_on_a_nearly_separable_softmax_fit_they_go_below_lbfgs(method, softmax_problem):
    """Weighted softmax with weak decay: L-BFGS-B's 400 iterations end at a cost ~0.063;
    each second-order method converges (success, in < 150 iterations) below it (~0.043)."""
    fit, lbfgs = softmax_problem
    r = fit(method)
    assert r.success, r.message
    assert r.nit < 150
    assert r.fun < lbfgs


def test_hessp_is_h_restricted_to_the_trainable_parameters():
    """With the first layer frozen, SciPy's hessp(theta, p) is H[keep][:, keep] p: the exact
    product with p put at the trainable entries (zeros at the frozen), read there."""
    net = _net()
    net.layers[0].trainable = False
    keep = np.zeros(net.n_params, dtype=bool)
    keep[net.layers[0].W.size + net.layers[0].b.size:] = True
    hessp = make_hessp(net, X, Y, None, keep)
    theta = net.params[keep] + 0.1
    p = RNG.normal(size=keep.sum())
    ours = hessp(theta, p)
    full = np.zeros(net.n_params)
    full[keep] = p
    expected = hessian_vector_product(net, X, Y, full)[keep]  # net holds theta now
    np.testing.assert_allclose(ours, expected, rtol=1e-14, atol=1e-15)
    assert ours.dtype == np.float64 and ours.shape == (keep.sum(),)
    # the passes at theta are kept: a second product there, with the net moved away
    net.params[...] = 0.0
    np.testing.assert_allclose(hessp(theta, 2 * p), 2 * ours, rtol=1e-14, atol=1e-15)


def test_frozen_parameters_stay_with_trust_ncg():
    net = _net()
    net.layers[0].trainable = False
    W0 = net.layers[0].W.copy()
    r = chainrule.minimize(net, X, Y, method="trust-ncg", maxiter=100)
    np.testing.assert_array_equal(net.layers[0].W, W0)
    assert r.x.shape == (net.n_params,)
    assert r.fun < chainrule.mlp([3, 6, 1], hidden="tanh", seed=0).loss_value(X, Y)


def test_a_network_without_exact_hv_is_refused_before_scipy_starts():
    net = mlp([3, 4, 1], hidden="tanh", loss="huber", seed=0)
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"^method='newton-cg': the output 'identity' with loss "
                                         r"'huber' has no second-order path here"):
        chainrule.minimize(net, X, Y, method="newton-cg")
    np.testing.assert_array_equal(net.params, before)


def test_the_autoencoders_still_refuse_the_second_order_names():
    """They have no Hessian-vector product: their method stays a first-order one."""
    with pytest.raises(ValueError, match=r"^method: unknown method 'newton-cg'"):
        chainrule.SoftmaxRegression(method="newton-cg").fit(X, (X[:, 0] > 0).astype(int))


def test_sparse_x_gives_the_dense_fit():
    """A CSR X goes whole to the first Dense layer in the R-passes too (X @ V, X.T @ R{delta})."""
    scipy_sparse = pytest.importorskip("scipy.sparse")
    rng = np.random.default_rng(3)
    Xz = np.where(rng.random((60, 8)) < 0.6, 0.0, rng.random((60, 8)))
    labels = rng.integers(0, 3, 60)
    fits = []
    for data in (Xz, scipy_sparse.csr_matrix(Xz)):
        net = mlp([8, 5, 3], hidden="tanh", output="softmax", seed=0, weight_decay=0.01)
        fits.append(chainrule.minimize(net, data, labels, method="trust-ncg", maxiter=100,
                                       options={"gtol": 1e-10}))
    assert fits[0].success and fits[1].success
    # the same minimum: the products' sums are ordered otherwise, so the steps differ in
    # their last bits, which the line of iterates carries to ~1e-7 near the end
    np.testing.assert_allclose(fits[1].x, fits[0].x, rtol=1e-6, atol=1e-6)
    assert fits[1].fun == pytest.approx(fits[0].fun, rel=1e-9)
