"""A model file's record of the search that chose its settings (metadata ``tune``, written by
``chainrule tune -o``) that is damaged is refused as a corrupted model file naming the field.

Before (robust25): ``chainrule info`` failed with Python's own error where the record was
no object (``AttributeError: 'str' object has no attribute 'get'``, a traceback), lacked a
field (``missing 'combinations'``) or held a chosen value that is a number (``expected
string or bytes-like object, got 'float'``); ``load_model`` and ``predict`` took the file.
"""

from __future__ import annotations

import pytest

import chainrule as cr
from chainrule.cli import main
from file_helpers import cli_fails, cli_out, edit_saved_meta
from pr_helpers import FEATURES, pr_data

# as chainrule tune -o writes it (a file of tune --grid hidden=4|8 lr=0.01,0.1 --folds 2)
SOUND = {"grid": {"hidden": ["4", "8"], "lr": ["0.01", "0.1"]}, "search": "grid", "folds": 2,
         "splitter": "StratifiedKFold", "seed": 0, "scoring": "accuracy", "combinations": 4,
         "best": {"hidden": "8", "lr": "0.1"}, "mean": 0.85, "std": 0.01}


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    d = tmp_path_factory.mktemp("tune")
    pr_data(d / "d.csv")
    assert main(["train", str(d / "d.csv"), "--target", "kind", "--hidden", "3", "--epochs",
                 "2", "--seed", "0", "-q", *FEATURES, "-o", str(d / "m.npz")]) == 0
    return d / "m.npz"


def _with(model, tmp_path, record: object):
    path = tmp_path / "t.npz"
    path.write_bytes(model.read_bytes())
    edit_saved_meta(path, lambda meta: meta["metadata"].__setitem__("tune", record))
    return path


def test_a_sound_record_is_shown_by_info(model, tmp_path, capsys) -> None:
    path = _with(model, tmp_path, SOUND)
    assert cr.load_model(path).metadata["tune"] == SOUND
    assert ("chosen by chainrule tune: --hidden 8 --lr 0.1, the best of 4 combinations (grid "
            "search of hidden=4|8; lr=0.01|0.1), mean accuracy 0.85 (std 0.01) over 2 folds "
            "(StratifiedKFold, seed 0)") in cli_out(capsys, ["info", path])
    # null, and a search with no score (mean and std null): as before
    cr.load_model(_with(model, tmp_path, None))
    cr.load_model(_with(model, tmp_path, {**SOUND, "mean": None, "std": None}))


BAD = {  # the record (or its changed fields) -> the words of the refusal
    "text": ("x", "tune: expected a JSON object (the record of chainrule tune -o), got 'x'"),
    "list": ([], "tune: expected a JSON object"),
    "missing": ("drop combinations", "tune: missing combinations"),
    "grid": ({"grid": {"hidden": 3}}, "tune.grid: expected an object of option names to "
                                      "lists of values"),
    "best": ({"best": {"lr": 0.1}}, "tune.best: expected an object of option names to "
                                    "values (text)"),
    "folds": ({"folds": "x"}, "tune.folds: expected a whole number >= 1, got 'x'"),
    "combinations": ({"combinations": 0}, "tune.combinations: expected a whole number >= 1"),
    "scoring": ({"scoring": 5}, "tune.scoring: expected a string, got 5"),
    "splitter": ({"splitter": ["a"]}, "tune.splitter: expected a string"),
    "seed": ({"seed": "0"}, "tune.seed: expected an integer or null, got '0'"),
    "mean": ({"mean": "high"}, "tune.mean: expected a number or null, got 'high'"),
    "std": ({"std": None}, "tune.std: missing, though tune.mean is there"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_damaged_record_is_refused_naming_the_field(model, tmp_path, capsys,
                                                      case: str) -> None:
    change, words = BAD[case]
    record = ({k: v for k, v in SOUND.items() if k != "combinations"}
              if change == "drop combinations" else
              {**SOUND, **change} if isinstance(change, dict) else change)
    path = _with(model, tmp_path, record)
    with pytest.raises(ValueError) as info:
        cr.load_model(path)
    assert str(info.value).startswith(f"{path}: corrupted chainrule model file ({words}")
    err = cli_fails(capsys, ["info", path])
    assert f"corrupted chainrule model file ({words}" in err and "Traceback" not in err
