"""Whitening and patch normalisation at the ends of the float range (largest and
subnormal values), against NumPy written out here on the same data at scale 1; and the
working memory that whiten's scaling costs."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from chainrule.preprocessing import normalize_patches, whiten, whiten_images


def _whitening_reference(X, method):
    """PCA/ZCA whitening with epsilon=0 by NumPy: C = V diag(s) V^T, Xc V diag(s)^-1/2."""
    Xc = X - X.mean(axis=0)
    s, V = np.linalg.eigh(Xc.T @ Xc / len(X))
    s, V = s[::-1], V[:, ::-1]
    V = V * np.where(V[np.argmax(np.abs(V), axis=0), np.arange(V.shape[1])] < 0, -1, 1)
    M = V / np.sqrt(s)
    return Xc @ (M @ V.T if method == "zca" else M)


@pytest.mark.parametrize("method", ["zca", "pca"])
@pytest.mark.parametrize("peak", [1.5e308, 2.0**1023, 1e-310, 3e-318])
def test_whiten_at_the_ends_of_the_float_range(rng, method, peak):
    """Data whose largest |value| is 2**1023 or more raised OverflowError (2.0 ** 1024
    taken as a Python float); subnormal data gave an infinite matrix, so the whitened data
    came out NaN and infinite instead of the data at scale 1 whitened."""
    X = rng.normal(size=(50, 4)) @ rng.normal(size=(4, 4))
    X = X / np.abs(X).max()  # largest |value| 1: X * peak is exact down to 3e-318's grid
    Xp = X * peak
    ref = _whitening_reference(Xp / peak, method)  # the data as given, at scale 1
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = whiten(Xp, method, 0.0)
    np.testing.assert_allclose(out, ref, atol=1e-12 if peak > 1e-300 else 1e-6)
    if peak > 1e-300:
        return
    # no Whitening can hold a matrix of order 1e310: refused, naming X
    with pytest.raises(ValueError, match=r"X: its values, of order .* beyond the float range"):
        whiten(Xp, method, 0.0, return_transform=True)


@pytest.mark.parametrize("peak", [1.5e308, 2.0**1023, 1e-310, 3e-318])
def test_normalize_patches_at_the_ends_of_the_float_range(rng, peak):
    """UFLDL's rule written out on the patches at scale 1.  Patches of order 1e308 came out
    NaN: the sums of their means overflowed before any scaling."""
    P = rng.normal(size=(40, 16)) * 2 + 1
    P = P / np.abs(P).max()
    Q = P - P.mean(axis=1, keepdims=True)
    pstd = 3 * Q.std()
    ref = (np.clip(Q, -pstd, pstd) / pstd + 1) * 0.4 + 0.1
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = normalize_patches(P * peak)
    np.testing.assert_allclose(out, ref, atol=1e-12 if peak > 1e-300 else 1e-6)
    # centred values of 2**1023 and more: the divisor 2.0**1024 was infinite (all 0.5)
    out = normalize_patches(np.array([[-1.5e308, 1.5e308, 0.0, 0.0]]))
    d = 0.4 * 1.5 / (3 * np.sqrt(1.125))  # sd of (-1.5, 1.5, 0, 0) is sqrt(1.125)
    np.testing.assert_allclose(out, [[0.5 - d, 0.5 + d, 0.5, 0.5]], rtol=1e-14)


@pytest.mark.parametrize("peak", [1.5e308, 2.0**1023, 1e-310, 3e-318])
def test_whiten_images_at_the_ends_of_the_float_range(rng, peak):
    """The documented filter written out on the images at scale 1.  Images of order 1e308
    came out NaN: the sums of their means overflowed before any scaling."""
    imgs = rng.random((2, 12, 15)) - 0.3
    imgs = imgs / np.abs(imgs).max(axis=(1, 2), keepdims=True)
    scaled = imgs * peak
    imgs = scaled / peak  # the values as given, subnormals rounded: at scale 1
    f = np.hypot(np.fft.fftfreq(12)[:, None], np.fft.fftfreq(15)[None, :])
    ref = np.real(np.fft.ifft2(np.fft.fft2(imgs - imgs.mean(axis=(1, 2), keepdims=True))
                               * f * np.exp(-(f / 0.4) ** 4)))
    ref = (ref - ref.mean(axis=(1, 2), keepdims=True)) / ref.std(axis=(1, 2), keepdims=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = whiten_images(scaled)
    np.testing.assert_allclose(out, ref, atol=1e-9)


def test_whiten_makes_one_centred_copy_of_the_data():
    """fd539a5's scaling made the scaled data, two centred temporaries for the covariance
    and the centred data again: 4 copies of X at the peak (+460 MiB for 60,000 x 784),
    where one centred copy and the output (2 copies) are all whitening needs."""
    X = np.random.default_rng(0).random((20000, 50))
    whiten(X[:10])  # imports and first-call allocations out of the measurement
    tracemalloc.start()
    try:
        whiten(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2.5 * X.nbytes
