"""Bundled and generated data sets, split reproducibly.

Each takes ``dtype`` float64 (the default) or float32, checked as everywhere in
the library: a TypeError when NumPy reads no dtype from it (``"nonsense"``,
``True``), a ValueError when it is another dtype (int, float16).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validation import check_float_dtype, check_seed, number_text

__all__ = ["Split", "load_digits_split", "xor"]


@dataclass(frozen=True, eq=False)
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
        """Features per example: ``X_train.shape[1]``."""
        return self.X_train.shape[1]

    @property
    def n_classes(self) -> int:
        """Largest label of the three splits + 1 (an empty validation split included)."""
        return int(np.concatenate([self.y_train, self.y_val, self.y_test]).max()) + 1


def _fraction(value: object, name: str, zero: bool) -> float:
    """``value`` as a float in (0, 1), or [0, 1) with ``zero``."""
    import numbers

    expected = f"a float in {'[' if zero else '('}0, 1)"
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be {expected}, got {value!r} ({type(value).__name__})")
    try:
        v = float(value)
    except OverflowError:  # an int past float's range (10**400): no fraction either
        raise ValueError(f"{name} must be {expected} (a fraction of the images), got "
                         f"{number_text(value)}") from None
    if not (0.0 <= v < 1.0 if zero else 0.0 < v < 1.0):
        raise ValueError(f"{name} must be {expected} (a fraction of the images), got {value!r}")
    return v


def load_digits_split(
    test_size: float = 0.25,
    validation_size: float = 0.15,
    seed: int = 0,
    dtype: np.dtype | type | str = np.float64,
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
        Seeds both splits; an int from 0 to 2**32 - 1.
    dtype : float64 (default) or float32

    Returns
    -------
    Split
        ``X_*`` of shape (n, 64) with pixel values / 16, ``y_*`` labels 0..9.

    Raises
    ------
    TypeError, ValueError
        If a fraction is not in its range, a split would hold fewer images
        than the 10 classes, the seed is not such an int or ``dtype`` is not
        float32 or float64 (a ValueError for another dtype, a TypeError for
        what is no dtype).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    test_size = _fraction(test_size, "test_size", zero=False)
    validation_size = _fraction(validation_size, "validation_size", zero=True)
    seed = check_seed(seed)
    dtype = check_float_dtype(dtype)
    X, y = load_digits(return_X_y=True)
    n_classes = len(np.unique(y))
    n_test = int(np.ceil(test_size * len(y)))
    n_rest = len(y) - n_test
    n_val = int(np.ceil(validation_size * n_rest))
    for name, value, count, of in (
            ("test_size", test_size, n_test, len(y)),
            ("test_size", test_size, n_rest, len(y)),
            ("validation_size", validation_size, n_val if validation_size else n_classes, n_rest),
            ("validation_size", validation_size, n_rest - n_val, n_rest)):
        if count < n_classes:
            raise ValueError(
                f"{name}={value!r} leaves a split of {count} of {of} images; each split needs "
                f"at least one image of each of the {n_classes} classes")
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


def _check_rows(n: int) -> int:
    """``n`` if an array of ``n`` rows can exist; NumPy's "Maximum allowed dimension
    exceeded" for ``n = 10**30`` named no argument."""
    if n > np.iinfo(np.intp).max:
        raise ValueError(f"n must be a number of examples an array holds (at most "
                         f"{np.iinfo(np.intp).max}), got {number_text(n)}")
    return n


def xor(dtype: np.dtype | type | str = np.float64) -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points: X of shape (4, 2), y of shape (4,) in {0, 1}.

    Parameters
    ----------
    dtype : float64 (default) or float32
        The dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (4, 2)
        The points (0, 0), (0, 1), (1, 0), (1, 1).
    y : ndarray of shape (4,)
        Their labels 0, 1, 1, 0 (integers).
    """
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=check_float_dtype(dtype))
    return X, np.array([0, 1, 1, 0])


# --- generated data for the teaching experiments ---------------------------------------------
__all__ += ["free_fall", "linearly_separable", "sinusoid"]


def sinusoid(
    n: int = 10, noise: float = 0.3, seed: int | np.random.Generator | None = 0,
    grid: bool = False, dtype: np.dtype | type | str = np.float64,
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
    dtype : float64 (default) or float32
        The dtype of ``X`` and ``t``.

    Returns
    -------
    X : ndarray of shape (n, 1), sorted
    t : ndarray of shape (n,)
    """
    from ._validation import check_bool, check_nonneg_float, check_positive_int
    from .initializers import make_rng

    n = _check_rows(check_positive_int(n, "n"))
    noise = check_nonneg_float(noise, "noise")
    grid = check_bool(grid, "grid")  # the string "false" would be true
    dtype = check_float_dtype(dtype)
    rng = make_rng(seed)
    x = np.linspace(0.0, 1.0, n) if grid else np.sort(rng.uniform(0.0, 1.0, size=n))
    t = np.sin(2 * np.pi * x) + rng.normal(0.0, noise, size=n) if noise else np.sin(2 * np.pi * x)
    return x[:, None].astype(dtype), t.astype(dtype)


def linearly_separable(
    n: int = 40, margin: float = 0.2, seed: int | np.random.Generator | None = 0,
    dtype: np.dtype | type | str = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Two classes in the plane separated by a random line with a gap of ``2 * margin``.

    Points are uniform in [-1, 1]^2 outside the gap, half of them (rounded up)
    on the positive side, so a perceptron is guaranteed to converge.

    Parameters
    ----------
    n : int, default 40
        Number of points, at least 2.
    margin : float, default 0.2
        Half the width of the empty gap around the line, in [0, 0.5).
    seed : int, Generator or None
    dtype : float64 (default) or float32
        The dtype of ``X``.

    Returns
    -------
    X : ndarray of shape (n, 2)
    y : ndarray of shape (n,) in {0, 1}
    """
    from ._validation import check_nonneg_float, check_positive_int
    from .initializers import make_rng

    n = _check_rows(check_positive_int(n, "n", minimum=2))
    margin = check_nonneg_float(margin, "margin")
    if margin >= 0.5:
        raise ValueError(f"margin must be in [0, 0.5) (points lie in [-1, 1]^2), got {margin}")
    dtype = check_float_dtype(dtype)
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
    seed: int | np.random.Generator | None = 0, dtype: np.dtype | type | str = np.float64,
) -> tuple[np.ndarray, np.ndarray]:
    """Noisy measurements of a falling body: ``h = g t^2 / 2 + N(0, noise^2)``.

    Parameters
    ----------
    n : int, default 30
        Number of measurements.
    t_max : float, default 2.0
        Latest time, in seconds.
    noise : float, default 0.2
        Standard deviation of the Gaussian noise on ``h``, in metres.
    g : float, default 9.81
        Gravitational acceleration, in m/s^2.
    seed : int, Generator or None
    dtype : float64 (default) or float32
        The dtype of ``t`` and ``h``.

    Returns
    -------
    t : ndarray of shape (n, 1), times uniform in [0, t_max], sorted (seconds)
    h : ndarray of shape (n,), distance fallen (metres)
    """
    from ._validation import check_nonneg_float, check_positive_float, check_positive_int
    from .initializers import make_rng

    n = _check_rows(check_positive_int(n, "n"))
    t_max = check_positive_float(t_max, "t_max")
    noise = check_nonneg_float(noise, "noise")
    g = check_positive_float(g, "g")
    dtype = check_float_dtype(dtype)
    rng = make_rng(seed)
    t = np.sort(rng.uniform(0.0, t_max, size=n))
    with np.errstate(over="ignore", invalid="ignore"):
        h = 0.5 * g * t**2 + (rng.normal(0.0, noise, size=n) if noise else 0.0)
        heights = np.asarray(h, dtype=dtype)
    if not np.all(np.isfinite(heights)):  # t_max=1e308: heights of inf, no data set
        raise ValueError(
            f"t_max, g, noise: the heights g t^2 / 2 + noise overflow {np.dtype(dtype).name} "
            f"(largest {np.finfo(dtype).max:.3g}) with t_max={t_max:g}, g={g:g}, "
            f"noise={noise:g}; give a smaller t_max, g or noise")
    return t[:, None].astype(dtype), heights
