"""A model of ``tune -o`` records how the search's folds were cut (``--time-ordered``'s
``--gap`` and ``--max-train-rows``, ``--groups`` and ``--folds all``), and ``info`` says
it in the words of tune's own folds line; a shuffled search's record is as before."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main


@pytest.fixture
def data(tmp_path):
    """36 rows of a regression target, 6 groups of 6 rows in the column ``id``."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=(36, 2))
    y = x[:, 0] - 0.5 * x[:, 1] + 0.1 * rng.normal(size=36)
    path = tmp_path / "d.csv"
    path.write_text("id,a,b,y\n" + "".join(
        f"g{i // 6},{a!r},{b!r},{t!r}\n"
        for i, ((a, b), t) in enumerate(zip(x.tolist(), y.tolist(), strict=True))))
    return path


def _tune_and_info(capsys, tmp_path, data, options):
    """tune's folds words (its line's, after "K folds (" up to "; ranked"), info's
    ``chosen by`` line and info --json's ``tune`` record of the model tune wrote."""
    model = tmp_path / "m.npz"
    capsys.readouterr()
    assert main(["tune", str(data), "--target", "y", "--features", "a", "b", "--epochs",
                 "2", "--grid", "hidden=3,4", "--seed", "5", "-q", *options,
                 "-o", str(model)]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines() if "cross-validated" in s)
    tuned = line[line.index(" folds (") + len(" folds ("):line.rindex("; ranked by")]
    assert main(["info", str(model)]) == 0
    chosen = next(s for s in capsys.readouterr().out.splitlines() if s.startswith("chosen"))
    assert main(["info", str(model), "--json"]) == 0
    return tuned, chosen, json.loads(capsys.readouterr().out)["tune"]


def test_time_ordered_gap_and_window_are_recorded_and_said(capsys, tmp_path, data):
    from sklearn.model_selection import TimeSeriesSplit

    tuned, chosen, record = _tune_and_info(
        capsys, tmp_path, data, ["--time-ordered", "--folds", "3", "--gap", "2",
                                 "--max-train-rows", "20"])
    splitter = TimeSeriesSplit(n_splits=3, gap=2, max_train_size=20)
    n = splitter.get_n_splits()
    first_held = int(next(splitter.split(np.zeros((36, 1))))[1][0])
    assert record["splitter"] == "TimeSeriesSplit" and record["folds"] == n
    assert record["time_ordered"] == {"never_held_out": first_held, "gap": 2,
                                      "max_train_rows": 20}
    assert "groups" not in record
    assert chosen.endswith(f" over {n} folds ({tuned}"), (chosen, tuned)  # tune's words
    for words in ("TimeSeriesSplit of the rows in DATA's order, --time-ordered, not "
                  "shuffled; seed 5 of each fold's training)",
                  "the last 20 rows (--max-train-rows) before the 2 left out just before it "
                  "(--gap)", f"the first {first_held} rows never held out"):
        assert words in chosen, (words, chosen)


def test_leave_one_group_out_is_recorded_and_said(capsys, tmp_path, data):
    from sklearn.model_selection import LeaveOneGroupOut

    tuned, chosen, record = _tune_and_info(capsys, tmp_path, data,
                                           ["--groups", "id", "--folds", "all"])
    groups = np.repeat([f"g{i}" for i in range(6)], 6)
    n = LeaveOneGroupOut().get_n_splits(groups=groups)
    assert record["splitter"] == "LeaveOneGroupOut" and record["folds"] == n
    assert record["groups"] == {"column": "id", "count": n}
    assert "time_ordered" not in record
    assert chosen.endswith(f" over {n} folds ({tuned}"), (chosen, tuned)
    assert (f" over {n} folds (LeaveOneGroupOut of {n} groups of 'id', --folds all, not "
            f"shuffled; seed 5 of each fold's training): each fold holds out one group, "
            f"scored by a model trained on the other {n - 1}") in chosen, chosen


def test_groups_of_shuffled_folds_are_recorded_and_said(capsys, tmp_path, data):
    tuned, chosen, record = _tune_and_info(capsys, tmp_path, data,
                                           ["--groups", "id", "--folds", "3"])
    count = len(np.unique(np.repeat(np.arange(6), 6)))
    assert record["groups"] == {"column": "id", "count": count}
    assert tuned == f"{record['splitter']} of {count} groups of 'id', shuffled with seed 5)"
    assert chosen.endswith(f" over 3 folds ({record['splitter']} of {count} groups of "
                           "'id', seed 5)"), chosen


def test_a_shuffled_search_records_as_before(capsys, tmp_path, data):
    _, chosen, record = _tune_and_info(capsys, tmp_path, data, ["--folds", "3"])
    assert set(record) == {"grid", "search", "folds", "splitter", "seed", "scoring",
                           "combinations", "best", "mean", "std"}
    assert chosen.endswith(" over 3 folds (KFold, seed 5)"), chosen


def test_an_older_record_or_a_malformed_one_is_said_as_before():
    from chainrule._cli_models_show import _folds_words

    old = {"splitter": "TimeSeriesSplit", "seed": 2}
    said = "TimeSeriesSplit, not shuffled; seed 2 of each fold's training)"
    assert _folds_words(old) == said
    assert _folds_words({**old, "time_ordered": {"gap": 2}}) == said  # no never_held_out
    assert _folds_words({"splitter": "LeaveOneGroupOut", "seed": 0,
                         "groups": {"column": "id", "count": "6"}}) == (
        "LeaveOneGroupOut, not shuffled; seed 0 of each fold's training)")
    assert _folds_words({"splitter": "StratifiedKFold", "seed": 1}) == "StratifiedKFold, seed 1)"
