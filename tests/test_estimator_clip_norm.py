"""The estimators' ``clip_norm``: the steps of a clipped fit against NumPy written out,
its parameter life (get_params, clone, set_params, checks), files and pickles of
before it, and the solvers that ignore it."""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning

from chainrule import MLPClassifier, MLPRegressor, TrainingDiverged
from chainrule.cli import main
from chainrule.estimators import load_estimator
from chainrule.io import read_file


def _params_record(path) -> dict:
    return read_file(path, "chainrule.estimator")[0]["params"]


def _data(m: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, 3))
    return X, np.column_stack([3 * np.sin(X @ [1.0, -2.0, 0.5]), X[:, 0] * X[:, 1]])


def _fit(est, X, Y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(X, Y)


def test_a_clipped_sgd_fit_equals_numpy_written_out():
    X, Y = _data()
    clip, lr, steps = 0.5, 0.05, 25
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", solver="sgd", alpha=0.0,
              batch_size=X.shape[0], shuffle=False, momentum=0.9, nesterovs_momentum=False,
              learning_rate_init=lr, tol=0.0, n_iter_no_change=10**6, random_state=0)
    est = _fit(MLPRegressor(max_iter=steps, clip_norm=clip, **kw), X, Y)
    ps = _initial(kw, X, Y)
    v = [np.zeros_like(p) for p in ps]
    clipped = kept = 0
    for _ in range(steps):  # one full batch per epoch
        W1, b1, W2, b2 = ps
        A = np.tanh(X @ W1 + b1)
        E = (A @ W2 + b2 - Y) / X.shape[0]  # the gradient of the mean of 0.5 sum_k e_k^2
        dA = (E @ W2.T) * (1 - A**2)
        gs = [X.T @ dA, dA.sum(0), A.T @ E, E.sum(0)]
        norm = np.sqrt(sum(float((g**2).sum()) for g in gs))
        if norm > clip:
            gs, clipped = [g * (clip / norm) for g in gs], clipped + 1
        else:
            kept += 1
        v = [0.9 * vk + g for vk, g in zip(v, gs, strict=True)]
        ps = [p - lr * vk for p, vk in zip(ps, v, strict=True)]
    assert clipped >= 3 and kept >= 3
    ours = [est.coefs_[0], est.intercepts_[0], est.coefs_[1], est.intercepts_[1]]
    for a, b in zip(ours, ps, strict=True):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)


def _initial(kw: dict, X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """The parameters a fit of ``kw`` starts from: those of a fit whose one step moves
    nothing (a gradient clipped to a norm of 1e-300 makes a step of lr * 1e-300)."""
    est = _fit(MLPRegressor(max_iter=1, clip_norm=1e-300, **kw), X, Y)
    return [p.copy() for p in (est.coefs_[0], est.intercepts_[0], est.coefs_[1],
                               est.intercepts_[1])]


def test_clip_norm_none_is_the_fit_without_it_bit_for_bit():
    X, Y = _data()
    a = _fit(MLPRegressor((6,), solver="adam", max_iter=20, random_state=0), X, Y)
    b = _fit(MLPRegressor((6,), solver="adam", max_iter=20, random_state=0, clip_norm=None),
             X, Y)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)
    assert a.loss_curve_ == b.loss_curve_


def test_get_params_clone_set_params_and_checks():
    est = MLPClassifier((4,), clip_norm=0.5)
    assert est.get_params()["clip_norm"] == 0.5
    assert clone(est).get_params()["clip_norm"] == 0.5
    assert MLPRegressor().get_params()["clip_norm"] is None
    assert est.set_params(clip_norm=None).clip_norm is None
    X, y = _data()[0], np.arange(30) % 2
    for bad in (0, -1.0, np.inf, np.nan, "1", True):
        with pytest.raises(ValueError, match=r"^The 'clip_norm' parameter of MLPClassifier "
                           r"must be None or a finite float in the range \(0\.0, inf\)\. Got "
                           rf"{re.escape(repr(bad))} instead\.$"):
            MLPClassifier((4,), clip_norm=bad).fit(X, y)


@pytest.mark.parametrize("solver", ["lbfgs", "cg"])
def test_the_full_batch_solvers_ignore_clip_norm_as_they_do_momentum(solver):
    X, Y = _data()
    kw = dict(hidden_layer_sizes=(5,), solver=solver, max_iter=30, random_state=0)
    a = _fit(MLPRegressor(**kw), X, Y)
    b = _fit(MLPRegressor(clip_norm=1e-3, **kw), X, Y)
    np.testing.assert_array_equal(a.network_.params, b.network_.params)


def test_save_load_and_partial_fit_go_on_with_the_clip(tmp_path):
    X, y = _data()[0], np.arange(30) % 3
    est = MLPClassifier((5,), solver="sgd", learning_rate_init=0.5, clip_norm=0.05,
                        max_iter=3, random_state=0)
    _fit(est, X, y)
    est.save(tmp_path / "est.npz")
    assert _params_record(tmp_path / "est.npz")["clip_norm"] == 0.05
    loaded = load_estimator(tmp_path / "est.npz")
    assert loaded.clip_norm == 0.05
    for e in (est, loaded):
        e.partial_fit(X, y)
    np.testing.assert_array_equal(loaded.network_.params, est.network_.params)
    # and clipping acts in partial_fit: the same without it moves elsewhere
    other = load_estimator(tmp_path / "est.npz").set_params(clip_norm=None)
    other.partial_fit(X, y)
    assert not np.allclose(other.network_.params, est.network_.params)
    # the CLI shows it with the estimator's parameters
    assert main(["info", str(tmp_path / "est.npz")]) == 0


def test_a_file_and_a_pickle_of_before_clip_norm_load_with_none(tmp_path, capsys):
    from file_helpers import edit_saved_meta

    X, y = _data()[0], np.arange(30) % 2
    est = _fit(MLPClassifier((4,), max_iter=3, random_state=0), X, y)
    est.save(tmp_path / "a.npz")
    assert "clip_norm" not in _params_record(tmp_path / "a.npz")  # as before it
    est.set_params(clip_norm=2.0).save(tmp_path / "b.npz")
    edit_saved_meta(tmp_path / "b.npz", lambda meta: meta["params"].pop("clip_norm"))
    for name in ("a.npz", "b.npz"):
        assert load_estimator(tmp_path / name).clip_norm is None
    state = est.__getstate__()
    del state["clip_norm"]
    older = MLPClassifier.__new__(MLPClassifier)
    older.__setstate__(state)
    older = pickle.loads(pickle.dumps(older))
    assert older.clip_norm is None and older.get_params()["clip_norm"] is None
    np.testing.assert_array_equal(older.predict_proba(X), est.predict_proba(X))


def test_a_fit_that_diverges_without_clipping_trains_with_it():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    y = (X @ [3.0, -2.0, 1.0, 0.5]) ** 3
    kw = dict(hidden_layer_sizes=(32, 32, 32), activation="relu", solver="sgd",
              learning_rate_init=1.0, batch_size=16, max_iter=30, random_state=0)
    with pytest.raises(TrainingDiverged, match=r"\(now 1\) or clip_norm \(gradient clipping\)"):
        _fit(MLPRegressor(**kw), X, y)
    est = _fit(MLPRegressor(clip_norm=1.0, **kw), X, y)
    assert np.isfinite(est.network_.params).all()
    assert est.loss_curve_[-1] < est.loss_curve_[0]
    with pytest.raises(TrainingDiverged, match=r"or a smaller \(now 1e\+100\) clip_norm"):
        _fit(MLPRegressor(clip_norm=1e100, **kw), X, y)  # a clip that does not save it
