"""chainrule trace of a hinge network of several outputs refuses a class label as the
hinge loss's (it takes none), not with the words of a label out of range nor the
library's array shapes, and names the one-vs-rest row and multiclass_hinge; one output
keeps its words.  Reference: the one-vs-rest row named is scikit-learn's
LabelBinarizer(neg_label=-1) of the class, and that form's traced cost is the sum over the
outputs of scikit-learn's binary hinge_loss of the scores X @ W."""

from __future__ import annotations

import io
import json
import sys

import numpy as np
import pytest
from sklearn.metrics import hinge_loss
from sklearn.preprocessing import LabelBinarizer

from chainrule.cli import main

W = [[0.5, 0.1, 0.2], [0.3, 0.2, 0.1]]  # chainrule layout: 2 inputs, 3 outputs, no biases
X = [[1, 2], [3, 4]]
OPTS = ["--weights", json.dumps([W]), "--layout", "chainrule", "--activation", "identity",
        "--loss", "hinge"]


def _described(target, capsys, monkeypatch, fmt="text"):
    spec = {"weights": [W], "layout": "chainrule", "activation": ["identity"],
            "loss": "hinge", "input": X, "target": target}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(spec).encode())))
    code = main(["trace", "--network", "-", "--format", fmt])
    return code, capsys.readouterr()


def _one_vs_rest(c):
    return LabelBinarizer(neg_label=-1).fit(range(len(W[0]))).transform([c])[0].tolist()


def _says_no_labels(err):
    row = ", ".join(str(v) for v in _one_vs_rest(len(W[0]) - 1))
    assert "the hinge loss takes no class label" in err
    assert f"[{row}] for class {len(W[0]) - 1}, one-vs-rest" in err
    assert "multiclass_hinge loss takes class labels 0..2" in err
    assert "(n_samples" not in err and "other value(s)" not in err


@pytest.mark.parametrize("target", [[2, 0], [[2], [0]], [2, 5], [[1, 2], [0, 1]]])
def test_a_batch_of_labels_is_refused_as_hinge_takes_none(target, capsys, monkeypatch):
    code, out = _described(target, capsys, monkeypatch)
    assert code == 2
    _says_no_labels(out.err)
    assert "or one class label" not in out.err


def test_one_example_label_is_refused_alike(capsys):
    assert main(["trace", *OPTS, "--input", "1", "2", "--target", "2"]) == 2
    err = capsys.readouterr().err
    _says_no_labels(err)
    assert "or one class label" not in err


def test_the_one_vs_rest_rows_trace_with_sklearns_hinge(capsys, monkeypatch):
    labels = [2, 0]
    Y = np.array([_one_vs_rest(c) for c in labels])
    code, out = _described(Y.tolist(), capsys, monkeypatch, fmt="json")
    assert code == 0, out.err
    scores = np.asarray(X, float) @ np.asarray(W)
    expected = sum(hinge_loss(Y[:, j], scores[:, j], labels=[-1, 1]) for j in range(3))
    assert json.loads(out.out)["cost"] == pytest.approx(expected, abs=1e-12)


def test_one_output_keeps_its_words(capsys):
    one = ["--weights", "[[[0.5], [0.3]]]", *OPTS[2:]]
    assert main(["trace", *one, "--input", "1", "2", "--target", "0"]) == 2
    err = capsys.readouterr().err
    assert "target: loss 'hinge' needs targets -1 or +1" in err
    assert "takes no class label" not in err
