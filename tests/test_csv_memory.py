"""read_data's memory on a CSV file of numbers: the rows parsed as they come, not every
cell held as a Python string until the file is read (some 70 bytes a number of 17
digits, ten times its float), against the cells parsed by the csv module and ``float``;
and a file that turns out to be more than numbers (a late text cell, a short row) read
again as a whole, with the same table or message as before."""

from __future__ import annotations

import csv
import tracemalloc

import numpy as np
import pytest

import chainrule._tabular_csv as tabular_csv
from chainrule.tabular import read_data


def _write(path, X: np.ndarray, y: list[str]) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*(f"x{j}" for j in range(X.shape[1])), "y"])
        w.writerows([*map(repr, row.tolist()), t] for row, t in zip(X, y, strict=True))


def _reference(path) -> tuple[np.ndarray, list[str]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))[1:]
    return np.array([[float(c) for c in row[:-1]] for row in rows]), [row[-1] for row in rows]


def test_a_csv_file_of_numbers_is_read_without_a_string_per_cell(tmp_path):
    """2,000 rows of 20 numbers (320 kB as float64): reading peaked at 11 times that
    (tracemalloc), the cells' strings; now the floats, and a row's line and label."""
    rng = np.random.default_rng(0)
    n, d = 2_000, 20
    X = rng.normal(size=(n, d))
    y = rng.choice(["yes", "no"], size=n).tolist()
    path = tmp_path / "data.csv"
    _write(path, X, y)
    tracemalloc.start()
    try:
        table = read_data(path, target="y")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    want_X, want_y = _reference(path)
    assert table.X.dtype == np.float64 and table.X.tobytes() == want_X.tobytes()
    assert table.y.tolist() == want_y
    assert table.lines.tolist() == list(range(2, n + 2))
    assert peak <= 1.5 * n * d * 8 + 100 * n, peak / (n * d * 8)


@pytest.mark.parametrize("late", ["text", "short", "inf", "missing"])
def test_a_file_more_than_numbers_is_read_as_before(tmp_path, late, monkeypatch):
    """A text cell, a short row, an infinity, an empty cell in row 150 of 200, after
    149 rows of numbers read as they came: the table (or the message) of the reader that
    holds the file as text."""
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 3))
    path = tmp_path / "data.csv"
    _write(path, X, rng.choice(["a", "b"], size=200).tolist())
    lines = path.read_text().splitlines()
    cells = lines[150].split(",")
    if late == "short":
        cells = cells[1:]
    else:
        cells[1] = {"text": "red", "inf": "inf", "missing": ""}[late]
    lines[150] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")

    def read(**kw):
        try:
            return read_data(path, target="y", **kw)
        except ValueError as exc:
            return str(exc)

    for kw in ({}, {"categorical": True}, {"missing": "mean"}):
        got = read(**kw)
        monkeypatch.setattr(tabular_csv, "stream_plan", lambda *a, **k: None)
        want = read(**kw)
        monkeypatch.undo()
        if isinstance(want, str):
            assert got == want and "line 151" in want
        else:
            assert got.X.tobytes() == want.X.tobytes() and got.feature_names == (
                want.feature_names) and got.y.tolist() == want.y.tolist()
            assert got.gaps_written == want.gaps_written
