"""DATA's CSV file is opened once by ``read_data``: its first bytes (a zip archive? an
IDX file?) are looked at through the descriptor the CSV reader then reads, not through
opens of their own; the refusals of those probes are as before.

The opens are counted by wrapping ``builtins.open`` and ``io.FileIO`` (each way a file
is opened from Python) for the one path; the tables are checked against pandas.
"""

from __future__ import annotations

import builtins
import gzip
import io
import os

import numpy as np
import pandas as pd
import pytest

from chainrule.tabular import read_data


@pytest.fixture
def opens(monkeypatch):
    """The paths opened, as they are opened (builtins.open, io.open, io.FileIO)."""
    seen: list[str] = []
    real_open, real_fileio = builtins.open, io.FileIO

    def counting_open(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)):
            seen.append(os.fspath(file))
        return real_open(file, *args, **kwargs)

    class CountingFileIO(real_fileio):
        def __init__(self, file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)):
                seen.append(os.fspath(file))
            super().__init__(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", counting_open)
    monkeypatch.setattr(io, "open", counting_open)
    monkeypatch.setattr(io, "FileIO", CountingFileIO)
    return seen


def _csv(tmp_path, rows=30):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=rows).round(4),
                          "b": rng.normal(size=rows).round(4),
                          "label": rng.choice(["no", "yes"], size=rows)})
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_a_csv_file_is_opened_once(tmp_path, opens):
    """It was opened four times: the zip probe, the IDX probe twice, then the read."""
    path, frame = _csv(tmp_path)
    opens.clear()  # (the writing of it)
    table = read_data(path, target="label")
    assert opens.count(str(path)) == 1
    np.testing.assert_array_equal(table.X, frame[["a", "b"]].to_numpy())
    assert list(table.y) == frame["label"].tolist()


def test_a_compressed_csv_and_the_probes_refusals_are_as_before(tmp_path, opens):
    """A .csv.gz is read decompressed (its probe and its read: two opens); an IDX file and
    a zip archive of a CSV file are refused naming what they are, the file left closed."""
    path, frame = _csv(tmp_path)
    packed = tmp_path / "data.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    opens.clear()
    table = read_data(packed, target="label")
    np.testing.assert_array_equal(table.X, frame[["a", "b"]].to_numpy())
    assert opens.count(str(packed)) == 2  # (the probe, then gzip's own)
    # an IDX file of labels (MNIST's format): 0 0 8 1, then its length, then the bytes
    idx = tmp_path / "labels.csv"
    idx.write_bytes(b"\x00\x00\x08\x01" + (3).to_bytes(4, "big") + bytes([1, 2, 3]))
    opens.clear()
    with pytest.raises(ValueError, match=r"an IDX file .* of labels, shape 3 "):
        read_data(idx)
    assert opens.count(str(idx)) == 1
    gz = tmp_path / "labels.gz"
    gz.write_bytes(gzip.compress(idx.read_bytes()))
    with pytest.raises(ValueError, match=r"an IDX file .* of labels, shape 3 "):
        read_data(gz)
    import zipfile

    zipped = tmp_path / "data.csv.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        zf.write(path, "data.csv")
    with pytest.raises(ValueError, match=r"not a readable \.npz file.*unzip it"):
        read_data(zipped)


def test_a_nul_byte_is_refused_naming_its_line(tmp_path):
    """The NUL byte seen as the bytes come through the one descriptor: the file is read
    again, line by line, to name the line, as before."""
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n1,2\n3,\x004\n")
    with pytest.raises(ValueError, match="line 3"):
        read_data(path)
