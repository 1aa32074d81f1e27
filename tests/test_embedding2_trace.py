"""Tracing an Embedding layer: ``chainrule.tracing.trace_embedding`` and ``chainrule
trace-conv --table``: each lookup, and which rows of dW receive which slices of dout (the
scatter-add), checked against a plain NumPy loop (Karpathy's ``dC[Xb[k, j]] += demb[k,
j]``) and a hand-worked example; ``chainrule trace`` (Dense only) points to it."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule import Dense, Embedding, Network
from chainrule.tracing import trace_embedding
from file_helpers import cli_fails, cli_out

TABLE = [[0.0, 1.0], [2.0, 3.0], [4.0, 5.0]]
X = [[2, 0], [1, 1]]
DOUT = [[0.1, 0.2, 0.3, 0.4], [1.0, 2.0, 3.0, -4.0]]


def _numpy(W, X, dout):
    """The lookup and the scatter-add as loops over the positions (n, t)."""
    W, X, dout = np.asarray(W), np.asarray(X), np.asarray(dout)
    D = W.shape[1]
    A = np.concatenate([W[X[:, t]] for t in range(X.shape[1])], axis=1)
    dW, rows = np.zeros_like(W), {v: [] for v in range(len(W))}
    for n in range(X.shape[0]):
        for t in range(X.shape[1]):
            dW[X[n, t]] += dout[n, t * D:(t + 1) * D]
            rows[int(X[n, t])].append((n, t))
    return A, dW, rows


def test_the_hand_worked_example():
    t = trace_embedding(Embedding(3, 2, init=TABLE), X, DOUT)
    lines = t.text().splitlines()
    # by hand: A[0] = W[2] | W[0]; dW[1] = dout[1, 0:2] + dout[1, 2:4] = [1+3, 2-4]
    assert lines[2] == "A[0] = W[2] | W[0] = [4, 5] | [0, 1]"
    assert lines[3] == "A[1] = W[1] | W[1] = [2, 3] | [2, 3]"
    assert lines[5:11] == ["dW[0] = dout[0,2:4]", "  = [0.3, 0.4] = [0.3, 0.4]",
                           "dW[1] = dout[1,0:2] + dout[1,2:4]", "  = [1, 2] + [3, (-4)] = [4, -2]",
                           "dW[2] = dout[0,0:2]", "  = [0.1, 0.2] = [0.1, 0.2]"]


def test_a_random_batch_equals_the_numpy_loops():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((7, 3))
    Xr = rng.integers(0, 6, (5, 4))  # row 6 never used: its dW stays 0
    Xr[0, :2] = Xr[3, 3] = 2  # an index used several times
    dout = rng.standard_normal((5, 12))
    layer = Embedding(7, 3, init=W)
    t = trace_embedding(layer, Xr, dout)
    A, dW, rows = _numpy(W, Xr, dout)
    np.testing.assert_array_equal(t.A, A)
    np.testing.assert_allclose(t.dW, dW, rtol=1e-14, atol=1e-15)
    assert t.rows == rows and t.rows[6] == []
    assert "dW[6] = 0" in t.text() and layer.X is None  # the layer itself untouched


def test_the_command_line_gives_the_numpy_numbers(capsys):
    out = cli_out(capsys, ["trace-conv", "--input", json.dumps(X), "--table",
                           json.dumps(TABLE), "--dout", json.dumps(DOUT), "--format", "json"])
    got = json.loads(out)
    A, dW, rows = _numpy(TABLE, X, DOUT)
    np.testing.assert_array_equal(got["A"], A)
    np.testing.assert_allclose(got["dW"], dW, rtol=1e-15)
    assert {r["row"]: [tuple(p) for p in r["from"]] for r in got["rows"]} == rows
    text = cli_out(capsys, ["trace-conv", "--input", "[2, 0]", "--table", json.dumps(TABLE)])
    assert "dW[1] = 0\n  = 0 = [0, 0]" in text  # dout of ones by default; row 1 unused


@pytest.mark.parametrize(("argv", "said"), [
    (["--input", "[[2, 3]]"], "--input: Embedding(3, 2): X must hold indices in [0, 3)"),
    (["--input", "[[2, 0]]", "--stride", "2"], "--stride: an Embedding layer has none"),
    (["--input", "[[2, 0]]", "--dout", "[1, 2]"], "dout must have the output's shape (1, 4)"),
])
def test_the_command_line_refuses_by_name(capsys, argv, said):
    err = cli_fails(capsys, ["trace-conv", "--table", json.dumps(TABLE), *argv])
    assert said in err


def test_the_dense_step_points_to_the_trace_and_the_embedding_trace():
    # (cr.tracing.trace shows a first Embedding since student32: test_student32_trace_*)
    net = Network([Embedding(3, 2, block_size=2), Dense(4, 1, "sigmoid")])
    with pytest.raises(ValueError, match=r"Dense layers only.*trace\(net, x, y\)"
                       r".*trace_embedding"):
        cr.tracing.compute_step(net, [1, 2], [1])
