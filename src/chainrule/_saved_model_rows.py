"""A :class:`~chainrule.saved_model.SavedModel`'s scaled inputs, made a block of rows at a time.

``SavedModel.predict``, ``predict_proba``, ``predict_log_proba`` and ``outputs`` once
standardised all the raw rows into a new array before the network's pass over them in
blocks of rows: an array of the data's size written and read back (``X - mean`` then
``/= scale``; a float32 X given to a float64 model cast whole first, a third array).
:class:`ScaledRows` stands for that array: the network's block loop
(:func:`chainrule._inference.input_blocks`) slices it, and each slice is cast and
standardised then, by the same operations in the same order (``block.astype(dtype) -
mean``, then ``/= scale``), so every value, hence every output, is the one the whole
array gave (bit for bit), and no array of the data's size is made beyond the result.

Taken only where the cast cannot overflow (integers, booleans, floats no wider than the
model's dtype) and without ``--impute``; other inputs (float64 X of a float32 model,
whose overflow is refused by cell) are scaled whole as before
(:meth:`~chainrule._saved_model_inputs._SavedModelInputs._inputs`).
"""

from __future__ import annotations

import numpy as np


def blockwise(X: np.ndarray, dtype: np.dtype, impute: object) -> bool:
    """Whether raw numeric ``X`` is scaled a block at a time (:class:`ScaledRows`): no
    imputation, and a cast to ``dtype`` (the model's) that is exact or rounds, never
    overflows."""
    kind = X.dtype.kind
    return impute is None and (kind in "biu" or (
        kind == "f" and X.dtype.itemsize <= np.dtype(dtype).itemsize))


class ScaledRows:
    """The rows ``(X.astype(dtype) - mean) / scale`` of raw ``X``, computed when sliced.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
        Checked raw features (finite, of a kind :func:`blockwise` takes); kept, not copied.
    mean, scale : ndarray of shape (n_features,) in ``dtype``, or None
        The standardisation (None: none, the rows only cast).
    dtype : numpy dtype
        The network's.
    shape : int or tuple
        The network's input shape: a tuple (C, H, W) gives images, each block
        reshaped to (rows, C, H, W).

    Only what the network's block loops read is offered: ``shape``, ``ndim``,
    ``dtype`` and slices of rows (``S[start:stop]``, a new array).
    """

    def __init__(self, X: np.ndarray, mean: np.ndarray | None, scale: np.ndarray | None,
                 dtype: np.dtype, shape: int | tuple[int, ...]) -> None:
        self._X, self._mean, self._scale = X, mean, scale
        self.dtype = np.dtype(dtype)
        self._images = shape if isinstance(shape, tuple) else None
        n = len(X)
        self.shape = (n, *shape) if self._images else (n, X.shape[1])
        self.ndim = len(self.shape)

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows: slice) -> np.ndarray:
        if not isinstance(rows, slice):
            raise TypeError(f"ScaledRows takes a slice of rows, got {type(rows).__name__}")
        B = self._X[rows]
        if self._mean is None:
            B = B.astype(self.dtype, copy=False)  # a view where X has dtype, as before
        else:
            # as _inputs computes it: the difference in dtype, then divided in place
            B = B.astype(self.dtype, copy=False) - self._mean
            B /= self._scale
        return B.reshape(-1, *self._images) if self._images else B

    def __array__(self, dtype: object = None, copy: object = None) -> np.ndarray:
        """All rows at once (what a caller that wants an array gets)."""
        A = self[:]
        return A if dtype is None else A.astype(dtype, copy=False)
