"""A missing cell ("NA", "?") in one of several targets (``--target a b``): named as a
missing target value by its line and column, as of one target, not as a third class
or as text.

The reference is pandas' ``read_csv``, which reads those cells as missing (NaN; "?" as
its ``na_values``): the
first missing cell of the column named, at line (its row + 2: the header is line 1).
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main

pd = pytest.importorskip("pandas")


def _first_gap(path, column: str) -> int:
    """The line of the first cell of ``column`` that pandas reads as missing ("?" too, as
    UCI's files write one)."""
    frame = pd.read_csv(path, na_values=["?"])
    return int(np.flatnonzero(frame[column].isna())[0]) + 2


ROWS = {  # several targets, one of them with a marked gap
    "multilabel": ["a,b,y1,y2", "1,2,0,1", "2,3,1,0", "3,4,0,{cell}", "4,5,1,1", "5,6,1,0"],
    "regression": ["a,b,y1,y2", "1,2,0.5,1.5", "2,3,1.25,0.25", "3,4,0.1,{cell}",
                   "4,5,1.75,1", "5,6,2.5,0.5"],
}


@pytest.mark.parametrize("kind", sorted(ROWS))
@pytest.mark.parametrize("cell", ["NA", "?"])
def test_a_marked_gap_in_one_of_several_targets_is_a_missing_target_value(
        tmp_path, capsys, monkeypatch, kind, cell):
    """Of 0/1 targets, "NA" was refused as "not of two classes each (y2: 3 distinct
    values)"; of numbers, as text among numbers: it is a missing target value, which
    --impute does not fill, named by line and column as one target's is."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d.csv").write_text("\n".join(ROWS[kind]).format(cell=cell) + "\n")
    line = _first_gap(tmp_path / "d.csv", "y2")
    assert line == 4  # the third row, by hand
    tasks = [[], ["--task", "classification"]] if kind == "multilabel" else [[]]
    for command in ("train", "cv"):
        for task in tasks:
            for impute in ([], ["--impute", "mean"]):
                capsys.readouterr()
                argv = ["-o", "m"] if command == "train" else ["--folds", "2"]
                assert main([command, "d.csv", "--target", "y1", "y2", "-q", "--epochs", "1",
                             *task, *impute, *argv]) == 2
                err = capsys.readouterr().err
                assert err.startswith(
                    f"chainrule: error: d.csv line {line}, target 'y2': missing value "
                    f"(written {cell!r}; "), err
                assert "targets are never imputed" in err
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("cell", ["NA", "?"])
def test_a_marked_gap_in_a_regression_target_is_not_told_to_impute(tmp_path, capsys,
                                                                     monkeypatch, cell):
    """One target under ``--task regression``: "NA" was refused with the feature reader's
    advice "fill it in (impute) or drop the row first", which --impute cannot do for a
    target; now the words of several targets' and of ``--task auto``'s refusal."""
    monkeypatch.chdir(tmp_path)
    rows = ["a,y", "1,2.5", "2,0.5", "3,{cell}", "4,1.5"]
    (tmp_path / "d.csv").write_text("\n".join(rows).format(cell=cell) + "\n")
    line = _first_gap(tmp_path / "d.csv", "y")
    for command, argv in (("train", ["-o", "m"]), ("cv", ["--folds", "2"])):
        assert main([command, "d.csv", "--target", "y", "--task", "regression", "-q",
                     "--epochs", "1", *argv]) == 2
        err = capsys.readouterr().err
        assert err == (f"chainrule: error: d.csv line {line}, target 'y': missing value "
                       f"(written {cell!r}): fill it in or drop the row (--impute fills "
                       "features only; targets are never imputed)\n")
    assert not (tmp_path / "m.npz").exists()
