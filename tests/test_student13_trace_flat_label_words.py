"""A trace description's flat "target" list ([2, 5]) with a bad class label names the
example by its entry of "target", not its row (it has none); the rows form ([[2], [5]])
and --target keep their words.  Reference: the first bad label found by a plain loop over
the labels given, k from the weights' shape."""

from __future__ import annotations

import io
import json
import sys

import pytest

from chainrule.cli import main

W = [[0.5, 0.1, 0.2], [0.3, 0.2, 0.1]]  # chainrule layout: 2 inputs, 3 outputs
X = [[1, 2], [3, 4], [5, 6], [7, 8]]  # 4 examples: a flat list of 3 outputs is no row


def _error(target, capsys, monkeypatch):
    spec = {"weights": [W], "layout": "chainrule", "activation": ["identity"],
            "loss": "multiclass_hinge", "input": X, "target": target}
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(json.dumps(spec).encode())))
    assert main(["trace", "--network", "-"]) == 2
    return capsys.readouterr().err


def _first_bad(labels):
    k = len(W[0])
    return next(i for i, v in enumerate(labels) if not (float(v).is_integer() and 0 <= v < k))


@pytest.mark.parametrize("labels", [[2, 5, 0, 1], [-1, 0, 1, 2], [0, 1.5, 7, 2]])
def test_a_flat_list_names_the_entry(labels, capsys, monkeypatch):
    err = _error(labels, capsys, monkeypatch)
    bad = _first_bad(labels)
    assert (f'example {bad + 1} (its entry of "target") has the label '
            f"{float(labels[bad]):g}") in err
    assert "row of" not in err


def test_the_rows_form_still_names_the_row(capsys, monkeypatch):
    labels = [2, 5, 0, 1]
    err = _error([[v] for v in labels], capsys, monkeypatch)
    assert f'example {_first_bad(labels) + 1} (its row of "target") has the label 5' in err
