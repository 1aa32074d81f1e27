"""A pipe of compressed CSV bytes (``<(cat d.csv.gz)``, a /dev/fd path, or a FIFO) is
read decompressed, as a file named .csv.gz is.

A pipe has no name that says its compression; its bytes were taken for text and
refused ("not a UTF-8 text (CSV) file (an .npz archive cannot be read from a pipe)").
Its first bytes are now peeked at (gzip's, bzip2's and xz's magic numbers).  The
reference: pandas.read_csv of the plain file.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import os
import threading

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import main
from chainrule.tabular import read_data

COMPRESS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress,
            "plain": lambda raw: raw}


@pytest.fixture
def plain(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(50, 3)).round(6), columns=["a", "b", "c"])
    frame["y"] = np.where(frame.a - frame.b > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path / "d.csv"


def _pipe(raw: bytes) -> str:
    """A /dev/fd path of a pipe that a thread fills with ``raw``, then closes."""
    r, w = os.pipe()

    def write():
        with os.fdopen(w, "wb") as fh:
            fh.write(raw)
    threading.Thread(target=write, daemon=True).start()
    return f"/dev/fd/{r}"


@pytest.mark.parametrize("kind", list(COMPRESS))
def test_a_compressed_pipe_is_read_as_the_plain_file(plain, kind):
    path = _pipe(COMPRESS[kind](plain.read_bytes()))
    table = read_data(path, target="y")
    expected = pd.read_csv(plain)
    np.testing.assert_array_equal(table.X, expected[["a", "b", "c"]].to_numpy())
    assert list(table.y) == list(expected.y)
    assert table.feature_names == ["a", "b", "c"]


def test_train_reads_a_fifo_of_gzip_bytes(plain, tmp_path, capsys):
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    raw = gzip.compress(plain.read_bytes())

    def write():
        with open(fifo, "wb") as fh:
            fh.write(raw)
    threading.Thread(target=write, daemon=True).start()
    assert main(["train", str(fifo), "--target", "y", "--hidden", "3", "--epochs", "1",
                 "-o", str(tmp_path / "m.npz")]) == 0
    assert f"{fifo}: 50 examples x 3 features" in capsys.readouterr().out


def test_a_truncated_gzip_pipe_is_said_to_be_one(plain, capsys):
    path = _pipe(gzip.compress(plain.read_bytes())[:200])
    with pytest.raises(ValueError, match=r"damaged or truncated gzip-compressed stream "
                                         r"\(truncated: .*its first bytes say it is gzip"):
        read_data(path, target="y")
