"""Preprocessing of images and patches for the sparse autoencoder (SPEC 9).

* :func:`whiten`: PCA or ZCA whitening of data rows (decorrelates the
  features and gives them unit variance; ZCA rotates back, so whitened
  patches still look like images).
* :func:`whiten_images`: whitening of whole images in the frequency domain
  (flattens the 1/f amplitude spectrum of natural images, with a low-pass
  roll-off against noise), as done for the classic image set of the sparse
  coding papers.
* :func:`normalize_patches`: SPEC 9's normalisation: remove each patch's
  mean, truncate to +-3 standard deviations, rescale to [0.1, 0.9] so that a
  sigmoid output can reconstruct it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ._validation import (
    check_bool,
    check_finite_array,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
    data_dtype,
    number_text,
)

__all__ = ["Whitening", "normalize_patches", "whiten", "whiten_images"]

WHITEN_METHODS = ("zca", "pca")


@dataclass(frozen=True, eq=False)
class Whitening:
    """A fitted whitening transform ``(X - mean) @ matrix``, and its inverse.

    Attributes
    ----------
    mean : ndarray of shape (n_features,)
    matrix : ndarray of shape (n_features, n_components)
        ``U diag(1/sqrt(s + epsilon))`` for PCA, followed by ``@ U.T`` for ZCA.
    method : str
    epsilon : float
    """

    mean: np.ndarray
    matrix: np.ndarray
    method: str
    epsilon: float

    def transform(self, X: object) -> np.ndarray:
        """Whiten rows of ``X`` of shape (n_samples, n_features); float32 stays float32.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_components)
        """
        dt = data_dtype(X)
        X = check_finite_array(X, "X", dtype=np.float64, ndim=2)
        if X.shape[1] != self.mean.size:
            raise ValueError(f"X must have {self.mean.size} columns, got {X.shape[1]}")
        return ((X - self.mean) @ self.matrix).astype(dt, copy=False)

    def inverse_transform(self, X_white: object) -> np.ndarray:
        """Map whitened rows back to the data's space; float32 stays float32.

        ``X_white @ pinv(matrix) + mean``: the exact inverse of
        :meth:`transform` for ZCA and for PCA with every component (``epsilon``
        included: the variances it shrank are scaled back); for PCA with
        ``n_components`` the data projected onto the leading components, as
        scikit-learn's ``PCA.inverse_transform`` gives them.

        Parameters
        ----------
        X_white : array-like of shape (n_samples, n_components)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        dt = data_dtype(X_white)
        Z = check_finite_array(X_white, "X_white", dtype=np.float64, ndim=2)
        if Z.shape[1] != self.matrix.shape[1]:
            raise ValueError(f"X_white must have {self.matrix.shape[1]} columns (the "
                             f"whitened components), got {Z.shape[1]}")
        return (Z @ np.linalg.pinv(self.matrix) + self.mean).astype(dt, copy=False)


def whiten(
    X: object,
    method: str = "zca",
    epsilon: float = 0.01,
    n_components: int | None = None,
    return_transform: bool = False,
) -> np.ndarray | tuple[np.ndarray, Whitening]:
    """PCA or ZCA whitening of the rows of ``X``.

    With the covariance ``C = (X - mean).T (X - mean) / n = U diag(s) U.T``,
    PCA whitening gives ``(X - mean) U diag(1/sqrt(s + epsilon))`` (features
    uncorrelated, variance ``s / (s + epsilon)``, about 1), and ZCA multiplies
    that by ``U.T`` again, the whitening closest to the original data.
    ``epsilon`` regularises: it keeps the smallest-variance directions (mostly
    noise) from being blown up.  With ``epsilon=0`` the covariance (or, with
    ``n_components``, its leading part) must have full rank, eigenvalues at
    rounding level counting as zeros (the tolerance of
    :func:`numpy.linalg.matrix_rank`).

    The sign of each eigenvector in ``U`` is chosen so that its entry of
    largest magnitude is positive (scikit-learn's convention for
    :class:`sklearn.decomposition.PCA`), so PCA whitening gives the same
    signs with every LAPACK build; ZCA does not depend on the signs.  With
    ``epsilon=0`` PCA whitening equals scikit-learn's ``PCA(whiten=True)``
    times ``sqrt(n / (n - 1))`` (scikit-learn divides the covariance by
    ``n - 1``; this follows UFLDL and divides by ``n``).

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    method : {"zca", "pca"}, default "zca"
    epsilon : float >= 0, default 0.01
        Added to the eigenvalues.  Relative to the data's scale: for patches
        with unit total variance try 0.01 to 0.1.
    n_components : int, optional
        PCA only: keep the leading components (dimension reduction), 1 to
        ``n_features``.
    return_transform : bool, default False
        Also return the fitted :class:`Whitening` (to whiten new data the same way);
        refused (ValueError) for data so small, of order 1e-308, that its matrix
        would be beyond the float range.  The whitened data themselves do not
        depend on the scale of ``X``.

    Returns
    -------
    X_white : ndarray of shape (n_samples, n_features) or (n_samples, n_components)
        float32 for float32 ``X`` (computed in float64), else float64.
    transform : Whitening
        Only when ``return_transform``.
    """
    dt = data_dtype(X)
    X = check_finite_array(X, "X", dtype=np.float64, ndim=2)
    if not isinstance(method, str) or method not in WHITEN_METHODS:
        raise ValueError(f"method must be one of {WHITEN_METHODS}, got {method!r}")
    epsilon = check_nonneg_float(epsilon, "epsilon")
    return_transform = check_bool(return_transform, "return_transform")
    if n_components is not None:
        n_components = check_positive_int(n_components, "n_components")
        if method != "pca":
            raise ValueError("n_components: only PCA whitening reduces the dimension")
        if not 1 <= n_components <= X.shape[1]:
            raise ValueError(f"n_components must be in 1..{X.shape[1]}, got {n_components}")
    # computed on X divided by 2**e, a power of two near its largest |value| (exact, by
    # ldexp: 2.0**1024 itself is out of range): the covariance's products neither overflow
    # (eigh failed for data of order 1e160) nor underflow (data of order 1e-200 were
    # called singular); s, Xc and the matrix below are in those units
    peak = float(np.abs(X).max())
    e = int(np.frexp(peak)[1]) if peak > 0 else 0
    Xc = np.ldexp(X, -e)
    mean_s = Xc.mean(axis=0)
    Xc -= mean_s
    cov = Xc.T @ Xc / X.shape[0]
    s, U = np.linalg.eigh(cov)
    order = np.argsort(s)[::-1]
    s, U = np.clip(s[order], 0.0, None), U[:, order]
    # an eigenvector's sign is chance (it differs between LAPACK builds): fix it as
    # scikit-learn's PCA does, the entry of largest magnitude positive.  ZCA does not
    # depend on it (U appears twice); PCA's components, and so its output, do
    U = U * np.where(U[np.argmax(np.abs(U), axis=0), np.arange(U.shape[1])] < 0, -1.0, 1.0)
    # eigenvalues at rounding level are zeros (numpy.linalg.matrix_rank's tolerance): their
    # sign is chance, and 1/sqrt of one would scale rounding noise up to arbitrary size
    tol = s[0] * X.shape[1] * np.finfo(np.float64).eps
    rank = int(np.count_nonzero(s > tol))
    if n_components is not None:
        s, U = s[:n_components], U[:, :n_components]
    if epsilon == 0 and rank < s.size:
        fewer = f" or n_components <= {rank}" if method == "pca" and rank else ""
        raise ValueError(
            f"epsilon: the covariance of X is singular (rank {rank} of {X.shape[1]} "
            f"features), so whitening with epsilon=0 divides by zero; give epsilon > 0{fewer}")
    # sqrt(variance + epsilon) in the scaled units, where epsilon is epsilon / 4**e: the
    # output does not depend on the scale, and data near the ends of the float range do
    # not give an infinite matrix (1 / sqrt(s) of data of order 1e-308 is beyond it)
    with np.errstate(over="ignore"):  # an infinite epsilon beside s: the limit, 0
        matrix = U / np.hypot(np.sqrt(s), np.ldexp(np.sqrt(epsilon), -e))
    if method == "zca":
        matrix = matrix @ U.T
    out = (Xc @ matrix).astype(dt, copy=False)
    if not return_transform:
        return out
    # the Whitening works in the data's units: its matrix is the scaled one divided by 2**e
    with np.errstate(over="ignore"):
        data_matrix = np.ldexp(matrix, -e)
    if not np.all(np.isfinite(data_matrix)):
        raise ValueError(f"X: its values, of order {peak:.3g}, are so small that the "
                         "whitening matrix (1 / sqrt(variance + epsilon)) is beyond the "
                         "float range, so no Whitening can hold it; multiply X by a power "
                         "of ten first, or give a larger epsilon")
    return out, Whitening(np.ldexp(mean_s, e), data_matrix, method, epsilon)


def _by_power_of_two(A: np.ndarray, axis: int | tuple[int, ...] | None = None) -> np.ndarray:
    """``A`` divided by a power of two near its largest ``|value|`` (of each slice along
    ``axis``; of the whole array for None), by ``ldexp``: exact, and at most 1 in magnitude
    afterwards (an all-zero slice stays zero), so that sums and squares of it neither
    overflow nor underflow.

    Parameters
    ----------
    A : ndarray
    axis : int, tuple of int or None, default None

    Returns
    -------
    ndarray of the shape of ``A``
    """
    return np.ldexp(A, -np.frexp(np.abs(A).max(axis=axis, keepdims=True))[1])


def whiten_images(images: object, cutoff: float = 0.8) -> np.ndarray:
    """Whiten whole grayscale images in the frequency domain.

    Each image's spectrum is multiplied by ``|f| exp(-(|f| / f0)^4)`` with
    ``f0 = cutoff * Nyquist``: the ``|f|`` ramp flattens the ``1/f``
    amplitude spectrum of natural images (whitening), the exponential rolls
    off the highest frequencies where noise and aliasing dominate.  The
    result has zero mean and unit variance per image.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width) or (height, width)
    cutoff : float in (0, 1], default 0.8
        Roll-off frequency as a fraction of the Nyquist frequency (0.8, i.e.
        0.4 cycles per pixel, is the value of the classic image set).

    Returns
    -------
    ndarray of the same shape
        float32 for float32 images (computed in float64), else float64.
    """
    dt = data_dtype(images)
    imgs = check_finite_array(images, "images", dtype=np.float64)
    single = imgs.ndim == 2
    if single:
        imgs = imgs[None]
    if imgs.ndim != 3:
        raise ValueError(f"images must have shape (n_images, height, width), got {imgs.shape}")
    cutoff = check_positive_float(cutoff, "cutoff")
    if cutoff > 1:
        raise ValueError(f"cutoff must lie in (0, 1] (a fraction of Nyquist), got {cutoff}")
    _, h, w = imgs.shape
    fy = np.fft.fftfreq(h)[:, None]
    fx = np.fft.fftfreq(w)[None, :]
    f = np.sqrt(fx**2 + fy**2)
    filt = f * np.exp(-((f / (0.5 * cutoff)) ** 4))
    # the result has unit variance whatever the images' scale: each is divided by a power
    # of two near its largest |value| (exact, by ldexp) before its mean is taken (the sums
    # overflowed from about 1e307 on) and again after centring, so that neither the FFT's
    # sums nor the squares of the standard deviation overflow or underflow; a constant
    # image gives 0
    imgs = _by_power_of_two(imgs, axis=(1, 2))
    centred = imgs - imgs.mean(axis=(1, 2), keepdims=True)
    centred = _by_power_of_two(centred, axis=(1, 2))
    out = np.real(np.fft.ifft2(np.fft.fft2(centred) * filt))
    out -= out.mean(axis=(1, 2), keepdims=True)
    sd = out.std(axis=(1, 2), keepdims=True)
    out /= np.where(sd > 0, sd, 1.0)
    out = out.astype(dt, copy=False)
    return out[0] if single else out


def normalize_patches(patches: object, n_std: float = 3.0,
                      low: float = 0.1, high: float = 0.9) -> np.ndarray:
    """SPEC 9's normalisation of patches for a sigmoid autoencoder.

    Each patch's own mean is removed; values are truncated to
    ``+-n_std`` standard deviations (one standard deviation over all the
    patches' values), then mapped linearly from ``[-n_std*sd, n_std*sd]`` to
    ``[low, high]`` (0 goes to the middle).

    The standard deviation divides by ``N``, the number of values (NumPy's
    ``std``, as :func:`whiten`'s covariance divides by ``n``).  UFLDL's
    ``normalizeData`` uses MATLAB's ``std(patches(:))``, which divides by
    ``N - 1``: its limit is larger by ``sqrt(N / (N - 1))``, ``1 + 7.8e-7`` for
    10,000 patches of 8x8 pixels, so the outputs agree to within ``4e-7`` there
    (they differ visibly only for a handful of values).

    Parameters
    ----------
    patches : array-like of shape (n_patches, n_pixels)
    n_std : float, default 3.0
        Truncation, in standard deviations; finite and > 0.
    low, high : float, default 0.1 and 0.9
        Finite ends of the output range, ``low < high``.

    Returns
    -------
    ndarray of shape (n_patches, n_pixels), values in [low, high]
        float32 for float32 patches (computed in float64), else float64.
    """
    dt = data_dtype(patches)
    P = check_finite_array(patches, "patches", dtype=np.float64, ndim=2)
    n_std = check_positive_float(n_std, "n_std")
    for name, value in (("low", low), ("high", high)):
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise TypeError(f"{name} must be a finite float, got {value!r} "
                            f"({type(value).__name__})")
        try:  # np.isfinite would raise a TypeError on an int past int64 (10**20)
            finite = math.isfinite(value)
        except OverflowError:  # an int past float's range (10**400)
            finite = False
        if not finite:
            raise ValueError(f"{name} must be a finite float, got {number_text(value)}")
    low, high = float(low), float(high)
    if not low < high:
        raise ValueError(f"low must be below high, got low={low}, high={high}")
    # the result does not depend on the patches' scale: divide by a power of two near the
    # largest |value| (exact, by ldexp) so that the sums of the means do not overflow
    # (values of 1e307 gave NaN), then again after centring, so that the squares of the
    # standard deviation neither overflow (values of 1e160 gave an infinite limit) nor
    # underflow (1e-170 gave 0)
    P = _by_power_of_two(P)
    P = P - P.mean(axis=1, keepdims=True)
    P = _by_power_of_two(P)
    limit = n_std * float(P.std())
    if limit == 0:
        return np.full(P.shape, 0.5 * (low + high), dtype=dt)
    P = np.clip(P, -limit, limit) / limit  # in [-1, 1]
    return (low + (P + 1) * 0.5 * (high - low)).astype(dt, copy=False)
