"""read_data's CSV reader as the rows come, of a column whose first cells are missing
(read with ``missing``, ``--impute``): its kind is decided by its first cell that is not
missing, so a column of numbers that starts with a gap is read as numbers (not as one
string per number, what the reader that holds every cell as text costs) and a column of
categories that starts with one as text; against pandas.read_csv and that reader."""

from __future__ import annotations

import csv
import tracemalloc

import numpy as np
import pytest

import chainrule._tabular_csv as tabular_csv
from chainrule.tabular import read_data

pd = pytest.importorskip("pandas")


def _write(path, rows: list[list[str]], header: list[str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)


def test_a_column_of_numbers_starting_with_gaps_is_read_as_numbers(tmp_path):
    """2,000 rows of 20 numbers whose first three rows miss every third cell ("" or
    "NA"): those columns were kept as text, one string per number (tracemalloc: 8.6
    times the 320 kB of features); now as the others are, the gaps NaN as pandas reads
    them."""
    rng = np.random.default_rng(3)
    n, d = 2_000, 20
    X = rng.normal(size=(n, d))
    rows = []
    for i in range(n):
        cells = [repr(float(v)) for v in X[i]]
        if i < 3:
            cells = [("NA" if i % 2 else "") if j % 3 == 0 else c for j, c in enumerate(cells)]
        rows.append([*cells, str(i % 3)])
    path = tmp_path / "data.csv"
    _write(path, rows, [*(f"x{j}" for j in range(d)), "y"])
    tracemalloc.start()
    try:
        table = read_data(path, target="y", missing="mean")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    frame = pd.read_csv(path, keep_default_na=False, na_values=["", "NA"])
    want = frame[[f"x{j}" for j in range(d)]].to_numpy(dtype=np.float64)
    assert table.X.dtype == np.float64
    np.testing.assert_array_equal(table.X, want)  # NaN where pandas has NaN
    assert table.y.tolist() == frame["y"].astype(str).tolist()
    # the spellings of the gaps, as counted from the file itself
    assert table.gaps_written == {f"x{j}": {"": 2, "NA": 1} for j in range(0, d, 3)}
    assert peak <= 1.5 * n * d * 8 + 100 * n, peak / (n * d * 8)


def _outcome(read):
    try:
        return read()
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"


@pytest.mark.parametrize("seed", range(6))
def test_leading_gaps_give_the_whole_files_readers_table(tmp_path, seed, monkeypatch):
    """Columns of numbers and of categories that start with gaps of several spellings
    (one column all gaps, one whose number comes after many gaps), between other columns:
    the table, gaps_written and messages of the reader that holds the file as text, and
    pandas' numbers; the file read once."""
    rng = np.random.default_rng(40 + seed)
    n = int(rng.integers(20, 150))
    marks = ["", "NA", " ? ", "nan", "NaN", "null"]
    late = int(rng.integers(1, n))  # the first number of column "late"

    def gap():
        return str(rng.choice(marks))

    header = ["a", "colour", "b", "late", "empty", "c", "y"]
    rows = []
    for i in range(n):
        lead = i < 1 + seed % 3
        rows.append([gap() if lead or rng.random() < 0.1 else f"{rng.normal():.6g}",
                     gap() if lead or rng.random() < 0.1 else str(rng.choice(["red", "b,c"])),
                     gap() if lead else repr(float(rng.normal())),
                     gap() if i < late or rng.random() < 0.2 else f"{rng.normal():.4g}",
                     gap(), f"{rng.normal():.3g}", str(rng.integers(2))])
    path = tmp_path / "data.csv"
    _write(path, rows, header)
    reads = []
    read_rows = tabular_csv._read_rows
    monkeypatch.setattr(tabular_csv, "_read_rows",
                        lambda *a, **k: reads.append(k.get("stream", a[-1])) or read_rows(*a, **k))
    for kw in ({"target": "y", "categorical": True, "missing": "mean"},
               {"target": "y", "categorical": ["b"], "missing": "constant"},
               {"target": "y", "features": ["late", "a", "colour"], "missing": "mean",
                "categories": {"colour": ["b,c", "red"]}, "need_target": False},
               {"target": "y", "features": ["c", "b", "late"], "missing": "mean"}):
        reads.clear()
        got = _outcome(lambda kw=kw: read_data(path, **kw))
        streamed = list(reads)
        with monkeypatch.context() as m:
            m.setattr(tabular_csv, "stream_plan", lambda *a, **k: None)
            want = _outcome(lambda kw=kw: read_data(path, **kw))
        assert type(got) is type(want), (got, want)
        if isinstance(want, str):
            assert got == want
            continue
        assert streamed == [True], kw  # read once, as the rows came
        np.testing.assert_array_equal(got.X, want.X)
        for name in ("feature_names", "columns", "categories", "gaps_written"):
            assert getattr(got, name) == getattr(want, name), name
        assert got.y.tolist() == want.y.tolist()
        # pandas' numbers (the markers it reads as NaN by default, "?" added)
        frame = pd.read_csv(path, na_values=["?"], skipinitialspace=False,
                            dtype={"colour": object})
        for name in ("a", "late", "c"):
            if name in got.feature_names:
                j = got.feature_names.index(name)
                np.testing.assert_array_equal(
                    got.X[:, j], pd.to_numeric(frame[name].astype(str).str.strip()
                                               .replace({"?": "nan", "nan": "nan"}),
                                               errors="coerce").to_numpy())
