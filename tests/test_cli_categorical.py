"""Categorical feature columns of CSV files: ``chainrule train`` one-hot encodes them and
the model file records them, so that ``predict``, ``evaluate`` and ``--val-data`` encode
a file the same way (scikit-learn's OneHotEncoder, handle_unknown="error").

Before, a text feature column was refused: "features must be numbers: one-hot encode a
column of categories first".  The references here are scikit-learn's ColumnTransformer
and forward passes of the saved weights written out in NumPy.
"""

from __future__ import annotations

import io
import json
import re
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.cli import main

COLORS, SIZES = ["red", "blue", "green"], ["S", "M", "L", "XL"]


def _frame(n: int, seed: int) -> dict[str, list]:
    """Columns color, x1, size, x2, y: y (3 classes) follows the color and x1."""
    rng = np.random.default_rng(seed)
    color = [COLORS[i] for i in rng.integers(0, 3, n)]
    size = [SIZES[i] for i in rng.integers(0, 4, n)]
    x1, x2 = rng.normal(2.0, 3.0, n).round(3), rng.normal(-1.0, 0.5, n).round(3)
    y = [("a" if c == "red" else "b") if v > 2 else "c" for c, v in zip(color, x1, strict=True)]
    return {"color": color, "x1": list(x1), "size": size, "x2": list(x2), "y": y}


def _write(path, frame: dict[str, list], order: list[str] | None = None) -> None:
    order = order or list(frame)
    rows = [",".join(order)] + [",".join(str(frame[c][i]) for c in order)
                                for i in range(len(frame["y"]))]
    path.write_text("\n".join(rows) + "\n")


def _train(tmp_path, *extra: str, name: str = "train.csv", out: str = "m.npz") -> None:
    code = main(["train", str(tmp_path / name), "--target", "y", "--hidden", "6",
                 "--activation", "tanh", "--epochs", "30", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / out), *extra])
    assert code == 0


def _ordered_transformer_output(frame: dict[str, list], order: list[str]) -> np.ndarray:
    """scikit-learn's ColumnTransformer(OneHotEncoder of the text columns, StandardScaler
    of the numeric ones) of ``frame``, its columns put in ``order`` (a column's own name,
    or the name of one of its categories' columns)."""
    pd = pytest.importorskip("pandas")
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    df = pd.DataFrame({k: v for k, v in frame.items() if k != "y"})
    ct = ColumnTransformer([("cat", OneHotEncoder(handle_unknown="error"), ["color", "size"]),
                            ("num", StandardScaler(), ["x1", "x2"])])
    Z = ct.fit_transform(df)
    Z = Z.toarray() if hasattr(Z, "toarray") else np.asarray(Z)
    names = [n.split("__", 1)[1] for n in ct.get_feature_names_out()]  # "color_blue", "x1"
    # our names are "color=blue": the test maps scikit-learn's onto them
    ours = [n.replace("_", "=", 1) if n.split("_", 1)[0] in ("color", "size") else n
            for n in names]
    return Z[:, [ours.index(n) for n in order]]


def test_prepared_features_equal_column_transformer_of_one_hot_and_standard_scaler(tmp_path):
    frame = _frame(60, seed=0)
    _write(tmp_path / "train.csv", frame)
    _train(tmp_path)
    model = chainrule.load_model(tmp_path / "m.npz")
    meta = model.metadata
    assert meta["columns"] == ["color", "x1", "size", "x2"]
    assert meta["categories"] == {"color": ["blue", "green", "red"],
                                  "size": ["L", "M", "S", "XL"]}  # sorted as text
    from chainrule.tabular import read_data

    table = read_data(tmp_path / "train.csv", target="y", features=meta["columns"],
                      categories=meta["categories"])
    assert table.feature_names == meta["feature_names"]
    prepared = model._inputs(table.X)  # what the network is given
    expected = _ordered_transformer_output(frame, table.feature_names)
    assert prepared.shape == (60, 9)
    np.testing.assert_allclose(prepared, expected, rtol=0, atol=1e-12)


def _forward(path, frame: dict[str, list], train: dict[str, list]) -> np.ndarray:
    """The saved network's class probabilities of ``frame``, by hand: one-hot columns of
    the training categories (sorted), numeric columns standardised with the training
    mean and population deviation, then tanh and softmax layers of the saved weights."""
    with warnings.catch_warnings():  # the bare network of a model file: its weights
        warnings.simplefilter("ignore")
        net = chainrule.load(path)
    cols = []
    for name in ("color", "x1", "size", "x2"):
        if name in ("color", "size"):
            cats = sorted(set(train[name]))
            cols += [[1.0 if v == c else 0.0 for v in frame[name]] for c in cats]
        else:
            ref = np.array(train[name], dtype=float)
            cols.append(list((np.array(frame[name]) - ref.mean()) / ref.std()))
    A = np.array(cols).T
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in net.layers]
    Z = np.tanh(A @ W1 + b1) @ W2 + b2
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_evaluate_a_held_out_file_scores_a_hand_forward_pass(tmp_path, capsys):
    train, test = _frame(80, seed=1), _frame(40, seed=2)
    _write(tmp_path / "train.csv", train)
    _write(tmp_path / "test.csv", test, ["y", "x2", "size", "x1", "color"])
    _train(tmp_path)
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "test.csv"),
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    proba = _forward(tmp_path / "m.npz", test, train)
    labels = np.array(["a", "b", "c"])[proba.argmax(axis=1)]
    accuracy = float(np.mean(labels == np.array(test["y"])))
    assert 0.5 < accuracy < 1.0  # a score with something to get right, and wrong
    assert scores["samples"] == 40
    assert scores["accuracy"] == pytest.approx(accuracy, abs=1e-15)
    log_loss = -np.mean(np.log(proba[np.arange(40), np.searchsorted(["a", "b", "c"],
                                                                    test["y"])]))
    assert scores["log_loss"] == pytest.approx(log_loss, rel=1e-10)


def _predictions(tmp_path, capsys, data: str, *extra: str) -> str:
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / data), "--proba",
                 *extra]) == 0
    return capsys.readouterr().out


def test_predict_finds_the_columns_by_name_in_any_order(tmp_path, capsys):
    train = _frame(50, seed=3)
    _write(tmp_path / "train.csv", train)
    _train(tmp_path)
    new = _frame(12, seed=4)
    _write(tmp_path / "same.csv", new)
    _write(tmp_path / "shuffled.csv", new, ["x2", "y", "size", "color", "x1"])
    first = _predictions(tmp_path, capsys, "same.csv")
    assert _predictions(tmp_path, capsys, "shuffled.csv") == first
    rows = [line.split(",") for line in first.strip().splitlines()[1:]]
    proba = np.array([[float(v) for v in row[1:]] for row in rows])
    np.testing.assert_allclose(proba, _forward(tmp_path / "m.npz", new, train), rtol=1e-12)


def test_an_unknown_category_is_refused_naming_row_column_value_and_categories(
        tmp_path, capsys):
    train = _frame(50, seed=5)
    _write(tmp_path / "train.csv", train)
    _train(tmp_path)
    new = _frame(5, seed=6)
    new["color"][3] = "purple"  # line 5: the header is line 1
    _write(tmp_path / "new.csv", new)
    capsys.readouterr()
    for command in ("predict", "evaluate"):
        assert main([command, str(tmp_path / "m.npz"), str(tmp_path / "new.csv")]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(
            f"chainrule: error: {tmp_path / 'new.csv'} line 5, column 'color': category "
            "'purple' was not in the training data; the model knows 3: 'blue', 'green', "
            "'red'")
    # --unknown-categories zeros: the row's color features all 0, by hand
    out = _predictions(tmp_path, capsys, "new.csv", "--unknown-categories", "zeros")
    proba = np.array([[float(v) for v in row.split(",")[1:]]
                      for row in out.strip().splitlines()[1:]])
    np.testing.assert_allclose(proba, _forward(tmp_path / "m.npz", new, train), rtol=1e-12)


def test_info_lists_the_categorical_columns(tmp_path, capsys):
    _write(tmp_path / "train.csv", _frame(30, seed=7))
    _train(tmp_path)
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    assert "columns (4): color, x1, size, x2" in out
    assert "categorical column 'color' (one-hot, 3 categories): blue, green, red" in out
    assert "categorical column 'size' (one-hot, 4 categories): L, M, S, XL" in out
    assert "features (9): color=blue, color=green, color=red, x1, size=L, size=M" in out


def test_many_categories_are_truncated_by_info(tmp_path, capsys):
    names = [f"c{i:02d}" for i in range(30)]
    rows = ["city,x,y"] + [f"{names[i % 30]},{i},{'ab'[i % 2]}" for i in range(90)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    _train(tmp_path)
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    (line,) = [s for s in capsys.readouterr().out.splitlines() if "'city'" in s]
    assert line.startswith("categorical column 'city' (one-hot, 30 categories): c00, c01, ")
    assert len(line) < 200 and "c29" not in line


def test_forced_categorical_column_of_numbers_keeps_its_text(tmp_path, capsys):
    """--categorical zip: the codes are categories as written (02134 is not 2134), not
    numbers to standardise."""
    rows = ["zip,x,y"] + [f"{z},{i % 5},{'ab'[i % 2]}" for i, z in
                          enumerate(["02134", "10001", "2134", "02134"] * 6)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    _train(tmp_path, "--categorical", "zip")
    meta = chainrule.load_model(tmp_path / "m.npz").metadata
    assert meta["categories"] == {"zip": ["02134", "10001", "2134"]}
    assert meta["feature_names"] == ["zip=02134", "zip=10001", "zip=2134", "x"]
    assert meta["x_mean"][:3] == [0.0, 0.0, 0.0] and meta["x_scale"][:3] == [1.0, 1.0, 1.0]
    x = np.arange(24) % 5
    assert meta["x_mean"][3] == pytest.approx(x.mean(), rel=1e-15)
    assert meta["x_scale"][3] == pytest.approx(x.std(), rel=1e-15)
    capsys.readouterr()
    assert main(["train", str(tmp_path / "train.csv"), "--categorical", "zap", "-q",
                 "-o", str(tmp_path / "n.npz")]) == 2
    assert ("categorical column 'zap' (--categorical) not among the feature columns (zip, x)"
            in capsys.readouterr().err)


@pytest.mark.parametrize("cells, words", [
    (["a", "b"] * 60 + [f"v{i}" for i in range(101)],
     "column 'f' has 103 categories in 221 rows, more than 100 (--max-categories)"),
    ([f"id{i}" for i in range(25)],
     "column 'f' is text with a different value in each of its 25 rows (an ID or free text"),
])
def test_an_id_or_free_text_column_is_refused_naming_it_and_the_count(
        tmp_path, capsys, cells, words):
    rows = ["f,x,y"] + [f"{c},{i},{'ab'[i % 2]}" for i, c in enumerate(cells)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["train", str(tmp_path / "train.csv"), "-q", "-o",
                 str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert f"chainrule: error: {tmp_path / 'train.csv'}: {words}" in err
    assert "leave the column out (--features naming the others" in err
    assert not (tmp_path / "m.npz").exists()


def test_max_categories_raises_the_limit(tmp_path):
    cells = ["a", "b"] * 60 + [f"v{i}" for i in range(101)]
    rows = ["f,x,y"] + [f"{c},{i},{'ab'[i % 2]}" for i, c in enumerate(cells)]
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    _train(tmp_path, "--max-categories", "103", "--epochs", "1")
    assert len(chainrule.load_model(tmp_path / "m.npz").metadata["categories"]["f"]) == 103


def test_an_empty_cell_of_a_categorical_column_is_refused_naming_line_and_column(
        tmp_path, capsys):
    (tmp_path / "train.csv").write_text("color,x,y\nred,1,a\nblue,2,b\n,3,a\nred,4,b\n")
    assert main(["train", str(tmp_path / "train.csv"), "-q", "-o",
                 str(tmp_path / "m.npz")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith(f"chainrule: error: {tmp_path / 'train.csv'} line 4, column "
                           "'color': missing value")


def test_val_data_and_standard_input_encode_with_the_training_categories(
        tmp_path, capsys, monkeypatch):
    train, val = _frame(60, seed=8), _frame(20, seed=9)
    _write(tmp_path / "train.csv", train)
    _write(tmp_path / "val.csv", val, ["size", "y", "color", "x2", "x1"])
    monkeypatch.setattr("sys.stdin", io.StringIO((tmp_path / "train.csv").read_text()))
    assert main(["train", "-", "--target", "y", "--hidden", "6", "--activation", "tanh",
                 "--epochs", "5", "-q", "--val-data", str(tmp_path / "val.csv"),
                 "-o", str(tmp_path / "m.npz")]) == 0
    out = capsys.readouterr().out
    model = chainrule.load_model(tmp_path / "m.npz")
    proba = _forward(tmp_path / "m.npz", val, train)
    val_accuracy = float(np.mean(np.array(["a", "b", "c"])[proba.argmax(axis=1)]
                                 == np.array(val["y"])))
    assert re.search(rf"validation accuracy {val_accuracy:.4g}\b", out), out
    assert model.metadata["categories"]["color"] == ["blue", "green", "red"]
    # a category of the validation file that DATA lacks is refused by its file
    val["size"][2] = "XXL"
    _write(tmp_path / "val.csv", val)
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--epochs", "1",
                 "-q", "--val-data", str(tmp_path / "val.csv"),
                 "-o", str(tmp_path / "n.npz")]) == 2
    assert (f"{tmp_path / 'val.csv'} line 4, column 'size': category 'XXL' was not in the "
            "training data" in capsys.readouterr().err)


def test_resume_continues_a_run_with_categorical_columns(tmp_path, capsys):
    _write(tmp_path / "train.csv", _frame(40, seed=10))
    base = ["train", str(tmp_path / "train.csv"), "--target", "y", "--hidden", "4",
            "--epochs", "6", "-q", "--seed", "3"]
    assert main([*base, "-o", str(tmp_path / "full.npz")]) == 0
    ckpt = str(tmp_path / "run.ckpt.npz")
    assert main([*base, "--epochs", "3", "--checkpoint", ckpt,
                 "-o", str(tmp_path / "half.npz")]) == 0
    capsys.readouterr()
    # another --categorical is another run: refused by the option's name, not as other data
    assert main([*base, "--checkpoint", ckpt, "--resume", "--categorical", "x2",
                 "-o", str(tmp_path / "resumed.npz")]) == 2
    assert (f"--categorical: the run in {ckpt} was started with no --categorical, got "
            "--categorical x2" in capsys.readouterr().err)
    assert main([*base, "--checkpoint", ckpt, "--resume",
                 "-o", str(tmp_path / "resumed.npz")]) == 0
    full = chainrule.load_model(tmp_path / "full.npz")
    resumed = chainrule.load_model(tmp_path / "resumed.npz")
    assert resumed.metadata["categories"] == full.metadata["categories"]
    for a, b in zip(full.network.layers, resumed.network.layers, strict=True):
        np.testing.assert_array_equal(a.W, b.W)


def test_a_model_file_from_before_categorical_columns_loads_and_predicts(tmp_path, capsys):
    """A model file of train before this change: feature_names, no columns or categories
    (its JSON record as train wrote it then).  It loads and predicts as a hand forward
    pass of its weights; a text cell is refused as before, naming the column."""
    net = chainrule.mlp([2, 3, 2], hidden="tanh", output="softmax", seed=4)
    meta = {"kind": "chainrule.cli.model", "task": "classification", "labels": ["no", "yes"],
            "feature_names": ["u", "v"], "target_name": "y", "data": "old.csv",
            "all_columns": True, "x_mean": [1.0, -2.0], "x_scale": [2.0, 0.5],
            "training": {"hidden": [3], "activation": ["tanh"], "output": "softmax",
                         "loss": "cross_entropy", "epochs": 1, "seed": 0},
            "history": {"loss": [0.7]}}
    chainrule.io.save(net, tmp_path / "old.npz", metadata=meta)
    (tmp_path / "new.csv").write_text("v,u\n-1.5,0.5\n-2.5,3\n")
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "old.npz"), str(tmp_path / "new.csv"),
                 "--proba"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    X = (np.array([[0.5, -1.5], [3.0, -2.5]]) - [1.0, -2.0]) / [2.0, 0.5]
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in net.layers]
    Z = np.tanh(X @ W1 + b1) @ W2 + b2
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    got = np.array([[float(v) for v in row.split(",")[1:]] for row in out[1:]])
    np.testing.assert_allclose(got, P, rtol=1e-12)
    assert [row.split(",")[0] for row in out[1:]] == list(np.array(["no", "yes"])[
        P.argmax(axis=1)])
    (tmp_path / "text.csv").write_text("u,v\nred,1\n")
    assert main(["predict", str(tmp_path / "old.npz"), str(tmp_path / "text.csv")]) == 2
    assert (f"{tmp_path / 'text.csv'} line 2, column 'u': not a number: 'red'"
            in capsys.readouterr().err)


def test_a_damaged_categories_record_is_refused_on_load(tmp_path, capsys):
    from file_helpers import edit_saved_meta

    _write(tmp_path / "train.csv", _frame(30, seed=11))
    _train(tmp_path)
    edit_saved_meta(tmp_path / "m.npz",
                    lambda meta: meta["metadata"]["categories"]["color"].append("purple"))
    assert main(["info", str(tmp_path / "m.npz")]) == 2
    assert ("corrupted chainrule model file (categories: the columns encode as 10 features "
            "for a network with 9 inputs)" in capsys.readouterr().err)


def test_npz_and_bundled_data_refuse_categorical(tmp_path, capsys):
    np.savez(tmp_path / "d.npz", X=np.zeros((4, 2)), y=[0, 1, 0, 1],
             feature_names=np.array(["a", "b"]))
    for data in (str(tmp_path / "d.npz"), "iris"):
        assert main(["train", data, "--categorical", "a", "-q",
                     "-o", str(tmp_path / "m.npz")]) == 2
        assert ("can be named categorical (--categorical); give the data as a CSV file"
                in capsys.readouterr().err)
    _write(tmp_path / "train.csv", _frame(30, seed=12))
    _train(tmp_path)
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.npz")]) == 2
    assert ("the model one-hot encodes the categorical columns 'color', 'size' of a CSV "
            "file" in capsys.readouterr().err)


def test_val_data_unknown_category_advises_what_train_has(tmp_path, capsys):
    # train has no --unknown-categories: the message advised it for --val-data, and
    # chainrule train refused it as an unrecognised argument
    _write(tmp_path / "train.csv", _frame(40, seed=11))
    val = _frame(10, seed=12)
    val["color"][3] = "purple"
    _write(tmp_path / "val.csv", val)
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--epochs", "1",
                 "-q", "--val-data", str(tmp_path / "val.csv"),
                 "-o", str(tmp_path / "m.npz")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"chainrule: error: --val-data {tmp_path / 'val.csv'} line 5, column 'color': "
        "category 'purple' was not in the training data; the model knows 3: 'blue', "
        "'green', 'red' (a validation file's categories must be among those of DATA "
        f"{tmp_path / 'train.csv'}: drop the row, or train on data that has the category)")
    assert not (tmp_path / "m.npz").exists()


def test_python_predict_of_raw_columns_names_the_encoding_that_reads_them(tmp_path):
    # load_model(...).predict takes the network's inputs, the 0/1 features included: the
    # table's own columns were refused with no word of the categories or of read_data
    from chainrule.tabular import read_data

    train, new = _frame(50, seed=13), _frame(7, seed=14)
    _write(tmp_path / "train.csv", train)
    _train(tmp_path)
    model = chainrule.load_model(tmp_path / "m.npz")
    raw = np.array([new[c] for c in ("color", "x1", "size", "x2")], dtype=object).T
    hint = ("; the model one-hot encodes the categorical columns 'color', 'size' of its 4 "
            "columns, so X holds 9 features, in the order of feature_names; or pass the "
            "columns by name, a pandas DataFrame or a dict of column name to values, which "
            "the model encodes (model.encode(X)); a CSV file's rows: chainrule.tabular."
            "read_data(path, features=model.metadata['columns'], categories=model.metadata"
            "['categories'], need_target=False).X")
    with pytest.raises(ValueError) as info:
        model.predict(raw)
    assert str(info.value).startswith("X must be a numeric array of shape (n_samples, 9), "
                                      "could not convert: ")
    assert str(info.value).endswith(hint)
    with pytest.raises(ValueError) as info:
        model.predict_proba(np.zeros((7, 4)))
    assert str(info.value) == "X must have shape (n_samples, 9), got (7, 4)" + hint
    # the advice, followed, on a file of the columns in another order
    _write(tmp_path / "new.csv", new, ["x2", "size", "x1", "color"])
    X = read_data(tmp_path / "new.csv", features=model.metadata["columns"],
                  categories=model.metadata["categories"], need_target=False).X
    np.testing.assert_allclose(model.predict_proba(X), _forward(tmp_path / "m.npz", new, train),
                               rtol=1e-12)


def test_text_in_a_models_column_of_numbers_is_refused_as_such(tmp_path, capsys):
    # predict and --val-data advised "one-hot encode a column of categories first (...)",
    # which train now does itself; and a file so encoded has other columns than the
    # model's: the column is one of numbers to the model, as in its training data
    train, new = _frame(40, seed=15), _frame(6, seed=16)
    _write(tmp_path / "train.csv", train)
    _train(tmp_path)
    new["x2"][4] = "n/k"  # line 6: the header is line 1
    _write(tmp_path / "new.csv", new, ["x2", "size", "x1", "color", "y"])
    capsys.readouterr()
    for command in (["predict"], ["evaluate"]):
        assert main([*command, str(tmp_path / "m.npz"), str(tmp_path / "new.csv")]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line == (f"chainrule: error: {tmp_path / 'new.csv'} line 6, column 'x2': not "
                        "a number: 'n/k'; the model takes numbers in this column, as its "
                        "training data held them")
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--epochs", "1",
                 "-q", "--val-data", str(tmp_path / "new.csv"),
                 "-o", str(tmp_path / "v.npz")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (f"chainrule: error: --val-data {tmp_path / 'new.csv'} line 6, column "
                    f"'x2': not a number: 'n/k'; the column holds numbers in DATA "
                    f"{tmp_path / 'train.csv'}")


def test_plot_regions_refuses_a_model_of_categorical_columns(tmp_path, capsys):
    # a column of two categories is 2 features: plot regions drew the plane of 'g=a'
    # against 'g=b', of which the examples hold two corners, the rest meaning nothing
    rows = ["g,y"] + ["a,yes", "b,no"] * 15
    (tmp_path / "train.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", str(tmp_path / "train.csv"), "--epochs", "2", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["plot", "regions", str(tmp_path / "m.npz"), str(tmp_path / "train.csv"),
                 "-o", str(tmp_path / "r.png")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == ("chainrule: error: plot regions draws a classifier of 2 numeric features "
                    "on the plane; this model reads the column 'g' and one-hot encodes 'g' "
                    "into 2 features in all (plot confusion shows how it classifies DATA)")
    assert not (tmp_path / "r.png").exists()


@pytest.mark.parametrize("extra", [["--target", "y"], []])
def test_categorical_naming_the_target_says_it_is_the_target(tmp_path, capsys, extra):
    # it was "not among the feature columns (color, x1, size, x2)", which lists every
    # column but the one named, as though it were missing from the file; the second case
    # is the last column, the target when none is named
    _write(tmp_path / "train.csv", _frame(30, seed=17))
    assert main(["train", str(tmp_path / "train.csv"), *extra, "--categorical", "y",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (f"chainrule: error: {tmp_path / 'train.csv'}: categorical column 'y' "
                    "(--categorical) is a target, not a feature: --categorical names feature "
                    "columns to one-hot encode (a classifier's target is taken as written, "
                    "its values the labels); leave it out of --categorical, or name another "
                    "target (--target) to make it a feature")


def test_cv_folds_encode_the_categories_of_their_training_rows(tmp_path, capsys):
    # cv took the categories from every row: a category of held-out rows only was a
    # column of zeros in training (its weights left at their random start, and the
    # network one input wider than train's on those rows), and its held-out row was
    # scored through them.  Each fold is now train on its rows, scored as evaluate
    # --unknown-categories zeros scores the held-out ones: checked fold by fold
    from sklearn.model_selection import KFold

    rng = np.random.default_rng(18)
    n = 30
    x = rng.normal(size=n).round(3)
    g = [["a", "b", "c"][i] for i in rng.integers(0, 3, n)]
    g[7] = "rare"
    y = (x + np.array([{"a": 0.0, "b": 1.0, "c": -1.0, "rare": 3.0}[v] for v in g])).round(3)
    lines = [f"{float(x[i])!r},{g[i]},{float(y[i])!r}" for i in range(n)]

    def write(name, idx):
        (tmp_path / name).write_text("x,g,y\n" + "\n".join(lines[i] for i in idx) + "\n")

    write("all.csv", range(n))
    run = ["--target", "y", "--hidden", "4", "--activation", "tanh", "--epochs", "20",
           "--val-fraction", "0", "--seed", "0", "-q"]
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "all.csv"), *run, "--folds", "3", "--json"]) == 0
    out, err = capsys.readouterr()
    folds = json.loads(out)["per_fold"]
    splits = list(KFold(3, shuffle=True, random_state=0).split(np.zeros((n, 1))))
    (rare,) = [k for k, (_, held) in enumerate(splits) if 7 in held]
    assert err == (f"chainrule cv: fold {rare + 1}: 1 held-out example of a category of 'g' "
                   "that the fold's training rows lack, encoded as all zeros (as evaluate "
                   "--unknown-categories zeros)\n")
    for k, (fit_rows, held_rows) in enumerate(splits):
        write(f"fit{k}.csv", fit_rows)
        write(f"held{k}.csv", held_rows)
        assert main(["train", str(tmp_path / f"fit{k}.csv"), *run,
                     "-o", str(tmp_path / f"m{k}.npz")]) == 0
        capsys.readouterr()
        assert main(["evaluate", str(tmp_path / f"m{k}.npz"), str(tmp_path / f"held{k}.csv"),
                     "--unknown-categories", "zeros", "--json"]) == 0
        scores = json.loads(capsys.readouterr().out)
        for key in ("mse", "mae", "r2"):
            assert folds[k][key] == pytest.approx(scores[key], rel=1e-12, abs=1e-15), (k, key)


def test_a_measurement_named_categorical_is_not_called_text(tmp_path, capsys):
    # --categorical x1 on 30 distinct numbers said "is text with a different value in
    # each of its 30 rows (an ID or free text ...)" and advised only leaving it out
    _write(tmp_path / "train.csv", _frame(30, seed=19))
    assert len(set(_frame(30, seed=19)["x1"])) == 30
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--categorical",
                 "x1", "-q", "-o", str(tmp_path / "m.npz")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line == (
        f"chainrule: error: {tmp_path / 'train.csv'}: column 'x1' is numbers, a different "
        "one in each of its 30 rows (a measurement or an ID, not categories: one-hot "
        "encoded it would be 30 input columns, each seen once); leave it out of "
        "--categorical (categorical= from Python) to read it as numbers, or leave the "
        "column out (--features naming the others on the command line, or drop it from "
        "the file)")
