"""Weight averaging (``ema``): the moving average of the weights against NumPy written
out here and PyTorch's ``AveragedModel``, resuming, early stopping on the average, and
a run it helps.

The rule is PyTorch's ``AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(d))``
(Keras' ``use_ema``): after each optimizer step
``avg <- d avg + (1 - d) params``, the first step copying the parameters.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule import Trainer
from tanh_net_helpers import tanh_loss_grad as _loss_grad
from tanh_net_helpers import tanh_net as _net
from tanh_net_helpers import tanh_params as _flat


def _data(m: int = 40, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    Y = np.column_stack([np.sin(X @ [1.0, -2.0, 0.5]), X[:, 0] * X[:, 1]])
    return X, Y






def _cost(ps, X, Y) -> float:
    W1, b1, W2, b2 = ps
    out = np.tanh(X @ W1 + b1) @ W2 + b2
    return float(np.mean(0.5 * ((out - Y) ** 2).sum(axis=1)))




@pytest.mark.parametrize("rule", ["momentum", "adam"])
def test_ema_equals_numpy_written_out_over_20_steps(rule):
    X, Y = _data()
    net = _net()
    ps = _flat(net)
    decay, lr, bs = 0.8, (0.05 if rule == "momentum" else 0.02), 8
    kw = dict(optimizer="sgd", momentum=0.9) if rule == "momentum" else dict(optimizer="adam")
    chainrule.train(net, X, Y, lr=lr, batch_size=bs, epochs=4, shuffle=False, ema=decay, **kw)
    state = [[np.zeros_like(p) for p in ps] for _ in range(2)]
    avg = None
    for t in range(1, 21):  # 4 epochs of 5 batches, in order
        i = (t - 1) % 5
        gs = _loss_grad(*ps, X[i * bs:(i + 1) * bs], Y[i * bs:(i + 1) * bs])
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
        avg = ([p.copy() for p in ps] if avg is None else
               [decay * a + (1 - decay) * p for a, p in zip(avg, ps, strict=True)])
    # the network ends with the average, which is far from the last step's parameters
    for ours, ref in zip(_flat(net), avg, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    assert max(float(np.max(np.abs(a - p))) for a, p in zip(avg, ps, strict=True)) > 1e-3


def test_ema_equals_pytorch_averaged_model_over_30_steps():
    torch = pytest.importorskip("torch")
    from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

    X, Y = _data(m=60)
    net = _net(seed=1)
    decay, lr, bs = 0.9, 0.05, 12
    model = torch.nn.Sequential(torch.nn.Linear(3, 6), torch.nn.Tanh(), torch.nn.Linear(6, 2))
    model = model.double()
    W1, b1, W2, b2 = _flat(net)
    with torch.no_grad():  # torch's Linear holds W transposed: (out, in)
        model[0].weight.copy_(torch.tensor(W1.T))
        model[0].bias.copy_(torch.tensor(b1))
        model[2].weight.copy_(torch.tensor(W2.T))
        model[2].bias.copy_(torch.tensor(b2))
    averaged = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(decay))
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    chainrule.train(net, X, Y, optimizer="sgd", lr=lr, momentum=0.9, batch_size=bs,
                    epochs=6, shuffle=False, ema=decay)
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    for t in range(30):  # 6 epochs of 5 batches, in order
        i = t % 5
        opt.zero_grad()
        out = model(Xt[i * bs:(i + 1) * bs])
        (0.5 * ((out - Yt[i * bs:(i + 1) * bs]) ** 2).sum(dim=1)).mean().backward()
        opt.step()
        averaged.update_parameters(model)
    m = averaged.module
    refs = [m[0].weight.detach().numpy().T, m[0].bias.detach().numpy(),
            m[2].weight.detach().numpy().T, m[2].bias.detach().numpy()]
    for ours, ref in zip(_flat(net), refs, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-10)


def test_ema_none_is_the_run_without_it_and_ema_leaves_the_steps_unchanged():
    X, Y = _data()
    a, b, c = _net(), _net(), _net()
    kw = dict(optimizer="adam", lr=0.02, batch_size=8, epochs=5, seed=0)
    ha = chainrule.train(a, X, Y, **kw)
    hb = chainrule.train(b, X, Y, ema=None, **kw)
    np.testing.assert_array_equal(a.params, b.params)
    assert list(ha["loss"]) == list(hb["loss"])
    # with an average the steps (and so the training loss) are those of the run without
    trainer = Trainer(c, ema=0.9, **kw)
    hc = trainer.fit(X, Y)
    assert list(hc["loss"]) == list(ha["loss"])
    np.testing.assert_array_equal(trainer._reached[0], a.params)  # the run reached
    np.testing.assert_array_equal(c.params, trainer.ema_params)  # the network: the average
    assert trainer.ema_count == 25


@pytest.mark.parametrize("value", [True, False, float("nan"), 0, 0.0, 1, 1.0, -0.5, 1.5,
                                   float("inf"), "0.9"])
def test_ema_refuses_a_decay_outside_0_1_by_name(value):
    X, Y = _data()
    net = _net()
    before = net.params.copy()
    with pytest.raises((TypeError, ValueError),
                       match=r"ema must be None or the decay .*a float in \(0, 1\).* got"):
        chainrule.train(net, X, Y, optimizer="sgd", epochs=2, ema=value)
    np.testing.assert_array_equal(net.params, before)


def test_ema_gd_averages_one_step_per_epoch():
    X, Y = _data()
    net = _net()
    ps = _flat(net)
    chainrule.train(net, X, Y, optimizer="gd", lr=0.3, epochs=6, ema=0.5)
    avg = None
    for _ in range(6):
        gs = _loss_grad(*ps, X, Y)
        ps = [p - 0.3 * g for p, g in zip(ps, gs, strict=True)]
        avg = ([p.copy() for p in ps] if avg is None else
               [0.5 * a + 0.5 * p for a, p in zip(avg, ps, strict=True)])
    for ours, ref in zip(_flat(net), avg, strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_ema_resume_equals_the_uninterrupted_run_bit_for_bit(tmp_path):
    X, Y = _data()
    kw = dict(optimizer="sgd", lr=0.05, momentum=0.9, batch_size=8, seed=4, ema=0.7)
    whole = _net()
    h_whole = chainrule.train(whole, X, Y, epochs=6, **kw)
    part = _net()
    path = tmp_path / "run.ckpt"
    chainrule.train(part, X, Y, epochs=3, checkpoint=path, **kw)
    net, history = chainrule.resume(path, X, Y, epochs=6)
    np.testing.assert_array_equal(net.params, whole.params)
    assert list(history["loss"]) == list(h_whole["loss"])
    # and a Trainer whose epochs are raised goes on from the steps, not from the average
    trainer = Trainer(_net(), epochs=3, **kw)
    trainer.fit(X, Y)
    trainer.epochs = 6
    trainer.fit(X, Y)
    np.testing.assert_array_equal(trainer.net.params, whole.params)


def test_ema_interrupted_epoch_resumes_bit_for_bit(tmp_path):
    """A KeyboardInterrupt within epoch 3: the checkpoint holds the average of epoch 2's
    end, and resuming trains epoch 3 again to the uninterrupted run's numbers."""
    X, Y = _data()
    kw = dict(optimizer="adam", lr=0.02, batch_size=8, seed=2, ema=0.6)
    whole = _net()
    chainrule.train(whole, X, Y, epochs=5, **kw)

    class Stop(chainrule.Callback):
        def on_batch_end(self, state):
            if state.epoch == 3 and state.batch == 2:
                raise KeyboardInterrupt

    path = tmp_path / "run.ckpt"
    trainer = Trainer(_net(), epochs=5, checkpoint=path, callbacks=[Stop()], **kw)
    assert trainer.fit(X, Y).stop_reason == "interrupted"  # as a Ctrl-C within the epoch
    net, _ = chainrule.resume(path, X, Y)
    np.testing.assert_array_equal(net.params, whole.params)
    trainer.callbacks = []  # the same Trainer trains the cut epoch again from its start
    trainer.fit(X, Y)
    np.testing.assert_array_equal(trainer.net.params, whole.params)


@pytest.mark.filterwarnings("ignore:ema=0.9[0-9]*. the moving average:UserWarning")
def test_ema_checkpoint_record_is_checked(tmp_path):
    from chainrule import io

    X, Y = _data()
    path = tmp_path / "run.ckpt"
    chainrule.train(_net(), X, Y, optimizer="sgd", epochs=2, batch_size=8, ema=0.9,
                    checkpoint=path)
    meta, arrays = io.read_file(path, "chainrule.checkpoint")
    assert meta["trainer"]["ema"] == 0.9 and meta["ema"] == {"count": 10}
    del arrays["ema_params"]
    bad = tmp_path / "bad.ckpt"
    io.write_file(bad, meta, arrays)
    with pytest.raises(ValueError, match=r"corrupted checkpoint \(ema_params: expected the "
                                         r"averaged parameters for ema.count 10"):
        chainrule.resume(bad, X, Y)
    # a run without an average writes none of it, as before the option
    plain = tmp_path / "plain.ckpt"
    chainrule.train(_net(), X, Y, optimizer="sgd", epochs=2, batch_size=8, checkpoint=plain)
    meta, arrays = io.read_file(plain, "chainrule.checkpoint")
    assert "ema" not in meta["trainer"] and "ema" not in meta and "ema_params" not in arrays


def test_ema_early_stopping_keeps_the_best_epochs_average():
    """val_loss is the average's: the kept weights' validation loss, by a forward pass
    written here, is the best epoch's recorded val_loss; the live weights' differs."""
    X, Y = _data(m=80, seed=5)
    Xv, Yv = _data(m=30, seed=6)
    net = _net(seed=2)
    trainer = Trainer(net, optimizer="sgd", lr=0.3, momentum=0.9, batch_size=4, epochs=40,
                      seed=1, patience=3, ema=0.9)
    history = trainer.fit(X, Y, validation_data=(Xv, Yv))
    assert history.stop_reason == "early_stopping" and history.best_epoch < history.epochs
    kept = _cost(_flat(net), Xv, Yv)
    assert kept == pytest.approx(min(history["val_loss"]), rel=1e-12)
    assert kept == pytest.approx(history["val_loss"][history.best_epoch - 1], rel=1e-12)
    # the best epoch's average, not the last epoch's, and not the last step's weights
    assert not np.array_equal(net.params, trainer.ema_params)
    last = _cost_of(trainer.ema_params, net, Xv, Yv)
    assert last == pytest.approx(history["val_loss"][-1], rel=1e-12)


def _cost_of(params, net, X, Y):
    copy = _net(seed=2)
    copy.params[...] = params
    return _cost(_flat(copy), X, Y)


def test_ema_averages_batch_norm_running_statistics():
    """BatchNorm's running statistics are averaged with the weights (use_buffers=True):
    the kept statistics are the moving average of those each step left."""
    from chainrule import BatchNorm, Callback, Dense, Network

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(48, 3)) * 2 + 1, rng.normal(size=(48, 1))
    net = Network([Dense(3, 5, "identity", seed=0), BatchNorm(5, "relu"),
                   Dense(5, 1, "identity", seed=1)], loss="squared_error")
    seen: list[dict[str, np.ndarray]] = []

    class Watch(Callback):
        def on_batch_end(self, state):
            seen.append({k: v.copy() for k, v in state.net.layers[1].buffers().items()})

    chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=8, epochs=3, seed=0,
                    ema=0.75, callbacks=[Watch()])
    avg = None
    for values in seen:
        avg = (dict(values) if avg is None else
               {k: 0.75 * avg[k] + 0.25 * values[k] for k in values})
    for k, v in net.layers[1].buffers().items():
        np.testing.assert_allclose(v, avg[k], rtol=0, atol=1e-12)
        assert not np.allclose(v, seen[-1][k])


def test_ema_helps_noisy_sgd_on_held_out_data():
    """Noisy targets, batches of 4 and a large rate: the last step's weights jump about
    the minimum, their moving average sits near it."""
    gains = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        X = rng.normal(size=(400, 5))
        w = rng.normal(size=(5, 1))
        Y = X @ w + rng.normal(scale=1.0, size=(400, 1))
        Xt = rng.normal(size=(2000, 5))
        Yt = Xt @ w
        losses = []
        for ema in (None, 0.95):
            net = chainrule.mlp([5, 1], output="identity", seed=seed)
            chainrule.train(net, X, Y, optimizer="sgd", lr=0.2, batch_size=4, epochs=10,
                            seed=seed, ema=ema)
            losses.append(float(np.mean((net.predict(Xt) - Yt) ** 2)))
        gains.append(losses)
    for plain, averaged in gains:
        assert averaged < plain


@pytest.mark.filterwarnings("ignore:ema=0.9[0-9]*. the moving average:UserWarning")
def test_ema_float32_average_has_no_bias_from_rounded_coefficients():
    """float32: 0.9999 and 1 - 0.9999 rounded to float32 sum to 1 - 1.7e-8, so
    ``d avg + (1 - d) params`` shrank the average by 1.7e-4 relative; torch's
    ``avg + (1 - d) (params - avg)`` keeps the average of a constant exact."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4)).astype(np.float32)
    Y = rng.normal(size=(64, 2)).astype(np.float32)
    net = chainrule.mlp([4, 8, 2], hidden="tanh", output="identity", seed=0, dtype="float32")
    start = net.params.copy()
    # a rate so small that float32 steps leave the larger weights as they are
    trainer = Trainer(net, optimizer="sgd", lr=1e-30, batch_size=8, epochs=500, ema=0.9999)
    trainer.fit(X, Y)
    big = np.abs(start) > 1e-3
    assert trainer.ema_count == 4000 and big.sum() > 30
    np.testing.assert_array_equal(trainer._reached[0][big], start[big])  # unchanged steps
    np.testing.assert_array_equal(net.params[big], start[big])  # and so their average
    # a moving run: within float32's rounding of the float64 average of the same steps
    seen: list[np.ndarray] = []

    class Watch(chainrule.Callback):
        def on_batch_end(self, state):
            seen.append(state.net.params.astype(np.float64))

    net = chainrule.mlp([4, 8, 2], hidden="tanh", output="identity", seed=0, dtype="float32")
    chainrule.train(net, X, Y, optimizer="adam", lr=0.01, batch_size=8, epochs=300, seed=0,
                    ema=0.9999, callbacks=[Watch()])
    avg = seen[0]
    for p in seen[1:]:
        avg = 0.9999 * avg + (1 - 0.9999) * p
    assert net.params.dtype == np.float32
    assert np.max(np.abs(net.params - avg)) < 5e-6 * np.max(np.abs(avg))


@pytest.mark.parametrize("case", ["loss", "validation loss", "batch norm"])
def test_ema_divergence_leaves_the_rejected_step_out_of_the_average(case):
    """The divergence guard rejects the last step when the loss after it is not finite
    (the next batch's, or the validation loss at the epoch's end) and puts the
    parameters before it back: the average is that of the steps before it too, as the
    NumPy average written out here of the steps each on_batch_end saw, but the last."""
    from chainrule import BatchNorm, Dense, Network

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(64, 3)) * 10, rng.normal(size=(64, 1)) * 10
    val = None
    if case == "batch norm":
        net = Network([Dense(3, 4, "identity", seed=0), BatchNorm(4, "identity"),
                       Dense(4, 1, "identity", seed=1)], loss="squared_error")
        kw = dict(optimizer="sgd", lr=5.0, batch_size=8)
    else:
        net = chainrule.mlp([3, 1], output="identity", seed=0)
        kw = dict(optimizer="sgd", lr=3.0, batch_size=8)
        if case == "validation loss":  # one step an epoch, found too far by validation
            kw = dict(optimizer="gd", lr=3.0)
            val = (rng.normal(size=(16, 3)) * 10, rng.normal(size=(16, 1)) * 10)
    seen: list = []

    class Watch(chainrule.Callback):
        def on_batch_end(self, state):
            seen.append((state.net.params.copy(), [
                {k: v.copy() for k, v in layer.buffers().items()} for layer in state.net.layers]))

    trainer = Trainer(net, epochs=300, seed=0, ema=0.5, callbacks=[Watch()], **kw)
    what = "the validation loss" if case == "validation loss" else r"batch \d+: the loss"
    with pytest.raises(chainrule.TrainingDiverged, match=what):
        trainer.fit(X, Y, validation_data=val)
    np.testing.assert_array_equal(net.params, seen[-2][0])  # the guard's parameters
    avg, buffers = seen[0][0], seen[0][1]
    for params, values in seen[1:-1]:  # the steps kept, not the rejected last one
        avg = 0.5 * avg + 0.5 * params
        buffers = [{k: 0.5 * b[k] + 0.5 * v[k] for k in v} for b, v in zip(buffers, values,
                                                                           strict=True)]
    assert trainer.ema_count == len(seen) - 1
    np.testing.assert_allclose(trainer.ema_params, avg, rtol=1e-12, atol=0)
    for ours, ref in zip(trainer.ema_buffers, buffers, strict=True):
        for k in ref:
            np.testing.assert_allclose(ours[k], ref[k], rtol=1e-12, atol=0)


def _first_half_share(decay: float, n: int) -> float:
    """The weight the average of n steps gives its first n // 2, by running the rule on the
    unit vectors e_1..e_n as the steps' parameters (the first step copies, each later one
    is avg <- decay avg + (1 - decay) e_k) and adding up its first n // 2 entries."""
    avg = np.eye(n)[0].copy()
    for k in range(1, n):
        avg = decay * avg + (1 - decay) * np.eye(n)[k]
    return float(avg[: n // 2].sum())


@pytest.mark.parametrize("decay", [0.9, 0.75])
def test_ema_warns_when_the_average_is_mostly_its_first_half(decay):
    """Full-batch "gd" takes one step per epoch: the fit warns while more than half of the
    average comes from the first half of its steps, and from the first n on where it no
    longer does (the boundary found by the rule written out here, not the library's)."""
    X, Y = _data()
    shares = {n: _first_half_share(decay, n) for n in range(2, 40)}
    boundary = min(n for n, share in shares.items() if share <= 0.5)
    assert all(shares[n] > 0.5 for n in range(2, boundary))  # (one boundary: monotone)
    assert boundary == {0.9: 13, 0.75: 5}[decay]  # 0.9**6 = 0.53 > 0.5 >= 0.9**7 = 0.48
    with pytest.warns(UserWarning, match=rf"ema={decay:g}: .* {boundary - 1} optimizer "
                                         rf"steps .* {shares[boundary - 1]:.0%} of its weight "
                                         rf"from their first half.* at least {boundary} steps"):
        Trainer(_net(), optimizer="gd", lr=0.1, epochs=boundary - 1, ema=decay).fit(X, Y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Trainer(_net(), optimizer="gd", lr=0.1, epochs=boundary, ema=decay).fit(X, Y)


def test_ema_advice_only_where_the_average_is_kept():
    """A run that max_time stops keeps the steps' own parameters, not the average: no
    advice about the average; the same run to its end gets it."""
    X, Y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer(_net(), optimizer="gd", lr=0.1, epochs=5, ema=0.99, max_time=1e-9)
        assert trainer.fit(X, Y).stop_reason == "max_time"
    with pytest.warns(UserWarning, match=r"ema=0\.99: .* 5 optimizer steps"):
        Trainer(_net(), optimizer="gd", lr=0.1, epochs=5, ema=0.99).fit(X, Y)
