"""scikit-learn's MLPs and chainrule's estimators side by side from the same start, for the
tests that compare their convergence and early stopping (estimators14, estimators15):
scikit-learn's initial weights recorded as it draws them, with zero biases (chainrule's
``init`` and ``bias_init="zeros"`` take them), and the scaled iris (classifier) and half
of diabetes (regressor, standardised target)."""

from __future__ import annotations

import numpy as np
from sklearn.datasets import load_diabetes, load_iris
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor
from sklearn.neural_network import _multilayer_perceptron as sk_mlp
from sklearn.preprocessing import StandardScaler

from chainrule.estimators import MLPClassifier, MLPRegressor


def iris_and_diabetes() -> dict:
    """{"classifier": (X (150, 4), y (150,)), "regressor": (X (221, 10), y (221,))}."""
    X, y = load_iris(return_X_y=True)
    Xd, yd = load_diabetes(return_X_y=True)
    Xd = StandardScaler().fit_transform(Xd)[::2]
    return {"classifier": (StandardScaler().fit_transform(X), y),
            "regressor": (Xd, (yd[::2] - yd.mean()) / yd.std())}


def record_draws(monkeypatch) -> dict:
    """Make scikit-learn's MLPs start with zero biases and record each weight matrix
    (fan_in, fan_out) they draw, keyed by its shape; returns the (filling) record."""
    weights = {}
    real = sk_mlp.BaseMultilayerPerceptron._init_coef

    def record(self, fan_in, fan_out, dtype):
        coef, _ = real(self, fan_in, fan_out, dtype)
        weights[fan_in, fan_out] = coef.copy()  # (scikit-learn trains coef in place)
        return coef, np.zeros(fan_out, dtype)

    monkeypatch.setattr(sk_mlp.BaseMultilayerPerceptron, "_init_coef", record)
    return weights


def twin_pair(task: str, drawn: dict, settings: dict, **kw):
    """scikit-learn's and chainrule's estimator of ``task`` with ``settings`` updated by
    ``kw``; chainrule's starts from the weights scikit-learn's draws (fit theirs first)."""
    ours, theirs = ((MLPClassifier, SkClassifier) if task == "classifier"
                    else (MLPRegressor, SkRegressor))
    kw = {**settings, **kw}
    return theirs(**kw), ours(init=lambda rng, fan_in, fan_out: drawn[fan_in, fan_out],
                              bias_init="zeros", **kw)
