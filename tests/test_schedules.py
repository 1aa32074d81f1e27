"""Learning-rate schedules in checkpoints and estimator files.

A rate a schedule sets may be 0 (an exponential decay that underflows, cosine annealing to
eta_min = 0); the run records it, and reading the record back must take it.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule


def _data(m: int = 16):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(m, 3))
    return X, np.column_stack([np.sin(X[:, 0] - X[:, 1]), np.cos(X[:, 2])])


def _net(seed: int = 0):
    return chainrule.mlp([3, 5, 2], hidden="tanh", output="identity", seed=seed)


def test_a_run_whose_schedule_reached_a_rate_of_0_resumes(tmp_path):
    """A checkpoint written once the rate was 0 (0.1 * (1e-200)**2 underflows) was refused
    as corrupted: "lr must be a finite float > 0, got 0.0" (the optimizer's config holds
    the rate of the last epoch).  Resumed, it is the uninterrupted run, bit for bit."""
    X, Y = _data(24)
    kwargs = dict(optimizer="sgd", lr=0.1, batch_size=8, seed=3,
                  schedule={"name": "exponential", "gamma": 1e-200})
    full = _net()
    h_full = chainrule.train(full, X, Y, epochs=5, **kwargs)
    path = tmp_path / "run.ckpt.npz"
    h_part = chainrule.train(_net(), X, Y, epochs=3, checkpoint=path, **kwargs)
    assert h_part["lr"][2] == 0.1 * 1e-200 * 1e-200 == 0.0
    resumed, h_res = chainrule.resume(path, X, Y, epochs=5)
    np.testing.assert_array_equal(resumed.params, full.params)
    assert dict(h_res) == dict(h_full)


def test_an_estimator_whose_rate_reached_0_is_saved_and_loaded(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > X[:, 1]).astype(int)
    clf = chainrule.MLPClassifier((5,), solver="sgd", learning_rate_init=0.05, max_iter=4,
                                  schedule={"name": "exponential", "gamma": 1e-200},
                                  random_state=0)
    with pytest.warns(Warning):  # max_iter reached (ConvergenceWarning)
        clf.fit(X, y)
    assert clf.history_["lr"][-1] == 0.0
    loaded = chainrule.load_estimator(clf.save(tmp_path / "clf.npz"))
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    assert loaded._optimizer.lr == clf._optimizer.lr
    # and it trains on from there, as the fitted one does
    loaded.partial_fit(X, y)
    clf.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
