"""predict -o NAME of another format's suffix (preds.zip, preds.parquet) is refused; a
name of gzip, bzip2 or xz (preds.csv.gz) is written compressed.

predict writes CSV text.  Under a name such as ``preds.csv.gz`` it wrote that text
uncompressed, and ``pandas.read_csv("preds.csv.gz")`` (which decompresses by the name)
failed: "Not a gzipped file"; ``preds.parquet`` or ``preds.xlsx`` held CSV text that
``read_parquet`` or ``read_excel`` refuse.  Such a name is now refused before anything is
read, naming the file and what to do; a ``.csv`` name (any other) is written as before,
and pandas reads it back as the model's predictions; ``.gz``, ``.bz2`` and ``.xz`` names
are compressed as pandas.read_csv decompresses them by the name.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    path = tmp_path_factory.mktemp("out_suffix")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": np.where(X[:, 0] > 0, "p", "n")}).to_csv(
        path / "d.csv", index=False)
    assert main(["train", str(path / "d.csv"), "--hidden", "2", "--epochs", "2", "-q", "-o",
                 str(path / "m.npz")]) == 0
    return path


@pytest.mark.parametrize("name, words", [
    ("p.csv.zip", "of a zip-compressed file"), ("P.CSV.ZST", "zstd-compressed"),
    ("p.tar", "of a tar-compressed file"),
    ("p.parquet", "of a Parquet file"), ("p.xlsx", "of an Excel workbook"),
    ("p.npz", "of an NPZ archive")])
def test_a_name_of_another_format_is_refused(model, capsys, name, words):
    assert main(["predict", str(model / "m.npz"), str(model / "d.csv"), "-o",
                 str(model / name)]) == 2
    err = capsys.readouterr().err
    assert f"-o {model / name}: the name of" in err
    assert words in err and "but predict writes CSV text" in err
    assert not (model / name).exists()


def test_a_csv_name_is_written_and_pandas_reads_the_predictions(model, capsys):
    out = model / "p.csv"
    assert main(["predict", str(model / "m.npz"), str(model / "d.csv"), "--proba", "-o",
                 str(out)]) == 0
    got = pd.read_csv(out)
    d = pd.read_csv(model / "d.csv")
    saved = cr.load_model(model / "m.npz")
    assert list(got["y"]) == list(saved.predict(d[["a", "b"]]))
    np.testing.assert_array_equal(got[["proba_n", "proba_p"]].to_numpy(),
                                  saved.predict_proba(d[["a", "b"]]))


@pytest.mark.parametrize("name", ["p.csv.gz", "p.csv.bz2", "p.csv.xz", "P.CSV.GZ", "p.gz"])
def test_a_compressed_name_is_written_compressed_as_pandas_reads_it(model, capsys, name):
    """The compressed file holds the plain file's text, byte for byte (decompressed by the
    standard library) and pandas reads it by its name (compression inferred)."""
    import bz2
    import gzip
    import lzma

    plain, packed = model / "plain.csv", model / name
    for out in (plain, packed):
        assert main(["predict", str(model / "m.npz"), str(model / "d.csv"), "--proba", "-o",
                     str(out)]) == 0
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}[packed.suffix.lower()]
    with opener(packed, "rb") as fh:
        assert fh.read() == plain.read_bytes()
    kind = {"gzip": "gzip", "bz2": "bz2", "lzma": "xz"}[opener.__module__]
    pd.testing.assert_frame_equal(pd.read_csv(packed, compression=kind), pd.read_csv(plain))
    if name == name.lower():  # pandas infers the compression from a lower-case suffix
        pd.testing.assert_frame_equal(pd.read_csv(packed), pd.read_csv(plain))
    first = packed.read_bytes()  # the same predictions, the same bytes (no time in gzip's
    assert main(["predict", str(model / "m.npz"), str(model / "d.csv"), "--proba", "-o",
                 str(packed)]) == 0  # header)
    assert packed.read_bytes() == first
