"""The parameter vector :func:`chainrule.minimize` hands SciPy, and back.

Frozen parameters (a layer's ``trainable = False``, its ``frozen`` names) are left out of
the vector SciPy minimises over: these helpers make the mask of the trainable entries, and
write an iterate over them into the network's parameter vector.  The autoencoders' SciPy
runs use them too.
"""

from __future__ import annotations

import numpy as np
import scipy  # already loaded (scipy.special); resolves the annotations

from ._training_frozen import frozen_slices
from .network import Network


def _trainable_mask(net: Network) -> np.ndarray | None:
    """The mask of the parameters not frozen, or None when none is (refused: all are)."""
    frozen = frozen_slices(net)
    if frozen is None:
        return None
    keep = np.ones(net.n_params, dtype=bool)
    for sl in frozen:
        keep[sl] = False
    return keep


def _full(net: Network, theta: np.ndarray, keep: np.ndarray | None) -> np.ndarray:
    """The whole parameter vector (float64) of an iterate over the trainable ones."""
    if keep is None:
        return theta
    full = net.params.astype(np.float64)
    full[keep] = theta
    return full


def _put(net: Network, theta: np.ndarray, keep: np.ndarray | None) -> None:
    """Write ``theta`` into the network's parameters: the entries ``keep`` (the trainable
    ones) alone when some are frozen."""
    if keep is None:
        net.params[...] = theta
    else:
        net.params[keep] = theta


def _put_result(net: Network, result: scipy.optimize.OptimizeResult,
                keep: np.ndarray | None) -> None:
    """Write SciPy's final iterate into the network; with frozen parameters, make
    ``result.x`` (and ``result.jac``, zeros at the frozen entries, which SciPy does not
    hold) whole vectors, as they are without."""
    _put(net, result.x, keep)
    if keep is not None:
        result.x = net.params.astype(np.float64)
        if "jac" in result:
            jac = np.zeros_like(result.x)
            jac[keep] = result.jac
            result.jac = jac
