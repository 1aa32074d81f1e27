"""What train, evaluate, predict and importance say of a classifier's outputs that are no
probabilities (outside [0, 1], or rows of another sum: an output layer that is no softmax
or sigmoid) or are not finite (a diverged model).  Split from
:mod:`chainrule._cli_models_scores`."""

from __future__ import annotations

import numpy as np


def not_probabilities_note(proba: np.ndarray) -> str | None:
    """Why a single-label classifier's outputs ``proba`` (n_samples, n_classes) are no
    probabilities, or None where they are: each in [0, 1], each row summing to 1 (to the
    square root of the dtype's eps, the tolerance of scikit-learn's ``log_loss``).  A
    softmax or sigmoid output always gives them; a network saved as a classifier with
    an output of another kind (identity, several sigmoid units of squared_error, one
    registered by the user) may not, and scikit-learn's ``log_loss`` refused values
    outside [0, 1] ("y_prob contains values lower than 0") and divided rows of another
    sum by it, a loss of no output the network has.  Its outputs are class scores: the
    class of the highest is predicted, and ROC AUC ranks the examples by them (of three or
    more classes, the macro one-vs-rest average of each class's output, which
    scikit-learn's ``multi_class="ovr"`` refuses of rows of another sum)."""
    P = np.asarray(proba)
    finite = np.isfinite(P).all(axis=1)
    if not finite.all():
        P = P[finite]  # NaN rows (a diverged model): said on their own
    if P.size == 0:
        return None
    low, high = float(P.min()), float(P.max())
    sums = P.sum(axis=1)
    tol = np.sqrt(np.finfo(P.dtype).eps) if P.dtype.kind == "f" else 1e-8
    if low >= 0 and high <= 1 and np.allclose(sums, 1, rtol=tol):
        return None
    what = (f"values from {low:.4g} to {high:.4g}" if low < 0 or high > 1 else
            f"rows summing to {float(sums.min()):.4g} .. {float(sums.max()):.4g}")
    return (f"the model's outputs are no probabilities ({what}: its output layer is no "
            "softmax or sigmoid); log loss needs them")


def _refuse_not_finite_proba(proba: np.ndarray) -> None:
    """Refuse a classifier's probabilities ``proba`` (n_samples, n_classes), or
    (n_samples, n_targets) of a multi-label one, of which some are NaN or inf: no class is
    predicted for those examples (argmax of NaN is the first class), so no score of them
    means anything, and scikit-learn's metrics would refuse them with a bare "Input
    contains NaN".  The message says how many examples and why."""
    note = not_finite_proba_note(proba, "no class is predicted for those examples, so the "
                                 "model cannot be scored on them")
    if note is not None:
        raise ValueError(note)


def say_no_class(proba: np.ndarray, source: str) -> None:
    """Warn (predict) of a classifier's probabilities ``proba`` (n_samples, n_classes or
    n_targets) of the examples of ``source`` that are NaN: the label written for them is
    none the model predicts."""
    import warnings

    note = not_finite_proba_note(proba, "the label written for those examples is not a "
                                 "prediction (argmax of NaN: the first label); evaluate "
                                 "refuses to score them", source)
    if note is not None:
        warnings.warn(note, UserWarning, stacklevel=2)


def say_not_probabilities(proba: np.ndarray, source: str) -> None:
    """Warn (predict --proba) that a single-label classifier's outputs ``proba``
    (n_samples, n_classes) of ``source`` are no probabilities
    (:func:`not_probabilities_note`): the proba_ columns hold them as they are."""
    import warnings

    note = not_probabilities_note(proba)
    if note is not None:
        note = note.removesuffix("; log loss needs them").replace(
            "the model's outputs", f"the model's outputs on {source}", 1)
        warnings.warn(f"--proba: {note}; the proba_ columns hold them as they are, class "
                      "scores (the predicted class: the highest)", UserWarning, stacklevel=2)


def not_finite_proba_note(proba: np.ndarray, then: str, source: str | None = None
                          ) -> str | None:
    """What to say of a classifier's probabilities ``proba`` (n_samples, n_classes), or
    (n_samples, n_targets), that are not finite, or None where all are; ``then``: what
    follows of them; ``source``: the data's name, if it is to be said."""
    bad = ~np.isfinite(proba).reshape(len(proba), -1).all(axis=1)
    if not bad.any():
        return None
    of = "" if source is None else f" of {source}"
    return (f"the classifier's probabilities of {np.count_nonzero(bad)} of {len(bad)} "
            f"examples{of} are not finite (NaN): its weights are too large for float64 (the "
            f"model diverged in training, or its file's weights were made so), and {then}")
