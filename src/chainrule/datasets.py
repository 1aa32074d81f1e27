"""Bundled and generated data sets, split reproducibly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Split", "load_digits_split", "xor"]


@dataclass(frozen=True)
class Split:
    """Training, validation and held-out test arrays.

    Attributes
    ----------
    X_train, X_val, X_test : ndarray of shape (n, n_features)
    y_train, y_val, y_test : ndarray of shape (n,)
        Integer class labels.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        return int(max(self.y_train.max(), self.y_val.max(), self.y_test.max())) + 1


def load_digits_split(
    test_size: float = 0.25,
    validation_size: float = 0.15,
    seed: int = 0,
    dtype: np.dtype | type = np.float64,
) -> Split:
    """scikit-learn's 8x8 handwritten digits (1,797 images), scaled to [0, 1] and split.

    The test split is held out first (stratified); the validation split is then
    taken from what remains.

    Parameters
    ----------
    test_size : float, default 0.25
        Fraction of all images held out for testing.
    validation_size : float, default 0.15
        Fraction of the remaining images used for validation (0 for none).
    seed : int, default 0
    dtype : float64 (default) or float32

    Returns
    -------
    Split
        ``X_*`` of shape (n, 64) with pixel values / 16, ``y_*`` labels 0..9.
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(dtype)
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=test_size, stratify=y, random_state=seed
    )
    if validation_size:
        X_tr, X_va, y_tr, y_va = train_test_split(
            X_tr, y_tr, test_size=validation_size, stratify=y_tr, random_state=seed
        )
    else:
        X_va, y_va = X_tr[:0], y_tr[:0]
    return Split(X_tr, y_tr, X_va, y_va, X_te, y_te)


def xor(dtype: np.dtype | type = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X of shape (4, 2), y of shape (4,) in {0, 1}."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=dtype)
    return X, np.array([0, 1, 1, 0])


# --- generated data for the teaching experiments ---------------------------------------------
__all__ += ["free_fall", "linearly_separable", "sinusoid"]


def sinusoid(
    n: int = 10, noise: float = 0.3, seed: int | np.random.Generator | None = 0,
    grid: bool = False, dtype: np.dtype | type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy samples of ``t = sin(2 pi x) + N(0, noise^2)`` for ``x`` in [0, 1].

    The regression problem of the classic model-selection figure.

    Parameters
    ----------
    n : int, default 10
    noise : float, default 0.3
        Standard deviation of the Gaussian noise on ``t``.
    seed : int, Generator or None
    grid : bool, default False
        Evenly spaced ``x = 0, 1/(n-1), ..., 1`` (as in the classic figures)
        instead of uniformly random ones.

    Returns
    -------
    X : ndarray of shape (n, 1), sorted
    t : ndarray of shape (n,)
    """
    from ._validation import check_nonneg_float, check_positive_int
    from .initializers import make_rng

    n = check_positive_int(n, "n")
    noise = check_nonneg_float(noise, "noise")
    rng = make_rng(seed)
    x = np.linspace(0.0, 1.0, n) if grid else np.sort(rng.uniform(0.0, 1.0, size=n))
    t = np.sin(2 * np.pi * x) + rng.normal(0.0, noise, size=n) if noise else np.sin(2 * np.pi * x)
    return x[:, None].astype(dtype), t.astype(dtype)


def linearly_separable(
    n: int = 40, margin: float = 0.2, seed: int | np.random.Generator | None = 0,
    dtype: np.dtype | type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Two classes in the plane separated by a random line with a gap of ``2 * margin``.

    Points are uniform in [-1, 1]^2 outside the gap, half of them (rounded up)
    on the positive side, so a perceptron is guaranteed to converge.

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,) in {0, 1}
    """
    from ._validation import check_nonneg_float, check_positive_int
    from .initializers import make_rng

    n = check_positive_int(n, "n", minimum=2)
    margin = check_nonneg_float(margin, "margin")
    if margin >= 0.5:
        raise ValueError(f"margin must be in [0, 0.5) (points lie in [-1, 1]^2), got {margin}")
    rng = make_rng(seed)
    angle = rng.uniform(0, 2 * np.pi)
    normal = np.array([np.cos(angle), np.sin(angle)])
    offset = rng.uniform(-0.2, 0.2)
    need = {1: (n + 1) // 2, 0: n // 2}
    kept: dict[int, list[np.ndarray]] = {0: [], 1: []}
    while any(sum(len(p) for p in kept[c]) < need[c] for c in (0, 1)):
        P = rng.uniform(-1, 1, size=(4 * n, 2))
        s = P @ normal - offset
        kept[1].append(P[s >= margin])
        kept[0].append(P[s <= -margin])
    X = np.concatenate([np.concatenate(kept[c])[: need[c]] for c in (1, 0)])
    y = np.repeat([1, 0], [need[1], need[0]])
    order = rng.permutation(n)
    X, y = X[order], y[order]
    return X.astype(dtype), y


def free_fall(
    n: int = 30, t_max: float = 2.0, noise: float = 0.2, g: float = 9.81,
    seed: int | np.random.Generator | None = 0, dtype: np.dtype | type = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy measurements of a falling body: ``h = g t^2 / 2 + N(0, noise^2)``.

    Returns
    -------
    t : ndarray of shape (n, 1), times uniform in [0, t_max], sorted (seconds)
    h : ndarray of shape (n,), distance fallen (metres)
    """
    from ._validation import check_nonneg_float, check_positive_float, check_positive_int
    from .initializers import make_rng

    n = check_positive_int(n, "n")
    t_max = check_positive_float(t_max, "t_max")
    noise = check_nonneg_float(noise, "noise")
    g = check_positive_float(g, "g")
    rng = make_rng(seed)
    t = np.sort(rng.uniform(0.0, t_max, size=n))
    h = 0.5 * g * t**2 + (rng.normal(0.0, noise, size=n) if noise else 0.0)
    return t[:, None].astype(dtype), np.asarray(h, dtype=dtype)
