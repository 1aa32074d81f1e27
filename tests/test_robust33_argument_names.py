"""A name no registry knows, given to a Python entry point, is refused naming the argument.

Before robust33, ``mlp(init="nope")``, ``train(schedule="nope")``, ``Dense(activation=...)``
and the others said the lookup's "unknown initializer 'nope'; valid names are: ..."
alone, naming the kind of name and not the argument that carried it (the command line
says ``argument --init: ...``, the estimators ``The 'init' parameter of ...``).  Each now
leads with its argument, ``init: unknown initializer 'nope'; ...``, keeping the
did-you-mean and the list of valid names, and changes nothing it was given.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.schedules import Warmup

X = np.random.default_rng(33).normal(size=(8, 3))
Y = X[:, :2] * 0.5


def _net() -> cr.Network:
    return cr.mlp([3, 4, 2], seed=0)


# (where, call(value), argument named, kind of name, a typo of a known name, that name)
CASES = [
    ("mlp(init=)", lambda v: cr.mlp([3, 4, 2], init=v), "init", "initializer",
     "glorot_unifrom", "glorot_uniform"),
    ("mlp(hidden=)", lambda v: cr.mlp([3, 4, 2], hidden=v), "hidden", "activation",
     "rleu", "relu"),
    ("mlp(hidden=[..])", lambda v: cr.mlp([3, 4, 4, 2], hidden=["tanh", v]), "hidden[1]",
     "activation", "rleu", "relu"),
    ("mlp(output=)", lambda v: cr.mlp([3, 4, 2], output=v), "output", "activation",
     "sigmiod", "sigmoid"),
    ("mlp(loss=)", lambda v: cr.mlp([3, 4, 2], loss=v), "loss", "loss", "crossentropy",
     "cross_entropy"),
    ("Dense(activation=)", lambda v: cr.Dense(3, 2, activation=v), "activation",
     "activation", "rleu", "relu"),
    ("Dense(init=)", lambda v: cr.Dense(3, 2, init=v), "init", "initializer",
     "glorot_unifrom", "glorot_uniform"),
    ("Conv2D(activation=)", lambda v: cr.Conv2D(1, 2, 3, activation=v), "activation",
     "activation", "rleu", "relu"),
    ("Conv2D(init=)", lambda v: cr.Conv2D(1, 2, 3, init=v), "init", "initializer",
     "he_normall", "he_normal"),
    ("BatchNorm(activation=)", lambda v: cr.BatchNorm(3, activation=v), "activation",
     "activation", "rleu", "relu"),
    ("LayerNorm(activation=)", lambda v: cr.LayerNorm(3, activation=v), "activation",
     "activation", "rleu", "relu"),
    ("Embedding(init=)", lambda v: cr.Embedding(5, 2, init=v), "init", "initializer",
     "zeroes", "zeros"),
    ("Network(loss=)", lambda v: cr.Network([cr.Dense(3, 2, "identity")], loss=v), "loss",
     "loss", "mse_", "mse"),
    ("train(optimizer=)", lambda v: cr.train(_net(), X, Y, optimizer=v, epochs=1),
     "optimizer", "optimizer", "adma", "adam"),
    ("train(schedule=)", lambda v: cr.train(_net(), X, Y, schedule=v, epochs=1),
     "schedule", "schedule", "cosin", "cosine"),
    ("Trainer(optimizer=)", lambda v: cr.Trainer(_net(), optimizer=v), "optimizer",
     "optimizer", "rmsprp", "rmsprop"),
    ("Trainer(schedule=)", lambda v: cr.Trainer(_net(), schedule={"name": v, "T_max": 3}),
     "schedule", "schedule", "cosin", "cosine"),
    ("select_hidden_units(activation=)",
     lambda v: cr.select_hidden_units(X, Y, X, Y, hidden_units=[1], n_starts=1,
                                      activation=v), "activation", "activation",
     "tahn", "tanh"),
    ("Warmup(after=)", lambda v: Warmup(2, after=v), "after", "schedule", "cosin", "cosine"),
]


@pytest.mark.parametrize(("where", "call", "arg", "kind", "typo", "meant"), CASES,
                         ids=[c[0] for c in CASES])
def test_an_unknown_name_is_refused_naming_its_argument(where, call, arg, kind, typo,
                                                        meant) -> None:
    with pytest.raises(ValueError) as info:
        call("nope")
    message = str(info.value)
    assert message.startswith(f"{arg}: unknown {kind} 'nope'; valid names are: "), message
    assert re.search(rf"\b{re.escape(meant)}\b", message.split("valid names are:")[1])
    with pytest.raises(ValueError) as info:
        call(typo)
    assert str(info.value).startswith(
        f"{arg}: unknown {kind} {typo!r} (did you mean {meant!r}?); valid names are: ")


def test_a_network_whose_loss_is_assigned_a_bad_name_names_loss_and_keeps_its_own() -> None:
    net = _net()
    with pytest.raises(ValueError, match=r"^loss: unknown loss 'squared_eror' \(did you mean "
                                         r"'squared_error'\?\)"):
        net.loss = "squared_eror"
    assert net.loss.name == "squared_error"


def test_train_refusing_a_name_leaves_the_network_as_it_was() -> None:
    net = _net()
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"^optimizer: unknown optimizer 'adma'"):
        cr.train(net, X, Y, optimizer="adma", epochs=1)
    np.testing.assert_array_equal(net.params, before)


def test_the_lookups_themselves_and_the_command_line_keep_their_words() -> None:
    """get_initializer & co. name the kind of name; their callers name the argument
    (the command line's "argument --init: unknown initializer ...")."""
    from chainrule.initializers import get_initializer
    from chainrule.schedules import get_schedule

    with pytest.raises(ValueError, match=r"^unknown initializer 'nope'; valid names are: "):
        get_initializer("nope")
    with pytest.raises(ValueError, match=r"^unknown schedule 'nope'; valid names are: "):
        get_schedule("nope")
