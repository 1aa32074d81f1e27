"""The loss is checked against the output layer's activation assigned after the network
was built, when a run starts (robust21).

Before, a softmax and cross-entropy network whose output layer became ``relu``
(``net.layers[-1].activation = "relu"``) trained without a word on the cross-entropy of
relu outputs (loss 602 after one epoch of a 4-5-3 net); ``Network(..., loss=...)`` refuses
that pair.  The pair is checked as a run starts, not at the assignment, so that the loss
and the activation may be changed in either order (softmax + cross-entropy to identity +
hinge has no order in which each assignment alone would pass).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(21)
X = RNG.normal(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)
ONE_HOT = np.eye(3)[LABELS]


def _net(output="softmax", loss=None):
    return cr.mlp([4, 5, 3], hidden="tanh", output=output, loss=loss, seed=0)


def _still():
    """An SGD object at rate 0 (the rate a run takes, which no constructor does): the run's
    first full-batch loss is that of the parameters as they are."""
    opt = cr.SGD(lr=0.1)
    opt.lr = 0.0
    return opt


def _fit(how, net, **kw):
    if how == "train":
        return cr.train(net, X, ONE_HOT, optimizer=cr.SGD(lr=0.1), epochs=1, verbose=0, **kw)
    return cr.Trainer(net, optimizer=cr.SGD(lr=0.1), epochs=1).fit(X, ONE_HOT, **kw)


BAD = [  # (output built, loss, output assigned, words of the message)
    ("softmax", "cross_entropy", "relu", ["cross_entropy", "relu", "softmax", "net.loss"]),
    ("softmax", "cross_entropy", "identity", ["cross_entropy", "identity"]),
    ("sigmoid", "log_loss", "tanh", ["log_loss", "tanh"]),
    ("identity", "multiclass_hinge", "softmax", ["multiclass_hinge", "softmax", "identity"]),
]


@pytest.mark.parametrize("how", ["train", "Trainer.fit"])
@pytest.mark.parametrize(("built", "loss", "assigned", "words"), BAD,
                         ids=[f"{b}-{lo}-to-{a}" for b, lo, a, _ in BAD])
def test_output_assigned_against_the_loss_refused_at_the_run(how, built, loss, assigned,
                                                              words):
    net = _net(built, loss)
    net.layers[-1].activation = assigned  # the assignment itself passes (either order)
    before = pickle.dumps(net)
    with pytest.raises(ValueError) as info:
        _fit(how, net)
    for word in words:
        assert word in str(info.value), (word, str(info.value))
    assert pickle.dumps(net) == before  # nothing of the network changed


def test_both_changed_in_either_order_train_on_the_new_pair():
    """softmax + cross-entropy to identity + multiclass hinge: the activation first (its
    assignment alone does not fit the old loss), then the loss; J of a run at rate 0 is
    the Crammer-Singer hinge mean_i sum_{j != y_i} max(0, 1 + z_j - z_{y_i}), in NumPy."""
    net = _net()
    net.layers[-1].activation = "identity"
    net.loss = "multiclass_hinge"
    Z = net.forward(X)
    margins = np.maximum(0.0, 1.0 + Z - Z[np.arange(12), LABELS][:, None])
    margins[np.arange(12), LABELS] = 0.0
    history = cr.train(net, X, ONE_HOT, optimizer=_still(), epochs=1, verbose=0,
                       batch_size="full")
    assert history.loss[0] == pytest.approx(margins.sum(axis=1).mean(), rel=1e-12)


def test_matching_pair_assigned_trains_as_built():
    """A sigmoid output assigned under cross-entropy (a pair Network(...) takes) trains;
    its first full-batch J at rate 0 is the categorical form -mean_i sum_j y_ij log a_ij
    (the outputs' sigmoids, each row's log of its class's)."""
    net = _net()
    net.layers[-1].activation = "sigmoid"
    A = net.forward(X)
    history = cr.train(net, X, ONE_HOT, optimizer=_still(), epochs=1, verbose=0,
                       batch_size="full")
    ref = -np.mean(np.log(A[np.arange(12), LABELS]))
    hidden, out = net.layers
    Z = np.tanh(X @ hidden.W + hidden.b) @ out.W + out.b
    assert np.allclose(A, 1 / (1 + np.exp(-Z)))  # the sigmoid output, in NumPy
    assert history.loss[0] == pytest.approx(ref, rel=1e-10)


@pytest.mark.parametrize("call", ["loss_and_grad", "evaluate", "minimize"])
def test_every_cost_of_the_mismatched_pair_is_refused(call):
    """Not only a run: each call that reads the targets for the loss (the cost and
    gradient, evaluate, SciPy's minimize) checks the pair first, changing nothing."""
    net = _net()
    net.layers[-1].activation = "relu"
    before = pickle.dumps(net)
    with pytest.raises(ValueError, match=r"cross_entropy.*got 'relu'"):
        if call == "minimize":
            pytest.importorskip("scipy")
            cr.minimize(net, X, ONE_HOT, maxiter=2)
        else:
            getattr(net, call)(X, ONE_HOT)
    assert pickle.dumps(net) == before
