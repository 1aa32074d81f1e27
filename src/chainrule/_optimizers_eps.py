"""Where an adaptive rule adds ``eps``: to the square root, or under it (private).

``sqrt(x) + eps`` is PyTorch's place for RMSProp and Adam, and Keras's for Adam;
``sqrt(x + eps)`` is TensorFlow's and Keras's for RMSProp (``tf.raw_ops.ApplyRMSProp``:
``lr * grad / sqrt(ms + epsilon)``) and some course code's for Adam.
:class:`~chainrule.optimizers.RMSProp` and :class:`~chainrule.optimizers.Adam` choose
with their ``eps_on``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_eps_on", "root_plus_eps"]


def check_eps_on(value: object, choices: tuple[str, ...]) -> str:
    """``value`` if it is one of ``choices``, else a ValueError naming ``eps_on``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"eps_on must be {', '.join(map(repr, choices[:-1]))} or "
                         f"{choices[-1]!r}, got {value!r}")
    return value


def root_plus_eps(x: np.ndarray, out: np.ndarray, eps: float, inside: bool) -> np.ndarray:
    """``sqrt(x) + eps``, or with ``inside`` ``sqrt(x + eps)``, into ``out`` (may be ``x``).

    Parameters
    ----------
    x : ndarray of shape (n_params,)
        A running mean of squared gradients (``>= 0``).
    out : ndarray of shape (n_params,)
    eps : float
    inside : bool

    Returns
    -------
    ndarray
        ``out``.
    """
    if inside:
        np.add(x, eps, out=out)
        return np.sqrt(out, out=out)
    np.sqrt(x, out=out)
    out += eps
    return out
