"""evaluate's first line counts DATA's rows as a count reads: "1 example", "3 examples"
(it said "1 examples")."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main


@pytest.fixture
def model(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    rows = ["a,b,y"] + [f"{a:.5f},{b:.5f},{int(a > b)}" for a, b in X]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    assert main(["train", str(tmp_path / "d.csv"), "--target", "y", "--epochs", "2", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    return tmp_path / "m.npz", rows


@pytest.mark.parametrize("n", [1, 3])
def test_evaluate_counts_the_rows_in_words(model, tmp_path, capsys, n):
    path, rows = model
    data = tmp_path / f"first{n}.csv"
    data.write_text("\n".join(rows[: n + 1]) + "\n")
    capsys.readouterr()
    assert main(["evaluate", str(path), str(data)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{data}: {n} {'example' if n == 1 else 'examples'}")
    assert (" 1 examples" in first) is False
