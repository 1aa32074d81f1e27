"""Gradient clipping by the global norm (``clip_norm``): the training loop's rule against
NumPy written out here and PyTorch's optimizers, its float range, and a run it rescues.

The rule is TensorFlow's ``clip_by_global_norm`` (Keras' ``global_clipnorm``):
``g <- g * clip_norm / ||g||`` when ``||g|| > clip_norm``, before the optimizer's rule,
so that its state (momentum, Adam's moments) sees the clipped gradient.  PyTorch's
``clip_grad_norm_`` divides by ``||g|| + 1e-6`` instead, which the PyTorch test shows
is the only difference.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import TrainingDiverged
from tanh_net_helpers import tanh_loss_grad as _loss_grad
from tanh_net_helpers import tanh_net as _net
from tanh_net_helpers import tanh_params as _flat


def _data(m: int = 40, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    # large targets: large gradients at first, which shrink as the fit goes on
    Y = np.column_stack([4 * np.sin(X @ [1.0, -2.0, 0.5]), 3 * X[:, 0] * X[:, 1]])
    return X, Y








@pytest.mark.parametrize("rule", ["momentum", "adam"])
def test_clip_norm_equals_numpy_written_out_over_20_steps(rule):
    X, Y = _data()
    net = _net()
    ps = _flat(net)
    clip, lr, bs = 3.5, (0.05 if rule == "momentum" else 0.02), 8
    kw = dict(optimizer="sgd", momentum=0.9) if rule == "momentum" else dict(optimizer="adam")
    chainrule.train(net, X, Y, lr=lr, batch_size=bs, epochs=4, shuffle=False,
                    clip_norm=clip, **kw)
    state = [[np.zeros_like(p) for p in ps] for _ in range(2)]
    clipped = kept = 0
    for t in range(1, 21):  # 4 epochs of 5 batches, in order
        i = (t - 1) % 5
        gs = _loss_grad(*ps, X[i * bs:(i + 1) * bs], Y[i * bs:(i + 1) * bs])
        norm = np.sqrt(sum(float((g**2).sum()) for g in gs))
        if norm > clip:
            gs = [g * (clip / norm) for g in gs]
            clipped += 1
        else:
            kept += 1
        for k, g in enumerate(gs):
            if rule == "momentum":
                state[0][k] = 0.9 * state[0][k] + g
                ps[k] = ps[k] - lr * state[0][k]
            else:
                state[0][k] = 0.9 * state[0][k] + 0.1 * g
                state[1][k] = 0.999 * state[1][k] + 0.001 * g**2
                m_hat = state[0][k] / (1 - 0.9**t)
                v_hat = state[1][k] / (1 - 0.999**t)
                ps[k] = ps[k] - lr * m_hat / (np.sqrt(v_hat) + 1e-8)
    assert clipped >= 3 and kept >= 3  # clipping engaged on some steps and not on others
    for ours, ref in zip(_flat(net), ps, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


@pytest.mark.parametrize("rule", ["sgd", "nesterov", "adam", "rmsprop", "adagrad"])
def test_clip_norm_equals_pytorch_over_30_steps(rule):
    torch = pytest.importorskip("torch")
    X, Y = _data(m=60)
    net = _net(seed=1)
    clip, bs = 3.8, 12
    lr = {"sgd": 0.05, "nesterov": 0.05, "adam": 0.02, "rmsprop": 0.005, "adagrad": 0.1}[rule]
    params = [torch.tensor(p, requires_grad=True) for p in _flat(net)]
    kw: dict = dict(momentum=0.9) if rule in ("sgd", "nesterov") else {}
    chainrule.train(net, X, Y, optimizer=rule, lr=lr, batch_size=bs, epochs=6, shuffle=False,
                    clip_norm=clip, **kw)
    opt = {"sgd": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9),
           "nesterov": lambda: torch.optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
           "adam": lambda: torch.optim.Adam(params, lr=lr),
           "rmsprop": lambda: torch.optim.RMSprop(params, lr=lr, alpha=0.9),
           "adagrad": lambda: torch.optim.Adagrad(params, lr=lr)}[rule]()
    # the same steps with torch's clip_grad_norm_, whose coefficient has + 1e-6 in its
    # denominator: equal to ours up to that epsilon only
    eps_params = [torch.tensor(p, requires_grad=True) for p in _flat(_net(seed=1))]
    eps_opt = type(opt)(eps_params, **{k: v for k, v in opt.defaults.items()
                                       if k in ("lr", "momentum", "nesterov", "alpha", "eps")})
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    clipped = kept = 0
    for t in range(30):  # 6 epochs of 5 batches, in order
        i = t % 5
        for ps, o, own_rule in ((params, opt, True), (eps_params, eps_opt, False)):
            o.zero_grad()
            W1, b1, W2, b2 = ps
            out = torch.tanh(Xt[i * bs:(i + 1) * bs] @ W1 + b1) @ W2 + b2
            (0.5 * ((out - Yt[i * bs:(i + 1) * bs]) ** 2).sum(dim=1)).mean().backward()
            if own_rule:  # torch computes the norm; the coefficient is the rule's
                total = float(torch.nn.utils.clip_grad_norm_(ps, max_norm=float("inf")))
                if total > clip:
                    clipped += 1
                    for p in ps:
                        p.grad.mul_(clip / total)
                else:
                    kept += 1
            else:
                torch.nn.utils.clip_grad_norm_(ps, max_norm=clip)
            o.step()
    assert clipped >= 3 and kept >= 3
    for ours, ref, near in zip(_flat(net), params, eps_params, strict=True):
        np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=0, atol=1e-10)
        np.testing.assert_allclose(ours, near.detach().numpy(), rtol=0, atol=1e-5)


def test_clip_norm_none_is_the_run_without_clipping_bit_for_bit():
    X, Y = _data()
    a, b = _net(), _net()
    ha = chainrule.train(a, X, Y, optimizer="adam", lr=0.02, batch_size=8, epochs=5, seed=0)
    hb = chainrule.train(b, X, Y, optimizer="adam", lr=0.02, batch_size=8, epochs=5, seed=0,
                         clip_norm=None)
    np.testing.assert_array_equal(a.params, b.params)
    assert list(ha["loss"]) == list(hb["loss"])
    # and a clip_norm no batch's gradient reaches changes nothing either
    c = _net()
    chainrule.train(c, X, Y, optimizer="adam", lr=0.02, batch_size=8, epochs=5, seed=0,
                    clip_norm=1e6)
    np.testing.assert_array_equal(a.params, c.params)


def test_a_run_that_diverges_without_clipping_trains_with_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = (X @ [3.0, -2.0, 1.0, 0.5])[:, None] ** 3  # outliers: a heavy-tailed target

    def deep() -> chainrule.Network:
        return chainrule.mlp([4, 32, 32, 32, 32, 1], hidden="tanh", output="identity", seed=0)

    with pytest.raises(TrainingDiverged):
        chainrule.train(deep(), X, y, optimizer="sgd", lr=1.0, momentum=0.9, batch_size=16,
                        epochs=30, seed=0)
    net = deep()
    history = chainrule.train(net, X, y, optimizer="sgd", lr=1.0, momentum=0.9,
                              batch_size=16, epochs=30, seed=0, clip_norm=1.0)
    assert history.stop_reason == "epochs"
    assert np.isfinite(net.params).all()
    assert history["loss"][-1] < history["loss"][0]


def test_a_float32_gradient_whose_norm_overflows_is_still_clipped():
    # Every entry finite (up to 3.7e19) but the sum of squares past float32's range:
    # np.linalg.norm gave inf, the coefficient clip_norm / inf was 0, and every step
    # was zero -- the run went on for its epochs without moving, its loss flat.
    rng = np.random.default_rng(0)
    X = (3e20 * rng.normal(size=(16, 3))).astype(np.float32)
    T = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 16)]
    net = chainrule.mlp([3, 4, 2], hidden="relu", output="softmax", seed=0, dtype="float32")
    p0 = net.params.copy()
    _, g = net.loss_and_grad(X, T)
    assert np.isfinite(g).all()
    g64 = g.astype(np.float64)
    norm = np.sqrt(np.sum((g64 / 1e19) ** 2)) * 1e19  # by hand, in float64
    with np.errstate(over="ignore"):
        assert np.linalg.norm(g) == np.inf  # float32's own: overflows
    chainrule.train(net, X, T, optimizer="gd", lr=0.1, epochs=1, clip_norm=1.0)
    step = (p0.astype(np.float64) - net.params) / 0.1
    np.testing.assert_allclose(step, g64 / norm, rtol=1e-5, atol=1e-6)
    assert np.linalg.norm(step) == pytest.approx(1.0, rel=1e-5)


def test_a_non_finite_gradient_stops_the_run_with_the_last_good_parameters():
    # an infinite gradient entry is not clipped into NaN silently: the guard stops the run
    X, Y = _data()
    net = _net()
    rec = []

    class Spoil(chainrule.Callback):
        def on_batch_end(self, state):
            rec.append(state.net.params.copy())

    calls = [0]
    real = net._loss_and_grad

    def spoiled(*args, **kwargs):
        J, grad = real(*args, **kwargs)
        calls[0] += 1
        if calls[0] == 3:
            grad[0] = np.inf
        return J, grad

    net._loss_and_grad = spoiled
    with pytest.raises(TrainingDiverged, match="batch 2: the parameters became NaN"):
        chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=8, epochs=2,
                        shuffle=False, clip_norm=1.0, callbacks=[Spoil()])
    np.testing.assert_array_equal(net.params, rec[-1])
