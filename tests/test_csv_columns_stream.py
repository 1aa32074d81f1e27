"""read_data's CSV files read column by column as the rows come (numbers into float64,
text as codes into its distinct cells) against pandas.read_csv on randomised files of
numbers, categories, gaps and quoted cells, from a file and from standard input; against
the reader that holds every cell as text (its tables, gaps and messages); and its memory,
which that reader's strings made some 13 times the features' size."""

from __future__ import annotations

import csv
import io
import sys
import tracemalloc

import numpy as np
import pytest

import chainrule._tabular_csv as tabular_csv
from chainrule.tabular import read_data

pd = pytest.importorskip("pandas")

_CATEGORIES = ["red", "green", "a,b", "x y", "Blue", "b10", "\u00e9t\u00e9"]


def _write(path, rng: np.random.Generator, n: int, d: int, gaps: float,
           markers: tuple[str, ...] = ("",), blank: bool = False) -> None:
    """``n`` rows: ``d`` columns of numbers (some quoted, some cells missing), a column of
    categories (some quoted, some missing), a target of classes 0-2."""
    values = rng.normal(scale=10.0 ** rng.integers(-2, 4), size=(n, d))
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator=str(rng.choice(["\n", "\r\n"])))
        w.writerow([*(f"x{j}" for j in range(d)), "colour", "y"])
        for i in range(n):
            cells = [repr(float(v)) if rng.random() < 0.5 else f"{v:.6g}" for v in values[i]]
            # the first row keeps its cells, as these files were drawn: a column of numbers
            # that starts with a gap is read as numbers too (test_csv_stream_leading_gaps)
            cells = [str(rng.choice(markers)) if i and rng.random() < gaps else c
                     for c in cells]
            colour = "" if i and rng.random() < gaps else str(rng.choice(_CATEGORIES))
            w.writerow([*cells, colour, int(rng.integers(3))])
            if blank and rng.random() < 0.05:
                fh.write(",".join([""] * (d + 2)) + "\n")


def _pandas(path, d: int) -> tuple[np.ndarray, list[str], np.ndarray]:
    """The features pandas reads (numbers, then the colour one-hot over its sorted values,
    NaN where missing), the colour's categories and the targets."""
    frame = pd.read_csv(path, keep_default_na=False,
                        na_values=["", "NA"], dtype={"colour": object, "y": object},
                        encoding="utf-8",
                        skip_blank_lines=True)
    frame = frame.dropna(how="all")
    numbers = frame[[f"x{j}" for j in range(d)]].to_numpy(dtype=np.float64)
    colour = frame["colour"]
    found = sorted(colour.dropna().unique().tolist())
    hot = np.column_stack([(colour == c).to_numpy(dtype=np.float64) for c in found])
    hot[colour.isna().to_numpy()] = np.nan
    return np.column_stack([numbers, hot]), found, frame["y"].to_numpy()


@pytest.mark.parametrize("seed", range(6))
def test_tables_equal_pandas_read_csv(tmp_path, seed, monkeypatch):
    rng = np.random.default_rng(seed)
    n, d = int(rng.integers(30, 300)), int(rng.integers(1, 7))
    missing = seed % 2 == 1
    path = tmp_path / "data.csv"
    _write(path, rng, n, d, gaps=0.05 if missing else 0.0, markers=("", "NA"),
           blank=seed % 3 == 0)
    want, found, y = _pandas(path, d)
    kw = {"target": "y", "categorical": True, "missing": "mean" if missing else None}
    reads = []  # the file read once, as its rows came: not again as a whole
    read_rows = tabular_csv._read_rows
    monkeypatch.setattr(tabular_csv, "_read_rows",
                        lambda *a, **k: reads.append(k.get("stream", a[-1])) or read_rows(*a, **k))
    got = read_data(path, **kw)
    assert reads == [True]
    assert got.X.dtype == np.float64
    np.testing.assert_array_equal(got.X, want)  # NaN where pandas has NaN, bit for bit else
    assert got.categories == {"colour": found}
    assert got.feature_names == [*(f"x{j}" for j in range(d)),
                                 *(f"colour={c}" for c in found)]
    assert got.y.tolist() == y.tolist()
    # the same bytes on standard input
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(path.read_bytes())))
    piped = read_data("-", **kw)
    assert reads == [True, True]
    np.testing.assert_array_equal(piped.X, want)
    assert piped.categories == {"colour": found} and piped.y.tolist() == y.tolist()
    assert piped.lines.tolist() == got.lines.tolist()


def _whole(monkeypatch, read):
    """What ``read()`` gives (its table, or its message) with the file held as text."""
    with monkeypatch.context() as m:
        m.setattr(tabular_csv, "stream_plan", lambda *a, **k: None)
        return _outcome(read)


def _outcome(read):
    try:
        return read()
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"


def _same(a, b) -> None:
    assert type(a) is type(b)
    if isinstance(a, str):
        assert a == b
        return
    np.testing.assert_array_equal(a.X, b.X)
    assert a.X.shape == b.X.shape and a.X.dtype == b.X.dtype
    assert (a.y is None) == (b.y is None)
    if a.y is not None:
        assert a.y.dtype == b.y.dtype and a.y.tolist() == b.y.tolist()
    for name in ("feature_names", "target_name", "source", "target_names", "columns",
                 "categories", "gaps_written"):
        assert getattr(a, name) == getattr(b, name), name
    assert a.lines.tolist() == b.lines.tolist()


@pytest.mark.parametrize("seed", range(8))
def test_tables_and_messages_equal_the_whole_files_reader(tmp_path, seed, monkeypatch):
    """Markers of gaps ("NA", " ? ", "nan"), a column of integers named categorical, a
    model's categories, several targets, a late bad cell: the same table or message."""
    rng = np.random.default_rng(100 + seed)
    n, d = int(rng.integers(20, 120)), int(rng.integers(2, 6))
    path = tmp_path / "data.csv"
    _write(path, rng, n, d, gaps=0.08, markers=("", "NA", " ? ", "nan", "NaN"),
           blank=seed % 2 == 0)
    if seed % 4 == 3:  # a late cell that is no number, or a short row
        lines = path.read_text(encoding="utf-8").splitlines()
        k = int(rng.integers(len(lines) // 2, len(lines)))
        lines[k] = ("oops," + lines[k]) if seed % 8 == 3 else lines[k].replace(",", ",-,", 1)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for kw in ({"target": "y"}, {"target": "y", "categorical": True},
               {"target": "y", "categorical": True, "missing": "mean"},
               {"target": "y", "categorical": ["x1"], "missing": "mean"},
               {"target": ["y", "x0"], "categorical": True, "missing": "mean"},
               {"target": "y", "features": ["colour", "x1"], "missing": "mean",
                "categories": {"colour": ["green", "red"]}, "unknown_categories": "zeros"},
               {"target": "y", "need_target": False, "features": ["x1"], "missing": "mean"}):
        def read(kw=kw):
            return read_data(path, **kw)
        _same(_outcome(read), _whole(monkeypatch, read))


def test_a_categorical_file_with_gaps_is_read_without_a_string_per_cell(tmp_path):
    """2,000 rows of 20 numbers, a column of categories and a few empty cells, read with
    ``missing``: the reader held every cell as a string (some 13 times the 336 kB of
    features, tracemalloc); now the features, and a code per row of the text columns."""
    rng = np.random.default_rng(5)
    path = tmp_path / "data.csv"
    n, d = 2_000, 20
    _write(path, rng, n, d, gaps=0.002)
    want, _, _ = _pandas(path, d)
    tracemalloc.start()
    try:
        table = read_data(path, target="y", categorical=True, missing="mean")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(table.X, want)
    assert peak <= 3.0 * want.nbytes, peak / want.nbytes
