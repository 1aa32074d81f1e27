"""``tune --grid``: two spellings of one value (``lr=0.1,0.10``, ``hidden=32,032``,
``missing-indicator=off,no``) are refused naming both, as the same text twice is: train
reads them alike, so the grid would train each combination twice, ranked apart."""

from __future__ import annotations

import argparse

import pytest

from chainrule._cli_models_tune_grid import flag_keys, parse_grid, value_parser
from chainrule.cli import main


def _error(capsys, grid: str) -> str:
    capsys.readouterr()
    assert main(["tune", "iris", "--epochs", "1", "--folds", "2", "-q", "--grid", grid]) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(("grid", "words"), [
    ("missing-indicator=off,no",
     "the values 'off' and 'no' of missing-indicator mean the same (off)"),
    ("missing-indicator=on,TRUE", "the values 'on' and 'TRUE' of missing-indicator mean the "
                                  "same (on)"),
    ("lr=0.1,0.10", "the values '0.1' and '0.10' of lr are the same number (0.1)"),
    ("lr=0.2,1e-1,0.10", "the values '1e-1' and '0.10' of lr are the same number (0.1)"),
    ("hidden=32,032", "the values '32' and '032' of hidden are the same number (32)"),
    ("hidden=4 3|4 03", "the values '4 3' and '4 03' of hidden are the same numbers (4 3)"),
])
def test_two_spellings_of_one_value_are_refused_naming_both(capsys, grid, words):
    """Before: 'off','no' was 'the value 'off' of missing-indicator is given twice' (a
    spelling the user typed once); lr=0.1,0.10 trained two rows of equal scores."""
    err = _error(capsys, grid)
    assert f"chainrule: error: --grid {grid}: {words}, which would train each combination " \
        "twice" in err


def _numeric_spellings(action: argparse.Action, parser) -> tuple[str, str] | None:
    """Two texts of one number that ``action`` takes (``float(a) == float(b)``), or None
    when it takes no number."""
    for text in ("2", "1", "0.5", "3", "0"):
        try:
            got = getattr(parser.parse_args([action.option_strings[-1], text],
                                            namespace=argparse.Namespace()), action.dest)
        except (ValueError, SystemExit):
            continue
        item = got[0] if isinstance(got, list) and got else got
        if isinstance(item, bool) or not isinstance(item, (int, float)):
            return None
        other = ("0" + text if isinstance(item, int) else
                 text + ("0" if "." in text else ".0"))
        assert float(other) == float(text)  # the reference: Python's reading of the texts
        return text, other
    return None


def test_every_numeric_grid_option_refuses_two_spellings_of_one_number():
    parser = value_parser()
    checked = []
    for action in parser._actions:
        key = next((s[2:] for s in action.option_strings if s.startswith("--")), None)
        if key is None or key in flag_keys() or action.nargs == 0:
            continue
        pair = _numeric_spellings(action, parser)
        if pair is None:
            continue
        a, b = pair
        try:
            parse_grid([f"{key}={a}"], argparse.Namespace(), parser)
        except ValueError as exc:  # tune's own, or not to be tried in a grid
            assert "cannot be tried" in str(exc) or "chainrule tune itself" in str(exc)
            continue
        with pytest.raises(ValueError, match=f"the values '{a}' and '{b}' of {key} are the "
                                             "same number"):
            parse_grid([f"{key}={a},{b}"], argparse.Namespace(), parser)
        checked.append(key)
    assert {"lr", "hidden", "weight-decay", "batch-size", "epochs"} <= set(checked)


def test_distinct_numbers_and_flags_still_pass():
    parser = value_parser()
    grid = parse_grid(["lr=0.1,0.01", "hidden=32,320", "missing-indicator=on,no"],
                      argparse.Namespace(), parser)
    assert grid == {"lr": ["0.1", "0.01"], "hidden": ["32", "320"],
                    "missing-indicator": ["on", "off"]}


@pytest.mark.parametrize(("key", "get", "names"), [
    ("activation", "activations.get_activation", ["linear", "identity", "relu", "tanh"]),
    ("loss", "losses.get_loss", ["mae", "absolute_error", "mean_absolute_error",
                                 "mse", "mean_squared_error", "squared_error"]),
])
def test_two_names_of_one_function_are_refused_and_others_pass(capsys, key, get, names):
    """``activation=linear,identity`` (or ``loss=mae,absolute_error``) trained the same
    combinations twice: the parser keeps a name as typed.  Which names are one function is
    taken from the library's own registry here: two names are refused exactly when they
    look up the same object."""
    import importlib
    import itertools

    module, getter = get.split(".")
    look_up = getattr(importlib.import_module(f"chainrule.{module}"), getter)
    parser = value_parser()
    refused = 0
    for a, b in itertools.combinations(names, 2):
        if look_up(a) is look_up(b):
            refused += 1
            err = _error(capsys, f"{key}={a},{b}")
            assert f"the values {a!r} and {b!r} of {key} mean the same" in err, err
        else:  # checked without training: the grid as tune parses it
            grid = parse_grid([f"{key}={a},{b}"], argparse.Namespace(), parser)
            assert grid == {key: [a, b]}
    assert refused  # the lists hold two names of one function
