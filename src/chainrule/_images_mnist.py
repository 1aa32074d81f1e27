"""The standard MNIST files (see :mod:`chainrule.images`): IDX arrays, gzipped or not, or
an ``.npz``, read from a path the user gives and checked.  Import from
:mod:`chainrule.images`."""

from __future__ import annotations

import gzip
import math
import os
import zlib
from pathlib import Path

import numpy as np

from ._images_natural import _unit_pixels

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
        codes = ", ".join(f"{c:02x}" for c in _IDX_TYPES)
        raise ValueError(f"path: {str(path)!r} is not an IDX file: its magic number is "
                         f"{data[:4].hex() or 'missing (the file is empty)'}, expected two zero "
                         f"bytes, a type code ({codes}) and the number of dimensions, e.g. "
                         "00000803 for MNIST's images, 00000801 for its labels")
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
    count = math.prod(shape)  # Python ints: NumPy's int64 product wraps (65536**4 is 0)
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
        f"path: no {stem} (or {stem}.gz) in {str(folder)!r} nor in its MNIST/raw "
        "(torchvision's layout); download the four MNIST files "
        "(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, "
        "t10k-labels-idx1-ubyte.gz) into that folder, or give an .npz file")


def _idx_folder(folder: Path, stems: tuple[str, str]) -> Path:
    """``folder``, or its ``MNIST/raw`` (where torchvision's ``MNIST(root=folder)`` keeps
    the files) when only that one holds both files ``stems``.  A file in neither place is
    named as missing from both; each file there but not both in one place (the images at
    the top, the labels in ``MNIST/raw``) is refused saying where each one is."""
    raw = folder / "MNIST" / "raw"
    held = {}  # the stems each place holds
    for place in (folder, raw):
        held[place] = []
        for stem in stems:
            try:
                _find(place, stem)
            except FileNotFoundError:
                continue
            held[place].append(stem)
        if len(held[place]) == len(stems):
            return place
    for stem in stems:
        if stem not in held[folder] and stem not in held[raw]:
            _find(folder, stem)  # raises, naming the file that neither place holds
    # each file is there, but not both in one folder: not "no such file in either"
    raise FileNotFoundError(
        f"path: {str(folder)!r} holds {' and '.join(held[folder])} and its MNIST/raw "
        f"holds {' and '.join(held[raw])}: the {' and '.join(stems)} of one set are "
        "read from one folder; put them together in either of the two")


def load_mnist(path: str | os.PathLike, kind: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """The standard MNIST files from a path the user gives.

    Parameters
    ----------
    path : path
        A folder with the IDX files (``train-images-idx3-ubyte[.gz]``,
        ``train-labels-idx1-ubyte[.gz]``, ``t10k-...`` for the test set), in
        it or in its ``MNIST/raw`` (where torchvision's ``MNIST(root=path)``
        keeps them), or an ``.npz`` with arrays ``x_train, y_train, x_test,
        y_test`` (as in the widely used ``mnist.npz``).
    kind : {"train", "test"}, default "train"

    Returns
    -------
    X : ndarray of shape (n_images, height * width), values in [0, 1]
        Integer pixels (the IDX files' bytes) divided by 255 (``uint16`` ones by
        65535, whatever their values: an .npz of 8-bit pixels saved as uint16
        reads 257 times darker); float pixels kept when in [0, 1], divided by
        255 when whole numbers 0..255.
    y : ndarray of shape (n_images,), integer labels

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist, or neither a folder nor its ``MNIST/raw``
        holds both IDX files of ``kind`` (one in each: the message says so).
    ValueError
        If ``path`` is a file other than an ``.npz`` (a single IDX file), a
        file is malformed, or its pixels are neither 0..255 nor in [0, 1]
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
        folder = _idx_folder(path, _MNIST_FILES[kind])
        files = [_find(folder, stem) for stem in _MNIST_FILES[kind]]
        images, labels = read_idx(files[0]), read_idx(files[1])
        names = tuple(f.name for f in files)
    elif path.is_file():  # it exists: no FileNotFoundError (one IDX file, say)
        raise ValueError(f"path: {str(path)!r} is a file but not an .npz; expected a folder "
                         f"holding the IDX files {' and '.join(_MNIST_FILES[kind])} (or "
                         "their .gz), such as the folder of this file, or an .npz file")
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
        0..255 (integers, or floats of whole numbers), scaled by 1/255, uint16
        values scaled by 1/65535, or floats in [0, 1], kept.
    labels : ndarray
        Shape (n_images,), integers from 0 to 2**63 - 1 (floats only if whole).
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
    if images.size == 0:  # reshape(0, -1) cannot tell how many pixels an image has
        raise ValueError(f"{where}: {names[0]} holds no pixels (shape {images.shape}); "
                         "expected at least one image of at least one pixel")
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
    # the labels are returned as int64: a larger one (a float 1e300, a uint64 2**64 - 1)
    # would wrap around to a negative label there
    limit = 2.0**63 if labels.dtype.kind == "f" else np.iinfo(np.int64).max + 1
    if labels.size and labels.max() >= limit:
        i = int(np.argmax(labels))
        raise ValueError(f"{where}: {names[1]}[{i}] is {labels[i]}; expected labels below "
                         "2**63 (they are returned as int64)")
    X = _unit_pixels(images.reshape(images.shape[0], -1), f"{where}: {names[0]}")
    return X, labels.astype(np.int64)
