"""Early stopping holds out scikit-learn's rows: the same split (its stratification, its
generator after the initial weights' draws) for the same integer random_state."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.neural_network import _multilayer_perceptron as sk_mlp
from sklearn.preprocessing import StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor


def _data(name: str) -> tuple[np.ndarray, np.ndarray]:
    load = {"iris": load_iris, "breast_cancer": load_breast_cancer,
            "diabetes": load_diabetes}[name]
    X, y = load(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    if name == "diabetes":
        y = (y - y.mean()) / y.std()
    return X, y


@pytest.mark.parametrize(("random_state", "weighted"), [
    (0, False), (7, False), (2**32 - 1, False), (3, True)])
@pytest.mark.parametrize("data", ["iris", "breast_cancer", "diabetes"])
def test_validation_scores_are_scikit_learns_from_its_weights_and_seed(
        monkeypatch, data, random_state, weighted):
    """scikit-learn draws its initial weights and biases from ``RandomState(random_state)``,
    then the validation rows from the same generator (stratified for a binary target
    only).  chainrule drew them from a seed of its own generator, stratifying multiclass
    targets too: other rows, other scores.  Here scikit-learn draws its weights as it
    always does (recorded as they are drawn) and chainrule starts from them: with
    shuffle=False the validation scores, the best one and the stop are scikit-learn's."""
    drawn = {}
    real = sk_mlp.BaseMultilayerPerceptron._init_coef

    def record(self, fan_in, fan_out, dtype):
        coef, _ = real(self, fan_in, fan_out, dtype)  # scikit-learn's draws, as always
        drawn[fan_in, fan_out] = coef.copy()  # (scikit-learn trains coef in place)
        return coef, np.zeros(fan_out, dtype)  # zero biases: chainrule's bias_init="zeros"

    monkeypatch.setattr(sk_mlp.BaseMultilayerPerceptron, "_init_coef", record)
    X, y = _data(data)
    classification = data != "diabetes"
    ours, theirs = ((MLPClassifier, SkClassifier) if classification
                    else (MLPRegressor, SkRegressor))
    kw = dict(hidden_layer_sizes=(6,), activation="tanh", early_stopping=True,
              validation_fraction=0.2, shuffle=False, batch_size=32, max_iter=40,
              n_iter_no_change=4, tol=1e-3, learning_rate_init=0.01,
              random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        # sample_weight: the same rows (scikit-learn splits the weights with them)
        sw = np.linspace(0.5, 2.0, len(y)) if weighted else None
        b = theirs(**kw).fit(X, y, sample_weight=sw)
        a = ours(init=lambda rng, fan_in, fan_out: drawn[fan_in, fan_out],
                 bias_init="zeros", **kw).fit(X, y, sample_weight=sw)
    assert len(b.validation_scores_) > 5
    np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-12)
    assert a.best_validation_score_ == pytest.approx(b.best_validation_score_, rel=1e-12)
    assert a.n_iter_ == b.n_iter_


def test_the_split_survives_save_and_load_and_its_seed_is_checked(tmp_path):
    """The generator's seed and skipped draws are saved: a loaded estimator's warm start
    scores on the rows the saved one's does; a seed beyond RandomState's range (2**32) is
    refused when the file is read, naming the key."""
    import json

    from chainrule.estimators import load_estimator

    X, y = _data("breast_cancer")
    kw = dict(hidden_layer_sizes=(4,), early_stopping=True, max_iter=3, warm_start=True,
              random_state=2**32 - 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = MLPClassifier(**kw).fit(X, y)
        path = est.save(tmp_path / "model.npz")
        loaded = load_estimator(path)
        est.fit(X, y)
        loaded.fit(X, y)
    assert loaded.validation_scores_ == est.validation_scores_
    with np.load(path, allow_pickle=False) as data:
        arrays = {k: data[k] for k in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["training"]["split_seed"] = 2**32
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match=r"training\.split_seed: expected an integer in "
                                         r"0\.\.4294967295, found 4294967296"):
        load_estimator(path)


def test_a_binary_target_is_stratified_a_multiclass_one_is_not_as_in_scikit_learn():
    """scikit-learn stratifies a binary target's split (its binarized targets are one
    column) and splits a multiclass one plainly; chainrule stratified both.  The held-out
    rows are now scikit-learn's (recomputed from its generator): for the binary target
    the positive third of the data is 10 of the 30 rows, and the one epoch's validation
    score is the accuracy on those rows."""
    from estimators7_helpers import sklearn_held_out

    X, y = _data("iris")
    binary = (y == 2).astype(int)  # a third of the rows positive
    for target in (binary, y):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            est = MLPClassifier((3,), early_stopping=True, validation_fraction=0.2,
                                max_iter=1, random_state=5).fit(X, target)
        va = sklearn_held_out(est, target, 0.2)
        assert est.score(X[va], target[va]) == est.validation_scores_[0]
        if target is binary:
            assert int(binary[va].sum()) == 10
