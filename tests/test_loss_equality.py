"""Equality and hash of losses: two losses of get_loss with the same name and settings are
equal (after a pickle, a deepcopy, a network's save and load), other settings are not, and
a user's Loss is equal only to a loss of the very same functions."""

from __future__ import annotations

import copy
import pickle
from dataclasses import replace

import chainrule
from chainrule import io
from chainrule.losses import LOSSES, Loss, get_loss, huber

SMOOTHED = {"name": "log_loss", "label_smoothing": 0.1}


def test_losses_of_the_same_name_and_settings_are_equal_and_hash_alike(tmp_path):
    net = chainrule.mlp([3, 4, 2], loss=huber(0.5), seed=0)
    io.save(net, tmp_path / "net.npz")
    cases = [
        (huber(1.0), huber(1.0)),
        (huber(1), get_loss("huber")),
        (huber(0.5), io.load(tmp_path / "net.npz").loss),
        (get_loss(SMOOTHED), get_loss(dict(SMOOTHED))),
        (get_loss({"name": "cross_entropy", "label_smoothing": 0.2}),
         get_loss({"name": "nll", "label_smoothing": 0.2})),
    ]
    for a in [huber(2.0), get_loss(SMOOTHED), LOSSES["squared_error"]]:
        cases += [(a, pickle.loads(pickle.dumps(a))), (a, copy.deepcopy(a))]
    for a, b in cases:
        assert a == b and b == a, (a.label, b.label)
        assert hash(a) == hash(b)
    assert len({huber(1.0), huber(1.0), get_loss("huber")}) == 1
    assert {get_loss(SMOOTHED): "x"}[copy.deepcopy(get_loss(SMOOTHED))] == "x"


def test_other_settings_or_other_functions_are_not_equal():
    assert huber(1.0) != huber(0.5)
    assert get_loss(SMOOTHED) != get_loss({"name": "log_loss", "label_smoothing": 0.2})
    assert get_loss(SMOOTHED) != LOSSES["log_loss"]
    assert get_loss(SMOOTHED) != get_loss({"name": "cross_entropy", "label_smoothing": 0.1})
    assert len({huber(1.0), huber(0.5), huber(2.0)}) == 3
    # a user's loss of the same name and settings but other functions
    mine = Loss("huber", lambda a, y: abs(a - y).sum(1), lambda a, y: a - y,
                params={"delta": 1.0})
    assert mine != huber(1.0) and huber(1.0) != mine
    assert replace(huber(1.0), grad=mine.grad) != huber(1.0)
    assert len({mine, huber(1.0)}) == 2


def test_a_users_loss_compares_by_its_fields():
    base = LOSSES["squared_error"]
    mine = Loss(base.name, base.value, base.grad)
    assert mine == Loss(base.name, base.value, base.grad)
    assert hash(mine) == hash(Loss(base.name, base.value, base.grad))
    assert mine != base  # no canonical pair nor logit paths: not the same loss
    same = Loss(base.name, base.value, base.grad, base.canonical, base.value_from_logits,
                logit_paths=base.logit_paths)
    assert same == base and hash(same) == hash(base)
    assert mine != "squared_error"


def test_equal_settings_in_another_order_hash_alike():
    """Settings compare as dicts, whatever their order, so the hash must not see the order
    either: equal losses with unequal hashes would both stay in one set."""
    base = LOSSES["squared_error"]
    one = Loss("mine", base.value, base.grad, params={"a": 1.0, "b": 2.0})
    two = Loss("mine", base.value, base.grad, params={"b": 2.0, "a": 1.0})
    assert one == two
    assert hash(one) == hash(two)
    assert len({one, two}) == 1
