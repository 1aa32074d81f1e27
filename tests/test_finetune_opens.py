"""``chainrule train data.csv`` opens its CSV file once: the probe for an NPZ array of
several targets, made before the data is read, is not made of a file named as CSV text
(an NPZ archive under such a name is refused once read, naming its target array)."""

from __future__ import annotations

import io
import os

import numpy as np

from chainrule.cli import main


def _opens(monkeypatch, path: str) -> list[str]:
    """Record each open of ``path`` by builtins.open, io.open, io.FileIO and os.open."""
    seen: list[str] = []
    real = os.path.realpath(path)

    def counting(opener):
        def wrapped(file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == real:
                seen.append(opener.__name__)
            return opener(file, *args, **kwargs)
        wrapped.__name__ = getattr(opener, "__name__", "open")
        return wrapped

    import builtins

    monkeypatch.setattr(builtins, "open", counting(builtins.open))
    monkeypatch.setattr(io, "open", counting(io.open))

    class CountingFileIO(io.FileIO):  # a class still: isinstance() takes it
        def __init__(self, file, *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and os.path.realpath(file) == real:
                seen.append("FileIO")
            super().__init__(file, *args, **kwargs)

    monkeypatch.setattr(io, "FileIO", CountingFileIO)
    monkeypatch.setattr(os, "open", counting(os.open))
    return seen


def test_train_opens_a_csv_file_once(tmp_path, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "\n".join(f"{a:.5f},{b:.5f},{a - b:.5f}" for a, b in X))
    seen = _opens(monkeypatch, str(data))
    assert main(["train", str(data), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    assert len(seen) == 1, seen


def test_an_npz_archive_named_csv_is_refused_naming_its_targets(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    path = tmp_path / "d.csv"
    with open(path, "wb") as fh:
        np.savez(fh, X=X, y=np.c_[X[:, 0], X[:, 1]])
    assert main(["train", str(path), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    assert (f"{path}: an NPZ archive under a CSV file's name, its target array 'y' of shape "
            "(30, 2); rename it to .npz") in capsys.readouterr().err
    # as .npz: the columns of y are two targets, as before
    npz = tmp_path / "d.npz"
    npz.write_bytes(path.read_bytes())
    assert main(["train", str(npz), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
