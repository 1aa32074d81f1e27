"""A tab-separated file given to train: the refusal gives the pandas call that rewrites it
comma-separated, and that call, run as printed, makes a file whose numbers are pandas'."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from chainrule.tabular import read_data
from test_cli import run_main


def test_tsv_file_gets_a_call_that_mends_it(tmp_path, capsys):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(30, 3)), columns=["a", "b", "y"])
    path = tmp_path / "data.tsv"
    frame.to_csv(path, sep="\t", index=False)
    code, _, err = run_main(capsys, "train", str(path), "-q", "-o", str(tmp_path / "m.npz"))
    assert code == 2
    assert "the file looks tab-separated" in err, err
    call = re.search(r"(pandas\.read_csv\(FILE, .*?\)\.to_csv\(NEW, index=False\))", err)
    assert call, err
    new = tmp_path / "mended.csv"
    eval(call.group(1), {"pandas": pd, "FILE": path, "NEW": new})  # the advice as given
    table = read_data(new, target="y")
    np.testing.assert_allclose(table.X, frame[["a", "b"]].to_numpy(), rtol=1e-15)
    np.testing.assert_allclose(table.y.astype(float), frame["y"].to_numpy(), rtol=1e-15)
