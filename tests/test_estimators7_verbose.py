"""verbose with learning_rate="adaptive": the rate's fall said as scikit-learn's MLP says it."""

from __future__ import annotations

import pytest
from sklearn.datasets import load_iris
from sklearn.neural_network import MLPClassifier as SkMLPClassifier
from sklearn.neural_network import MLPRegressor as SkMLPRegressor

from chainrule.estimators import MLPClassifier, MLPRegressor


def _said(lines: list[str], epoch_prefix: str) -> list[str]:
    """The printed lines with each epoch's line as "epoch" (the two libraries write the
    epoch's loss in their own form) and tol as given (chainrule's form, "tol=1000")."""
    return ["epoch" if line.startswith(epoch_prefix) else line.replace("tol=1000.000000",
                                                                         "tol=1000")
            for line in lines]


@pytest.mark.parametrize("early_stopping", [False, True])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_adaptive_rate_fall_is_said_after_the_epochs_line_as_scikit_learn_does(
        capsys, kind, early_stopping):
    """scikit-learn's SGD prints "Training loss did not improve more than tol=... for 2
    consecutive epochs. Setting learning rate to 0.000200" after the epoch in which it
    divides the rate by 5; chainrule divided it silently.  With tol=1000 no epoch after the
    first improves, so both lower the rate after the same epochs whatever their weights:
    the same lines in the same places, from the first epoch to "Stopping."."""
    X, y = load_iris(return_X_y=True)
    if kind == "regressor":
        X, y = X[:, :3], X[:, 3]
    ours, theirs = ((MLPClassifier, SkMLPClassifier) if kind == "classifier"
                    else (MLPRegressor, SkMLPRegressor))
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate="adaptive",
              early_stopping=early_stopping, tol=1000.0, n_iter_no_change=2, max_iter=100,
              random_state=0, verbose=True)
    theirs(**kw).fit(X, y)
    # scikit-learn's "Validation score: ..." line per epoch is in chainrule's epoch line
    expected = [line for line in _said(capsys.readouterr().out.splitlines(), "Iteration ")
                if not line.startswith("Validation score:")]
    ours(**kw).fit(X, y)
    got = _said(capsys.readouterr().err.splitlines(), "epoch ")
    assert sum("Setting learning rate to 0.000200" in line for line in expected) == 1
    assert expected[-1].endswith("Learning rate too small. Stopping.")
    assert got == expected


def test_adaptive_rate_fall_is_silent_without_verbose(capsys):
    """Without verbose nothing is printed (scikit-learn prints nothing either)."""
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate="adaptive", tol=1000.0,
              n_iter_no_change=2, max_iter=30, random_state=0)
    SkMLPClassifier(**kw).fit(X, y)
    MLPClassifier(**kw).fit(X, y)
    out = capsys.readouterr()
    assert out.out == out.err == ""


def test_partial_fit_says_the_adaptive_rate_fall_as_scikit_learn_does(capsys):
    """partial_fit lowers an "adaptive" rate too (one epoch per call, never stopping);
    scikit-learn says it there as well: the same lines after the same calls."""
    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate="adaptive", tol=1000.0,
              n_iter_no_change=2, random_state=0, verbose=True)
    a, b = SkMLPClassifier(**kw), MLPClassifier(**kw)
    expected, got = [], []
    for _ in range(8):
        a.partial_fit(X, y, classes=[0, 1, 2])
        expected += _said(capsys.readouterr().out.splitlines(), "Iteration ")
        b.partial_fit(X, y, classes=[0, 1, 2])
        got += _said(capsys.readouterr().err.splitlines(), "epoch ")
    notes = [line for line in expected if line != "epoch"]
    assert len(notes) == 2 and notes[1].endswith("Setting learning rate to 0.000040")
    assert [line for line in got if line != "epoch"] == notes
