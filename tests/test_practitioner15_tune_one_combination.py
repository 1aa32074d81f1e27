"""``chainrule tune --grid lr=0.1``: a grid of one combination compares nothing.

It ran as a silent one-row "search", ranked 1 of 1.  Tune runs it still (as
``GridSearchCV`` does, and as several scripts and tests run a one-value grid to get the
``tune`` record or the refit) and says on stderr that nothing is compared, as it says of a
``--random N`` larger than the grid; the scores are ``cv``'s of the same options.
"""

from __future__ import annotations

import json

from chainrule.cli import main

COMMON = ["--epochs", "3", "--folds", "2", "--seed", "1", "-q"]
NOTE = ("chainrule tune: note: --grid lr=0.1: one combination, so nothing is compared: its "
        "scores are those of chainrule cv with these options; give an option two values or "
        "more to compare them (as lr=V1,V2)\n")


def test_one_combination_is_said_and_scored_as_cv_scores_it(capsys):
    assert main(["tune", "iris", *COMMON, "--json", "--grid", "lr=0.1"]) == 0
    captured = capsys.readouterr()
    assert captured.err == NOTE
    tuned = json.loads(captured.out)
    assert main(["cv", "iris", *COMMON, "--json", "--lr", "0.1"]) == 0
    cv = json.loads(capsys.readouterr().out)
    assert tuned["results"][0]["mean"]["accuracy"] == cv["mean"]["accuracy"]


def test_two_combinations_and_a_random_draw_say_nothing(capsys):
    assert main(["tune", "iris", *COMMON, "--grid", "lr=0.1,0.01"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["tune", "iris", *COMMON, "--grid", "lr=0.1,0.01", "--random", "1"]) == 0
    assert capsys.readouterr().err == ""
