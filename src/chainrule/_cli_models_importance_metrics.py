"""Scores of ``chainrule importance`` computed on the arrays directly, where they are
scikit-learn's numbers bit for bit (:func:`direct_score`).

A small model's shuffle costs less than scikit-learn's metric call that scores it: of the
digits' 64-100-10 network on 397 rows, ``log_loss`` took 9 ms a shuffle (its label
binarizer, its checks of the targets' type), the network's pass a fraction of it.  Here
(by :mod:`chainrule._metrics_direct`, which evaluate's scores share) the log loss of a
single-label classifier's probabilities is computed as scikit-learn 1.9 computes it, for
the inputs where its checks pass (probabilities in [0, 1], rows summing to 1 within the
square root of eps, class indices among the labels); any other input, and every other
score, goes to scikit-learn's call as before
(:func:`chainrule._cli_models_scores._scores`).  The tests compare each with
scikit-learn's own call on the same arrays.
"""

from __future__ import annotations

import numpy as np

from ._metrics_direct import log_loss as log_loss
from ._metrics_direct import regression_score as regression_score


def direct_score(out, y: np.ndarray, name: str, sw: np.ndarray | None) -> float | None:
    """Score ``name`` of the outputs ``out`` (importance's ``_Outputs`` of one pass) on
    targets ``y``, computed here where it is scikit-learn's number, else None (its call).

    The log loss of a single-label classifier's probabilities (:func:`log_loss`), after
    the refusal of probabilities that are not finite that evaluate's scores make first,
    and a single target's regression scores (:func:`regression_score`); None for other
    scores and models, and where scikit-learn's checks would not pass.
    """
    if out.task == "regression":
        return regression_score(np.asarray(y), np.asarray(out.out), name, sw)
    if name != "log_loss" or out.task != "classification" or out.multilabel or out.margin:
        return None
    from ._cli_models_proba_notes import _refuse_not_finite_proba

    _refuse_not_finite_proba(out.out)
    return log_loss(np.asarray(y), out.out, sw)


def left_out(out, sw: np.ndarray | None) -> str:
    """Why evaluate's scores (``_scores``) left the score out of the outputs ``out``:
    a margin loss's class scores, outputs that are no probabilities, or R^2 of fewer
    than two examples (of a positive weight, ``sw`` given)."""
    from ._cli_models_proba_notes import not_probabilities_note

    return ("a margin loss's class scores are no probabilities" if out.margin else
            not_probabilities_note(out.out) if out.task == "classification" else
            "R^2 needs two examples or more" + ("" if sw is None else
                                               " of a positive weight"))
