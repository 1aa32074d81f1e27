"""Compressed CSV files for the CSV reader (:mod:`chainrule._tabular_csv`): ``.csv.gz``,
``.csv.bz2`` and ``.csv.xz``, chosen by the name's last suffix (any case) as pandas'
``read_csv`` chooses them (``compression="infer"``), and read as text through Python's
:mod:`gzip`, :mod:`bz2` and :mod:`lzma`, a buffer at a time: the file is never
decompressed whole into memory, and the rows come as they do from a plain file (the
same line numbers in messages).

A damaged or truncated file (a CRC that does not match, an end-of-stream marker that never
comes, bytes that are no such stream at all) is refused naming the file and the
compression (:func:`damaged`), not with the decompressor's own exception."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import zlib
from pathlib import Path
from typing import IO

from ._tabular_digest import _Hashed, in_force, mark, open_hashed
from ._tabular_text import UnreadableFileError

#: The compressions read, by the file name's last suffix (lower-cased): (name, module).
COMPRESSIONS = {".gz": ("gzip", gzip), ".bz2": ("bzip2", bz2), ".xz": ("xz", lzma)}

#: What a compressed file's reading may raise: :func:`is_damage` tells damage among them.
DAMAGE = (OSError, EOFError, zlib.error, lzma.LZMAError)

#: What each compression's tool is called, for the messages (to test or decompress it).
_TOOLS = {"gzip": "gzip -t", "bzip2": "bzip2 -t", "xz": "xz -t"}


def compression(path: object) -> str | None:
    """The compression of the CSV file ``path`` by its name ("gzip", "bzip2", "xz"), or
    None (a plain file, standard input)."""
    if not isinstance(path, (str, Path)):
        return None
    found = COMPRESSIONS.get(Path(path).suffix.lower())
    return None if found is None else found[0]


#: The first bytes of each compression's stream, which tell a pipe's (it has no name that
#: says it: ``<(cat data.csv.gz)`` is /dev/fd/63) as standard input's first bytes are read.
MAGIC = {"gzip": b"\x1f\x8b", "xz": b"\xfd7zXZ\x00"}


def sniffed(head: bytes) -> str | None:
    """The compression whose stream begins with ``head`` (at least its first 4 bytes), or
    None: gzip's and xz's magic numbers, bzip2's "BZh" and a block size digit."""
    if head[:3] == b"BZh" and head[3:4].isdigit() and head[3:4] != b"0":
        return "bzip2"
    return next((kind for kind, magic in MAGIC.items() if head.startswith(magic)), None)


def open_data(path: str | Path) -> tuple[IO[str], str | None]:
    """:func:`open_csv`'s text of ``path`` and its compression: by the name, or, for a
    path that is no regular file and has no such name (a pipe: a FIFO, /dev/fd/N), by
    its first bytes, peeked at without losing them, then read decompressed a buffer at
    a time as a named file is."""
    kind = compression(path)
    if in_force():  # a command's run: hashed as it is read (_tabular_digest)
        return _open_hashed(path, kind)
    if kind is not None or Path(path).is_file():
        return open_csv(path), kind
    raw = open(path, "rb")
    kind = sniffed(raw.peek(6)[:6])
    if kind is None:
        return io.TextIOWrapper(raw, encoding="utf-8-sig", newline=""), None
    module = next(module for name, module in COMPRESSIONS.values() if name == kind)
    return _PipeText(module.open(raw, "rb"), raw), kind


def _open_hashed(path: str | Path, kind: str | None) -> tuple[IO[str], str | None]:
    """:func:`open_data`'s text, read through the hashing streams of
    :func:`~chainrule._tabular_digest.open_hashed` (the file's bytes, the text's)."""
    if kind is None and not Path(path).is_file():  # a pipe: by its first bytes
        buffered, raw, _ = open_hashed(path)
        try:
            kind = sniffed(buffered.peek(6)[:6])
        except BaseException:
            buffered.close()
            raise
        if kind is None:
            return mark(io.TextIOWrapper(buffered, encoding="utf-8-sig", newline=""),
                        raw, raw), None
        module = next(module for name, module in COMPRESSIONS.values() if name == kind)
        content = _Hashed(module.open(buffered, "rb"))
        text = _PipeText(io.BufferedReader(content, 1 << 20), buffered)
        return mark(text, raw, content), kind
    module = None if kind is None else COMPRESSIONS[Path(path).suffix.lower()][1]
    binary, raw, content = open_hashed(
        path, None if module is None else (lambda fh: module.open(fh, "rb")))
    text = (io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") if module is None
            else _PipeText(binary, raw))
    return mark(text, raw, content), kind


class _PipeText(io.TextIOWrapper):
    """The text of a pipe's decompressed bytes, which closes the pipe with itself (a
    decompressor given a file object leaves it open)."""

    def __init__(self, binary: IO[bytes], pipe: IO[bytes]):
        super().__init__(binary, encoding="utf-8-sig", newline="")
        self._pipe = pipe

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._pipe.close()


def open_csv(path: str | Path) -> IO[str]:
    """The text of the CSV file ``path``, as UTF-8 (a byte-order mark taken off), with
    newlines as written (the :mod:`csv` module's ``newline=""``), decompressed as it is
    read where its name says it is compressed (:func:`compression`)."""
    found = COMPRESSIONS.get(Path(path).suffix.lower())
    if found is None:
        return open(path, newline="", encoding="utf-8-sig")
    return found[1].open(path, "rt", encoding="utf-8-sig", newline="")


def is_damage(exc: BaseException) -> bool:
    """Whether ``exc``, raised while a compressed file was read, says that its bytes are
    not a whole stream of that compression: gzip's ``BadGzipFile``, bz2's "Invalid data
    stream" (an OSError without an errno, unlike a failing disk's), ``EOFError`` (the
    stream cut short), ``zlib.error``, ``lzma.LZMAError``."""
    if isinstance(exc, (EOFError, zlib.error, lzma.LZMAError)):
        return True
    return isinstance(exc, OSError) and exc.errno is None


def damaged(path: str | Path, kind: str, exc: BaseException) -> UnreadableFileError:
    """The error for the ``kind``-compressed file ``path`` whose bytes ``exc`` says are
    damaged, cut short or of no such compression."""
    why = str(exc) or type(exc).__name__
    if isinstance(exc, EOFError):
        why = f"truncated: {why}"
    suffix = Path(path).suffix
    if compression(path) is None:  # a pipe, whose first bytes said it
        return UnreadableFileError(
            f"{path}: damaged or truncated {kind}-compressed stream ({why}); its first bytes "
            f"say it is {kind}-compressed CSV text: check the file it comes from with "
            f"{_TOOLS[kind]}, or pipe plain CSV text")
    return UnreadableFileError(
        f"{path}: damaged or truncated {kind}-compressed file ({why}); its name's "
        f"{suffix} suffix says it is {kind}-compressed CSV text: check it with "
        f"{_TOOLS[kind]} {path}, or name a plain CSV file .csv")


def not_utf8(path: str | Path, kind: str) -> str:
    """The message for the ``kind``-compressed CSV file ``path`` whose text is not UTF-8:
    the line and the value of its first byte that is not (as for a plain file), found by
    decompressing it again a line at a time (never whole); a pipe's, which cannot be
    read again, in general words."""
    if compression(path) is None:
        return f"{path}: not UTF-8 text once decompressed ({kind}); expected a CSV file"
    found = COMPRESSIONS[Path(path).suffix.lower()][1]
    try:
        with found.open(path, "rb") as raw:
            for n, line in enumerate(raw, start=1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return (f"{path} line {n}: byte 0x{line[exc.start]:02x} (decompressed) "
                            f"is not UTF-8 text; save the file as UTF-8 (a spreadsheet's "
                            "\"CSV UTF-8\"; iconv -f latin1 -t utf-8 converts a Latin-1 "
                            f"file), then compress it again")
    except DAMAGE as exc:  # a damaged stream: said as such
        if is_damage(exc):
            return str(damaged(path, kind, exc))
        raise
    return f"{path}: not UTF-8 text once decompressed ({kind}); expected a CSV file"
