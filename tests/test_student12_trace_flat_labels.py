"""A trace description's batch "target" given as a flat list of class labels ([2, 0])
traces as the list of one-label rows ([[2], [0]]) does.

Reference: the batch's cost is cs231n's multiclass SVM loss written out in NumPy (scores
X @ W, zero biases of the chainrule layout)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

W = [[0.5, 0.1, 0.2], [0.3, 0.2, 0.1]]  # chainrule layout: 2 inputs, 3 outputs, no biases
X = [[1, 2], [3, 4]]


def _trace(target, capsys, stdin):
    spec = {"weights": [W], "layout": "chainrule", "activation": ["identity"],
            "loss": "multiclass_hinge", "input": X, "target": target}
    stdin(json.dumps(spec))
    code = main(["trace", "--network", "-", "--format", "json"])
    out = capsys.readouterr()
    return code, out


@pytest.fixture
def stdin(monkeypatch):
    import io
    import sys

    def put(text):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    return put


def _svm_cost(labels):
    scores = np.asarray(X, float) @ np.asarray(W)
    total = 0.0
    for s, c in zip(scores, labels, strict=True):
        total += sum(max(0.0, s[j] - s[c] + 1) for j in range(len(s)) if j != c)
    return total / len(labels)


@pytest.mark.parametrize("labels", [[2, 0], [1, 1], [0, 2]])
def test_a_flat_list_of_labels_traces_as_the_rows_of_one_label(labels, capsys, stdin):
    code, out = _trace(labels, capsys, stdin)
    assert code == 0, out.err
    flat = json.loads(out.out)
    assert flat["cost"] == pytest.approx(_svm_cost(labels), abs=1e-12)
    code, out = _trace([[v] for v in labels], capsys, stdin)
    assert code == 0 and json.loads(out.out) == flat


def test_a_flat_list_of_the_wrong_length_names_both_forms(capsys, stdin):
    code, out = _trace([2, 0, 1], capsys, stdin)
    assert code == 2
    assert "(or 2 class labels, [[0], [1], ...] or [0, 1, ...])" in out.err
    assert "got shape (3,)" in out.err


def test_a_flat_list_with_a_bad_label_names_the_example(capsys, stdin):
    code, out = _trace([2, 5], capsys, stdin)
    assert code == 2
    assert "example 2" in out.err and "has the label 5" in out.err


def test_as_many_labels_as_outputs_is_ambiguous_and_names_the_rows_form(capsys, stdin):
    spec = {"weights": [[[0.5, 0.1], [0.3, 0.2]]], "layout": "chainrule",
            "activation": ["identity"], "loss": "multiclass_hinge", "input": X, "target": [1, 0]}
    stdin(json.dumps(spec))  # 2 examples, 2 outputs: [1, 0] may be one example's row
    assert main(["trace", "--network", "-"]) == 2
    err = capsys.readouterr().err
    assert "(or 2 class labels, [[0], [1], ...])" in err and "got shape (2,)" in err
