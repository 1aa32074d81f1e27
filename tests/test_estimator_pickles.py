"""Pickles of fitted estimators written by earlier versions go on as they did.

A ``partial_fit`` run with a schedule is pickled with ``_schedule_run``: (schedule,
epochs done) before the run's initial rate was kept, (schedule, epochs done, initial
rate) since.  An older pickle's run goes on from ``learning_rate_init``, what
``partial_fit`` read then (as ``load_estimator`` does for an older file).
"""

from __future__ import annotations

import pickle

import numpy as np

from chainrule import MLPClassifier


def test_an_older_pickle_of_a_schedule_run_goes_on_with_partial_fit(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(60, 3)), (np.arange(60) % 2)
    est = MLPClassifier((5,), solver="sgd", learning_rate_init=0.1, random_state=0,
                        schedule={"name": "exponential", "gamma": 0.5})
    est.partial_fit(X, y, classes=[0, 1])
    est.partial_fit(X, y)
    state = est.__getstate__()
    state["_schedule_run"] = state["_schedule_run"][:2]  # as pickled before the rate was kept
    older = MLPClassifier.__new__(MLPClassifier)
    older.__setstate__(state)
    older = pickle.loads(pickle.dumps(older))
    for _ in range(3):
        est.partial_fit(X, y)
        older.partial_fit(X, y)  # was: ValueError, not enough values to unpack
    # five epochs of exponential decay 0.5 from the initial rate 0.1
    assert older._optimizer.lr == est._optimizer.lr == 0.1 * 0.5 ** 5
    np.testing.assert_array_equal(older.network_.params, est.network_.params)
    older.save(tmp_path / "older.npz")  # was: IndexError in the training record
