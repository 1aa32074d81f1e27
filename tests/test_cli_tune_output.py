"""``chainrule tune``'s output in the words of its other lines, and valid JSON.

The references are independent of tune's printing: a ``diverged:`` line's options are
read back by chainrule's own train parser (as the ``best:`` line's are), and the JSON is
read by ``json.loads`` refusing the NaN and Infinity constants that RFC 8259 lacks, its
standard deviations compared with NumPy's of the per-fold scores it gives.
"""

from __future__ import annotations

import shlex

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
