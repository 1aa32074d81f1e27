"""Natural images for the sparse autoencoder (see :mod:`chainrule.images`): photographs
read as grayscale arrays in [0, 1], downsampled by block means, and cut into patches
reproducibly.  Import from :mod:`chainrule.images`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._validation import check_finite_array, check_positive_int, data_dtype
from .initializers import make_rng


# --- natural images ----------------------------------------------------------------------------
def _unit_pixels(values: np.ndarray, what: str) -> np.ndarray:
    """Pixel values as float64 in [0, 1]: the rule of :func:`to_grayscale` and :func:`load_mnist`.

    Booleans (a binary image) are 0 and 1.  ``uint16`` values are 16-bit values
    0..65535 and are divided by 65535, whatever their largest value (the dtype's
    range, as scikit-image's ``img_as_float`` and matplotlib's reading of a 16-bit
    PNG take them: a dark 16-bit TIFF stays dark).  Other integers are 8-bit
    values 0..255 and are divided by 255.  Floats in [0, 1] are kept as they are;
    floats that are all whole numbers in 0..255, some above 1, are 8-bit values
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
    if values.dtype == np.uint16:  # 16 bits, as the dtype says
        return values.astype(np.float64) / 65535.0
    low, high = values.min(), values.max()
    if values.dtype.kind in "iu":
        if low < 0 or high > 255:
            # a uint16 array only for values it holds (astype wraps -1 to 65535)
            wide = ("16-bit values are read as such from a uint16 array (divided by 65535): "
                    "pass one, or " if low >= 0 and high <= 65535 else "")
            raise ValueError(f"{what}: integer pixel values must be 0..255 (8 bits), got values "
                             f"from {low} to {high} ({values.dtype}); {wide}rescale the values "
                             "to [0, 1] first")
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
        Boolean images are read as 0 and 1, ``uint16`` images as 0..65535
        whatever their values (8-bit data widened to uint16 reads 257 times
        darker: pass it as uint8), other integer images as 0..255, float
        images as 0..1 (a float image of
        whole numbers 0..255 as 0..255; other values outside [0, 1] are
        refused); RGB is mixed with the luminance
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
        pixels are neither 0..255, 16-bit nor in [0, 1] (all naming the path); an
        empty ``paths``.
    TypeError
        If ``paths`` is not a path or a sequence of paths.
    """
    downsample = check_positive_int(downsample, "downsample")  # before any file is read
    if paths is None:
        from sklearn.datasets import load_sample_images

        raw = load_sample_images().images
        images = [to_grayscale(img) for img in raw]
    else:
        if isinstance(paths, (str, os.PathLike)):
            paths = [paths]
        if not hasattr(paths, "__iter__"):
            raise TypeError(f"paths must be a sequence of image file paths, got {paths!r} "
                            f"({type(paths).__name__})")
        paths = list(paths)
        if not paths:  # [] gave [] back, and natural_patches then said "images is empty"
            raise ValueError("paths must name at least one image file (or be None for "
                             "scikit-learn's two photographs), got none")
        for i, p in enumerate(paths):
            if not isinstance(p, (str, os.PathLike)):
                raise TypeError(f"paths[{i}] must be a path (str or os.PathLike), got {p!r} "
                                f"({type(p).__name__})")
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
            try:  # pixels that are no 8-bit, 16-bit or [0, 1] values (32-bit ints): which file
                images.append(to_grayscale(img))
            except ValueError as exc:
                raise ValueError(f"paths: {str(p)!r}: {exc}") from None
    names = _image_names(paths, len(images))
    for name, img in zip(names, images, strict=True):
        if downsample > min(img.shape):  # block_mean's message would name its own factor
            raise ValueError(f"downsample={downsample} is larger than {name}, of "
                             f"{img.shape[0]} x {img.shape[1]} pixels; give downsample <= "
                             f"{min(img.shape)}")
    if downsample != 1:
        images = [block_mean(img, downsample) for img in images]
    return images


def _image_names(paths: Sequence[str | os.PathLike] | None, n: int) -> list[str]:
    """How messages name the images of :func:`load_natural_images` (paths as it takes them)."""
    if paths is None:
        return [f"scikit-learn's sample photograph {i}" for i in range(n)]
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    return [f"the image {str(p)!r}" for p in paths]


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
