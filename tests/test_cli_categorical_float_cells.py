"""A categorical column of integer codes that pandas wrote as floats ("2.0").

pandas makes a column of integers float64 as soon as one cell is missing, and its
``to_csv`` then writes 2 as "2.0".  ``cr.load_model(...).predict`` of such a DataFrame
took those floats as the codes they are, but ``chainrule predict`` (and evaluate,
``--val-data``) of the file pandas wrote refused every row: "category '2.0' was not in
the training data; the model knows 3: '1', '2', '3'".  scikit-learn's OneHotEncoder,
fitted on the codes 1, 2, 3, encodes 2.0 as 2.  A file's "2.0" is now its category "2"
where the model knows "2" and not "2.0"; other spellings ("02", "2.00") stay the other
categories they are.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import OneHotEncoder

from chainrule.cli import main


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("float_codes")
    rng = np.random.default_rng(0)
    n = 60
    frame = pd.DataFrame({"x": rng.normal(size=n), "code": rng.choice([1, 2, 3], n)})
    frame["y"] = np.where(frame.x + (frame.code == 2) > 0.5, "yes", "no")
    frame.to_csv(path / "ints.csv", index=False)
    # the same rows as pandas writes them once the column is float64 (a gap elsewhere)
    frame.astype({"code": float}).to_csv(path / "floats.csv", index=False)
    assert main(["train", str(path / "ints.csv"), "--target", "y", "--categorical", "code",
                 "--hidden", "3", "--epochs", "3", "-q", "-o", str(path / "m.npz")]) == 0
    return path, frame


def test_predict_reads_pandas_float_codes_as_the_integer_categories(model, capsys):
    path, frame = model
    # the reference: scikit-learn's encoder of the codes takes 2.0 as 2
    encoder = OneHotEncoder().fit(frame[["code"]])
    np.testing.assert_array_equal(
        encoder.transform(frame[["code"]].astype(float)).toarray(),
        encoder.transform(frame[["code"]]).toarray())
    for name in ("ints", "floats"):
        assert main(["predict", str(path / "m.npz"), str(path / f"{name}.csv"), "--proba",
                     "-o", str(path / f"p_{name}.csv")]) == 0
    ints, floats = (pd.read_csv(path / f"p_{name}.csv") for name in ("ints", "floats"))
    pd.testing.assert_frame_equal(floats, ints)
    capsys.readouterr()
    assert main(["evaluate", str(path / "m.npz"), str(path / "floats.csv"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(np.mean(ints["y"] == frame["y"]), abs=1e-15)


def test_val_data_of_float_codes_is_read(model, capsys):
    path, _ = model
    assert main(["train", str(path / "ints.csv"), "--target", "y", "--categorical", "code",
                 "--hidden", "3", "--epochs", "2", "-q", "--val-data",
                 str(path / "floats.csv"), "-o", str(path / "v.npz")]) == 0


@pytest.mark.parametrize("cell", ["02", "2.00", "2e0"])
def test_other_spellings_stay_other_categories(model, capsys, cell):
    path, _ = model
    lines = (path / "ints.csv").read_text().splitlines()
    x, _, y = lines[1].split(",")
    (path / "odd.csv").write_text(f"{lines[0]}\n{x},{cell},{y}\n")
    assert main(["predict", str(path / "m.npz"), str(path / "odd.csv")]) == 2
    assert f"category '{cell}' was not in the training data" in capsys.readouterr().err
