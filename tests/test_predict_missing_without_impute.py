"""predict and evaluate of a model trained without --impute, given a file with a missing
feature cell: the refusal said only "column 'b': missing value" (an empty cell) or the
reader's "fill it in (impute) or drop the row first" (NA), not that this model takes no
missing cells and that --impute at training makes one that does.  The line is found by
pandas' read_csv, which reads both cells as missing."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main

pd = pytest.importorskip("pandas")


@pytest.mark.parametrize("cell", ["", "NA", "nan", "?"])
@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_missing_cell_names_the_model_trained_without_impute(tmp_path, capsys,
                                                               monkeypatch, cell, command):
    monkeypatch.chdir(tmp_path)
    rows = [f"{i % 3},{(i * 7) % 5},{i % 2}" for i in range(20)]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    assert main(["train", "d.csv", "--target", "y", "-q", "--epochs", "1", "-o", "m"]) == 0
    (tmp_path / "t.csv").write_text(f"a,b,y\n1,2,0\n2,{cell},1\n0,1,0\n")
    line = int(np.flatnonzero(pd.read_csv("t.csv", na_values=["?"])["b"].isna())[0]) + 2
    capsys.readouterr()
    assert main([command, "m.npz", "t.csv", *(["--target", "y"] * (command == "evaluate"))]
                ) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: t.csv line {line}, column 'b': missing value")
    assert err.endswith(": the model was trained without --impute, so it takes no missing "
                        "cells: fill the cell in or drop the row (train with --impute for a "
                        "model that fills them)\n"), err
