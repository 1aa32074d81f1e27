"""The training API's contract: train() and Trainer's arguments, a Trainer fitted again,
what restore_best restores, and what a callback's exception leaves.

References: one gradient-descent step written here (w - lr * grad, the gradient from
Network.cost on an untouched copy), and the parameters a Recorder callback copies at
each epoch's end.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import SGD, Adam, Trainer


def _regression(m: int = 24, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.sin(X @ np.array([1.0, -2.0, 0.5]))[:, None]


def _net(seed: int = 0) -> chainrule.Network:
    return chainrule.mlp([3, 5, 1], hidden="tanh", output="identity", seed=seed)


# --- lr and momentum next to an Optimizer object ------------------------------------------
@pytest.mark.parametrize("entry", ["train", "Trainer"])
@pytest.mark.parametrize(("optimizer", "given"), [
    (Adam(lr=0.001), {"lr": 0.1}),
    (SGD(lr=0.01), {"momentum": 0.9}),
    (SGD(lr=0.01, momentum=0.5), {"lr": 0.01}),  # even the same value: one source only
])
def test_lr_or_momentum_next_to_an_optimizer_object_is_refused(entry, optimizer, given):
    X, Y = _regression()
    net = _net()
    theta = net.params.copy()
    name = next(iter(given))
    before = (optimizer.lr, getattr(optimizer, "momentum", None))
    expected = (f"{name}: the optimizer object {optimizer!r} brings its own settings, got "
                f"{name}={given[name]!r} as well")
    with pytest.raises(ValueError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        if entry == "train":
            chainrule.train(net, X, Y, optimizer=optimizer, epochs=2, **given)
        else:
            Trainer(net, optimizer, epochs=2, **given)
    # nothing changed: neither the network nor the optimizer
    np.testing.assert_array_equal(net.params, theta)
    assert (optimizer.lr, getattr(optimizer, "momentum", None)) == before


def test_an_optimizer_object_alone_steps_with_its_own_rate():
    X, Y = _regression()
    net = _net()
    w = net.params.copy()
    chainrule.train(net, X, Y, optimizer=SGD(lr=0.05), batch_size=len(X), epochs=3)
    for _ in range(3):
        _, g = net.cost(w, X, Y)
        w = w - 0.05 * g
    np.testing.assert_allclose(net.params, w, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_by_name_the_default_rate_is_still_0_1(optimizer):
    X, Y = _regression()
    net = _net()
    history = chainrule.train(net, X, Y, optimizer=optimizer, epochs=2)
    assert history["lr"] == [0.1, 0.1]
    assert Trainer(_net(), optimizer).optimizer.lr == 0.1
