"""The estimators' SciPy solvers ("lbfgs", "cg") against their own records and scikit-learn."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from chainrule import MLPClassifier, MLPRegressor


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
@pytest.mark.parametrize("verbose", [1, 2])
def test_verbose_prints_each_iterations_recorded_loss_on_stderr(capsys, solver, verbose):
    """lbfgs and cg printed one line on stdout, "L-BFGS-B: ... J=0.0952372", whose J was
    the network's cost: for three squared-error outputs three times loss_ (0.0317557),
    where verbose is documented as lines on stderr with the loss loss_curve_ records.
    They now print the mini-batch solvers' line per iteration on stderr, with that
    loss, and SciPy's reason with loss_; stdout stays the program's."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    Y = X[:, :3] @ rng.normal(size=(3, 3))
    alpha = 0.3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reg = MLPRegressor((5,), solver=solver, alpha=alpha, max_iter=8, verbose=verbose,
                           random_state=0).fit(X, Y)
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.strip().splitlines()
    assert [line.split(":")[0] for line in lines[:-1]] == [
        f"iteration {i}/8" for i in range(1, reg.n_iter_ + 1)]
    printed = [float(line.split("loss ")[1]) for line in lines[:-1]]
    assert printed == pytest.approx(reg.loss_curve_, rel=1e-4)
    # the reference: scikit-learn's loss written out, the squared error averaged over the
    # rows and the three outputs, halved, plus alpha / (2 n) times the sum of squared weights
    H = np.maximum(X @ reg.coefs_[0] + reg.intercepts_[0], 0)  # relu, the default
    P = H @ reg.coefs_[1] + reg.intercepts_[1]
    expected = np.mean((Y - P) ** 2) / 2 + alpha / (2 * len(X)) * sum(
        float(np.sum(W ** 2)) for W in reg.coefs_)
    assert reg.loss_ == pytest.approx(expected, rel=1e-10)
    assert printed[-1] == pytest.approx(expected, rel=1e-4)
    assert lines[-1].startswith(f"{solver}: ")
    assert lines[-1].endswith(f"after {reg.n_iter_} iteration(s), loss {expected:.5g}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier((3,), solver=solver, max_iter=3, random_state=0).fit(X, X[:, 0] > 0)
    assert capsys.readouterr() == ("", "")  # verbose=0: silent
