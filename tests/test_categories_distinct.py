"""One-hot encoding of categorical columns works on their distinct values.

A CSV file's categorical columns (``read_data``) and a table's (``SavedModel.encode``)
were encoded a cell at a time in Python; now each distinct value is looked up once and
its rows filled by the inverse of ``np.unique``.  The encodings must not change: they
are checked against scikit-learn's ``OneHotEncoder`` and against the per-cell algorithm
written out here, on random tables with spaces, unicode, missing cells and unseen
categories, and the messages must name the first offending row in file order.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.preprocessing import OneHotEncoder

from chainrule._saved_model_table import encode_table
from chainrule.tabular import read_data

POOL = ["red", " red", "blue ", "  grün ", "日本", "x y", "Z", "é"]


def _per_cell_texts(values: np.ndarray) -> list[str] | int:
    """The old algorithm: each cell's text (``str``; bytes decoded), or the row of the
    first missing cell (None, a float NaN)."""
    texts = []
    for i, value in enumerate(values):
        if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
            return i
        texts.append(value.decode() if isinstance(value, bytes) else str(value))
    return texts


def _per_cell_one_hot(texts: list[str], categories: list[str]) -> np.ndarray:
    """The old algorithm: each stripped cell looked up in turn (unknown: zeros)."""
    X = np.zeros((len(texts), len(categories)))
    for i, text in enumerate(texts):
        if text.strip() in categories:
            X[i, categories.index(text.strip())] = 1.0
    return X


def _write(path, header: list[str], columns: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(zip(*columns, strict=True))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_csv_encoding_is_scikit_learns(tmp_path, seed):
    rng = np.random.default_rng(seed)
    n = 500
    a = [POOL[i] for i in rng.integers(0, len(POOL), n)]
    b = [POOL[i] for i in rng.integers(2, 6, n)]
    x = rng.normal(size=n).round(4)
    y = rng.normal(size=n).round(4)
    path = tmp_path / "d.csv"
    _write(path, ["a", "x", "b", "y"], [a, [repr(float(v)) for v in x], b,
                                          [repr(float(v)) for v in y]])
    table = read_data(path, target="y", categorical=True)
    stripped = np.array([[u.strip(), v.strip()] for u, v in zip(a, b, strict=True)])
    enc = OneHotEncoder(sparse_output=False).fit(stripped)
    ref = enc.transform(stripped)
    ka = len(enc.categories_[0])
    expected = np.hstack([ref[:, :ka], x[:, None], ref[:, ka:]])
    np.testing.assert_array_equal(table.X, expected)
    assert table.categories == {"a": list(enc.categories_[0]), "b": list(enc.categories_[1])}

    # known categories: an unseen one is all zeros, or refused naming its first line
    known = {"a": ["red", "x y", "日本"], "b": ["x y", "grün"]}
    zeros = read_data(path, target="y", categories=known, unknown_categories="zeros")
    np.testing.assert_array_equal(zeros.X, np.hstack([
        _per_cell_one_hot(a, known["a"]), x[:, None], _per_cell_one_hot(b, known["b"])]))
    first = next(i for i, cell in enumerate(a) if cell.strip() not in known["a"])
    with pytest.raises(ValueError, match=f"line {first + 2}, column 'a': category "
                       f"{a[first].strip()!r} was not in the training data"):
        read_data(path, target="y", categories=known)


def test_csv_missing_cell_names_its_first_line(tmp_path):
    a = ["red", "blue", "red", " ", "blue", "", "red"]
    path = tmp_path / "d.csv"
    _write(path, ["a", "y"], [a, ["1"] * len(a)])
    with pytest.raises(ValueError, match="line 5, column 'a': missing value"):
        read_data(path, target="y", categorical=True)


def _columns(rng: np.random.Generator, n: int) -> dict[str, object]:
    """Columns of every kind a table's categorical column comes as."""
    words = [POOL[i] for i in rng.integers(0, len(POOL), n)]
    ints = rng.integers(-3, 4, n)
    floats = rng.choice([0.5, -0.0, 0.0, 2.0, 1e20], n)
    return {"words": words, "objects": np.array(words, dtype=object),
            "unicode": np.array(words), "ints": ints, "int8": ints.astype(np.int8),
            "bools": ints > 0, "floats": floats, "float32": floats.astype(np.float32),
            "bytes": np.array([w.strip().encode() for w in words if w.isascii()]),
            "mixed": np.array([w if i % 3 else int(i) for i, w in enumerate(words)],
                              dtype=object)}


@pytest.mark.parametrize("seed", [0, 1])
def test_table_encoding_is_the_per_cell_one(seed):
    rng = np.random.default_rng(seed)
    for name, values in _columns(rng, 300).items():
        texts = _per_cell_texts(np.asarray(values, dtype=object) if isinstance(values, list)
                                else values)
        categories = sorted({t.strip() for t in texts})[:-1]  # the last one unseen
        meta = {"columns": [name], "categories": {name: categories}}
        got = encode_table(meta, {name: values}, "zeros")
        np.testing.assert_array_equal(got, _per_cell_one_hot(texts, categories),
                                      err_msg=name)
        first = next(i for i, t in enumerate(texts) if t.strip() not in categories)
        with pytest.raises(ValueError, match=f"X row {first} \\(from 0\\), column "
                           f"'{name}': category"):
            encode_table(meta, {name: values})


def test_table_zero_and_minus_zero_are_two_categories():
    values = np.array([0.0, -0.0, 1.5, -0.0])
    meta = {"columns": ["v"], "categories": {"v": ["-0.0", "0.0", "1.5"]}}
    np.testing.assert_array_equal(encode_table(meta, {"v": values}),
                                  [[0, 1, 0], [1, 0, 0], [0, 0, 1], [1, 0, 0]])


@pytest.mark.parametrize("column, row", [
    (["a", "b", None, "a", float("nan")], 2),
    (["a", "b", "a", float("nan"), None], 3),
    (np.array(["a", None, "b"], dtype=object), 1),
    (np.array([1.0, 2.0, 1.0, np.nan, np.nan]), 3),
    (np.array([1.0, np.nan], dtype=np.float32), 1),
])
def test_table_missing_cell_names_its_first_row(column, row):
    meta = {"columns": ["c"], "categories": {"c": ["a", "b", "1.0", "2.0"]}}
    assert _per_cell_texts(np.asarray(column, dtype=object)) == row
    with pytest.raises(ValueError, match=f"X row {row} \\(from 0\\), column 'c': missing "
                       "value"):
        encode_table(meta, {"c": column})


def test_dataframe_columns_encode_as_their_lists():
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    words = [POOL[i] for i in rng.integers(0, len(POOL), 400)]
    codes = rng.integers(0, 5, 400)
    categories = {"w": sorted({w.strip() for w in words})[1:], "k": ["0", "1", "2", "4"]}
    meta = {"columns": ["w", "k"], "categories": categories}
    expected = np.hstack([_per_cell_one_hot(words, categories["w"]),
                          _per_cell_one_hot([str(k) for k in codes], categories["k"])])
    for frame in (pd.DataFrame({"w": words, "k": codes}),
                  pd.DataFrame({"w": words, "k": codes}).astype(object),
                  pd.DataFrame({"w": pd.Categorical(words), "k": codes})):
        np.testing.assert_array_equal(encode_table(meta, frame, "zeros"), expected)
    frame = pd.DataFrame({"w": words, "k": codes})
    frame.loc[[57, 12], "w"] = None
    with pytest.raises(ValueError, match="X row 12 \\(from 0\\), column 'w': missing value"):
        encode_table(meta, frame)
