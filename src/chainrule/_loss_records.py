"""The :class:`LogitPath` record of :mod:`chainrule.losses` (which exports it): a loss and
its output delta computed from the output layer's net input."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["LogitPath"]


@dataclass(frozen=True)
class LogitPath:
    """The loss and its output delta computed from the net input ``z`` of the output layer.

    Attributes
    ----------
    value : callable
        ``value(z, y) -> ndarray of shape (n_samples,)``: per-example losses.
    delta : callable
        ``delta(z, a, y) -> ndarray of shape (n_samples, n_outputs)``: ``dL/dz``
        (``a = f(z)`` is passed so the canonical pairs can return ``a - y``).
    """

    value: Callable[[np.ndarray, np.ndarray], np.ndarray]
    delta: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]
    # value(z, y) given lse = logsumexp(z) per row, when the output layer computed it
    # (private: softmax + cross_entropy while training, see Dense._forward_into)
    _value_lse: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    # the same two for targets known to be exact one-hot rows (the training loop knows it
    # once per run; per batch, finding it out would cost as much as it saves): the value
    # given lse, and the delta written into a buffer, delta(z, a, y, out) -> out
    _value_lse_one_hot: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray] | None = None
    _delta_one_hot: Callable[..., np.ndarray] | None = None
