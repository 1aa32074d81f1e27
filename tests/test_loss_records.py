"""A recorded loss is read as recorded: a model file's or a trace description's.

``Network(layers)`` takes the output's canonical loss when ``loss`` is None, so a
record whose loss is null must be refused (as before that default), not read with
another loss than the network was saved or described with.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Dense, Network, io
from chainrule.tracing import load_spec, spec_network
from file_helpers import edit_saved_meta


@pytest.fixture
def saved_sigmoid(tmp_path):
    net = Network([Dense(3, 1, "sigmoid", seed=0)], loss="squared_error")
    return io.save(net, tmp_path / "net.npz")


def test_a_saved_loss_of_null_is_refused_not_re_defaulted(saved_sigmoid):
    edit_saved_meta(saved_sigmoid, lambda meta: meta["network"].update(loss=None))
    with pytest.raises(ValueError, match=r"network\.loss: expected the name of a loss.*None"):
        io.load(saved_sigmoid)


def test_a_saved_file_without_a_loss_is_refused(saved_sigmoid):
    edit_saved_meta(saved_sigmoid, lambda meta: meta["network"].pop("loss"))
    with pytest.raises(ValueError, match="loss"):
        io.load(saved_sigmoid)


def test_a_saved_squared_error_sigmoid_keeps_its_cost(saved_sigmoid):
    net = io.load(saved_sigmoid)
    X = np.random.default_rng(1).normal(size=(4, 3))
    y = np.array([[1.0], [0.0], [1.0], [1.0]])
    a = 1 / (1 + np.exp(-(X @ net.layers[0].W + net.layers[0].b)))
    J, _ = net.cost(net.params, X, y)
    assert net.loss.name == "squared_error"
    assert J == pytest.approx(0.5 * np.sum((a - y) ** 2) / 4, rel=1e-12)


def test_a_trace_description_with_a_loss_of_null_is_refused():
    spec = load_spec({"weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[-0.3], [0.5], [0.1]]],
                      "input": [1, 2], "target": [1], "loss": None})
    with pytest.raises(ValueError, match=r"loss must be a loss name .*got None"):
        spec_network(spec)


def test_a_trace_description_without_a_loss_takes_the_squared_error():
    spec = load_spec({"weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], [[-0.3], [0.5], [0.1]]],
                      "input": [1, 2], "target": [1]})
    assert spec_network(spec).network.loss.name == "squared_error"


def test_a_softmax_network_built_layer_by_layer_costs_its_cross_entropy():
    net = Network([Dense(3, 4, "tanh", seed=0), Dense(4, 3, "softmax", seed=1)])
    X = np.random.default_rng(0).normal(size=(5, 3))
    Y = np.eye(3)[[0, 1, 2, 1, 0]]
    H = np.tanh(X @ net.layers[0].W + net.layers[0].b)
    Z = H @ net.layers[1].W + net.layers[1].b
    Z -= Z.max(axis=1, keepdims=True)
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    J, _ = net.cost(net.params, X, Y)
    assert J == pytest.approx(-np.sum(Y * np.log(P)) / 5, rel=1e-12)
