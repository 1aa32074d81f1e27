"""A mini-batch trace's JSON says, per layer, how its deltas are computed, as the
one-example JSON does (``fused_output_delta``, ``delta_from_net``): where an example
saturates, its printed factors dE/dout and f' do not multiply to the delta."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize(("loss", "fused", "from_net"), [("log_loss", True, False),
                                                         ("cross_entropy", False, True),
                                                         ("squared_error", False, False)])
def test_the_batch_json_says_how_the_output_deltas_are_computed(loss, fused, from_net):
    net = cr.Network.from_transfer_matrices([[[0.0], [20.0], [20.0]]], activation="sigmoid",
                                            loss=loss)
    X, Y = np.array([[1.0, 1.0], [0.0, 0.0]]), np.array([[0.0], [1.0]])
    doc = json.loads(cr.trace(net, X, Y).to_json())
    layer = doc["layers"][0]
    one = json.loads(cr.trace(net, X[0], Y[0]).to_json())["layers"][0]  # the same keys
    assert (layer["fused_output_delta"], layer["delta_from_net"]) == (fused, from_net) == (
        one["fused_output_delta"], one["delta_from_net"])
    z = X @ np.array([20.0, 20.0])  # NumPy: each example's delta, as its loss defines it
    a, a_minus = 1.0 / (1.0 + np.exp(-z)), 1.0 / (1.0 + np.exp(z))  # sigmoid(z), 1 - it
    y = Y[:, 0]
    delta = {"log_loss": a - y, "cross_entropy": -y * a_minus,
             "squared_error": (a - y) * a * a_minus}[loss]
    for i, ex in enumerate(doc["examples"]):
        # (squared_error: f' = a (1 - a) from a rounded to 1, so 0, not 4.2e-18)
        assert ex["layers"][0]["delta"] == pytest.approx([delta[i]], rel=1e-12, abs=1e-15)
    assert doc["examples"][0]["layers"][0]["fprime"] == [0.0]  # a rounds to 1 at net 40
