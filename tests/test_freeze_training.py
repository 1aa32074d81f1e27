"""Frozen parameters in training: a layer's ``trainable = False`` and its ``frozen`` names.

The parameters left trainable take torch's steps with the frozen tensors set
``requires_grad_(False)`` (torch.optim.SGD with momentum, Adam, AdamW; float64), and the
frozen ones keep their values bit for bit under every optimizer, on every path of the
training loop (full batch, the replaying guard's mini-batches, the guarded step a per-batch
callback takes), whatever the network's L2 penalty and the optimizer's decoupled decay.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.callbacks import Callback
from chainrule.optimizers import OPTIMIZERS, SGD, Adam, AdamW, get_optimizer

N = 40


def _data(n=N):
    rng = np.random.default_rng(0)
    return rng.normal(size=(n, 5)), rng.normal(size=(n, 2))


def _net(weight_decay=0.0):
    """5-6-4-2 tanh network: layer 0's biases frozen, layer 1 frozen whole."""
    net = cr.mlp([5, 6, 4, 2], hidden="tanh", output="identity", seed=0,
                 weight_decay=weight_decay)
    net.layers[0].frozen = {"b"}
    net.layers[1].trainable = False
    return net


def _frozen_mask(net):
    mask = np.zeros(net.n_params, dtype=bool)
    for sl in net._frozen_slices():
        mask[sl] = True
    return mask


class _EveryBatch(Callback):
    """A per-batch hook: the loop then takes the guarded step (not the replaying one)."""

    def on_batch_end(self, state):
        pass


def test_the_frozen_slices_are_layer_0s_b_and_all_of_layer_1():
    net = _net()
    # layer 0: W 5*6 = 30, b 6; layer 1: W 6*4 = 24, b 4; layer 2: W 4*2, b 2
    assert net._frozen_slices() == [slice(30, 36 + 28)]
    net.layers[1].trainable = True
    assert net._frozen_slices() == [slice(30, 36)]


# -- the steps of the parameters left trainable are torch's ----------------------------------
torch = pytest.importorskip("torch")
T = torch.optim
CASES = {
    "momentum": (lambda: SGD(lr=0.05, momentum=0.9), lambda p: T.SGD(p, lr=0.05, momentum=0.9)),
    "adam": (lambda: Adam(lr=0.01, beta1=0.8, beta2=0.99),
             lambda p: T.Adam(p, lr=0.01, betas=(0.8, 0.99))),
    "adamw": (lambda: AdamW(lr=0.01, weight_decay=0.1),
              lambda p: T.AdamW([{"params": [q for q in p if q.ndim == 2], "weight_decay": 0.1},
                                 {"params": [q for q in p if q.ndim == 1], "weight_decay": 0.0}],
                                lr=0.01)),
}


def _torch_twin(net):
    lins = []
    modules = []
    for i, layer in enumerate(net.layers):
        lin = torch.nn.Linear(*layer.W.shape, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            lin.bias.copy_(torch.from_numpy(layer.b.copy()))
        lins.append(lin)
        modules += [lin] if i == len(net.layers) - 1 else [lin, torch.nn.Tanh()]
    lins[0].bias.requires_grad_(False)
    lins[1].weight.requires_grad_(False)
    lins[1].bias.requires_grad_(False)
    return torch.nn.Sequential(*modules), lins


def _torch_steps(net, make_opt, X, Y, steps, batch, l2=0.0):
    model, lins = _torch_twin(net)
    opt = make_opt([p for lin in lins for p in (lin.weight, lin.bias)])
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(steps):
        for s in range(0, len(X), batch):
            cost = 0.5 * ((model(Xt[s:s + batch]) - Yt[s:s + batch]) ** 2).sum(1).mean()
            if l2:  # the network's L2 penalty (decay="ufldl"): every weight, frozen or not
                cost = cost + 0.5 * l2 * sum((lin.weight ** 2).sum() for lin in lins)
            opt.zero_grad()
            cost.backward()
            opt.step()
    return np.concatenate([np.concatenate([lin.weight.detach().numpy().T.ravel(),
                                           lin.bias.detach().numpy()]) for lin in lins])


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("l2", [0.0, 0.03])
def test_twenty_full_batch_steps_are_torchs_with_the_frozen_tensors_left_out(case, l2):
    ours, theirs = CASES[case]
    X, Y = _data()
    net = _net(weight_decay=l2)
    before = net.params.copy()
    want = _torch_steps(net, theirs, X, Y, 20, N, l2)
    cr.train(net, X, Y, optimizer=ours(), batch_size=N, epochs=20, shuffle=False)
    np.testing.assert_allclose(net.params, want, rtol=0, atol=1e-12)
    frozen = _frozen_mask(net)
    assert np.array_equal(net.params[frozen], before[frozen])  # bit for bit
    assert not np.any(net.params[~frozen] == before[~frozen])  # the others all moved


@pytest.mark.parametrize("hook", [False, True], ids=["replaying guard", "guarded step"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_mini_batch_steps_are_torchs_on_both_paths_of_the_loop(case, hook):
    ours, theirs = CASES[case]
    X, Y = _data()
    net = _net()
    want = _torch_steps(net, theirs, X, Y, 2, 8)  # 5 batches an epoch
    cr.train(net, X, Y, optimizer=ours(), batch_size=8, epochs=2, shuffle=False,
             callbacks=[_EveryBatch()] if hook else ())
    np.testing.assert_allclose(net.params, want, rtol=0, atol=1e-12)


# -- frozen: bit for bit, every optimizer, decay of both kinds, state from earlier steps ------
@pytest.mark.parametrize("hook", [False, True], ids=["replaying guard", "guarded step"])
@pytest.mark.parametrize("name", sorted(set(OPTIMIZERS) - {"gd"}))
def test_frozen_parameters_never_move_under_any_optimizer(name, hook):
    X, Y = _data()
    net = _net(weight_decay=0.05)
    settings = {"lr": 0.01}
    if name == "sgd":
        settings["momentum"] = 0.9
    if name != "adamw":
        settings["weight_decay"] = 0.01  # the decoupled decay (AdamW has its own default)
    opt = get_optimizer(name, **settings)
    # trained first with nothing frozen: the optimizer's state is not zero for them when
    # they are frozen (momentum's velocity alone would move them on)
    for layer in net.layers:
        layer.trainable, layer.frozen = True, set()
    trainer = cr.Trainer(net, optimizer=opt, batch_size=8, epochs=2, seed=0,
                         callbacks=[_EveryBatch()] if hook else ())
    trainer.fit(X, Y)
    net.layers[0].frozen = {"b"}
    net.layers[1].trainable = False
    frozen = _frozen_mask(net)
    before = net.params.copy()
    state = {k: v.copy() for k, v in opt.state.items()}
    trainer.epochs = 5
    trainer.fit(X, Y)
    assert np.array_equal(net.params[frozen], before[frozen])
    assert not np.array_equal(net.params[~frozen], before[~frozen])
    for k, v in opt.state.items():  # their optimizer state is unchanged too
        assert np.array_equal(v[frozen], state[k][frozen]), k


def test_clip_norm_counts_the_trainable_gradients_only():
    X, Y = _data()
    net = _net()
    model, lins = _torch_twin(net)
    params = [p for lin in lins for p in (lin.weight, lin.bias)]
    opt = T.SGD(params, lr=0.1)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    for _ in range(5):
        opt.zero_grad()
        (0.5 * ((model(Xt) - Yt) ** 2).sum(1).mean()).backward()
        # clip_grad_norm_ over the tensors with a gradient, without its 1e-6 in the divisor
        live = [p for p in params if p.grad is not None]
        norm = float(torch.sqrt(sum((p.grad ** 2).sum() for p in live)))
        for p in live:
            p.grad *= min(1.0, 0.05 / norm)
        opt.step()
    want = np.concatenate([np.concatenate([lin.weight.detach().numpy().T.ravel(),
                                           lin.bias.detach().numpy()]) for lin in lins])
    cr.Trainer(net, optimizer=SGD(lr=0.1), batch_size=N, epochs=5, clip_norm=0.05).fit(X, Y)
    np.testing.assert_allclose(net.params, want, rtol=0, atol=1e-12)


def test_the_frozen_gradients_are_still_computed_by_loss_and_grad():
    X, Y = _data()
    net = _net()
    _, grad = net.loss_and_grad(X, Y)
    model, lins = _torch_twin(net)
    for lin in lins:
        for p in (lin.weight, lin.bias):
            p.requires_grad_(True)
    (0.5 * ((model(torch.from_numpy(X)) - torch.from_numpy(Y)) ** 2).sum(1).mean()).backward()
    np.testing.assert_allclose(net.layers[0].db, lins[0].bias.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(net.layers[1].dW, lins[1].weight.grad.numpy().T, rtol=1e-12)
    assert np.all(net.layers[0].db != 0)
    # and gradient_check's analytical gradient has them, agreeing with central differences
    check = cr.gradient_check(net, X, Y)
    frozen = _frozen_mask(net)
    np.testing.assert_allclose(check.analytical[frozen], grad[frozen], rtol=1e-12)
    np.testing.assert_allclose(check.numerical[frozen], grad[frozen], rtol=1e-6, atol=1e-10)


def test_the_summary_counts_the_frozen_parameters():
    # 6 biases of layer 0 and the 6 * 4 + 4 of layer 1
    assert _net().summary().splitlines()[-1].endswith("74 parameters (34 frozen), float64")


# -- refusals ----------------------------------------------------------------------------------
def test_a_network_with_everything_frozen_is_refused_with_nothing_to_train():
    X, Y = _data()
    net = _net()
    for layer in net.layers:
        layer.trainable = False
    before = net.params.copy()
    with pytest.raises(ValueError, match="nothing to train: every parameter"):
        cr.train(net, X, Y, epochs=1)
    net.layers[0].trainable = True
    net.layers[0].frozen = {"W", "b"}
    with pytest.raises(ValueError, match="nothing to train"):
        cr.Trainer(net, epochs=1).fit(X, Y)
    assert np.array_equal(net.params, before)


def test_a_name_that_is_no_parameter_of_the_layer_is_refused_naming_its_parameters():
    layer = cr.Dense(3, 2)
    with pytest.raises(ValueError, match=r"\['c'\].*its parameters are \['W', 'b'\]"):
        layer.frozen = {"c"}
    with pytest.raises(ValueError, match=r"its parameters are \['W'\]"):
        cr.Dense(3, 2, bias=False).frozen = "b"
    with pytest.raises(TypeError, match="frozen must be a set of parameter names"):
        layer.frozen = 3
    with pytest.raises(TypeError, match="trainable must be True or False"):
        layer.trainable = "no"
    layer.frozen = "b"  # one name as a str
    assert layer.frozen == {"b"} and layer.trainable
