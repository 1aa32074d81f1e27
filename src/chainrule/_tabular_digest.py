"""The SHA-256 of a CSV file's bytes, taken as the CSV reader reads them: what ``chainrule
train`` records of its DATA and ``evaluate`` compares, without a second read of the file.

Within :func:`digests_kept` (one command line's run, as
:func:`chainrule._tabular_text.stdin_read_once` is), the CSV reader
(:mod:`chainrule._tabular_csv`) opens its file through :func:`open_hashed`, which hashes
two streams of bytes as they are read: the file's own (a ``.csv.gz``'s compressed bytes,
what ``data_sha256`` records) and the CSV text's (the same file decompressed, what
``data_content_sha256`` records: ``d.csv`` and ``d.csv.gz`` of the same rows have the
same).  Once the reader has read the text to its end, :func:`keep` files both under the
path's absolute name, and :func:`kept` gives them back to the command, which reads the
file no second time (a pipe, ``<(cmd)``, could not be read a second time at all).
Outside that block nothing is hashed (the library's ``read_data``).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from collections.abc import Iterator
from typing import IO, NamedTuple


class Digests(NamedTuple):
    """The SHA-256 (hex) of a file's bytes and of its CSV text's bytes (decompressed)."""

    file: str
    content: str


#: The digests of the files read to their end, by absolute path, while
#: :func:`digests_kept` is in force; None: not in force (nothing is hashed).
_KEPT: dict[str, Digests] | None = None


@contextlib.contextmanager
def digests_kept() -> Iterator[None]:
    """Within the block, the CSV files read are hashed as they are read (:func:`kept`);
    the digests are forgotten when it ends, so that each run in a process has its own."""
    global _KEPT
    before, _KEPT = _KEPT, {}
    try:
        yield
    finally:
        _KEPT = before


def in_force() -> bool:
    """Whether the files read now are hashed (:func:`digests_kept`)."""
    return _KEPT is not None


def _key(path: object) -> str:
    return os.path.abspath(os.fspath(path))  # type: ignore[arg-type]


def kept(path: object) -> Digests | None:
    """The digests of the file at ``path`` as the CSV reader last read it to its end in
    this run; None where it did not (an NPZ file, a bundled set, outside the block)."""
    return None if _KEPT is None else _KEPT.get(_key(path))


class _Hashed(io.RawIOBase):
    """A binary stream whose bytes are hashed as they are read through it."""

    def __init__(self, inner: IO[bytes]) -> None:
        super().__init__()
        self._inner, self.sha = inner, hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        n = self._inner.readinto(b)  # type: ignore[attr-defined]
        if n:
            with memoryview(b) as view:
                self.sha.update(view[:n])
        return n

    def rest(self) -> None:
        """Hash what is left unread (a compressed file's bytes after its stream's end)."""
        while block := self._inner.read(1 << 20):
            self.sha.update(block)

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


#: The size of the buffers between the hashed streams and the text (fewer Python calls).
_BUFFER = 1 << 20


def open_hashed(path: object, decompress=None) -> tuple[io.BufferedReader, _Hashed, _Hashed]:
    """The bytes of the file at ``path`` (decompressed by ``decompress``, a function of a
    binary stream such as ``gzip.open``, where given), buffered, and the two hashing
    streams: of the file's bytes and of the bytes given out (the same stream when
    nothing is decompressed)."""
    raw = _Hashed(io.FileIO(os.fspath(path), "rb"))  # type: ignore[arg-type]
    buffered = io.BufferedReader(raw, _BUFFER)
    if decompress is None:
        return buffered, raw, raw
    content = _Hashed(decompress(buffered))
    return io.BufferedReader(content, _BUFFER), raw, content


class NulFound(Exception):
    """A NUL byte in a file read through :func:`open_plain`: read it again, line by line
    (:func:`chainrule._tabular_text._without_nul`), to name the line that holds it."""


class _NoNul(io.RawIOBase):
    """A file's bytes, each block looked at for a NUL byte (:class:`NulFound`) as it is
    read, before the text decoder or the CSV reader sees it."""

    def __init__(self, path: object, opened: io.FileIO | None = None) -> None:
        super().__init__()
        if opened is not None:  # the file already open (read_data's): read from its start
            opened.seek(0)
        self._inner = (io.FileIO(os.fspath(path), "rb") if opened is None  # type: ignore[arg-type]
                       else opened)

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:  # type: ignore[override]
        n = self._inner.readinto(b)
        if n:
            with memoryview(b) as view:  # 64 KiB copied at a time, not a buffer's worth
                for start in range(0, n, 1 << 16):
                    if view[start:min(n, start + (1 << 16))].tobytes().find(0) >= 0:
                        raise NulFound
        return n

    def close(self) -> None:
        try:
            self._inner.close()
        finally:
            super().close()


def open_plain(path: object, opened: io.FileIO | None = None) -> IO[str]:
    """The UTF-8 text (a byte-order mark taken off, newlines as written) of the plain,
    regular CSV file at ``path``, read once: its bytes are looked at for a NUL byte as
    they are read (:class:`NulFound`, where there is one), not by a read of their own;
    and hashed as :func:`open_hashed`'s are within :func:`digests_kept`.  ``opened``:
    the file already open, read from its start (and closed with the text), not opened
    again."""
    raw = _NoNul(path, opened)
    if not in_force():  # open()'s buffer, as the library's read_data had
        return io.TextIOWrapper(io.BufferedReader(raw), encoding="utf-8-sig", newline="")
    hashed = _Hashed(raw)
    text = io.TextIOWrapper(io.BufferedReader(hashed, _BUFFER), encoding="utf-8-sig",
                            newline="")
    return mark(text, hashed, hashed)


def mark(text: IO[str], raw: _Hashed, content: _Hashed) -> IO[str]:
    """``text``, with the hashing streams it is read through, for :func:`keep`."""
    text._chainrule_hashed = (raw, content)  # type: ignore[attr-defined]
    return text


def keep(path: object, text: IO[str]) -> None:
    """File the digests of ``text`` (a text of :func:`open_hashed`'s, read to its end)
    under ``path``; nothing for a text that is not hashed."""
    hashed = getattr(text, "_chainrule_hashed", None)
    if hashed is None or _KEPT is None:
        return
    raw, content = hashed
    raw.rest()
    _KEPT[_key(path)] = Digests(raw.sha.hexdigest(), content.sha.hexdigest())
