"""Which examples a network classifies right: the accuracy of :meth:`Network.evaluate
<chainrule.Network.evaluate>`, of the training history and of the validation pass.

:func:`_accuracy_rule` says how a network's loss makes it count (probabilities cut at
0.5, the margin losses' scores at 0 or by their argmax), :func:`_correct_rows` counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# the losses whose networks are classifiers (an accuracy in evaluate and the history)
CLASSIFYING_LOSSES = ("cross_entropy", "log_loss", "multiclass_hinge", "hinge")


def _accuracy_rule(net: Any) -> tuple[bool, bool, float]:
    """How the examples a network classifies right are counted: ``(classify, labels, cut)``.

    ``classify``: whether its loss makes it a classifier.  ``labels``: whether each
    output is a label of its own (log loss on outputs other than a softmax, or
    ``hinge``, whose every output is a -1/+1 target).  ``cut``: the output above
    which a label is on (0.5 for probabilities; 0 for the margin losses' scores,
    whose class is their sign).
    """
    name = net.loss.name
    act = net.output_activation
    labels = (name == "log_loss" and (act is None or act.name != "softmax")) or name == "hinge"
    cut = 0.0 if name in ("multiclass_hinge", "hinge") else 0.5
    return name in CLASSIFYING_LOSSES, labels, cut


def _correct_rows(A: np.ndarray, Y: np.ndarray, labels: bool = False,
                  cut: float = 0.5) -> np.ndarray:
    """Whether each example's predicted class matches the target's: bool of shape (n,).

    ``A`` and ``Y`` are of shape (n, k).  One output, or ``labels`` (log loss on
    sigmoid outputs: each output a yes/no label): each output thresholded at ``cut``
    (the target at 0.5: 0/1, or -1/+1 under ``hinge``, whose scores are cut at 0),
    and an example counts when all its labels are right (scikit-learn's subset
    accuracy for multi-label targets).  Otherwise the class is the row's argmax.
    """
    if A.shape[1] == 1:
        return (A[:, 0] > cut) == (Y[:, 0] > 0.5)
    if labels:
        return ((A > cut) == (Y > 0.5)).all(axis=1)
    return A.argmax(axis=1) == Y.argmax(axis=1)


def _accuracy_count(A: np.ndarray, Y: np.ndarray, labels: bool = False,
                    cut: float = 0.5) -> int:
    """Number of examples whose predicted class matches the target's (see _correct_rows)."""
    return int(np.count_nonzero(_correct_rows(A, Y, labels, cut)))
