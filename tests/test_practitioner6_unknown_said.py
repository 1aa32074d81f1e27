"""--unknown-categories zeros (and unknown_categories="zeros") says how many rows of which
column held a category the training data lacked: a column recoded since training
(True/False written yes/no) was all zeros without a word, where cv says the same of its
folds."""

from __future__ import annotations

import sys
import warnings

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import main
from chainrule.saved_model import load_model


def _files(tmp_path):
    rng = np.random.default_rng(1)
    n = 80
    frame = pd.DataFrame({"a": rng.normal(size=n), "paid": rng.choice([True, False], n),
                          "plan": rng.choice(["basic", "gold"], n)})
    frame["churn"] = (frame.a > 0).astype(int)
    test = frame.head(25).copy()
    test["paid"] = test["paid"].map({True: "yes", False: "no"})  # recoded since training
    test.loc[test.index[3:5], "plan"] = "platinum"
    frame.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    return frame, test


def test_evaluate_says_the_rows_of_unknown_categories(tmp_path, capsys):
    frame, test = _files(tmp_path)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()

    def python_default(message, category, filename, lineno, file=None, line=None):
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    with warnings.catch_warnings():  # shown as a script shows it (pytest records them)
        warnings.simplefilter("always")
        warnings.showwarning = python_default
        assert main(["evaluate", str(model), str(tmp_path / "test.csv"),
                     "--unknown-categories", "zeros"]) == 0
    err = capsys.readouterr().err
    for column in ("paid", "plan"):
        known = set(frame[column].astype(str))
        unseen = ~test[column].astype(str).isin(known)  # pandas' count of the rows
        first = int(np.flatnonzero(unseen)[0]) + 2  # the file's line (header: line 1)
        values = ", ".join(repr(v) for v in sorted(set(test[column][unseen].astype(str))))
        assert (f"chainrule: warning: {tmp_path / 'test.csv'} line {first}, column "
                f"{column!r}: {unseen.sum()} of {len(test)} rows hold a category that the "
                f"training data did not have ({values}); "
                "encoded as all zeros") in err, err


def test_predict_of_a_dataframe_warns_as_well(tmp_path, capsys):
    _, test = _files(tmp_path)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    saved = load_model(model)
    with pytest.warns(UserWarning, match=r"column 'plan': 2 of 25 rows hold a category"):
        saved.predict(test.drop(columns="churn").astype({"paid": str}),
                      unknown_categories="zeros")
