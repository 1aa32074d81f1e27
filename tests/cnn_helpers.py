"""Helpers shared by the convolutional tests: picking inputs away from max-pooling ties."""

from __future__ import annotations

import numpy as np


def windows_gap(X: np.ndarray, size: int, stride: int, padding: int) -> float:
    """Smallest gap between the largest and second largest value of any pooling window.

    Written with plain slicing and sorting (independent of the library); padding is -inf.
    """
    Xp = np.pad(X, ((0, 0), (0, 0), (padding, padding), (padding, padding)),
                constant_values=-np.inf)
    gaps = []
    for y in range(0, Xp.shape[2] - size + 1, stride):
        for x in range(0, Xp.shape[3] - size + 1, stride):
            win = np.sort(Xp[:, :, y : y + size, x : x + size].reshape(*X.shape[:2], -1), axis=-1)
            gaps.append((win[..., -1] - win[..., -2]).min())
    return float(min(gaps))


def draw_away_from_ties(rng, shape, pool_input, size, stride, padding, min_gap=2e-3, tries=200):
    """Draw inputs X of ``shape`` until every window of ``pool_input(X)`` has a clear maximum.

    A central difference with step 1e-4 moves a pooled value by well under ``min_gap``,
    so no window changes its winner during the gradient check.
    """
    for _ in range(tries):
        X = rng.normal(size=shape)
        if windows_gap(pool_input(X), size, stride, padding) > min_gap:
            return X
    raise AssertionError(f"no input away from ties in {tries} draws")  # pragma: no cover
