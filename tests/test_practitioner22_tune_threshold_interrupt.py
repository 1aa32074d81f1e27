"""A Ctrl-C (or SIGTERM) during ``chainrule tune-threshold``'s folds lost the folds
finished (a traceback-free exit, nothing printed).  It now keeps them, as ``chainrule cv``
does: the threshold of the folds finished, marked as partial, exit status 130, and no
model file written (a threshold of some folds is not stored as the file's).  The
reference is scikit-learn's ``TunedThresholdClassifierCV`` on the finished folds'
out-of-fold probabilities (test_practitioner21's stand-in classifier and recorded folds).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import TunedThresholdClassifierCV

from chainrule.cli import main
from file_helpers import interrupt_fold_at
from pr_helpers import pr_data
from test_practitioner21_tune_threshold import FAST, _Lookup, _recorded


def test_ctrl_c_keeps_the_folds_finished(tmp_path, capsys, monkeypatch):
    y, _ = pr_data(tmp_path / "d.csv")
    folds = _recorded(monkeypatch)
    interrupt_fold_at(monkeypatch, 3)
    capsys.readouterr()
    assert main(["tune-threshold", str(tmp_path / "d.csv"), *FAST, "--folds", "4", "--json",
                 "--scoring", "f1", "-o", str(tmp_path / "t.npz")]) == 130
    out, err = capsys.readouterr()
    assert ("chainrule tune-threshold: interrupted during fold 3 of 4; the threshold is of "
            "the 2 folds finished") in err
    assert "t.npz not written" in err and not (tmp_path / "t.npz").exists()
    got = json.loads(out)
    assert got["partial"] is True and got["folds"] == 2 and got["folds_planned"] == 4
    assert len(folds) == 2 and len(got["per_fold"]) == 2
    oof = np.full(len(y), np.nan)
    for f in folds:
        oof[f["held"]] = f["proba"]
    ref = TunedThresholdClassifierCV(
        _Lookup(oof), scoring="f1", thresholds=100,
        cv=[(f["train"], f["held"]) for f in folds]).fit(np.arange(len(y))[:, None], y)
    assert got["value"] == pytest.approx(ref.best_threshold_, rel=1e-12)
    assert got["score"] == pytest.approx(ref.best_score_, rel=1e-12)
    # the text says it too; an interrupt in the first fold leaves nothing to keep
    interrupt_fold_at(monkeypatch, 2)
    assert main(["tune-threshold", str(tmp_path / "d.csv"), *FAST, "--folds", "4"]) == 130
    assert capsys.readouterr().out.startswith("partial: the 1 fold finished of 4\n")
    interrupt_fold_at(monkeypatch, 1)
    assert main(["tune-threshold", str(tmp_path / "d.csv"), *FAST, "--folds", "4"]) == 130
    out, err = capsys.readouterr()
    assert out == "" and err == "chainrule: interrupted\n"
