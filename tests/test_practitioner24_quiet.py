"""-q means the same to train, cv, tune and tune-threshold: no progress or status line on
stderr (tune's and tune-threshold's -o refit line included), the results on stdout, the
warnings on stderr."""

from __future__ import annotations

import pytest

from chainrule.io import load_metadata
from file_helpers import cli_ok, sorted_blobs


def test_tune_quiet_refit_prints_nothing_on_stderr(capsys, tmp_path):
    data = sorted_blobs(tmp_path / "b.npz")
    out = tmp_path / "best.npz"
    argv = ["tune", data, "--hidden", "4", "--epochs", "2", "--folds", "2",
            "--grid", "lr=0.01,0.1", "-q", "-o", out]
    stdout, err = cli_ok(capsys, argv)
    assert err == ""  # no "refitting the best ..." line
    assert "best: chainrule train" in stdout and "model written to" in stdout
    assert load_metadata(out)["tune"]["combinations"] == 2


def test_tune_without_quiet_says_refit(capsys, tmp_path):
    data = sorted_blobs(tmp_path / "b.npz")
    _, err = cli_ok(capsys, ["tune", data, "--hidden", "4", "--epochs", "2", "--folds", "2",
                           "--grid", "lr=0.01,0.1", "-o", tmp_path / "m.npz"])
    assert "refitting the best on all of DATA: chainrule train" in err


def test_tune_threshold_quiet_refit_prints_nothing_on_stderr(capsys, tmp_path):
    data = sorted_blobs(tmp_path / "b.npz", classes=2, per=40)
    argv = ["tune-threshold", data, "--hidden", "4", "--epochs", "2", "--folds", "2",
            "-o", tmp_path / "t.npz"]
    stdout, err = cli_ok(capsys, [*argv, "-q"])
    assert err == ""
    assert "model written to" in stdout
    assert "refitting on all of DATA, threshold" in cli_ok(capsys, argv)[1]  # without -q


@pytest.mark.parametrize("command", [["train", "-o", "m.npz"], ["cv", "--folds", "2"]])
def test_train_and_cv_quiet_print_nothing_on_stderr(capsys, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    data = sorted_blobs(tmp_path / "b.npz")
    stdout, err = cli_ok(capsys, [command[0], data, "--hidden", "4", "--epochs", "2", "-q",
                                *command[1:]])
    assert err == "" and stdout  # the results on stdout, nothing else
