"""cv, importance and tune stopped part way by a signal: SIGTERM (a scheduler ending
the job) said as such, Ctrl-C (SIGINT) as "interrupted".

Both stopped the command alike (the finished folds, features or combinations printed,
marked partial) and both said "interrupted", though SIGTERM's status is 143: the words
are now the signal's, as train's are.  The signals are real ones, sent to this process
where a fold, a feature or a combination is under way; the reference statuses are the
shells' 128 + the signal's number.
"""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from chainrule import _cli_models_cv, _cli_models_importance
from chainrule.cli import main

WORDS = {signal.SIGTERM: "stopped by SIGTERM", signal.SIGINT: "interrupted"}
SIGNALS = [signal.SIGTERM, signal.SIGINT]


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    path = tmp_path_factory.mktemp("sigterm")
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    y = (X @ [1.0, -1.0, 0.5] > 0).astype(int)
    rows = [",".join([*map(repr, map(float, x)), str(t)]) for x, t in zip(X, y, strict=True)]
    (path / "d.csv").write_text("a,b,c,y\n" + "\n".join(rows) + "\n")
    assert main(["train", str(path / "d.csv"), "--hidden", "4", "--epochs", "5", "-q",
                 "-o", str(path / "m.npz")]) == 0
    return str(path / "m.npz"), str(path / "d.csv")


def _signal_at(monkeypatch, module, name: str, call: int, signum: int) -> None:
    """``signum`` sent to this process at the ``call``-th call of ``module.name``."""
    real, calls = getattr(module, name), []

    def signalled(*args, **kwargs):
        calls.append(1)
        if len(calls) == call:
            os.kill(os.getpid(), signum)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, signalled)


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or os.name == "nt", reason="POSIX")
@pytest.mark.parametrize("signum", SIGNALS)
def test_cv_says_which_signal_stopped_it(files, capsys, monkeypatch, signum):
    _, data = files
    _signal_at(monkeypatch, _cli_models_cv, "_fit_fold", 3, signum)
    capsys.readouterr()
    assert main(["cv", data, "--hidden", "4", "--epochs", "3", "--folds", "4", "-q"]) == (
        128 + signum)
    out, err = capsys.readouterr()
    assert err.endswith(f"chainrule cv: {WORDS[signum]} during fold 3 of 4; the scores are "
                        "of the 2 folds finished\n"), err
    assert f"partial: {WORDS[signum]} during fold 3 of 4: the 2 folds finished" in out


@pytest.mark.skipif(os.name == "nt", reason="POSIX")
@pytest.mark.parametrize("signum", SIGNALS)
def test_importance_says_which_signal_stopped_it(files, capsys, monkeypatch, signum):
    model, data = files
    # the baseline, then 2 repeats of the first feature: the second feature's first
    _signal_at(monkeypatch, _cli_models_importance, "_score", 4, signum)
    capsys.readouterr()
    assert main(["importance", model, data, "--repeats", "2", "-q"]) == 128 + signum
    out, err = capsys.readouterr()
    assert err == (f"chainrule importance: {WORDS[signum]} during feature 2 of 3 ('b'); the "
                   "importances are of the 1 feature finished\n")
    assert f"partial: {WORDS[signum]} during feature 2 of 3: the 1 feature finished" in out


@pytest.mark.skipif(os.name == "nt", reason="POSIX")
@pytest.mark.parametrize("signum", SIGNALS)
def test_tune_says_which_signal_stopped_it(files, capsys, monkeypatch, signum):
    _, data = files
    _signal_at(monkeypatch, _cli_models_cv, "_fit_fold", 3, signum)  # combination 2's 1st
    capsys.readouterr()
    assert main(["tune", data, "--hidden", "4", "--epochs", "3", "--folds", "2", "-q",
                 "--grid", "lr=0.01,0.1"]) == 128 + signum
    out, err = capsys.readouterr()
    assert err == (f"chainrule tune: {WORDS[signum]} during combination 2 of 2; the table is "
                   "of the 1 finished\n")
    assert f"partial: {WORDS[signum]} during combination 2 of 2: the 1 finished" in out


@pytest.mark.skipif(os.name == "nt", reason="POSIX")
@pytest.mark.parametrize("signum", SIGNALS)
def test_train_find_lr_says_which_signal_stopped_it(files, capsys, monkeypatch, signum):
    """train --find-lr's line said "(interrupted)" of a range test that SIGTERM stopped."""
    from chainrule.experiments import lr_range

    _, data = files
    _signal_at(monkeypatch, lr_range._Recorder, "on_batch_end", 30, signum)
    capsys.readouterr()
    # the status is the signal's, as every other command's (Ctrl-C exited 0, or 1 when no
    # rate could be suggested), and stderr says what stopped it
    assert main(["train", data, "--find-lr", "--lr-steps", "60", "--batch-size", "4",
                 "-q"]) == 128 + signum
    out, err = capsys.readouterr()
    assert ("learning-rate range test: 30 of 60 steps of adam, rates 1e-07 to 10 "
            f"({WORDS[signum]})") in out, out
    assert err.endswith(f"\nchainrule train --find-lr: {WORDS[signum]} after 30 of 60 "
                        "steps; the table and the rates are of those steps\n"), err
