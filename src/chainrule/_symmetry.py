"""Products that keep equal hidden units equal to the last bit (private).

SPEC 6's ``zeros`` start demonstrates the symmetry problem: every hidden unit
computes the same thing, gets the same gradient and stays equal to the others.
In exact arithmetic it does; in floating point it does only if every entry of a
product that should equal another (the equal columns of ``X @ W`` when ``W``'s
columns are equal, the equal rows of ``A.T @ delta`` when ``A``'s columns are)
is computed by the same sequence of operations.  BLAS does not promise that: its
kernels treat a block of the output in the main micro-kernel and the edges in
others, and a matrix-vector product keeps several partial sums, so two such
entries can differ in the last bit, depending on the CPU's kernels.  Adam,
RMSProp and AdaGrad divide by the root of the squared gradients and turn those
last bits of near-zero gradients into whole steps: the units drift apart.

So a fit decides once, at its start, by :func:`choose_products`, whether the
network has equal hidden units; if it has, its Dense layers compute their
products by :func:`ordered_matmul` and their bias sums by :func:`ordered_row_sum`
for that fit: every entry is the same sequence of IEEE multiplies and adds, in
index order, whatever its position, on any machine (slower than BLAS, and the
numbers differ from a BLAS product in the last bits).  Any other network keeps
BLAS.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .layers import Dense
    from .network import Network

__all__ = ["choose_products", "equal_units", "ordered_matmul", "ordered_row_sum",
           "ordered_scratch"]


#: how many terms ``a[i, t] b[t, j]`` :func:`ordered_matmul` computes in one NumPy multiply
#: (256 KiB of float64: a block that stays in the core's L2 cache while it is added up)
_BLOCK_TERMS = 1 << 15


def ordered_scratch(m: int, k: int, n: int) -> int:
    """The number of elements of scratch :func:`ordered_matmul` uses for an (m, k) @ (k, n)
    product: a block of ``t`` of its terms after the running sum, and an (n, m) sum where
    ``m > n``."""
    if k == 0 or m * n == 0:
        return 0
    block = _block(m, k, n)
    if block == 1:
        return m * n
    return (block + 1) * m * n + (m * n if m > n else 0)


def _block(m: int, k: int, n: int) -> int:
    """How many values of ``t`` one multiply of :func:`ordered_matmul` takes."""
    return max(1, min(k, _BLOCK_TERMS // (m * n)))


def _add_in_order(stack: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = (...((stack[0] + stack[1]) + stack[2]) ...)``, elementwise, in index order.

    ``stack`` (r >= 1, ...) is C-contiguous and ``out`` (...) C-contiguous, of its dtype,
    sharing no memory with it.  NumPy's reduction along axis 0 of such an array runs
    its inner loop along the contiguous entries of one ``stack[t]`` (an elementwise
    add into ``out``) and its outer loop over ``t``: every entry gets the rows added
    one after the other (pairwise summation is only for a reduction along the inner
    loop; tests/test_student17_symmetry_speed.py checks it).  ``initial=-0.0``
    makes the first add ``-0.0 + stack[0] = stack[0]`` exactly, -0.0 included (the
    default start, +0.0, would turn a -0.0 into 0.0).  An entry alone in its row
    would be a reduction along the inner loop: there the running sums of
    ``np.add.accumulate`` (each one from the last), whose last is the sum.
    """
    if out.size >= 2:
        return np.add.reduce(stack, axis=0, out=out, initial=-0.0)
    out[...] = np.add.accumulate(stack.reshape(-1))[-1].reshape(out.shape)
    return out


def ordered_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray,
                   tmp: np.ndarray | None = None) -> np.ndarray:
    """``out = a @ b``, each entry summed over ``k`` in index order.

    ``out[i, j] = (...((a[i, 0] b[0, j] + a[i, 1] b[1, j]) + a[i, 2] b[2, j]) ...)``:
    elementwise NumPy ufuncs only, which round each operation alike in their SIMD
    and scalar loops (no fused multiply-add across two ufuncs), so entries whose
    operands are equal are equal to the last bit wherever they are in ``out``.
    The terms ``a[i, t] b[t, j]`` (one rounded multiply each, in no particular
    order: nothing is summed there) are computed a block of ``t`` at a time, by
    one multiply of about ``_BLOCK_TERMS`` values (laid out ``(t, i, j)``, or
    ``(t, j, i)`` where ``a`` has more rows than ``b`` columns, so that the inner
    loop runs along the longer side), after the running sum of the blocks before;
    then one NumPy reduction along ``t`` adds them to it one ``t`` after the other,
    in index order (see :func:`_add_in_order`).  The same numbers as one multiply
    and one add per ``t`` (the terms are the same products, added in the same
    order), in a few NumPy calls per block instead of one per ``t``.

    A sparse ``a`` (a first Dense layer's CSR batch, or its transpose) is made
    dense first, and its zeros are multiplied and added like any entry.  SciPy's
    sparse products do accumulate each entry over the stored values in index
    order, in C loops that treat every column alike; but that is how they are
    written and compiled (a build that fused the multiply and add in a vector
    loop and not in its tail would break it), not a promise, and this makes it
    hold by construction, for an (m, k) dense copy of the batch.

    Parameters
    ----------
    a : ndarray or scipy.sparse matrix of shape (m, k)
    b : ndarray of shape (k, n)
    out : ndarray of shape (m, n)
        Written; must share no memory with ``a``, ``b`` or ``tmp``.
    tmp : ndarray of shape (ordered_scratch(m, k, n),), optional
        Scratch of ``out``'s dtype (:func:`ordered_scratch` elements at least,
        C-contiguous; allocated when None).

    Returns
    -------
    out : ndarray of shape (m, n)
    """
    if not isinstance(a, np.ndarray):  # a sparse batch: its dense rows (see above)
        a = a.toarray()
    (m, k), n = a.shape, b.shape[1]
    if k == 0 or m * n == 0:
        out[...] = 0
        return out
    size, block = m * n, _block(m, k, n)
    if tmp is None:
        tmp = np.empty(ordered_scratch(m, k, n), out.dtype)
    if block == 1:  # an (m, n) slab as large as a block: one t at a time, as 2-D products
        term = tmp[:size].reshape(m, n)
        np.multiply(a[:, 0:1], b[0:1, :], out=out)
        for t in range(1, k):
            np.multiply(a[:, t:t + 1], b[t:t + 1, :], out=term)
            np.add(out, term, out=out)
        return out
    rows = a.T  # (k, m): row t holds a[:, t]
    wide = m <= n  # the terms laid out (t, i, j), else (t, j, i) into an (n, m) sum
    shape = (m, n) if wide else (n, m)
    # stack[0]: the sum of the blocks before; stack[1:]: this block's terms
    stack = tmp[:(block + 1) * size].reshape(block + 1, *shape)
    if not wide:
        total = tmp[(block + 1) * size:(block + 2) * size].reshape(shape)
    else:  # (a caller's strided out: a contiguous sum copied into it)
        total = out if out.flags.c_contiguous else np.empty(shape, out.dtype)
    for start in range(0, k, block):
        stop = min(k, start + block)
        terms = stack[1:stop - start + 1]
        if wide:
            np.multiply(rows[start:stop, :, None], b[start:stop, None, :], out=terms)
        else:
            np.multiply(b[start:stop, :, None], rows[start:stop, None, :], out=terms)
        if start:
            np.copyto(stack[0], total)
        _add_in_order(stack[0 if start else 1:stop - start + 1], total)
    if total is not out:
        np.copyto(out, total if wide else total.T)
    return out


def ordered_row_sum(delta: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``out = delta.sum(axis=0)``, the rows added one after the other.

    Every column gets the same additions in the same order:
    ``(...((delta[0] + delta[1]) + delta[2]) ...)``, one NumPy reduction
    (see :func:`_add_in_order`).

    Parameters
    ----------
    delta : ndarray of shape (m, n)
    out : ndarray of shape (n,)

    Returns
    -------
    out : ndarray of shape (n,)
    """
    if delta.shape[0] == 0:
        out[...] = 0
        return out
    if delta.dtype != out.dtype:
        if not np.can_cast(delta.dtype, out.dtype, "safe"):  # each add rounded to out's
            out[...] = delta[0]  # dtype from the wider one: one row at a time
            for i in range(1, delta.shape[0]):
                np.add(out, delta[i], out=out)
            return out
        delta = delta.astype(out.dtype)  # the same values (as np.add would cast them)
    target = out if out.flags.c_contiguous else np.empty(out.shape, out.dtype)
    _add_in_order(np.ascontiguousarray(delta), target)
    if target is not out:
        out[...] = target
    return out


def _layer_has_equal_units(layer: Dense, above: Dense) -> bool:
    """Whether two units of ``layer`` are equal: the same incoming weights (columns of
    ``W``), bias, and outgoing weights (rows of ``above.W``).

    A first look at each unit's first incoming weight (a set of ``n_out`` numbers):
    units that differ there (any random start) cost no more; only the units that
    share it with another are compared whole (as bytes, -0.0 made 0.0).
    """
    n = layer.n_out
    if n < 2:
        return False
    W, V = layer.W, above.W
    first = W[0].tolist()
    if len(set(first)) == n:  # (-0.0 and 0.0 are one element of a set)
        return False
    _, inverse, counts = np.unique(W[0], return_inverse=True, return_counts=True)
    candidates = np.flatnonzero(counts[inverse.ravel()] > 1)
    parts = [W[:, candidates], V[candidates].T]
    if layer.b is not None:
        parts.insert(1, layer.b[None, candidates])
    units = np.ascontiguousarray(np.concatenate(parts).T) + 0.0  # (candidates, weights)
    if (units == units[0]).all():  # every candidate alike (a zeros or constant start)
        return True
    return len({row.tobytes() for row in units}) < candidates.size


def equal_units(net: Network) -> bool:
    """Whether a hidden Dense layer of ``net`` (one followed by a Dense layer) has two
    equal units (as every unit of a ``zeros`` or constant start is).  O(parameters)
    at most; a set of one weight per unit when no two units share their first
    incoming weight (a random start)."""
    from .layers import Dense  # (layers imports this module's products)

    layers = net.layers
    return any(isinstance(layer, Dense) and isinstance(above, Dense)
               and _layer_has_equal_units(layer, above)
               for layer, above in itertools.pairwise(layers))


def choose_products(net: Network) -> bool:
    """Decide, at the start of a fit, how ``net``'s Dense layers compute their products
    while it trains: in index order (:func:`ordered_matmul`) when the network has equal
    hidden units (see :func:`equal_units`), so that they stay equal on any BLAS; with
    BLAS otherwise.  Returns whether the products are ordered."""
    from .layers import Dense

    ordered = equal_units(net)
    for layer in net.layers:
        if isinstance(layer, Dense):
            layer._ordered = ordered
    return ordered
