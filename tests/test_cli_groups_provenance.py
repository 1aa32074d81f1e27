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
        assert main(["evaluate", str(model), str(data)]) == 0  # the split: the model's seed
        first = capsys.readouterr().out.splitlines()[0]
        assert (f"the data the model was trained on ({codes.size - len(val)} training and "
                f"{len(val)} validation examples;") in first
        assert main(["info", str(model)]) == 0
        trained = next(line for line in capsys.readouterr().out.splitlines()
                       if line.startswith("trained: "))
        assert "groups=grp" in trained


def test_train_s_default_validates_on_none_where_the_data_hold_one_group(tmp_path, capsys):
    """One group cannot both train and validate: the default --val-fraction is then 0 (as
    cv's for a fold of one training group), not a refusal of a fraction not given."""
    data = tmp_path / "one.csv"
    rng = np.random.default_rng(4)
    X = rng.normal(size=(30, 2))
    with open(data, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "grp", "y"])
        writer.writerows([*map(repr, map(float, row)), "site A", int(row[0] > 0)]
                         for row in X)
    options = ["--groups", "grp", "--hidden", "4", "--epochs", "3", "--seed", "2"]
    capsys.readouterr()
    assert main(["train", str(data), *options, "-o", str(tmp_path / "d.npz")]) == 0
    assert "30 for training, 0 for validation\n" in capsys.readouterr().out
    assert main(["train", str(data), *options, "--val-fraction", "0", "-q", "-o",
                 str(tmp_path / "z.npz")]) == 0
    with np.load(tmp_path / "d.npz") as d, np.load(tmp_path / "z.npz") as z:
        np.testing.assert_array_equal(d["params"], z["params"])  # the same run
    assert main(["train", str(data), *options, "--val-fraction", "0.2"]) == 2
    assert "a single group cannot both train and validate: give --val-fraction 0" in (
        capsys.readouterr().err)


def test_train_refuses_validation_groups_holding_every_example_of_a_class(tmp_path,
                                                                           capsys):
    """GroupShuffleSplit is not stratified: where the groups it holds out hold a whole
    class, the training rows lack it (a classifier that never saw it), refused as cv
    refuses such a fold; the seeds are found here by scikit-learn's splitter."""
    from sklearn.model_selection import GroupShuffleSplit

    codes = np.repeat(np.arange(19), 6)  # 19 groups, class 2 in group 0 only
    rng = np.random.default_rng(5)
    X = rng.normal(size=(codes.size, 2))
    y = np.where(codes == 0, 2, (X[:, 0] > 0).astype(int))
    data = tmp_path / "rare.csv"
    with open(data, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["a", "b", "grp", "y"])
        writer.writerows([*map(repr, map(float, X[i])), f"g{codes[i]:02d}", y[i]]
                         for i in range(codes.size))
    held = {s: 0 in codes[next(GroupShuffleSplit(1, test_size=2, random_state=s).split(
        X, None, codes))[1]] for s in range(60)}  # ceil(0.1 * 19) = 2 groups held out
    bad, good = min(s for s, h in held.items() if h), min(s for s, h in held.items() if not h)
    options = ["--groups", "grp", "--hidden", "4", "--epochs", "2", "-q"]
    capsys.readouterr()
    assert main(["train", str(data), *options, "--seed", str(bad)]) == 2
    err = capsys.readouterr().err
    assert ("every example of the class '2' of the target 'y'" in err
            and f"its 1 group(s) of --groups grp: GroupShuffleSplit, --seed {bad}" in err)
    assert main(["train", str(data), *options, "--seed", str(good), "-o",
                 str(tmp_path / "m.npz")]) == 0
