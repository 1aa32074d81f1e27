"""``chainrule trace --network`` reads "frozen" and "trainable" per layer (the keys of a
saved model's network record), and --frozen / --trainable with --weights; a name that
is not a parameter of its layer is refused by name.

References: one step of ``cr.train(..., SGD(lr), batch_size=1, epochs=1,
shuffle=False)`` on the network frozen in Python (bit for bit), Matt Mazur's published
w1..w8 (his update keeps the biases), and the record keys as the model file writes them
(``chainrule._io_frozen.frozen_config``)."""

from __future__ import annotations

import copy
import json
import runpy
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule._io_frozen import frozen_config
from chainrule.cli import main
from chainrule.tracing import load_spec, spec_network

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "mazur_backprop.py"
PUBLISHED = [0.149780716, 0.19956143, 0.24975114, 0.29950229,
             0.35891648, 0.408666186, 0.511301270, 0.561370121]  # his w1..w8


@pytest.fixture(scope="module")
def mazur():
    return runpy.run_path(str(EXAMPLE))


def _trace_json(capsys, *args) -> dict:
    assert main(["trace", *args, "--format", "json"]) == 0
    return json.loads(capsys.readouterr().out)


def _train_step(net, x, y, lr):
    net = copy.deepcopy(net)
    cr.train(net, [x], [y], optimizer=cr.SGD(lr=lr), batch_size=1, epochs=1, shuffle=False)
    return net


def test_mazur_description_with_frozen_biases(mazur, capsys):
    desc = {**mazur["DESCRIPTION"], "frozen": [["b"], ["b"]]}
    doc = _trace_json(capsys, "--network", json.dumps(desc))
    new = {w["name"]: w for w in doc["weights"]}
    # his w1..w8 in his order: w1 = i1->h1, w2 = i2->h1, w3 = i1->h2, ... w8 = h2->o2
    order = ["w(i1->h1)", "w(i2->h1)", "w(i1->h2)", "w(i2->h2)",
             "w(h1->o1)", "w(h2->o1)", "w(h1->o2)", "w(h2->o2)"]
    assert [new[n]["new"] for n in order] == pytest.approx(PUBLISHED, abs=6e-9)
    for b, value in (("b(h1)", 0.35), ("b(h2)", 0.35), ("b(o1)", 0.6), ("b(o2)", 0.6)):
        assert new[b]["new"] == value and new[b]["frozen"] is True
        assert new[b]["gradient"] != 0  # shown, not applied
    # the step training takes on the network frozen in Python
    net = mazur["network"]()
    for layer in net.layers:
        layer.frozen = {"b"}
    trained = _train_step(net, mazur["INPUT"], mazur["TARGET"], 0.5)
    for name in order:
        k = 0 if name.endswith(("h1)", "h2)")) else 1
        src, dst = name[2:-1].split("->")
        i, j = int(src[1]) - 1, int(dst[1]) - 1
        assert new[name]["new"] == trained.layers[k].W[i, j]


def test_the_keys_of_a_saved_model_record(capsys, tmp_path):
    """A description with the record's "trainable" and "frozen" keys traces the network
    frozen in Python, every number; a YAML file too."""
    net = cr.mlp([2, 3, 2], hidden="tanh", output="sigmoid", loss="cross_entropy", seed=4)
    net.layers[0].frozen = {"b"}
    net.layers[1].trainable = False
    keys = frozen_config(net.layers)
    assert set(keys) == {"trainable", "frozen"}
    x, y = [0.3, -0.8], [0.2, 0.7]
    desc = {"layout": "chainrule", "weights": [lay.W.tolist() for lay in net.layers],
            "biases": [lay.b.tolist() for lay in net.layers], "activation": ["tanh", "sigmoid"],
            "loss": "cross_entropy", "input": x, "target": y, "lr": 0.3, **keys}
    doc = _trace_json(capsys, "--network", json.dumps(desc), "--notation", "ufldl")
    expected = json.loads(cr.trace(net, x, y, lr=0.3, notation="ufldl").to_json())
    assert doc == expected
    layers = [np.asarray(m["new"]) for lay in doc["layers"] for m in lay["matrices"]]
    trained = _train_step(net, x, y, 0.3)
    assert np.array_equal(layers[0], trained.layers[0].W.T)  # W^(1) stepped
    assert np.array_equal(layers[1], net.layers[0].b)  # b^(1) kept
    assert np.array_equal(layers[2], net.layers[1].W.T)  # layer 2 kept whole
    assert not np.array_equal(layers[0], net.layers[0].W.T)
    path = tmp_path / "net.yaml"
    import yaml

    path.write_text(yaml.safe_dump(desc))
    assert _trace_json(capsys, "--network", str(path), "--notation", "ufldl") == expected


def test_frozen_and_trainable_options_with_weights(capsys):
    weights = "[[[1,1],[2,1]],[[2,1],[1,0]]]"
    base = ["--weights", weights, "--layout", "ufldl", "--activation", "square",
            "--input", "1", "1", "--target", "290", "14", "--lr", "0.5", "--biases",
            "[[0.5, 0.5], null]", "--notation", "ufldl"]
    doc = _trace_json(capsys, *base, "--trainable", "[false, true]", "--frozen",
                      "[[], []]")
    net = cr.Network([cr.Dense(2, 2, "square", init=np.array([[1., 2.], [1., 1.]])),
                      cr.Dense(2, 2, "square", init=np.array([[2., 1.], [1., 0.]]),
                               bias=False)], loss="squared_error")
    net.layers[0].b = np.array([0.5, 0.5])
    net.layers[0].trainable = False
    trained = _train_step(net, [1, 1], [290, 14], 0.5)
    got = {w["name"]: w for w in doc["weights"]}
    assert got["b^(1)_1"]["new"] == 0.5 and got["b^(1)_1"]["frozen"] is True
    assert got["W^(1)_12"]["new"] == 1.0 and got["W^(1)_12"]["frozen"] is True
    assert got["W^(2)_11"]["new"] == trained.layers[1].W[0, 0] != 2.0
    assert "frozen" not in got["W^(2)_11"]


@pytest.mark.parametrize("args, message", [
    (["--network", json.dumps({"weights": [[[1, 1], [2, 1]], [[2, 1], [1, 0]]],
                               "layout": "ufldl", "biases": None, "input": [1, 1],
                               "target": [290, 14], "frozen": [["b"], []]})],
     "--network: frozen[0]: 'b' is not a parameter of layer 0 (it has no biases); its "
     "parameters are ['W']"),
    (["--frozen", '[["c"], []]'],
     "--frozen: frozen[0]: 'c' is not a parameter of layer 0; its parameters are ['W', 'b']"),
    (["--frozen", '["b"]'], "--frozen: frozen: expected one list of parameter names per "
     'layer (2), e.g. [["b"], ["b"]], got [\'b\']'),
    (["--trainable", "[0, 1]"], "--trainable: trainable: expected one true/false per layer "
     "(2), e.g. [false, true], got [0, 1]"),
    (["--frozen", '[["b"], "W"]'], "--frozen: frozen[1]: expected a list of parameter names "
     "of layer 1"),
])
def test_a_parameter_the_layer_lacks_is_refused(capsys, args, message):
    assert main(["trace", *args]) == 2
    assert message in capsys.readouterr().err


def test_load_spec_keys_default_to_nothing_frozen():
    spec = spec_network(load_spec("transfer-example"))
    assert all(layer.trainable and not layer.frozen for layer in spec.network.layers)
