"""``chainrule importance``: the features finished before a Ctrl-C.

A Ctrl-C (or SIGTERM) while the features were being shuffled lost every feature already
scored: the command printed "chainrule: interrupted" and nothing else.  It now prints the
table (or JSON) of the features finished, marked as partial, and exits 130, as ``chainrule
cv`` does with its folds.  The reference is the uninterrupted run: the features finished
have its importances, each repeat's, and NumPy's mean and std (ddof=0) of them.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule import _cli_models_importance
from chainrule.cli import main

REPEATS = 3


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("importance")
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 4))
    y = X @ [2.0, -1.0, 0.5, 0.0] + 0.1 * rng.normal(size=60)
    rows = [",".join(map(repr, [*map(float, x), float(t)])) for x, t in zip(X, y, strict=True)]
    (path / "d.csv").write_text("a,b,c,d,y\n" + "\n".join(rows) + "\n")
    assert main(["train", str(path / "d.csv"), "--target", "y", "--hidden", "6",
                 "--epochs", "30", "--seed", "0", "-q", "-o", str(path / "m.npz")]) == 0
    return str(path / "m.npz"), str(path / "d.csv")


def _interrupt_at(monkeypatch, feature: int, repeat: int) -> None:
    """Ctrl-C during the score of ``feature`` (1-based) shuffled, its ``repeat``-th."""
    score, calls = _cli_models_importance._score, []
    at = 1 + (feature - 1) * REPEATS + repeat  # the baseline is the first call

    def interrupted(*args, **kwargs):
        calls.append(1)
        if len(calls) == at:
            raise KeyboardInterrupt
        return score(*args, **kwargs)

    monkeypatch.setattr(_cli_models_importance, "_score", interrupted)


def test_ctrl_c_prints_the_features_finished_marked_partial(files, capsys, monkeypatch):
    model, data = files
    argv = ["importance", model, data, "--repeats", str(REPEATS), "-q"]
    capsys.readouterr()
    assert main([*argv, "--json"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert full["partial"] is False and full["features_scored"] == 4
    by_name = {f["feature"]: f for f in full["features"]}
    _interrupt_at(monkeypatch, 3, 2)
    assert main([*argv, "--json"]) == 130
    out, err = capsys.readouterr()
    assert err == ("chainrule importance: interrupted during feature 3 of 4 ('c'); the "
                   "importances are of the 2 features finished\n")
    part = json.loads(out)
    assert part["partial"] is True and part["features_scored"] == 2
    assert part["n_features"] == 4 and part["baseline"] == full["baseline"]
    assert sorted(f["feature"] for f in part["features"]) == ["a", "b"]
    means = [f["importance_mean"] for f in part["features"]]
    assert means == sorted(means, reverse=True)
    for f in part["features"]:
        want = by_name[f["feature"]]["importances"]
        assert f["importances"] == want
        assert f["importance_mean"] == pytest.approx(np.mean(want), rel=1e-15)
        assert f["importance_std"] == pytest.approx(np.std(want), rel=1e-12, abs=1e-15)
    # the text: the two features, said to be partial
    _interrupt_at(monkeypatch, 3, 1)
    assert main(argv) == 130
    lines = capsys.readouterr().out.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("partial:"))
    assert lines[at] == ("partial: interrupted during feature 3 of 4: the 2 features "
                         "finished, ranked among themselves; c and the 1 after it not scored")
    assert lines[at + 1].split() == ["feature", "importance", "std"]
    assert [line.split()[0] for line in lines[at + 2:]] == [
        f["feature"] for f in part["features"]]
    assert lines[at + 2].split()[1] == f"{part['features'][0]['importance_mean']:.6g}"


def test_ctrl_c_before_any_feature_finished_prints_no_table(files, capsys, monkeypatch):
    model, data = files
    _interrupt_at(monkeypatch, 1, 2)
    capsys.readouterr()
    assert main(["importance", model, data, "--repeats", str(REPEATS), "-q"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "chainrule: interrupted\n"
