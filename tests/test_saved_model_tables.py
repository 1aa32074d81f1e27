"""``chainrule.load_model(path).predict`` of a table of named columns: a dict of columns
or a pandas DataFrame, read by name as ``chainrule predict`` reads a CSV file's columns.

Before, ``predict`` took the encoded matrix alone: a dict was refused as "X must be a
numeric array", a DataFrame was read by position (whatever its columns' order), and a
model of categorical columns needed ``read_data`` on a file.  The references here are
``chainrule predict`` on the same rows written to a CSV file, and a forward pass of the
saved weights written out in NumPy, with the one-hot encoding and standardisation done
by hand.
"""

from __future__ import annotations

import csv
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.cli import main

COLORS, SIZES = ["red", "blue", "green"], ["S", "M", "L", "XL"]
COLUMNS = ["color", "x1", "size", "x2"]


def _frame(n: int, seed: int) -> dict[str, list]:
    """Columns color, x1, size, x2 (two categorical, two numeric) and y (3 classes)."""
    rng = np.random.default_rng(seed)
    color = [COLORS[i] for i in rng.integers(0, 3, n)]
    size = [SIZES[i] for i in rng.integers(0, 4, n)]
    x1, x2 = rng.normal(2.0, 3.0, n).round(3), rng.normal(-1.0, 0.5, n)
    y = [("a" if c == "red" else "b") if v > 2 else "c" for c, v in zip(color, x1, strict=True)]
    return {"color": color, "x1": [float(v) for v in x1], "size": size,
            "x2": [float(v) for v in x2], "y": y}


def _write(path, frame: dict[str, list], order: list[str]) -> None:
    """A CSV file of ``frame``'s columns in ``order``; numbers as repr (read back exactly)."""
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(order)
        for i in range(len(frame[order[0]])):
            writer.writerow([repr(frame[c][i]) if isinstance(frame[c][i], float)
                             else frame[c][i] for c in order])


def _train(tmp_path, frame: dict[str, list], order: list[str], *extra: str) -> str:
    _write(tmp_path / "train.csv", frame, order)
    out = str(tmp_path / "m.npz")
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "--hidden", "6",
                 "--activation", "tanh", "--epochs", "30", "--val-fraction", "0", "-q",
                 "-o", out, *extra]) == 0
    return out


def _cli_predict(tmp_path, model: str, frame: dict[str, list], order: list[str],
                 *extra: str) -> tuple[list[str], np.ndarray]:
    """``chainrule predict --proba`` of ``frame`` written to a CSV file: the labels and
    the probabilities read back from its output."""
    _write(tmp_path / "new.csv", frame, order)
    out = tmp_path / "pred.csv"
    assert main(["predict", model, str(tmp_path / "new.csv"), "--proba", "-o", str(out),
                 *extra]) == 0
    with open(out, newline="") as fh:
        rows = list(csv.reader(fh))
    return [r[0] for r in rows[1:]], np.array([[float(v) for v in r[1:]] for r in rows[1:]])


def _forward(model: str, frame: dict[str, list], train: dict[str, list],
             zeros: bool = False) -> np.ndarray:
    """The class probabilities of ``frame``, by hand: each categorical column's 0/1
    columns over the training categories (sorted as text; a category the training data
    lacked all zeros), numeric columns standardised by the training mean and population
    deviation, then the tanh and softmax layers of the file's weights."""
    with warnings.catch_warnings():  # the bare network of a model file: its weights
        warnings.simplefilter("ignore")
        net = chainrule.load(model)
    cols = []
    for name in COLUMNS:
        if name in ("color", "size"):
            known = sorted(set(train[name]))
            assert zeros or set(frame[name]) <= set(known)
            cols += [[1.0 if v == c else 0.0 for v in frame[name]] for c in known]
        else:
            ref = np.array(train[name])
            cols.append(list((np.array(frame[name]) - ref.mean()) / ref.std()))
    A = np.array(cols).T
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in net.layers]
    Z = np.tanh(A @ W1 + b1) @ W2 + b2
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_dict_of_columns_equals_cli_predict_and_a_hand_forward_pass(tmp_path):
    train, new = _frame(80, seed=0), _frame(25, seed=1)
    model_file = _train(tmp_path, train, ["y", *COLUMNS])
    model = chainrule.load_model(model_file)
    assert model.metadata["categories"] == {"color": ["blue", "green", "red"],
                                            "size": ["L", "M", "S", "XL"]}
    # the columns shuffled, an extra one (and the target) ignored
    table = {c: new[c] for c in ["x2", "y", "size", "x1", "color"]}
    table["id"] = list(range(25))
    proba = model.predict_proba(table)
    labels, cli_proba = _cli_predict(tmp_path, model_file, new, ["size", "x2", "color", "x1"])
    np.testing.assert_array_equal(proba, cli_proba)
    assert list(model.predict(table)) == labels
    np.testing.assert_allclose(proba, _forward(model_file, new, train), rtol=1e-12, atol=0)
    np.testing.assert_array_equal(model.predict_log_proba(table),
                                  model.predict_log_proba(model.encode(table)))
    # encode: the raw features (not standardised), those read_data reads from the file
    from chainrule.tabular import read_data

    X = read_data(tmp_path / "new.csv", features=model.metadata["columns"],
                  categories=model.metadata["categories"], need_target=False).X
    np.testing.assert_array_equal(model.encode(table), X)
    assert model.encode(table).shape == (25, 9)
    np.testing.assert_array_equal(model.encode(table)[:, 0],  # color=blue, by hand
                                  [1.0 if c == "blue" else 0.0 for c in new["color"]])
    np.testing.assert_array_equal(model.encode(table)[:, 3], new["x1"])


def test_dataframe_unseen_category_and_zeros_as_the_cli(tmp_path, capsys):
    pd = pytest.importorskip("pandas")
    train, new = _frame(60, seed=2), _frame(12, seed=3)
    model_file = _train(tmp_path, train, [*COLUMNS, "y"])
    model = chainrule.load_model(model_file)
    df = pd.DataFrame({c: new[c] for c in ["size", "x1", "y", "x2", "color"]},
                      index=np.arange(100, 112))
    labels, cli_proba = _cli_predict(tmp_path, model_file, new, COLUMNS)
    np.testing.assert_array_equal(model.predict_proba(df), cli_proba)
    assert list(model.predict(df)) == labels
    np.testing.assert_allclose(model.predict_proba(df), _forward(model_file, new, train),
                               rtol=1e-12, atol=0)
    # a category the training data did not have: refused by name, or zeros as the CLI
    new["color"][4] = "purple"
    df = pd.DataFrame(new)
    with pytest.raises(ValueError) as info:
        model.predict_proba(df)
    assert str(info.value) == (
        "X row 4 (from 0), column 'color': category 'purple' was not in the training data; "
        "the model knows 3: 'blue', 'green', 'red' (unknown_categories='zeros' encodes an "
        "unknown one as all zeros)")
    capsys.readouterr()
    assert main(["predict", model_file, str(tmp_path / "new.csv")]) == 0  # the old rows
    _write(tmp_path / "new.csv", new, COLUMNS)
    assert main(["predict", model_file, str(tmp_path / "new.csv")]) == 2
    assert "category 'purple' was not in the training data" in capsys.readouterr().err
    labels, cli_proba = _cli_predict(tmp_path, model_file, new, COLUMNS,
                                     "--unknown-categories", "zeros")
    proba = model.predict_proba(df, unknown_categories="zeros")
    np.testing.assert_array_equal(proba, cli_proba)
    assert list(model.predict(df, unknown_categories="zeros")) == labels
    np.testing.assert_allclose(proba, _forward(model_file, new, train, zeros=True),
                               rtol=1e-12, atol=0)
    assert model.encode(df, unknown_categories="zeros")[4, :3].tolist() == [0.0, 0.0, 0.0]


def _numeric_model(tmp_path) -> tuple:
    train, new = _frame(50, seed=4), _frame(9, seed=5)
    order = ["x2", "x1"]
    model_file = _train(tmp_path, {k: train[k] for k in ["x2", "x1", "y"]}, [*order, "y"])
    model = chainrule.load_model(model_file)
    assert "categories" not in model.metadata and model.feature_names == order
    return model, new, np.column_stack([new["x2"], new["x1"]])


def test_model_without_categorical_columns_dict_equals_the_array(tmp_path):
    model, new, X = _numeric_model(tmp_path)
    table = {"x1": np.array(new["x1"]), "color": new["color"], "x2": tuple(new["x2"])}
    for method in ("predict", "predict_proba", "predict_log_proba", "outputs"):
        np.testing.assert_array_equal(getattr(model, method)(table),
                                      getattr(model, method)(X))
    np.testing.assert_array_equal(model.encode(table), X)
    # a dict of the text a CSV reader gives: numbers read as the CLI reads them
    text = {k: [repr(v) for v in new[k]] for k in ("x1", "x2")}
    np.testing.assert_array_equal(model.predict_proba(text), model.predict_proba(X))


def test_dataframe_of_a_numeric_model_is_read_by_name_not_position(tmp_path):
    pd = pytest.importorskip("pandas")
    model, new, X = _numeric_model(tmp_path)
    # before, the DataFrame's columns were taken by position: x1 read as x2
    df = pd.DataFrame({"x1": new["x1"], "x2": new["x2"]})
    np.testing.assert_array_equal(model.predict_proba(df), model.predict_proba(X))
    assert not np.array_equal(model.predict_proba(df.to_numpy()), model.predict_proba(X))


def test_tables_refused_naming_what_is_wrong(tmp_path):
    train = _frame(40, seed=6)
    model = chainrule.load_model(_train(tmp_path, train, [*COLUMNS, "y"]))
    table = {c: train[c][:5] for c in COLUMNS}
    with pytest.raises(ValueError, match=r"^X lacks the columns 'x1', 'size' that the model "
                       r"reads; it reads 4: 'color', 'x1', 'size', 'x2'$"):
        model.predict({"color": table["color"], "x2": table["x2"]})
    with pytest.raises(ValueError, match=r"^X\['size'\] has 4 values, the columns before it "
                       r"5: the columns of X must be of one length$"):
        model.predict({**table, "size": table["size"][:4]})
    with pytest.raises(ValueError, match=r"^X row 2 \(from 0\), column 'x2': missing value "
                       r"\(NaN\): fill it in"):
        model.predict({**table, "x2": [1.0, 2.0, float("nan"), 3.0, 4.0]})
    with pytest.raises(ValueError, match=r"^X row 1 \(from 0\), column 'x1': not a number: "
                       r"'big'; the model takes numbers in this column"):
        model.predict({**table, "x1": ["1", "big", "2", "3", "4"]})
    with pytest.raises(ValueError, match=r"^X row 3 \(from 0\), column 'color': missing "
                       r"value \(None; a categorical column"):
        model.predict({**table, "color": ["red", "red", "blue", None, "red"]})
    with pytest.raises(ValueError, match=r"^unknown_categories must be 'error' or 'zeros', "
                       r"got 'ignore'$"):
        model.predict_proba(table, unknown_categories="ignore")
    with pytest.raises(TypeError, match=r"^encode: X must be a table of named columns"):
        model.encode(np.zeros((5, 9)))
    # a network saved from Python records no column names: a dict has no order to take
    net = chainrule.network_from_layers([chainrule.Dense(3, 2, activation="softmax")], seed=0)
    net.save(tmp_path / "net.npz")
    bare = chainrule.load_model(tmp_path / "net.npz")
    with pytest.raises(ValueError, match=r"needs a model that records its feature names; "
                       r"this one takes its features by position"):
        bare.predict({"a": [1.0], "b": [2.0], "c": [3.0]})


def test_nan_in_a_list_of_categories_is_a_missing_cell_not_the_category_nan(tmp_path):
    # numpy makes ["red", nan] the text ["red", "nan"]: it was refused as the unseen
    # category 'nan', and unknown_categories="zeros" encoded it as all zeros, silently
    train = _frame(40, seed=7)
    model = chainrule.load_model(_train(tmp_path, train, [*COLUMNS, "y"]))
    table = {c: train[c][:3] for c in COLUMNS}
    table["color"] = ["red", float("nan"), "blue"]
    for unknown in ("error", "zeros"):
        with pytest.raises(ValueError, match=r"^X row 1 \(from 0\), column 'color': missing "
                           r"value \(nan; a categorical column: fill the cell in"):
            model.predict_proba(table, unknown_categories=unknown)
    # the text "nan" of an array is a category as written, as a CSV cell "nan" is
    table["color"] = np.array(["red", "nan", "blue"])
    assert model.encode(table, unknown_categories="zeros")[1, :3].tolist() == [0.0, 0.0, 0.0]
    # lists of text and numbers keep reading as before
    table["color"], table["x1"] = ["red", "green", "blue"], ["1.5", 2, "-0.25"]
    X = model.encode(table)
    np.testing.assert_array_equal(X[:, :3], [[0, 0, 1], [0, 1, 0], [1, 0, 0]])
    np.testing.assert_array_equal(X[:, 3], [1.5, 2.0, -0.25])


def test_an_array_with_nan_is_refused_as_a_table_with_nan_is(tmp_path):
    # an array's NaN went through the network: NaN probabilities and, silently, the
    # first class's label from predict; a table's, the CLI's and the estimators' are refused
    model, new, X = _numeric_model(tmp_path)
    X = X.copy()
    X[3, 1] = np.nan
    for method in ("predict", "predict_proba", "predict_log_proba", "predict_index",
                   "outputs"):
        with pytest.raises(ValueError, match=r"^X row 3 \(from 0\), feature 1 \('x1'\): "
                           r"missing value \(NaN\): fill it in"):
            getattr(model, method)(X)
    X[3, 1], X[5, 0] = 0.0, -np.inf
    with pytest.raises(ValueError, match=r"^X row 5 \(from 0\), feature 0 \('x2'\): not a "
                       r"finite number: -inf"):
        model.predict(X)
    with pytest.raises(ValueError, match=r"^X row 3 \(from 0\), column 'x1': missing value"):
        model.predict({"x2": new["x2"], "x1": [*new["x1"][:3], None, *new["x1"][4:]]})
    # finite rows: the hand forward pass of the file's weights, as before
    X[5, 0] = new["x2"][5]
    ref = _forward_numeric(model, X)
    np.testing.assert_allclose(model.predict_proba(X), ref, rtol=1e-12, atol=0)


def _forward_numeric(model, X: np.ndarray) -> np.ndarray:
    """Softmax of the tanh network of ``model``'s weights on ``X`` standardised by hand."""
    Z = (X - np.array(model.metadata["x_mean"])) / np.array(model.metadata["x_scale"])
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in model.network.layers]
    Z = np.tanh(Z @ W1 + b1) @ W2 + b2
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_no_rows_are_refused_by_every_method_as_network_predict_refuses_them(tmp_path):
    # a single sigmoid output's predict_proba and every predict_log_proba returned None
    # for no rows (predict then raised AttributeError: 'NoneType' ... 'argmax'); the
    # other methods refused them through Network.predict
    from chainrule.saved_model import SavedModel

    with pytest.raises(ValueError) as network:
        chainrule.mlp([4, 5, 1], output="sigmoid", seed=0).predict(np.zeros((0, 4)))
    for n_out, labels in ((1, ["a", "b"]), (3, ["a", "b", "c"])):
        net = chainrule.mlp([4, 5, n_out], output="sigmoid" if n_out == 1 else "softmax",
                            seed=0)
        model = SavedModel(net, {"task": "classification", "labels": labels})
        for method in ("predict", "predict_proba", "predict_log_proba", "predict_index",
                       "outputs"):
            with pytest.raises(ValueError) as info:
                getattr(model, method)(np.zeros((0, 4)))
            assert str(info.value) == str(network.value)
    # a table of no rows (a DataFrame filtered to nothing) the same
    model, _, _ = _numeric_model(tmp_path)
    with pytest.raises(ValueError, match=r"^X is empty \(shape \(0, 2\)\)"):
        model.predict_log_proba({"x1": [], "x2": []})


def test_a_structured_array_or_a_list_of_records_is_refused_naming_x(tmp_path):
    # numpy's cast refused a structured array with "Cannot cast array data from dtype(...)
    # to dtype('float64') according to the rule 'unsafe'" (one field it casts, then
    # refused by shape), and a list of dicts with float()'s TypeError, neither naming X
    model, new, X = _numeric_model(tmp_path)
    rec = np.zeros(3, dtype=[("x1", "f8"), ("x2", "f8")])
    for arr in (rec, rec.view(np.recarray), np.zeros(3, dtype=[("x1", "f8")])):
        with pytest.raises(TypeError, match=r"^X is a structured array \(fields 'x1'.*\); "
                           r"pass its columns by name, a dict \{name: X\[name\] for name in "
                           r"X.dtype.names\} or a pandas DataFrame"):
            model.predict(arr)
    # as the hint says: its columns by name give the array's predictions
    rec["x1"], rec["x2"] = new["x1"][:3], new["x2"][:3]
    np.testing.assert_array_equal(model.predict_proba({n: rec[n] for n in rec.dtype.names}),
                                  model.predict_proba(X[:3]))
    with pytest.raises(ValueError, match=r"^X must be a numeric array of shape \(n_samples, "
                       r"2\), could not convert: float\(\) argument must be .* not 'dict'"):
        model.predict([{"x1": 1.0, "x2": 2.0}])


def test_lacking_columns_refused_saying_why_of_npz_names_and_spaced_names(tmp_path):
    # a model trained on an NPZ file without feature_names records x0, x1, ...: a
    # DataFrame(X) of its features (read by position before tables were read by name)
    # was refused naming x0, x1, ... alone; pandas.read_csv keeps the spaces around a
    # header's names that chainrule predict strips, and the refusal did not say so
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3))
    np.savez(tmp_path / "d.npz", X=X, y=(X[:, 0] > 0).astype(int))
    assert main(["train", str(tmp_path / "d.npz"), "--epochs", "3", "-q", "-o",
                 str(tmp_path / "m.npz")]) == 0
    model = chainrule.load_model(tmp_path / "m.npz")
    with pytest.raises(ValueError, match=r"^X lacks the columns 'x0', 'x1', 'x2' that the "
                       r"model reads; it reads 3: 'x0', 'x1', 'x2'; x0, x1, \.\.\. are the "
                       r"names chainrule train gives the columns of an NPZ file without "
                       r"feature_names: pass the features by position"):
        model.predict(pd.DataFrame(X[:5]))
    np.testing.assert_array_equal(model.predict_proba(pd.DataFrame(X[:5]).to_numpy()),
                                  model.predict_proba(X[:5]))
    with pytest.raises(ValueError, match=r"^X lacks the column 'x2' that the model reads; "
                       r"it reads 3: 'x0', 'x1', 'x2'$"):  # some named: no hint
        model.predict({"x0": X[:5, 0], "x1": X[:5, 1]})
    train = _frame(40, seed=9)
    model = chainrule.load_model(_train(tmp_path, train, [*COLUMNS, "y"]))
    df = pd.DataFrame({"color": train["color"], " x1": train["x1"], "size ": train["size"],
                       "x2": train["x2"]})
    with pytest.raises(ValueError, match=r"^X lacks the columns 'x1', 'size' that the model "
                       r"reads; it reads 4: 'color', 'x1', 'size', 'x2'; X has ' x1', 'size ' "
                       r"\(spaces around the name\): strip them"):
        model.predict(df)
    np.testing.assert_array_equal(model.predict_proba(df.rename(columns=str.strip)),
                                  model.predict_proba({c: train[c] for c in COLUMNS}))


class _ArrowLikeTable:
    """What a pyarrow ``Table`` offers a reader of columns: ``column_names``, ``columns``
    the arrays themselves (unhashable: not names), ``table[name]`` one array."""

    def __init__(self, frame: dict[str, list]):
        self.column_names = list(frame)
        self.columns = [np.asarray(v, dtype=object) for v in frame.values()]
        self._frame = frame

    def __getitem__(self, name: str) -> np.ndarray:
        return np.asarray(self._frame[name], dtype=object)


class _ArraysAsColumns(_ArrowLikeTable):
    """A table whose ``columns`` are its arrays and which gives no ``column_names``."""

    def __init__(self, frame: dict[str, list]):
        super().__init__(frame)
        del self.column_names


def test_a_table_whose_columns_are_its_arrays_is_read_by_its_column_names(tmp_path):
    train, new = _frame(60, seed=2), _frame(15, seed=3)
    model_file = _train(tmp_path, train, ["y", *COLUMNS])
    model = chainrule.load_model(model_file)
    table = {c: new[c] for c in ["x2", "size", "x1", "color"]}
    np.testing.assert_array_equal(model.predict_proba(_ArrowLikeTable(table)),
                                  model.predict_proba(table))
    np.testing.assert_allclose(model.predict_proba(table), _forward(model_file, new, train),
                               rtol=1e-12, atol=0)
    with pytest.raises(ValueError, match=r"X: _ArraysAsColumns\.columns must be the "
                       r"columns' names, as a pandas DataFrame's are; pass a dict"):
        model.predict(_ArraysAsColumns(table))
