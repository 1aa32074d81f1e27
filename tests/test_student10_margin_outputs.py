"""`chainrule gradcheck` and `chainrule trace` give a margin loss (multiclass_hinge,
hinge) an identity output by default, the scores it reads, and refuse a softmax or
sigmoid output with a message that says why and names --output/--activation identity."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main


@pytest.mark.parametrize("loss, sizes, last", [("hinge", ["3", "5", "1"], "Dense(5, 1, "),
                                               ("svm", ["3", "5", "4"], "Dense(5, 4, ")])
def test_gradcheck_gives_a_margin_loss_an_identity_output(loss, sizes, last, capsys):
    assert main(["gradcheck", "--loss", loss, "--sizes", *sizes]) == 0
    out = capsys.readouterr().out
    assert f"{last}activation='identity')" in out and "PASS" in out


@pytest.mark.parametrize("output, sizes", [("softmax", ["3", "5", "1"]),
                                           ("sigmoid", ["3", "5", "1"]),
                                           ("softmax", ["3", "5", "4"])])
def test_gradcheck_refuses_a_probability_output_for_a_margin_loss(output, sizes, capsys):
    assert main(["gradcheck", "--loss", "hinge" if sizes[-1] == "1" else "multiclass_hinge",
                 "--sizes", *sizes, "--output", output]) == 2
    err = capsys.readouterr().err
    assert f"--output {output}" in err and "give --output identity" in err
    assert "log_loss" not in err


def test_trace_gives_a_margin_loss_an_identity_output(capsys):
    W0 = np.array([[0.5, 0.1], [0.3, 0.2]])
    W1 = np.array([[0.5], [0.3]])
    x, t = np.array([1.0, 2.0]), -1.0
    out = (1 / (1 + np.exp(-(x @ W0)))) @ W1  # sigmoid hidden layer (the default), scores
    error = max(0.0, 1 - t * out[0])
    assert main(["trace", "--weights", json.dumps([W0.tolist(), W1.tolist()]),
                 "--layout", "chainrule", "--loss", "hinge", "--input", "1", "2",
                 "--target", "-1"]) == 0
    text = capsys.readouterr().out
    assert "(identity, no biases" in text
    assert f"E = sum_k max(0, 1 - y_k x^(2)_k) = {error:g}" in text


def test_trace_refuses_a_sigmoid_output_for_a_margin_loss(capsys):
    assert main(["trace", "--weights", json.dumps([[[0.5], [0.3]]]), "--layout", "chainrule",
                 "--activation", "sigmoid", "--loss", "hinge", "--input", "1", "2",
                 "--target", "-1"]) == 2
    assert "give --activation identity" in capsys.readouterr().err
