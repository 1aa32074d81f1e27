"""The "valley" rule of the learning-rate range test: the longest run of falling loss.

:func:`longest_valley` finds, in a loss curve, the longest strictly decreasing
subsequence of its points (the longest "valley", as fastai's ``lr_find``
describes its default suggestion); :func:`valley_point` picks the point two
thirds of the way down it (counted from where a fifth of its descent is made),
or says why there is none.  Used by
:attr:`chainrule.experiments.LRRangeTest.valley_lr`.
"""

from __future__ import annotations

import numpy as np

# a valley whose loss falls by no more than this fraction of its first loss is flat:
# rounding noise or a network the rates do not move, not a descent to suggest a rate from
VALLEY_RTOL = 1e-3
# the valley is counted from the first step where its loss has made this part of its
# descent: the longest chain also threads the noise of the plateau of rates too small to
# train, which would pull the point two thirds of the way down towards lr_min
VALLEY_ONSET = 0.2


def longest_valley(s: np.ndarray) -> tuple[int, int, int]:
    """The longest strictly decreasing subsequence of ``s``: its first and last index, length.

    ``length[i]`` is the longest chain ``s[j_1] > s[j_2] > ... > s[i]`` with
    ``j_1 < j_2 < ... < i`` that ends at ``i`` (1 for a point alone), and
    ``first[i]`` the smallest index such a longest chain can start at.  The
    valley ends at the first ``i`` of the largest ``length[i]`` (the lowest
    rate on ties) and starts at ``first[i]``.  Equal values never continue a
    chain (strict decrease); non-finite points belong to none.

    O(n log n): the points are taken in order, and a Fenwick tree over the
    ranks of the values, largest first, holds for each rank the best
    ``(length, -first)`` of the chains ending at a point of that value, so
    that the best chain ``s[i]`` may continue, over the strictly larger values
    seen before it, is one prefix query.

    Parameters
    ----------
    s : ndarray of shape (n,)
        n >= 1, with at least one finite value.

    Returns
    -------
    tuple of int
        ``(start, end, length)``, ``start <= end``.
    """
    n = s.size
    finite = np.isfinite(s)
    values = np.unique(s[finite])  # ascending; -0.0 and 0.0 are one value, as for ">"
    # rank 1 for the largest value: the values above s[i] are the ranks below its own
    rank = np.zeros(n, dtype=np.int64)
    rank[finite] = values.size - np.searchsorted(values, s[finite])
    # a chain as one integer: longer first, then the lower first index
    stride = n + 1
    tree = [0] * (values.size + 1)  # tree[r]: the best key over a span of ranks ending at r
    best_key, best_length, end = n, 0, 0  # no finite point: (0, 0, 0)
    ranks = rank.tolist()
    for i in np.flatnonzero(finite).tolist():
        r = ranks[i]
        key, k = 0, r - 1  # the best chain ending at a larger value, before i
        while k:
            key = max(key, tree[k])
            k &= k - 1
        if key:
            key += stride  # one longer, from the same first index
        else:
            key = stride + (n - i)  # s[i] alone
        if key // stride > best_length:  # strictly: the first of the longest
            best_key, best_length, end = key, key // stride, i
        while r <= values.size:
            if tree[r] < key:
                tree[r] = key
            r += r & -r
    return n - best_key % stride, end, best_length


def valley_point(s: np.ndarray) -> tuple[int | None, str]:
    """The index two thirds of the way down the longest valley of ``s``, or why there is none.

    With the valley from ``a`` to ``b`` (:func:`longest_valley`), its onset
    ``c`` is the first index in ``[a, b]`` with
    ``s[c] <= s[a] - VALLEY_ONSET * (s[a] - s[b])`` (the valley counted from
    where a fifth of its descent is made, not from the plateau before), and
    the index is ``c + (2 * (b - c)) // 3`` (rounded down: for rates growing
    geometrically, two thirds of the way in ``log(lr)``).

    Parameters
    ----------
    s : ndarray of shape (n,)

    Returns
    -------
    index : int or None
        None when ``s`` has fewer than two finite points, never falls (every
        valley is a single point), or its longest valley falls by no more than
        ``VALLEY_RTOL`` times ``|s[a]|``.
    reason : str
        Empty with an index; else why there is none.
    """
    n_finite = int(np.isfinite(s).sum())
    if n_finite < 2:
        return None, (f"too few steps recorded ({n_finite} after the first tenth; at least 2 "
                      "are needed)")
    start, end, length = longest_valley(s)
    if length < 2:
        return None, "the smoothed loss never falls: there is no valley"
    top = float(s[start])
    drop = top - float(s[end])
    if not drop > VALLEY_RTOL * abs(top):
        return None, (f"the smoothed loss is flat: its longest valley falls by {drop:.3g} "
                      f"from {top:.6g}, no more than {VALLEY_RTOL:g} of it")
    with np.errstate(invalid="ignore"):
        onset = start + int(np.argmax(s[start:end + 1] <= top - VALLEY_ONSET * drop))
    return onset + (2 * (end - onset)) // 3, ""
