"""A mini-batch trace gives, example by example, the lines and the note the one-example
trace gives where a unit saturates and the printed factors dE/d(out) and f' (or the
softmax Jacobian) no longer multiply to its delta."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.cli import main
from chainrule.tracing.render import fmt


def test_a_saturated_log_loss_output_is_noted_for_its_example_only(capsys):
    """Example 1 drives the sigmoid output to net 40: out rounds to 1, f' = out (1 - out)
    = 0 in float64, so dE/dout * f' = 0 while delta = out - y = 1.  The one-example trace
    said so under its table; the batch trace printed the 0 and the 1 side by side without
    a word."""
    args = ["trace", "--weights", "[[[0],[20],[20]]]", "--loss", "log_loss",
            "--input", "1", "1", "--input", "0", "0", "--target", "0", "--target", "1"]
    assert main(args) == 0
    out = capsys.readouterr().out
    a = 1.0 / (1.0 + np.exp(-np.array([40.0, 0.0])))  # NumPy: the outputs of the two examples
    assert a[0] * (1.0 - a[0]) == 0.0 and a[0] - 0.0 == 1.0  # the saturated example's f', delta
    line = next(s.strip() for s in out.splitlines() if "in float64, not" in s)
    assert line.startswith("example 1, unit 1: dE_i/dx^(1)_1 * phi'(s^(1)_1) = ")
    assert line.endswith("* 0 = 0 in float64, not delta^(1)_1 = 1")
    assert "example 2" not in out.split("Gradients")[0]  # f' = 0.25: its product is delta
    assert f"[{fmt(a[1] * (1 - a[1]))}]" in out
    assert "where it saturates they lose delta" in out
    assert out.count("where it saturates") == 1  # one note for the layer


def test_a_saturated_softmax_hidden_layer_names_the_example_and_the_unit():
    """Example 2's softmax hidden layer saturates (net 30, -30, 0): its Jacobian sum
    written out in float64 is not the delta the backward pass computes; example 1's is."""
    net = cr.Network.from_transfer_matrices(
        [[[0.0, 0.0, 0.0], [3.0, -3.0, 0.0]], [[0.1], [0.5], [-0.7], [0.3]]],
        activation=["softmax", "sigmoid"], loss="log_loss")
    X, Y = np.array([[0.1], [10.0]]), np.array([[1.0], [1.0]])
    text = cr.trace(net, X, Y).text()
    W1, b1 = np.array([0.5, -0.7, 0.3]), 0.1
    for i, x in enumerate(X[:, 0], start=1):  # NumPy, example by example
        z = np.array([3.0, -3.0, 0.0]) * x
        a = np.exp(z - z.max()) / np.exp(z - z.max()).sum()
        o = 1.0 / (1.0 + np.exp(-(a @ W1 + b1)))
        g = W1 * (o - 1.0)                       # dE/d(out) of the hidden layer, y = 1
        delta = a * (g - np.sum(g * a))          # the softmax Jacobian sum factored
        expanded = (np.diag(a) - np.outer(a, a)).T @ g  # written out term by term
        shown = [fmt(e) != fmt(d) for e, d in zip(expanded, delta, strict=True)]
        assert any(shown) == (i == 2)
        for j in np.flatnonzero(shown):
            assert (f"example {i}, unit {j + 1}: ((dx^(1)/ds^(1))^T dE_i/dx^(1))_{j + 1} = "
                    f"{fmt(expanded[j])} in float64, not delta^(1)_{j + 1} = "
                    f"{fmt(delta[j])}") in text
    assert "example 1, unit" not in text
    assert "(softmax: chainrule computes delta = x^(1) (dE_i/dx^(1) - sum_m" in text
