"""``chainrule train --checkpoint / --checkpoint-every / --max-time / --resume``.

A run stopped by ``--max-time`` (or by Ctrl-C) and continued by the same command with
``--resume`` must write the model file of the uninterrupted ``chainrule train`` run,
bit for bit (float64 data): the reference is that run, trained in one go.

The clock is made deterministic as in ``test_max_time.py``: the loop reads
``time.monotonic`` of ``chainrule._training_loop``, replaced by a counter that each
training step advances by one "second" (the command line has no callbacks: the
Trainer's ``_step`` is wrapped), so the batch after which the budget is spent is known.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import io
from chainrule.checkpoints import CHECKPOINT_FORMAT
from chainrule.cli import build_parser, main
from chainrule.io import load_metadata
from chainrule.training import Trainer

# iris: 135 training rows in batches of 16, 9 steps an epoch; 6 epochs, 54 steps
OPTIONS = {"--hidden": "5", "--batch-size": "16", "--lr": "0.05", "--seed": "3"}
IRIS = ["train", "iris", *[x for kv in OPTIONS.items() for x in kv], "-q"]
# iris' feature columns, in their order, as they would be typed
_IRIS_FEATURES = ("'sepal length (cm)' 'sepal width (cm)' 'petal length (cm)' "
                  "'petal width (cm)'")


def _status(argv: list[str]) -> int:
    """main's exit status, argparse's SystemExit included."""
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def _regression_csv(path) -> None:
    """A float64 regression table with features on unequal scales (scaling matters)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(60, 3)) * [1.0, 10.0, 0.1] + [0.0, 50.0, 1.0]
    y = np.sin(X[:, 0]) + 0.05 * X[:, 1] + 3 * X[:, 2]
    rows = "\n".join(",".join(repr(float(v)) for v in (*x, t)) for x, t in zip(X, y,
                                                                                 strict=True))
    path.write_text("a,b,c,target\n" + rows + "\n")


def _same_model(path, reference) -> None:
    a, b = chainrule.load(path), chainrule.load(reference)
    assert a.params.dtype == np.float64
    np.testing.assert_array_equal(a.params, b.params)
    meta, ref = load_metadata(path), load_metadata(reference)
    assert meta["history"] == ref["history"]
    for key in ("x_mean", "x_scale", "y_mean", "y_scale", "labels", "feature_names",
                "all_columns"):
        assert meta.get(key) == ref.get(key)
    seconds = {"seconds": None}
    assert {**meta["training"], **seconds} == {**ref["training"], **seconds}


@pytest.mark.parametrize(("data", "budget", "slots"), [
    ("iris", 20, 3),  # spent inside epochs 3 and 5: 2 and 4 epochs kept, then the rest
    ("csv", 8, 3),  # 54 rows, 4 steps an epoch: spent at the end of epochs 2 and 4
])
def test_max_time_slots_resume_to_the_uninterrupted_model(tmp_path, step_clock, capsys, data,
                                                          budget, slots):
    if data == "csv":
        _regression_csv(tmp_path / "data.csv")
        args = ["train", tmp_path / "data.csv", "--hidden", "4", "--batch-size", "16",
                "--lr", "0.05", "--seed", "1", "-q"]
    else:
        args = IRIS
    args = [*args, "--epochs", "6"]
    assert _status([*args, "-o", tmp_path / "ref"]) == 0
    ckpt, model = tmp_path / "run.ckpt.npz", tmp_path / "model.npz"
    command = [*args, "--checkpoint", ckpt, "--max-time", budget, "--resume", "-o", model]
    capsys.readouterr()
    statuses = []
    while not statuses or statuses[-1] == 3:
        statuses.append(_status(command))
        err = capsys.readouterr().err
        if statuses[-1] == 3:  # not finished: no model, and how to go on
            assert not model.exists()
            assert f"--max-time {budget:g} s spent" in err and "with --resume" in err
        assert len(statuses) <= slots
    assert statuses == [3] * (slots - 1) + [0]
    _same_model(model, tmp_path / "ref.npz")
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 6


def test_seconds_of_a_resumed_run_count_every_slot(tmp_path, step_clock, monkeypatch, capsys):
    """The model file's ``seconds`` is the run's training time over its slots.  With a clock
    that each of the 9 steps of an iris epoch advances by one second, the uninterrupted run
    of 6 epochs takes 54 s; in slots of 20 s (epochs 1-2, 3-4 and 5-6 kept, 2 steps of
    epochs 3 and 5 cut off and trained again) the model says 54 s too, not the last
    slot's 18 s."""
    monkeypatch.setattr(time, "perf_counter", lambda: step_clock[0])
    args = [*IRIS, "--epochs", "6"]
    assert _status([*args, "-o", tmp_path / "ref"]) == 0
    assert load_metadata(tmp_path / "ref.npz")["training"]["seconds"] == 6 * 9
    ckpt, model = tmp_path / "ck.npz", tmp_path / "model.npz"
    command = [*args, "--checkpoint", ckpt, "--max-time", "20", "--resume", "-o", model]
    kept = []
    while (status := _status(command)) == 3:
        meta = io.read_file(ckpt, CHECKPOINT_FORMAT)[0]
        kept.append((meta["epoch"], meta["notes"]["seconds"]))
    assert status == 0
    assert kept == [(2, 18.0), (4, 36.0)]
    assert load_metadata(model)["training"]["seconds"] == 6 * 9
    assert "(2 since the checkpoint) in 18.00 s (54.00 s in all)" in capsys.readouterr().out


@pytest.mark.parametrize("damaged", [{"__float__": "inf"}, 10**400, -1.0, "18"],
                         ids=["inf", "10**400", "negative", "text"])
def test_a_damaged_seconds_record_counts_as_none_and_the_run_finishes(tmp_path, step_clock,
                                                                      monkeypatch, capsys,
                                                                      damaged):
    """The checkpoint's ``seconds`` that is no finite count of seconds (edited or damaged:
    inf, an int no float holds) is taken as 0, as a negative or text one was.  An infinite
    one was kept: the run trained its epochs and then refused to write its model
    ("metadata must be JSON-serialisable"), every time it was resumed; 10**400 ended the
    command as a diverged run (exit 1).  The model counts the slots after the damage:
    epochs 3-6 of 9 one-second steps each."""
    from file_helpers import edit_saved_meta

    monkeypatch.setattr(time, "perf_counter", lambda: step_clock[0])
    ckpt, model = tmp_path / "ck.npz", tmp_path / "model.npz"
    command = [*IRIS, "--epochs", "6", "--checkpoint", ckpt, "--max-time", "20", "--resume",
               "-o", model]
    assert _status(command) == 3
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["notes"]["seconds"] == 18.0
    edit_saved_meta(ckpt, lambda meta: meta["notes"].update(seconds=damaged))
    statuses = [_status(command)]
    while statuses[-1] == 3:
        statuses.append(_status(command))
    assert statuses == [3, 0], capsys.readouterr().err
    assert load_metadata(model)["training"]["seconds"] == 4 * 9


@pytest.mark.parametrize("batch", ["16", [16], {}, 0, True])
def test_a_damaged_batch_size_record_is_named(tmp_path, step_clock, capsys, batch):
    """notes.options.batch_size is compared as min(batch, n_train): a record of text, a list
    or an object ended --resume with Python's "'<' not supported between instances of 'int'
    and 'str'", which names neither the file nor the record."""
    from file_helpers import edit_saved_meta

    ckpt = tmp_path / "ck.npz"
    command = [*IRIS, "--epochs", "6", "--checkpoint", ckpt, "--max-time", "20", "--resume",
               "-o", tmp_path / "model.npz"]
    assert _status(command) == 3
    edit_saved_meta(ckpt, lambda meta: meta["notes"]["options"].update(batch_size=batch))
    capsys.readouterr()
    assert _status(command) == 2
    err = capsys.readouterr().err
    assert err == (f"chainrule: error: {ckpt}: corrupted checkpoint (notes.options.batch_size: "
                   f"expected null or a positive integer, found {batch!r})\n")


@pytest.mark.parametrize("started", [False, True])
def test_a_slot_too_short_for_one_epoch_stops_the_loop(tmp_path, step_clock, capsys, started):
    """A budget spent inside the first epoch of a slot keeps nothing (the checkpoint holds
    complete epochs): exit status 3 would have the loop repeat the same slot forever."""
    ckpt, model = tmp_path / "run.ckpt.npz", tmp_path / "model.npz"
    command = [*IRIS, "--epochs", "6", "--checkpoint", ckpt, "--resume", "-o", model]
    if started:  # two epochs (18 steps) trained, then slots of 5 steps: epoch 3 unfinished
        assert _status([*command, "--max-time", "20"]) == 3
        assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 2
    before = ckpt.read_bytes() if started else None
    capsys.readouterr()
    assert _status([*command, "--max-time", "5"]) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    epoch = 3 if started else 1
    assert (f"--max-time 5: spent before epoch {epoch} of 6 finished; a checkpoint keeps "
            "only complete epochs, so the same command would stop there again") in err, err
    assert not model.exists()
    if started:
        assert ckpt.read_bytes() == before


def test_max_time_counts_the_training_only(tmp_path, step_clock, monkeypatch, capsys):
    """Start-up (here: reading the data, which the fake clock says takes 1000 s) is not
    spent from --max-time: a first slot of 20 s still trains 2 epochs of 9 steps, as
    without it, and is not refused as a slot too short for one epoch."""
    import chainrule.tabular

    read = chainrule.tabular.read_data

    def slow(*args, **kwargs):
        step_clock[0] += 1000.0
        return read(*args, **kwargs)

    monkeypatch.setattr(chainrule.tabular, "read_data", slow)
    ckpt = tmp_path / "ck.npz"
    assert _status([*IRIS, "--epochs", "6", "--checkpoint", ckpt, "--max-time", "20",
                    "--resume", "-o", tmp_path / "m"]) == 3
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 2
    capsys.readouterr()
    assert _status(["train", "--help"]) == 0
    assert "budget of this command's training, counted from its first batch" in " ".join(
        capsys.readouterr().out.split())


def test_the_first_slot_says_it_starts_a_new_run(tmp_path, capsys):
    ckpt = tmp_path / "ck.npz"
    assert _status([*IRIS, "--epochs", "1", "--checkpoint", ckpt, "--resume",
                    "-o", tmp_path / "m"]) == 0
    assert f"no checkpoint {ckpt} yet; starting a new run" in capsys.readouterr().err


def test_ctrl_c_then_resume_gives_the_uninterrupted_model(tmp_path, monkeypatch, capsys):
    """Ctrl-C (a KeyboardInterrupt in the 13th step, no callback) writes the model so far,
    as without a checkpoint; --resume continues from the last complete epoch."""
    assert _status([*IRIS, "--epochs", "4", "-o", tmp_path / "ref"]) == 0
    step, calls = Trainer._step, [0]

    def interrupted(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 13:  # the 4th batch of epoch 2
            raise KeyboardInterrupt
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", interrupted)
    ckpt, model = tmp_path / "ck.npz", tmp_path / "model.npz"
    command = [*IRIS, "--epochs", "4", "--checkpoint", ckpt, "-o", model]
    capsys.readouterr()
    assert _status(command) == 130  # 128 + SIGINT: not finished, though a model is written
    assert load_metadata(model)["training"]["stop_reason"] == "interrupted"
    assert "--resume to continue" in capsys.readouterr().err
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 1
    assert _status([*command, "--resume"]) == 0
    assert "resuming the run in" in capsys.readouterr().out
    _same_model(model, tmp_path / "ref.npz")


def test_epochs_extends_a_finished_run(tmp_path, capsys):
    assert _status([*IRIS, "--epochs", "5", "-o", tmp_path / "ref"]) == 0
    ckpt = tmp_path / "ck.npz"
    assert _status([*IRIS, "--epochs", "2", "--checkpoint", ckpt, "--checkpoint-every", "3",
                    "-o", tmp_path / "model"]) == 0
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 2  # the end is written
    assert _status([*IRIS, "--epochs", "5", "--checkpoint", ckpt, "--resume",
                    "-o", tmp_path / "model"]) == 0
    _same_model(tmp_path / "model.npz", tmp_path / "ref.npz")


@pytest.fixture
def started(tmp_path):
    """A run of 2 epochs with its checkpoint (finished: --resume may still extend it)."""
    ckpt = tmp_path / "ck.npz"
    assert _status([*IRIS, "--epochs", "2", "--checkpoint", ckpt, "-o", tmp_path / "m"]) == 0
    return ckpt


def _files(folder) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.parametrize(("change", "message"), [
    (["--hidden", "6"], "--hidden: the run in {ck} was started with --hidden 5, got "
     "--hidden 6"),
    (["--activation", "tanh"], "--activation: the run in {ck} was started with --activation "
     "relu, got --activation tanh"),
    (["--lr", "0.02"], "--lr: the run in {ck} was started with --lr 0.05, got --lr 0.02"),
    (["--optimizer", "sgd"], "--optimizer: the run in {ck} was started with --optimizer adam"),
    (["--batch-size", "8"], "--batch-size: the run in {ck} was started with --batch-size 16, "
     "got --batch-size 8"),
    (["--seed", "4"], "--seed: the run in {ck} was started with --seed 3"),
    (["--scale", "none"], "--scale: the run in {ck} was started with --scale standard"),
    (["--weight-decay", "0.1"], "--weight-decay: the run in {ck} was started with "
     "--weight-decay 0.0"),
    (["--patience", "3"], "--patience: the run in {ck} was started with no --patience"),
    (["--val-fraction", "0.2"], "--val-fraction: the run in {ck} was started with "
     "--val-fraction 0.1, got --val-fraction 0.2"),
    (["--epochs", "1"], "--epochs 1: the run in {ck} has already trained 2 epochs"),
])
def test_resume_refuses_another_run_naming_the_option(tmp_path, started, capsys, change,
                                                      message):
    before = _files(tmp_path)
    options = {**OPTIONS, "--epochs": "2", change[0]: change[1]}
    argv = ["train", "iris", *[x for kv in options.items() for x in kv], "-q",
            "--checkpoint", started, "--resume", "-o", tmp_path / "other"]
    capsys.readouterr()
    assert _status(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: " + message.format(ck=started))
    assert err.count("\n") == 1
    assert _files(tmp_path) == before  # the checkpoint as it was, no model written


def test_resume_refuses_other_data(tmp_path, capsys):
    """Another data set, or the same file with other contents, is named as DATA."""
    _regression_csv(tmp_path / "data.csv")
    ckpt = tmp_path / "ck.npz"
    args = ["--hidden", "3", "--epochs", "1", "--checkpoint", ckpt, "-q"]
    assert _status(["train", tmp_path / "data.csv", *args, "-o", tmp_path / "m"]) == 0
    text = (tmp_path / "data.csv").read_text().splitlines()
    (tmp_path / "copy.csv").write_text("\n".join(text) + "\n")
    assert _status(["train", tmp_path / "copy.csv", *args, "--resume", "-o", tmp_path / "m2"]) == 0
    (tmp_path / "data.csv").write_text("\n".join([*text[:-1], text[1]]) + "\n")  # a row changed
    before = _files(tmp_path)
    capsys.readouterr()
    assert _status(["train", tmp_path / "data.csv", *args, "--resume",
                    "-o", tmp_path / "m3"]) == 2
    assert capsys.readouterr().err.startswith(
        f"chainrule: error: DATA: the contents of {tmp_path / 'data.csv'} have changed since "
        f"the run in {ckpt} started")
    assert _status(["train", "diabetes", *args, "--resume", "-o", tmp_path / "m3"]) == 2
    assert capsys.readouterr().err.startswith(
        f"chainrule: error: DATA: diabetes holds other examples than {tmp_path / 'data.csv'}")
    assert _files(tmp_path) == before


def test_an_existing_checkpoint_is_not_overwritten_by_a_new_run(tmp_path, started, capsys):
    before = _files(tmp_path)
    capsys.readouterr()
    assert _status([*IRIS, "--epochs", "2", "--checkpoint", started, "-o", tmp_path / "x"]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --checkpoint {started}: holds a run already (after epoch 2 of 2); "
        "add --resume to continue it, or give another file name (or remove it) to start a new "
        "run\n")
    assert _files(tmp_path) == before


def test_a_checkpoint_of_a_run_started_in_python_is_refused(tmp_path, capsys):
    X, y = np.random.default_rng(0).normal(size=(10, 4)), np.arange(10) % 3
    ckpt = tmp_path / "py.npz"
    chainrule.train(chainrule.mlp([4, 3, 3], output="softmax", seed=0), X, y, epochs=1,
                    checkpoint=ckpt)
    before = _files(tmp_path)
    assert _status([*IRIS, "--checkpoint", ckpt, "--resume", "-o", tmp_path / "m"]) == 2
    err = capsys.readouterr().err
    assert "a checkpoint of a run started in Python" in err and "chainrule.resume(" in err
    assert _files(tmp_path) == before


def _bad_inputs(tmp_path) -> None:
    chainrule.mlp([4, 3, 3], output="softmax", seed=0).save(tmp_path / "model.npz")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "damaged.npz").write_bytes(b"PK\x03\x04 cut short")


@pytest.mark.parametrize(("options", "message"), [
    (["--checkpoint", "{d}/model.npz"], "--checkpoint {d}/model.npz: the file exists and is "
     "not a chainrule checkpoint"),
    (["--checkpoint", "{d}/model"], "--checkpoint {d}/model.npz: the file exists and is not"),
    (["--checkpoint", "{d}/data.csv"], "--checkpoint {d}/data.csv: the file exists and is not "
     "a chainrule checkpoint"),
    (["--checkpoint", "{d}/damaged.npz", "--resume"], "--checkpoint {d}/damaged.npz: the file "
     "exists and is not a chainrule checkpoint ({d}/damaged.npz: not a readable chainrule "
     "file"),
    (["--checkpoint", "{d}/folder"], "argument --checkpoint: {d}/folder is a directory; give "
     "a file name, such as {d}/folder/run.ckpt.npz"),
    (["--checkpoint", "{d}/file.txt/ck.npz"], "argument --checkpoint: {d}/file.txt is a file, "
     "not a directory"),
    (["--checkpoint", ""], "argument --checkpoint: empty file name ''"),
    (["--checkpoint", "{d}/ck", "--max-time", "0"], "argument --max-time: expected a finite "
     "number > 0, got '0'"),
    (["--checkpoint", "{d}/ck", "--max-time", "-1"], "argument --max-time: expected a finite "
     "number > 0, got '-1'"),
    (["--checkpoint", "{d}/ck", "--max-time", "nan"], "argument --max-time: expected a finite "
     "number > 0, got 'nan'"),
    (["--checkpoint", "{d}/ck", "--max-time", "inf"], "argument --max-time: expected"),
    (["--checkpoint", "{d}/ck", "--max-time", "soon"], "argument --max-time: expected a "
     "finite number > 0, got 'soon'"),
    (["--checkpoint", "{d}/ck", "--checkpoint-every", "0"], "argument --checkpoint-every: "
     "expected an integer >= 1, got '0'"),
    (["--resume"], "--resume needs --checkpoint PATH"),
    (["--max-time", "60"], "--max-time needs --checkpoint PATH"),
    (["--checkpoint-every", "2"], "--checkpoint-every needs --checkpoint PATH"),
    (["--checkpoint", "{d}/out.npz", "-o", "{d}/out"], "-o/--out {d}/out.npz: that is the "
     "--checkpoint file"),
])
def test_bad_checkpoint_options_are_one_error_and_write_nothing(tmp_path, capsys, options,
                                                                message):
    _bad_inputs(tmp_path)
    before = _files(tmp_path)
    argv = [*IRIS, "--epochs", "1", "-o", tmp_path / "new",
            *[o.format(d=tmp_path) for o in options]]
    assert _status(argv) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert message.format(d=tmp_path) in lines[-1], lines
    if not message.startswith("argument "):  # a bad file, not a bad option value: one line
        assert len(lines) == 1 and lines[0].startswith("chainrule: error: "), lines
    assert _files(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["model.npz", "data.csv", "folder", "file.txt", "damaged.npz"])


def test_checkpoint_notes_round_trip_and_are_checked(tmp_path):
    """Trainer.checkpoint_notes is written into each checkpoint and read back as it was;
    notes that are no JSON object are refused as a corrupted checkpoint."""
    X, y = np.random.default_rng(1).normal(size=(8, 2)), np.arange(8) % 2
    chainrule.train(chainrule.mlp([2, 3, 1], seed=0), X, y[:, None].astype(float),
                    optimizer="adam", epochs=1, seed=0, checkpoint=tmp_path / "ck.npz",
                    checkpoint_notes={"kind": "test", "values": [1, 2.5, None]})
    again = Trainer.from_checkpoint(tmp_path / "ck.npz")
    assert again.checkpoint_notes == {"kind": "test", "values": [1, 2.5, None]}
    meta, arrays = io.read_file(tmp_path / "ck.npz", CHECKPOINT_FORMAT)
    io.write_file(tmp_path / "bad.npz", {**meta, "notes": [1, 2]}, arrays)
    with pytest.raises(ValueError, match=r"corrupted checkpoint \(notes: expected an object"):
        Trainer.from_checkpoint(tmp_path / "bad.npz")
    net = chainrule.mlp([2, 3, 1], seed=0)
    with pytest.raises(TypeError, match=r"checkpoint_notes must be a dict .* got list"):
        chainrule.train(net, X, y, checkpoint_notes=[1])
    with pytest.raises(ValueError, match="checkpoint_notes must hold only what JSON writes"):
        chainrule.train(net, X, y, checkpoint_notes={"x": object()})


def test_checkpoint_notes_are_the_same_before_and_after_the_json_round_trip(tmp_path):
    """JSON writes the key 1 as "1", True as "true" and a tuple as a list: the Trainer holds
    the notes in that form from the start, so that a caller comparing them before and after
    a resume sees no change; keys JSON would write alike (one lost) are refused."""
    import json

    X, y = np.random.default_rng(1).normal(size=(8, 2)), np.arange(8) % 2
    notes = {1: 2, "t": (1, 2.5), "n": {True: (None, "x")}}
    trainer = Trainer(chainrule.mlp([2, 3, 1], seed=0), optimizer="adam", epochs=1, seed=0,
                      checkpoint=tmp_path / "ck.npz", checkpoint_notes=notes)
    assert trainer.checkpoint_notes == json.loads(json.dumps(notes))
    assert trainer.checkpoint_notes == {"1": 2, "t": [1, 2.5], "n": {"true": [None, "x"]}}
    trainer.fit(X, y[:, None].astype(float))
    assert Trainer.from_checkpoint(tmp_path / "ck.npz").checkpoint_notes == (
        trainer.checkpoint_notes)
    for lost in ({1: "a", "1": "b"}, {"n": {True: 1, "true": 2}}):
        with pytest.raises(ValueError, match=r"two keys of one dict are both written as the "
                           r"JSON key '(1|true)'"):
            chainrule.train(chainrule.mlp([2, 3, 1], seed=0), X, y[:, None].astype(float),
                            checkpoint=tmp_path / "other.npz", checkpoint_notes=lost)
    assert not (tmp_path / "other.npz").exists()


def test_help_documents_resume_and_the_exit_status(tmp_path, capsys):
    assert _status(["train", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "without a checkpoint there yet, start a new run" in text
    assert "3 when --max-time stopped the run (no model written" in text
    assert ("130 (Ctrl-C) or 143 (SIGTERM) when the run was stopped before its last epoch "
            "(the model so far is written") in text
    assert "'chainrule train ... && deploy' does not take it for a finished run" in text
    # the status of a run that diverged (main: an ArithmeticError) or ran out of memory
    assert "1 when training diverged or memory ran out" in text
    assert _status([*IRIS, "--optimizer", "sgd", "--lr", "1e6", "--epochs", "50",
                    "-o", tmp_path / "m"]) == 1
    assert _status([*IRIS, "--hidden", "100000000000", "-o", tmp_path / "m"]) == 1
    assert not any(tmp_path.iterdir())


@pytest.fixture
def sigterm_caught():
    """A SIGTERM handler of the host (pytest) that records the signal instead of dying."""
    caught = []
    old = signal.signal(signal.SIGTERM, lambda signum, frame: caught.append(signum))
    yield caught
    signal.signal(signal.SIGTERM, old)


def _terminating_step(monkeypatch, at: int) -> None:
    """A real SIGTERM to this process in the ``at``-th training step."""
    step, calls = Trainer._step, [0]
    monkeypatch.setattr(Trainer, "_plain_step", step, raising=False)

    def terminated(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == at:
            os.kill(os.getpid(), signal.SIGTERM)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", terminated)


def test_sigterm_stops_as_ctrl_c_then_resume_gives_the_uninterrupted_model(
        tmp_path, monkeypatch, capsys, sigterm_caught):
    """A scheduler's SIGTERM (sent in the 13th step) stops train after the batch: the
    checkpoint keeps epoch 1, the model so far is written, --resume finishes the run bit for
    bit; the host's SIGTERM handler is back afterwards and never saw the signal."""
    handler = signal.getsignal(signal.SIGTERM)
    assert _status([*IRIS, "--epochs", "4", "-o", tmp_path / "ref"]) == 0
    _terminating_step(monkeypatch, 13)
    ckpt, model = tmp_path / "ck.npz", tmp_path / "model.npz"
    command = [*IRIS, "--epochs", "4", "--checkpoint", ckpt, "-o", model]
    capsys.readouterr()
    assert _status(command) == 128 + signal.SIGTERM
    assert sigterm_caught == []
    assert signal.getsignal(signal.SIGTERM) is handler
    assert load_metadata(model)["training"]["stop_reason"] == "interrupted"
    err = capsys.readouterr().err
    assert "chainrule train: stopped by SIGTERM after epoch 1 of 4" in err
    # the loop's line names the signal it got, not Ctrl-C
    assert "stopping after the current batch (SIGTERM again to abort)" in err
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 1
    monkeypatch.setattr(Trainer, "_step", Trainer._plain_step)
    assert _status([*command, "--resume"]) == 0
    _same_model(model, tmp_path / "ref.npz")


def test_the_library_leaves_sigterm_to_the_host(monkeypatch, sigterm_caught):
    """chainrule.train (not the command line) installs no SIGTERM handler: the host's gets
    the signal and the run goes on to its end."""
    _terminating_step(monkeypatch, 3)
    X, y = np.array([[0.0, 0], [0, 1], [1, 0], [1, 1]]), np.array([[0.0], [1], [1], [0]])
    net = chainrule.mlp([2, 3, 1], seed=0)
    history = chainrule.train(net, X, y, optimizer="sgd", epochs=5, batch_size=2, verbose=0)
    assert sigterm_caught == [signal.SIGTERM]
    assert history.epochs == 5 and history.stop_reason != "interrupted"


def test_an_ignored_sigterm_stays_ignored(tmp_path, monkeypatch):
    """A SIGTERM the user chose to ignore (trap '' TERM) does not stop the command: the run
    finishes (exit 0, the uninterrupted model) and SIGTERM is still ignored afterwards."""
    assert _status([*IRIS, "--epochs", "2", "-o", tmp_path / "ref"]) == 0
    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    try:
        _terminating_step(monkeypatch, 13)
        model = tmp_path / "model.npz"
        command = [*IRIS, "--epochs", "2", "--checkpoint", tmp_path / "ck.npz", "-o", model]
        assert _status(command) == 0
        assert signal.getsignal(signal.SIGTERM) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGTERM, old)
    _same_model(model, tmp_path / "ref.npz")


@pytest.mark.slow
def test_sigterm_from_outside_a_running_command(tmp_path):
    """``kill -TERM`` to a running ``python -m chainrule train`` once its first checkpoint
    exists: the run stops after the batch, and --resume gives the uninterrupted model."""
    ckpt, model = tmp_path / "ck.npz", tmp_path / "model.npz"
    command = [*IRIS, "--epochs", "400", "--checkpoint", ckpt, "-o", model]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", *map(str, command)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not ckpt.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGTERM)
    err = proc.communicate(timeout=120)[1]
    assert proc.returncode == 143
    assert "stopped by SIGTERM after epoch" in err, err
    kept = io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"]
    assert 1 <= kept < 400
    assert load_metadata(model)["training"]["stop_reason"] == "interrupted"
    assert _status([*command, "--resume"]) == 0
    assert _status([*IRIS, "--epochs", "400", "-o", tmp_path / "ref"]) == 0
    _same_model(model, tmp_path / "ref.npz")


@pytest.mark.parametrize("checkpoint", [False, True])
def test_ctrl_c_exit_status_with_and_without_checkpoint(tmp_path, monkeypatch, capsys,
                                                        checkpoint):
    """Ctrl-C in the 5th step (epoch 1 of 3) writes the model so far either way, and the
    run exits with 130 either way: ``chainrule train ... && deploy`` must not deploy it as
    a finished one.  Its record and ``info`` say "interrupted", after 0 complete epochs;
    the checkpoint, when given, is the only other file."""
    step, calls = Trainer._step, [0]

    def interrupted(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 5:
            raise KeyboardInterrupt
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", interrupted)
    model, ckpt = tmp_path / "model.npz", tmp_path / "ck.npz"
    extra = ["--checkpoint", ckpt] if checkpoint else []
    capsys.readouterr()
    assert _status([*IRIS, "--epochs", "3", *extra, "-o", model]) == 130
    err = capsys.readouterr().err
    assert "chainrule train: interrupted after epoch 0 of 3; " in err
    assert ("run the same command with --resume" in err) == checkpoint
    assert ("holds the model so far, which cannot be continued" in err) != checkpoint
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "model.npz"][not checkpoint:]
    training = load_metadata(model)["training"]
    assert (training["stop_reason"], training["epochs"]) == ("interrupted", 0)
    assert _status(["info", model]) == 0
    assert "stop_reason=interrupted" in capsys.readouterr().out


def test_sigterm_without_checkpoint_exits_143(tmp_path, monkeypatch, capsys, sigterm_caught):
    """A real SIGTERM in the 13th step (epoch 2 of 4), no --checkpoint: the model of epoch 1
    is written and the status is 128 + SIGTERM, not 0; the host never saw the signal."""
    _terminating_step(monkeypatch, 13)
    model = tmp_path / "model.npz"
    capsys.readouterr()
    assert _status([*IRIS, "--epochs", "4", "-o", model]) == 128 + signal.SIGTERM
    assert sigterm_caught == []
    assert "chainrule train: stopped by SIGTERM after epoch 1 of 4; " in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["model.npz"]
    training = load_metadata(model)["training"]
    assert (training["stop_reason"], training["epochs"]) == ("interrupted", 1)


@pytest.mark.parametrize(("at", "status"), [(9, 130), (18, 0)])
def test_ctrl_c_after_the_last_batch_is_a_finished_run(tmp_path, monkeypatch, capsys, at,
                                                       status):
    """Ctrl-C right after the 9th step (the end of epoch 1 of 2) leaves the run to resume:
    130; right after the 18th, the last of epoch 2, the run has trained all its epochs:
    0, no advice to resume, and the model is the uninterrupted run's."""
    reference = tmp_path / "reference.npz"
    assert _status([*IRIS, "--epochs", "2", "-o", reference]) == 0
    step, calls = Trainer._step, [0]

    def ctrl_c_after(self, *args, **kwargs):
        out = step(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == at:  # the loop's handler, as a Ctrl-C arriving now calls it
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        return out

    monkeypatch.setattr(Trainer, "_step", ctrl_c_after)
    model, ckpt = tmp_path / "model.npz", tmp_path / "ck.npz"
    capsys.readouterr()
    assert _status([*IRIS, "--epochs", "2", "--checkpoint", ckpt, "-o", model]) == status
    err = capsys.readouterr().err
    assert ("run the same command with --resume" in err) == (status != 0)
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == at // 9
    if status == 0:
        np.testing.assert_array_equal(chainrule.load(model).params,
                                      chainrule.load(reference).params)
        assert load_metadata(model)["history"] == load_metadata(reference)["history"]


@pytest.mark.parametrize("checkpoint", [False, True])
def test_ctrl_c_after_the_last_batch_records_the_uninterrupted_run(tmp_path, monkeypatch,
                                                                   capsys, checkpoint):
    """With --patience 3 and lr 0.3 the validation loss is best after epoch 1 of 2, and the
    uninterrupted run ends with stop_reason "epochs" and epoch 1's weights.  A Ctrl-C after
    the last batch of epoch 2 stops nothing: exit 0, and the model file is that run's, its
    stop_reason and its best weights included (they were "interrupted" and epoch 2's)."""
    args = [*IRIS, "--lr", "0.3", "--patience", "3", "--epochs", "2"]
    assert _status([*args, "-o", tmp_path / "ref"]) == 0
    reference = load_metadata(tmp_path / "ref.npz")
    assert reference["training"]["stop_reason"] == "epochs"
    assert np.argmin(reference["history"]["val_loss"]) == 0  # restored: not the last epoch's
    step, calls = Trainer._step, [0]

    def ctrl_c_after(self, *args, **kwargs):
        out = step(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == 18:  # the last of 2 epochs of 9 batches
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        return out

    monkeypatch.setattr(Trainer, "_step", ctrl_c_after)
    extra = ["--checkpoint", tmp_path / "ck.npz"] if checkpoint else []
    assert _status([*args, *extra, "-o", tmp_path / "model"]) == 0
    _same_model(tmp_path / "model.npz", tmp_path / "ref.npz")


def test_ctrl_c_after_the_last_batch_keeps_the_best_weights_of_patience(tmp_path, monkeypatch,
                                                                        capsys):
    """With --patience, the run that Ctrl-C stops right after its last step (36: epoch 4 of
    4) is finished too: its model is the uninterrupted run's, the best epoch's (3) weights,
    as --patience promises and as --resume of its checkpoint gives."""
    argv = [*IRIS, "--lr", "1", "--epochs", "4", "--patience", "10"]
    reference = tmp_path / "reference.npz"
    assert _status([*argv, "-o", reference]) == 0
    val_loss = load_metadata(reference)["history"]["val_loss"]
    assert 1 + int(np.argmin(val_loss)) < 4  # the best epoch is not the last
    step, calls = Trainer._step, [0]

    def ctrl_c_after(self, *args, **kwargs):
        out = step(self, *args, **kwargs)
        calls[0] += 1
        if calls[0] == 36:  # the loop's handler, as a Ctrl-C arriving now calls it
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        return out

    monkeypatch.setattr(Trainer, "_step", ctrl_c_after)
    model, ckpt = tmp_path / "model.npz", tmp_path / "ck.npz"
    assert _status([*argv, "--checkpoint", ckpt, "-o", model]) == 0
    monkeypatch.setattr(Trainer, "_step", step)
    np.testing.assert_array_equal(chainrule.load(model).params, chainrule.load(reference).params)
    resumed = tmp_path / "resumed.npz"
    assert _status([*argv, "--checkpoint", ckpt, "--resume", "-o", resumed]) == 0
    np.testing.assert_array_equal(chainrule.load(resumed).params, chainrule.load(model).params)


def test_sigterm_before_training_exits_143(tmp_path, monkeypatch, capsys, sigterm_caught):
    """A SIGTERM while the data are read (no training loop yet) ends the command with
    128 + 15 and writes nothing."""
    import chainrule.tabular

    read = chainrule.tabular.read_data

    def reading(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGTERM)
        return read(*args, **kwargs)

    monkeypatch.setattr(chainrule.tabular, "read_data", reading)
    assert _status([*IRIS, "--epochs", "2", "-o", tmp_path / "m"]) == 143
    assert "chainrule: stopped by SIGTERM" in capsys.readouterr().err
    assert sigterm_caught == [] and not any(tmp_path.iterdir())


def test_a_warning_is_one_chainrule_line_and_the_format_is_given_back(tmp_path, capsys):
    """Resuming a cosine run past its T_max warns (checkpoints.resume): on the command line
    the warning reads ``chainrule: warning: MESSAGE`` on one line of stderr, not Python's
    ``<frozen runpy>:88: UserWarning: ...``; main restores the host's warning format."""
    ckpt, model = tmp_path / "ck.npz", tmp_path / "m.npz"
    command = [*IRIS, "--schedule", "cosine", "--checkpoint", ckpt, "-o", model]
    assert _status([*command, "--epochs", "2"]) == 0

    def python_default(message, category, filename, lineno, file=None, line=None):
        sys.stderr.write(warnings.formatwarning(message, category, filename, lineno, line))

    formatwarning = warnings.formatwarning
    capsys.readouterr()
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.showwarning = python_default  # shown as a script shows it, not recorded
        assert _status([*command, "--epochs", "4", "--resume"]) == 0
    assert warnings.formatwarning is formatwarning
    lines = [x for x in capsys.readouterr().err.splitlines() if "warning" in x.lower()]
    assert len(lines) == 1
    assert lines[0].startswith("chainrule: warning: epochs: resuming to 4 epochs goes past "
                               "the cosine schedule's T_max = 2")
    assert lines[0].endswith("train it from the start with T_max set to its epochs")


@pytest.mark.parametrize(("first", "then"), [
    # a linear model: no hidden layer for an activation to act in
    ("--hidden --activation tanh", "--hidden"),
    # one name for every hidden layer, or the same name once per layer
    ("--hidden 4 4 --activation tanh", "--hidden 4 4 --activation tanh tanh"),
    # no schedule is the constant one, by its name or as JSON; defaults given or not
    ("", "--schedule constant"),
    ("--schedule constant", """--schedule '{"name": "constant"}'"""),
    ("--schedule step", """--schedule '{"name": "step", "step_size": 10, "gamma": 0.5}'"""),
    # defaults given explicitly: those the data decide too (iris: 3 classes in species)
    ("", "--task classification --output softmax --loss cross_entropy --target species"),
    # a batch of at least the 135 training rows is all of them: one batch, in their order
    ("--batch-size 200", "--batch-size 135"),
    ("--batch-size 135", "--batch-size 100000"),
    # class weights by name: the same weights, written otherwise; a weight of 1 is none
    ("""--class-weight '{"virginica": 2, "setosa": 0.5}'""",
     """--class-weight '{"setosa": 0.5, "virginica": 2.0, "versicolor": 1}'"""),
    ("", """--class-weight '{"setosa": 1}'"""),
    # no --decay is ufldl (--decay without --weight-decay is refused: see the test below)
    ("--weight-decay 0.01", "--weight-decay 0.01 --decay ufldl"),
    # --init naming what auto picks for every layer (glorot_uniform after tanh and for
    # the softmax output), by its name or an alias
    ("--activation tanh", "--activation tanh --init glorot_uniform"),
    ("--activation tanh --init xavier_uniform", "--activation tanh"),
    ("--hidden 4 4 --activation relu relu --output relu --task regression "
     "--target 'petal width (cm)'",
     "--hidden 4 4 --activation relu --output relu --task regression "
     "--target 'petal width (cm)' --init he"),
    # --features naming every column but the target, in their order, is no --features
    ("", f"--features {_IRIS_FEATURES}"),
    (f"--features {_IRIS_FEATURES}", ""),
])
def test_resume_accepts_a_change_that_decides_nothing(tmp_path, capsys, first, then):
    """--resume compares the options that decide the run: a run continued with an option
    that has no effect changed, or spelt otherwise, ends with the model file of the run
    trained in one go: its parameters, history and record of the options."""
    ckpt, model, ref = tmp_path / "ck.npz", tmp_path / "model.npz", tmp_path / "ref.npz"
    assert _status([*IRIS, *shlex.split(first), "--epochs", "3", "-o", ref]) == 0
    assert _status([*IRIS, *shlex.split(first), "--epochs", "1", "--checkpoint", ckpt,
                    "-o", model]) == 0
    assert _status([*IRIS, *shlex.split(then), "--epochs", "3", "--checkpoint", ckpt, "--resume",
                    "-o", model]) == 0, capsys.readouterr().err
    _same_model(model, ref)  # the record too: the options as the run was started with them


@pytest.mark.parametrize(("first", "then", "option"), [
    ("--hidden 4 4 --activation tanh", "--hidden 4 4 --activation tanh relu", "--activation"),
    ("--hidden 4 --activation tanh", "--hidden 4 --activation relu", "--activation"),
    ("--hidden --activation tanh", "--hidden --activation tanh --dropout 0.5", None),
    ("--hidden --activation tanh", "--hidden 4 --activation tanh", "--hidden"),
    ("--batch-size 200", "--batch-size 134", "--batch-size"),
    ("", "--schedule step", "--schedule"),
    ("""--schedule '{"name": "step", "gamma": 0.5}'""",
     """--schedule '{"name": "step", "gamma": 0.6}'""", "--schedule"),
    ("", "--loss mean_squared_error", "--loss"),
    ("--task classification", "--task auto --target 'petal width (cm)'", None),
    ("--class-weight balanced", "", "--class-weight"),
    ("""--class-weight '{"setosa": 2}'""", """--class-weight '{"setosa": 3}'""",
     "--class-weight"),
    ("--weight-decay 0.01", "--weight-decay 0.01 --decay per_sample", "--decay"),
    ("--weight-decay 0.01 --decay per_sample", "--weight-decay 0.01", "--decay"),
    # auto: He after relu, but Glorot for the softmax output
    ("", "--init he", "--init"),
    ("--activation tanh", "--activation tanh --init glorot_normal", "--init"),
    ("--activation tanh --init glorot_uniform", "--activation tanh --init he", "--init"),
    # every column but in another order: other columns of X
    ("", "--features " + shlex.join(reversed(shlex.split(_IRIS_FEATURES))), "--features"),
    ("", "--features 'sepal length (cm)'", "--features"),
])
def test_resume_still_refuses_a_change_that_decides(tmp_path, capsys, first, then, option):
    ckpt = tmp_path / "ck.npz"
    assert _status([*IRIS, *shlex.split(first), "--epochs", "1", "--checkpoint", ckpt,
                    "-o", tmp_path / "m"]) == 0
    before = _files(tmp_path)
    capsys.readouterr()
    assert _status([*IRIS, *shlex.split(then), "--epochs", "2", "--checkpoint", ckpt, "--resume",
                    "-o", tmp_path / "m2"]) == 2
    err = capsys.readouterr().err
    if option is None and "--dropout" in then:  # refused before the checkpoint is read
        assert err.startswith("chainrule: error: --dropout 0.5: a Dropout layer goes after")
    elif option is None:  # another target: another column, another task
        assert err.startswith("chainrule: error: --task: the run in "
                              f"{ckpt} was started with --task classification, got --task "
                              "auto"), err
    else:
        assert err.startswith(f"chainrule: error: {option}: the run in {ckpt} was started "
                              "with "), err
        assert err.count(option) >= 2, err
    assert _files(tmp_path) == before


def test_a_run_with_decay_but_no_weight_decay_resumes_without_decay(tmp_path):
    """train now refuses --decay without --weight-decay; a run started with it before
    (where it did nothing) is continued by the command without --decay."""
    from chainrule._cli_resume_checks import check_options, run_options

    args = build_parser().parse_args(["train", "iris"])
    options = run_options(args, {"momentum": None, "batch_size": 32})
    run = {"notes": {"options": {**options, "decay": "per_sample"}}}
    check_options(run, options, tmp_path / "ck.npz")
    assert _status([*IRIS, "--decay", "ufldl", "--epochs", "1", "-o", tmp_path / "m"]) == 2


def test_init_of_layers_is_auto_when_auto_picks_it_for_every_layer_it_applies_to():
    """--init with --layers applies to the Dense and Conv2D layers that name none and to
    the output layer: it decides nothing when auto picks it for each of them (He normal
    for relu, the activation of a layer that names none; Glorot uniform for tanh and the
    outputs train infers), and a layer naming its own init is not one of them."""
    from chainrule._cli_resume_checks import _decisive

    conv = {"type": "Conv2D", "out_channels": 2, "kernel_size": 3}
    tanh = {"type": "Dense", "fan_out": 4, "activation": "tanh"}
    own = {"type": "Dense", "fan_out": 4, "activation": "relu", "init": "zeros"}
    for layers, output, init, decisive in [
        ([conv, {"type": "Flatten"}], "relu", "he", "auto"),
        ([conv, {"type": "Flatten"}], None, "he", "he_normal"),  # a softmax output: Glorot
        ([tanh, own], None, "glorot_uniform", "auto"),
        ([tanh, {"type": "Dense", "fan_out": 4}], None, "xavier_uniform", "glorot_uniform"),
    ]:
        assert _decisive({"layers": layers, "output": output, "init": init})["init"] == decisive


def test_a_run_from_before_decay_resumes_as_ufldl(tmp_path):
    """Checkpoints written before train had --decay record no "decay": they ran the
    ufldl convention, which --decay ufldl (or none) continues and per_sample does not."""
    from chainrule._cli_resume_checks import check_options, run_options

    args = build_parser().parse_args(["train", "iris", "--weight-decay", "0.01"])
    options = run_options(args, {"momentum": None, "batch_size": 32})
    before = {k: v for k, v in options.items() if k != "decay"}
    run = {"notes": {"options": before}}
    check_options(run, options, tmp_path / "ck.npz")
    check_options(run, {**options, "decay": "ufldl"}, tmp_path / "ck.npz")
    with pytest.raises(ValueError, match=r"^--decay: the run in .* was started with no "
                       r"--decay, got --decay per_sample"):
        check_options(run, {**options, "decay": "per_sample"}, tmp_path / "ck.npz")


@pytest.mark.parametrize("during", ["model", "checkpoint"])
def test_sigterm_during_a_write_leaves_the_file_before_it(tmp_path, monkeypatch, capsys,
                                                          sigterm_caught, during):
    """A SIGTERM that lands while a file is being written (the model at the end of a run
    over an earlier run's model; or a second SIGTERM while the checkpoint of epoch 2 of 4
    is written, the first having stopped the run) exits with 143 and leaves the file as it
    was: the earlier model byte for byte, the checkpoint of epoch 1; no temporary file."""
    model, ckpt = tmp_path / "model.npz", tmp_path / "ck.npz"
    command = [*IRIS, "--epochs", "4", "--checkpoint", ckpt, "-o", model]
    assert _status([*IRIS, "--epochs", "1", "-o", model]) == 0
    earlier = model.read_bytes()
    savez, writes = np.savez, []

    def interrupted_savez(fh, **arrays):
        meta = str(arrays["__meta__"])
        writes.append("model" if '"training"' in meta else "checkpoint")
        if writes[-1] == during and writes.count(during) == (2 if during == "checkpoint" else 1):
            fh.write(b"PK\x03\x04 half an archive")
            os.kill(os.getpid(), signal.SIGTERM)
            if during == "checkpoint":  # the first stops the run, the second the write
                os.kill(os.getpid(), signal.SIGTERM)
        return savez(fh, **arrays)

    monkeypatch.setattr(np, "savez", interrupted_savez)
    assert _status(command) == 128 + signal.SIGTERM
    assert sigterm_caught == []
    assert "chainrule: stopped by SIGTERM" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "model.npz"]
    assert model.read_bytes() == earlier
    kept = io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"]
    assert kept == (4 if during == "model" else 1)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_second_signal_aborts_without_writing_the_model(tmp_path, monkeypatch, capsys,
                                                          sigterm_caught, signum):
    """The signal twice in the 13th step (epoch 2 of 4: Ctrl-C pressed twice, or a second
    SIGTERM in a long batch): the first says "again to abort", and the second aborts: no
    model is written (it was, as after one signal), the status is 128 + the signal, and
    the checkpoint keeps epoch 1, from which --resume gives the uninterrupted model."""
    assert _status([*IRIS, "--epochs", "4", "-o", tmp_path / "ref"]) == 0
    step, calls = Trainer._step, [0]

    def twice(self, *args, **kwargs):
        calls[0] += 1
        if calls[0] == 13:
            os.kill(os.getpid(), signum)
            os.kill(os.getpid(), signum)
        return step(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "_step", twice)
    model, ckpt = tmp_path / "model.npz", tmp_path / "ck.npz"
    command = [*IRIS, "--epochs", "4", "--checkpoint", ckpt, "-o", model]
    capsys.readouterr()
    assert _status(command) == 128 + signum
    err = capsys.readouterr().err
    assert "again to abort" in err
    assert ("chainrule: interrupted" if signum == signal.SIGINT
            else "chainrule: stopped by SIGTERM") in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz", "ref.npz"]
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 1
    monkeypatch.setattr(Trainer, "_step", step)
    assert _status([*command, "--resume"]) == 0
    _same_model(model, tmp_path / "ref.npz")


def test_sigterm_stops_a_run_whose_sigint_is_ignored(tmp_path, monkeypatch, capsys,
                                                     sigterm_caught):
    """A background job of a shell script runs with SIGINT ignored (which the loop leaves
    ignored); a scheduler's SIGTERM still stops it as one Ctrl-C would.  It lands in the
    checkpoint write after epoch 1 of 4: the run stops after that epoch, writes the model
    so far (it aborted at once, writing none, as a second signal does) and exits 143, and
    --resume then gives the uninterrupted model."""
    assert _status([*IRIS, "--epochs", "4", "-o", tmp_path / "ref"]) == 0
    savez, writes = np.savez, []

    def terminated_savez(fh, **arrays):
        writes.append(fh)
        if len(writes) == 1:  # the checkpoint of epoch 1
            os.kill(os.getpid(), signal.SIGTERM)
        return savez(fh, **arrays)

    monkeypatch.setattr(np, "savez", terminated_savez)
    model, ckpt = tmp_path / "model.npz", tmp_path / "ck.npz"
    command = [*IRIS, "--epochs", "4", "--checkpoint", ckpt, "-o", model]
    old = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        capsys.readouterr()
        assert _status(command) == 128 + signal.SIGTERM
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, old)
    assert sigterm_caught == []
    assert "chainrule train: stopped by SIGTERM after epoch 1 of 4" in capsys.readouterr().err
    meta = load_metadata(model)
    assert meta["training"]["stop_reason"] == "interrupted"
    assert len(meta["history"]["loss"]) == 1
    assert io.read_file(ckpt, CHECKPOINT_FORMAT)[0]["epoch"] == 1
    monkeypatch.setattr(np, "savez", savez)
    assert _status([*command, "--resume"]) == 0
    _same_model(model, tmp_path / "ref.npz")


@pytest.mark.parametrize("command", [["info", "{ck}"], ["predict", "{ck}", "{data}"],
                                     ["evaluate", "{ck}", "{data}"],
                                     ["gradcheck", "--model", "{ck}"],
                                     ["plot", "weights", "{ck}", "-o", "{ck}.png"]])
def test_a_checkpoint_given_for_a_model_file_suggests_train_resume(tmp_path, capsys,
                                                                   command):
    """info, predict, evaluate, gradcheck --model and plot given a checkpoint of chainrule
    train said "read it with chainrule.resume(path, X, Y)", Python, on the command line:
    they now name the command that continues the run, which then writes the model file."""
    data = tmp_path / "d.csv"
    data.write_text("a,b,y\n" + "".join(f"{i / 10},{(i * 7 % 10) / 10},{i % 2}\n"
                                          for i in range(20)))
    ckpt = tmp_path / "run.ckpt.npz"
    start = ["train", data, "--hidden", "3", "--epochs", "4", "--checkpoint", ckpt, "-q"]
    assert _status([*start, "-o", tmp_path / "first.npz"]) == 0
    capsys.readouterr()
    assert _status([a.format(data=data, ck=ckpt) for a in command]) == 2
    # a finished run (4 of 4): --resume writes its model without training further
    assert capsys.readouterr().err == (
        f"chainrule: error: {ckpt}: a checkpoint of chainrule train (after epoch 4 of 4), "
        "not a model file; its run is complete, and the command that started it and "
        f"--resume (chainrule train {data} ... --checkpoint {ckpt} --resume) writes its "
        "model file without training further\n")
    assert _status([*start, "--resume", "-o", tmp_path / "m.npz"]) == 0
    np.testing.assert_array_equal(chainrule.load_model(tmp_path / "m.npz").network.params,
                                  chainrule.load_model(tmp_path / "first.npz").network.params)
    # a run with epochs left (its record made to say so): --resume continues it
    from file_helpers import edit_saved_meta

    edit_saved_meta(ckpt, lambda meta: meta.update(epoch=2))
    assert _status([a.format(data=data, ck=ckpt) for a in command]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {ckpt}: a checkpoint of chainrule train (after epoch 2 of 4), "
        "not a model file; continue its run with the command that started it and "
        f"--resume (chainrule train {data} ... --checkpoint {ckpt} --resume), which writes "
        "the model file at its end\n")


def test_a_python_checkpoint_given_for_a_model_file_keeps_the_python_reader(tmp_path,
                                                                           capsys):
    X, y = np.random.default_rng(0).normal(size=(10, 4)), np.arange(10) % 3
    ckpt = tmp_path / "py.npz"
    chainrule.train(chainrule.mlp([4, 3, 3], output="softmax", seed=0), X, y, epochs=1,
                    checkpoint=ckpt)
    assert _status(["info", ckpt]) == 2
    err = capsys.readouterr().err
    assert f"read it with chainrule.resume({str(ckpt)!r}, X, Y)" in err
