"""The standard output as a file: ``predict -o -`` and ``trace --output -`` write there
the bytes ``-o FILE`` (``--output FILE``) would hold, whatever the locale and platform."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import BinaryIO, TextIO

__all__ = ["utf8_stdout"]


class _Utf8Lines:
    """A writer of text as UTF-8 bytes to a byte stream, as is: what :func:`utf8_stdout`
    gives the CSV writer (which needs only ``write``)."""

    def __init__(self, buffer: BinaryIO) -> None:
        self.buffer = buffer

    def write(self, text: str) -> int:
        """Write ``text`` as UTF-8, no newline translated; returns its length."""
        self.buffer.write(text.encode("utf-8"))
        return len(text)


@contextlib.contextmanager
def utf8_stdout() -> Iterator[TextIO | _Utf8Lines]:
    """The standard output, written as UTF-8 with "\\n" line ends within the block, as
    predict's CSV file and trace's ``--output`` file are written (and DATA - read),
    whatever the locale and platform: a label "éléphant" is the same bytes piped as in
    the file, not Latin-1 or an error of the ASCII codec, and a line ends in "\\n", not
    the "\\r\\n" a Windows console's newline translation would write.  The block writes
    the bytes to ``sys.stdout.buffer`` itself: ``sys.stdout``, its encoding, error
    handler and newline translation, is never changed (main() may run again in the
    process, whose prints go on as before).  A stream without a byte buffer (an
    ``io.StringIO`` put in its place) is written as it is."""
    stream = sys.stdout
    buffer = getattr(stream, "buffer", None)
    if buffer is None:
        yield stream
        return
    stream.flush()  # text printed before, in its own encoding, goes first
    yield _Utf8Lines(buffer)
    buffer.flush()  # a closed pipe raises here, as a print would
