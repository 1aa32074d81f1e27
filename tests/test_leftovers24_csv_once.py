"""A plain CSV file is read once: its NUL bytes are looked for as the parser reads it.

``_read_rows`` looked for a NUL byte in a plain file by a read of its own (``_has_nul``)
before the parse read it again: ``evaluate m.npz d.csv`` and ``read_data("d.csv")`` read
the whole file twice.  The bytes read are counted by the kernel (``/proc/self/io``'s
``rchar``); the numbers read are checked against :func:`numpy.loadtxt` of the same file (and
the array written),
and a NUL byte's line against the line that Python's own ``bytes.split`` finds it on.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.tabular import read_data

needs_proc = pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="no /proc/self/io")


def _bytes_read() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


def _big(tmp_path, n: int = 16000):
    rng = np.random.default_rng(0)
    X = rng.integers(0, 10**9, size=(n, 8))
    X[:, 7] %= 2
    path = tmp_path / "big.csv"
    path.write_text("a,b,c,d,e,f,g,y\n" + "".join(",".join(map(str, row)) + "\n" for row in X))
    return path, X


@needs_proc
def test_read_data_reads_a_plain_file_once(tmp_path):
    path, X = _big(tmp_path)
    size = path.stat().st_size  # about 1.14 MB: more than the reader's 1 MiB buffer
    read_data(path, target="y")  # imports done
    before = _bytes_read()
    table = read_data(path, target="y")
    read = _bytes_read() - before
    reference = np.loadtxt(path, delimiter=",", skiprows=1)
    np.testing.assert_array_equal(reference, X)  # the file holds what was written
    np.testing.assert_array_equal(table.X, reference[:, :7])
    np.testing.assert_array_equal(np.asarray(table.y, dtype=float), reference[:, 7])
    assert read < 1.3 * size, (read, size)  # twice its size before


@needs_proc
def test_evaluate_reads_a_plain_file_once(tmp_path, capsys):
    path, _ = _big(tmp_path)
    size = path.stat().st_size
    small = tmp_path / "small.csv"  # the same columns: a model quick to train
    small.write_bytes(b"".join(path.read_bytes().splitlines(keepends=True)[:101]))
    model = tmp_path / "m.npz"
    assert main(["train", str(small), "--epochs", "1", "-q", "-o", str(model)]) == 0
    assert main(["evaluate", str(model), str(path)]) == 0  # imports done
    capsys.readouterr()
    before = _bytes_read()
    assert main(["evaluate", str(model), str(path)]) == 0
    read = _bytes_read() - before
    assert capsys.readouterr().out.startswith(f"{path}: 16000 examples\n")
    assert read < 1.3 * size, (read, size)  # the file, the model, a zip probe's 64 KiB


@pytest.mark.parametrize("at", [3, 15800])  # in the first buffer read, in a later one
def test_a_nul_byte_is_named_by_its_line(tmp_path, capsys, at):
    path, _ = _big(tmp_path)
    lines = path.read_bytes().split(b"\n")
    lines[at] = lines[at][:4] + b"\0" + lines[at][4:]
    path.write_bytes(b"\n".join(lines))
    line = next(i for i, text in enumerate(path.read_bytes().split(b"\n"), 1) if b"\0" in text)
    said = f"{path} line {line}: a NUL byte (\\x00); expected a text (CSV) file"
    with pytest.raises(ValueError) as err:
        read_data(path, target="y")
    assert str(err.value) == said
    assert main(["train", str(path), "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {said}\n"
