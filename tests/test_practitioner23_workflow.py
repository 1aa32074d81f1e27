"""The estimators inside scikit-learn's workflow tools, each call made with scikit-learn's
MLP as well (the tools tests/test_estimators7_sklearn_tools.py does not walk): a
ColumnTransformer over a DataFrame with categorical columns and pandas output,
cross_val_predict of probabilities, TunedThresholdClassifierCV and
FixedThresholdClassifier, stacking, bagging, ClassifierChain, partial dependence and its
display, LearningCurveDisplay, clone + warm starts, weights routed into stacking, and a
model saved and loaded back into a fitted Pipeline.  The references are computed here
from the fitted members (NumPy), not copied from either library's output."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import sklearn
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.ensemble import BaggingClassifier, StackingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import partial_dependence
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    FixedThresholdClassifier,
    KFold,
    RandomizedSearchCV,
    TunedThresholdClassifierCV,
    cross_val_predict,
)
from sklearn.multioutput import ClassifierChain
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor, load_estimator

KW = dict(hidden_layer_sizes=(5,), max_iter=10, random_state=0)
BOTH = pytest.mark.parametrize("clf", [MLPClassifier, SkClassifier],
                               ids=["chainrule", "scikit-learn"])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def cancer():
    """breast_cancer, standardised, every third row: X (190, 30), y (190,) of 0/1."""
    X, y = load_breast_cancer(return_X_y=True)
    return StandardScaler().fit_transform(X)[::3], y[::3]


@pytest.fixture(scope="module")
def digits():
    """digits scaled to [0, 1], the first 300 rows: X (300, 64), y (300,) of 0..9."""
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


@pytest.fixture(scope="module")
def frame():
    """A DataFrame of 2 numeric and 2 categorical columns (one pandas Categorical, one of
    strings) and string labels "hi"/"lo"."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(0)
    n = 120
    df = pd.DataFrame({"age": rng.normal(40, 10, n), "income": rng.lognormal(10, 1, n),
                       "city": pd.Categorical(rng.choice(["a", "b", "c"], n)),
                       "kind": rng.choice(["x", "y"], n)})
    y = np.where(df["age"] + rng.normal(0, 5, n) > 40, "hi", "lo")
    return df, y


def _columns() -> ColumnTransformer:
    return ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                              ("cat", OneHotEncoder(sparse_output=False), ["city", "kind"])])


@BOTH
def test_column_transformer_with_pandas_output_names_the_mlp_s_inputs(frame, clf):
    """Pipeline(ColumnTransformer, MLP).set_output("pandas"): the MLP's feature_names_in_
    are the transformer's output names, classes_ the string labels, and it predicts what
    the MLP fitted on the transformed array predicts."""
    df, y = frame
    pipe = Pipeline([("ct", _columns()), ("mlp", clf(**KW))]).set_output(transform="pandas")
    pipe.fit(df, y)
    names = pipe["ct"].get_feature_names_out()
    assert list(pipe["mlp"].feature_names_in_) == list(names)
    assert pipe["mlp"].feature_names_in_.dtype == object
    assert list(pipe.classes_) == ["hi", "lo"]
    Z = _columns().fit_transform(df)
    alone = clf(**KW).fit(Z, y)
    np.testing.assert_allclose(pipe.predict_proba(df), alone.predict_proba(Z), rtol=1e-10)
    assert list(pipe.predict(df[:5])) == list(alone.predict(Z[:5]))


@BOTH
def test_cross_val_predict_probabilities_are_each_folds_refit(digits, clf):
    X, y = digits
    cv = KFold(3)
    proba = cross_val_predict(clf(**KW), X, y, cv=cv, method="predict_proba")
    assert proba.shape == (len(y), 10) and proba.dtype == np.float64
    for train, test in cv.split(X):
        fold = clone(clf(**KW)).fit(X[train], y[train])
        np.testing.assert_allclose(proba[test], fold.predict_proba(X[test]), rtol=1e-12)


@BOTH
def test_fixed_threshold_compares_the_positive_probability(cancer, clf):
    """FixedThresholdClassifier(threshold=0.3, pos_label="no") on string labels: "no"
    where the MLP's probability of "no" is at least 0.3 (scikit-learn's rule), else
    "yes"."""
    X, y = cancer
    labels = np.array(["no", "yes"])[y]
    fixed = FixedThresholdClassifier(clf(**KW), threshold=0.3, pos_label="no")
    fixed.fit(X, labels)
    assert list(fixed.classes_) == ["no", "yes"]
    p_no = fixed.estimator_.predict_proba(X)[:, 0]
    np.testing.assert_array_equal(fixed.predict(X), np.where(p_no >= 0.3, "no", "yes"))


@BOTH
def test_tuned_threshold_predicts_by_its_best_threshold(cancer, clf):
    X, y = cancer
    tuned = TunedThresholdClassifierCV(clf(**KW), cv=3, random_state=0).fit(X, y)
    assert 0.0 <= tuned.best_threshold_ <= 1.0
    assert list(tuned.classes_) == [0, 1]
    p = tuned.estimator_.predict_proba(X)[:, 1]
    np.testing.assert_array_equal(tuned.predict(X), (p >= tuned.best_threshold_).astype(int))


@BOTH
def test_stacking_feeds_the_members_probabilities(digits, clf):
    """StackingClassifier: transform is the refitted members' predict_proba, side by side
    (10 columns each on digits), and weights passed to fit reach the MLP member."""
    X, y = digits
    stack = StackingClassifier([("mlp", clf(**KW)), ("lr", LogisticRegression())],
                               cv=3).fit(X, y)
    mlp, lr = stack.estimators_
    np.testing.assert_allclose(stack.transform(X),
                               np.hstack([mlp.predict_proba(X), lr.predict_proba(X)]),
                               rtol=1e-12)
    sw = np.where(y == 3, 4.0, 1.0)
    weighted = StackingClassifier([("mlp", clf(**KW))], cv=3).fit(X, y, sample_weight=sw)
    alone = clf(**KW).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(weighted.estimators_[0].predict_proba(X),
                                  alone.predict_proba(X))


@BOTH
def test_bagging_averages_the_members_on_their_features(digits, clf):
    X, y = digits
    bag = BaggingClassifier(clf(**KW), n_estimators=3, max_features=0.5,
                            random_state=0).fit(X, y)
    mean = np.mean([est.predict_proba(X[:, cols])
                    for est, cols in zip(bag.estimators_, bag.estimators_features_,
                                         strict=True)], axis=0)
    np.testing.assert_allclose(bag.predict_proba(X), mean, rtol=1e-12)


@BOTH
def test_classifier_chain_feeds_each_link_the_previous_labels(cancer, clf):
    X, y = cancer
    Y = np.c_[y, (X[:, 0] > 0).astype(int), (X[:, 1] > 0.5).astype(int)]
    chain = ClassifierChain(clf(**KW)).fit(X, Y)
    assert chain.predict_proba(X).shape == (len(y), 3)
    pred = np.empty_like(Y)
    for k, est in enumerate(chain.estimators_):  # order 0, 1, 2: the earlier predictions
        pred[:, k] = est.predict(np.c_[X, pred[:, :k]])
    np.testing.assert_array_equal(chain.predict(X), pred)


@BOTH
def test_partial_dependence_is_the_mean_prediction_over_the_grid(cancer, clf):
    """partial_dependence (brute): for each grid value v of feature 0, the mean over the
    rows of P(class 1) with that feature set to v; its display draws the same numbers."""
    X, y = cancer
    est = clf(**KW).fit(X, y)
    pd_ = partial_dependence(est, X, [0], grid_resolution=5)
    grid = pd_["grid_values"][0]
    by_hand = []
    for v in grid:
        Xv = X.copy()
        Xv[:, 0] = v
        by_hand.append(est.predict_proba(Xv)[:, 1].mean())
    np.testing.assert_allclose(pd_["average"], [by_hand], rtol=1e-12)
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.inspection import PartialDependenceDisplay
    shown = PartialDependenceDisplay.from_estimator(est, X, [0], grid_resolution=5)
    np.testing.assert_allclose(shown.pd_results[0]["average"], [by_hand], rtol=1e-12)
    plt.close("all")


@pytest.mark.parametrize("reg", [MLPRegressor, SkRegressor], ids=["chainrule", "sklearn"])
def test_learning_curve_display_scores_each_size_as_a_fit_does(reg):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.model_selection import LearningCurveDisplay
    X, y = load_diabetes(return_X_y=True)
    X, y = StandardScaler().fit_transform(X)[::2], (y[::2] - y.mean()) / y.std()
    cv = KFold(3)
    shown = LearningCurveDisplay.from_estimator(reg(**KW), X, y, cv=cv,
                                                train_sizes=[0.5, 1.0])
    plt.close("all")
    assert shown.test_scores.shape == (2, 3)
    train, test = next(cv.split(X))
    whole = reg(**KW).fit(X[train], y[train])  # the largest size: the whole training fold
    assert shown.test_scores[1, 0] == pytest.approx(whole.score(X[test], y[test]), abs=1e-12)


@BOTH
def test_clone_then_warm_start_goes_on_from_the_last_fit(cancer, clf):
    """clone drops the fit; set_params(warm_start=True) then makes a second fit go on:
    n_iter_ counts that fit's epochs and loss_curve_ grows by them (scikit-learn's)."""
    X, y = cancer
    fitted = clf(**KW).fit(X, y)
    again = clone(fitted).set_params(warm_start=True)
    assert not hasattr(again, "coefs_")
    again.fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    before = list(again.loss_curve_)
    again.set_params(max_iter=3).fit(X, y)
    assert again.n_iter_ == 3
    assert again.loss_curve_[:len(before)] == before
    assert len(again.loss_curve_) == len(before) + 3


def test_saved_model_loaded_back_into_a_fitted_pipeline(frame, tmp_path):
    """save() of the MLP step of a fitted Pipeline(ColumnTransformer, MLP) with pandas
    output, load_estimator back into the step: the same probabilities, its feature names
    kept (no "valid feature names" warning), and the pipeline still takes the DataFrame."""
    df, y = frame
    pipe = Pipeline([("ct", _columns()), ("mlp", MLPClassifier(**KW))])
    pipe.set_output(transform="pandas").fit(df, y)
    expected = pipe.predict_proba(df)
    pipe["mlp"].save(tmp_path / "mlp.npz")
    pipe.steps[-1] = ("mlp", load_estimator(tmp_path / "mlp.npz"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(pipe.predict_proba(df), expected)
    assert list(pipe.classes_) == ["hi", "lo"]
    assert list(pipe["mlp"].feature_names_in_) == list(pipe["ct"].get_feature_names_out())


@BOTH
def test_weights_routed_into_stacking_reach_the_mlp(digits, clf):
    """enable_metadata_routing: StackingClassifier routes sample_weight to the MLP that
    requests it: the member fits as the weighted MLP does alone."""
    X, y = digits
    sw = np.where(y == 3, 4.0, 1.0)
    with sklearn.config_context(enable_metadata_routing=True):
        stack = StackingClassifier([("mlp", clf(**KW).set_fit_request(sample_weight=True))],
                                   cv=3).fit(X, y, sample_weight=sw)
        alone = clf(**KW).fit(X, y, sample_weight=sw)
    np.testing.assert_array_equal(stack.estimators_[0].predict_proba(X),
                                  alone.predict_proba(X))


@pytest.mark.slow  # starting joblib's worker processes
@BOTH
def test_randomized_search_with_process_workers_and_scipy_draws(digits, clf):
    """RandomizedSearchCV(n_jobs=2) over SciPy distributions (NumPy scalars as parameters:
    np.float64 alpha, np.int64 batch_size and max_iter): the estimators travel to loky's
    workers and back, with the scores of one process."""
    from scipy.stats import loguniform, randint
    X, y = digits
    dist = {"mlp__alpha": loguniform(1e-5, 1e-1), "mlp__batch_size": randint(16, 64),
            "mlp__max_iter": randint(3, 8), "mlp__hidden_layer_sizes": [(4,), (6, 4)]}
    pipe = Pipeline([("sc", StandardScaler()), ("mlp", clf(random_state=0))])
    runs = [RandomizedSearchCV(pipe, dist, n_iter=3, cv=2, n_jobs=jobs, random_state=0,
                               error_score="raise").fit(X, y) for jobs in (1, 2)]
    np.testing.assert_array_equal(runs[0].cv_results_["mean_test_score"],
                                  runs[1].cv_results_["mean_test_score"])
    np.testing.assert_array_equal(runs[0].predict_proba(X), runs[1].predict_proba(X))
