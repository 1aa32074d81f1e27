"""evaluate knows a model's training data by its rows as read, whatever the path.

``chainrule train`` records the SHA-256 of its DATA file's bytes (``data_sha256``, as
before) and of its data as read, decompressed (``data_content_sha256``): ``d.csv`` and
``d.csv.gz``/``.bz2``/``.xz`` of the same text, a copy at another path, the same bytes on
standard input or through a pipe (``<(cat d.csv)``, ``/dev/fd/N``) are the same data.
The expected digests are :mod:`hashlib`'s of the bytes written here (decompressed by
:mod:`gzip`), the split's counts scikit-learn's ``train_test_split``'s, which train's split
calls.  A model file without the new key (an older chainrule's) is judged as before.
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import lzma
import os
import shutil
import sys
import threading

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel, load_model
from file_helpers import pipe_of
from test_cli_stdin import _stdin

N = 30


def _text(n: int = N) -> bytes:
    rows = ["a,b,y", *(f"{i},{i % 7},{i % 2}" for i in range(n))]
    return ("\n".join(rows) + "\n").encode()


def _first_line(capsys, model, data) -> str:
    capsys.readouterr()
    assert main(["evaluate", str(model), str(data)]) == 0
    return capsys.readouterr().out.splitlines()[0]


def _seen(where: str) -> str:
    held = len(train_test_split(np.arange(N), test_size=0.1, random_state=3)[1])  # 3
    return (f"{where}: {N} examples, the data the model was trained on ({N - held} training "
            f"and {held} validation examples; none held out: not a test score)")


def _train(data, model) -> None:
    assert main(["train", str(data), "--epochs", "1", "--val-fraction", "0.1", "--seed", "3",
                 "-q", "-o", str(model)]) == 0


@pytest.fixture
def files(tmp_path):
    """The same CSV text plain, gzip-, bzip2- and xz-compressed, and a copy."""
    text = _text()
    paths = {"csv": tmp_path / "d.csv", "gz": tmp_path / "d.csv.gz",
             "bz2": tmp_path / "d.csv.bz2", "xz": tmp_path / "d.csv.xz",
             "copy": tmp_path / "elsewhere" / "copy.csv"}
    paths["csv"].write_bytes(text)
    paths["gz"].write_bytes(gzip.compress(text))
    paths["bz2"].write_bytes(bz2.compress(text))
    paths["xz"].write_bytes(lzma.compress(text))
    paths["copy"].parent.mkdir()
    shutil.copy(paths["csv"], paths["copy"])
    return paths


def test_train_records_the_digest_of_its_data_decompressed(files, tmp_path):
    _train(files["gz"], tmp_path / "m.npz")
    meta = load_metadata(tmp_path / "m.npz")
    raw = files["gz"].read_bytes()
    assert meta["data_sha256"] == hashlib.sha256(raw).hexdigest()  # the file's, as before
    assert meta["data_content_sha256"] == hashlib.sha256(gzip.decompress(raw)).hexdigest()


@pytest.mark.parametrize("trained_on", ["csv", "gz"])
def test_the_same_text_compressed_or_copied_is_the_training_data(files, tmp_path, capsys,
                                                                 trained_on):
    model = tmp_path / "m.npz"
    _train(files[trained_on], model)
    for kind in ("csv", "gz", "bz2", "xz", "copy"):
        assert _first_line(capsys, model, files[kind]) == _seen(str(files[kind]))


def test_the_same_bytes_on_standard_input_are_the_training_data(files, tmp_path, capsys,
                                                                monkeypatch):
    model = tmp_path / "m.npz"
    _train(files["csv"], model)
    for raw in (files["csv"].read_bytes(), files["gz"].read_bytes()):  # piped, gzip-piped
        _stdin(monkeypatch, raw)
        assert _first_line(capsys, model, "-") == _seen("standard input")
    _stdin(monkeypatch, _text(N - 1))  # other rows
    assert _first_line(capsys, model, "-") == f"standard input: {N - 1} examples"


@pytest.mark.skipif(not os.path.isdir("/dev/fd") or sys.platform == "win32",
                    reason="no /dev/fd paths of pipes")
def test_a_pipe_is_known_by_its_bytes_not_by_its_path(files, tmp_path, capsys):
    model = tmp_path / "p.npz"
    path = pipe_of(files["csv"].read_bytes())
    try:
        _train(path, model)
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
    meta = load_metadata(model)
    assert "data_path" not in meta and meta["data_rows"] == N
    assert meta["data_content_sha256"] == hashlib.sha256(files["csv"].read_bytes()).hexdigest()
    assert _first_line(capsys, model, files["gz"]) == _seen(str(files["gz"]))
    for content, words in [(files["csv"].read_bytes(), None), (_text(N - 1), "")]:
        path = pipe_of(content)
        try:
            line = _first_line(capsys, model, path)
        finally:
            os.close(int(path.rsplit("/", 1)[1]))
        # another pipe at the same /dev/fd path is not the training data: its bytes decide
        assert line == (_seen(path) if words is None else f"{path}: {N - 1} examples")


def test_a_model_without_the_new_digest_is_judged_as_before(files, tmp_path, capsys):
    model = tmp_path / "m.npz"
    _train(files["csv"], model)
    saved = load_model(model)
    old = {k: v for k, v in saved.metadata.items() if k != "data_content_sha256"}
    SavedModel(saved.network, old).save(model)
    assert _first_line(capsys, model, files["csv"]) == _seen(str(files["csv"]))  # its path
    assert _first_line(capsys, model, files["copy"]) == f"{files['copy']}: {N} examples"
    files["csv"].write_bytes(_text(N + 1))
    held = len(train_test_split(np.arange(N), test_size=0.1, random_state=3)[1])
    assert _first_line(capsys, model, files["csv"]) == (
        f"{files['csv']}: {N + 1} examples, the file the model was trained on, changed since "
        f"(it held {N} examples then: {N - held} training and {held} validation)")


def test_the_file_changed_since_is_still_said_to_be(files, tmp_path, capsys):
    model = tmp_path / "m.npz"
    _train(files["gz"], model)
    files["gz"].write_bytes(gzip.compress(_text(N + 1)))
    held = len(train_test_split(np.arange(N), test_size=0.1, random_state=3)[1])
    assert _first_line(capsys, model, files["gz"]) == (
        f"{files['gz']}: {N + 1} examples, the file the model was trained on, changed since "
        f"(it held {N} examples then: {N - held} training and {held} validation)")


def _bytes_read() -> int:
    with open("/proc/self/io") as fh:
        return next(int(line.split()[1]) for line in fh if line.startswith("rchar:"))


@pytest.mark.skipif(not os.path.exists("/proc/self/io"), reason="no /proc/self/io")
def test_train_and_evaluate_read_a_compressed_file_once(tmp_path, capsys):
    # random digits compress little: the file's bytes dominate what the commands read
    rng = np.random.default_rng(0)
    X = rng.integers(0, 10**9, size=(12000, 8))
    text = ("a,b,c,d,e,f,g,y\n" + "".join(
        ",".join(map(str, row[:7])) + f",{row[7] % 2}\n" for row in X)).encode()
    data = tmp_path / "big.csv.gz"
    data.write_bytes(gzip.compress(text, compresslevel=1))
    size = data.stat().st_size
    model = tmp_path / "m.npz"
    _train(data, model)  # imports done: the next runs read little else
    before = _bytes_read()
    _train(data, model)
    trained = _bytes_read() - before
    assert main(["evaluate", str(model), str(data)]) == 0  # its imports done
    capsys.readouterr()
    before = _bytes_read()
    assert main(["evaluate", str(model), str(data)]) == 0
    evaluated = _bytes_read() - before
    assert capsys.readouterr().out.startswith(f"{data}: 12000 examples, the data the model")
    # once: the file's bytes and a little more (the model file, the 4-byte zip check)
    assert trained < 1.5 * size, (trained, size)
    assert evaluated < 1.5 * size, (evaluated, size)


@pytest.mark.skipif(not os.path.isdir("/dev/fd") or sys.platform == "win32",
                    reason="no /dev/fd paths of pipes")
def test_info_and_the_loss_title_say_a_pipe_not_its_dev_fd_name(files, tmp_path, capsys):
    # train <(cmd) recorded /dev/fd/63, which names nothing once the run is over: info
    # said "data: /dev/fd/63 (30 rows)", the loss curve "cost on 63"
    from chainrule._cli_models_data import _loss_title

    model = tmp_path / "p.npz"
    path = pipe_of(files["csv"].read_bytes())
    try:
        _train(path, model)
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    digest = hashlib.sha256(files["csv"].read_bytes()).hexdigest()
    assert f"data: a pipe ({path}; {N} rows, SHA-256 {digest[:16]}...)" in (
        capsys.readouterr().out.splitlines())
    assert _loss_title(load_model(model)).startswith("Training and validation cost on a pipe (")
    _train(files["csv"], tmp_path / "f.npz")  # a file: its path, as before
    capsys.readouterr()
    assert main(["info", str(tmp_path / "f.npz")]) == 0
    assert f"data: {files['csv']} ({N} rows, SHA-256 {digest[:16]}...)" in (
        capsys.readouterr().out.splitlines())


@pytest.mark.skipif(not os.path.isdir("/dev/fd") or sys.platform == "win32",
                    reason="no /dev/fd paths of pipes")
def test_an_older_models_pipe_path_is_not_its_data_later(files, tmp_path, capsys):
    # an older train of <(cmd) recorded data "/dev/fd/63" alone (no data_path, no digest):
    # evaluate said any later pipe at that /dev/fd path was its training data
    model = tmp_path / "p.npz"
    path = pipe_of(files["csv"].read_bytes())
    fd = int(path.rsplit("/", 1)[1])
    try:
        _train(path, model)
    finally:
        os.close(fd)
    saved = load_model(model)
    old = {k: v for k, v in saved.metadata.items()
           if k not in ("data_content_sha256", "data_rows")}  # as an older train wrote it
    SavedModel(saved.network, old).save(model)
    r, w = os.pipe()
    if r != fd:  # another pipe, at the same /dev/fd path
        os.dup2(r, fd)
        os.close(r)

    def write() -> None:
        with os.fdopen(w, "wb") as fh:
            fh.write(_text(N - 10))

    threading.Thread(target=write, daemon=True).start()
    try:
        line = _first_line(capsys, model, path)
    finally:
        os.close(fd)
    assert line == f"{path}: {N - 10} examples"
