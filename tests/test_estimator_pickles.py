"""Pickles of fitted estimators written by earlier versions go on as they did.

A ``partial_fit`` run with a schedule is pickled with ``_schedule_run``: (schedule,
epochs done) before the run's initial rate was kept, (schedule, epochs done, initial
rate) since.  An older pickle's run goes on from ``learning_rate_init``, what
``partial_fit`` read then (as ``load_estimator`` does for an older file).
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from chainrule import MLPClassifier, MLPRegressor

# the fits here are a few epochs long: only their pickles matter
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


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


def test_a_fitted_estimator_given_an_activation_object_unpickles_where_its_name_is_unknown():
    # register_activation's notes: pass the Activation object itself and "it travels to the
    # workers with the estimator's parameters".  A fitted estimator sent to a worker (scikit-
    # learn's permutation_importance with n_jobs=2 does so) is unpickled in a process where
    # the name is not registered (unregistering it here stands for that process): its network
    # is built from the object among the estimator's parameters, not refused by name.
    from chainrule.activations import register_activation, unregister_activation

    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), (np.arange(40) % 2)
    act = register_activation("pickled_sin_t", np.sin, np.cos)
    try:
        est = MLPClassifier((4,), activation=act, max_iter=5, random_state=0).fit(X, y)
        blob = pickle.dumps(est)
    finally:
        unregister_activation("pickled_sin_t")
    copy = pickle.loads(blob)  # was: ValueError, 'pickled_sin_t' is not registered
    # the hidden layer by hand: sin(X W1 + b1), then the one sigmoid output of two classes
    W1, b1 = copy.network_.layers[0].W, copy.network_.layers[0].b
    h = np.sin(X @ W1 + b1)
    z = h @ copy.network_.layers[1].W + copy.network_.layers[1].b
    p = 1 / (1 + np.exp(-z[:, 0]))
    np.testing.assert_allclose(copy.predict_proba(X), np.column_stack([1 - p, p]), rtol=1e-12)
    np.testing.assert_array_equal(copy.predict_proba(X), est.predict_proba(X))
    # a name given as a str still needs its registration, and says so
    import pytest

    register_activation("pickled_sin_t", np.sin, np.cos)
    try:
        by_name = MLPClassifier((4,), activation="pickled_sin_t", max_iter=5,
                                random_state=0).fit(X, y)
        blob = pickle.dumps(by_name)
    finally:
        unregister_activation("pickled_sin_t")
    with pytest.raises(ValueError, match="'pickled_sin_t', which is not registered"):
        pickle.loads(blob)


def _arctan_prime(z):
    return 1.0 / (1.0 + z * z)


def test_an_estimators_own_activation_objects_win_over_another_registration_of_their_names():
    # The process unpickling the estimator registers the names for other functions (cos in
    # place of sin, tanh in place of arctan): the network, built from the estimator's own
    # objects, must compute with those, not silently with the functions registered here.
    from chainrule.activations import register_activation, unregister_activation

    rng = np.random.default_rng(1)
    X, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    a = register_activation("own_sin_t", np.sin, np.cos)
    b = register_activation("own_arctan_t", np.arctan, _arctan_prime)
    try:
        one = MLPRegressor((4,), activation=a, max_iter=5, random_state=0).fit(X, y)
        two = MLPRegressor((4, 3), activation=[a, b], max_iter=5, random_state=0).fit(X, y)
        blobs = pickle.dumps(one), pickle.dumps(two)
    finally:
        unregister_activation("own_sin_t")
        unregister_activation("own_arctan_t")
    register_activation("own_sin_t", np.cos, np.sin)  # other functions under the names
    register_activation("own_arctan_t", np.tanh, np.cos)
    try:
        copies = [pickle.loads(blob) for blob in blobs]
    finally:
        unregister_activation("own_sin_t")
        unregister_activation("own_arctan_t")
    for copy, funcs in zip(copies, [(np.sin,), (np.sin, np.arctan)], strict=True):
        layers = copy.network_.layers
        h = X
        for layer, f in zip(layers[:-1], funcs, strict=True):  # the hidden layers by hand
            h = f(h @ layer.W + layer.b)
        expected = (h @ layers[-1].W + layers[-1].b)[:, 0]
        np.testing.assert_allclose(copy.predict(X), expected, rtol=1e-12)  # was: cos, tanh
