"""The trace's update leaves frozen parameters as training does (layer.trainable = False,
layer.frozen = {"b"}), and says so, their gradients still shown.

References: one step of ``cr.train(..., SGD(lr), batch_size=n, epochs=1, shuffle=False)``
on the same frozen network (bit for bit: the trace shows the step training takes); Matt
Mazur's published w1..w8 after his update (which leaves his biases alone); his hidden
delta written out in NumPy from his equations."""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mazur_backprop.py"
PUBLISHED = {"w1": 0.149780716, "w2": 0.19956143, "w3": 0.24975114, "w4": 0.29950229,
             "w5": 0.35891648, "w6": 0.408666186, "w7": 0.511301270, "w8": 0.561370121}


@pytest.fixture(scope="module")
def mazur():
    return runpy.run_path(str(EXAMPLE))


def _trained_once(net, X, Y, lr):
    """One step of chainrule.train with SGD(lr) on all the rows as one batch."""
    net = copy.deepcopy(net)
    cr.train(net, X, Y, optimizer=cr.SGD(lr=lr), batch_size=len(X), epochs=1, shuffle=False)
    return net.params


def _sig(z):
    return 1 / (1 + np.exp(-z))


def test_mazur_frozen_biases_trace_is_his_update(mazur):
    net = mazur["network"]()
    for layer in net.layers:
        layer.frozen = {"b"}
    t = cr.trace(net, mazur["INPUT"], mazur["TARGET"], lr=0.5, notation="netout", digits=9)
    after = t.step.network_after
    # the step training takes, bit for bit
    assert np.array_equal(after.params, _trained_once(net, [mazur["INPUT"]],
                                                      [mazur["TARGET"]], 0.5))
    # his biases kept, his published weights
    for layer in after.layers:
        assert np.array_equal(layer.b, [0.35, 0.35] if layer is after.layers[0] else [0.6, 0.6])
    got = mazur["named_weights"](after)
    for name, value in PUBLISHED.items():
        assert got[name] == pytest.approx(value, abs=6e-9)
    # his delta_h1 by his equations: dE/dout_h1 = sum_o delta_o w_(h1->o), times f'(net_h1)
    i, tgt = np.array([0.05, 0.10]), np.array([0.01, 0.99])
    h = _sig(np.array([[0.15, 0.20], [0.25, 0.30]]) @ i + 0.35)
    o = _sig(np.array([[0.40, 0.45], [0.50, 0.55]]) @ h + 0.60)
    delta_o = (o - tgt) * o * (1 - o)
    delta_h1 = (delta_o[0] * 0.40 + delta_o[1] * 0.50) * h[0] * (1 - h[0])
    text = t.text()
    assert f"dE/db(h1) = delta_h1 = {delta_h1:.9g};   b(h1) = 0.35 (frozen)" in text
    assert "new b(" not in text
    # the JSON: the gradient shown, the new value the old one, marked frozen
    b_h1 = next(w for w in t.to_dict()["weights"] if w["name"] == "b(h1)")
    assert b_h1["frozen"] is True and b_h1["new"] == 0.35
    assert b_h1["gradient"] == pytest.approx(delta_h1, rel=1e-12)
    assert mazur["trace_frozen_step"]().to_dict() == t.to_dict()  # the example's trace
    w1 = next(w for w in t.to_dict()["weights"] if w["name"] == "w(i1->h1)")
    assert "frozen" not in w1 and w1["new"] == pytest.approx(PUBLISHED["w1"], abs=6e-9)


def _frozen_net(decay: float = 0.0):
    """A 3-4-3-2 network: layer 0's weights frozen, layer 1's biases, layer 2 trainable."""
    rng = np.random.default_rng(15)
    net = cr.mlp([3, 4, 3, 2], hidden="tanh", output="sigmoid",
                     loss="cross_entropy", seed=3, weight_decay=decay)
    net.set_params(rng.normal(scale=0.6, size=net.n_params))
    net.layers[0].frozen = {"W"}
    net.layers[1].frozen = {"b"}
    return net, rng


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_one_example_step_is_trainings(notation):
    net, rng = _frozen_net()
    x, y = rng.normal(size=3), rng.uniform(0.1, 0.9, size=2)
    before = net.params.copy()
    t = cr.trace(net, x, y, lr=0.7, notation=notation)
    assert np.array_equal(net.params, before)  # the network traced is not changed
    assert np.array_equal(t.step.network_after.params, _trained_once(net, [x], [y], 0.7))
    doc = json.loads(t.to_json())
    frozen = [w for w in doc["weights"] if w.get("frozen")]
    n_frozen = 3 * 4 + 3  # layer 0's W, layer 1's b
    assert len(frozen) == n_frozen
    assert all(w["new"] == w["value"] and w["gradient"] != 0 for w in frozen)
    assert all(w["new"] != w["value"] for w in doc["weights"] if not w.get("frozen"))
    assert t.text().count("(frozen)") >= (n_frozen if notation == "netout" else 2)


@pytest.mark.parametrize("notation", ["transfer", "ufldl"])
@pytest.mark.parametrize("decay", [0.0, 0.05])
def test_mini_batch_step_is_trainings(notation, decay):
    net, rng = _frozen_net(decay)
    net.layers[1].trainable = False  # now all of layer 1, layer 0's W
    X, Y = rng.normal(size=(5, 3)), rng.uniform(0.1, 0.9, size=(5, 2))
    t = cr.trace(net, X, Y, lr=0.4, notation=notation)
    assert np.array_equal(t.step.network_after.params, _trained_once(net, X, Y, 0.4))
    layers = t.to_dict()["layers"]
    assert [lay.get("frozen") for lay in layers] == [["W"], ["W", "b"], None]
    text = t.text()
    assert "(frozen)" in text
    if notation == "transfer":  # W0's weight rows kept, its bias row updated
        assert "(rows 1:, the weights, frozen)" in text
    # the gradients of the frozen parameters are still shown (not zeroed)
    assert np.abs(t.step.layers[1].dW).min() > 0


def test_nothing_frozen_prints_as_before():
    net, rng = _frozen_net()
    for layer in net.layers:
        layer.frozen = set()
    x, y = rng.normal(size=3), rng.uniform(0.1, 0.9, size=2)
    t = cr.trace(net, x, y, lr=0.7, notation="ufldl")
    assert "frozen" not in t.text() and "frozen" not in t.to_json()
    # training's step, bit for bit; the textbook formula to the last unit
    assert np.array_equal(t.step.network_after.params, _trained_once(net, [x], [y], 0.7))
    _, grad = net.loss_and_grad(np.array([x]), np.array([y]))
    assert np.allclose(t.step.network_after.params, net.params - 0.7 * grad, rtol=4e-16,
                       atol=0)
