"""train warns of --val-data that is DATA's rows when either comes through a pipe
(``<(cat d.csv)``: a /dev/fd path, read once): the reader's digests of what it read say
so, and the warning names what is the same, as of files: the bytes, or the data once
decompressed (never 'decompressed' of two plain texts). Which is which is checked
against :mod:`hashlib` and :mod:`gzip` on the bytes written here."""

from __future__ import annotations

import gzip
import hashlib
import os
import sys

import pytest

from chainrule.cli import main
from file_helpers import pipe_of

pytestmark = pytest.mark.skipif(not os.path.isdir("/dev/fd") or sys.platform == "win32",
                                reason="no /dev/fd paths of pipes")

TEXT = ("a,b,y\n" + "".join(f"{i},{i % 7},{i % 2}\n" for i in range(30))).encode()


def _pipe(content: bytes, opened: list[int]) -> str:
    """A /dev/fd/N path of a pipe that a thread fills with ``content`` (``<(cmd)``), its
    read end kept in ``opened`` to be closed."""
    path = pipe_of(content)
    opened.append(int(path.rsplit("/", 1)[1]))
    return path


@pytest.fixture
def opened():
    fds: list[int] = []
    yield fds
    for fd in fds:
        os.close(fd)


def _warning(tmp_path, capsys, data: str, val: str) -> str:
    capsys.readouterr()
    assert main(["train", data, "--val-data", val, "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err
    assert "every validation example also trains" in err, err
    return err


def test_two_pipes_of_the_same_bytes(tmp_path, capsys, opened):
    # chainrule train <(cat d.csv) --val-data <(cat d.csv)
    data, val = _pipe(TEXT, opened), _pipe(TEXT, opened)
    err = _warning(tmp_path, capsys, data, val)
    assert f"--val-data {val} holds the same bytes as DATA {data}" in err


def test_a_pipe_and_a_file_of_the_same_bytes(tmp_path, capsys, opened):
    (tmp_path / "d.csv").write_bytes(TEXT)
    val = _pipe(TEXT, opened)
    err = _warning(tmp_path, capsys, str(tmp_path / "d.csv"), val)
    assert f"--val-data {val} holds the same bytes as DATA {tmp_path / 'd.csv'}" in err
    data = _pipe(TEXT, opened)
    err = _warning(tmp_path, capsys, data, str(tmp_path / "d.csv"))
    assert f"--val-data {tmp_path / 'd.csv'} holds the same bytes as DATA {data}" in err


def test_a_pipe_of_the_rows_compressed_is_the_same_data_decompressed(tmp_path, capsys,
                                                                     opened):
    packed = gzip.compress(TEXT)
    assert gzip.decompress(packed) == TEXT  # the same rows ...
    assert hashlib.sha256(packed).digest() != hashlib.sha256(TEXT).digest()  # ... not bytes
    data, val = _pipe(TEXT, opened), _pipe(packed, opened)
    err = _warning(tmp_path, capsys, data, val)
    assert f"--val-data {val} holds the same data (decompressed) as DATA {data}" in err
