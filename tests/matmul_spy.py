"""A spy on ``np.matmul`` for the benchmark tests: which matrix products a call makes."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def matmul_products(monkeypatch, fn: Callable[[], object]) -> list[tuple[tuple[int, ...],
                                                                         tuple[int, ...]]]:
    """Shapes ``(a.shape, b.shape)`` of the matrix-matrix products ``fn()`` does with
    ``np.matmul``, in order (the 1-D products with a vector of ones, row and column sums,
    are not counted)."""
    seen = []
    matmul = np.matmul

    def spy(a, b, *args, **kwargs):
        if np.ndim(a) == 2 and np.ndim(b) == 2:
            seen.append((np.shape(a), np.shape(b)))
        return matmul(a, b, *args, **kwargs)

    monkeypatch.setattr(np, "matmul", spy)
    fn()
    monkeypatch.setattr(np, "matmul", matmul)
    return seen
