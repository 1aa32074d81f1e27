"""A mini-batch's targets of different lengths are refused naming target and the lengths."""

from __future__ import annotations

import pytest

from chainrule.cli import main


@pytest.mark.parametrize(("targets", "sizes"), [(["1", "0"], "[2, 1]"), (["1"], "[1, 2]")])
def test_targets_of_different_lengths_are_refused_by_name(targets, sizes, capsys):
    """--target 1 0 --target 1 was refused with NumPy's 'setting an array element with a
    sequence. The requested array has an inhomogeneous shape ...', naming no option."""
    rest = ["1"] if targets == ["1", "0"] else ["0", "1"]
    args = ["trace", "--weights", "[[[0.1,0.2],[0.3,-0.4],[0.5,0.6]]]", "--activation",
            "softmax", "--loss", "cross_entropy", "--input", "0.5", "1", "--input", "1", "0",
            "--target", *targets, "--target", *rest]
    assert main(args) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: target: the 2 examples' targets (one --target each) must hold the "
        f"same number of values, 2 each (or one class label 0..1 each), got {sizes}\n")
    assert main([*args[:-len(rest)], *targets]) == 0  # the same lengths: traced
