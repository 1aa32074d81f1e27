"""What a file given in the wrong place is, for the message that refuses it: the text
of a CSV file read as a model file (an ``.npz`` archive), or a chainrule file (a model,
an estimator, a checkpoint) read as data.  Import from :mod:`chainrule.io`."""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
import zlib
from typing import BinaryIO

import numpy as np

# the formats chainrule writes, as a message names what they hold
_KINDS = {
    "chainrule.network": "a model file (of chainrule train, tune -o or Network.save)",
    "chainrule.estimator": "an estimator's file (MLPClassifier or MLPRegressor .save)",
    "chainrule.autoencoder": "an estimator's file (an autoencoder's or SoftmaxRegression's "
                             ".save)",
    "chainrule.checkpoint": "a checkpoint of chainrule train (--checkpoint)",
}


def text_line(path: str | os.PathLike, limit: int = 160) -> str | None:
    """The first line of the file ``path`` when its first bytes are text (a CSV file),
    else None (bytes of a binary file, an empty file, a file that cannot be read)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(limit)
    except OSError:
        return None
    if not head or b"\x00" in head:
        return None
    lines = head.decode("utf-8", errors="ignore").splitlines()
    line = lines[0].strip() if lines else ""
    return line if line and line.isprintable() else None


def saved_kind(meta: object) -> str | None:
    """What a chainrule file whose ``__meta__`` record is ``meta`` (its array, or the text)
    holds, in words ("a model file (...)"), or None when it is no chainrule record."""
    try:
        record = json.loads(str(meta))
    except (ValueError, RecursionError):
        return None
    fmt = record.get("format") if isinstance(record, dict) else None
    if not isinstance(fmt, str) or not fmt.startswith("chainrule."):
        return None
    return _KINDS.get(fmt, f"a chainrule file (format {fmt!r})")


def saved_kind_of_file(path: str | os.PathLike) -> str | None:
    """:func:`saved_kind` of the file ``path``, reading its ``__meta__`` member alone; None
    for a file that is no chainrule archive (a CSV file, data arrays, no file)."""
    try:
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("__meta__.npy")
            if info.file_size > 1 << 24:  # no record of a chainrule file is this long
                return None
            with zf.open(info) as fh:
                meta = np.lib.format.read_array(fh, allow_pickle=False)
    except (OSError, KeyError, ValueError, EOFError, zipfile.BadZipFile, RuntimeError,
            NotImplementedError, SyntaxError, MemoryError):
        return None
    return saved_kind(meta) if meta.ndim == 0 and meta.dtype.kind == "U" else None


def looks_like_data(path: str | os.PathLike) -> bool:
    """Whether the file ``path`` holds data rather than a chainrule file: text (a CSV
    file), or an ``.npz`` archive of an array ``X`` and no ``__meta__`` record."""
    if text_line(path) is not None:
        return True
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (OSError, ValueError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return False
    return "X.npy" in names and "__meta__.npy" not in names


def npz_members(path: str | os.PathLike) -> set[str] | None:
    """The names of the arrays an ``.npz`` archive ``path`` holds (``X``, ``y``,
    ``feature_names`` ...), from its zip directory alone; None for no readable archive."""
    try:
        with zipfile.ZipFile(path) as zf:
            return {name.removesuffix(".npy") for name in zf.namelist()}
    except (OSError, ValueError, zipfile.BadZipFile, RuntimeError, NotImplementedError):
        return None


# IDX (the MNIST files'): two zero bytes, a type code, the number of dimensions
_IDX_TYPES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32",
              0x0D: "float32", 0x0E: "float64"}


def idx_note(path: str | os.PathLike, opened: BinaryIO | None = None) -> str | None:
    """The refusal of an IDX file (MNIST's format, gzipped or not) given as data, or None.

    A CSV reader took such a file for text and refused its first byte as no UTF-8
    ("byte 0xcf is not UTF-8 text"); the message names the format, the array's shape
    and how to make the NPZ file that chainrule reads.  A file of text never starts with
    the two zero bytes of an IDX header.  ``opened``: the file already open (binary,
    seekable), looked at from its start and left there, not opened again.
    """
    import gzip

    try:
        with contextlib.nullcontext(opened) if opened is not None else open(path, "rb") as raw:
            try:
                raw.seek(0)
                head = raw.read(2)
                raw.seek(0)
                # (a GzipFile given a file object leaves it open)
                with (gzip.GzipFile(fileobj=raw, mode="rb") if head == b"\x1f\x8b" else
                      contextlib.nullcontext(raw)) as fh:
                    head = fh.read(4)
                    if len(head) < 4 or head[:2] != b"\x00\x00" or head[2] not in _IDX_TYPES \
                            or not 1 <= head[3] <= 4:
                        return None
                    dims = np.frombuffer(fh.read(4 * head[3]), dtype=">i4")
            finally:
                raw.seek(0)
    except (OSError, EOFError, ValueError, zlib.error):
        return None
    if len(dims) != head[3] or (dims < 1).any():
        return None
    shape = " x ".join(map(str, dims))
    what = "images" if len(dims) == 3 else "labels" if len(dims) == 1 else "an array"
    return (f"{path}: an IDX file (the MNIST format) of {what}, shape {shape} of "
            f"{_IDX_TYPES[head[2]]} values, not a CSV or NPZ file; make the NPZ file that "
            "chainrule reads, images and labels together: python -c \"import numpy as np; "
            "from chainrule.images import read_idx; np.savez('mnist.npz', "
            "X=read_idx('train-images-idx3-ubyte.gz'), "
            "y=read_idx('train-labels-idx1-ubyte.gz'))\" (an X of shape (n, H, W) is read "
            "as grey images of 1 x H x W)")

