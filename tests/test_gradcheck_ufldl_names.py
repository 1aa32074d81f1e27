"""A gradient check names each parameter as NumPy indexes it (``layers[1].W[2, 0]``, from 0,
W of shape (fan_in, fan_out)) and, for a network of Dense layers, as UFLDL and ``chainrule
trace --notation ufldl`` name it (``W^(2)_13``: to unit 1 of layer 3 from unit 3 of layer 2,
from 1, rows = destination).  The check printed the first alone, so a student reading a
trace could not find the weight it named."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


def _ufldl_matrix_entry(net, name):
    """The value UFLDL's name denotes: W^(l) = layers[l-1].W.T, b^(l) = layers[l-1].b, from 1."""
    m = re.fullmatch(r"([Wb])\^\((\d+)\)_(\d+)", name) or re.fullmatch(
        r"(W)\^\((\d+)\)_(\d+,\d+)", name)
    assert m, name
    kind, layer, index = m.group(1), net.layers[int(m.group(2)) - 1], m.group(3)
    if kind == "b":
        return layer.b[int(index) - 1]
    i, j = index.split(",") if "," in index else index  # one digit each without a comma
    return layer.W.T[int(i) - 1, int(j) - 1]


@pytest.mark.parametrize("sizes", [[2, 3, 1], [3, 12, 2]])
def test_each_parameter_has_the_traces_ufldl_name(sizes):
    net = cr.mlp(sizes, seed=0)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(size=sizes[0]), rng.uniform(size=sizes[-1])
    check = cr.gradient_check(net, x[None, :], y[None, :])
    trace = json.loads(cr.trace(net, x, y, notation="ufldl").to_json())
    named = {w["name"]: w for w in trace["weights"]}
    theta = net.params
    names = [check.ufldl_name(i) for i in range(theta.size)]
    assert sorted(names) == sorted(named)  # every weight and bias once, as the trace names them
    for i, name in enumerate(names):
        assert _ufldl_matrix_entry(net, name) == theta[i]
        assert named[name]["value"] == theta[i]
        assert named[name]["gradient"] == pytest.approx(check.analytical[i], rel=1e-12,
                                                        abs=1e-15)
    if sizes[1] >= 10:  # a comma where an index may have two digits, as in the trace
        assert check.ufldl_name(sizes[0] * sizes[1] - 1) == f"W^(1)_{sizes[1]},{sizes[0]}"
    if sizes == [2, 3, 1]:  # after W (2, 3) and b (3,) of layers[0]: layers[1].W[2, 0]
        assert (check.parameter_name(11), check.ufldl_name(11)) == ("layers[1].W[2, 0]",
                                                                    "W^(2)_13")


def test_the_report_gives_both_names(capsys):
    assert main(["gradcheck", "--sizes", "4", "5", "3"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"worst parameter 40 \(layers\[1\]\.b\[0\], UFLDL's b\^\(2\)_1\)", out)


def test_no_ufldl_name_for_a_network_that_is_not_all_dense():
    net = cr.Network([cr.Conv2D(1, 2, 3, activation="tanh", seed=0), cr.Flatten(),
                      cr.Dense(8, 1, "identity", seed=0)], loss="squared_error",
                     input_shape=(1, 4, 4))
    X = np.random.default_rng(0).normal(size=(2, 1, 4, 4))
    check = cr.gradient_check(net, X, np.ones((2, 1)))
    assert not check.ufldl and check.ufldl_name(0) is None
    assert "UFLDL" not in str(check) and "layers[0]" in str(check)
