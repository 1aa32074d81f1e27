"""Label smoothing of :mod:`chainrule.losses`: ``cross_entropy`` and ``log_loss`` computed
on softened targets, the targets of each batch smoothed before the plain loss reads them.

``cross_entropy`` takes ``(1 - eps) y + eps / K`` over its ``K`` outputs (PyTorch's
``CrossEntropyLoss(label_smoothing=eps)``), ``log_loss`` ``(1 - eps) y + eps / 2`` for each
output (Keras' ``BinaryCrossentropy(label_smoothing=eps)``).  Every function of the plain
loss (value, gradient, logit paths) is kept and given the smoothed targets, so that the
fused deltas stay the plain ones, ``p - y_smoothed``; the shortcuts for exact one-hot
targets are left out, since smoothed rows are not one-hot.
"""

from __future__ import annotations

import math
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .losses import LogitPath, Loss

# loss name -> whether each output is a yes/no label of its own (eps / 2), else eps / K
_SMOOTHED = {"cross_entropy": False, "log_loss": True}


def _smooth(y: np.ndarray, eps: float, binary: bool, dtype: np.dtype) -> np.ndarray:
    """``(1 - eps) y + eps / K`` (``K = 2`` when ``binary``, else the number of outputs), in
    ``dtype`` (that of the outputs: one-hot rows come as uint8)."""
    k = 2 if binary else y.shape[1]
    t = np.asarray(y, dtype=dtype) * (1.0 - eps)
    t += eps / k
    return t


def smoothed_targets(loss: Loss, y: np.ndarray) -> np.ndarray:
    """The targets ``y`` (n_samples, n_outputs) as the smoothed ``loss`` reads them."""
    return _smooth(y, loss.params["label_smoothing"], _SMOOTHED[loss.name],
                   np.result_type(y, np.float64))


def _value(base, eps, binary, a, y):
    return base(a, _smooth(y, eps, binary, a.dtype))


def _value_lse(base, eps, binary, z, y, lse):
    return base(z, _smooth(y, eps, binary, z.dtype), lse)


def _delta(base, eps, binary, z, a, y):
    return base(z, a, _smooth(y, eps, binary, a.dtype))


def _path(path: LogitPath, eps: float, binary: bool) -> LogitPath:
    return replace(
        path, value=partial(_value, path.value, eps, binary),
        delta=partial(_delta, path.delta, eps, binary),
        _value_lse=(None if path._value_lse is None
                    else partial(_value_lse, path._value_lse, eps, binary)),
        _value_lse_one_hot=None, _delta_one_hot=None)


def smoothed(loss: Loss, label_smoothing: float) -> Loss:
    """``loss`` (plain ``cross_entropy`` or ``log_loss``) on targets smoothed by ``eps``.

    Parameters
    ----------
    loss : Loss
        The plain loss of :data:`chainrule.losses.LOSSES`.
    label_smoothing : float
        ``eps`` in [0, 1); 0 returns ``loss`` itself (the same numbers, bit for bit).

    Returns
    -------
    Loss
        Named as ``loss``, with ``params == {"label_smoothing": eps}``.

    Raises
    ------
    TypeError
        If ``label_smoothing`` is not a real number.
    ValueError
        If it is not in [0, 1).
    """
    eps = label_smoothing
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"label_smoothing: expected a number in [0, 1), got "
                        f"{type(eps).__name__} {eps!r:.40}")
    if not (math.isfinite(eps) and 0 <= eps < 1):
        raise ValueError(f"label_smoothing: expected a number in [0, 1), got {eps!r}")
    if eps == 0:
        return loss
    eps, binary = float(eps), _SMOOTHED[loss.name]
    return replace(
        loss, value=partial(_value, loss.value, eps, binary),
        grad=partial(_value, loss.grad, eps, binary),
        value_from_logits=(None if loss.value_from_logits is None
                           else partial(_value, loss.value_from_logits, eps, binary)),
        logit_paths={act: _path(p, eps, binary) for act, p in loss.logit_paths.items()},
        params={"label_smoothing": eps})
