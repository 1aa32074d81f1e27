"""An unknown name is refused listing the known ones and naming the near one (robust19).

Each registry (activations, losses, optimizers, schedules, initialisers, the decay modes,
a plateau schedule's monitor) listed its names; a typo now also gets "did you mean ...?",
the known name fewest edits away (a swap of two neighbours counting one edit), and a name
near none gets no guess.  The network, optimizer and schedule the call was given stay as
they were.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule._names import did_you_mean

X = np.random.default_rng(3).normal(size=(8, 4))
LABELS = np.array([0, 1, 2, 0, 1, 2, 0, 1])


def _net():
    net = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)
    net.loss_and_grad(X, LABELS)
    return net


NET = _net()

CASES = [
    # label, call, exception, the words the message must hold
    ("mlp hidden", lambda: cr.mlp([4, 5, 3], hidden="rleu"), ValueError,
     ["unknown activation 'rleu'", "did you mean 'relu'?", "leaky_relu", "sigmoid"]),
    ("Dense activation", lambda: cr.Dense(4, 3, activation="Sigmoid"), ValueError,
     ["'Sigmoid'", "did you mean 'sigmoid'?", "tanh"]),
    ("mlp output", lambda: cr.mlp([4, 5, 3], output="sofmax"), ValueError,
     ["did you mean 'softmax'?"]),
    ("mlp loss", lambda: cr.mlp([4, 5, 3], output="softmax", loss="crossentropy"), ValueError,
     ["unknown loss 'crossentropy'", "did you mean 'cross_entropy'?", "log_loss"]),
    ("Network loss", lambda: cr.Network([cr.Dense(4, 3)], loss="squared_eror"), ValueError,
     ["did you mean 'squared_error'?", "mean_squared_error"]),
    ("mlp init", lambda: cr.mlp([4, 5, 3], init="glorot_unifrom"), ValueError,
     ["unknown initializer 'glorot_unifrom'", "did you mean 'glorot_uniform'?", "he_normal"]),
    ("train optimizer", lambda: cr.train(NET, X, LABELS, optimizer="adma", epochs=1), ValueError,
     ["unknown optimizer 'adma'", "did you mean 'adam'?", "rmsprop"]),
    ("get_optimizer", lambda: cr.optimizers.get_optimizer("rmsporp"), ValueError,
     ["did you mean 'rmsprop'?", "sgd"]),
    ("train schedule", lambda: cr.train(NET, X, LABELS, schedule="cosin", epochs=1), ValueError,
     ["unknown schedule 'cosin'", "did you mean 'cosine'?", "onecycle"]),
    ("schedule dict", lambda: cr.schedules.get_schedule({"name": "onecylce"}), ValueError,
     ["did you mean 'onecycle'?"]),
    ("warmup after", lambda: cr.schedules.get_schedule(
        {"name": "warmup", "epochs": 2, "after": "multistpe"}), ValueError,
     ["after", "did you mean 'multistep'?"]),
    ("decay", lambda: cr.Network([cr.Dense(4, 3)], decay="ufdl"), ValueError,
     ["decay must be one of", "per_sample", "'ufdl'", "did you mean 'ufldl'?"]),
    ("plateau monitor", lambda: cr.train(
        NET, X, LABELS, epochs=1, schedule=cr.schedules.ReduceOnPlateau(monitor="los")),
     ValueError, ["monitor 'los'", "did you mean 'loss'?", "the metrics are: loss"]),
]


@pytest.mark.parametrize(("label", "call", "exc", "words"), CASES, ids=[c[0] for c in CASES])
def test_unknown_name_lists_known_and_suggests_near(label, call, exc, words):
    before = NET.params.copy(), NET.grads.copy(), [layer.A.copy() for layer in NET.layers]
    with pytest.raises(exc) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, (word, message)
    assert message.count("did you mean") == 1
    params, grads, outputs = before
    assert np.array_equal(NET.params, params) and np.array_equal(NET.grads, grads)
    assert all(np.array_equal(layer.A, a) for layer, a in zip(NET.layers, outputs, strict=True))


@pytest.mark.parametrize("call", [
    lambda: cr.mlp([4, 5, 3], hidden="xyzzy"),
    lambda: cr.losses.get_loss("bogus"),
    lambda: cr.optimizers.get_optimizer("newton"),
    lambda: cr.mlp([4, 5, 3], init="qqq"),
], ids=["activation", "loss", "optimizer", "init"])
def test_a_name_near_none_gets_no_guess(call):
    with pytest.raises(ValueError, match="valid names are") as info:
        call()
    assert "did you mean" not in str(info.value)


@pytest.mark.parametrize(("name", "known", "expected"), [
    ("adma", ["adagrad", "adam", "adamax", "adamw"], "adam"),  # a swap: one edit
    ("rleu", ["elu", "relu", "leaky_relu"], "relu"),
    ("relu6", ["relu", "elu"], "relu"),
    ("SGD", ["sgd", "gd"], "sgd"),                              # case is no edit
    ("tanhh", ["tanh", "lecun_tanh"], "tanh"),
    ("abc", ["xyz"], None),
    ("", ["a"], None),
    (None, ["none"], None),
    (3, ["3"], None),
])
def test_did_you_mean_counts_edits(name, known, expected):
    hint = did_you_mean(name, known)
    assert hint == ("" if expected is None else f" (did you mean {expected!r}?)")
