"""The ranges of the bounded activations (private), and the rounding that counts as inside.

:data:`OUTPUT_RANGES` gives the closed range of values each bounded built-in
activation can output; :func:`_outside` tells whether data (a decoder's inputs to
reconstruct, the targets of an output layer) passes such a range by more than a
rescaler's rounding, :data:`RANGE_ROUNDING`.  The losses' target ranges widen by
the same rounding (:func:`_rounded_range`).  Import them from
:mod:`chainrule.activations`.
"""

from __future__ import annotations

import numpy as np

OUTPUT_RANGES: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, np.inf),
    "softplus": (0.0, np.inf), "exp": (0.0, np.inf), "square": (0.0, np.inf),
    "elu": (-1.0, np.inf), "lecun_tanh": (-1.7159, 1.7159),
    # the minima of z Phi(z) (at z = -0.7517915...: -0.16997120747990366) and of z sigmoid(z)
    # (at z = -1.2784645..., where f' = 0 gives sigmoid(z) = 1 + 1/z, so the value is z + 1:
    # -0.2784645427610738), each 4 ulp lower: the float64 functions round up to 1 ulp below
    # the exact minimum, and such an output must count as in range
    "gelu": (-0.16997120747990377, np.inf), "silu": (-0.278464542761074, np.inf),
}
"""The closed range of values each bounded built-in activation can output (by name).

An output layer with one of these cannot reach a target outside it; the others
(identity, leaky ReLU) reach any real number.
"""

RANGE_ROUNDING = 8 * float(np.finfo(np.float32).eps)
"""How far data may pass a bounded range and still count as inside it (about 1e-6).

A rescaling to a range rounds: scikit-learn's ``MinMaxScaler`` gives maxima such as
``1.0000000000000002`` in float64 (and a float32 ulp, 1.2e-7, in float32).  Such
values are the bound itself; an output (or a loss's target range) misses them by
nothing a cost can see.  Used for the data of the autoencoders' decoders, the targets
of a loss with a range (:meth:`chainrule.losses.Loss.check_targets`) and those of the
command line's bounded outputs.
"""


def _rounded_range(low: float, high: float) -> tuple[float, float]:
    """``[low, high]`` widened by :data:`RANGE_ROUNDING` times ``max(1, |bound|)`` at each
    end (an infinite bound stays infinite): the values that count as inside it."""
    return (low - RANGE_ROUNDING * max(1.0, abs(low)),
            high + RANGE_ROUNDING * max(1.0, abs(high)))


def _outside(data: np.ndarray, low: float, high: float) -> bool:
    """Whether ``data`` passes ``[low, high]`` by more than :data:`RANGE_ROUNDING`.

    Parameters
    ----------
    data : ndarray of any shape, not empty
    low, high : float
        The closed range (infinite bounds allowed); see :func:`_rounded_range`.
    """
    lo, hi = _rounded_range(low, high)
    return bool(data.min() < lo or data.max() > hi)
