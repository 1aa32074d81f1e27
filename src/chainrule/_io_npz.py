"""The reader of :mod:`chainrule.io`'s ``.npz`` archives: every member's sizes and
``.npy`` header checked against the file before an array is read, and no pickle.
Import from :mod:`chainrule.io`."""

from __future__ import annotations

import contextlib
import os
import tokenize
import zipfile
import zlib
from collections.abc import Collection, Iterator
from typing import IO

import numpy as np
from numpy.lib.npyio import NpzFile

# What numpy and zipfile raise on damaged archives: a bad header or CRC (BadZipFile,
# ValueError), a cut-off member (EOFError, OSError), a broken deflate stream (zlib.error),
# a corrupted compression-method field (NotImplementedError), a missing member (KeyError),
# a member flagged as encrypted (RuntimeError), a size no memory holds (MemoryError; the
# headers are checked against the members' sizes first, see :func:`read_npz`), a garbled
# .npy header that NumPy's parser gives up on (SyntaxError, tokenize.TokenError).
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, NotImplementedError, zipfile.BadZipFile,
                zlib.error, RuntimeError, MemoryError, SyntaxError, tokenize.TokenError)
_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"  # an archive of no members (np.savez with no arrays)


# deflate codes at most 258 bytes (its longest match) in 2 bits: no stream grows more than this
_DEFLATE_MAX_RATIO = 1032


def _check_extent(info: zipfile.ZipInfo, archive_size: int) -> None:
    """Raise ValueError when the zip directory gives a member more bytes than the archive holds.

    The sizes the directory claims (which :func:`_check_member` checks the
    .npy header against) must fit in the file: the compressed data inside the
    archive, as many bytes out as in for a stored member, no more than
    deflate can produce for a deflated one.  A forged size (4 GB in a file of
    a few hundred bytes) is refused before memory is set aside for it.  An
    encrypted member's data holds 12 bytes more than its own (the encryption
    header): :func:`_check_member` names it as encrypted, before reading it.
    """
    name, packed, size = info.filename, info.compress_size, info.file_size
    if info.header_offset + packed > archive_size:
        raise ValueError(f"the member {name!r} claims {packed} bytes of data from byte "
                         f"{info.header_offset} on, past the end of the archive "
                         f"({archive_size} bytes)")
    if info.flag_bits & 0x1:  # encrypted (zip -e): not read; _check_member says so
        return
    if info.compress_type == zipfile.ZIP_STORED and size != packed:
        raise ValueError(f"the member {name!r} is stored uncompressed but claims {size} bytes "
                         f"from {packed}")
    if info.compress_type == zipfile.ZIP_DEFLATED and size > _DEFLATE_MAX_RATIO * packed:
        raise ValueError(f"the member {name!r} claims {size} bytes from {packed} compressed "
                         f"ones; deflate gives at most {_DEFLATE_MAX_RATIO} times as many")


def npy_header(fh: IO[bytes]) -> tuple[tuple[int, ...], np.dtype]:
    """The shape and dtype a ``.npy`` stream's header announces, reading nothing further.

    ``fh`` is at the start of the stream (an archive member opened with
    ``ZipFile.open``); it is left just past the header.
    """
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(fh)
    else:
        shape, _, dtype = np.lib.format.read_array_header_2_0(fh)
    return shape, dtype


def _check_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Raise ValueError when an archive member is encrypted or its .npy header lies.

    The header's shape and dtype must account for exactly the bytes the member
    holds, so that a forged shape is refused before memory is set aside for it.
    """
    name = info.filename
    if info.flag_bits & 0x1:
        raise ValueError(f"the member {name!r} is encrypted; expected plain .npy arrays")
    with zf.open(info) as fh:
        shape, dtype = npy_header(fh)
        if dtype.hasobject:
            raise ValueError(f"the member {name!r} holds Python objects; expected numbers or "
                             "text")
        needed = int(np.prod(shape, dtype=object)) * dtype.itemsize
        held = info.file_size - fh.tell()
    if needed != held:
        raise ValueError(
            f"the member {name!r} claims shape {shape} of {dtype} ({needed} bytes) but holds "
            f"{held} bytes"
        )


def read_npz(path: str | os.PathLike,
             only: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """All arrays of the ``.npz`` archive at ``path``, read without pickle.

    The file must start as a zip archive does, every member's sizes must fit
    in the file and agree with its header, and no array may be there twice,
    before any array is read.

    Parameters
    ----------
    path : str or PathLike
    only : collection of str, optional
        The names of the arrays to read (those of them the archive holds), the others'
        data left unread (their headers checked all the same); default: every array.

    Returns
    -------
    dict of str to ndarray

    Raises
    ------
    ValueError, OSError, EOFError, KeyError, NotImplementedError, zipfile.BadZipFile, \
zlib.error, RuntimeError, MemoryError, SyntaxError, tokenize.TokenError
        The errors of ``_READ_ERRORS``: callers catch that tuple and name the file.
    """
    with open(path, "rb") as fh:
        magic = fh.read(len(_ZIP_MAGIC))
    if not magic:  # b"" would read as "it starts with b''"
        raise ValueError("an empty file (0 bytes); expected an .npz archive")
    if magic not in (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC):
        from ._io_kind import text_line

        line = text_line(path)  # a CSV file given for a model file: say what it holds
        if line is not None:
            raise ValueError(f"not an .npz archive: it holds text, its first line {line!r:.80} "
                             "(a CSV file of data?)")
        raise ValueError(f"not an .npz archive (it starts with {magic!r}, an .npz archive with "
                         f"{_ZIP_MAGIC!r})")
    with zipfile.ZipFile(path) as zf:
        members: dict[str, str] = {}  # array name (as np.load gives it) -> member
        for info in zf.infolist():
            key = info.filename.removesuffix(".npy")
            if key in members:  # np.load would keep one of them without a word
                raise ValueError(f"the array {key!r} is in the archive twice (the members "
                                 f"{members[key]!r} and {info.filename!r})")
            members[key] = info.filename
            _check_extent(info, os.path.getsize(path))
            with _ends_early(info.filename):
                _check_member(zf, info)
    data = np.load(path, allow_pickle=False)
    if not isinstance(data, NpzFile):  # pragma: no cover - the magic was checked above
        raise ValueError(f"found a single {type(data).__name__}, not an .npz archive")
    arrays = {}
    with data:
        for key in data.files:
            if only is not None and key not in only:
                continue
            with _ends_early(members[key]):
                arrays[key] = data[key]
    return arrays


def native_order(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """``arrays`` with each array of the other byte order swapped into this machine's.

    A file written on a big-endian machine (or by a tool that writes that order) holds
    '>f8', '>f4', '>i8' arrays: the same numbers as '<f8', ..., whose dtype compares
    unequal to float64.  Swapped here, once, every reader of a model file (a network,
    an estimator, an autoencoder, a checkpoint) sees the arrays of the native file, and
    its checks of the dtype refuse only another dtype ('>f4' for a float64 network is
    float32).  A native array is returned as it is (no copy).

    Parameters
    ----------
    arrays : dict of str to ndarray

    Returns
    -------
    dict of str to ndarray
    """
    return {name: values if values.dtype.isnative or values.dtype.fields is not None
            else values.byteswap().view(values.dtype.newbyteorder("="))
            for name, values in arrays.items()}


@contextlib.contextmanager
def _ends_early(member: str) -> Iterator[None]:
    """Give the EOFError zipfile raises without a word (a member whose compressed data runs
    out before its size) a message that names the member."""
    try:
        yield
    except EOFError as exc:
        if str(exc):
            raise
        raise EOFError(f"the data of the member {member!r} ends before its size (truncated "
                       "or corrupted)") from None
