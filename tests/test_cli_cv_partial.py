"""``chainrule cv``: the folds finished before a Ctrl-C, and each target's mean and std.

A Ctrl-C (or SIGTERM) during a fold lost the folds already finished: their lines went to
stderr only (none with -q) and the command printed nothing else.  It now prints the table
(or JSON) of those folds, marked as partial, and exits 130.  With several targets, --json
gave each target's per-fold scores but not their mean and standard deviation, which the
text's "each target's: --json" points to.  The references are the full run's folds and
NumPy's mean and std (ddof=0) of the per-fold scores.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main
from file_helpers import interrupt_fold_at

OPTIONS = ["--hidden", "4", "--epochs", "4", "--seed", "1", "--folds", "4"]


def _write(path, X: np.ndarray, Y: np.ndarray) -> list[str]:
    names = [f"x{j}" for j in range(X.shape[1])] + [f"y{j}" for j in range(Y.shape[1])]
    rows = [",".join(map(repr, map(float, [*x, *t]))) for x, t in zip(X, Y, strict=True)]
    path.write_text("\n".join([",".join(names), *rows]) + "\n")
    return names[X.shape[1]:]


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(7)
    X = rng.normal(size=(40, 3))
    Y = np.column_stack([X @ [1.0, -2.0, 0.5], np.sin(X[:, 0]) + 0.1 * rng.normal(size=40)])
    targets = _write(tmp_path / "d.csv", X, Y)
    return str(tmp_path / "d.csv"), targets


def test_ctrl_c_prints_the_folds_finished_marked_partial(data, capsys, monkeypatch):
    path, targets = data
    capsys.readouterr()
    assert main(["cv", path, "--target", targets[0], *OPTIONS, "--json", "-q"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["partial"] is False and len(full["per_fold"]) == 4
    interrupt_fold_at(monkeypatch, 3)
    assert main(["cv", path, "--target", targets[0], *OPTIONS, "--json", "-q"]) == 130
    out, err = capsys.readouterr()
    assert err == ("chainrule cv: interrupted during fold 3 of 4; the scores are of the 2 "
                   "folds finished\n")
    part = json.loads(out)
    assert part["partial"] is True and part["folds"] == 4
    assert part["per_fold"] == full["per_fold"][:2]
    for key in ("mse", "rmse", "mae", "r2"):
        values = [row[key] for row in full["per_fold"][:2]]
        assert part["mean"][key] == np.mean(values)
        assert part["std"][key] == np.std(values)
        assert part["folds_scored"][key] == 2
    # the text: the same two folds, said to be partial
    interrupt_fold_at(monkeypatch, 3)
    assert main(["cv", path, "--target", targets[0], *OPTIONS, "-q"]) == 130
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].startswith("4 folds (KFold, shuffled with seed 1): each fold scored by "
                               "a model trained on the other 3")
    assert lines[2] == ("partial: interrupted during fold 3 of 4: the 2 folds finished, "
                        "the mean and std over them")
    assert [line.split()[0] for line in lines[4:8]] == ["1", "2", "mean", "std"]
    assert lines[6].split()[1:] == [f"{part['mean'][k]:.6g}" for k in part["mean"]]


def test_ctrl_c_before_any_fold_finished_prints_no_table(data, capsys, monkeypatch):
    path, targets = data
    interrupt_fold_at(monkeypatch, 1)
    capsys.readouterr()
    assert main(["cv", path, "--target", targets[0], *OPTIONS, "-q"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "chainrule: interrupted\n"


def test_json_of_several_targets_gives_each_targets_mean_and_std(data, capsys):
    path, targets = data
    capsys.readouterr()
    assert main(["cv", path, "--target", *targets, *OPTIONS, "--json", "-q"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert list(result["targets"]) == targets
    for name in targets:
        each = result["targets"][name]
        for key in ("mse", "rmse", "mae", "r2"):
            values = [row["targets"][name][key] for row in result["per_fold"]]
            assert each["mean"][key] == np.mean(values)
            assert each["std"][key] == np.std(values)
            assert each["folds_scored"][key] == 4
    # the mean over the targets of a fold's score is the fold's own (uniform average)
    row = result["per_fold"][0]
    assert row["mse"] == pytest.approx(np.mean([row["targets"][n]["mse"] for n in targets]))
