"""A warm start's fit with early stopping holds out the rows scikit-learn's holds out: it
splits again at each fit, from ``RandomState(random_state)`` with no weights drawn first."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.neural_network import _multilayer_perceptron as sk_mlp
from sklearn.preprocessing import StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor


@pytest.mark.parametrize("data", ["iris", "diabetes"])
def test_a_warm_start_splits_again_as_scikit_learn_does(monkeypatch, data):
    """scikit-learn makes ``RandomState(random_state)`` anew at each fit and splits with
    it: a warm start's second fit, which draws no weights, holds out other rows than the
    first.  chainrule kept the first fit's rows.  Both start from scikit-learn's initial
    weights, and the second fit from scikit-learn's fitted ones: with shuffle=False the
    second fit's validation scores are scikit-learn's."""
    drawn = {}
    real = sk_mlp.BaseMultilayerPerceptron._init_coef

    def record(self, fan_in, fan_out, dtype):
        coef, _ = real(self, fan_in, fan_out, dtype)  # scikit-learn's draws, as always
        drawn[fan_in, fan_out] = coef.copy()
        return coef, np.zeros(fan_out, dtype)  # chainrule's bias_init="zeros"

    monkeypatch.setattr(sk_mlp.BaseMultilayerPerceptron, "_init_coef", record)
    X, y = (load_iris if data == "iris" else load_diabetes)(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    ours, theirs = MLPClassifier, SkClassifier
    if data == "diabetes":
        y, ours, theirs = (y - y.mean()) / y.std(), MLPRegressor, SkRegressor
    kw = dict(hidden_layer_sizes=(5,), activation="tanh", early_stopping=True,
              validation_fraction=0.25, shuffle=False, batch_size=16, max_iter=4,
              n_iter_no_change=50, learning_rate_init=0.01, random_state=11,
              warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        b = theirs(**kw).fit(X, y)
        a = ours(init=lambda rng, fan_in, fan_out: drawn[fan_in, fan_out],
                 bias_init="zeros", **kw).fit(X, y)
        np.testing.assert_allclose(a.validation_scores_, b.validation_scores_, rtol=1e-12)
        a.coefs_ = [c.copy() for c in b.coefs_]  # the same weights, to the last bit
        a.intercepts_ = [c.copy() for c in b.intercepts_]
        b.fit(X, y)
        a.fit(X, y)
    assert len(b.validation_scores_) == len(a.validation_scores_) == 8
    np.testing.assert_allclose(a.validation_scores_[4:], b.validation_scores_[4:],
                               rtol=1e-12)
    assert a.best_validation_score_ == pytest.approx(b.best_validation_score_, rel=1e-12)
    # (the weights are not compared: where the second fit never beats the first's best
    # score, scikit-learn ends with its last epoch's weights, its best ones being the
    # arrays it trained in place; chainrule ends with the best ones, as documented)
