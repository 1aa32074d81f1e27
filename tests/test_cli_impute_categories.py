"""``chainrule train --impute``: missing cells of the categorical columns that the
model fills with a category it lacks (``--impute constant`` of a column without a gap in
the training rows), and the line that counts the filled cells of DATA and --val-data.

The references: the imputation and one-hot encoding written out with pandas and a
forward pass of the saved weights in NumPy, and counts worked out by hand.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule.cli import main
from test_cli_impute import _dataframe, _fails, _forward, _frame, _write

pd = pytest.importorskip("pandas")


def test_constant_fill_unknown_to_the_model_is_an_unknown_category(tmp_path, capsys):
    """``--impute constant`` of a categorical column without a gap in the training rows:
    the fill category is none of the encoder's (as SimpleImputer(constant) before a
    OneHotEncoder fitted on the filled rows), so a later gap there is an unknown
    category: refused naming the file's line, or all zeros under --unknown-categories
    zeros (handle_unknown="ignore"); cv's held-out rows of such a fold likewise (this
    stopped cv with a traceback-like "row 1 (from 0)" refusal)."""
    frame = _frame(40, 6)
    frame["color"] = [c or "red" for c in frame["color"]]  # no gap in the training rows
    _write(tmp_path / "train.csv", frame, range(30))
    test = {k: v[30:] for k, v in frame.items()}
    test["color"][0] = test["color"][3] = ""
    _write(tmp_path / "test.csv", test)
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--impute",
                 "constant", "--hidden", "5", "--activation", "tanh", "--epochs", "10",
                 "--val-fraction", "0", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    model = chainrule.load_model(tmp_path / "m.npz")
    assert model.metadata["categories"]["color"] == sorted(set(frame["color"][:30]))
    err = _fails(capsys, ["predict", str(tmp_path / "m.npz"), str(tmp_path / "test.csv")])
    assert "test.csv line 2, column 'color': missing value" in err
    assert "'missing_value'" in err and "--unknown-categories zeros" in err
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "test.csv"), "--proba",
                 "--unknown-categories", "zeros"]) == 0
    printed = capsys.readouterr().out.splitlines()
    cli = np.array([[float(v) for v in line.split(",")[1:]] for line in printed[1:]])

    # written out: numbers filled with 0 (constant's default), the gaps' color all zeros
    fit, held = _dataframe(frame, range(30)), _dataframe(test)
    cats = sorted(set(fit["color"]))

    def encoded(part):
        onehot = [(part["color"] == k).to_numpy(float) for k in cats]
        return np.column_stack([part["x1"].fillna(0.0), *onehot, part["x2"],
                                part["x3"].fillna(0.0)])

    Xfit, Xtest = encoded(fit), encoded(held)
    assert not Xtest[[0, 3], 1:4].any() and Xtest[[1, 2], 1:4].sum() == 2
    mean, std = Xfit.mean(axis=0), Xfit.std(axis=0)
    mean[1:4], std[1:4] = 0.0, 1.0
    expected = _forward(tmp_path / "m.npz", (Xtest - mean) / std)
    np.testing.assert_allclose(cli, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(held, unknown_categories="zeros"),
                               expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=r"X row 0 \(from 0\), column 'color': missing "
                       r"value.*unknown_categories='zeros'"):
        model.predict_proba(held)

    # cv: the one gap of color falls in one fold's held-out rows, which its training
    # rows lack: all zeros there, as evaluate --unknown-categories zeros of that fold
    frame["color"][5] = ""
    _write(tmp_path / "all.csv", frame)
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "all.csv"), "--target", "y", "--impute", "constant",
                 "--hidden", "3", "--epochs", "3", "--folds", "3", "-q", "--json"]) == 0
    out = capsys.readouterr()
    assert len(json.loads(out.out)["per_fold"]) == 3
    assert "1 held-out example of a category of 'color'" in out.err


def test_the_filled_line_counts_datas_gaps_apart_from_val_datas(tmp_path, capsys,
                                                                monkeypatch):
    """train's line of the filled columns counted the --val-data file's gaps as DATA's
    ("train.csv: ... 'a' (5)" of a DATA with 2); each file now has its own counts, and
    spellings."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "train.csv").write_text("a,b,y\n1,2,0\n,3,1\n4,5,0\nNA,6,1\n7,8,0\n9,1,1\n")
    (tmp_path / "val.csv").write_text("a,b,y\n,2,0\n?,,1\n,5,0\n2,3,1\n")
    capsys.readouterr()
    assert main(["train", "train.csv", "--val-data", "val.csv", "--impute", "mean",
                 "--epochs", "1", "-q", "-o", "m.npz"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert ("train.csv: missing cells filled (--impute mean) in 'a' (2: 1 empty, 1 'NA'); "
            "--val-data val.csv: 'a' (3: 2 empty, 1 '?'), 'b' (1)") in lines
    # the fill: DATA's rows alone (1, 4, 7, 9 of a), not the validation file's
    assert chainrule.load_model(tmp_path / "m.npz").metadata["impute"]["fill"] == {
        "a": pytest.approx((1 + 4 + 7 + 9) / 4, abs=1e-15), "b": pytest.approx(25 / 6)}


def test_val_data_gap_of_a_fill_category_data_lacks_names_the_files_line(tmp_path,
                                                                        capsys):
    """--impute constant, a categorical column without a gap in DATA and one in the
    --val-data file: a category DATA's encoder lacks, refused naming the validation
    file's line (it was "X row 8 (from 0)", the row of DATA's and the file's rows
    together, with the advice of a Python argument train does not have)."""
    (tmp_path / "d.csv").write_text("c,n,y\nred,1,0\nblue,2,1\nred,,0\nblue,4,1\n")
    (tmp_path / "v.csv").write_text("c,n,y\nred,,0\nblue,3,1\n,2,1\n")
    err = _fails(capsys, ["train", str(tmp_path / "d.csv"), "--impute", "constant",
                          "--val-data", str(tmp_path / "v.csv"), "--epochs", "1", "-q",
                          "-o", str(tmp_path / "m.npz")])
    assert f"--val-data {tmp_path / 'v.csv'} line 4, column 'c': missing value" in err
    assert "'missing_value'" in err and f"DATA {tmp_path / 'd.csv'}" in err
    assert "X row" not in err and "unknown_categories" not in err


def test_a_fill_category_only_validation_rows_hold_is_warned_of(tmp_path, capsys):
    """--impute constant, a categorical column whose one gap is a --val-fraction row's:
    the fill category is a category of the model that no training row holds, whose
    input weights never train; train warns of such categories, and did not of this
    one (the gap's 0/1 features were read as NaN, holding none)."""
    from sklearn.model_selection import train_test_split

    y = [i % 2 for i in range(30)]
    _, val = train_test_split(np.arange(30), test_size=3, random_state=0, stratify=y)
    gap = int(val[0])
    lines = ["c,n,y"] + [f"{'' if i == gap else ('red', 'blue')[i % 2]},{i},{y[i]}"
                         for i in range(30)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["train", str(tmp_path / "d.csv"), "--impute", "constant", "--epochs", "1",
                 "--val-fraction", "0.1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err
    assert ("chainrule train: warning: 'c': 'missing_value' is only in the validation "
            "rows (--val-fraction 0.1)") in err
    model = chainrule.load_model(tmp_path / "m.npz")
    assert model.metadata["categories"]["c"] == ["blue", "missing_value", "red"]
    # a training row's gap: the category trains, no warning
    row = 1 + next(i for i in range(30) if i not in val)
    lines[row] = "," + lines[row].split(",", 1)[1]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    capsys.readouterr()
    assert main(["train", str(tmp_path / "d.csv"), "--impute", "constant", "--epochs", "1",
                 "--val-fraction", "0.1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    assert "warning" not in capsys.readouterr().err


def test_a_dataframe_of_an_integer_categorical_column_with_gaps(tmp_path):
    """--categorical of a column of integers with gaps: pandas reads such a column as
    float64 (an Int64 column's NA also reaches NumPy as a NaN), whose values were
    written "10.0" and refused as categories the model lacks ("10", "9", as the CSV file
    writes them and train read them); chainrule predict of the file worked."""
    lines = ["k,n,y"] + [f"{'' if i % 5 == 2 else (10, 9, 7)[i % 3]},{i % 4},{i % 2}"
                         for i in range(24)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    assert main(["train", str(tmp_path / "d.csv"), "--categorical", "k", "--impute",
                 "most_frequent", "--hidden", "3", "--activation", "tanh", "--epochs", "5",
                 "--val-fraction", "0", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    model = chainrule.load_model(tmp_path / "m.npz")
    assert model.metadata["categories"]["k"] == ["10", "7", "9"]  # sorted as text
    df = pd.read_csv(tmp_path / "d.csv").drop(columns="y")
    assert df["k"].dtype == np.float64 and df["k"].isna().any()

    # written out: the gaps take the most frequent code, then one-hot over "10", "7", "9"
    codes = [(10, 9, 7)[i % 3] for i in range(24) if i % 5 != 2]
    top = max(sorted({str(c) for c in codes}), key=lambda c: codes.count(int(c)))
    k = [top if np.isnan(v) else str(int(v)) for v in df["k"]]
    onehot = np.array([[float(c == cat) for cat in ["10", "7", "9"]] for c in k])
    n = df["n"].to_numpy(float)
    Z = np.column_stack([onehot, (n - n.mean()) / n.std()])
    expected = _forward(tmp_path / "m.npz", Z)
    np.testing.assert_allclose(model.predict_proba(df), expected, rtol=0, atol=1e-12)
    as_int64 = pd.read_csv(tmp_path / "d.csv", dtype={"k": "Int64"}).drop(columns="y")
    np.testing.assert_allclose(model.predict_proba(as_int64), expected, rtol=0, atol=1e-12)
    with pytest.raises(ValueError, match=r"category '10\.5' was not in the training data"):
        model.predict_proba({"k": [10.5, np.nan], "n": [1, 2]})


def test_load_of_an_impute_model_warns_that_the_network_takes_filled_features(tmp_path):
    """chainrule.load (the bare Network) of a model of --impute --scale none gave no
    warning, although its network takes the features filled (and, with
    --missing-indicator, more inputs than the table has columns): predict of raw rows
    refused a NaN without naming load_model, which fills them."""
    (tmp_path / "d.csv").write_text("a,b,y\n1,,0\n2,4,1\n,6,0\n5,8,1\n7,,0\n")
    assert main(["train", str(tmp_path / "d.csv"), "--impute", "mean", "--scale", "none",
                 "--epochs", "2", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    with pytest.warns(UserWarning, match=r"m\.npz: a model of chainrule train --impute: "
                      r"the Network returned takes the features with their missing cells "
                      r"filled, so .*chainrule\.load_model\(.*\) fills them"):
        net = chainrule.load(tmp_path / "m.npz")
    raw = np.array([[np.nan, 5.0], [3.0, np.nan]])
    filled = np.array([[(1 + 2 + 5 + 7) / 4, 5.0], [3.0, (4 + 6 + 8) / 3]])
    np.testing.assert_allclose(chainrule.load_model(tmp_path / "m.npz").predict_proba(raw),
                               np.column_stack([1 - net.predict(filled)[:, 0],
                                                net.predict(filled)[:, 0]]),
                               rtol=0, atol=1e-12)
