"""``chainrule train ... 2>&1 | head -1``: the reader of standard error gone too.

Standard output already dropped what was printed once its reader had gone, so that
``train ... | head -1`` still wrote its model.  With ``2>&1`` the progress lines, notes
and "model written" line go to the same closed pipe; the first such write on stderr
raised BrokenPipeError, the command died there and no model was written.  It now goes
on as with stdout alone: the model is written, and the exit status is 1,
as Python's on EPIPE.
"""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import main
from chainrule.io import load_metadata


class _Gone(io.StringIO):
    """A pipe whose reader has gone: every write raises BrokenPipeError."""

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


def _data(path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": (X.sum(axis=1) > 0).astype(int)}).to_csv(
        path, index=False)


def test_a_closed_stderr_stops_the_printing_not_the_training(tmp_path, monkeypatch):
    _data(tmp_path / "d.csv")
    gone = _Gone()
    monkeypatch.setattr(sys, "stdout", gone)
    monkeypatch.setattr(sys, "stderr", gone)
    # no -q: a line per epoch on stderr (not a terminal)
    code = main(["train", str(tmp_path / "d.csv"), "--hidden", "2", "--epochs", "20",
                 "-o", str(tmp_path / "m.npz")])
    assert sys.stderr is gone and sys.stdout is gone  # given back
    monkeypatch.undo()
    assert code == 1
    history = load_metadata(tmp_path / "m.npz")["history"]
    assert len(history["loss"]) == 20  # every epoch trained, the model written


@pytest.mark.slow
def test_two_to_one_into_a_closed_pipe_end_to_end(tmp_path):
    """The same in its own process, stdout and stderr one pipe closed at once."""
    _data(tmp_path / "d.csv")
    proc = subprocess.Popen(
        [sys.executable, "-m", "chainrule", "train", str(tmp_path / "d.csv"), "--hidden", "2",
         "--epochs", "20", "-o", str(tmp_path / "m.npz")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    proc.stdout.close()  # 2>&1 | head -0: the one reader of both is gone
    assert proc.wait(timeout=300) == 1
    assert len(load_metadata(tmp_path / "m.npz")["history"]["loss"]) == 20
