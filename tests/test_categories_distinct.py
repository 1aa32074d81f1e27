"""One-hot encoding of categorical columns works on their distinct values.

A CSV file's categorical columns (``read_data``) were encoded a cell at a time in
Python; now each distinct value is looked up once and its rows filled by the inverse
of ``np.unique``.  The encodings must not change: they
are checked against scikit-learn's ``OneHotEncoder`` and against the per-cell algorithm
written out here, on random tables with spaces, unicode, missing cells and unseen
categories, and the messages must name the first offending row in file order.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.preprocessing import OneHotEncoder

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
