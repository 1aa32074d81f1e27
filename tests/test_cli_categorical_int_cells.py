"""A model trained on categorical codes that pandas wrote as floats ("2.0") reads a
later file, or a DataFrame, whose codes are integers ("2", 2).

pandas makes a column of integers float64 as soon as one cell is missing and writes 2 as
"2.0"; a model trained on that file knows "1.0", "2.0", "3.0", and ``chainrule predict``
of the same rows written as integers refused every row ("category '2' was not in the
training data").  scikit-learn's OneHotEncoder fitted on the float codes encodes the
integer 2 as 2.0.  An integer's own text ("2") is now the known float text ("2.0") of
the same whole number; other spellings ("02", "+2", "2e0") stay other categories.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("int_codes")
    rng = np.random.default_rng(1)
    n = 60
    frame = pd.DataFrame({"x": rng.normal(size=n), "code": rng.choice([1, 2, 3], n)})
    frame["y"] = np.where(frame.x + (frame.code == 2) > 0.5, "yes", "no")
    frame.to_csv(path / "ints.csv", index=False)
    frame.astype({"code": float}).to_csv(path / "floats.csv", index=False)
    assert "2.0" in (path / "floats.csv").read_text()
    assert main(["train", str(path / "floats.csv"), "--target", "y", "--categorical",
                 "code", "--hidden", "3", "--epochs", "3", "-q", "-o",
                 str(path / "m.npz")]) == 0
    return path, frame


def test_predict_and_evaluate_read_integer_codes_as_the_float_categories(model, capsys):
    path, frame = model
    # the reference: scikit-learn's encoder fitted on the float codes takes 2 as 2.0
    encoder = OneHotEncoder().fit(frame[["code"]].astype(float))
    np.testing.assert_array_equal(encoder.transform(frame[["code"]]).toarray(),
                                  encoder.transform(frame[["code"]].astype(float)).toarray())
    for name in ("ints", "floats"):
        assert main(["predict", str(path / "m.npz"), str(path / f"{name}.csv"), "--proba",
                     "-o", str(path / f"p_{name}.csv")]) == 0
    ints, floats = (pd.read_csv(path / f"p_{name}.csv") for name in ("ints", "floats"))
    pd.testing.assert_frame_equal(ints, floats)
    capsys.readouterr()
    assert main(["evaluate", str(path / "m.npz"), str(path / "ints.csv"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(np.mean(floats["y"] == frame["y"]), abs=1e-15)


def test_val_data_of_integer_codes_is_read(model):
    path, _ = model
    assert main(["train", str(path / "floats.csv"), "--target", "y", "--categorical",
                 "code", "--hidden", "3", "--epochs", "2", "-q", "--val-data",
                 str(path / "ints.csv"), "-o", str(path / "v.npz")]) == 0


def test_python_predict_of_integer_codes(model):
    path, frame = model
    saved = cr.load_model(path / "m.npz")
    X = frame.drop(columns="y")
    np.testing.assert_array_equal(saved.predict_proba(X),
                                  saved.predict_proba(X.astype({"code": float})))


@pytest.mark.parametrize("cell", ["02", "+2", "2e0", "2.00"])
def test_other_spellings_stay_other_categories(model, capsys, cell):
    path, _ = model
    lines = (path / "ints.csv").read_text().splitlines()
    x, _, y = lines[1].split(",")
    (path / "odd.csv").write_text(f"{lines[0]}\n{x},{cell},{y}\n")
    assert main(["predict", str(path / "m.npz"), str(path / "odd.csv")]) == 2
    assert f"category '{cell}' was not in the training data" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["object ints", "text"])
def test_python_predict_of_codes_held_as_objects_or_text(model, kind):
    # a column of Python ints (object dtype) or of their text was refused ("category
    # '2'") where an int64 column was read; the CSV file's text "2" is read too
    path, frame = model
    saved = cr.load_model(path / "m.npz")
    X = frame.drop(columns="y")
    codes = (np.array(X["code"].tolist(), dtype=object) if kind == "object ints"
             else X["code"].astype(str).to_numpy(dtype=object))
    np.testing.assert_array_equal(saved.predict_proba(X.assign(code=codes)),
                                  saved.predict_proba(X.astype({"code": float})))
