"""``chainrule info`` of a model trained with ``--impute mean --missing-indicator``.

The network's inputs are the features and then one 0/1 missing indicator per feature
with a missing training cell.  info printed ``features (3): a, b, c`` for a network of 5
inputs, and counted the range line's entries as "5 features": the count of both, and
that the indicators are the other inputs, now say what the first layer takes.  The
reference is hand-worked: 3 columns, 2 of them with missing cells, so 3 + 2 = 5 inputs.
"""

from __future__ import annotations

import numpy as np

from chainrule.cli import main


def _info(tmp_path, capsys, indicator: bool) -> list[str]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    X[::5, 0] = np.nan  # a and c have missing cells, b has none
    X[1::7, 2] = np.nan
    y = (rng.normal(size=40) > 0).astype(int)
    with open(tmp_path / "d.csv", "w") as fh:
        fh.write("a,b,c,y\n")
        for row, t in zip(X, y, strict=True):
            fh.write(",".join("" if np.isnan(v) else repr(float(v)) for v in row) + f",{t}\n")
    more = ["--missing-indicator"] if indicator else []
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--impute", "mean", *more,
                 "--hidden", "2", "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "m.npz")]) == 0
    return capsys.readouterr().out.splitlines()


def test_info_counts_the_missing_indicators_among_the_inputs(tmp_path, capsys):
    lines = _info(tmp_path, capsys, True)
    first = next(s for s in lines if s.startswith(" 0  Dense"))
    assert first.split()[2:4] == ["5", "2"]  # input 5, output 2: the network's first layer
    assert ("features (3; the network's 5 inputs are these and the 2 missing indicators "
            "below): a, b, c") in lines
    assert "missing indicators (2, 0/1): missingindicator_a, missingindicator_c" in lines
    ranges = next(s for s in lines if s.startswith("training range"))
    assert "(5 inputs: 3 features and 2 missing indicators; info --json" in ranges


def test_info_without_indicators_is_as_before(tmp_path, capsys):
    lines = _info(tmp_path, capsys, False)
    assert "features (3): a, b, c" in lines
    ranges = next(s for s in lines if s.startswith("training range"))
    assert "(3 features; info --json" in ranges
