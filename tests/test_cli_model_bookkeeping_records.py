"""A model file of ``chainrule train`` whose bookkeeping records were edited into other
types (data_path 5, data_rows "x", training.epochs "x", stop_reason 5, a SHA-256 that is
no digest) is refused naming the record, what was expected and what was found.

They passed the metadata check: info echoed the bad values and, with data_path 5,
evaluate silently dropped its "the data the model was trained on" line."""

from __future__ import annotations

import shutil

import pytest

from chainrule.cli import main
from file_helpers import edit_saved_meta


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bookkeeping")
    data = folder / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{i % 7 / 7},{i % 5 / 5},{i % 2}\n"
                                        for i in range(30)))
    assert main(["train", str(data), "--target", "y", "--epochs", "2", "-q",
                 "-o", str(folder / "m.npz")]) == 0
    return folder / "m.npz", data


def _set(path, where, key, value):
    def edit(meta):
        record = meta["metadata"]  # the model file's record, beside its network's
        (record if where is None else record[where])[key] = value
    edit_saved_meta(path, edit)


@pytest.mark.parametrize(("where", "key", "value", "expected"), [
    (None, "data_path", 5, "data_path: expected a string, got 5"),
    (None, "data_rows", "x", "data_rows: expected a whole number >= 0, got 'x'"),
    (None, "data_rows", -3, "data_rows: expected a whole number >= 0, got -3"),
    (None, "data_rows", True, "data_rows: expected a whole number >= 0, got True"),
    (None, "data_sha256", "abc", "data_sha256: expected 64 lower-case hexadecimal digits, "
                                 "got 'abc'"),
    ("training", "epochs", "x", "training.epochs: expected a whole number >= 0, got 'x'"),
    ("training", "epochs", 2.5, "training.epochs: expected a whole number >= 0, got 2.5"),
    ("training", "stop_reason", 5, "training.stop_reason: expected a string, got 5"),
])
@pytest.mark.parametrize("command", ["info", "evaluate"])
def test_an_edited_record_is_refused_naming_it(trained, tmp_path, capsys, where, key, value,
                                               expected, command):
    model, data = trained
    edited = tmp_path / "edited.npz"
    shutil.copyfile(model, edited)
    _set(edited, where, key, value)
    args = [command, str(edited)] + ([str(data)] if command == "evaluate" else [])
    assert main(args) == 2
    err = capsys.readouterr().err
    assert str(edited) in err and expected in err and "Traceback" not in err


def test_the_file_as_train_wrote_it_is_read(trained, capsys):
    model, data = trained
    assert main(["evaluate", str(model), str(data)]) == 0
    assert "the data the model was trained on" in capsys.readouterr().out
