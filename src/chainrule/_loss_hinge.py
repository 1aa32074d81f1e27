"""The margin (SVM) losses of :mod:`chainrule.losses`: ``multiclass_hinge`` and ``hinge``.

Both read the outputs as raw *scores* (an identity output layer, as in the
courses) and are piecewise linear: their gradient is a subgradient, taken as 0 at
a margin of exactly 0 (the kink), as cs231n's ``svm_loss`` and micrograd's
``relu`` take it.

``multiclass_hinge`` (alias ``svm``) is the multiclass SVM loss of Weston and
Watkins, with margin 1, as cs231n's linear classifier and its ``svm_loss`` layer
define it: per example with correct class ``c``,

    L = sum_{j != c} max(0, s_j - s_c + 1),

and the cost is its mean over the examples.  Its gradient is ``dL/ds_j = 1`` for
every wrong class whose margin is positive, ``dL/ds_c = -`` (their number).  The
targets are one-hot rows (or integer labels 0..K-1, which the network turns into
them).  PyTorch's ``MultiMarginLoss()`` (p=1, margin=1) divides the same sum by
the number of classes ``K``: its value is this one's / K.

``hinge`` (alias ``binary_hinge``) is the binary SVM loss of micrograd's demo
and of scikit-learn's ``SGDClassifier(loss="hinge")``: targets ``y`` in {-1, +1}
(not 0/1: write ``2 y - 1``), ``L = sum_k max(0, 1 - y_k s_k)`` over the outputs
(one, usually), gradient ``-y_k`` where the margin ``1 - y_k s_k`` is positive.

Neither loss is a probability: a network trained with one predicts the class
``argmax_j s_j`` (multiclass) or ``sign(s)`` (binary) from :meth:`Network.predict`'s
scores; :func:`hinge_predictions` does both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._loss_records import LogitPath, Loss

__all__ = ["hinge_predictions"]


# --- multiclass_hinge: sum_{j != c} max(0, s_j - s_c + 1) -----------------------------------
def _wrong_margins(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``s_j - s_c + 1`` for the wrong classes of each row, 0 for the correct one."""
    correct = np.einsum("ij,ij->i", a, y)[:, None]  # s_c: y is one-hot
    return (a - correct + 1) * (1 - y)


def _multiclass_hinge(a, y):
    return np.maximum(_wrong_margins(a, y), 0).sum(axis=1)


def _multiclass_hinge_grad(a, y):
    positive = (_wrong_margins(a, y) > 0).astype(a.dtype)
    return positive - y * positive.sum(axis=1, keepdims=True)


def _multiclass_hinge_delta(z, a, y):  # an identity output: dL/dz = dL/da
    return _multiclass_hinge_grad(z, y)


# --- hinge: sum_k max(0, 1 - y_k s_k), y in {-1, +1} ---------------------------------------
def _hinge(a, y):
    return np.maximum(1 - y * a, 0).sum(axis=1)


def _hinge_grad(a, y):
    return np.where(1 - y * a > 0, -y, 0).astype(a.dtype, copy=False)


def _hinge_delta(z, a, y):
    return _hinge_grad(z, y)


MULTICLASS_HINGE_PATHS = {"identity": LogitPath(_multiclass_hinge, _multiclass_hinge_delta)}
HINGE_PATHS = {"identity": LogitPath(_hinge, _hinge_delta)}


def check_one_hot(name: str, y: np.ndarray, argname: str) -> None:
    """Raise ``ValueError`` unless every row of ``y`` is one-hot (one 1, the rest 0)."""
    if y.size == 0:
        return
    binary = (y == 0) | (y == 1)
    ones = np.count_nonzero(y == 1, axis=1)
    bad = int(np.count_nonzero(~binary.all(axis=1) | (ones != 1)))
    if bad:
        raise ValueError(
            f"{argname}: loss {name!r} needs one-hot target rows (one 1 per row, the rest 0), "
            f"or integer class labels 0..{y.shape[1] - 1}; got {bad} row(s) that are not"
        )


def check_labels(name: str, labels: np.ndarray, k: int, argname: str) -> None:
    """Raise ``ValueError`` unless every label (``labels`` of shape (n_samples,)) is a whole
    number 0..k-1, naming the first bad example (0-based, as the array's index), its label
    and how many are bad, as ``chainrule trace`` names a ``--target``'s."""
    ok = (labels == np.round(labels)) & (labels >= 0) & (labels <= k - 1)
    if ok.all():
        return
    bad = np.flatnonzero(~ok)
    more = f" ({bad.size} of the {labels.size} labels are not)" if bad.size > 1 else ""
    raise ValueError(
        f"{argname}: loss {name!r} reads a 1-D target as one class label 0..{k - 1} per "
        f"example (or give one-hot rows); example {bad[0]} ({argname}[{bad[0]}]) has the "
        f"label {float(labels[bad[0]]):g}{more}")


def refuse_labels(name: str, k: int, argname: str) -> None:
    """Refuse 1-D class labels for a ``hinge`` network of ``k > 1`` outputs.

    A 1-D target for several outputs is read as class labels 0..k-1 (one-hot rows), which
    ``hinge`` cannot take (its targets are -1 or +1); ``chainrule train --loss hinge``
    refuses three or more classes likewise, pointing to ``multiclass_hinge``.
    """
    raise ValueError(
        f"{argname}: loss {name!r} takes no class labels: a 1-D {argname} for {k} outputs is "
        f"read as one label 0..{k - 1} per example, but {name!r} needs targets -1 or +1: "
        f"give {argname} of shape (n_samples, {k}) of -1/+1 (one-vs-rest, 2 * one_hot - 1), "
        f"or, for a network of one output, shape (n_samples,) of -1/+1 (0/1 labels y "
        f"become 2 * y - 1); for class labels 0..{k - 1} use loss 'multiclass_hinge'")


def check_signs(name: str, y: np.ndarray, argname: str) -> None:
    """Raise ``ValueError`` unless every target is -1 or +1."""
    bad = int(np.count_nonzero((y != 1) & (y != -1)))
    if bad:
        raise ValueError(
            f"{argname}: loss {name!r} needs targets -1 or +1, got {bad} other value(s) "
            f"(e.g. {y[(y != 1) & (y != -1)].flat[0]:g}); 0/1 labels y become 2 * y - 1"
        )


@dataclass(frozen=True)
class MarginLoss(Loss):
    """A :class:`~chainrule.losses.Loss` whose targets are labels: one-hot rows
    (``values="one_hot"``) or signs -1/+1 (``values="signs"``), checked with the range."""

    values: str = "one_hot"

    def check_targets(self, y: np.ndarray, argname: str = "Y") -> None:
        super().check_targets(y, argname)
        (check_one_hot if self.values == "one_hot" else check_signs)(self.name, y, argname)


def margin_losses() -> list[Loss]:
    """The two margin losses, for :data:`chainrule.losses.LOSSES`."""
    return [MarginLoss("multiclass_hinge", _multiclass_hinge, _multiclass_hinge_grad,
                       target_range=(0.0, 1.0), logit_paths=MULTICLASS_HINGE_PATHS),
            MarginLoss("hinge", _hinge, _hinge_grad, target_range=(-1.0, 1.0),
                       logit_paths=HINGE_PATHS, values="signs")]


def hinge_predictions(scores: np.ndarray) -> np.ndarray:
    """The classes a margin loss's scores predict.

    Parameters
    ----------
    scores : ndarray of shape (n_samples, n_outputs)
        A network's outputs (:meth:`~chainrule.Network.predict`).

    Returns
    -------
    ndarray of shape (n_samples,)
        ``argmax_j s_j`` (int) for several outputs (``multiclass_hinge``);
        for one output (``hinge``) +1.0 where ``s > 0`` and -1.0 elsewhere (a score of
        exactly 0 on the negative side, as micrograd's accuracy and scikit-learn's
        ``SGDClassifier.predict`` count it).
    """
    scores = np.asarray(scores)
    if scores.ndim != 2:
        raise ValueError(f"scores: expected shape (n_samples, n_outputs), got {scores.shape}")
    if scores.shape[1] == 1:
        return np.where(scores[:, 0] > 0, 1.0, -1.0)
    return scores.argmax(axis=1)
