"""evaluate knows a model's ``--val-data`` by its rows as read, whatever the path.

``chainrule train DATA --val-data FILE`` records the SHA-256 of the validation file's
bytes (``val_data_sha256``, as before) and of its text as read, decompressed
(``val_data_content_sha256``), as it does of DATA: ``v.csv`` and ``v.csv.gz`` of the same
text, a copy and the same text on standard input are the model's validation data.  The
expected digests are :mod:`hashlib`'s of the bytes written here (decompressed by
:mod:`gzip`).  A model file without the new key (an older chainrule's) is judged by path
and bytes, as before.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import sys

import pytest

from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel, load_model
from file_helpers import pipe_of
from test_cli_stdin import _stdin

SAME = ", the model's validation data (--val-data: not trained on, but watched during training"


def _text(start: int, n: int) -> bytes:
    rows = ["a,b,y", *(f"{i},{i % 7},{i % 2}" for i in range(start, start + n))]
    return ("\n".join(rows) + "\n").encode()


@pytest.fixture
def trained(tmp_path):
    """A model trained on d.csv with --val-data v.csv.gz, and v's text plain and copied."""
    (tmp_path / "d.csv").write_bytes(_text(0, 30))
    val = _text(100, 12)
    (tmp_path / "v.csv.gz").write_bytes(gzip.compress(val))
    (tmp_path / "v.csv").write_bytes(val)
    (tmp_path / "other").mkdir()
    shutil.copy(tmp_path / "v.csv", tmp_path / "other" / "copy.csv")
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--val-data", str(tmp_path / "v.csv.gz"),
                 "--epochs", "1", "--seed", "3", "-q", "-o", str(model)]) == 0
    return tmp_path, model, val


def _first_line(capsys, model, data) -> str:
    capsys.readouterr()
    assert main(["evaluate", str(model), str(data)]) == 0
    return capsys.readouterr().out.splitlines()[0]


def test_train_records_the_validation_files_digest_decompressed(trained):
    tmp_path, model, val = trained
    meta = load_metadata(model)
    raw = (tmp_path / "v.csv.gz").read_bytes()
    assert meta["val_data_sha256"] == hashlib.sha256(raw).hexdigest()  # as before
    assert meta["val_data_content_sha256"] == hashlib.sha256(val).hexdigest()
    assert meta["val_data_content_sha256"] == hashlib.sha256(gzip.decompress(raw)).hexdigest()


def test_a_plain_validation_file_records_its_bytes_as_its_content(tmp_path):
    (tmp_path / "d.csv").write_bytes(_text(0, 30))
    (tmp_path / "v.csv").write_bytes(_text(100, 12))
    assert main(["train", str(tmp_path / "d.csv"), "--val-data", str(tmp_path / "v.csv"),
                 "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    meta = load_metadata(tmp_path / "m.npz")
    expected = hashlib.sha256(_text(100, 12)).hexdigest()
    assert meta["val_data_sha256"] == meta["val_data_content_sha256"] == expected


@pytest.mark.parametrize("name", ["v.csv.gz", "v.csv", "other/copy.csv"])
def test_evaluate_knows_the_validation_data_at_any_path(trained, capsys, name):
    tmp_path, model, _ = trained
    line = _first_line(capsys, model, tmp_path / name)
    assert line.startswith(f"{tmp_path / name}: 12 examples{SAME}"), line


def test_evaluate_knows_the_validation_text_on_standard_input(trained, capsys, monkeypatch):
    _, model, val = trained
    _stdin(monkeypatch, val)
    line = _first_line(capsys, model, "-")
    assert line.startswith(f"standard input: 12 examples{SAME}"), line


def test_other_rows_at_the_validation_path_are_the_file_changed_since(trained, capsys):
    tmp_path, model, _ = trained
    (tmp_path / "v.csv.gz").write_bytes(gzip.compress(_text(200, 9)))
    line = _first_line(capsys, model, tmp_path / "v.csv.gz")
    assert line == (f"{tmp_path / 'v.csv.gz'}: 9 examples, the model's validation file "
                    "(--val-data), changed since (it held 12 examples then)"), line


def test_other_data_is_scored_without_a_word(trained, capsys):
    tmp_path, model, _ = trained
    (tmp_path / "w.csv").write_bytes(_text(300, 12))
    assert _first_line(capsys, model, tmp_path / "w.csv") == f"{tmp_path / 'w.csv'}: 12 examples"


def test_an_older_model_is_judged_by_path_and_bytes(trained, capsys):
    tmp_path, model, _ = trained
    old = load_model(model)
    del old.metadata["val_data_content_sha256"]
    SavedModel(old.network, old.metadata).save(tmp_path / "old.npz")
    assert _first_line(capsys, tmp_path / "old.npz", tmp_path / "v.csv") == (
        f"{tmp_path / 'v.csv'}: 12 examples")
    line = _first_line(capsys, tmp_path / "old.npz", tmp_path / "v.csv.gz")
    assert line.startswith(f"{tmp_path / 'v.csv.gz'}: 12 examples{SAME}"), line


def test_train_warns_of_validation_data_that_is_data_compressed(tmp_path, capsys):
    text = _text(0, 30)
    (tmp_path / "d.csv").write_bytes(text)
    (tmp_path / "d.csv.gz").write_bytes(gzip.compress(text))
    assert gzip.decompress((tmp_path / "d.csv.gz").read_bytes()) == text  # the same rows
    assert main(["train", str(tmp_path / "d.csv"), "--val-data", str(tmp_path / "d.csv.gz"),
                 "--epochs", "1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    err = capsys.readouterr().err
    assert (f"warning: --val-data {tmp_path / 'd.csv.gz'} holds the same data (decompressed) "
            f"as DATA {tmp_path / 'd.csv'}: every validation example also trains") in err
    line = _first_line(capsys, tmp_path / "m.npz", tmp_path / "d.csv.gz")
    assert line.startswith(f"{tmp_path / 'd.csv.gz'}: 30 examples, the model's validation "
                           "data (--val-data), the rows of its training data too"), line


@pytest.mark.skipif(not os.path.isdir("/dev/fd") or sys.platform == "win32",
                    reason="no /dev/fd paths of pipes")
def test_validation_data_through_a_pipe_is_known_by_its_text(tmp_path, capsys):
    # train d.csv --val-data <(cat v.csv): no file, no val_data_sha256; its text's digest
    (tmp_path / "d.csv").write_bytes(_text(0, 30))
    val = _text(100, 12)
    (tmp_path / "v.csv.gz").write_bytes(gzip.compress(val))
    model = tmp_path / "m.npz"
    path = pipe_of(val)
    try:
        assert main(["train", str(tmp_path / "d.csv"), "--val-data", path, "--epochs", "1",
                     "-q", "-o", str(model)]) == 0
    finally:
        os.close(int(path.rsplit("/", 1)[1]))
    meta = load_metadata(model)
    assert "val_data_sha256" not in meta and "val_data_path" not in meta
    assert meta["val_data_content_sha256"] == hashlib.sha256(val).hexdigest()
    line = _first_line(capsys, model, tmp_path / "v.csv.gz")
    assert line.startswith(f"{tmp_path / 'v.csv.gz'}: 12 examples{SAME}"), line
    (tmp_path / "w.csv").write_bytes(_text(300, 12))  # other rows: no word
    assert _first_line(capsys, model, tmp_path / "w.csv") == f"{tmp_path / 'w.csv'}: 12 examples"
