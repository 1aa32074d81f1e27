"""A model file's decision threshold record (metadata ``threshold``, written by ``chainrule
tune-threshold -o``) that is damaged is refused as a corrupted model file naming the field,
by ``load_model`` and by every command that reads the file, before anything is written.

Before (robust25): ``stored_threshold`` passed over a value of ``"0.3"``, NaN, 1.5, -0.2 or
``true``, a record without a value or that is no JSON object, without a word: ``predict``
and ``evaluate`` decided by the most probable class instead of the threshold the file was
tuned for, and ``info`` did not show it; a threshold on a regression model made
``evaluate`` refuse "--threshold", which was not given.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule.cli import main
from file_helpers import cli_fails, cli_out, cli_proba, edit_saved_meta
from pr_helpers import FEATURES, pr_data

FAST = ["--hidden", "3", "--epochs", "3", "--seed", "0", "-q", *FEATURES]
SOUND = {"value": 0.3, "scoring": "balanced_accuracy", "score": 0.8, "score_at_0.5": 0.7,
         "folds": 3, "splitter": "StratifiedKFold", "seed": 0, "thresholds": 100,
         "positive": "yes"}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("threshold")
    pr_data(d / "d.csv")
    for target, name in (("kind", "c.npz"), ("w", "r.npz")):
        main(["train", str(d / "d.csv"), "--target", target, *FAST, "-o",
                     str(d / name)])
    assert (d / "c.npz").exists() and (d / "r.npz").exists()
    return d


def _with(files, tmp_path, record: object, model: str = "c.npz"):
    path = tmp_path / "m.npz"
    path.write_bytes((files / model).read_bytes())
    edit_saved_meta(path, lambda meta: meta["metadata"].__setitem__("threshold", record))
    return path


def test_a_sound_record_decides_predict(files, tmp_path, capsys) -> None:
    path = _with(files, tmp_path, SOUND)
    assert cr.load_model(path).metadata["threshold"] == SOUND
    proba = cli_proba(capsys, path, files / "d.csv", tmp_path / "p.csv", ["no", "yes"])
    labels = pd.read_csv(tmp_path / "p.csv")["kind"].to_numpy()
    np.testing.assert_array_equal(labels, np.where(proba[:, 1] >= 0.3, "yes", "no"))
    assert "decision threshold: 0.3 " in cli_out(capsys, ["info", path])
    # null: none, as an absent record
    assert cr.load_model(_with(files, tmp_path, None)).metadata["threshold"] is None


BAD = {  # the record (or its changed fields) -> the words of the refusal
    "value text": ({"value": "0.3"}, "threshold.value: expected a probability in [0, 1], "
                                     "got '0.3'"),
    "value NaN": ({"value": {"__float__": "nan"}}, "threshold.value: expected a probability "
                                                   "in [0, 1], got nan"),
    "value 1.5": ({"value": 1.5}, "threshold.value: expected a probability in [0, 1], got 1.5"),
    "value negative": ({"value": -0.2}, "threshold.value: expected a probability in [0, 1], "
                                        "got -0.2"),
    "value true": ({"value": True}, "threshold.value: expected a probability in [0, 1], "
                                    "got True"),
    "no value": ("drop value", "threshold.value: missing"),
    "not an object": ("0.4", "threshold: expected a JSON object"),
    "a list": ([0.4], "threshold: expected a JSON object"),
    "positive": ({"positive": "no"}, "threshold.positive: expected the model's second class "
                                     "'yes'"),
    "folds": ({"folds": 0}, "threshold.folds: expected a whole number >= 1, got 0"),
    "scoring": ({"scoring": 5}, "threshold.scoring: expected the name of a scoring, got 5"),
    "score": ({"score": "high"}, "threshold.score: expected a number, got 'high'"),
    "minimum": ({"minimum": 10**400}, "threshold.minimum: expected a number"),
}


def _record(change: object) -> object:
    if change == "drop value":
        return {k: v for k, v in SOUND.items() if k != "value"}
    return {**SOUND, **change} if isinstance(change, dict) else change


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_a_damaged_record_is_refused_naming_the_field(files, tmp_path, case: str) -> None:
    change, words = BAD[case]
    path = _with(files, tmp_path, _record(change))
    with pytest.raises(ValueError) as info:
        cr.load_model(path)
    assert str(info.value).startswith(f"{path}: corrupted chainrule model file ({words}")


@pytest.mark.parametrize("command", ["predict", "evaluate", "info"])
def test_every_command_refuses_it_and_writes_nothing(files, tmp_path, capsys,
                                                     command: str) -> None:
    path = _with(files, tmp_path, _record({"value": 1.5}))
    out = tmp_path / "out.csv"
    out.write_text("kept\n")
    argv = {"predict": ["predict", path, files / "d.csv", "-o", out],
            "evaluate": ["evaluate", path, files / "d.csv"], "info": ["info", path]}[command]
    err = cli_fails(capsys, argv)
    assert "corrupted chainrule model file (threshold.value: expected a probability in " \
           "[0, 1], got 1.5)" in err
    assert "Traceback" not in err
    assert out.read_text() == "kept\n"


def test_a_threshold_on_a_regression_model_is_refused(files, tmp_path) -> None:
    path = _with(files, tmp_path, SOUND, "r.npz")
    with pytest.raises(ValueError, match=r"\(threshold: the model is a regression model; a "
                                         r"decision threshold is of the probability"):
        cr.load_model(path)
