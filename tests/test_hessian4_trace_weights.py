"""``trace_hvp(..., sample_weight=w)`` and ``chainrule trace --hvp V --sample-weight W ...``
(hessian4): the traced H v of the weighted cost, against ``hessian_vector_product`` with the
same weights, and integer weights against the rows repeated that many times (the
unweighted trace of the longer batch)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dense, Network
from chainrule.cli import main
from chainrule.tracing import trace_hvp
from file_helpers import cli_fails, cli_out

X = np.array([[1.0, 2.0], [0.5, -1.0], [-1.0, 0.3]])


@pytest.mark.parametrize(("hidden", "output", "loss", "y", "decay"), [
    ("tanh", "softmax", "cross_entropy", np.array([0, 1, 1]), "ufldl"),
    ("sigmoid", "sigmoid", "log_loss", np.array([1.0, 0.0, 1.0]), "per_sample"),
    ("relu", "identity", "squared_error", np.array([0.5, -1.0, 2.0]), "per_sample"),
])
def test_weighted_trace_is_the_weighted_hv_and_integer_weights_repeat_rows(
        hidden, output, loss, y, decay):
    net = cr.mlp([2, 3, 1 if output != "softmax" else 2], hidden=hidden, output=output,
                 loss=loss, seed=0, weight_decay=0.1, decay=decay)
    v = np.random.default_rng(0).normal(size=net.n_params)
    w = np.array([2.0, 1.0, 3.0])
    t = trace_hvp(net, X, y, v, sample_weight=w)
    ref = cr.hessian_vector_product(net, X, y, v, sample_weight=w)
    np.testing.assert_allclose(t.hv, ref, rtol=0, atol=1e-13 * np.abs(ref).max())
    # the rows repeated 2, 1 and 3 times, unweighted: the same cost and H v
    rep = np.repeat(np.arange(3), w.astype(int))
    t_rep = trace_hvp(net, X[rep], y[rep], v)
    np.testing.assert_allclose(t.hv, t_rep.hv, rtol=0, atol=1e-13 * np.abs(ref).max())
    assert t.cost == pytest.approx(t_rep.cost, rel=1e-13)
    # the weighted rows' deltas are the repeated rows' deltas summed
    d_rep = t_rep.layers[-1]["delta"]
    np.testing.assert_allclose(t.layers[-1]["delta"],
                               np.array([d_rep[rep == i].sum(axis=0) for i in range(3)]),
                               rtol=0, atol=1e-15)
    text = t.text()
    assert "sample weights w = [2, 1, 3]: J = sum_i w_i L_i / sum(w) (+ decay)" in text
    assert "each row carries w_i / sum(w) = [0.333333, 0.166667, 0.5]" in text
    assert t.to_dict()["sample_weight"] == [2.0, 1.0, 3.0]


def test_no_weights_or_weights_all_one_print_the_unweighted_trace():
    net = cr.mlp([2, 3, 2], hidden="tanh", output="softmax", loss="cross_entropy", seed=1)
    v = np.ones(net.n_params)
    y = np.array([0, 1, 1])
    plain = trace_hvp(net, X, y, v)
    assert trace_hvp(net, X, y, v, sample_weight=np.ones(3)).text() == plain.text()
    assert "each row carries 1/m = 0.333333" in plain.text()
    assert "sample weights" not in plain.text()
    assert plain.to_dict()["sample_weight"] is None
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\)"):
        trace_hvp(net, X, y, v, sample_weight=[1.0, 2.0])


_CLI = ["trace", "--weights", "[[[1,-1],[1,1]],[[2],[1]]]", "--layout", "chainrule",
        "--biases", "[[0,0.5],[1]]", "--activation", "tanh", "identity", "--loss",
        "squared_error", "--hvp", "[1,0,0,1,1,1,1,-1,0]", "--format", "json"]


def test_cli_sample_weight_is_the_repeated_rows_and_the_hessian_functions(capsys):
    weighted = json.loads(cli_out(capsys, [*_CLI, "--input", "2", "1", "--target", "5",
                                           "--input", "1", "0", "--target", "1",
                                           "--sample-weight", "2", "1"]))
    repeated = json.loads(cli_out(capsys, [*_CLI, "--input", "2", "1", "--target", "5",
                                           "--input", "2", "1", "--target", "5",
                                           "--input", "1", "0", "--target", "1"]))
    np.testing.assert_allclose(weighted["hv"], repeated["hv"], rtol=1e-14, atol=1e-14)
    net = Network([Dense(2, 2, "tanh"), Dense(2, 1, "identity")], loss="squared_error")
    net.layers[0].W, net.layers[0].b = [[1, -1], [1, 1]], [0, 0.5]
    net.layers[1].W, net.layers[1].b = [[2], [1]], [1]
    ref = cr.hessian_vector_product(net, [[2, 1], [1, 0]], [5, 1],
                                    [1, 0, 0, 1, 1, 1, 1, -1, 0], sample_weight=[2, 1])
    np.testing.assert_allclose(weighted["hv"], ref, rtol=1e-14, atol=1e-14)
    assert weighted["sample_weight"] == [2.0, 1.0]


def test_cli_sample_weight_refusals(capsys):
    one = ["--input", "2", "1", "--target", "5"]
    err = cli_fails(capsys, [*_CLI, *one, "--sample-weight", "2", "1"])
    assert "--sample-weight: expected one weight per --input row (1), got 2" in err
    err = cli_fails(capsys, [*_CLI, *one, "--input", "1", "0", "--target", "1",
                             "--sample-weight", "0", "0"])
    assert "--sample-weight: expected weights with a positive sum, got all 0" in err
    step = [a for a in _CLI if a not in ("--hvp", "[1,0,0,1,1,1,1,-1,0]")]
    err = cli_fails(capsys, [*step, *one, "--sample-weight", "2"])
    assert "--sample-weight: weighs the rows of --hvp's cost; the step trace takes no" in err
    assert main([*step, *one]) == 0  # (without it, the step trace as before)
