"""``chainrule train -``: the training data as a CSV file on standard input.

``generate | chainrule train - -o m.npz`` must train what the same file given by its path
trains (the parameters equal, bit for bit), read standard input once, and record the
data as standard input's: ``data`` "-", no path, the SHA-256 (``hashlib`` here) and the
row count of the bytes read.  ``evaluate MODEL -`` knows the same bytes again by that
digest; ``--resume`` continues the run on the same bytes and refuses other ones.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from test_cli_stdin import _stdin


@pytest.fixture
def data(tmp_path):
    """A CSV file of 30 rows (two features, a yes/no class); its path and bytes."""
    rng = np.random.default_rng(4)
    X = np.round(rng.normal(size=(30, 2)), 5)
    y = np.where(X[:, 0] - X[:, 1] > 0, "yes", "no")
    rows = ["a,b,k", *(f"{p:.5f},{q:.5f},{c}" for (p, q), c in zip(X, y, strict=True))]
    path = tmp_path / "d.csv"
    path.write_bytes(("\n".join(rows) + "\n").encode())
    return path, path.read_bytes()


_RUN = ["--target", "k", "--hidden", "5", "--epochs", "4", "--seed", "3", "-q"]


def test_train_reads_standard_input_as_the_file(data, tmp_path, monkeypatch, capsys):
    path, raw = data
    assert main(["train", str(path), *_RUN, "-o", str(tmp_path / "f.npz")]) == 0
    by_path = capsys.readouterr().out
    reads = _stdin(monkeypatch, raw)
    assert main(["train", "-", *_RUN, "-o", str(tmp_path / "s.npz")]) == 0
    piped = capsys.readouterr().out
    assert len(reads) == 1  # one read of everything, hashed and parsed from memory
    np.testing.assert_array_equal(cr.load(tmp_path / "s.npz").params,
                                  cr.load(tmp_path / "f.npz").params)
    assert piped.replace("standard input:", "d.csv:").replace(
        str(tmp_path / "s.npz"), str(tmp_path / "f.npz")).splitlines()[:-2] == (
        by_path.replace(str(path), "d.csv").splitlines()[:-2])
    meta = load_metadata(tmp_path / "s.npz")
    assert meta["data"] == "-" and "data_path" not in meta
    assert meta["data_sha256"] == hashlib.sha256(raw).hexdigest()
    assert meta["data_rows"] == 30
    assert load_metadata(tmp_path / "f.npz")["data_sha256"] == meta["data_sha256"]


def test_evaluate_knows_the_same_bytes_of_standard_input(data, tmp_path, monkeypatch, capsys):
    path, raw = data
    model = str(tmp_path / "s.npz")
    _stdin(monkeypatch, raw)
    assert main(["train", "-", *_RUN, "--val-fraction", "0.2", "-o", model]) == 0
    capsys.readouterr()
    _stdin(monkeypatch, raw)
    assert main(["evaluate", model, "-"]) == 0
    # 30 rows, --val-fraction 0.2: ceil(6.0) = 6 held out for validation, 24 trained on
    assert capsys.readouterr().out.splitlines()[0] == (
        "standard input: 30 examples, the data the model was trained on (24 training and 6 "
        "validation examples; none held out: not a test score)")
    _stdin(monkeypatch, b"".join(raw.splitlines(keepends=True)[:11]))  # other bytes
    assert main(["evaluate", model, "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "standard input: 10 examples"
    # the file of the same bytes is the same data, whatever its path (known by its SHA-256)
    assert main(["evaluate", model, str(path)]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"{path}: 30 examples, the data the model was trained on (24 training and 6 "
        "validation examples; none held out: not a test score)")
    # a model trained on the file, given its bytes on standard input: said too
    assert main(["train", str(path), *_RUN, "-o", str(tmp_path / "f.npz")]) == 0
    capsys.readouterr()
    _stdin(monkeypatch, raw)
    assert main(["evaluate", str(tmp_path / "f.npz"), "-"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        "standard input: 30 examples, the data the model was trained on (27 training and 3 "
        "validation examples; none held out: not a test score)")  # the default 0.1: 3


def test_resume_from_standard_input_needs_the_same_bytes(data, tmp_path, monkeypatch, capsys):
    _, raw = data
    run = ["train", "-", "--target", "k", "--hidden", "5", "--seed", "3", "-q",
           "--checkpoint", str(tmp_path / "ck.npz"), "-o", str(tmp_path / "r.npz")]
    _stdin(monkeypatch, raw)
    assert main([*run, "--epochs", "2"]) == 0
    _stdin(monkeypatch, raw.replace(b"0", b"1", 1))  # one digit changed
    assert main([*run, "--epochs", "5", "--resume"]) == 2
    assert ("chainrule: error: DATA: the contents of standard input have changed since the "
            f"run in {tmp_path / 'ck.npz'} started") in capsys.readouterr().err
    _stdin(monkeypatch, raw)
    assert main([*run, "--epochs", "5", "--resume"]) == 0
    # the uninterrupted run of 5 epochs, on the file's bytes piped: the same parameters
    _stdin(monkeypatch, raw)
    assert main(["train", "-", "--target", "k", "--hidden", "5", "--seed", "3", "-q",
                 "--epochs", "5", "-o", str(tmp_path / "whole.npz")]) == 0
    np.testing.assert_array_equal(cr.load(tmp_path / "r.npz").params,
                                  cr.load(tmp_path / "whole.npz").params)
    assert load_metadata(tmp_path / "r.npz")["data_sha256"] == hashlib.sha256(raw).hexdigest()


def test_train_refuses_an_npz_archive_on_standard_input(tmp_path, monkeypatch, capsys):
    buffer = io.BytesIO()
    np.savez(buffer, X=np.zeros((4, 2)), y=np.array([0, 1, 0, 1]))
    _stdin(monkeypatch, buffer.getvalue())
    assert main(["train", "-", "-q", "-o", str(tmp_path / "m.npz")]) == 2
    assert ("chainrule: error: standard input: an .npz archive; only a CSV file can be read "
            "from standard input (-)") in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_loss_curve_of_a_model_trained_on_standard_input_names_it(data, tmp_path,
                                                                   monkeypatch):
    from chainrule._cli_models_data import _loss_title
    from chainrule.saved_model import SavedModel

    _, raw = data
    _stdin(monkeypatch, raw)
    assert main(["train", "-", *_RUN, "-o", str(tmp_path / "s.npz")]) == 0
    title = _loss_title(SavedModel.load(tmp_path / "s.npz"))
    assert title.startswith("Training and validation cost on standard input (")


def test_max_time_on_standard_input_says_to_pipe_the_data_again(data, tmp_path, monkeypatch,
                                                                 step_clock, capsys):
    """The hint after --max-time names the same data piped again (a resume reads standard
    input anew and checks its SHA-256); a file's run keeps the plain hint."""
    path, raw = data  # 30 rows, 27 for training: one batch of 32 per epoch, 1 s per epoch
    run = ["--target", "k", "--hidden", "5", "--seed", "3", "-q", "--epochs", "6",
           "--max-time", "2.5", "-o", str(tmp_path / "m.npz")]
    _stdin(monkeypatch, raw)
    assert main(["train", "-", *run, "--checkpoint", str(tmp_path / "s.npz")]) == 3
    err = capsys.readouterr().err
    assert (f"no model written: run the same command with --resume, the same data piped to "
            f"it again, to continue from {tmp_path / 's.npz'}") in err
    assert main(["train", str(path), *run, "--checkpoint", str(tmp_path / "f.npz")]) == 3
    assert (f"no model written: run the same command with --resume to continue from "
            f"{tmp_path / 'f.npz'}") in capsys.readouterr().err


def test_info_names_the_training_data(data, tmp_path, monkeypatch, capsys):
    """info's text says where the training data came from: the file's absolute path,
    standard input, or a bundled set, with the rows and the SHA-256's start (hashlib)."""
    path, raw = data
    digest = hashlib.sha256(raw).hexdigest()[:16]
    _stdin(monkeypatch, raw)
    assert main(["train", "-", *_RUN, "-o", str(tmp_path / "s.npz")]) == 0
    assert main(["train", str(path), *_RUN, "-o", str(tmp_path / "f.npz")]) == 0
    assert main(["train", "xor", "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "b.npz")]) == 0
    capsys.readouterr()
    lines = []
    for name in ("s", "f", "b"):
        assert main(["info", str(tmp_path / f"{name}.npz")]) == 0
        lines.append([x for x in capsys.readouterr().out.splitlines() if x.startswith("data:")])
    assert lines == [[f"data: standard input (30 rows, SHA-256 {digest}...)"],
                     [f"data: {os.path.abspath(path)} (30 rows, SHA-256 {digest}...)"],
                     ["data: xor (bundled with chainrule)"]]


def test_standard_input_is_parsed_from_its_bytes_without_a_copy_of_its_text(monkeypatch):
    """The CSV text of DATA - was decoded whole into a str (one byte per character here)
    and copied into an io.StringIO, which holds 4 bytes per character: about 5 times the
    input's size on top of its bytes (a 96 MB CSV piped to train peaked 467 MB above the
    same file given by its path).  The reader now decodes the kept bytes as it reads them:
    a few buffers, whatever the size; the rows equal a decode of the whole (NumPy here)."""
    import tracemalloc

    from chainrule._tabular_text import _stdin_bytes, _stdin_text, stdin_read_once
    from chainrule.tabular import read_data

    rng = np.random.default_rng(0)
    values = np.round(rng.normal(size=(40_000, 4)), 6)
    raw = ("a,b,c,d\n" + "".join(f"{p:.6f},{q:.6f},{r:.6f},{s:.6f}\n"
                                 for p, q, r, s in values)).encode()  # about 1.5 MB
    _stdin(monkeypatch, raw)
    with stdin_read_once():
        assert _stdin_bytes() is not None  # the bytes, kept for the run: not counted below
        tracemalloc.start()
        try:
            lines = 0
            for _ in _stdin_text():
                lines += 1
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert lines == 40_001
        assert peak < len(raw) // 8, (peak, len(raw))
        table = read_data("-", target="d")
    np.testing.assert_array_equal(table.X, values[:, :3])
    np.testing.assert_array_equal(table.y.astype(float), values[:, 3])


def test_a_second_run_on_the_same_checkpoint_says_to_pipe_the_data_again(data, tmp_path,
                                                                          monkeypatch, capsys):
    """Started again without --resume, a run from standard input is told to add --resume
    with the same data piped again (the checkpoint's SHA-256 is checked against it)."""
    _, raw = data
    run = ["train", "-", "--target", "k", "--hidden", "5", "--seed", "3", "-q", "--epochs",
           "2", "--checkpoint", str(tmp_path / "ck.npz"), "-o", str(tmp_path / "m.npz")]
    _stdin(monkeypatch, raw)
    assert main(run) == 0
    _stdin(monkeypatch, raw)
    assert main(run) == 2
    assert (f"--checkpoint {tmp_path / 'ck.npz'}: holds a run already (after epoch 2 of 2); "
            "add --resume to continue it, the same data piped to it again, or give another "
            "file name") in capsys.readouterr().err


def test_a_checkpoint_of_a_run_on_standard_input_given_for_a_model_says_to_pipe_again(
        data, tmp_path, monkeypatch, capsys):
    """predict given the checkpoint of a run from standard input names the command that
    finishes it, with the same data piped again (--resume checks the bytes' SHA-256), as
    the --max-time and second-run hints say; a file's run keeps its wording."""
    path, raw = data
    ckpt = tmp_path / "ck.npz"
    _stdin(monkeypatch, raw)
    assert main(["train", "-", *_RUN, "--checkpoint", str(ckpt), "-o",
                 str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["predict", str(ckpt), str(path)]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {ckpt}: a checkpoint of chainrule train (after epoch 4 of 4), "
        "not a model file; its run is complete, and the command that started it and "
        f"--resume (chainrule train - ... --checkpoint {ckpt} --resume), the same data "
        "piped to it again, writes its model file without training further\n")
    from file_helpers import edit_saved_meta

    edit_saved_meta(ckpt, lambda meta: meta.update(epoch=2))  # a run with epochs left
    assert main(["predict", str(ckpt), str(path)]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {ckpt}: a checkpoint of chainrule train (after epoch 2 of 4), "
        "not a model file; continue its run with the command that started it and --resume "
        f"(chainrule train - ... --checkpoint {ckpt} --resume), the same data piped to it "
        "again, which writes the model file at its end\n")


class _Terminal(io.BytesIO):
    """Bytes typed at a terminal: ``isatty`` True, as sys.stdin's is at a shell prompt."""

    def isatty(self) -> bool:
        return True


def test_train_from_a_terminal_says_it_reads_standard_input(data, tmp_path, monkeypatch,
                                                            capsys):
    """A terminal on standard input gets one line on stderr before the read (else the
    command waits without a word); a pipe gets none; the run trains the same either way."""
    raw = data[1]
    reads = _stdin(monkeypatch, raw)
    assert main(["train", "-", *_RUN, "-o", str(tmp_path / "p.npz")]) == 0
    assert len(reads) == 1 and "standard input" not in capsys.readouterr().err
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(_Terminal(raw), encoding="utf-8"))
    assert main(["train", "-", *_RUN, "-o", str(tmp_path / "t.npz")]) == 0
    err = capsys.readouterr().err.splitlines()
    end = "Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"
    hints = [line for line in err if "reading CSV from standard input" in line]
    assert hints == [line for line in err if line.startswith("chainrule: reading")]
    assert len(hints) == 1 and f"end it with {end}" in hints[0]
    np.testing.assert_array_equal(cr.load(tmp_path / "t.npz").params,
                                  cr.load(tmp_path / "p.npz").params)
    # the library's read_data("-") outside a command's run prints nothing
    from chainrule.tabular import read_data

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(_Terminal(raw), encoding="utf-8"))
    assert read_data("-", target="k").n_samples == 30
    assert capsys.readouterr().err == ""


def test_trace_network_from_a_terminal_says_it_reads_json(monkeypatch, capsys):
    from test_cli_trace_stdin import SPEC_B

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(
        _Terminal(json.dumps(SPEC_B).encode()), encoding="utf-8"))
    assert main(["trace", "--network", "-", "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert err.count("chainrule: reading a JSON network description from standard "
                     "input; end it with") == 1
