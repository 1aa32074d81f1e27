"""A CSV file refused late (a text cell in a column of numbers, an unknown category in
its last row, a missing cell that nothing fills) was read twice: as its rows came, then
again by the reader that holds every cell as text, for that reader's message.  Now the
pass as the rows come ends in that message itself (the same code on cells that say the
same): counted reads, and the message against that reader's (stream_plan patched off)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import chainrule._tabular_csv as tabular_csv
from chainrule.tabular import read_data

# text and lookalikes of a gap, numbers written with separators, an infinity, markers
_BAD = ["red", "-", "missing", "1,234", "$5", "inf", "-1e999", "", "NA", " ? ", "nan", "x y"]


def _outcome(read):
    try:
        return read()
    except ValueError as exc:
        return f"{type(exc).__name__}: {exc}"


def _reads(monkeypatch) -> list:
    reads = []
    read_rows = tabular_csv._read_rows
    monkeypatch.setattr(tabular_csv, "_read_rows",
                        lambda *a, **k: reads.append(k.get("stream", a[-1])) or read_rows(*a, **k))
    return reads


def _compare(monkeypatch, path, kw, reads) -> str | object:
    reads.clear()
    got = _outcome(lambda: read_data(path, **kw))
    streamed = list(reads)
    with monkeypatch.context() as m:
        m.setattr(tabular_csv, "stream_plan", lambda *a, **k: None)
        want = _outcome(lambda: read_data(path, **kw))
    assert type(got) is type(want), (kw, got, want)
    if isinstance(want, str):
        assert got == want, kw
    else:
        np.testing.assert_array_equal(got.X, want.X)
        assert got.feature_names == want.feature_names and got.gaps_written == (
            want.gaps_written)
    assert streamed == [True], (kw, want)  # one pass, as the rows came
    return want


def test_an_unknown_category_in_the_last_row_is_refused_from_one_read(tmp_path, monkeypatch):
    """``chainrule predict``'s reading of a model's columns: 300 rows, the last one's
    colour none of the model's categories."""
    rng = np.random.default_rng(0)
    path = tmp_path / "new.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["a", "colour", "b"])
        for i in range(300):
            colour = "purple" if i == 299 else str(rng.choice(["red", "blue"]))
            w.writerow([f"{rng.normal():.5g}", colour, repr(float(rng.normal()))])
    reads = _reads(monkeypatch)
    for unknown in ("error", "zeros"):
        kw = {"features": ["a", "colour", "b"], "need_target": False,
              "categories": {"colour": ["blue", "red"]}, "unknown_categories": unknown}
        want = _compare(monkeypatch, path, kw, reads)
        if unknown == "error":
            assert want.startswith(f"UnknownCategoryError: {path} line 301, column 'colour': "
                                   "category 'purple' was not in the training data")


@pytest.mark.parametrize("seed", range(10))
def test_late_refusals_are_the_whole_files_readers_from_one_read(tmp_path, seed,
                                                                 monkeypatch):
    """Randomised files of numbers with gaps and categories, one to three bad cells in
    their second half (text, lookalikes, separators, an infinity, gaps), under the
    option sets of train, predict and read_data: the same message or table."""
    rng = np.random.default_rng(200 + seed)
    n, d = int(rng.integers(20, 200)), int(rng.integers(2, 5))
    cells = [[f"{v:.6g}" for v in rng.normal(size=d)] for _ in range(n)]
    for row in cells[1:]:  # some gaps, as --impute reads them
        for j in range(d):
            if rng.random() < 0.05:
                row[j] = str(rng.choice(["", "NA", "?", "NaN"]))
    for _ in range(int(rng.integers(1, 4))):
        cells[int(rng.integers(n // 2, n))][int(rng.integers(d))] = str(rng.choice(_BAD))
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*(f"x{j}" for j in range(d)), "colour", "y"])
        for i, row in enumerate(cells):
            colour = ("teal" if i == n - 1 and seed % 2 else str(rng.choice(["red", "blue"])))
            w.writerow([*row, colour, int(rng.integers(2))])
    reads = _reads(monkeypatch)
    for kw in ({"target": "y", "features": [f"x{j}" for j in range(d)]},
               {"target": "y", "categorical": True},
               {"target": "y", "categorical": True, "missing": "mean"},
               {"target": "y", "categorical": ["x0"], "missing": "mean"},
               {"target": "y", "features": ["colour", *(f"x{j}" for j in range(d))],
                "need_target": False, "categories": {"colour": ["blue", "red"]}},
               {"target": "y", "features": [*(f"x{j}" for j in range(d)), "colour"],
                "need_target": False, "categories": {"colour": ["blue", "red"]},
                "missing": "mean"}):
        _compare(monkeypatch, path, kw, reads)


@pytest.mark.parametrize("after", [False, True])
@pytest.mark.parametrize("gap", ["", "NA", "?", "nan"])
def test_a_late_separated_number_and_gaps_get_the_same_hint(tmp_path, monkeypatch, gap,
                                                            after):
    """A column of numbers with gaps (read with ``missing``) and, late, "1,234": the hint
    says numbers written with separators where every other text cell of the column reads
    as a number once they are taken out, not where a gap is written "NA" or "?" (text
    that does not); the gaps before the bad cell, and after it, are kept for it."""
    rng = np.random.default_rng(1)
    rows = [[f"{rng.normal():.4g}", f"{rng.normal():.4g}", "a"] for _ in range(60)]
    for i in (55, 57) if after else (3, 20):
        rows[i][0] = gap
    rows[50][0] = "1,234"
    path = tmp_path / "data.csv"
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["x", "z", "y"], *rows])
    reads = _reads(monkeypatch)
    want = _compare(monkeypatch, path, {"target": "y", "categorical": True,
                                        "missing": "mean"}, reads)
    assert want.startswith(f"NotANumberError: {path} line 52, column 'x': not a number: "
                           "'1,234'; the column holds ")
    separators = "numbers, but its cells such as '1,234' are numbers written with separators"
    assert (separators in want) == (gap in ("", "nan")), want
