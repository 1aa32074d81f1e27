"""The validation rows that early stopping scores, split off a fit's data (private).

Moved out of ``_mlp_base`` unchanged (to keep that module under ~400 lines):
:func:`early_stopping_split`, which :meth:`_BaseMLP._fit_stochastic
<chainrule._mlp_base._BaseMLP._fit_stochastic>` calls with ``early_stopping=True``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.model_selection import train_test_split

if TYPE_CHECKING:
    from ._mlp_base import _BaseMLP


def early_stopping_split(est: _BaseMLP, X: np.ndarray, Y: np.ndarray, y: np.ndarray,
                         sw: np.ndarray | None, score_sw: np.ndarray | None) -> tuple[Any, ...]:
    """Split ``validation_fraction`` of the rows off for early stopping's score.

    Stratified by class where every class can be split, with one seed per model
    (``est._split_seed``, drawn on the first call), so that warm starts score on
    the same rows; starts ``est.validation_scores_`` as a list.

    Parameters
    ----------
    est : _BaseMLP
    X : ndarray of shape (n_samples, n_features)
    Y : ndarray of shape (n_samples, n_outputs)
        The targets as the network takes them.
    y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The targets as given (the classes stratified by).
    sw : ndarray of shape (n_samples,), or None
        The training weights (``class_weight`` included).
    score_sw : ndarray of shape (n_samples,), or None
        The ``sample_weight`` given, which alone weighs the validation rows' score.

    Returns
    -------
    X, Y, sw
        The training rows.
    Xv, yv, swv
        The validation rows, their targets as given and their ``score_sw``.
    validation : (Xv, Yv) or None
        The rows whose metrics a schedule reads ("val_loss", "val_accuracy"), or None
        without a schedule.
    """
    validation = None
    stratify = y if est._is_classifier and y.ndim == 1 else None
    idx = np.arange(X.shape[0])
    if not hasattr(est, "_split_seed"):
        # drawn once per model: warm starts score on the same validation rows, so
        # that best_validation_score_ compares like with like (as scikit-learn's
        # split does with an integer random_state)
        est._split_seed = int(est._rng.integers(2**31))
    # stratified where every class can be split (a class of one example cannot, nor
    # can fewer validation rows than classes); else a plain random split, as
    # scikit-learn's is for every multiclass target, rather than refusing the data
    for strata in (stratify, None) if stratify is not None else (None,):
        try:
            tr, va = train_test_split(idx, test_size=float(est.validation_fraction),
                                      stratify=strata, random_state=est._split_seed)
            break
        except ValueError as exc:
            error = exc
    else:
        raise ValueError(
            f"validation_fraction={est.validation_fraction} of {X.shape[0]} examples "
            f"cannot be split off for early_stopping: {error}"
        ) from None
    if va.size < 2:
        raise ValueError(
            f"validation_fraction={est.validation_fraction} leaves {va.size} example(s) "
            "for validation; increase it or the size of the data set (need >= 2)"
        )
    est._check_split_weights(sw, score_sw, tr, va)  # each part a positive weight
    Xv, yv, swv = X[va], y[va], None if score_sw is None else score_sw[va]
    if est.schedule is not None:  # "val_loss", "val_accuracy": these rows' metrics
        validation = (Xv, Y[va])
    X, Y, sw = X[tr], Y[tr], None if sw is None else sw[tr]
    if est.validation_scores_ is None:
        est.validation_scores_ = []
    return X, Y, sw, Xv, yv, swv, validation
