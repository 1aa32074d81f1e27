"""A CSV file that is not UTF-8 text: a gzip file named ``.csv`` (one named ``.csv.gz``
is read decompressed: tests/test_csv_compressed.py), or a file saved in Latin-1 by a
spreadsheet.  Before, both were refused with "FILE: not a UTF-8 text (CSV) file", which
says neither where nor what to do; now a gzip file is said to be one, with how to read
it, and an encoding error names its line and byte.  The references are the gzip module's
bytes and the line counted by the test from the rows it writes."""

from __future__ import annotations

import gzip
import io
import sys

import pytest

from chainrule.cli import main
from chainrule.tabular import read_data

ROWS = [f"{i / 10},{i % 3},{'ab'[i % 2]}" for i in range(30)]


def _text(cafe_row: int | None = None) -> str:
    rows = ["x1,x2,y", *ROWS]
    if cafe_row is not None:
        rows[cafe_row] = "0.5,1,caf\u00e9"
    return "\n".join(rows) + "\n"


def test_a_gzip_file_is_said_to_be_one(tmp_path, capsys):
    # named .csv: a .csv.gz file is read decompressed (tests/test_csv_compressed.py)
    path = tmp_path / "d.csv"
    path.write_bytes(gzip.compress(_text().encode()))
    assert main(["train", str(path), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: gzip-compressed, not CSV text; name it d.csv.gz" in err
    assert f"zcat {path} | chainrule ... -" in err and "Traceback" not in err


def test_cut_gzip_bytes_on_standard_input_are_said_to_be_gzip(monkeypatch):
    # whole gzip bytes are read decompressed (tests/test_csv_compressed_stdin.py)
    raw = gzip.compress(_text().encode())[:-9]
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))
    with pytest.raises(ValueError, match=r"standard input: damaged or truncated "
                                         r"gzip-compressed stream \(truncated: "):
        read_data("-")


def test_a_latin1_file_names_the_line_and_byte(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(_text(cafe_row=17).encode("latin-1"))
    line = 17 + 1  # rows[0] is the header, on line 1
    byte = "\u00e9".encode("latin-1")[0]
    with pytest.raises(ValueError) as info:
        read_data(path)
    message = str(info.value)
    assert message.startswith(f"{path} line {line}: byte 0x{byte:02x} is not UTF-8 text; "
                              "save the file as UTF-8")
    assert "iconv -f latin1 -t utf-8" in message


def test_the_same_file_in_utf8_reads(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(_text(cafe_row=17).encode("utf-8"))
    table = read_data(path, features=["x1", "x2"])
    assert table.X.shape == (30, 2) and list(table.y)[16] == "caf\u00e9"
