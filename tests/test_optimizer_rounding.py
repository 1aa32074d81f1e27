"""Adam, RMSProp and the L2 gradient in fewer passes, against the formulas in float64.

Adam folds its bias corrections into two scalars (``m / (sqrt(v) + eps sqrt(1 - b2^t))``
times ``lr sqrt(1 - b2^t) / (1 - b1^t)``) and, within the training loop, updates its
moments and the parameters with BLAS ``scal``/``axpy``; the L2 cost's gradient is
one ``axpy`` per weight slice there.  These tests hold every step to the textbook
formulas, computed here in float64 from the step's own inputs, within a few units
in the last place of the dtype the optimizer runs in, over many steps: both places
of ``eps``, with and without decoupled weight decay, and a learning rate changed
between steps as a schedule does.
"""

from __future__ import annotations

import contextlib
import math

import numpy as np
import pytest

import chainrule
from chainrule._threads import scipy_blas_single_thread
from chainrule.optimizers import Adam, RMSProp, _blas_updates

N, STEPS = 300, 120
DECAY = [slice(0, 120), slice(150, 280)]  # the "weights"; the rest are not decayed


def _gradients(dtype, rng):
    """Gradients of mixed scales and signs, with coordinates that stay exactly 0 (dead
    units: m = v = 0, the direction 0) and a few that change sign often."""
    scale = 10.0 ** rng.uniform(-4, 2, size=N)
    scale[:10] = 0.0
    return [(rng.normal(size=N) * scale).astype(dtype) for _ in range(STEPS)]


def _lr(t):
    """A rate changed before every step: warm-up then a cosine decay (as schedules set)."""
    return 0.01 * min(1.0, t / 10) * (0.5 + 0.5 * math.cos(math.pi * t / (2 * STEPS)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
@pytest.mark.parametrize("eps_on", ["v_hat", "v"])
@pytest.mark.parametrize("wd", [0.0, 0.01])
def test_adam_steps_equal_algorithm_1_within_a_few_ulp(dtype, blas, eps_on, wd):
    rng = np.random.default_rng(7)
    b1, b2, eps = 0.9, 0.999, 1e-3  # a large eps, so that its place matters
    opt = Adam(lr=0.01, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, eps_on=eps_on)
    w = rng.normal(size=N).astype(dtype)
    keep = np.ones(N)
    for s in DECAY:
        keep[s] = 1.0 - wd
    tol = 4 * np.finfo(dtype).eps
    with _blas_updates(opt) if blas else contextlib.nullcontext():
        for t, g in enumerate(_gradients(dtype, rng), start=1):
            opt.lr = _lr(t)
            decayed = w.copy()  # what the decay alone gives, in the dtype
            for s in DECAY:
                decayed[s] *= 1.0 - wd
            m0 = opt.state["m"].astype(np.float64) if "m" in opt.state else np.zeros(N)
            v0 = opt.state["v"].astype(np.float64) if "v" in opt.state else np.zeros(N)
            w0, g64 = w.astype(np.float64), g.astype(np.float64)
            opt.step(w, g, DECAY)
            assert w.dtype == dtype and opt.t == t
            # the moments: b m + (1 - b) g, bounded by the size of the two terms added
            m, v = opt.state["m"].astype(np.float64), opt.state["v"].astype(np.float64)
            np.testing.assert_array_less(
                np.abs(m - (b1 * m0 + (1 - b1) * g64)),
                tol * (b1 * np.abs(m0) + (1 - b1) * np.abs(g64)) + 1e-300)
            np.testing.assert_array_less(
                np.abs(v - (b2 * v0 + (1 - b2) * g64**2)),
                tol * (b2 * v0 + (1 - b2) * g64**2) + 1e-300)
            # the step from these moments, as Algorithm 1 writes it
            m_hat, v_hat = m / (1 - b1**t), v / (1 - b2**t)
            if eps_on == "v_hat":
                update = m_hat / (np.sqrt(v_hat) + eps)
            else:  # the "efficient" form: eps on sqrt(v)
                update = math.sqrt(1 - b2**t) / (1 - b1**t) * m / (np.sqrt(v) + eps)
            expected = keep * w0 - _lr(t) * update
            np.testing.assert_array_less(
                np.abs(w - expected), tol * (np.abs(keep * w0) + np.abs(_lr(t) * update)))
            np.testing.assert_array_equal(w[:10], decayed[:10])  # no gradient: decay only


@pytest.mark.parametrize("eps_on", ["v_hat", "v"])
@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_adam_float64_trajectory_equals_the_plain_formulas(eps_on, blas):
    """120 steps in float64 stay within 1e-12 of the formulas run alone (no drift)."""
    rng = np.random.default_rng(8)
    b1, b2, eps, wd = 0.85, 0.99, 1e-6, 0.003
    opt = Adam(lr=0.01, beta1=b1, beta2=b2, eps=eps, weight_decay=wd, eps_on=eps_on)
    w = rng.normal(size=N)
    ref, m, v = w.copy(), np.zeros(N), np.zeros(N)
    with _blas_updates(opt) if blas else contextlib.nullcontext():
        for t, g in enumerate(_gradients(np.float64, rng), start=1):
            opt.lr = _lr(t)
            opt.step(w, g)
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            c1, c2 = 1 - b1**t, 1 - b2**t
            if eps_on == "v_hat":
                ref = ref - _lr(t) * (m / c1) / (np.sqrt(v / c2) + eps) - wd * ref
            else:
                ref = ref - _lr(t) * math.sqrt(c2) / c1 * m / (np.sqrt(v) + eps) - wd * ref
    np.testing.assert_allclose(w, ref, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_rmsprop_steps_equal_the_formula_within_a_few_ulp(dtype, blas):
    rng = np.random.default_rng(9)
    rho, eps = 0.9, 1e-6
    opt = RMSProp(lr=0.01, rho=rho, eps=eps)
    w = rng.normal(size=N).astype(dtype)
    tol = 4 * np.finfo(dtype).eps
    with _blas_updates(opt) if blas else contextlib.nullcontext():
        for t, g in enumerate(_gradients(dtype, rng), start=1):
            opt.lr = _lr(t)
            s0 = opt.state["mean_sq"].astype(np.float64) if opt.state else np.zeros(N)
            w0, g64 = w.astype(np.float64), g.astype(np.float64)
            opt.step(w, g)
            s = opt.state["mean_sq"].astype(np.float64)
            np.testing.assert_array_less(np.abs(s - (rho * s0 + (1 - rho) * g64**2)),
                                         tol * (rho * s0 + (1 - rho) * g64**2) + 1e-300)
            update = _lr(t) * g64 / (np.sqrt(s) + eps)
            np.testing.assert_array_less(np.abs(w - (w0 - update)),
                                         tol * (np.abs(w0) + np.abs(update)))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_l2_gradient_is_the_data_gradient_plus_c_w(dtype, blas, rng):
    """With ``weight_decay`` (the L2 cost) the gradient is the data term's plus ``c W`` on the
    weights (``c = lambda / m`` per sample) and the data term's alone elsewhere; within a
    BLAS workspace (the training loop's) that sum is one axpy, within one ulp."""
    X = rng.normal(size=(16, 5)).astype(dtype)
    y = rng.integers(0, 3, 16)
    net = chainrule.mlp([5, 7, 3], hidden="relu", output="softmax", seed=1, dtype=dtype)
    Y = net.prepare_targets(y, 16)
    with net._workspace(blas=blas):  # the data term by the same path, without the decay
        data_grad = net._loss_and_grad(X, Y, False)[1].astype(np.float64)
    net.weight_decay = 0.3
    lam = 0.3 / 16 if net.decay == "per_sample" else 0.3
    expected = data_grad.copy()
    for s in net._decay_slices:
        expected[s] += lam * net.params[s].astype(np.float64)
    with scipy_blas_single_thread(), net._workspace(blas=blas):
        assert net._blas is blas
        _, grad = net._loss_and_grad(X, Y, False)
        grad = grad.astype(np.float64)
    assert "_blas" not in vars(net) and net._blas is False  # nothing left on the network
    # two roundings of the sum at most (one of c W, one of the addition)
    bound = 2 * np.finfo(dtype).eps * (np.abs(data_grad) + np.abs(expected - data_grad))
    np.testing.assert_array_less(np.abs(grad - expected), bound + 1e-300)
    weights = np.zeros(net.n_params, dtype=bool)
    for s in net._decay_slices:
        weights[s] = True
    np.testing.assert_array_equal(grad[~weights], data_grad[~weights])  # biases: no term


@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_rmsprop_mean_square_does_not_overflow_before_the_formula_does(blas):
    """Before: s <- rho s + (1 - rho) g^2 squared g first, so float32 gradients of 2e19 or 3e19
    (g^2 = 9e38, past float32's 3.4e38, where (1 - rho) g^2 = 9e37 is not) put inf in s and
    froze their parameters for good (w stayed 0, g / inf); float64 by hand moves them."""
    rho, eps, lr = 0.9, 1e-8, 0.01
    g = np.array([3e19, -2e19, 1.0, -2.0], dtype=np.float32)
    opt = RMSProp(lr=lr, rho=rho, eps=eps)
    w = np.zeros(4, dtype=np.float32)
    s_ref, w_ref, g64 = np.zeros(4), np.zeros(4), g.astype(np.float64)
    with _blas_updates(opt) if blas else contextlib.nullcontext():
        for _ in range(3):
            opt.step(w, g)
            s_ref = rho * s_ref + (1 - rho) * g64 * g64
            w_ref = w_ref - lr * g64 / (np.sqrt(s_ref) + eps)
    assert np.isfinite(opt.state["mean_sq"]).all()
    np.testing.assert_allclose(opt.state["mean_sq"], s_ref, rtol=1e-6)
    np.testing.assert_allclose(w, w_ref, rtol=1e-6)
    assert abs(w[0] - (-0.0737738)) < 1e-6  # -lr (1/sqrt(0.1) + 1/sqrt(0.19) + 1/sqrt(0.271))


@pytest.mark.parametrize("blas", [False, True], ids=["numpy", "blas"])
def test_adam_second_moment_does_not_overflow_before_the_formula_does(blas):
    """Before: v <- b2 v + (1 - b2) g^2 squared g first, so float32 gradients from 1.8e19
    (g^2 past float32's 3.4e38, where (1 - b2) g^2 = 9e35 for g = 3e19 is not) put inf in v
    and froze their parameters for good (w stayed 0, m / inf); float64 by hand moves them
    by lr per step (m_hat / sqrt(v_hat) = sign(g) for a constant gradient)."""
    b1, b2, eps, lr = 0.9, 0.999, 1e-8, 0.01
    g = np.array([3e19, -2e19, 1e20, 1.0, -2.0], dtype=np.float32)
    opt = Adam(lr=lr, beta1=b1, beta2=b2, eps=eps)
    w = np.zeros(5, dtype=np.float32)
    m, v, w_ref, g64 = np.zeros(5), np.zeros(5), np.zeros(5), g.astype(np.float64)
    with _blas_updates(opt) if blas else contextlib.nullcontext():
        for t in range(1, 4):
            opt.step(w, g)
            m = b1 * m + (1 - b1) * g64
            v = b2 * v + (1 - b2) * g64 * g64
            w_ref = w_ref - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    assert np.isfinite(opt.state["v"]).all()
    np.testing.assert_allclose(opt.state["v"], v, rtol=1e-6)
    np.testing.assert_allclose(w, w_ref, rtol=1e-6)
    np.testing.assert_allclose(w[:3], [-0.03, 0.03, -0.03], rtol=1e-6)  # 3 steps of lr


def test_adam_huge_float32_gradients_step_as_torch_does():
    """PyTorch's Adam in float32 takes these steps too (it scales before squaring); at 4e20
    both overflow alike in the third step (v = 1.6e38, 3.2e38, then past float32's 3.4e38),
    where v itself cannot hold the running mean, and stop after two steps."""
    torch = pytest.importorskip("torch")
    g = np.array([3e19, -2e19, 1e20, 4e20, 1.0], dtype=np.float32)
    opt = Adam(lr=0.01)
    w = np.ones(5, dtype=np.float32)
    p = torch.ones(5, dtype=torch.float32, requires_grad=True)
    ref = torch.optim.Adam([p], lr=0.01)
    for _ in range(3):
        with np.errstate(over="ignore"):  # the 4e20 coordinate's v, as in PyTorch
            opt.step(w, g)
        p.grad = torch.from_numpy(g.copy())
        ref.step()
    np.testing.assert_allclose(w, p.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(w[:4], [0.97, 1.03, 0.97, 0.98], rtol=1e-6)
