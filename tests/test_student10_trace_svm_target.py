"""`chainrule trace` with a multiclass_hinge target that is not one-hot names the forms
--target takes (a one-hot row, or one class label), not the library's "integer class
labels" arrays; both forms trace the same cs231n SVM loss."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

W = np.array([[0.5, 0.1, 0.2], [0.3, 0.2, 0.1]])
BASE = ["trace", "--weights", json.dumps([W.tolist()]), "--layout", "chainrule",
        "--activation", "identity", "--loss", "multiclass_hinge"]


@pytest.mark.parametrize("target", [["0", "1", "1"], ["0.5", "0.5", "0"], ["0", "0", "0"]])
def test_a_target_that_is_not_one_hot_is_refused_naming_the_option_forms(target, capsys):
    assert main([*BASE, "--input", "1", "2", "--target", *target]) == 2
    err = capsys.readouterr().err
    assert "--target 0 0 1" in err and "one class label 0..2 (--target 2)" in err
    assert "integer class labels" not in err
    assert f"got {[float(v) for v in target]}" in err


def test_a_batch_names_the_example_whose_target_is_not_one_hot(capsys):
    assert main([*BASE, "--input", "1", "2", "--input", "3", "4", "--target", "0", "0", "1",
                 "--target", "1", "1", "0"]) == 2
    err = capsys.readouterr().err
    assert "--target 0 0 1" in err and "(example 2; 1 of 2)" in err


def test_a_description_is_named_in_its_own_form(capsys):
    net = {"weights": [W.tolist()], "layout": "chainrule", "activation": "identity",
           "loss": "svm", "input": [1, 2], "target": [1, 1, 0]}
    assert main(["trace", "--network", json.dumps(net)]) == 2
    err = capsys.readouterr().err
    assert "([0, 0, 1] for class 2)" in err and "one class label 0..2 ([2])" in err


@pytest.mark.parametrize("target", [["0", "0", "1"], ["2"]])
def test_both_forms_trace_cs231n_svm_loss(target, capsys):
    assert main([*BASE, "--input", "1", "2", "--target", *target]) == 0
    s = np.array([1.0, 2.0]) @ W
    expected = sum(max(0.0, s[j] - s[2] + 1) for j in (0, 1))
    assert f"= {expected:g}\n" in capsys.readouterr().out
