"""``chainrule cv``: the messages of a fold's own validation rows name the fold.

With --sample-weight, a fold whose --val-fraction validation rows all weigh 0 was refused
in train's words ("every validation example weighs 0 (of 4)"), which did not say which
fold, nor that the rows were a fold's; and the categories that only a fold's validation
rows hold, which train warns of (their input weights never train), cv left unsaid.
Both now name the fold.  The references are scikit-learn's KFold and train_test_split
with cv's seed: the folds and each fold's validation rows, worked out here.
"""

from __future__ import annotations

import math

import numpy as np
from sklearn.model_selection import KFold, train_test_split

from chainrule.cli import main

N, K, SEED, FRACTION = 40, 4, 3, 0.1


def _folds_and_validation() -> list[tuple[np.ndarray, np.ndarray]]:
    """Each fold's training rows, and its validation rows (rows of DATA)."""
    out = []
    for train, _ in KFold(K, shuffle=True, random_state=SEED).split(np.zeros((N, 1))):
        _, val = train_test_split(np.arange(len(train)),
                                  test_size=math.ceil(FRACTION * len(train)),
                                  random_state=SEED)
        out.append((train, train[np.sort(val)]))
    return out


OPTIONS = ["--target", "y", "--hidden", "3", "--epochs", "2", "--folds", str(K), "--seed",
           str(SEED), "--val-fraction", str(FRACTION), "-q", "--task", "regression"]


def test_a_fold_of_validation_rows_of_weight_0_is_named(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=N)
    w = np.ones(N)
    train, val = _folds_and_validation()[2]  # fold 3's validation rows: weight 0
    w[val] = 0
    rows = [f"{a!r},{b:g},{2 * a!r}" for a, b in zip(x.tolist(), w, strict=True)]
    (tmp_path / "d.csv").write_text("x,w,y\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "d.csv"), *OPTIONS, "--sample-weight", "w"]) == 2
    n_fit = len(train) - len(val)  # the fold's training rows proper: weight 1
    assert capsys.readouterr().err == (
        f"chainrule: error: --sample-weight w: the {len(val)} validation rows of fold 3 of "
        f"{K}'s --val-fraction {FRACTION} (--seed {SEED}) all weigh 0; expected a positive "
        "weight on at least one validation row, for the weighted validation cost; got "
        f"{n_fit} of the {n_fit} training rows of a positive weight and none of the "
        f"{len(val)} validation rows. Give another --seed or --val-fraction (0: no "
        "validation rows).\n")


def test_categories_of_a_fold_s_validation_rows_alone_are_named(tmp_path, capsys):
    rng = np.random.default_rng(1)
    x = rng.normal(size=N)
    colour = ["red" if v else "blue" for v in rng.random(N) < 0.5]
    folds = _folds_and_validation()
    _, val = folds[1]  # fold 2's first validation row: a colour of its own
    colour[val[0]] = "green"
    rows = [f"{a!r},{c},{2 * a!r}" for a, c in zip(x.tolist(), colour, strict=True)]
    (tmp_path / "d.csv").write_text("x,colour,y\n" + "\n".join(rows) + "\n")
    capsys.readouterr()
    assert main(["cv", str(tmp_path / "d.csv"), *OPTIONS]) == 0
    err = capsys.readouterr().err.splitlines()
    # the one green row: in a fold's validation rows (a warning), held out by one fold
    # (cv's held-out message), or in a fold's training rows proper (nothing to say)
    want = []
    for i, (train, fold_val) in enumerate(folds, 1):
        if val[0] in fold_val:
            want.append(f"chainrule cv: fold {i}: warning: 'colour': 'green' is only in the "
                        f"fold's validation rows (--val-fraction {FRACTION:g}): its input "
                        "weights never train (no training row holds it); give "
                        "--val-fraction 0, or more rows of it")
        elif val[0] not in train:
            want.append(f"chainrule cv: fold {i}: 1 held-out example of a category of "
                        "'colour' that the fold's training rows lack, encoded as all zeros "
                        "(as evaluate --unknown-categories zeros)")
    assert len(want) >= 2 and err == want


def test_the_same_warning_of_every_fold_is_said_once():
    """Weight averaging too slow for the steps is said by each fold's fit (the library
    warns at the end of every fit); the folds of iris split alike give the same words, which
    the command says once, not once per fold (a warning of other words would be said)."""
    import warnings

    import chainrule as cr

    with warnings.catch_warnings(record=True) as shown:  # what the command shows
        warnings.simplefilter("always")  # each fold's fit warns: none left out by Python
        assert main(["cv", "iris", "--ema", "0.99", "--epochs", "3", "--folds", "3",
                     "-q"]) == 0
    lines = [str(w.message) for w in shown if "ema=0.99" in str(w.message)]
    # the library's own warning for one fit of the same steps, the words the folds share
    steps = 3 * math.ceil(90 / 32)  # 100 rows per fold, 10 of them validation, batch 32
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        net = cr.mlp([4, 3], output="softmax", seed=0)
        rng = np.random.default_rng(0)
        trainer = cr.Trainer(net, optimizer="adam", lr=0.01, batch_size=32, epochs=3,
                             ema=0.99)
        trainer.fit(rng.normal(size=(90, 4)), np.eye(3)[rng.integers(0, 3, 90)])
    said = [str(w.message) for w in caught if "ema=0.99" in str(w.message)]
    assert len(said) == 1 and f"of the {steps} optimizer steps" in said[0]
    assert lines == said
