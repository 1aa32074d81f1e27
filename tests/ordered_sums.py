"""The independent reference of the ordered products' tests (test_symmetry,
test_student17_symmetry_speed): ``a @ b`` written out with scalars."""

from __future__ import annotations

import numpy as np


def sums_in_index_order(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` (m, k) @ (k, n) written out with scalars of their dtype: a[i, 0] b[0, j],
    then + a[i, t] b[t, j] for t = 1, 2, ... (each product and sum rounded once)."""
    m, k = a.shape
    out = np.empty((m, b.shape[1]), a.dtype)
    for i in range(m):
        for j in range(b.shape[1]):
            s = a[i, 0] * b[0, j]
            for t in range(1, k):
                s = s + a[i, t] * b[t, j]
            out[i, j] = s
    return out
