"""SavedModel.predict(..., unknown_categories="zeros") warns of the rows of a category the
training data lacked at the user's line, as Python's warnings are meant to: it named a
line inside chainrule (_saved_model_table.py), where Python's default filter shows one
warning per line, so that a script's second call with other data warned no more."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from chainrule.cli import main
from chainrule.saved_model import load_model


def _model(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=40), "plan": rng.choice(["basic", "gold"], 40)})
    frame["y"] = np.where(frame.a > 0, "yes", "no")
    frame.to_csv(tmp_path / "train.csv", index=False)
    assert main(["train", str(tmp_path / "train.csv"), "--hidden", "3", "--epochs", "1",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 0
    test = frame.drop(columns="y").head(5).copy()
    test.loc[1, "plan"] = "platinum"
    return load_model(tmp_path / "m.npz"), test


def test_the_zeros_warning_names_the_callers_line(tmp_path):
    model, test = _model(tmp_path)
    for call in (model.predict, model.predict_proba, model.predict_log_proba,
                 model.predict_index):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            call(test, unknown_categories="zeros")
        assert [w.filename for w in record] == [__file__], (
            call.__name__, [(w.filename, w.lineno) for w in record])
