"""A CSV header with a duplicated column name: the refusal says which columns (1-based),
as a name stripped of its spaces may not look like its twin in the file."""

from __future__ import annotations

import csv

import pandas as pd

from test_cli import run_main


def test_duplicate_names_say_their_columns(tmp_path, capsys):
    path = tmp_path / "bom.csv"
    frame = pd.DataFrame([[1.0, 2.0, 3.0, 4.0, 0], [5.0, 6.0, 7.0, 8.0, 1]] * 5,
                         columns=["x 0", "x 1", " x 1", "x3 ", "y"])
    frame.to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\r\n")
    code, _, err = run_main(capsys, "train", str(path), "-q", "-o", str(tmp_path / "m.npz"))
    assert code == 2
    with open(path, encoding="utf-8-sig", newline="") as f:
        header = [name.strip() for name in next(csv.reader(f))]
    columns = [j + 1 for j, name in enumerate(header) if name == "x 1"]
    assert columns == [2, 3]
    assert (f"{path}: duplicate column name(s) 'x 1' (columns {columns[0]} and "
            f"{columns[1]}), counted from 1") in err, err
    assert "rename all but one" in err
