"""What a model of ``chainrule train --groups COLUMN`` records and what ``evaluate`` and
``info`` say of it: the validation rows are whole groups, so their count is that of the
groups scikit-learn's GroupShuffleSplit held out, not ``ceil(fraction * rows)``."""

from __future__ import annotations

import csv
import math

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

from chainrule.cli import main


def _unequal_groups(path) -> np.ndarray:
    """A CSV file of 140 rows in 33 groups of 1, 30 and 2 rows (column ``grp``); the
    groups' codes, as ``np.unique`` of their names gives them."""
    sizes = [1] * 10 + [30] * 3 + [2] * 20
    codes = np.repeat(np.arange(len(sizes)), sizes)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(codes.size, 2))
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "grp", "y"])
        for i, row in enumerate(X):
            writer.writerow([*map(repr, map(float, row)), f"g{codes[i]:02d}", int(row[0] > 0)])
    return codes


def test_evaluate_counts_the_validation_rows_of_the_groups_held_out(tmp_path, capsys):
    data = tmp_path / "u.csv"
    codes = _unequal_groups(data)
    for seed in (1, 2):
        model = tmp_path / f"m{seed}.npz"
        assert main(["train", str(data), "--groups", "grp", "--hidden", "4", "--epochs",
                     "2", "--seed", str(seed), "-q", "-o", str(model)]) == 0
        n_groups = len(np.unique(codes))
        split = GroupShuffleSplit(n_splits=1, test_size=math.ceil(0.1 * n_groups),
                                  random_state=seed)
        _, val = next(split.split(np.zeros((codes.size, 1)), None, codes))
        assert len(val) != math.ceil(0.1 * codes.size)  # the rows' fraction would differ
        capsys.readouterr()
        assert main(["evaluate", str(model), str(data), "--seed", str(seed)]) == 0
        first = capsys.readouterr().out.splitlines()[0]
        assert (f"the data the model was trained on ({codes.size - len(val)} training and "
                f"{len(val)} validation examples;") in first
        assert main(["info", str(model)]) == 0
        trained = next(line for line in capsys.readouterr().out.splitlines()
                       if line.startswith("trained: "))
        assert "groups=grp" in trained
