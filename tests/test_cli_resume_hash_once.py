"""``chainrule train --checkpoint`` and ``--resume`` hash the prepared arrays once.

The command hashed them for its notes and the Trainer again for the checkpoint's data
record (0.24 s each at 60,000 x 784 float32); the resumed Trainer now works its record
out ahead of the fit, which takes it, and the command compares it in its own words:
the argument, the checkpoint's shape and the given one.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

import chainrule._checkpoints_data as checkpoints_data
from chainrule.cli import main

N, FEATURES = 60, 3


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(N, FEATURES)), columns=["a", "b", "c"])
    frame["y"] = frame.a - 2 * frame.b + rng.normal(scale=0.1, size=N)
    frame.to_csv(tmp_path / "d.csv", index=False)
    return tmp_path, frame


class _Counting:
    """hashlib for _checkpoints_data, counting the bytes of X's size fed to SHA-256."""

    def __init__(self, size: int):
        self.size, self.count = size, 0

    def sha256(self, *args):
        digest, outer = hashlib.sha256(*args), self

        class Counted:
            def update(self, data):
                outer.count += memoryview(data).nbytes == outer.size
                digest.update(data)

            def hexdigest(self):
                return digest.hexdigest()
        return Counted()


def _argv(tmp_path, *extra):
    return ["train", str(tmp_path / "d.csv"), "--target", "y", "--hidden", "4", "--seed", "1",
            "--val-fraction", "0", "-q", "--checkpoint", str(tmp_path / "ck.npz"),
            "-o", str(tmp_path / "m.npz"), *extra]


def test_x_is_hashed_once_by_a_new_run_and_by_its_resume(data, monkeypatch):
    tmp_path, _ = data
    counting = _Counting(N * FEATURES * 8)  # the standardised float64 rows
    monkeypatch.setattr(checkpoints_data, "hashlib", counting)
    assert main(_argv(tmp_path, "--epochs", "1")) == 0
    assert counting.count == 1
    counting.count = 0
    assert main(_argv(tmp_path, "--epochs", "2", "--resume")) == 0
    assert counting.count == 1


def test_other_rows_are_refused_naming_the_part_and_both_shapes(data, capsys):
    tmp_path, frame = data
    assert main(_argv(tmp_path, "--epochs", "1")) == 0
    frame.iloc[:-1].to_csv(tmp_path / "d.csv", index=False)  # a row fewer
    capsys.readouterr()
    assert main(_argv(tmp_path, "--epochs", "2", "--resume")) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: DATA: the contents of {tmp_path / 'd.csv'} have "
                          f"changed since the run in {tmp_path / 'ck.npz'} started (its "
                          f"training examples, X, were of shape {(N, FEATURES)}; these are of "
                          f"shape {(N - 1, FEATURES)}); give the run's data")
    frame.iloc[::-1].to_csv(tmp_path / "d.csv", index=False)  # the rows in another order
    assert main(_argv(tmp_path, "--epochs", "2", "--resume")) == 2
    assert (f"(its training examples, X, hold other values: the same shape {(N, FEATURES)}, "
            "another SHA-256); give the run's data") in capsys.readouterr().err


def test_a_checkpoint_from_before_the_data_record_is_checked_by_its_notes(data, monkeypatch,
                                                                           capsys):
    """An older command's checkpoint: no ``data`` record, its notes' digest of the arrays."""
    import chainrule as cr

    tmp_path, frame = data
    seen = []
    record = checkpoints_data.data_record
    monkeypatch.setattr("chainrule._training_data.data_record",
                        lambda X, Y, *rest: seen.append((X, Y)) or record(X, Y, *rest))
    assert main(_argv(tmp_path, "--epochs", "1")) == 0
    meta, arrays = cr.io.read_file(tmp_path / "ck.npz", "chainrule.checkpoint")
    del meta["data"]
    meta["notes"]["data_sha256"] = checkpoints_data.fingerprint(*seen[0])  # as it was written
    cr.io.write_file(tmp_path / "ck.npz", meta, arrays)
    frame.iloc[::-1].to_csv(tmp_path / "d.csv", index=False)
    assert main(_argv(tmp_path, "--epochs", "2", "--resume")) == 2
    assert "(its prepared training and validation arrays differ)" in capsys.readouterr().err
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert main(_argv(tmp_path, "--epochs", "2", "--resume")) == 0
