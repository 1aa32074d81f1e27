"""chainrule.hessian_eigenvalues and hessian_trace against independent references: the
eigenvalues of the whole Hessian by central differences of the gradient
(np.linalg.eigvalsh), of the Hessian stacked from H e_i, and of
torch.autograd.functional.hessian; Hutchinson's mean against z^T H z written in NumPy."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import mlp
from chainrule.hessian import (
    TraceEstimate,
    hessian_eigenvalues,
    hessian_trace,
    hessian_vector_products,
)

RNG = np.random.default_rng(33)
X = RNG.normal(size=(12, 3))
Y = RNG.normal(size=(12, 2))


def _net():
    """A 3-4-2 tanh net (26 parameters) with weight decay: H has eigenvalues of both signs."""
    return mlp([3, 4, 2], hidden="tanh", seed=7, weight_decay=0.01)


def _fd_hessian(net, X, y, eps=1e-5):
    """The whole Hessian by central differences of chainrule's gradient, symmetrised."""
    theta, n = net.params.copy(), net.n_params
    H = np.empty((n, n))
    for i in range(n):
        net.params[:] = theta
        net.params[i] += eps
        gp = net.loss_and_grad(X, y)[1].copy()
        net.params[i] -= 2 * eps
        gm = net.loss_and_grad(X, y)[1].copy()
        H[:, i] = (gp - gm) / (2 * eps)
    net.params[:] = theta
    return (H + H.T) / 2


@pytest.mark.parametrize("which", ["LA", "SA", "LM"])
def test_eigenvalues_match_eigvalsh_of_the_whole_hessian(which):
    net = _net()
    n = net.n_params
    H = hessian_vector_products(net, X, Y, np.eye(n))
    ref = np.linalg.eigvalsh((H + H.T) / 2)  # ascending
    ref_fd = np.linalg.eigvalsh(_fd_hessian(net, X, Y))
    assert ref[0] < 0 < ref[-1]  # an indefinite H: "LA", "SA", "LM" differ
    k = 4
    want = {"LA": ref[::-1][:k], "SA": ref[:k],
            "LM": ref[np.argsort(-np.abs(ref))][:k]}[which]
    want_fd = {"LA": ref_fd[::-1][:k], "SA": ref_fd[:k],
               "LM": ref_fd[np.argsort(-np.abs(ref_fd))][:k]}[which]
    vals, vecs = hessian_eigenvalues(net, X, Y, k=k, which=which, return_eigenvectors=True)
    assert vals.shape == (k,) and vecs.shape == (n, k)
    np.testing.assert_allclose(vals, want, rtol=0, atol=1e-10 * np.abs(ref).max())
    np.testing.assert_allclose(vals, want_fd, rtol=0, atol=1e-8)
    # unit eigenvectors: H u = lambda u, checked with the stacked H
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=0), 1.0, atol=1e-12)
    np.testing.assert_allclose(H @ vecs, vecs * vals, atol=1e-9)
    # the network is where it was, and a second call repeats the first exactly (seeded v0)
    np.testing.assert_array_equal(hessian_eigenvalues(net, X, Y, k=k, which=which), vals)


def test_largest_eigenvalue_matches_torch_autograd_hessian():
    torch = pytest.importorskip("torch")
    net = _net()
    W1, b1, W2, b2 = (torch.from_numpy(a.copy()) for a in (
        net.layers[0].W, net.layers[0].b, net.layers[1].W, net.layers[1].b))
    shapes = [W1.shape, b1.shape, W2.shape, b2.shape]
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)

    def cost(theta):  # J = 1/(2m) sum |a - y|^2 + lambda/2 sum W^2, written out in torch
        parts, off = [], 0
        for s in shapes:
            size = int(np.prod(s))
            parts.append(theta[off:off + size].reshape(s))
            off += size
        w1, c1, w2, c2 = parts
        a = torch.tanh(Xt @ w1 + c1) @ w2 + c2
        return 0.5 * ((a - Yt) ** 2).sum() / len(Xt) + 0.005 * ((w1**2).sum() + (w2**2).sum())

    theta = torch.cat([p.reshape(-1) for p in (W1, b1, W2, b2)])
    ref = np.linalg.eigvalsh(torch.autograd.functional.hessian(cost, theta).numpy())
    vals = hessian_eigenvalues(net, X, Y, k=3)
    np.testing.assert_allclose(vals, ref[::-1][:3], rtol=1e-10)
    np.testing.assert_allclose(hessian_eigenvalues(net, X, Y, which="SA"), ref[:1], rtol=1e-9)


def test_gauss_newton_eigenvalues_are_those_of_g_and_nonnegative():
    net = _net()
    G = hessian_vector_products(net, X, Y, np.eye(net.n_params), gauss_newton=True)
    ref = np.linalg.eigvalsh((G + G.T) / 2)
    vals = hessian_eigenvalues(net, X, Y, k=2, gauss_newton=True)
    np.testing.assert_allclose(vals, ref[::-1][:2], rtol=1e-10)
    assert hessian_eigenvalues(net, X, Y, which="SA", gauss_newton=True)[0] > -1e-12


def test_float32_network_and_sample_weights():
    net = _net()
    w = RNG.integers(1, 4, size=12).astype(float)
    Xr, Yr = np.repeat(X, w.astype(int), axis=0), np.repeat(Y, w.astype(int), axis=0)
    # integer sample weights = the rows repeated (the cost's definition), so the same H
    ref = np.linalg.eigvalsh(_fd_hessian(net, Xr, Yr))[::-1][:2]
    np.testing.assert_allclose(hessian_eigenvalues(net, X, Y, k=2, sample_weight=w), ref,
                               atol=1e-8)
    got32 = hessian_eigenvalues(net.astype("float32"), X, Y, k=2, sample_weight=w)
    assert got32.dtype == np.float64
    np.testing.assert_allclose(got32, ref, rtol=1e-4)


def test_hutchinson_trace_mean_is_that_of_z_h_z_and_near_the_trace():
    net = _net()
    n = net.n_params
    H = _fd_hessian(net, X, Y)
    est = hessian_trace(net, X, Y, n_probes=400, seed=5)
    assert isinstance(est, TraceEstimate) and est.n_probes == 400
    Z = np.random.default_rng(5).choice([-1.0, 1.0], size=(400, n))  # the documented probes
    q = np.einsum("pi,ij,pj->p", Z, H, Z)
    np.testing.assert_allclose(est.trace, q.mean(), rtol=1e-8)
    np.testing.assert_allclose(est.stderr, q.std(ddof=1) / 20, rtol=1e-6)
    # Var(z^T H z) = 2 (||H||_F^2 - sum H_ii^2) for Rademacher z: the stderr is right-sized
    np.testing.assert_allclose(est.stderr, np.sqrt(2 * (np.sum(H**2) - np.sum(np.diag(H)**2))
                                                   / 400), rtol=0.15)
    assert abs(est.trace - np.trace(H)) < 3 * est.stderr


def test_public_names():
    assert chainrule.hessian_eigenvalues is hessian_eigenvalues
    assert chainrule.hessian_trace is hessian_trace


@pytest.mark.parametrize(("kwargs", "error", "message"), [
    ({"k": 0}, ValueError, r"^k: expected an integer from 1 to 25 \(network.n_params - 1: "
                           r"ARPACK's limit; for all 26 eigenvalues use np.linalg.eigvalsh"),
    ({"k": 26}, ValueError, r"^k: expected an integer from 1 to 25 .* got 26$"),
    ({"k": 2.0}, TypeError, r"^k: expected an integer, got float 2.0$"),
    ({"k": True}, TypeError, r"^k: expected an integer, got bool True$"),
    ({"which": "BE"}, ValueError, r"^which: expected one of 'LA', 'SA', 'LM', got 'BE'$"),
    ({"tol": -1.0}, ValueError, r"^tol: expected a finite number >= 0, got -1.0$"),
    ({"maxiter": 0}, ValueError, r"^maxiter: expected an integer from 1 to"),
])
def test_refuses_bad_arguments_naming_them(kwargs, error, message):
    with pytest.raises(error, match=message):
        hessian_eigenvalues(_net(), X, Y, **kwargs)


def test_refuses_a_network_it_does_not_cover_and_bad_probes():
    with pytest.raises(TypeError, match=r"^network: expected a chainrule Network, got list$"):
        hessian_eigenvalues([], X, Y)
    with pytest.raises(ValueError, match=r"^hessian_eigenvalues: the output 'identity' with "
                                         r"loss 'huber' has no second-order path"):
        hessian_eigenvalues(mlp([3, 2], loss="huber"), X, Y)
    with pytest.raises(ValueError, match=r"^n_probes: expected an integer from 2 to"):
        hessian_trace(_net(), X, Y, n_probes=1)


def test_arpack_that_does_not_converge_is_a_clear_error():
    with pytest.raises(RuntimeError, match=r"^hessian_eigenvalues: ARPACK did not converge "
                                           r"\(.*\); raise maxiter or tol"):
        hessian_eigenvalues(_net(), X, Y, k=4, which="SA", maxiter=1)
