"""The estimators' ``ema``: a fit with a moving average of the weights against NumPy
written out, partial_fit and warm starts going on with it, files and pickles, early
stopping on the average, the solvers that ignore it, and its parameter life."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from chainrule import MLPClassifier, MLPRegressor
from chainrule.estimators import load_estimator
from chainrule.io import read_file
from estimators7_helpers import sklearn_held_out


def _data(m: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.column_stack([np.sin(X @ [1.0, -2.0, 0.5]), X[:, 0] * X[:, 1]])


def _fit(est, X, Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, Y)


_KW = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", alpha=0.0,
           batch_size=30, shuffle=False, momentum=0.9, nesterovs_momentum=False,
           learning_rate_init=0.1, tol=0.0, n_iter_no_change=10**6, random_state=0)


def _initial(X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """The parameters a fit of _KW starts from: those of a fit whose one step moves
    nothing (a gradient clipped to a norm of 1e-300 makes a step of lr * 1e-300)."""
    est = _fit(MLPRegressor(max_iter=1, clip_norm=1e-300, **_KW), X, Y)
    return _ps(est)


def _ps(est) -> list[np.ndarray]:
    return [p.copy() for p in (est.coefs_[0], est.intercepts_[0], est.coefs_[1],
                               est.intercepts_[1])]


def _numpy_run(ps, X, Y, steps, decay, v=None, avg=None):
    """Full-batch SGD with momentum (v <- 0.9 v + g, p <- p - 0.1 v) and its average."""
    v = [np.zeros_like(p) for p in ps] if v is None else v
    for _ in range(steps):
        W1, b1, W2, b2 = ps
        A = np.tanh(X @ W1 + b1)
        E = (A @ W2 + b2 - Y) / X.shape[0]  # the gradient of the mean of 0.5 sum_k e_k^2
        dA = (E @ W2.T) * (1 - A**2)
        gs = [X.T @ dA, dA.sum(0), A.T @ E, E.sum(0)]
        v = [0.9 * vk + g for vk, g in zip(v, gs, strict=True)]
        ps = [p - 0.1 * vk for p, vk in zip(ps, v, strict=True)]
        avg = ([p.copy() for p in ps] if avg is None else
               [decay * a + (1 - decay) * p for a, p in zip(avg, ps, strict=True)])
    return ps, v, avg


def test_an_ema_fit_equals_numpy_written_out_and_warm_start_goes_on_with_it():
    X, Y = _data()
    est = _fit(MLPRegressor(max_iter=12, ema=0.8, **_KW), X, Y)
    ps, _, avg = _numpy_run(_initial(X, Y), X, Y, 12, 0.8)
    for a, b in zip(_ps(est), avg, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    assert max(float(np.max(np.abs(a - p))) for a, p in zip(avg, ps, strict=True)) > 1e-3
    # a warm start takes its steps from the last ones' parameters, and goes on averaging
    # (with a new optimizer, its velocity 0, as every fit's in scikit-learn)
    est.set_params(warm_start=True, max_iter=5)
    _fit(est, X, Y)
    _, _, avg = _numpy_run(ps, X, Y, 5, 0.8, None, avg)
    for a, b in zip(_ps(est), avg, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def test_partial_fit_goes_on_with_the_average_and_a_saved_file_too(tmp_path):
    X, Y = _data()
    est = MLPRegressor(max_iter=1, ema=0.7, **_KW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(3):
            est.partial_fit(X, Y)
    est.save(tmp_path / "est.npz")
    meta = read_file(tmp_path / "est.npz", "chainrule.estimator")[0]
    assert meta["params"]["ema"] == 0.7 and meta["training"]["ema_count"] == 3
    loaded = load_estimator(tmp_path / "est.npz")
    copied = pickle.loads(pickle.dumps(est))
    for e in (est, loaded, copied):
        for _ in range(4):
            e.partial_fit(X, Y)
    _, _, avg = _numpy_run(_initial(X, Y), X, Y, 7, 0.7)
    for a, b in zip(_ps(est), avg, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(loaded.network_.params, est.network_.params)
    np.testing.assert_array_equal(copied.network_.params, est.network_.params)


def test_ema_none_is_the_fit_without_it_and_the_steps_are_unchanged():
    X, Y = _data()
    kw = dict(hidden_layer_sizes=(6,), solver="adam", max_iter=20, random_state=0)
    a = _fit(MLPRegressor(**kw), X, Y)
    b = _fit(MLPRegressor(ema=None, **kw), X, Y)
    c = _fit(MLPRegressor(ema=0.9, **kw), X, Y)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    assert a.loss_curve_ == b.loss_curve_ == c.loss_curve_  # the steps' losses
    np.testing.assert_array_equal(c._ema_run[0], a.network_.params)  # the steps reached
    assert not np.array_equal(c.network_.params, a.network_.params)  # the average


def test_get_params_clone_set_params_and_checks():
    est = MLPClassifier((4,), ema=0.99)
    assert est.get_params()["ema"] == 0.99
    assert clone(est).get_params()["ema"] == 0.99
    assert MLPRegressor().get_params()["ema"] is None
    assert est.set_params(ema=None).ema is None
    X, y = _data()[0], np.arange(30) % 2
    for bad in (0, 1, -0.5, 1.5, np.inf, np.nan, "0.9", True):
        with pytest.raises((TypeError, ValueError),
                           match=r"^The 'ema' parameter of MLPClassifier must be None or a "
                                 r"float in the range \(0\.0, 1\.0\), "
                                 r"the decay .* Got .* instead\.$"):
            MLPClassifier((4,), ema=bad).fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_the_full_batch_solvers_ignore_ema_as_they_do_clip_norm(solver):
    X, Y = _data()
    kw = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=30, random_state=0)
    a = _fit(MLPRegressor(**kw), X, Y)
    b = _fit(MLPRegressor(ema=0.9, **kw), X, Y)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)


def test_early_stopping_scores_the_average_and_keeps_its_best():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(200, 4))
    y = X @ [1.0, -2.0, 0.5, 0.0] + rng.normal(scale=0.5, size=200)
    est = _fit(MLPRegressor((8,), solver="sgd", learning_rate_init=0.05, batch_size=8,
                            early_stopping=True, validation_fraction=0.2, max_iter=60,
                            n_iter_no_change=4, ema=0.9, random_state=0), X, y)
    va = sklearn_held_out(est, y, 0.2)
    # the kept network's R^2 on the held-out rows is the best recorded score
    assert est.score(X[va], y[va]) == pytest.approx(est.best_validation_score_, rel=1e-12)
    # and the last steps' parameters score something else
    live = clone(est)
    live.network_ = est.network_.copy()
    live.network_.params[...] = est._ema_run[0]
    for name in ("n_features_in_", "n_outputs_", "out_activation_"):
        setattr(live, name, getattr(est, name))
    assert live.score(X[va], y[va]) != pytest.approx(est.best_validation_score_, rel=1e-6)


def test_a_file_and_a_pickle_of_before_ema_load_with_none(tmp_path):
    from file_helpers import edit_saved_meta

    X, y = _data()[0], np.arange(30) % 2
    est = _fit(MLPClassifier((4,), max_iter=3, random_state=0), X, y)
    est.save(tmp_path / "a.npz")
    assert "ema" not in read_file(tmp_path / "a.npz", "chainrule.estimator")[0]["params"]
    est.set_params(ema=0.5).save(tmp_path / "b.npz")
    edit_saved_meta(tmp_path / "b.npz", lambda meta: meta["params"].pop("ema"))
    for name in ("a.npz", "b.npz"):
        assert load_estimator(tmp_path / name).ema is None
    state = est.set_params(ema=None).__getstate__()
    del state["ema"]
    older = MLPClassifier.__new__(MLPClassifier)
    older.__setstate__(state)
    older = pickle.loads(pickle.dumps(older))
    assert older.ema is None and older.get_params()["ema"] is None
    np.testing.assert_array_equal(older.predict_proba(X), est.predict_proba(X))


def test_partial_fit_after_a_divergence_goes_on_with_the_average_of_the_steps_kept():
    """A call that diverged dropped the average: the next partial_fit began a new one
    from the steps' parameters, count 0, as though the earlier steps had not been taken.
    It goes on with the average of the steps the guard kept (the rejected one left out),
    as the NumPy run written out here: a linear model, batches of 5 rows in order."""
    from chainrule import TrainingDiverged

    X, Y = _data()
    kw = {**_KW, "hidden_layer_sizes": (), "batch_size": 5, "momentum": 0.0, "max_iter": 1}
    W, b = _initial_linear(X, Y, kw)
    est = MLPRegressor(ema=0.5, **kw)
    avg, steps = None, []
    for scale in (1.0, 1e100, 1.0):  # the second call's rows send the loss to inf
        Xs, diverged = X * scale, False
        for k in range(6):
            E = (Xs[5 * k:5 * k + 5] @ W + b - Y[5 * k:5 * k + 5]) / 5
            with np.errstate(all="ignore"):
                J = 2.5 * float(np.sum(E * E))
            if not np.isfinite(J):  # the last step is rejected, with its average
                steps.pop()
                W, b, avg = steps[-1]
                diverged = True
                break
            W, b = W - 0.1 * Xs[5 * k:5 * k + 5].T @ E, b - 0.1 * E.sum(0)
            avg = (W, b) if avg is None else tuple(0.5 * a + 0.5 * p
                                                   for a, p in zip(avg, (W, b), strict=True))
            steps.append((W, b, avg))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if diverged:
                with pytest.raises(TrainingDiverged, match=rf"epoch 1, batch {k}: the loss"):
                    est.partial_fit(Xs, Y)
                # the network keeps the steps' parameters the guard kept, not the average
                np.testing.assert_allclose(est.coefs_[0], W, rtol=1e-12)
            else:
                est.partial_fit(Xs, Y)
    assert len(steps) > 6 and diverged is False
    np.testing.assert_allclose(est.coefs_[0], avg[0], rtol=1e-10)
    np.testing.assert_allclose(est.intercepts_[0], avg[1], rtol=1e-10)
    assert est._ema_run[4] == len(steps)


def _initial_linear(X, Y, kw):
    """The parameters (W, b) a linear fit of ``kw`` starts from (a step of lr * 1e-300)."""
    est = _fit(MLPRegressor(**{**kw, "clip_norm": 1e-300}), X, Y)
    return est.coefs_[0].copy(), est.intercepts_[0].copy()


def test_a_fit_whose_average_is_mostly_its_first_steps_warns():
    """MLPClassifier(ema=0.99, max_iter=50) on iris, full batches: 50 steps, of which the
    first 25 weigh 0.99**25 = 78 % of the average (accuracy 0.67 against 0.98 without
    it): a UserWarning says so.  The least number of steps without it, 137, is where
    0.99**ceil(n / 2) first falls to 0.5 (found here by NumPy); partial_fit, one epoch a
    call, gives no such advice."""
    from sklearn.datasets import load_iris

    X, y = load_iris(return_X_y=True)
    kw = dict(hidden_layer_sizes=(10,), solver="adam", learning_rate_init=0.05,
              batch_size=150, random_state=0, ema=0.99)
    n = np.arange(1, 400)
    least = int(n[0.99 ** np.ceil(n / 2) <= 0.5][0])
    assert least == 137
    with pytest.warns(UserWarning, match=r"ema=0\.99: the moving average of the 50 optimizer "
                                         r"steps .* 78% .* at least 137 steps") as caught:
        _fit(MLPClassifier(max_iter=50, **kw), X, y)
    assert len([w for w in caught if "ema=" in str(w.message)]) == 1
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        _fit(MLPClassifier(max_iter=least, tol=0.0, n_iter_no_change=10**6, **kw), X, y)
        est = MLPClassifier(**kw)
        for _ in range(3):
            est.partial_fit(X, y, classes=[0, 1, 2])
    with pytest.warns(UserWarning, match=r"ema=0\.99: .* 136 optimizer steps"):
        _fit(MLPClassifier(max_iter=least - 1, tol=0.0, n_iter_no_change=10**6, **kw), X, y)
