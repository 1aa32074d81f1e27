"""A multi-label fold refused under a splitter that draws nothing names no --seed.

LeaveOneGroupOut (``--folds all``) and TimeSeriesSplit (``--time-ordered``) are fixed by
the data: the refusal names ``--folds`` as given, leaves out the seed, and advises what
can change the folds.
"""
import csv

import numpy as np
from sklearn.model_selection import LeaveOneGroupOut, TimeSeriesSplit

from chainrule.cli import main


def _file(path, rare_rows, groups) -> None:
    rng = np.random.default_rng(0)
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["p", "q", "g", "a", "b"])
        for i in range(12):
            writer.writerow([repr(float(rng.normal())), repr(float(rng.normal())), groups[i],
                             ["yes", "no"][i % 2], "yes" if i in rare_rows else "no"])


def test_leave_one_group_out_names_folds_all_and_no_seed(tmp_path, capsys):
    groups = [i // 3 for i in range(12)]  # 4 groups of 3 rows; 'yes' rows 4, 5: group 1
    path = tmp_path / "m.csv"
    _file(path, {4, 5}, groups)
    fold = next(i for i, (_, held) in enumerate(
        LeaveOneGroupOut().split(np.zeros((12, 1)), groups=groups), 1) if 4 in held)
    capsys.readouterr()
    code = main(["cv", str(path), "--target", "a", "b", "--groups", "g", "--folds", "all",
                 "--epochs", "1", "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith(f"chainrule: error: --folds all: the target 'b' is 'yes' in 2 "
                          f"examples of {path}, held out by fold {fold} (LeaveOneGroupOut), "
                          "whose training rows are then all 'no'")
    assert "--seed" not in err and "give --folds K (GroupKFold)" in err


def test_time_ordered_names_no_seed(tmp_path, capsys):
    path = tmp_path / "t.csv"
    _file(path, {10, 11}, [0] * 12)
    fold = next(i for i, (train, _) in enumerate(
        TimeSeriesSplit(3).split(np.zeros((12, 1))), 1) if not {10, 11} & set(train))
    capsys.readouterr()
    code = main(["cv", str(path), "--target", "a", "b", "--time-ordered", "--folds", "3",
                 "--epochs", "1", "-q"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert (f"in 2 examples of {path}, none among the training rows of fold {fold} "
            "(TimeSeriesSplit), which are all 'no'") in err, err
    assert err.startswith("chainrule: error: --folds 3: the target 'b'")
    assert "--seed" not in err and "give fewer --folds" in err
