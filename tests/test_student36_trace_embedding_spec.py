"""``chainrule trace --network`` with ``"embedding": {"table": ..., "block_size": ...}``: a
first Embedding before the description's Dense ``weights``, ``input`` its indices.

References: the CLI's text is ``cr.tracing.trace`` of the same network built here in Python
(byte for byte), and the lookup and table gradient are worked out by hand below (the rows
the indices pick, and dW's rows as the slices of W1 delta that looked them up)."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main

TABLE = [[0, 1], [2, 3], [4, 5]]
W1 = [[0.1], [-0.2], [0.3], [0.05]]  # chainrule layout (fan_in 4, fan_out 1)
DESC = {"embedding": {"table": TABLE, "block_size": 2}, "layout": "chainrule",
        "weights": [W1], "biases": [[0.1]], "activation": "sigmoid", "loss": "log_loss",
        "input": [2, 0], "target": [1]}


def _python_net():
    dense = cr.Dense(4, 1, "sigmoid", init=np.array(W1))
    dense.b = np.array([0.1])
    return cr.Network([cr.Embedding(3, 2, block_size=2, init=TABLE), dense], loss="log_loss")


def _cli(capsys, desc, *args):
    code = main(["trace", "--network", json.dumps(desc), *args])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("notation", ["transfer", "ufldl", "netout"])
def test_cli_prints_the_python_trace_byte_for_byte(capsys, notation):
    code, out, _ = _cli(capsys, DESC, "--notation", notation)
    assert code == 0
    # print(t) of the Python one-liner writes str(t) and a newline; str(t) has none at the end
    want = str(cr.tracing.trace(_python_net(), [2, 0], [1], notation=notation))
    assert out == want.rstrip("\n") + "\n"


def test_the_lookup_and_table_gradient_by_hand(capsys):
    code, out, _ = _cli(capsys, DESC, "--format", "json")
    assert code == 0
    doc = json.loads(out)["embedding"]
    # A = W[2] | W[0] = [4, 5, 0, 1]; s = 0.1 + 0.4 - 1.0 + 0 + 0.05 = -0.45
    a = 1 / (1 + np.exp(0.45))
    delta = a - 1  # sigmoid + log loss
    dA = np.array(W1).ravel() * delta
    np.testing.assert_allclose(np.ravel(doc["A"]), [4, 5, 0, 1], rtol=0, atol=0)
    want_dW = np.array([dA[2:4], [0, 0], dA[0:2]])  # index 2 at position 0, index 0 at 1
    np.testing.assert_allclose(doc["dW"], want_dW, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(doc["W_new"], np.array(TABLE) - want_dW, rtol=1e-14)


def test_batch_of_indices_and_block_size_inferred(capsys):
    desc = {**DESC, "input": [[2, 0], [1, 1]], "target": [[1], [0]]}
    desc["embedding"] = {"table": TABLE}
    code, out, _ = _cli(capsys, desc)
    assert code == 0
    want = str(cr.tracing.trace(_python_net(), [[2, 0], [1, 1]], [[1], [0]]))
    assert out == want.rstrip("\n") + "\n"


def test_transfer_layout_and_yaml_file(tmp_path, capsys):
    pytest.importorskip("yaml")
    path = tmp_path / "emb.yaml"
    path.write_text("embedding:\n  table: [[0, 1], [2, 3], [4, 5]]\n  block_size: 2\n"
                    "weights: [[[0.1], [0.1], [-0.2], [0.3], [0.05]]]\n"  # row 0: the bias
                    "activation: sigmoid\nloss: log_loss\ninput: [2, 0]\ntarget: [1]\n")
    assert main(["trace", "--network", str(path)]) == 0
    out = capsys.readouterr().out
    assert out == str(cr.tracing.trace(_python_net(), [2, 0], [1])).rstrip("\n") + "\n"


@pytest.mark.parametrize("change, words", [
    ({"input": [3, 0]}, ["input", "[0, 3)", "3"]),
    ({"input": [-1, 0]}, ["input", "[0, 3)", "-1"]),
    ({"input": [1.5, 0]}, ["input", "whole number", "1.5"]),
    ({"input": [1, 0, 2]}, ["input", "2 indices", "(3,)"]),
    ({"input": [[2, 0], [1, 7]], "target": [[1], [0]]}, ["input", "7", "[1, 1]"]),
    ({"embedding": {"table": [0, 1, 2], "block_size": 2}}, ["embedding.table", "matrix"]),
    ({"embedding": {"table": [[0, 1], [2]], "block_size": 2}}, ["embedding.table"]),
    ({"embedding": {"table": [[0, "a"]], "block_size": 2}}, ["embedding.table"]),
    ({"embedding": {"table": TABLE, "block_size": 3}}, ["embedding.block_size", "6", "4"]),
    ({"embedding": {"table": TABLE, "block_size": 0}}, ["embedding.block_size", "positive"]),
    ({"embedding": {"table": [[0, 1, 2]] * 3}}, ["embedding", "3 does not divide 4"]),
    ({"embedding": {"table": TABLE, "size": 2}}, ["embedding", "unknown", "size"]),
    ({"embedding": {"block_size": 2}}, ["embedding", "table"]),
    ({"embedding": [[0, 1]]}, ["embedding", "mapping"]),
])
def test_bad_descriptions_are_refused_by_key(capsys, change, words):
    code, out, err = _cli(capsys, {**DESC, **change})
    assert code == 2 and out == ""
    assert "--network" in err and all(w in err for w in words), err


def test_python_load_spec_builds_the_same_network():
    built = cr.tracing.spec_network(cr.tracing.load_spec(DESC))
    emb, dense = built.network.layers
    assert isinstance(emb, cr.Embedding) and emb.block_size == 2
    np.testing.assert_array_equal(emb.W, TABLE)
    np.testing.assert_array_equal(dense.W, W1)
