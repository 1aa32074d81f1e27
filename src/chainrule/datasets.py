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
