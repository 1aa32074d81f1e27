"""Which refusals ``train`` prefixes with the argument they are about (``_names.naming``).

``train(lr="abc")``'s refusal read "optimizer: lr must be ..." (robust33's prefix of every
TypeError raised while the optimizer is looked up, which takes train's own lr and
momentum): lr is train's argument, not its optimizer's.  A schedule's dict, on the other
hand, is all the schedule's: its ValueErrors were left bare while its TypeErrors were
prefixed ("step_size must be an int >= 1, got 0" but "schedule: step_size must be an int
>= 1, got 'a' (str)")."""

import numpy as np
import pytest

import chainrule as cr


def _run(**kw):
    X = np.random.default_rng(0).random((12, 3))
    Y = np.eye(2)[np.arange(12) % 2]
    net = cr.Network([cr.Dense(3, 4, activation="relu", seed=0),
                      cr.Dense(4, 2, activation="softmax", seed=1)], loss="cross_entropy")
    return cr.train(net, X, Y, epochs=1, **kw)


@pytest.mark.parametrize(("kw", "kind", "start"), [
    ({"lr": "abc"}, TypeError, "lr must be a finite float > 0, got 'abc'"),
    ({"lr": -1}, ValueError, "lr must be a finite float > 0, got -1"),
    ({"momentum": "x"}, TypeError, "momentum must be a finite float >= 0, got 'x'"),
    ({"optimizer": 3}, TypeError, "optimizer must be a name (str)"),
    ({"optimizer": "adma"}, ValueError, "optimizer: unknown optimizer 'adma'"),
    ({"schedule": {"name": "step", "step_size": 0}}, ValueError,
     "schedule: step_size must be an int >= 1, got 0"),
    ({"schedule": {"name": "step", "step_size": "a"}}, TypeError,
     "schedule: step_size must be an int >= 1, got 'a'"),
    ({"schedule": {"name": "warmup", "epochs": 0}}, ValueError,
     "schedule: Warmup's epochs must be an int >= 1, got 0"),
    ({"schedule": 3}, TypeError, "schedule must be a name, a dict or a Schedule"),
    ({"schedule": "cosin"}, ValueError, "schedule: unknown schedule 'cosin'"),
])
def test_train_names_the_argument_a_refusal_is_about(kw, kind, start):
    with pytest.raises(kind) as info:
        _run(**kw)
    assert str(info.value).startswith(start), str(info.value)


def test_a_lookups_type_refusal_is_prefixed_once():
    with pytest.raises(TypeError, match=r"^output: activation must be a name \(str\)"):
        cr.mlp([3, 4, 2], output=0.5)
    with pytest.raises(TypeError, match=r"^activation must be a name \(str\)"):
        cr.Dense(3, 4, activation=2)  # begins with the argument already
