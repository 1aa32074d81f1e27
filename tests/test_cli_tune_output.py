"""``chainrule tune``'s output in the words of its other lines, and valid JSON.

The references are independent of tune's printing: a ``diverged:`` line's options are
read back by chainrule's own train parser (as the ``best:`` line's are), and the JSON is
read by ``json.loads`` refusing the NaN and Infinity constants that RFC 8259 lacks, its
standard deviations compared with NumPy's of the per-fold scores it gives.
"""

from __future__ import annotations

import shlex

import numpy as np

from chainrule.cli import _parse, main

# SGD at lr 1e7 on diabetes: the linear network (an empty --hidden) diverges in fold 1,
# the 1-1 one does not (its scores are of the order of 1e291, their std overflows)
DIVERGING = ["diabetes", "--epochs", "3", "--folds", "2", "--optimizer", "sgd", "--lr",
             "1e7", "--activation", "relu"]


def test_a_diverged_combination_of_an_empty_value_is_said_in_train_words(capsys):
    capsys.readouterr()
    assert main(["tune", *DIVERGING, "-q", "--grid", "hidden=|1 1"]) == 0
    out = capsys.readouterr().out.splitlines()
    [line] = [x for x in out if x.startswith("diverged: ")]
    options, _, why = line.removeprefix("diverged: ").partition(": ")
    assert options == "--hidden" and why.startswith("training diverged in fold 1 of 2")
    again = _parse(["train", "diabetes", *shlex.split(options)])  # read back by train
    assert again.hidden == []


def test_a_diverged_combination_of_several_options_reads_back(capsys):
    capsys.readouterr()
    assert main(["tune", *DIVERGING[:-4], "--activation", "relu", "-q", "--grid",
                 "hidden=|1 1", "lr=1e7,0.01"]) == 0
    out = capsys.readouterr().out.splitlines()
    lines = [x.removeprefix("diverged: ") for x in out if x.startswith("diverged: ")]
    assert lines and all(x.startswith("--hidden --lr 1e7: ") for x in lines)
    again = _parse(["train", "diabetes", *shlex.split(lines[0].partition(": ")[0])])
    assert (again.hidden, again.lr) == ([], 1e7)


def _rare_categories(path) -> None:
    """60 rows of a number and a colour, three colours of one row each."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=60)
    colour = np.where(rng.random(60) < 0.5, "red", "blue").astype(object)
    colour[[5, 17, 33]] = ["green", "purple", "cyan"]
    path.write_text("x,colour,y\n" + "".join(
        f"{a!r},{c},{2 * a + (c == 'red')!r}\n" for a, c in zip(x.tolist(), colour, strict=True)))


def test_a_folds_warnings_are_said_once_in_the_search_in_tunes_name(capsys, tmp_path):
    _rare_categories(tmp_path / "d.csv")
    common = [str(tmp_path / "d.csv"), "--target", "y", "--epochs", "2", "--folds", "3",
              "-q"]
    capsys.readouterr()
    assert main(["tune", *common, "--grid", "hidden=3|4", "val-fraction=0.1,0.4"]) == 0
    tune = capsys.readouterr().err.splitlines()
    # cv's lines of the same folds, of each --val-fraction (with -q: as train's warnings)
    cv = []
    for fraction in ("0.1", "0.4"):
        assert main(["cv", *common, "--hidden", "3", "--val-fraction", fraction]) == 0
        cv += capsys.readouterr().err.splitlines()
    assert any("held-out example" in x for x in cv)  # the folds' unseen categories
    assert any("only in the fold's validation rows (--val-fraction 0.4)" in x for x in cv)
    assert all(x.startswith("chainrule cv: fold ") for x in cv)
    once = list(dict.fromkeys(cv))  # each distinct line once, in the order first said
    assert tune == [x.replace("chainrule cv: ", "chainrule tune: ", 1) for x in once]
