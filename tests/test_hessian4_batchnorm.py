"""Exact H v and G v through BatchNorm (hessian4): the training-mode cost, each BatchNorm
normalising with the batch's mean and biased variance, after a Dense layer (rows) and after
a Conv2D (per channel), gamma and beta trainable or frozen.  References: central differences
of chainrule's own training-mode gradient (``Network.cost(training=True)``), PyTorch's
double backward through ``torch.nn.BatchNorm1d`` / ``BatchNorm2d`` in training mode with the
same weights in float64, and ``J^T H_out J v`` from PyTorch's jvp and vjp; the running
statistics left bit for bit; ``H`` symmetric.  Then ``chainrule hessian`` on a BatchNorm
model file, ``minimize``'s and the estimators' second-order solvers on BatchNorm networks
(against SciPy's L-BFGS-B on the same training-mode cost), and the refusals that remain."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
import scipy.optimize

import chainrule
from chainrule import BatchNorm, Conv2D, Dense, Flatten, MLPClassifier, Network
from chainrule._scipy_fit_newton import make_hessp
from chainrule.hessian import (
    gauss_newton_vector_product,
    hessian_vector_product,
    hessian_vector_products,
)
from chainrule.saved_model import SavedModel
from file_helpers import cli_out


def _dense_softmax():
    return Network([Dense(3, 4, "identity", seed=1), BatchNorm(4, activation="tanh"),
                    Dense(4, 3, "softmax", seed=2)], loss="cross_entropy", weight_decay=0.05)


def _dense_squared():  # a BatchNorm first, one after a sigmoid Dense, an identity output
    return Network([BatchNorm(3, activation="softplus"), Dense(3, 4, "sigmoid", seed=1),
                    BatchNorm(4, activation="gelu"), Dense(4, 2, "identity", seed=2)],
                   loss="squared_error")


def _conv():
    return Network([Conv2D(1, 2, 3, activation="identity", seed=1),
                    BatchNorm(2, activation="softplus"), Flatten(),
                    Dense(2 * 4 * 4, 3, "softmax", seed=2)], loss="cross_entropy",
                   input_shape=(1, 6, 6), weight_decay=0.02)


def _conv_frozen():  # gamma and beta frozen (H is still over every parameter)
    net = _conv()
    net.layers[1].trainable = False
    return net


NETS = {"dense_softmax": _dense_softmax, "dense_squared": _dense_squared, "conv": _conv,
        "conv_frozen": _conv_frozen}


def _problem(name, seed=0):
    """The network with gamma, beta and the running statistics moved off their starts, and
    its data (X, y, sample weights)."""
    rng = np.random.default_rng(seed)
    net = NETS[name]()
    for layer in net.layers:
        if isinstance(layer, BatchNorm):
            layer.gamma = rng.uniform(0.6, 1.4, layer.n_in)
            layer.beta = rng.normal(scale=0.3, size=layer.n_in)
            layer.running_mean = rng.normal(size=layer.n_in)
            layer.running_var = rng.uniform(0.5, 2.0, layer.n_in)
    m = 6 if name.startswith("conv") else 12
    X = rng.normal(size=(m, 1, 6, 6) if name.startswith("conv") else (m, 3))
    k = net.layers[-1].n_out
    y = rng.integers(0, k, m) if net.loss.name == "cross_entropy" else rng.normal(size=(m, k))
    w = rng.uniform(0.2, 2.0, m)
    return net, X, y, w


def _training_grad(net, X, y, w):
    return lambda theta: net.cost(theta, X, y, training=True, sample_weight=w)[1]


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", NETS)
def test_hv_is_the_central_difference_of_the_training_mode_gradient(name, weighted):
    net, X, y, w = _problem(name)
    w = w if weighted else None
    rng = np.random.default_rng(1)
    theta, grad = net.params.copy(), _training_grad(net, X, y, w)
    for _ in range(2):
        v = rng.normal(size=net.n_params)
        hv = hessian_vector_product(net, X, y, v, sample_weight=w)
        eps = 1e-6
        fd = (grad(theta + eps * v) - grad(theta - eps * v)) / (2 * eps)
        scale = np.abs(fd).max()
        assert scale > 1e-2
        np.testing.assert_allclose(hv, fd, rtol=0, atol=1e-7 * scale)
    # the products are not those of the evaluation-mode cost (running statistics)
    fd_eval = (net.cost(theta + eps * v, X, y, sample_weight=w)[1]
               - net.cost(theta - eps * v, X, y, sample_weight=w)[1]) / (2 * eps)
    assert np.abs(fd_eval - hv).max() > 1e-3 * scale


def test_running_statistics_params_and_forward_are_left_bit_for_bit():
    net, X, y, _ = _problem("dense_squared")
    norms = [layer for layer in net.layers if isinstance(layer, BatchNorm)]
    before = [(b.running_mean.copy(), b.running_var.copy()) for b in norms]
    theta, out = net.params.copy(), net.predict(X)
    v = np.random.default_rng(2).normal(size=net.n_params)
    hessian_vector_product(net, X, y, v)
    gauss_newton_vector_product(net, X, y, v)
    chainrule.hessian_eigenvalues(net, X, y, k=2)
    for b, (mean, var) in zip(norms, before, strict=True):
        assert np.array_equal(b.running_mean, mean) and np.array_equal(b.running_var, var)
    assert np.array_equal(net.params, theta)
    assert "_forward" not in net.__dict__  # Network._forward again: evaluation mode
    assert np.array_equal(net.predict(X), out)


@pytest.mark.parametrize("name", NETS)
def test_h_and_g_are_symmetric(name):
    net, X, y, w = _problem(name)
    rng = np.random.default_rng(3)
    u, v = rng.normal(size=(2, net.n_params))
    for product in (hessian_vector_product, gauss_newton_vector_product):
        hu, hv = product(net, X, y, u, sample_weight=w), product(net, X, y, v, sample_weight=w)
        assert abs(u @ hv - v @ hu) < 1e-11 * max(1.0, abs(u @ hv))
    H = hessian_vector_products(net, X, y, np.eye(net.n_params))
    np.testing.assert_allclose(H, H.T, rtol=0, atol=1e-11 * np.abs(H).max())


# -- PyTorch: double backward through torch.nn.BatchNorm1d / BatchNorm2d in training mode --
torch_activations = {"tanh": "tanh", "sigmoid": "sigmoid", "softplus": "softplus",
                     "gelu": "gelu", "identity": None}


def _torch_model(net, X):
    """``theta -> (net input of the output layer, weight decay)`` in torch, chainrule's
    layout (a Dense layer's W (in, out) then b, a Conv2D's W (out, in, kh, kw) then b, a
    BatchNorm's gamma then beta), each BatchNorm a torch.nn module in training mode."""
    torch = pytest.importorskip("torch")
    F = torch.nn.functional

    def run(theta):
        a, off, decay = torch.from_numpy(X), 0, 0.0

        def take(shape):
            nonlocal off
            size = int(np.prod(shape))
            part = theta[off:off + size].reshape(shape)
            off += size
            return part

        for i, layer in enumerate(net.layers):
            act = layer.activation.name if hasattr(layer, "activation") else None
            if isinstance(layer, Conv2D):
                W = take(layer.W.shape)
                a, decay = F.conv2d(a, W, take(layer.b.shape)), decay + (W ** 2).sum()
            elif isinstance(layer, Dense):
                W = take(layer.W.shape)
                a, decay = a @ W + take(layer.b.shape), decay + (W ** 2).sum()
            elif isinstance(layer, BatchNorm):
                cls = torch.nn.BatchNorm1d if a.ndim == 2 else torch.nn.BatchNorm2d
                module = cls(layer.n_in, eps=layer.eps, dtype=torch.float64).train()
                gamma, beta = take((layer.n_in,)), take((layer.n_in,))
                a = torch.func.functional_call(module, {"weight": gamma, "bias": beta}, (a,))
            else:
                assert isinstance(layer, Flatten)
                a = a.reshape(a.shape[0], -1)
            if i < len(net.layers) - 1 and torch_activations.get(act):
                a = getattr(F, torch_activations[act])(a)
        return a, 0.5 * net.weight_decay * decay

    return torch, run


def _torch_cost(net, y, w, z, decay, torch):
    wt = torch.from_numpy(np.ones(len(y)) if w is None else w)
    if net.loss.name == "cross_entropy":
        terms = torch.nn.functional.cross_entropy(z, torch.from_numpy(y), reduction="none")
    else:
        terms = 0.5 * ((z - torch.from_numpy(y)) ** 2).sum(dim=1)
    return (wt * terms).sum() / wt.sum() + decay


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("name", NETS)
def test_hv_and_gv_match_torch_double_backward(name, weighted):
    net, X, y, w = _problem(name)
    w = w if weighted else None
    torch, run = _torch_model(net, X)
    theta = torch.from_numpy(net.params.copy()).requires_grad_()
    z, decay = run(theta)
    J = _torch_cost(net, y, w, z, decay, torch)
    # the same cost: chainrule's training-mode J at these parameters
    J_ours, _ = net.cost(net.params, X, y, training=True, sample_weight=w)
    assert abs(J_ours - float(J.detach())) < 1e-12
    (g,) = torch.autograd.grad(J, theta, create_graph=True)
    rng = np.random.default_rng(4)
    for _ in range(2):
        v = rng.normal(size=net.n_params)
        vt = torch.from_numpy(v)
        (ref,) = torch.autograd.grad(g @ vt, theta, retain_graph=True)
        hv = hessian_vector_product(net, X, y, v, sample_weight=w)
        np.testing.assert_allclose(hv, ref.numpy(), rtol=0, atol=1e-9 * ref.abs().max().item())
        # G v = J^T H_out J v (+ the decay's c v): jvp, the loss's Hessian in z, vjp
        t0 = theta.detach()
        _, jv = torch.func.jvp(lambda t: run(t)[0], (t0,), (vt,))
        zt = run(t0)[0].detach()
        r = torch.from_numpy(np.ones(len(y)) if w is None else w)
        r = (r / r.sum())[:, None]
        if net.loss.name == "cross_entropy":
            p = torch.softmax(zt, dim=1)
            hout = r * (p * jv - p * (p * jv).sum(dim=1, keepdim=True))
        else:
            hout = r * jv
        _, pull = torch.func.vjp(lambda t: run(t)[0], t0)
        (gv_ref,) = pull(hout)
        (dv,) = torch.autograd.grad(run(theta)[1], theta, create_graph=True)
        if net.weight_decay:
            (decay_v,) = torch.autograd.grad(dv @ vt, theta)
            gv_ref = gv_ref + decay_v
        gv = gauss_newton_vector_product(net, X, y, v, sample_weight=w)
        np.testing.assert_allclose(gv, gv_ref.numpy(), rtol=0,
                                   atol=1e-9 * gv_ref.abs().max().item())


# -- chainrule hessian on a BatchNorm model file -------------------------------------------
def test_cli_hessian_of_a_batchnorm_model_is_of_the_training_mode_cost(tmp_path, capsys):
    rng = np.random.default_rng(5)
    X = rng.uniform(size=(16, 1, 4, 4))
    y = (X[:, 0, :2].mean(axis=(1, 2)) > X[:, 0, 2:].mean(axis=(1, 2))).astype(int)
    np.savez(tmp_path / "img.npz", X=X, y=y)
    (tmp_path / "cnn.json").write_text(json.dumps(
        [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1,
          "activation": "identity"}, {"type": "BatchNorm", "activation": "tanh"},
         {"type": "Flatten"}]))
    model = tmp_path / "cnn.npz"
    cli_out(capsys, ["train", tmp_path / "img.npz", "--layers", tmp_path / "cnn.json",
                     "--scale", "none", "--epochs", "2", "-q", "-o", model])
    out = json.loads(cli_out(capsys, ["hessian", model, tmp_path / "img.npz", "--k", "2",
                                      "--json"]))
    net = SavedModel.load(model).network
    assert out["batch_statistics"] is True
    # J and the gradient: the training-mode cost's (the running statistics are not used)
    J, grad = net.cost(net.params, X, y, training=True)
    assert out["J"] == pytest.approx(J, rel=1e-12)
    assert out["grad_norm"] == pytest.approx(np.linalg.norm(grad), rel=1e-10)
    assert abs(out["J"] - net.loss_value(X, y)) > 1e-6  # not the evaluation-mode J
    # the eigenvalues: eigvalsh of the Hessian stacked from central differences of it
    theta, n, eps = net.params.copy(), net.n_params, 1e-5
    H = np.empty((n, n))
    for i in range(n):
        e = np.zeros(n)
        e[i] = eps
        H[:, i] = (net.cost(theta + e, X, y, training=True)[1]
                   - net.cost(theta - e, X, y, training=True)[1]) / (2 * eps)
    ref = np.linalg.eigvalsh(0.5 * (H + H.T))[::-1][:2]
    np.testing.assert_allclose(out["eigenvalues"], ref, rtol=1e-6, atol=1e-7)
    text = cli_out(capsys, ["hessian", model, tmp_path / "img.npz"])
    assert ("BatchNorm layers normalise with this data's mean and variance (training mode), "
            "not their running statistics: J, the gradient and the Hessian are of that "
            "cost") in text


# -- minimize and the estimators: Newton-CG / trust-ncg on the training-mode cost ----------
def _lbfgs_on_training_cost(net, X, y, maxiter=300):
    """SciPy's L-BFGS-B on chainrule's training-mode cost: the reference end point."""
    res = scipy.optimize.minimize(lambda t: net.cost(t, X, y, training=True),
                                  net.params.astype(float), jac=True, method="L-BFGS-B",
                                  options={"maxiter": maxiter, "gtol": 1e-9, "ftol": 1e-15})
    return res.fun


def _iris_like(m=60, seed=6):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    y = (X[:, 0] + 0.5 * X[:, 1] ** 2 > 0.4).astype(int) + (X[:, 2] > 0.8)
    return X, y


@pytest.mark.parametrize("solver", ["newton-cg", "trust-ncg"])
def test_estimator_with_batchnorm_trains_full_batch_to_the_lbfgs_end_point(solver):
    """60 iterations: the training-mode cost goes down at every iteration and ends at or
    below that of SciPy's L-BFGS-B run for 60 iterations on that cost from the network after
    the first iteration."""
    X, y = _iris_like()
    layers = [{"type": "Dense", "fan_out": 5, "activation": "tanh"},
              {"type": "BatchNorm", "activation": "tanh"}]

    def make(n):
        return MLPClassifier(layers=layers, solver=solver, alpha=0.5, max_iter=n, tol=1e-10,
                             random_state=0)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 1 (or 60) iterations
        start, est = make(1).fit(X, y), make(60).fit(X, y)
    curve = np.asarray(est.loss_curve_)
    assert curve[-1] < 0.5 * curve[0] and np.all(np.diff(curve) <= 1e-12)
    net = est.network_
    J, _ = net.cost(net.params, X, y, training=True)
    assert est.loss_ == pytest.approx(J, rel=1e-12)  # the training-mode cost, not predict's
    J_lbfgs = _lbfgs_on_training_cost(start.network_, X, y, maxiter=60)
    assert J <= J_lbfgs + 1e-3
    # the running statistics: those of X at the end point (unbiased variance, as PyTorch's)
    Z = np.tanh(X @ net.layers[0].W + net.layers[0].b)
    bn = net.layers[1]
    np.testing.assert_allclose(bn.running_mean, Z.mean(axis=0), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(bn.running_var, Z.var(axis=0, ddof=1), rtol=1e-12)
    assert est.score(X, y) > 0.8


def test_batch_norm_true_takes_newton_cg_and_lbfgs_still_refuses_it():
    X, y = _iris_like()
    est = MLPClassifier(hidden_layer_sizes=(4,), batch_norm=True, solver="newton-cg",
                        max_iter=30, alpha=0.5, random_state=0).fit(X, y)
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    with pytest.raises(ValueError, match=r"batch_norm.*second-order solver 'newton-cg' or "
                       r"'trust-ncg', which minimise the training-mode cost"):
        MLPClassifier(hidden_layer_sizes=(4,), batch_norm=True, solver="lbfgs").fit(X, y)
    layers = [{"type": "Dense", "fan_out": 5}, {"type": "BatchNorm"}]
    with pytest.raises(ValueError, match=r"layers\[1\] \(BatchNorm\) needs a stochastic solver "
                       r".* or a second-order solver \('newton-cg', 'trust-ncg'"):
        MLPClassifier(layers=layers, solver="cg").fit(X, y)


def test_minimize_with_frozen_gamma_beta_and_hessp_restricted():
    net, X, y, _ = _problem("dense_softmax")
    bn = net.layers[1]
    bn.trainable = False
    gamma, beta = bn.gamma.copy(), bn.beta.copy()
    running = bn.running_mean.copy()
    # SciPy's hessp on the trainable entries: H[keep][:, keep] p
    keep = np.ones(net.n_params, bool)
    keep[16:24] = False  # after Dense(3, 4)'s W and b (16): BatchNorm(4)'s gamma and beta
    assert np.array_equal(np.concatenate([bn.gamma, bn.beta]), net.params[16:24])
    hessp = make_hessp(net, *net._check_xy(X, y), None, keep)
    p = np.random.default_rng(7).normal(size=int(keep.sum()))
    full = np.zeros(net.n_params)
    full[keep] = p
    ref = hessian_vector_product(net, X, y, full)[keep]
    np.testing.assert_allclose(hessp(net.params[keep].astype(float), p), ref, rtol=0,
                               atol=1e-12 * np.abs(ref).max())
    J0 = net.cost(net.params, X, y, training=True)[0]
    result = chainrule.minimize(net, X, y, method="trust-ncg", maxiter=30)
    assert np.array_equal(bn.gamma, gamma) and np.array_equal(bn.beta, beta)
    assert result.fun < J0
    assert result.fun == pytest.approx(net.cost(net.params, X, y, training=True)[0], rel=1e-12)
    assert not np.array_equal(bn.running_mean, running)  # X's, at result.x


def test_first_order_minimize_still_refuses_batchnorm_naming_the_second_order_methods():
    net, X, y, _ = _problem("dense_softmax")
    with pytest.raises(ValueError, match=r"net\.layers\[1\]: L-BFGS-B minimises a "
                       r"deterministic cost in evaluation mode.*or method='Newton-CG', "
                       r"'trust-ncg' or 'trust-krylov', which minimise its training-mode cost"):
        chainrule.minimize(net, X, y, method="L-BFGS-B")


def test_one_row_through_a_batchnorm_is_refused_naming_the_function_and_layer():
    net, X, y, _ = _problem("dense_softmax")
    before = net.params.copy()
    message = (r"^{}: X has 1 row, and net\.layers\[1\] BatchNorm\(4, activation='tanh'\) "
               r"normalises each feature with the batch's variance .* expected X of at least "
               r"2 rows$")
    with pytest.raises(ValueError, match=message.format("hessian_vector_product")):
        hessian_vector_product(net, X[:1], y[:1], np.ones(net.n_params))
    with pytest.raises(ValueError, match=message.format("method='trust-ncg'")):
        chainrule.minimize(net, X[:1], y[:1], method="trust-ncg")
    assert np.array_equal(net.params, before)
