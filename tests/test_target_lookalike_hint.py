"""'-' (a spreadsheet's accounting zero) or 'missing' in a target column of numbers was told
"leave the cell empty if the value is missing", at train and evaluate; a target is never
imputed, and an empty target cell is refused (fill it in or drop the row): the hint now
says to drop the row.  A feature's hint is unchanged."""

from __future__ import annotations

import pytest

from chainrule.cli import main


def _error(capsys, argv):
    capsys.readouterr()
    assert main(argv) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("cell", ["-", "missing"])
def test_a_target_cell_is_told_to_drop_the_row(tmp_path, capsys, monkeypatch, cell):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "ok.csv").write_text("a,b,y\n1,4,0.5\n2,5,1.5\n3,6,0.25\n4,7,1\n5,8,0\n")
    (tmp_path / "bad.csv").write_text(f"a,b,y\n1,4,0.5\n2,5,{cell}\n3,6,0.25\n")
    (tmp_path / "empty.csv").write_text("a,b,y\n1,4,0.5\n2,5,\n3,6,0.25\n")
    for extra in ([], ["--impute", "mean"]):
        assert main(["train", "ok.csv", "-q", "--epochs", "1", "-o", "m", *extra]) == 0
        # what the hint advised before, an empty target cell, is refused
        for argv in (["train", "empty.csv", "-q", "-o", "x", *extra],
                     ["evaluate", "m.npz", "empty.csv"]):
            assert "line 3, target 'y': missing value" in _error(capsys, argv)
        for argv in (["train", "bad.csv", "-q", "-o", "x", "--task", "regression", *extra],
                     ["evaluate", "m.npz", "bad.csv"]):
            err = _error(capsys, argv)
            assert f"line 3, target 'y': not a number: {cell!r}; " in err
            assert "leave the cell empty" not in err and "--impute" not in err
            assert "drop the row (a target is never imputed)" in err
