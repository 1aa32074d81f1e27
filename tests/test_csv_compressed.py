"""Compressed CSV files as DATA: ``data.csv.gz``, ``.csv.bz2``, ``.csv.xz``.

Before, ``chainrule train iris.csv.gz`` was refused ("gzip-compressed, not CSV text") and
a ``.bz2`` or ``.xz`` file as "not UTF-8 text".  Now the compression is chosen by the name's
suffix, as pandas' ``read_csv`` infers it, and the text read through Python's gzip, bz2 and
lzma a buffer at a time.  The references: ``pandas.read_csv`` of the same compressed file
(numbers, a text column, gaps), the plain file's table, parameters and messages, and
tracemalloc's peak against the file's decompressed size.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import tracemalloc

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.tabular import read_data

_MODULES = {"gz": gzip, "bz2": bz2, "xz": lzma}


def _text(n: int = 40, gaps: bool = False) -> str:
    rng = np.random.default_rng(7)
    rows = ["a,b,color,kind"]
    for i in range(n):
        b = "" if gaps and i % 7 == 3 else ("NA" if gaps and i % 11 == 5 else
                                            f"{rng.normal():.6f}")
        rows.append(f"{rng.normal():.6f},{b},{'red green blue'.split()[i % 3]},"
                    f"{'yes' if i % 2 else 'no'}")
    return "\n".join(rows) + "\n"


def _write(path, text: str, ext: str | None) -> None:
    raw = text.encode()
    path.write_bytes(raw if ext is None else _MODULES[ext].compress(raw))


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz"])
def test_a_compressed_file_reads_as_pandas_reads_it(tmp_path, ext):
    path = tmp_path / f"data.csv.{ext}"
    _write(path, _text(), ext)
    want = pd.read_csv(path)  # compression="infer": by the suffix
    table = read_data(path, target="color", features=["a", "b"])
    np.testing.assert_array_equal(table.X, want[["a", "b"]].to_numpy())
    assert table.y.tolist() == want["color"].tolist()
    assert table.lines.tolist() == list(range(2, len(want) + 2))
    onehot = read_data(path, target="kind", categorical=True)
    expected = pd.get_dummies(want[["a", "b", "color"]], columns=["color"], prefix_sep="=",
                              dtype=float)
    assert onehot.feature_names == list(expected.columns)
    np.testing.assert_array_equal(onehot.X, expected.to_numpy())


@pytest.mark.parametrize("ext", ["gz", "bz2", "xz"])
def test_gaps_of_a_compressed_file_are_pandas_nans(tmp_path, ext):
    path = tmp_path / f"data.csv.{ext}"
    _write(path, _text(gaps=True), ext)
    want = pd.read_csv(path)
    assert want["b"].isna().sum() > 3  # "" and "NA"
    table = read_data(path, target="kind", features=["a", "b"], missing=True)
    np.testing.assert_array_equal(table.X, want[["a", "b"]].to_numpy())  # NaN == NaN here
    assert table.gaps_written == {"b": {"": 6, "NA": 3}}
    with pytest.raises(ValueError, match=rf"^{path} line 5, column 'b': missing value"):
        read_data(path, target="kind", features=["a", "b"])  # row 3: line 5, as pandas'


def test_train_on_a_gz_file_trains_what_the_plain_file_trains(tmp_path, capsys):
    _write(tmp_path / "d.csv", _text(), None)
    _write(tmp_path / "d.csv.gz", _text(), "gz")
    run = ["--target", "kind", "--categorical", "color", "--hidden", "4", "--epochs", "3",
           "--seed", "1", "-q"]
    assert main(["train", str(tmp_path / "d.csv"), *run, "-o", str(tmp_path / "p.npz")]) == 0
    assert main(["train", str(tmp_path / "d.csv.gz"), *run, "-o",
                 str(tmp_path / "z.npz")]) == 0, capsys.readouterr().err
    plain, packed = cr.load(tmp_path / "p.npz"), cr.load(tmp_path / "z.npz")
    assert len(plain.params) == len(packed.params) > 0
    for p, q in zip(plain.params, packed.params, strict=True):
        np.testing.assert_array_equal(p, q)
    # and evaluate scores it on the compressed file as on the plain one
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "z.npz"), str(tmp_path / "d.csv")]) == 0
    on_plain = capsys.readouterr().out
    assert main(["evaluate", str(tmp_path / "z.npz"), str(tmp_path / "d.csv.gz")]) == 0
    on_gz = capsys.readouterr().out
    assert on_gz.replace("d.csv.gz", "d.csv").splitlines()[-1] == on_plain.splitlines()[-1]


def _cut(raw: bytes) -> bytes:
    return raw[: len(raw) // 2]


@pytest.mark.parametrize(("ext", "kind"), [("gz", "gzip"), ("bz2", "bzip2"), ("xz", "xz")])
def test_a_truncated_file_is_refused_naming_it_and_the_compression(tmp_path, ext, kind,
                                                                   capsys):
    path = tmp_path / f"d.csv.{ext}"
    path.write_bytes(_cut(_MODULES[ext].compress(_text(400).encode())))
    with pytest.raises((EOFError, ValueError, lzma.LZMAError),
                       match="ended before the end-of-stream"):
        _MODULES[ext].decompress(path.read_bytes())  # the reference: it is truncated
    with pytest.raises(ValueError, match=rf"^{path}: damaged or truncated {kind}-compressed "
                                         r"file \(truncated: ") as info:
        read_data(path, target="kind")
    assert not isinstance(info.value, EOFError)
    assert main(["train", str(path), "--target", "kind", "-q", "-o",
                 str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert f"{path}: damaged or truncated {kind}-compressed file" in err
    assert "Traceback" not in err and not (tmp_path / "m.npz").exists()


def test_a_gz_file_of_a_bad_crc_or_plain_text_is_refused(tmp_path):
    raw = bytearray(gzip.compress(_text().encode(), mtime=0))
    raw[-8] ^= 0xFF  # the CRC-32 of the gzip trailer
    path = tmp_path / "crc.csv.gz"
    path.write_bytes(bytes(raw))
    with pytest.raises(gzip.BadGzipFile):
        gzip.decompress(bytes(raw))
    with pytest.raises(ValueError, match=rf"^{path}: damaged or truncated gzip-compressed "
                                         r"file \(CRC check failed"):
        read_data(path, target="kind")
    plain = tmp_path / "plain.csv.gz"
    _write(plain, _text(), None)
    with pytest.raises(ValueError, match=rf"^{plain}: damaged or truncated gzip-compressed "
                                         r"file \(Not a gzipped file"):
        read_data(plain, target="kind")


@pytest.mark.parametrize("ext", ["gz", "GZ", "xz"])
def test_messages_name_the_lines_of_the_plain_file(tmp_path, ext):
    lines = _text().splitlines()
    lines[9] = lines[9].replace("red", "7").replace(lines[9].split(",")[1], "oops", 1)
    text = "\n".join(lines) + "\n"
    plain, packed = tmp_path / "d.csv", tmp_path / f"d.csv.{ext}"
    _write(plain, text, None)
    _write(packed, text, ext.lower())
    for kw in ({"target": "kind", "features": ["a", "b"]}, {"target": "kind"}):
        with pytest.raises(ValueError) as want:
            read_data(plain, **kw)
        with pytest.raises(ValueError) as got:
            read_data(packed, **kw)
        assert "line 10" in str(want.value)
        assert str(got.value) == str(want.value).replace(str(plain), str(packed))


def test_a_latin1_gz_file_names_its_line_and_byte(tmp_path):
    lines = _text().splitlines()
    cells = lines[12].split(",")
    lines[12] = ",".join([*cells[:2], "caf\u00e9", cells[3]])
    path = tmp_path / "d.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode("latin-1")))
    with pytest.raises(ValueError, match=rf"^{path} line 13: byte 0xe9 \(decompressed\) is "
                                         "not UTF-8 text"):
        read_data(path, target="kind")


def test_a_gz_file_is_read_as_it_is_decompressed(tmp_path):
    """2,000 rows of 20 numbers (320 kB as float64, 750 kB of text): the reading peaks
    below the text's size, as the plain file's does (decompressed whole, the text alone
    would pass the bound)."""
    rng = np.random.default_rng(0)
    n, d = 2_000, 20
    X = rng.normal(size=(n, d))
    path = tmp_path / "data.csv.gz"
    with gzip.open(path, "wt", newline="") as fh:
        w = csv.writer(fh)
        w.writerow([*(f"x{j}" for j in range(d)), "y"])
        w.writerows([*map(repr, row), "ab"[i % 2]] for i, row in enumerate(X.tolist()))
    size = len(gzip.decompress(path.read_bytes()))
    bound = 1.5 * n * d * 8 + 100 * n
    assert size > bound
    tracemalloc.start()
    try:
        table = read_data(path, target="y")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert table.X.tobytes() == X.tobytes()
    assert peak <= bound, peak / (n * d * 8)


def test_groups_and_sample_weight_read_a_gz_file(tmp_path, capsys):
    rng = np.random.default_rng(3)
    rows = ["a,b,w,g,kind"] + [f"{rng.normal():.5f},{rng.normal():.5f},{1 + i % 3},{i % 5},"
                               f"{'yes' if i % 2 else 'no'}" for i in range(40)]
    _write(tmp_path / "d.csv", "\n".join(rows) + "\n", None)
    _write(tmp_path / "d.csv.gz", "\n".join(rows) + "\n", "gz")
    outs = []
    for name in ("d.csv", "d.csv.gz"):
        assert main(["cv", str(tmp_path / name), "--target", "kind", "--groups", "g",
                     "--sample-weight", "w", "--folds", "3", "--hidden", "3", "--epochs",
                     "2", "--json"]) == 0, capsys.readouterr().err
        outs.append(capsys.readouterr().out.replace(name, "DATA"))
    assert outs[0] == outs[1]


def test_a_zipped_csv_is_refused_saying_which_compressions_are_read(tmp_path, capsys):
    """pandas reads a .csv.zip; here a zip archive is an .npz file's container, so it was
    refused as "not a readable .npz file (the magic string ...)" alone; it now says which
    compressions of a CSV file are read.  An .npz name keeps the archive's message."""
    import pandas as pd

    from chainrule.cli import main

    frame = pd.DataFrame({"a": [0.0, 1, 2, 3], "y": ["u", "v", "u", "v"]})
    zipped = tmp_path / "d.csv.zip"
    frame.to_csv(zipped, index=False)  # compression inferred from the name: a zip
    pd.testing.assert_frame_equal(pd.read_csv(zipped), frame)  # what pandas reads
    assert main(["train", str(zipped), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert f"{zipped}: not a readable .npz file of arrays" in err
    assert "(.csv.gz, .csv.bz2, .csv.xz), not in a zip archive: unzip it" in err
    named_npz = tmp_path / "d.npz"
    named_npz.write_bytes(zipped.read_bytes())
    assert main(["train", str(named_npz), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert "not a readable .npz file (" in err and "unzip" not in err
    assert not (tmp_path / "m.npz").exists()
