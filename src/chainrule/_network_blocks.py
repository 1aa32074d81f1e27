"""The full-batch cost and gradient a block of rows at a time: SciPy's objective on large data.

``chainrule.minimize``'s objective (:func:`chainrule.scipy_fit._objective`) evaluates the
cost and gradient of the whole training set at every call.  In one pass, every array
between the products (``Z``, ``A``, ``delta``: 60,000 x 256 float32 is 61 MB on the
MNIST-shaped data) is written by a product and read back from memory by the passes that
follow (the bias, the ReLU, its mask, the softmax, the column sums).  Split into blocks of
rows, each block's arrays stay in the processor's cache between the product that writes
them and the passes that read them, and the block's gradient is added to those of the
blocks before it.

The loss is a (weighted) mean over the rows, so the cost and gradient of the whole batch
are the blocks' costs and gradients weighted by their shares of the rows (or of the
sample weights), plus the weight decay once.  The same numbers to rounding: the sums are
ordered differently (float64: about 1e-15 relative, float32: about 1e-6 relative to the
largest entry), not bit for bit.  The block size is fixed (not read off the machine's
cache), so that a fit gives the same numbers on every machine.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from .layers import Dense

if TYPE_CHECKING:
    from .network import Network

# the bytes of the widest layer's outputs in one block: 2,048 rows of 256 float32 (MNIST-
# shaped, 784-256-128-10), measured faster than 1,024 and 4,096 rows on a 2 MiB L2
BLOCK_BYTES = 2 * 2**20
# data of fewer rows than this many blocks is evaluated in one pass (the digits, 1,347 rows:
# one block would be all of it, and a few blocks save too little to pay for their calls)
MIN_BLOCKS = 4


def block_rows(net: Network, X: object, sample_weight: np.ndarray | None = None,
               nbytes: int | None = None) -> int | None:
    """The rows per block for the full batch ``X``, or None: one pass over all of it.

    Blocks for a dense ``X`` of at least ``MIN_BLOCKS`` blocks and a network of Dense
    layers alone (their rows are computed independently of each other; another layer may
    mix the rows of its batch), and sample weights whose sum is a finite positive float
    (otherwise the unblocked pass's rescaling takes care of them).

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n_samples, n_inputs), or sparse
    sample_weight : ndarray of shape (n_samples,), optional
        Checked weights (:meth:`Network.check_sample_weight`).
    nbytes : int, optional
        The bytes of one block of the widest layer's outputs (default ``BLOCK_BYTES``).

    Returns
    -------
    int or None
    """
    if (type(X) is not np.ndarray or X.ndim != 2
            or not all(type(layer) is Dense for layer in net.layers)):
        return None
    widest = max(layer.n_out for layer in net.layers)
    rows = max(1, (nbytes or BLOCK_BYTES) // (widest * net.dtype.itemsize))
    if X.shape[0] < MIN_BLOCKS * rows:
        return None
    if sample_weight is not None:
        with np.errstate(over="ignore"):
            total = float(np.sum(sample_weight, dtype=np.float64))
        if not (math.isfinite(total) and 0 < total and math.isfinite(X.shape[0] / total)):
            return None
    return rows


class RowBlocks:
    """``(J, grad)`` of the full batch ``X, Y`` a block of ``rows`` rows at a time.

    Made once per objective (the blocks are views of ``X``, ``Y`` and the weights, their
    shares of the cost computed once); each call runs
    :meth:`Network._loss_and_grad <chainrule._network_cost._CostAndGradient._loss_and_grad>`
    on every block within the caller's workspace, so that the layers reuse one set of
    buffers of the block's size (and one of the last block's).

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n_samples, n_inputs)
    Y : ndarray of shape (n_samples, n_outputs)
    sample_weight : ndarray of shape (n_samples,) or None
        Checked weights, whose sum :func:`block_rows` accepted.
    rows : int
        Rows per block (the last block has the rest).
    pool : dict
        The objective's workspace pool: where the first layer finds its input with the
        column of ones (``"bias folded"``, see ``Dense._fold_bias``), one block at a time.
    """

    def __init__(self, net: Network, X: np.ndarray, Y: np.ndarray,
                 sample_weight: np.ndarray | None, rows: int, pool: dict) -> None:
        m = X.shape[0]
        self.net = net
        self.m_decay: float = m  # the examples the per-sample decay counts, as unblocked
        if sample_weight is not None:
            with np.errstate(over="ignore"):
                total = float(np.sum(sample_weight))
            if total > 0:
                self.m_decay = total
            shares = [float(np.sum(sample_weight[s:s + rows], dtype=np.float64))
                      for s in range(0, m, rows)]
            whole = sum(shares)
            shares = [share / whole for share in shares]
        else:
            shares = [(min(s + rows, m) - s) / m for s in range(0, m, rows)]
        # a first Dense layer whose bias is folded into its products ([X, 1], made once by
        # the objective): each block is given its rows of [X, 1]
        first = net.layers[0]
        self.fold_work = pool.get(id(first), {})
        folded = self.fold_work.pop("bias folded", None)
        self.blocks = []
        for i, s in enumerate(range(0, m, rows)):
            Xb = X[s:s + rows]
            fold = None if folded is None else (Xb, folded[1][s:s + rows], *folded[2:])
            sw = None if sample_weight is None else sample_weight[s:s + rows]
            self.blocks.append((Xb, Y[s:s + rows], sw, shares[i], fold))
        self.acc = np.empty_like(net._grad)  # the sum of the blocks before the last

    def __call__(self, one_hot: bool) -> tuple[float, np.ndarray]:
        """Cost and gradient (the network's own vector, filled, as ``_loss_and_grad``)."""
        net, acc, last = self.net, self.acc, len(self.blocks) - 1
        J = 0.0
        for i, (Xb, Yb, sw, share, fold) in enumerate(self.blocks):
            if fold is not None:
                self.fold_work["bias folded"] = fold
            Jb, grad = net._loss_and_grad(Xb, Yb, False, sw, one_hot, decay=False)
            J += share * Jb
            if i == last:  # the network's vector holds the sum, as after one pass
                grad *= share
                if i:
                    grad += acc
            elif i == 0:
                np.multiply(grad, share, out=acc)
            else:
                grad *= share
                acc += grad
        net._last_decay = term = net._decay_term(self.m_decay)
        if net.weight_decay:
            net._add_decay_grad(self.m_decay)
        return J + term, net._grad
