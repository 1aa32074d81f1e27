"""Gzip, bzip2 or xz bytes on standard input (``cat d.csv.gz | chainrule train - ...``)
are read decompressed, as a pipe named as DATA (``<(cat d.csv.gz)``) is.

They were refused ("gzip-compressed bytes, not CSV text; decompress them in the pipe")
while the named pipe of the same bytes was read.  The reference: pandas.read_csv of the
plain text.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import sys

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import main
from chainrule.tabular import read_data

_COMPRESS = {"gzip": gzip.compress, "bzip2": bz2.compress, "xz": lzma.compress}


def _text() -> str:
    rng = np.random.default_rng(3)
    rows = ["a,b,c,y"] + [f"{rng.normal():.6f},{rng.normal():.6f},{rng.integers(5)},"
                          f"{'yes' if rng.random() < 0.5 else 'no'}" for _ in range(40)]
    return "\n".join(rows) + "\n"


def _stdin(monkeypatch, raw: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(raw), encoding="utf-8"))


@pytest.mark.parametrize("kind", sorted(_COMPRESS))
def test_compressed_standard_input_reads_as_pandas_reads_the_text(monkeypatch, kind):
    text = _text()
    _stdin(monkeypatch, _COMPRESS[kind](text.encode()))
    data = read_data("-", target="y")
    frame = pd.read_csv(io.StringIO(text))
    np.testing.assert_array_equal(data.X, frame[["a", "b", "c"]].to_numpy(float))
    assert list(data.y) == list(frame["y"])
    assert data.feature_names == ["a", "b", "c"]


def test_train_on_gzip_standard_input_gives_the_plain_texts_model(monkeypatch, tmp_path):
    text = _text()
    plain = tmp_path / "d.csv"
    plain.write_text(text)
    args = ["--target", "y", "--epochs", "3", "--seed", "1", "-q"]
    assert main(["train", str(plain), *args, "-o", str(tmp_path / "p.npz")]) == 0
    _stdin(monkeypatch, gzip.compress(text.encode()))
    assert main(["train", "-", *args, "-o", str(tmp_path / "g.npz")]) == 0
    with np.load(tmp_path / "p.npz") as p, np.load(tmp_path / "g.npz") as g:
        assert sorted(p.files) == sorted(g.files)
        for name in p.files:
            if p[name].dtype.kind == "f":
                np.testing.assert_array_equal(p[name], g[name])


@pytest.mark.parametrize("kind", sorted(_COMPRESS))
def test_cut_compressed_standard_input_is_refused_naming_it(monkeypatch, kind):
    _stdin(monkeypatch, _COMPRESS[kind](_text().encode())[:40])
    with pytest.raises(ValueError, match=rf"standard input: damaged or truncated "
                                         rf"{kind}-compressed stream"):
        read_data("-", target="y")
