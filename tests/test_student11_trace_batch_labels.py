"""A trace of several examples whose --target is one class label each refuses a label
that is no whole number 0..k-1 of the k outputs as one example's trace does: naming
the example, its label and the range.  The reference: the first bad label found by a
plain loop over the labels given, k from the weights' shape."""

from __future__ import annotations

import json

import pytest

from chainrule.cli import main

W = [[[0.5, 0.1, 0.2], [0.3, 0.2, 0.1]]]  # chainrule layout: 2 inputs, 3 outputs
BASE = ["trace", "--weights", json.dumps(W), "--layout", "chainrule", "--activation",
        "identity", "--loss", "multiclass_hinge", "--input", "1", "2", "--input", "3", "4"]


@pytest.mark.parametrize("labels", [["2", "5"], ["-1", "0"], ["1.5", "1"], ["3", "7"]])
def test_a_batch_label_out_of_range_names_the_example_and_the_range(labels, capsys):
    k = len(W[0][0])
    bad = [i for i, v in enumerate(labels)
           if not (float(v).is_integer() and 0 <= float(v) < k)]
    assert main([*BASE, "--target", labels[0], "--target", labels[1]]) == 2
    err = capsys.readouterr().err
    assert "shape (n_samples" not in err  # the library's words for arrays
    assert f"one class label 0..{k - 1}" in err
    assert f"example {bad[0] + 1} (its --target) has the label {float(labels[bad[0]]):g}" in err
    assert ("of the 2 examples' labels" in err) == (len(bad) > 1)


def test_the_single_example_path_names_the_same_range(capsys):
    assert main([*BASE[:-3], "--target", "5"]) == 2
    assert "one class label 0..2" in capsys.readouterr().err


def test_labels_in_range_trace(capsys):
    assert main([*BASE, "--target", "2", "--target", "0"]) == 0
