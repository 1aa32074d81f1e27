"""A mini-batch that does not fit is refused naming where its rows came from: the
description's "input"/"target" keys, or the --input/--target options."""

from __future__ import annotations

import json

import pytest

from chainrule.cli import main

ONE_OUT = [[[0.1], [0.2], [0.3]]]  # transfer layout: 2 inputs (and a bias row), 1 output
TWO_OUT = [[[0.1, 0.2], [0.2, 0.1], [0.3, 0.3]]]


def _error(args: list[str], capsys) -> str:
    assert main(["trace", *args]) == 2
    return capsys.readouterr().err.strip().splitlines()[-1]


@pytest.mark.parametrize(("desc", "words"), [
    ({"weights": ONE_OUT, "input": [[1, 2], [1]], "target": [1, 0]},
     'input: the 2 examples (one row of "input" each) must hold the same number of values, '
     "got [2, 1]"),
    ({"weights": ONE_OUT, "input": [[1, 2, 3], [1, 2, 3]], "target": [1, 0]},
     'each of the 2 examples is 2 value(s) (one row of "input" per example); got rows of 3'),
    ({"weights": TWO_OUT, "input": [[1, 2], [1, 0]], "target": [[1, 0], [1]]},
     'target: the 2 examples\' targets (one row of "target" each) must hold the same number'),
    ({"weights": ONE_OUT, "input": [[1, 2], [1, 1]], "target": [1]},
     'target: one target per example, 2 rows for the 2 rows of input (one row of "target" '
     'per row of "input"), got shape (1,)'),
    ({"weights": ONE_OUT, "input": [1, 2, 3], "target": [1]},
     'so the example is 2 value(s) ("input": [X1, ..., X2]); got 3: [1, 2, 3]'),
    ({"weights": TWO_OUT, "input": [1, 2], "target": [1, 2, 3]},
     'so its target is 2 value(s) ("target": [Y1, ..., Y2]) or one class label'),
])
def test_rows_from_the_description_are_named_by_its_keys(desc, words, capsys):
    """Before: '(one --input each)', '(one --target per --input)', '(--input X1 ... X2)',
    naming options that were not used."""
    err = _error(["--network", json.dumps(desc)], capsys)
    assert err.startswith("chainrule: error: --network: ") and words in err
    assert "--input" not in err and "--target" not in err


@pytest.mark.parametrize(("args", "words"), [
    (["--input", "1", "2", "--input", "1", "--target", "1", "--target", "0"],
     "(one --input each) must hold the same number of values, got [2, 1]"),
    (["--input", "1", "2", "--input", "1", "0", "--target", "1"],
     "(one --target per --input), got shape (1,)"),
    (["--input", "1", "2", "3", "--target", "1"], "2 value(s) (--input X1 ... X2); got 3"),
])
def test_rows_from_the_options_are_named_by_them(args, words, capsys):
    assert words in _error(["--weights", json.dumps(ONE_OUT), *args], capsys)


def test_a_description_with_rows_from_an_option_names_each_by_its_source(capsys):
    """--input on the command line, "target" from the description: each named as given."""
    desc = json.dumps({"weights": ONE_OUT, "target": [1]})
    err = _error(["--network", desc, "--input", "1", "2", "--input", "1", "1"], capsys)
    assert err.endswith('(one row of "target" per --input), got shape (1,)')
    assert err.startswith("chainrule: error: --network (with --input): target:")


def test_a_presets_rows_are_named_by_the_options_that_change_them(capsys):
    """A preset's target is no description of the user's: --target changes it."""
    err = _error(["--preset", "integer-example", "--input", "1", "1", "--input", "1", "0"],
                 capsys)
    assert err.endswith("(one --target per --input), got shape (2,)")
