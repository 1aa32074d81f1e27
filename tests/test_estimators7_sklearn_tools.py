"""The estimators in scikit-learn's tools, each call made with scikit-learn's MLP as well:
search with process workers, cross_validate, successive halving, calibration,
multi-output, voting, permutation importance, pandas feature names and set_output, and
sample_weight routed through a Pipeline."""

from __future__ import annotations

import pickle
import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import load_iris, make_regression
from sklearn.ensemble import VotingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.inspection import permutation_importance
from sklearn.model_selection import GridSearchCV, HalvingGridSearchCV, cross_validate
from sklearn.multioutput import MultiOutputRegressor
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor

KW = dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0)
BOTH = pytest.mark.parametrize("clf", [MLPClassifier, SkClassifier],
                               ids=["chainrule", "scikit-learn"])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.mark.slow  # starting joblib's worker processes: ~8 s on a loaded 2-core machine
@BOTH
def test_grid_search_with_process_workers_scores_as_one_process(iris, clf):
    """GridSearchCV(Pipeline(StandardScaler, MLP), n_jobs=2) sends the estimators to
    joblib's worker processes (pickled there and back): the same scores as n_jobs=1."""
    X, y = iris
    grid = {"mlpclassifier__alpha": [1e-4, 1e-1]}
    runs = [GridSearchCV(make_pipeline(StandardScaler(), clf(**KW)), grid, cv=3,
                         n_jobs=jobs).fit(X, y) for jobs in (1, 2)]
    np.testing.assert_array_equal(runs[0].cv_results_["mean_test_score"],
                                  runs[1].cv_results_["mean_test_score"])
    np.testing.assert_array_equal(runs[0].predict_proba(X), runs[1].predict_proba(X))


@BOTH
def test_a_fitted_search_pickles_and_clones_as_workers_need(iris, clf):
    """What the process workers of n_jobs > 1 do, in one process: the search's clones
    fit as the estimator does, and a fitted search comes back from pickle predicting the
    same numbers."""
    X, y = iris
    pipe = make_pipeline(StandardScaler(), clf(**KW))
    search = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-1]}, cv=3).fit(X, y)
    again = pickle.loads(pickle.dumps(search))
    np.testing.assert_array_equal(again.predict_proba(X), search.predict_proba(X))
    best = clone(pipe).set_params(**search.best_params_).fit(X, y)
    np.testing.assert_array_equal(best.predict_proba(X), search.predict_proba(X))


@BOTH
def test_cross_validate_returns_each_folds_fitted_estimator(iris, clf):
    X, y = iris
    out = cross_validate(make_pipeline(StandardScaler(), clf(**KW)), X, y, cv=3,
                         return_estimator=True, return_indices=True)
    for est, train, test, score in zip(out["estimator"], out["indices"]["train"],
                                       out["indices"]["test"], out["test_score"],
                                       strict=True):
        again = make_pipeline(StandardScaler(), clf(**KW)).fit(X[train], y[train])
        np.testing.assert_array_equal(est.predict_proba(X), again.predict_proba(X))
        assert est.score(X[test], y[test]) == score


def test_successive_halving_runs_the_iterations_scikit_learns_does(iris):
    """HalvingGridSearchCV: the resources of each iteration and the candidates come from
    the search, not the estimator: the same for both libraries' MLPs."""
    X, y = iris
    runs = [HalvingGridSearchCV(clf(**KW), {"alpha": [1e-4, 1e-2, 1.0]}, cv=3,
                                random_state=0).fit(X, y)
            for clf in (MLPClassifier, SkClassifier)]
    assert runs[0].n_resources_ == runs[1].n_resources_
    assert runs[0].n_candidates_ == runs[1].n_candidates_
    assert set(runs[0].best_params_) == {"alpha"}


@BOTH
def test_calibrated_probabilities_are_the_mean_of_the_folds(iris, clf):
    X, y = iris
    cal = CalibratedClassifierCV(clf(**KW), cv=3, ensemble=True).fit(X, y)
    folds = np.mean([c.predict_proba(X) for c in cal.calibrated_classifiers_], axis=0)
    np.testing.assert_allclose(cal.predict_proba(X), folds, rtol=1e-12)
    np.testing.assert_allclose(cal.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("reg", [MLPRegressor, SkRegressor], ids=["chainrule", "sklearn"])
def test_multi_output_regressor_fits_one_estimator_per_target(reg):
    X, Y = make_regression(60, 4, n_targets=2, random_state=0)
    X, Y = StandardScaler().fit_transform(X), Y / Y.std(axis=0)
    multi = MultiOutputRegressor(reg(**KW)).fit(X, Y)
    assert len(multi.estimators_) == 2
    for j, est in enumerate(multi.estimators_):
        alone = reg(**KW).fit(X, Y[:, j])
        np.testing.assert_array_equal(est.predict(X), alone.predict(X))
        np.testing.assert_array_equal(multi.predict(X)[:, j], alone.predict(X))


@BOTH
def test_soft_voting_averages_the_members_probabilities(iris, clf):
    X, y = iris
    vote = VotingClassifier([("a", clf(**KW)), ("b", clf(**{**KW, "random_state": 1}))],
                            voting="soft").fit(X, y)
    mean = np.mean([e.predict_proba(X) for e in vote.estimators_], axis=0)
    np.testing.assert_allclose(vote.predict_proba(X), mean, rtol=1e-12)


@BOTH
def test_permutation_importance_is_the_score_lost_by_shuffling(iris, clf):
    X, y = iris
    est = clf(**KW).fit(X, y)
    result = permutation_importance(est, X, y, n_repeats=2, random_state=0)
    rng = np.random.RandomState(0)  # scikit-learn's draws: one permutation per repeat
    base = est.score(X, y)
    for j in range(X.shape[1]):
        shuffled = X.copy()
        drops = []
        for _ in range(2):
            shuffled[:, j] = X[rng.permutation(len(y)), j]
            drops.append(base - est.score(shuffled, y))
        assert result.importances[j] == pytest.approx(drops, abs=1e-12)


@BOTH
def test_a_dataframe_s_feature_names_are_kept_and_checked(iris, clf):
    """Fit on a DataFrame: feature_names_in_; predict on its columns reordered is refused
    and on a bare array warned about, with scikit-learn's messages."""
    pd = pytest.importorskip("pandas")
    X, y = iris
    df = pd.DataFrame(X, columns=list("abcd"))
    est = clf(**KW).fit(df, y)
    assert list(est.feature_names_in_) == list("abcd")
    with pytest.raises(ValueError, match="Feature names must be in the same order"):
        est.predict(df[list("dcba")])
    with pytest.warns(UserWarning, match="X does not have valid feature names, but "
                                         f"{clf.__name__} was fitted with feature names"):
        est.predict(X)


@BOTH
def test_set_output_pandas_in_a_pipeline_predicts_as_arrays_do(iris, clf):
    pd = pytest.importorskip("pandas")
    X, y = iris
    df = pd.DataFrame(X, columns=list("abcd"))
    framed = make_pipeline(StandardScaler(), clf(**KW)).set_output(transform="pandas")
    framed.fit(df, y)
    assert list(framed[-1].feature_names_in_) == list("abcd")
    plain = make_pipeline(StandardScaler(), clf(**KW)).fit(X, y)
    # (a DataFrame's values are in another memory order: the last bits may differ)
    np.testing.assert_allclose(framed.predict_proba(df), plain.predict_proba(X), rtol=1e-12)


@BOTH
def test_sample_weight_is_routed_through_a_pipeline(iris, clf):
    """enable_metadata_routing: a Pipeline passes sample_weight to the MLP that requests it
    (the fit of the weighted rows), and refuses weights that no step requested."""
    X, y = iris
    sw = np.where(y == 2, 3.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = make_pipeline(StandardScaler().set_fit_request(sample_weight=False),
                               clf(**KW).set_fit_request(sample_weight=True))
        routed.fit(X, y, sample_weight=sw)
        direct = clf(**KW).fit(StandardScaler().fit_transform(X), y, sample_weight=sw)
        for mine, ref in zip(routed[-1].coefs_, direct.coefs_, strict=True):
            np.testing.assert_array_equal(mine, ref)
        with pytest.raises(sklearn.exceptions.UnsetMetadataPassedError):
            make_pipeline(StandardScaler(), clf(**KW)).fit(X, y, sample_weight=sw)
