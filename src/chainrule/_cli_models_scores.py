"""The scores that ``chainrule train`` and ``evaluate`` print: accuracy and log loss of a
classifier, mean squared error, RMSE, MAE and R^2 of a regression (of several targets,
their mean and each target's), and the names they are printed with.  Read through
:mod:`chainrule._cli_models_data`."""

from __future__ import annotations

import numpy as np

_NAMES = {"accuracy": "accuracy", "log_loss": "log loss", "mse": "mean squared error",
          "rmse": "rmse", "mae": "mae", "r2": "r2"}  # how train and evaluate print the scores


def _scores(model, X: np.ndarray, y: np.ndarray) -> dict[str, float]:
    """Scores in the data's own terms, the same in train and evaluate.

    Classification (y: class indices): accuracy and log loss (mean over the
    examples); regression: mean squared error, its root and the mean absolute
    error in the target's units, and R^2.  Keys: accuracy, log_loss / mse,
    rmse, mae, r2.
    """
    from sklearn import metrics

    if model.task == "classification":
        proba = model.predict_proba(X)
        k = proba.shape[1]
        return {
            "accuracy": float(np.mean(proba.argmax(axis=1) == y)),
            "log_loss": float(metrics.log_loss(y, np.clip(proba, 1e-15, 1),
                                               labels=list(range(k)))),
        }
    pred = model.predict(X)
    if np.ndim(y) == 2:  # several targets: scikit-learn's "uniform_average" of the targets'
        each = _target_scores(y, pred)
        return {k: float(np.mean([v[k] for v in each])) for k in each[0]}
    mse = float(metrics.mean_squared_error(y, pred))
    scores = {"mse": mse, "rmse": float(np.sqrt(mse)),
              "mae": float(metrics.mean_absolute_error(y, pred))}
    if len(y) > 1:
        scores["r2"] = float(metrics.r2_score(y, pred))
    return scores


def _target_scores(y: np.ndarray, pred: np.ndarray) -> list[dict[str, float]]:
    """The regression scores of each target of several: mse, rmse, mae (and r2 of two or
    more examples), as :func:`_scores` gives them of one target.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples, n_targets)

    Returns
    -------
    list of n_targets dicts
        Their means are scikit-learn's ``multioutput="uniform_average"`` scores
        (``mean_squared_error``, ``mean_absolute_error``, ``r2_score``; the rmse
        that of ``root_mean_squared_error``, the mean of the targets' roots).
    """
    from sklearn import metrics

    out = []
    for j in range(y.shape[1]):
        mse = float(metrics.mean_squared_error(y[:, j], pred[:, j]))
        scores = {"mse": mse, "rmse": float(np.sqrt(mse)),
                  "mae": float(metrics.mean_absolute_error(y[:, j], pred[:, j]))}
        if len(y) > 1:
            scores["r2"] = float(metrics.r2_score(y[:, j], pred[:, j]))
        out.append(scores)
    return out


def _target_names(model) -> list[str] | None:
    """The targets of a model file of several (``target_names``), or None."""
    names = model.metadata.get("target_names")
    return list(names) if isinstance(names, list) else None
