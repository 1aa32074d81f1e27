"""A European spreadsheet export (';'-separated, decimal commas): the refusal says that
the decimal commas must change too, and the pandas call it gives makes a file that
trains, with the numbers pandas reads."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from chainrule.tabular import read_data
from test_cli import run_main


def test_decimal_comma_export_gets_a_call_that_mends_it(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 3)), columns=["a", "b", "price"])
    path = tmp_path / "euro.csv"
    frame.to_csv(path, sep=";", decimal=",", index=False)
    code, _, err = run_main(capsys, "train", str(path), "-q", "-o", str(tmp_path / "m.npz"))
    assert code == 2
    assert "the file looks ';'-separated" in err and "decimal commas" in err, err
    call = re.search(r"(pandas\.read_csv\(FILE, .*?\)\.to_csv\(NEW, index=False\))", err)
    assert call, err
    new = tmp_path / "mended.csv"
    eval(call.group(1), {"pandas": pd, "FILE": path, "NEW": new})  # the advice as given
    table = read_data(new, target="price")
    np.testing.assert_allclose(table.X, frame[["a", "b"]].to_numpy(), rtol=1e-15)
    np.testing.assert_allclose(table.y.astype(float), frame["price"].to_numpy(), rtol=1e-15)


def test_a_semicolon_file_of_decimal_points_is_not_told_of_commas(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("a;b;y\n1.5;2;0\n2.5;3;1\n")
    try:
        read_data(path, target="y")
    except ValueError as exc:
        assert "decimal commas" not in str(exc)
