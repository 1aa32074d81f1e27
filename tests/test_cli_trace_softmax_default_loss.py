"""trace --weights with a softmax output and no --loss: the documented default loss,
squared_error, with a note on stderr naming the canonical one."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

W = "[[[0.1,0.2],[0.3,-0.4],[0.5,0.6]]]"
BASE = ["trace", "--weights", W, "--input", "0.5", "1", "--target", "1"]


@pytest.mark.parametrize("acts", [["softmax"], ["tanh", "softmax"]])
def test_a_softmax_output_without_loss_gets_a_note_and_keeps_the_default(acts, capsys):
    """It traced 1/2 sum (y - p)^2 without a word, where a softmax output is nearly always
    meant with cross-entropy."""
    weights = W if len(acts) == 1 else "[[[0,0],[1,0],[0,1]],[[0.1,0.2],[0.3,-0.4],[0.5,0.6]]]"
    args = ["trace", "--weights", weights, "--activation", *acts, "--input", "0.5", "1",
            "--target", "1"]
    assert main(args) == 0
    out, err = capsys.readouterr()
    assert "note: the softmax output is traced with the default loss, squared_error" in err
    assert "--loss cross_entropy" in err
    # the default is kept: E = 1/2 sum (y - p)^2 of the softmax of net = b + W^T x
    x = np.array([0.5, 1.0]) if len(acts) == 1 else np.tanh([0.5, 1.0])
    net = np.array([0.1, 0.2]) + x @ np.array([[0.3, -0.4], [0.5, 0.6]])
    p = np.exp(net) / np.exp(net).sum()
    E = 0.5 * np.sum((np.array([0.0, 1.0]) - p) ** 2)
    assert f"1/2 (y_k - x^({len(acts)})_k)^2 = {E:.6f}" in out


@pytest.mark.parametrize("extra", [["--loss", "cross_entropy"], ["--loss", "squared_error"],
                                   ["--activation", "sigmoid", "--target", "1", "0"]])
def test_no_note_when_the_loss_is_given_or_the_output_is_not_softmax(extra, capsys):
    args = [*BASE, "--activation", "softmax", *extra] if extra[0] == "--loss" else \
        [*BASE[:-2], *extra]
    assert main(args) == 0
    assert "note" not in capsys.readouterr().err


@pytest.mark.parametrize("where", ["inline", "file"])
def test_a_network_description_without_loss_gets_the_note_too(where, tmp_path, capsys):
    """The note was printed for --weights alone: a --network description with a softmax
    output and no "loss" was traced with squared_error without a word."""
    desc = {"weights": [[[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]]], "activation": "softmax",
            "input": [0.5, 1], "target": [0, 1]}
    text = json.dumps(desc)
    if where == "file":
        (tmp_path / "net.json").write_text(text)
        text = str(tmp_path / "net.json")
    assert main(["trace", "--network", text]) == 0
    out, err = capsys.readouterr()
    assert "note: the softmax output is traced with the default loss, squared_error" in err
    assert 'the network description gives no "loss"' in err
    assert "--loss cross_entropy" in err
    net = np.array([0.1, 0.2]) + np.array([0.5, 1.0]) @ np.array([[0.3, -0.4], [0.5, 0.6]])
    p = np.exp(net) / np.exp(net).sum()
    E = 0.5 * np.sum((np.array([0.0, 1.0]) - p) ** 2)  # the default kept
    assert f"1/2 (y_k - x^(1)_k)^2 = {E:.6f}" in out
    for loss in (["--loss", "squared_error"], ["--loss", "cross_entropy"]):
        assert main(["trace", "--network", text, *loss]) == 0
        assert "note" not in capsys.readouterr().err
    said = json.dumps({**desc, "loss": "squared_error"})  # the description's own choice
    assert main(["trace", "--network", said]) == 0
    assert "note" not in capsys.readouterr().err
