"""What ``chainrule train``'s closing line adds to a classifier's log loss when
scikit-learn's clipping changed it: the unclipped mean cross-entropy, the number its
epoch lines' ``loss`` and ``val_loss`` are made of.

The closing line (like ``chainrule evaluate``) prints scikit-learn's ``log_loss`` of the
probabilities, which clips each at the dtype's eps (2.2e-16 in float64): an example
whose true class has probability 0 (a run blown up by a huge learning rate) counts
``-log(eps)``, about 36, not its true cost.  The epoch lines' losses are the exact
objective, from the log-softmax of the output layer's net input, millions or more after
such a run: without a word, the two numbers side by side read as a contradiction.
"""

from __future__ import annotations

import numpy as np


def unclipped_note(model, X: np.ndarray, y: np.ndarray, sample_weight: np.ndarray | None,
                   clipped: float, proba: np.ndarray | None = None) -> str:
    """The words to print after the clipped log loss ``clipped`` of a single-label
    classifier ``model`` on ``X`` (n_samples, n_features) with class indices ``y``
    (n_samples,), weighted by ``sample_weight`` (n_samples,) if given; "" where the
    unclipped mean cross-entropy is within 1% of it (or the model is of another kind).

    ``proba`` (n_samples, n_classes): the probabilities ``clipped`` was computed from,
    if at hand.  Where clipping moved none of the true classes' probabilities (each in
    [eps, 1 - eps]) and ``clipped`` is 1e-3 or more, the exact cost can differ from it
    only by rounding (a few eps per example), so there is nothing to say and ``X`` is not
    passed through the network again: that second pass, of every training row, took
    longer than the epoch itself for a convolutional network on 60,000 MNIST-sized
    images.
    """
    if model.task != "classification" or getattr(model, "multilabel", False):
        return ""
    if proba is not None and clipped >= 1e-3:
        eps = np.finfo(proba.dtype).eps
        picked = proba[np.arange(len(y)), np.asarray(y, dtype=np.intp)]
        if picked.min(initial=1.0) >= eps and picked.max(initial=0.0) <= 1 - eps:
            return ""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        log_proba = model.predict_log_proba(X)
        picked = log_proba[np.arange(len(y)), np.asarray(y, dtype=np.intp)]
        exact = float(-np.average(picked, weights=sample_weight))
    # within 1%: rounding, or float32's clipping of confident right answers at 1 - eps
    # (-log(1 - 1.2e-7) each, which moves a tiny loss in its 4th digit): nothing to say
    if abs(exact - clipped) <= 1e-2 * abs(exact):
        return ""
    eps = np.finfo(log_proba.dtype).eps
    return (f" (scikit-learn's, each probability clipped at {eps:.2g}; unclipped, the "
            f"epoch lines' measure: {exact:.4g})")
