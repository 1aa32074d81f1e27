"""``-inf``, ``-infinity`` and ``-nan`` are values on the command line, not options (robust30).

The robust30 fuzz gave ``-inf`` to every option and positional: argparse (before Python
3.14) takes a word that starts with ``-`` for an option unless it is ``-1`` or ``-.5``,
so ``--lr -inf`` was refused as "argument --lr: expected one argument" and ``evaluate
-inf iris`` as "the following arguments are required: DATA" (the value given never
shown).  float() reads these words (``float('-inf')``, ``float('-nan')``), so each now
reaches the check of its option, which says what it expected and got.
"""

from __future__ import annotations

import math

import pytest

from file_helpers import cli_fails


@pytest.mark.parametrize("word", ["-inf", "-Infinity", "-nan", "-NaN"])
def test_float_reads_the_word(word: str) -> None:
    value = float(word)  # the independent fact: Python's float takes each of them
    assert math.isnan(value) or value == -math.inf


@pytest.mark.parametrize("argv, line", [
    (["train", "iris", "--lr", "-inf"],
     "chainrule train: error: argument --lr: expected a finite number > 0, got '-inf'"),
    (["train", "iris", "--divergence-threshold", "-nan"],
     "chainrule train: error: argument --divergence-threshold: expected a finite number, "
     "got '-nan'"),
    (["trace", "--input", "1", "-Infinity"],
     "chainrule trace: error: argument --input: expected a finite number, got '-Infinity'"),
])
def test_option_value_reaches_its_check(capsys, argv: list, line: str) -> None:
    assert cli_fails(capsys, argv).strip().splitlines()[-1] == line


def test_positional_word_is_the_file(capsys) -> None:
    err = cli_fails(capsys, ["evaluate", "-inf", "iris"])
    assert err.strip().splitlines()[-1] == "chainrule: error: no such file: -inf"
