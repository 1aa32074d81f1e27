"""History: its JSON form read back, and what is not that form refused by name."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import chainrule
from chainrule import History

FORM = ("{'metrics': {name: [one value per epoch]}, 'stop_reason': ..., 'best_epoch': ...}")


def test_a_trained_history_comes_back_from_its_json_text():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 2))
    y = X[:, :1] - X[:, 1:]
    net = chainrule.mlp([2, 3, 1], hidden="tanh", output="identity", seed=0)
    h = chainrule.train(net, X, y, optimizer="gd", lr=0.1, epochs=4, patience=2,
                        validation_data=(X, y))
    back = History.from_json(json.loads(json.dumps(h.to_json())))
    assert dict(back) == dict(h) and len(back["loss"]) == 4
    assert (back.stop_reason, back.best_epoch) == (h.stop_reason, h.best_epoch)


@pytest.mark.parametrize("data, error, message", [
    ({}, ValueError, f"data has no 'metrics'; expected a dict as History.to_json returns it "
                     f"({FORM}), got {{}}"),
    ({"stop_reason": "epochs", "best_epoch": None}, ValueError,
     f"data has no 'metrics'; expected a dict as History.to_json returns it ({FORM}), got one "
     "with the keys 'stop_reason', 'best_epoch'"),
    (None, TypeError, f"data must be a dict as History.to_json returns it ({FORM}), got "
                      "NoneType"),
    ([["loss", [1.0]]], TypeError, f"data must be a dict as History.to_json returns it "
                                   f"({FORM}), got list"),
    ({"metrics": None}, TypeError,
     "data['metrics'] must be a dict of metric name -> list of values, got NoneType"),
    ({"metrics": {"loss": 0.5}}, TypeError,
     "data['metrics']['loss'] must be a list of one value per epoch, got float"),
])
def test_from_json_of_what_to_json_does_not_write_says_what_it_expected(data, error, message):
    """History.from_json({}) raised a bare KeyError('metrics'), from_json(None) "TypeError:
    'NoneType' object is not subscriptable", and {"metrics": {"loss": 0.5}} was taken as
    a history whose "loss" is a float, not one value per epoch."""
    with pytest.raises(error, match=f"^{re.escape(message)}$"):
        History.from_json(data)
