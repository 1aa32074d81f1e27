"""PCA/ZCA whitening and patch normalisation against NumPy written out here and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.preprocessing import normalize_patches, whiten, whiten_images


def _correlated(rng, n=300, d=6):
    return rng.normal(size=(n, d)) @ rng.normal(size=(d, d)) + rng.normal(size=d)


@pytest.mark.parametrize("seed", range(5))
def test_pca_whitening_signs_follow_scikit_learns_pca(seed):
    """Each eigenvector's sign was whatever LAPACK's eigh returned, so PCA-whitened data
    differed in sign from scikit-learn's PCA(whiten=True) (and between LAPACK builds).
    Now the entry of largest magnitude of each component is positive, as in scikit-learn:
    with epsilon=0 the two agree up to scikit-learn's n - 1 in the covariance."""
    from sklearn.decomposition import PCA

    rng = np.random.default_rng(seed)
    X = _correlated(rng)
    n = X.shape[0]
    Xw, w = whiten(X, "pca", epsilon=0.0, return_transform=True)
    pca = PCA(whiten=True, svd_solver="full").fit(X)
    np.testing.assert_allclose(Xw, pca.transform(X) * np.sqrt(n / (n - 1)), atol=1e-9)
    # the convention itself: column j of U (matrix = U diag(1/sqrt(s))) has its largest
    # entry in magnitude positive, in the same place as scikit-learn's component j
    big = np.argmax(np.abs(w.matrix), axis=0)
    assert (w.matrix[big, np.arange(w.matrix.shape[1])] > 0).all()
    np.testing.assert_array_equal(big, np.argmax(np.abs(pca.components_), axis=1))
    # new data are whitened with the same signs
    Y = rng.normal(size=(4, X.shape[1]))
    np.testing.assert_allclose(w.transform(Y), pca.transform(Y) * np.sqrt(n / (n - 1)),
                               atol=1e-9)


def test_pca_whitening_does_not_depend_on_the_order_of_the_features(rng):
    """Permuting the features permutes the rows of U and leaves the whitened data as they
    are; eigh returned other signs for the permuted covariance, and the PCA output
    changed sign with them."""
    X = _correlated(rng)
    Xw = whiten(X, "pca", epsilon=0.01, n_components=4)
    for order in (np.arange(X.shape[1])[::-1], np.roll(np.arange(X.shape[1]), 2)):
        np.testing.assert_allclose(whiten(X[:, order], "pca", 0.01, n_components=4), Xw,
                                   atol=1e-9)


def test_whitening_inverse_transform_recovers_the_data(rng):
    """Whitening had no inverse_transform (scikit-learn's PCA has one): whitened patches,
    or an autoencoder's reconstructions of them, could not be taken back to pixels."""
    from sklearn.decomposition import PCA

    X = _correlated(rng, n=200, d=5)
    for method, eps in (("zca", 0.0), ("zca", 0.1), ("pca", 0.0), ("pca", 0.1)):
        Xw, w = whiten(X, method, eps, return_transform=True)
        np.testing.assert_allclose(w.inverse_transform(Xw), X, atol=1e-10)
    # with fewer components: the projection onto the leading eigenvectors (NumPy here)
    Xc = X - X.mean(axis=0)
    s, U = np.linalg.eigh(Xc.T @ Xc / len(X))
    Uk = U[:, np.argsort(s)[::-1][:2]]
    Xw, w = whiten(X, "pca", 0.05, n_components=2, return_transform=True)
    np.testing.assert_allclose(w.inverse_transform(Xw), Xc @ Uk @ Uk.T + X.mean(axis=0),
                               atol=1e-10)
    pca = PCA(2, whiten=True, svd_solver="full").fit(X)
    np.testing.assert_allclose(w.inverse_transform(Xw),
                               pca.inverse_transform(pca.transform(X)), atol=1e-10)
    # a singular covariance with epsilon > 0: ZCA still inverts exactly
    S = np.c_[X[:, :3], X[:, 0] + X[:, 1], np.ones(len(X))]
    Sw, ws = whiten(S, "zca", 0.01, return_transform=True)
    np.testing.assert_allclose(ws.inverse_transform(Sw), S, atol=1e-9)
    # dtype and checks, naming the argument
    assert w.inverse_transform(Xw.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match=r"X_white must have 2 columns .* got 5"):
        w.inverse_transform(X)
    bad = Xw.copy()
    bad[1, 1] = np.nan
    with pytest.raises(ValueError, match="X_white contains 1 NaN"):
        w.inverse_transform(bad)


@pytest.mark.parametrize("scale", [1e-300, 1e-10, 1e-6, 1.0, 1e300])
def test_whiten_images_has_unit_variance_at_any_scale(rng, scale):
    """whiten_images divided by std + 1e-12: images in small units (1e-10) came out with a
    variance of 0.65, not 1; 1e-300 or 1e300 (squares out of range) came out as zeros."""
    imgs = rng.random((2, 12, 15))
    # the documented filter, written out: |f| exp(-(|f| / (cutoff * 0.5))^4)
    f = np.hypot(np.fft.fftfreq(12)[:, None], np.fft.fftfreq(15)[None, :])
    ref = np.real(np.fft.ifft2(np.fft.fft2(imgs - imgs.mean(axis=(1, 2), keepdims=True))
                               * f * np.exp(-(f / 0.4) ** 4)))
    ref = (ref - ref.mean(axis=(1, 2), keepdims=True)) / ref.std(axis=(1, 2), keepdims=True)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = whiten_images(imgs * scale)
    np.testing.assert_allclose(out.std(axis=(1, 2)), 1.0, rtol=1e-12)
    np.testing.assert_allclose(out, ref, atol=1e-12)
    assert whiten_images(np.full((4, 5), 3.0 * scale)).tolist() == np.zeros((4, 5)).tolist()


@pytest.mark.parametrize("scale", [1e-200, 1e-170, 1.0, 1e160, 1e300])
def test_normalize_patches_is_ufldls_rule_at_any_scale(rng, scale):
    """UFLDL's normalisation, written out in NumPy (std dividing by N, as documented) on
    patches of ordinary size; before, patches of order 1e160 or 1e-170 (squares out of
    range) all came out as 0.5."""
    P = rng.normal(size=(40, 16)) * 2 + 1
    Q = P - P.mean(axis=1, keepdims=True)
    pstd = 3 * Q.std()
    ref = (np.clip(Q, -pstd, pstd) / pstd + 1) * 0.4 + 0.1
    assert 0 < (np.abs(Q) > pstd).sum() < Q.size  # the truncation is exercised
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = normalize_patches(P * scale)
    np.testing.assert_allclose(out, ref, atol=1e-13)
    assert normalize_patches(np.full((3, 4), scale)).tolist() == np.full((3, 4), 0.5).tolist()


def test_normalize_patches_divides_the_std_by_n_as_documented(rng):
    """The documented divisor N (NumPy's std) against UFLDL's MATLAB std (N - 1): on
    10,000 patches of 64 values the two agree to within 4e-7, as the docstring says."""
    P = rng.normal(size=(10_000, 64))
    Q = P - P.mean(axis=1, keepdims=True)
    outs = {}
    for ddof in (0, 1):
        limit = 3 * np.sqrt(((Q - Q.mean()) ** 2).sum() / (Q.size - ddof))
        outs[ddof] = (np.clip(Q, -limit, limit) / limit + 1) * 0.4 + 0.1
    out = normalize_patches(P)
    np.testing.assert_allclose(out, outs[0], atol=1e-14)
    assert 1e-8 < np.abs(out - outs[1]).max() < 4e-7


@pytest.mark.parametrize("method", ["zca", "pca"])
@pytest.mark.parametrize("scale", [1e-200, 1e-160, 1.0, 1e160, 1e300])
def test_whiten_gives_the_same_whitened_data_at_any_scale(rng, method, scale):
    """With epsilon=0 whitening does not depend on the data's scale.  Before, data of
    order 1e-200 were refused as a singular covariance (rank 0), 1e-160 came out wrong by
    2%, and from 1e160 on eigh failed ('Eigenvalues did not converge')."""
    X = _correlated(rng, n=60, d=4)
    Y = rng.normal(size=(3, 4))
    # NumPy on the data at scale 1: C = V diag(s) V^T, PCA Xc V diag(s)^-1/2, ZCA @ V^T
    mean = X.mean(axis=0)
    Xc, Yc = X - mean, Y - mean
    s, V = np.linalg.eigh(Xc.T @ Xc / len(X))
    s, V = s[::-1], V[:, ::-1]
    M = V / np.sqrt(s)
    if method == "zca":
        M = M @ V.T
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        Xw, w = whiten(X * scale, method, 0.0, return_transform=True)
        Yw = w.transform(Y * scale)
        back = w.inverse_transform(Xw)
    if method == "pca":  # each component's sign: see test_pca_whitening_signs_...
        signs = np.sign(np.sum(Xw * (Xc @ M), axis=0))
        M = M * signs
    np.testing.assert_allclose(Xw, Xc @ M, atol=1e-10)
    np.testing.assert_allclose(Yw, Yc @ M, atol=1e-10)
    np.testing.assert_allclose(back / scale, X, atol=1e-10)
    # epsilon is in the data's units: at 1e-200 the variances vanish beside it
    if scale == 1e-200:
        np.testing.assert_allclose(whiten(X * scale, "zca", 0.01), Xc * scale / 0.1,
                                   rtol=1e-12)
