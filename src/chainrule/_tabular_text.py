"""The text of DATA for the CSV reader (:mod:`chainrule._tabular_csv`): standard input read
once per command (and said to be waited for on a terminal), and the bytes that are no CSV
text (a NUL byte, gzip, not UTF-8) named with what to do."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path


def _without_nul(lines: Iterable[str], path: Path) -> Iterator[str]:
    """The ``lines`` of the CSV file at ``path``; a ValueError naming the line at a NUL byte.

    Checked before the CSV reader sees a line: Python 3.10's reader refuses it without a
    line number ("line contains NUL"), 3.11's passes it on, and numpy's strings would drop
    it at the end of a cell ('c1\\0' the class 'c1', '2\\0' the number 2).
    """
    for n, text in enumerate(lines, start=1):
        if "\0" in text:
            raise UnreadableFileError(
                f"{path} line {n}: a NUL byte (\\x00); expected a text (CSV) file")
        yield text


class UnreadableFileError(ValueError):
    """DATA's file itself cannot be read as data: not UTF-8 text, malformed CSV, empty,
    a NUL byte, a closed standard input, or an ``.npz`` archive that does not open.

    A ValueError like the reader's other errors; its own class lets a command tell it
    from a fault in the file's columns, about which it may add what the model expects
    (a note on a file's columns would only mislead beside these)."""


#: How messages and a table's ``source`` name the CSV text of DATA "-".
STDIN = "standard input"


#: What standard input held, once read, while :func:`stdin_read_once` is in force (one
#: command's run: DATA "-" read again, by predict --keep, reads it); None: not in force.
_STDIN_READ: dict[str, bytes | str] | None = None


@contextlib.contextmanager
def stdin_read_once() -> Iterator[None]:
    """Within the block (one command line's run), standard input is read at most once:
    a later :func:`_stdin_text` returns what the first read (outside, each reads anew, as
    a stream is read: a second read of a pipe finds it at its end).  The bytes are
    forgotten when the block ends, so that each run in a process reads its own.

    In the block, a read from a terminal says on stderr first what it waits for (a
    command reading ``-`` typed at a shell prompt would otherwise wait without a word)."""
    from ._tabular_digest import digests_kept

    global _STDIN_READ
    before, _STDIN_READ = _STDIN_READ, {}
    try:
        with digests_kept():  # and a file's SHA-256 taken as it is read (_tabular_digest)
            yield
    finally:
        _STDIN_READ = before


def _stdin_bytes(what: str = "CSV") -> bytes | str:
    """All of standard input (a text stream without bytes, such as a test's StringIO: its
    str), read once in a :func:`stdin_read_once` block.

    In that block (a command's run), standard input on a terminal gets a one-line hint
    on stderr first: the command reads ``what`` (e.g. "CSV") from it until Ctrl-D."""
    if _STDIN_READ is not None and "data" in _STDIN_READ:
        return _STDIN_READ["data"]
    stream = sys.stdin
    if stream is None:  # closed before Python started (``<&-``): nothing to read
        raise UnreadableFileError(f"{STDIN}: closed; expected a CSV file piped or redirected to "
                         "the command (cmd < data.csv)")
    if _STDIN_READ is not None and _on_terminal(stream):
        end = "Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"
        print(f"chainrule: reading {what} from standard input; end it with {end} (or "
              "redirect a file: cmd - < file)", file=sys.stderr, flush=True)
    raw = stream.buffer.read() if hasattr(stream, "buffer") else stream.read()
    if _STDIN_READ is not None:
        _STDIN_READ["data"] = raw
    return raw


def _on_terminal(stream: object) -> bool:
    """Whether ``stream`` is a terminal (False for a stream without ``isatty`` or a
    closed one)."""
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError, OSError):
        return False


_GZIP_MAGIC = b"\x1f\x8b"


def _not_utf8(path: Path) -> str:
    """The message for a CSV file at ``path`` whose bytes are not UTF-8 text: a gzip file
    (``.csv.gz``) said to be one, with how to read it; else the line and the value of the
    first byte that is not UTF-8 (a Latin-1 or Windows-1252 file's ``é`` is one byte, 0xe9),
    with how to convert the file.  Read again, whole, only to write this message."""
    raw = path.read_bytes()
    if raw.startswith(_GZIP_MAGIC):
        return (f"{path}: gzip-compressed, not CSV text; name it {path.name}.gz (a .gz, "
                f".bz2 or .xz name is read decompressed), decompress it (gunzip), or pipe "
                f"its text as DATA -: zcat {path} | chainrule ... -")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        return (f"{path} line {line}: byte 0x{raw[exc.start]:02x} is not UTF-8 text; save "
                "the file as UTF-8 (a spreadsheet's \"CSV UTF-8\"; iconv -f latin1 -t utf-8 "
                "converts a Latin-1 file)")
    return f"{path}: not a UTF-8 text (CSV) file"


def _stdin_text() -> io.TextIOBase:
    """The CSV text of standard input (DATA "-"), read once, whole, as UTF-8 (in one
    command's run, a second call returns the same text: :func:`stdin_read_once`).

    The bytes are decoded as the CSV reader reads them, a buffer at a time, from the
    bytes kept (``io.BytesIO`` shares them): neither a str of the whole text nor an
    ``io.StringIO`` of it, which holds up to 4 bytes per character, is made (they
    took about 5 times the input's size on top of its bytes).  Bytes that are not
    UTF-8 are refused by :func:`_read_csv` where the decoding meets them.  Gzip, bzip2
    or xz bytes (told by their first bytes) are decompressed first, as a pipe named as
    DATA is read.

    Raises
    ------
    ValueError
        For an NPZ archive (a zip file, which is read by seeking), or damaged or cut
        compressed bytes, naming standard input.
    """
    raw = _stdin_bytes()
    if isinstance(raw, str):  # a text stream without bytes (a test's StringIO)
        return io.StringIO(raw.removeprefix("\ufeff"), newline="")
    if raw.startswith(b"PK\x03\x04"):
        raise ValueError(f"{STDIN}: an .npz archive; only a CSV file can be read from "
                         "standard input (-): save the archive to a file and give its path")
    # gzip, bzip2 or xz bytes (``cat data.csv.gz | chainrule ... -``), told by their first
    # bytes as a pipe named as DATA is, are decompressed: standard input is held whole anyway
    from ._tabular_compressed import COMPRESSIONS, DAMAGE, damaged, sniffed

    kind = sniffed(raw[:6])
    if kind is not None:
        module = next(module for name, module in COMPRESSIONS.values() if name == kind)
        try:
            raw = module.decompress(raw)
        except (*DAMAGE, ValueError) as exc:  # bz2's cut stream is a ValueError here
            raise damaged(STDIN, kind, exc) from None
        if _STDIN_READ is not None:  # the text's own digest (stdin_content_sha256)
            import hashlib

            _STDIN_READ["content_sha256"] = hashlib.sha256(raw).hexdigest()
    return io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8-sig", newline="")


def stdin_content_sha256() -> str:
    """The SHA-256 (hex) of the CSV text of standard input, decompressed where its bytes
    were gzip, bzip2 or xz (:func:`_stdin_text`): what train records as
    ``data_content_sha256``, the same as a file's of that text.  A text stream without
    bytes (a test's StringIO) is hashed as UTF-8."""
    import hashlib

    from ._tabular_compressed import sniffed

    raw = _stdin_bytes()
    if _STDIN_READ is not None and not isinstance(raw, str) and sniffed(raw[:6]):
        if "content_sha256" not in _STDIN_READ:  # not decompressed yet in this run
            _stdin_text()
        return str(_STDIN_READ["content_sha256"])
    return hashlib.sha256(raw.encode("utf-8") if isinstance(raw, str) else raw).hexdigest()
