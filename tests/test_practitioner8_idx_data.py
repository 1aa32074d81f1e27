"""MNIST's IDX files given as DATA: refused naming the format, the array's shape and
the NPZ file to make (read_idx), where the CSV reader said "byte 0x.. is not UTF-8
text; save the file as UTF-8"; the NPZ file the message says to make is read."""

from __future__ import annotations

import gzip
import json
import struct

import numpy as np
import pytest
from sklearn.metrics import accuracy_score

from chainrule.cli import main
from chainrule.images import read_idx
from chainrule.saved_model import load_model


def _idx(path, array: np.ndarray, compress: bool) -> None:
    body = struct.pack(">HBB", 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}i", *array.shape) + array.astype(np.uint8).tobytes()
    (gzip.open if compress else open)(path, "wb").write(body)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_files_are_named_and_the_npz_they_make_is_read(tmp_path, capsys, compress):
    rng = np.random.default_rng(1)
    X = rng.integers(0, 256, size=(30, 6, 5)).astype(np.uint8)
    y = (X[:, :3].mean(axis=(1, 2)) > X[:, 3:].mean(axis=(1, 2))).astype(np.uint8)
    end = ".gz" if compress else ""
    images, labels = tmp_path / f"i-idx3-ubyte{end}", tmp_path / f"l-idx1-ubyte{end}"
    _idx(images, X, compress)
    _idx(labels, y, compress)
    (tmp_path / "l.json").write_text(json.dumps([{"type": "Conv2D", "out_channels": 2,
                                                  "kernel_size": 3}, {"type": "Flatten"}]))
    code = main(["train", str(images), "--input-shape", "1", "6", "5", "--layers",
                 str(tmp_path / "l.json"), "-o", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert code == 2
    assert "an IDX file (the MNIST format) of images, shape 30 x 6 x 5" in err
    assert "UTF-8" not in err and "read_idx" in err
    # what the message says to do
    np.savez(tmp_path / "mnist.npz", X=read_idx(images), y=read_idx(labels))
    assert main(["train", str(tmp_path / "mnist.npz"), "--layers", str(tmp_path / "l.json"),
                 "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "mnist.npz")]) == 0
    out = capsys.readouterr().out
    pred = load_model(tmp_path / "m.npz").predict(X)
    assert f"accuracy: {accuracy_score(y, pred):.6g}" in out
