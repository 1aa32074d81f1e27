"""evaluate on the file a model was trained on: said only while the file is unchanged.

``chainrule train`` records the SHA-256 of its DATA file and its number of rows; the
expected digests are hashlib's of the bytes written here, the counts those of
scikit-learn's ``train_test_split``, which train's split calls.
"""

from __future__ import annotations

import csv
import hashlib
import os

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel, load_model

ROWS = [[i, i % 7, i % 2] for i in range(30)]


def _write(path, rows) -> None:
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["a", "b", "y"], *rows])


def _first_line(capsys, model, data) -> str:
    capsys.readouterr()
    assert main(["evaluate", str(model), str(data)]) == 0
    return capsys.readouterr().out.splitlines()[0]


@pytest.fixture
def trained(tmp_path, capsys):
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    _write(data, ROWS)
    assert main(["train", str(data), "--epochs", "1", "--val-fraction", "0.1", "--seed", "3",
                 "-q", "-o", str(model)]) == 0
    held = len(train_test_split(np.arange(30), test_size=0.1, random_state=3)[1])  # 3
    return data, model, held


def test_train_records_the_digest_and_rows_of_its_data_file(trained):
    data, model, _ = trained
    meta = load_metadata(model)
    assert meta["data_sha256"] == hashlib.sha256(data.read_bytes()).hexdigest()
    assert meta["data_rows"] == 30


def test_an_unchanged_file_is_said_to_be_the_training_data(trained, capsys):
    data, model, held = trained
    assert _first_line(capsys, model, data) == (
        f"{data}: 30 examples, the data the model was trained on ({30 - held} training and "
        f"{held} validation examples; none held out: not a test score)")


def test_a_file_with_a_row_appended_is_said_to_have_changed(trained, capsys):
    # it was said to be the training data, of 27 training and 4 validation examples:
    # counts train never made (its split of 31 rows), and the new row is neither
    data, model, held = trained
    with open(data, "a", newline="") as fh:
        csv.writer(fh).writerow([30, 2, 0])
    assert _first_line(capsys, model, data) == (
        f"{data}: 31 examples, the file the model was trained on, changed since (it held 30 "
        f"examples then: {30 - held} training and {held} validation)")


def test_a_file_with_a_row_removed_is_said_to_have_changed(trained, capsys):
    data, model, held = trained
    _write(data, ROWS[:-1])
    assert _first_line(capsys, model, data) == (
        f"{data}: 29 examples, the file the model was trained on, changed since (it held 30 "
        f"examples then: {30 - held} training and {held} validation)")


def test_another_file_put_in_its_place_is_said_to_have_changed(trained, capsys, tmp_path):
    # the same path, the same number of rows, other values: it was "the data the model
    # was trained on"
    data, model, held = trained
    other = tmp_path / "other.csv"
    _write(other, [[i, i % 5, (i + 1) % 2] for i in range(30)])
    os.replace(other, data)
    assert _first_line(capsys, model, data) == (
        f"{data}: 30 examples, the file the model was trained on, changed since (it held 30 "
        f"examples then: {30 - held} training and {held} validation)")


def test_without_validation_the_changed_file_held_training_examples_only(tmp_path, capsys):
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    _write(data, ROWS)
    assert main(["train", str(data), "--epochs", "1", "--val-fraction", "0", "-q",
                 "-o", str(model)]) == 0
    _write(data, [*ROWS, [30, 2, 0]])
    assert _first_line(capsys, model, data) == (
        f"{data}: 31 examples, the file the model was trained on, changed since (it held 30 "
        "examples then: all training examples)")


def test_a_model_file_without_the_digest_is_taken_at_its_word(trained, capsys):
    # a model file of an older chainrule records data_path, not the digest: evaluate says
    # what it said, the counts of the file as it is
    data, model, held = trained
    saved = load_model(model)
    meta = {k: v for k, v in saved.metadata.items() if k not in ("data_sha256", "data_rows")}
    SavedModel(saved.network, meta).save(model)
    assert "data_sha256" not in load_metadata(model)
    assert _first_line(capsys, model, data) == (
        f"{data}: 30 examples, the data the model was trained on ({30 - held} training and "
        f"{held} validation examples; none held out: not a test score)")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_a_named_pipe_in_the_files_place_is_read_once(trained, capsys):
    # evaluate reads the table from the pipe, then hashed "the file" again: a second open
    # of a pipe whose writer is gone waits for another writer, forever.  A writer that
    # only comes after 10 s (closing at once: an empty read) tells that wait apart.
    import threading

    data, model, held = trained
    content = data.read_bytes()
    data.unlink()
    os.mkfifo(data)
    done, waited = threading.Event(), []

    def writer() -> None:
        with open(data, "wb") as fh:  # blocks until evaluate opens the pipe to read it
            fh.write(content)
        if not done.wait(10):  # evaluate opened the pipe again: let that open return
            waited.append(True)
            os.close(os.open(data, os.O_WRONLY))

    thread = threading.Thread(target=writer, daemon=True)
    thread.start()
    try:
        line = _first_line(capsys, model, data)
    finally:
        done.set()
        thread.join(15)
    assert not waited, "evaluate opened the named pipe a second time"
    # the pipe gave the file's bytes: the same data (hashed as it was read, once)
    assert line == (
        f"{data}: 30 examples, the data the model was trained on ({30 - held} training and "
        f"{held} validation examples; none held out: not a test score)")
