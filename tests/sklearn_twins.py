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


def linear_regression_data(n: int = 400, p: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """A fixed linear regression, X (n, p) and y (n,) = X @ w + noise (seed 3): what the
    regression baseline's tests fit."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(n, p))
    return X, X @ rng.normal(size=p) + 0.5 * rng.normal(size=n)


def ridge_subset_r2(X: np.ndarray, y: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray,
                    rows: int, seed: int = 0) -> float:
    """scikit-learn's RidgeCV (alphas 1e-3 .. 1e3, 13 of them) on the standardised features
    of ``rows`` training rows drawn by ``default_rng(seed)`` (sorted), scored by R^2 written
    in NumPy on the validation rows: the reference for chainrule's regression baseline."""
    from sklearn.linear_model import RidgeCV

    pick = np.sort(np.random.default_rng(seed).choice(len(train_idx), rows, replace=False))
    Xt, yt = X[train_idx][pick], y[train_idx][pick]
    scaler = StandardScaler().fit(Xt)
    pred = RidgeCV(alphas=np.logspace(-3, 3, 13)).fit(scaler.transform(Xt), yt).predict(
        scaler.transform(X[val_idx]))
    t = y[val_idx]
    return float(1.0 - np.sum((t - pred) ** 2) / np.sum((t - t.mean()) ** 2))
