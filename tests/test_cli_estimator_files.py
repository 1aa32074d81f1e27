"""info, plot and gradcheck on the files of fitted estimators (MLPClassifier.save() ...).

Run in-process through ``chainrule.cli.main``; the references are the
estimator's own attributes and methods, computed here.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, y


def _classifier(tmp_path, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPClassifier(hidden_layer_sizes=(3,), activation="tanh", max_iter=20,
                               random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    np.savez(tmp_path / "data.npz", X=X, y=y)
    return est


def _cost_printed(out: str) -> float:
    line = next(r for r in out.splitlines() if r.startswith("cost J = "))
    return float(line.split()[3])


def test_gradcheck_checks_an_estimators_network_on_data(tmp_path, capsys, iris):
    """``gradcheck --model est.npz --data DATA`` was refused ("it is checked on random
    inputs"); it now checks the estimator's network on the raw features of DATA
    (the estimators scale nothing) with the one-hot classes, and passes.  The cost
    is the estimator's: mean cross-entropy of its predict_proba plus
    (alpha / 2n) sum W^2 over its coefs_."""
    X, y = iris
    est = _classifier(tmp_path, X, y)
    code = main(["gradcheck", "--model", str(tmp_path / "est.npz"), "--data",
                 str(tmp_path / "data.npz"), "--samples", "6"])
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out
    idx = np.searchsorted(est.classes_, y[:6])
    proba = est.predict_proba(X[:6])
    decay = est.alpha / (2 * 6) * sum(float((W ** 2).sum()) for W in est.coefs_)
    assert _cost_printed(out) == pytest.approx(
        -np.mean(np.log(proba[np.arange(6), idx])) + decay, rel=1e-10)


def test_gradcheck_regressor_file_on_data(tmp_path, capsys):
    """A regressor's network is checked on its raw targets: half the mean squared error
    of its predict (plus the decay), as scikit-learn's squared loss is."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 3))
    y = X @ [1.0, -2.0, 0.5] + 3
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est = cr.MLPRegressor(hidden_layer_sizes=(4,), activation="tanh", max_iter=10,
                              random_state=0).fit(X, y)
    est.save(tmp_path / "reg.npz")
    np.savez(tmp_path / "d.npz", X=X, y=y)
    code = main(["gradcheck", "--model", str(tmp_path / "reg.npz"), "--data",
                 str(tmp_path / "d.npz")])
    out = capsys.readouterr().out
    assert code == 0 and "PASS" in out
    decay = est.alpha / (2 * 5) * sum(float((W ** 2).sum()) for W in est.coefs_)
    assert _cost_printed(out) == pytest.approx(
        0.5 * np.mean((est.predict(X[:5]) - y[:5]) ** 2) + decay, rel=1e-10)
