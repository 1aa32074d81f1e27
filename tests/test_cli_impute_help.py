"""``train --help``'s words on --impute list the cells read as missing: they listed '-',
'--', 'missing' and 'none', which train refuses (a '-' with the accounting-zero hint).
The reference is pandas' ``read_csv``: each marker the help lists is read as missing by
it (or is '?', the UCI files' mark), and each cell the help says is refused is not."""

from __future__ import annotations

import re

import pytest

from chainrule.cli import main

pd = pytest.importorskip("pandas")


def _help_text(capsys) -> str:
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    return " ".join(capsys.readouterr().out.split())


def _pandas_reads_missing(cell: str, tmp_path) -> bool:
    path = tmp_path / "p.csv"
    path.write_text(f"a,b\n1,{cell}\n2,3\n")
    return bool(pd.read_csv(path)["b"].isna().iloc[0])


def test_the_help_lists_the_markers_train_fills_and_refuses(tmp_path, capsys, monkeypatch):
    text = _help_text(capsys)
    listed = re.search(r"in a column of numbers an empty cell, nan \(any case\), (.*?) "
                       r"\(pandas' read_csv", text)
    assert listed, text
    markers = listed.group(1).split(", ")
    assert len(markers) >= 10 and "-" not in markers and "none" not in markers
    for cell in markers:
        assert cell == "?" or _pandas_reads_missing(cell, tmp_path), cell
    refused = re.search(r"'-', 'na', 'none', 'missing' are refused", text)
    assert refused, text
    monkeypatch.chdir(tmp_path)
    for cell in ("-", "na", "none", "missing"):
        assert not _pandas_reads_missing(cell, tmp_path), cell
        (tmp_path / "d.csv").write_text(f"a,b,y\n1,{cell},0\n2,3,1\n3,1,0\n4,2,1\n")
        assert main(["train", "d.csv", "--target", "y", "--impute", "mean", "-q",
                     "--epochs", "1", "-o", "m"]) == 2
        assert f"column 'b': not a number: '{cell}'" in capsys.readouterr().err
    for cell in markers:  # and the listed ones are filled
        (tmp_path / "d.csv").write_text(f"a,b,y\n1,{cell},0\n2,3,1\n3,1,0\n4,2,1\n")
        assert main(["train", "d.csv", "--target", "y", "--impute", "mean", "-q",
                     "--epochs", "1", "-o", "m"]) == 0, cell
        capsys.readouterr()
