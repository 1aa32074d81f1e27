"""A checkpoint (or estimator file) whose optimizer record holds a setting out of range is
refused naming the record and the setting apart (robust19).

The record's name and the rule's own message were joined without a separator:
"optimizer.configlr must be a finite float > 0, got -1.0", and a setting of the wrong
type ("lr": "0.1") was reported without the record.  The file stays as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import chainrule as cr
from chainrule.estimators import load_estimator
from file_helpers import edit_saved_meta, saved_checkpoint, saved_estimator, small_data

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

SETTINGS = [
    # key, value, the rule's words
    ("lr", -1.0, "lr must be a finite float > 0, got -1.0"),
    ("lr", float("nan"), "lr must be a finite float > 0, got nan"),
    ("lr", "0.1", "lr must be a finite float > 0, got '0.1' (str)"),
    ("beta1", 1.0, "beta1 must be in [0, 1), got 1.0"),
    ("beta2", -0.5, "beta2 must be a finite float >= 0, got -0.5"),
    ("eps", -1e-8, "eps must be"),
]


@pytest.mark.parametrize(("key", "value", "words"), SETTINGS,
                         ids=[f"{k}={v!r}" for k, v, _ in SETTINGS])
@pytest.mark.parametrize("kind", ["checkpoint", "estimator"])
def test_a_setting_out_of_range_is_named_apart_from_its_record(tmp_path, kind, key, value,
                                                               words):
    if kind == "checkpoint":
        path = saved_checkpoint(tmp_path / "run.npz")
        record, where = "optimizer.config", (lambda meta: meta["optimizer"]["config"])
    else:
        path = saved_estimator(tmp_path / "e.npz")
        record, where = "training.optimizer.config", (
            lambda meta: meta["training"]["optimizer"]["config"])
    edit_saved_meta(path, lambda meta: where(meta).__setitem__(key, value))
    before = Path(path).read_bytes()
    X, y = small_data()
    calls = ([lambda: cr.Trainer.from_checkpoint(path), lambda: cr.resume(path, X, y)]
             if kind == "checkpoint" else [lambda: load_estimator(path)])
    for call in calls:
        with pytest.raises(ValueError, match=re.escape(f"{record}: {words}")) as err:
            call()
        assert str(path) in str(err.value)
        assert f"{record}{key}" not in str(err.value)
    assert Path(path).read_bytes() == before
