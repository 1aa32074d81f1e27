"""The validation rows that early stopping scores, split off a fit's data (private).

Moved out of ``_mlp_base`` (to keep that module under ~400 lines):
:func:`early_stopping_split`, which :meth:`_BaseMLP._fit_stochastic
<chainrule._mlp_base._BaseMLP._fit_stochastic>` calls with ``early_stopping=True``, and
:func:`stopping_record`, which starts the stopping rule's record anew where a fit
switches ``early_stopping``.
"""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.model_selection import train_test_split

if TYPE_CHECKING:
    from ._mlp_base import _BaseMLP


def early_stopping_split(est: _BaseMLP, X: np.ndarray, Y: np.ndarray, y: np.ndarray,
                         sw: np.ndarray | None, score_sw: np.ndarray | None) -> tuple[Any, ...]:
    """Split ``validation_fraction`` of the rows off for early stopping's score.

    The rows of scikit-learn's MLP: ``train_test_split`` stratified by class for a
    binary single-label classifier (the one column of scikit-learn's binarized
    targets; where both classes can be split, else a plain split rather than
    scikit-learn's refusal), a plain random split for every other target (multiclass
    too, whose binarized targets scikit-learn does not stratify).  With an integer
    ``random_state`` the split's generator is scikit-learn's: ``RandomState(random_state)``
    after the draws of the initial weights and biases (one per parameter of a new
    network, none where a warm start goes on with one), so a fit holds out the rows
    scikit-learn's holds out, a warm start's fit too; otherwise a seed drawn from the
    estimator's generator.  Either is drawn again at each fit, as scikit-learn splits
    again at each (``est._split_seed`` and ``est._split_skip``, the draws skipped, are
    the last fit's, which a saved estimator records).  Starts
    ``est.validation_scores_`` as a list.

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
    # scikit-learn stratifies where its binarized targets are one column: two classes
    binary = est._is_classifier and y.ndim == 1 and est.network_.n_outputs == 1
    stratify = y if binary else None
    idx = np.arange(X.shape[0])
    # drawn at each fit, as scikit-learn's MLP splits again at each (a warm start's fit
    # holds out other rows than the fit before it; best_validation_score_ is kept over
    # them, as scikit-learn keeps it); drawn with an integer random_state too, so that the
    # later draws of the estimator's generator stay as they were
    est._split_seed = int(est._rng.integers(2**31))
    est.__dict__.pop("_split_skip", None)
    seed = est.random_state
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        # scikit-learn's generator, RandomState(random_state) anew at each fit: its draws
        # of a new network's weights and biases (one per parameter) come before the
        # split; a warm start's come none
        est._split_seed = int(seed)
        est._split_skip = int(est.network_.params.size) if est.t_ == 0 else 0
    # stratified where both classes can be split (a class of one example cannot, nor
    # can fewer validation rows than classes); else a plain random split rather than
    # refusing the data (scikit-learn refuses it)
    for strata in (stratify, None) if stratify is not None else (None,):
        try:
            tr, va = train_test_split(idx, test_size=float(est.validation_fraction),
                                      stratify=strata, random_state=split_generator(est))
            break
        except ValueError as exc:
            error = exc
    else:
        raise ValueError(
            f"validation_fraction={est.validation_fraction} of {X.shape[0]} examples "
            f"cannot be split off for early_stopping: {error}"
        ) from None
    if va.size < 2:
        # scikit-learn's MLP's words, then how many rows the fraction left
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' or the size of "
            f"your dataset. (validation_fraction={est.validation_fraction} leaves {va.size} "
            f"example(s) of {X.shape[0]} for validation; it needs 2)"
        )
    est._check_split_weights(sw, score_sw, tr, va)  # each part a positive weight
    Xv, yv, swv = X[va], y[va], None if score_sw is None else score_sw[va]
    if est.schedule is not None:  # "val_loss", "val_accuracy": these rows' metrics
        validation = (Xv, Y[va])
    X, Y, sw = X[tr], Y[tr], None if sw is None else sw[tr]
    if est.validation_scores_ is None:
        est.validation_scores_ = []
    return X, Y, sw, Xv, yv, swv, validation


def stopping_record(est: _BaseMLP) -> None:
    """Start the stopping rule and its record anew where this fit switches it.

    A warm start or ``partial_fit`` goes on with the rule of the fit before it (the
    best loss or validation score so far, the count of epochs without improvement),
    as scikit-learn's does.  Where ``early_stopping`` has changed since (read from
    the record: ``validation_scores_`` is a list after a fit with early stopping,
    None after one without), what the rule kept is of the other quantity (the
    training loss of all rows against the score of held-out ones): the rule starts
    as on a fresh fit with the new setting, and so does the record, with
    ``validation_scores_``, ``best_validation_score_`` and ``best_loss_`` None until
    this fit's epochs set them (scikit-learn 1.9 fails there: a TypeError or an
    AttributeError).  ``loss_curve_``, ``t_`` and the network go on.
    """
    if bool(est.early_stopping) == (est.validation_scores_ is not None):
        return
    est._no_improvement_count = 0
    est._best_loss, est._best_score = np.inf, -np.inf
    est._best_params = None
    est.validation_scores_ = est.best_validation_score_ = est.best_loss_ = None


def split_generator(est: _BaseMLP) -> int | np.random.RandomState:
    """The ``random_state`` of early stopping's ``train_test_split``: ``est._split_seed``,
    or with ``est._split_skip`` (an integer ``random_state``) scikit-learn's generator,
    ``RandomState(_split_seed)`` after that many uniform draws (its initial weights')."""
    skip = getattr(est, "_split_skip", None)
    if skip is None:
        return est._split_seed
    rs = np.random.RandomState(est._split_seed)
    for start in range(0, skip, 2**16):  # one double per draw, as RandomState.uniform's
        rs.random_sample(min(2**16, skip - start))
    return rs
