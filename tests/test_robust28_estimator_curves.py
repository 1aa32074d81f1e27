"""The lengths of an estimator file's per-epoch lists (robust28).

Fitted here, the lists go so: each epoch (an lbfgs iteration) appends a loss to
``loss_curve_``, over warm starts and ``partial_fit`` too, while ``n_iter_`` counts the
last fit's; ``validation_scores_`` (early stopping) holds one score per epoch of the fits
with it on, from the first such fit, and is null once a fit runs without it.  A file whose
lists broke that (``validation_scores_`` longer than the curve, a curve shorter than
``n_iter_``) loaded silently; now it is refused as corrupted, naming the field.  Every
file fitted below (sgd, adam, lbfgs, early stopping on and off between warm starts,
partial_fit) loads with its lists as they were.
"""

from __future__ import annotations

import warnings

import pytest

from chainrule.estimators import MLPClassifier, MLPRegressor, load_estimator
from file_helpers import edit_saved_meta, small_data


def _fit(est, *settings):
    X, y = small_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (a few epochs: not converged)
        est.fit(X, y if isinstance(est, MLPClassifier) else X[:, 1])
        for change in settings:  # warm starts, each with its own settings
            est.set_params(warm_start=True, **change).fit(
                X, y if isinstance(est, MLPClassifier) else X[:, 1])
    return est


CASES = {
    "sgd": lambda: _fit(MLPClassifier((4,), solver="sgd", max_iter=4, random_state=0),
                        {"max_iter": 2}),
    "adam-es": lambda: _fit(MLPClassifier((4,), max_iter=4, early_stopping=True,
                                          random_state=0), {"max_iter": 3}),
    "lbfgs": lambda: _fit(MLPRegressor((4,), solver="lbfgs", max_iter=5, random_state=0),
                          {"max_iter": 3}),
    "es-then-not": lambda: _fit(MLPClassifier((4,), max_iter=3, early_stopping=True,
                                              random_state=0), {"early_stopping": False}),
    "not-then-es": lambda: _fit(MLPClassifier((4,), max_iter=3, random_state=0),
                                {"early_stopping": True, "max_iter": 2}),
    "adam-then-lbfgs": lambda: _fit(MLPClassifier((4,), max_iter=3, random_state=0),
                                    {"solver": "lbfgs"}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_fitted_files_load_with_their_lists(tmp_path, case):
    est = CASES[case]()
    n = est.n_iter_
    assert n <= len(est.loss_curve_)
    if est.validation_scores_ is not None:
        assert n <= len(est.validation_scores_) <= len(est.loss_curve_)
    loaded = load_estimator(est.save(tmp_path / "e.npz"))
    assert loaded.loss_curve_ == est.loss_curve_
    assert loaded.validation_scores_ == est.validation_scores_
    assert loaded.n_iter_ == n


def test_partial_fit_appends_one_loss_per_call(tmp_path):
    X, y = small_data()
    est = MLPClassifier((4,), random_state=0)
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1])
    assert (est.n_iter_, len(est.loss_curve_)) == (1, 3)
    assert load_estimator(est.save(tmp_path / "e.npz")).loss_curve_ == est.loss_curve_


def _damaged(tmp_path, case, key, edit):
    path = CASES[case]().save(tmp_path / "e.npz")
    edit_saved_meta(path, lambda meta: meta["fitted"].__setitem__(
        key, edit(meta["fitted"])))
    with pytest.raises(ValueError, match="corrupted estimator file") as info:
        load_estimator(path)
    return str(info.value)


def test_a_curve_shorter_than_n_iter_is_refused(tmp_path):
    message = _damaged(tmp_path, "sgd", "loss_curve_", lambda f: f["loss_curve_"][:1])
    assert "loss_curve_: 1 losses, fewer than n_iter_ = 2" in message


@pytest.mark.parametrize(("case", "edit", "words"), [
    ("adam-es", lambda f: [*f["validation_scores_"], 0.5],
     "validation_scores_: 8 scores, expected from n_iter_ = 3 to len(loss_curve_) = 7"),
    ("adam-es", lambda f: f["validation_scores_"][:2],
     "validation_scores_: 2 scores, expected from n_iter_ = 3 to len(loss_curve_) = 7"),
    ("not-then-es", lambda f: [0.5] * 6,
     "validation_scores_: 6 scores, expected from n_iter_ = 2 to len(loss_curve_) = 5"),
])
def test_validation_scores_of_another_length_are_refused(tmp_path, case, edit, words):
    assert words in _damaged(tmp_path, case, "validation_scores_", edit)


def test_a_best_score_without_scores_is_refused(tmp_path):
    message = _damaged(tmp_path, "adam-es", "validation_scores_", lambda f: [])
    assert "validation_scores_: 0 scores" in message
    message = _damaged(tmp_path, "es-then-not", "best_validation_score_", lambda f: 0.5)
    assert "best_validation_score_: 0.5, the best of validation_scores_, which holds none" \
        in message
