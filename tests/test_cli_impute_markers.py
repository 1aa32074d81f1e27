"""The spellings of a missing cell (``--impute``), a target's missing cell, and the
speed of reading a file with gaps.

A column of numbers read as missing: an empty cell, "nan" in any case, pandas'
``read_csv`` default ``na_values`` (case as written) and "?" (the UCI repository's
files).  Before, "-" (a spreadsheet's accounting zero), "--", "missing" and any case of
"na" or "none" were filled too, real zeros among them.  The reference is pandas'
``read_csv`` itself.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.tabular import read_data

pd = pytest.importorskip("pandas")

CANDIDATES = ["", "NA", "N/A", "n/a", "#N/A", "#N/A N/A", "#NA", "<NA>", "NULL", "null",
              "None", "NaN", "nan", "-nan", "-NaN", "-1.#IND", "1.#QNAN", "?", "-", "--",
              "missing", "na", "Na", "none", "NONE", "Null", "N/a", ".", "NAN", "+nan"]


def _pandas_missing(cell: str) -> bool:
    """Whether pandas' read_csv (default na_values) reads ``cell`` in a column of numbers
    as a missing value."""
    frame = pd.read_csv(io.StringIO(f"a,b\n1,2\n3,{cell}\n"))
    return frame["b"].dtype.kind == "f" and bool(np.isnan(frame["b"].iloc[1]))


@pytest.mark.parametrize("cell", CANDIDATES)
def test_a_cell_is_missing_as_pandas_reads_it_and_question_marks(tmp_path, cell):
    (tmp_path / "d.csv").write_text(f"a,b,y\n1,2,0\n3,{cell},1\n4,5,0\n")
    # "?" (UCI's files) and a NaN of any case (Python's float reads one) besides pandas'
    expected = _pandas_missing(cell) or cell == "?" or cell.lower() in ("nan", "+nan")
    for categorical in (False, True):
        if expected:
            table = read_data(tmp_path / "d.csv", missing=True, categorical=categorical)
            assert np.isnan(table.X[1, 1]) and table.X[[0, 2], 1].tolist() == [2.0, 5.0]
        else:
            with pytest.raises(ValueError, match=f"line 3, column 'b': not a number: "
                                                 f"{cell!r}; "):
                read_data(tmp_path / "d.csv", missing=True, categorical=categorical)


def test_a_dash_among_numbers_is_refused_as_a_possible_zero(tmp_path, capsys):
    """'-' is how a spreadsheet's accounting format writes 0: --impute filled it with the
    median, silently changing real zeros."""
    (tmp_path / "d.csv").write_text("a,b,y\n1,4,0\n2,-,1\n3,6,0\n4,,1\n")
    for extra in ([], ["--impute", "median"]):
        capsys.readouterr()
        assert main(["train", str(tmp_path / "d.csv"), "-q", "-o", str(tmp_path / "m"),
                     *extra]) == 2
        err = capsys.readouterr().err
        assert (f"{tmp_path / 'd.csv'} line 3, column 'b': not a number: '-'; a "
                "spreadsheet's accounting format writes a zero as '-': write 0") in err
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("cell", ["--", "missing", "na", "none"])
def test_a_lookalike_of_a_marker_is_refused_naming_the_markers(tmp_path, capsys, cell):
    (tmp_path / "d.csv").write_text(f"a,b,y\n1,4,0\n2,{cell},1\n3,6,0\n")
    assert main(["train", str(tmp_path / "d.csv"), "--impute", "mean", "-q", "-o",
                 str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert f"line 3, column 'b': not a number: {cell!r}; {cell!r} is not read as a " in err
    assert "NA, N/A, n/a, #N/A, NULL, null, None, ?" in err and "leave the cell empty" in err


@pytest.mark.parametrize("cell", ["NA", "?", "NULL"])
def test_a_marker_in_a_target_of_numbers_is_a_missing_value_not_a_class(tmp_path, capsys,
                                                                         cell):
    """A 0/1 target holding an "NA" or "?" trained a classifier of 3 classes, one of them
    "NA", though a target's missing cell is refused; now it is, naming line and cell,
    unless --task classification asks for the class (as for a target of many numbers and
    a few text cells)."""
    import chainrule

    (tmp_path / "d.csv").write_text(f"a,b,y\n1,2,0\n2,3,1\n4,5,{cell}\n5,6,0\n6,7,1\n")
    for command, argv in (("train", ["-o", str(tmp_path / "m")]),
                          ("train", ["--impute", "median", "-o", str(tmp_path / "m")]),
                          ("cv", ["--folds", "2"])):
        capsys.readouterr()
        assert main([command, str(tmp_path / "d.csv"), "-q", "--epochs", "1", *argv]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"chainrule: error: {tmp_path / 'd.csv'} line 4, target 'y': "
                              f"missing value (written {cell!r}; "), err
    assert not (tmp_path / "m.npz").exists()
    assert main(["train", str(tmp_path / "d.csv"), "-q", "--epochs", "1", "--task",
                 "classification", "-o", str(tmp_path / "m.npz")]) == 0
    assert sorted(chainrule.load_model(tmp_path / "m.npz").labels) == sorted(["0", "1", cell])


def test_a_marker_in_a_target_of_text_is_a_class(tmp_path):
    """Among text classes "NA" is a class as written (North America), as in a categorical
    feature column."""
    import chainrule

    (tmp_path / "d.csv").write_text("a,y\n1,EU\n2,NA\n3,EU\n4,NA\n5,AS\n")
    assert main(["train", str(tmp_path / "d.csv"), "--epochs", "1", "-q", "-o",
                 str(tmp_path / "m.npz")]) == 0
    assert chainrule.load_model(tmp_path / "m.npz").labels == ["AS", "EU", "NA"]


MARKERS = ["", "NA", "N/A", "n/a", "#N/A", "NULL", "null", "None", "?", "#N/A N/A", "#NA",
           "<NA>", "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN", "nan", "NaN", "-NAN", "+nan"]


def _gappy(rng, n: int, d: int, spaces: bool) -> tuple[list[list[str]], np.ndarray]:
    """Cells of numbers with gaps written every way, and what they hold (NaN: missing)."""
    values = rng.normal(size=(n, d)).round(3)
    cells = [[repr(float(v)) for v in row] for row in values]
    gaps = rng.random((n, d)) < 0.1
    for i, j in zip(*np.nonzero(gaps), strict=True):
        marker = MARKERS[int(rng.integers(len(MARKERS)))]
        cells[i][j] = f" {marker}  " if spaces and rng.random() < 0.3 else marker
        values[i, j] = np.nan
    return cells, values


@pytest.mark.parametrize("spaces", [False, True])
def test_reading_gaps_at_once_gives_the_cells_values(tmp_path, spaces):
    """The gaps were found cell by cell in Python (200k x 20: 2.4 times as long as a
    file without gaps); read at once now, every way of writing one, spaces around it or
    not, beside a categorical column or not, must give the same NaNs and numbers."""
    rng = np.random.default_rng(3)
    cells, values = _gappy(rng, 300, 4, spaces)
    colors = [["red", "blue", ""][int(k)] for k in rng.integers(0, 3, 300)]
    lines = ["a,b,c,d,color,y"] + [",".join([*row, colors[i], str(i % 2)])
                                   for i, row in enumerate(cells)]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    for features in (["a", "b", "c", "d"], ["a", "b", "c", "d", "color"]):
        for categorical in (False, True):
            if "color" in features and not categorical:
                continue
            table = read_data(tmp_path / "d.csv", features=features, missing=True,
                              categorical=categorical)
            np.testing.assert_array_equal(table.X[:, :4], values)
    # a cell that is no number after gaps is named by its line and cell as before
    cells[200][2], cells[250][1] = "inf", "abc"
    lines = ["a,b,c,d,y"] + [",".join([*row, "0"]) for row in cells]
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    for categorical in (False, True):
        with pytest.raises(ValueError, match=r"e\.csv line 252, column 'b': not a number: "
                                             "'abc'"):
            read_data(tmp_path / "e.csv", missing=True, categorical=categorical)
    cells[250][1] = "1"
    lines = ["a,b,c,d,y"] + [",".join([*row, "0"]) for row in cells]
    (tmp_path / "e.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(ValueError, match=r"e\.csv line 202, column 'c': not a finite "
                                         "number: 'inf'"):
        read_data(tmp_path / "e.csv", missing=True, categorical=True)


def test_gaps_are_not_looked_at_one_cell_at_a_time(tmp_path, monkeypatch):
    """Each cell went through is_missing_number, a Python call per cell of a column with
    a gap; the cells are read in one pass of float now, only odd ones looked at again."""
    from chainrule import _tabular_categories, _tabular_table

    calls, original = [], _tabular_table.is_missing_number

    def counted(text: str) -> bool:
        calls.append(text)
        return original(text)

    monkeypatch.setattr(_tabular_table, "is_missing_number", counted)
    monkeypatch.setattr(_tabular_categories, "is_missing_number", counted, raising=False)
    cells, values = _gappy(np.random.default_rng(4), 2000, 3, spaces=False)
    lines = ["a,b,c,y"] + [",".join([*row, "1"]) for row in cells]
    (tmp_path / "d.csv").write_text("\n".join(lines) + "\n")
    for categorical in (False, True):
        table = read_data(tmp_path / "d.csv", missing=True, categorical=categorical)
        np.testing.assert_array_equal(table.X, values)
    assert len(calls) == 0


def test_the_filled_line_says_how_the_gaps_are_written(tmp_path, capsys):
    """The line of the filled columns counted the gaps, not saying that some were text
    ("NA", "?") read as missing: each spelling is counted where not all are empty."""
    rows = ["a,b,color,y", "1,,red,0", "2,3,,1", "4,nan,red,1", "5,NA,blue,0", "6,?,nan,1",
            "7, NA ,red,0", ",8,red,1"]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", str(tmp_path / "d.csv"), "--impute", "median", "--epochs", "1",
                 "-o", str(tmp_path / "m.npz")]) == 0
    lines = capsys.readouterr().out.splitlines()
    # b: line 2 empty, line 4 nan, lines 5 and 7 NA, line 6 ?; color: line 3 empty,
    # line 6 nan; a: one empty cell, so no spellings
    assert (f"{tmp_path / 'd.csv'}: missing cells filled (--impute median) in 'a' (1), "
            "'b' (5: 1 empty, 1 'nan', 2 'NA', 1 '?'), 'color' (2: 1 empty, 1 'nan')") in lines


def _spelt(cells: list[str]) -> str:
    """The counts of each spelling of ``cells`` that pandas reads as missing, written out:
    empty first, the others as first seen ("" where all are empty)."""
    gaps = [c.strip() for c in cells if _pandas_missing(c.strip()) or c.strip() == "?"]
    order = sorted(dict.fromkeys(gaps), key=lambda s: s != "")
    if set(gaps) <= {""}:
        return f"{len(gaps)}"
    words = [f"{gaps.count(s)} {'empty' if s == '' else repr(s)}" for s in order]
    return f"{len(gaps)}: " + ", ".join(words)


def test_the_val_data_part_of_the_filled_line_spells_its_gaps_as_datas(tmp_path, capsys,
                                                                      monkeypatch):
    """With --val-data, DATA's part of the filled line spelt its gaps but the file's only
    counted them ("'b' (4)"): both spell them, each file its own."""
    monkeypatch.chdir(tmp_path)
    data_b = ["2", "", "nan", "NA", "NA", "?", "3", "4"]
    val_b = ["", "NA", "?", "5", "NA"]
    for name, cells in (("tr.csv", data_b), ("va.csv", val_b)):
        (tmp_path / name).write_text(
            "a,b,y\n" + "".join(f"{i},{c},{i % 2}\n" for i, c in enumerate(cells)))
    assert main(["train", "tr.csv", "--target", "y", "--impute", "mean", "--val-data",
                 "va.csv", "--epochs", "1", "-q", "-o", "m.npz"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert _spelt(val_b) == "4: 1 empty, 2 'NA', 1 '?'"  # the reference, by hand
    assert (f"tr.csv: missing cells filled (--impute mean) in 'b' ({_spelt(data_b)}); "
            f"--val-data va.csv: 'b' ({_spelt(val_b)})") in lines


def test_a_dash_is_refused_with_the_same_hint_at_predict_evaluate_and_val_data(
        tmp_path, capsys, monkeypatch):
    """train refused '-' among numbers saying it may be a spreadsheet's zero; predict and
    evaluate (of a model with --impute or not), --val-data and a saved model's predict of
    a dict said only that the model takes numbers: all give train's hint."""
    import chainrule

    monkeypatch.chdir(tmp_path)
    assert not _pandas_missing("-")  # pandas keeps '-' as text: no missing value
    (tmp_path / "ok.csv").write_text("a,b,y\n1,4,0\n2,5,1\n3,6,0\n4,7,1\n")
    (tmp_path / "dash.csv").write_text("a,b,y\n1,4,0\n2,-,1\n")
    assert main(["train", "dash.csv", "-q", "-o", "x"]) == 2
    hint = capsys.readouterr().err.split("not a number: '-'; ")[1].strip()
    assert hint.startswith("a spreadsheet's accounting format writes a zero as '-'")
    for extra in (["--impute", "mean"], []):  # without --impute: see test_impute_hint_model
        assert main(["train", "ok.csv", "-q", "--epochs", "1", "-o", "m", *extra]) == 0
        told = hint if extra else hint.partition(", or leave")[0]
        for command in ("predict", "evaluate"):
            capsys.readouterr()
            assert main([command, "m.npz", "dash.csv"]) == 2
            assert (f"dash.csv line 3, column 'b': not a number: '-'; {told}"
                    in capsys.readouterr().err)
        refusal = re.escape(f"column 'b': not a number: '-'; {told}")
        with pytest.raises(ValueError, match=refusal):
            chainrule.load_model("m.npz").predict({"a": ["2"], "b": ["-"]})
        assert main(["train", "ok.csv", "-q", "--epochs", "1", "-o", "v", "--val-data",
                     "dash.csv", *extra]) == 2
        assert (f"--val-data dash.csv line 3, column 'b': not a number: '-'; {hint}"
                in capsys.readouterr().err)
    capsys.readouterr()
    (tmp_path / "text.csv").write_text("a,b,y\n1,4,0\n2,abc,1\n")  # no lookalike: as before
    assert main(["predict", "m.npz", "text.csv"]) == 2
    assert "'abc'; the model takes numbers in this column" in capsys.readouterr().err
