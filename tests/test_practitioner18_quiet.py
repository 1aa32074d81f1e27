"""``-q`` of every command that takes it: what its help promises, and no more.

train's help: "no progress on stderr ...; stdout keeps its lines (the data, the layer
table, the result line)"; cv's and tune's: no line on stderr as each fold or combination
finishes; importance's: no progress bar.  So with ``-q`` stderr holds nothing (these
runs warn of nothing), and stdout is what the run prints without it (but for the
seconds a run took).  capsys's stderr is no terminal: the runs without ``-q`` write a
line per epoch, fold or combination there, which ``-q`` must leave out.
"""

from __future__ import annotations

import re

import pytest

from chainrule.cli import main


def _both(capsys, argv: list[str]) -> tuple[tuple[str, str], tuple[str, str]]:
    runs = []
    for quiet in ([], ["-q"]):
        capsys.readouterr()
        assert main([*argv, *quiet]) == 0
        out, err = capsys.readouterr()
        out = re.sub(r"\d+\.\d+ s\b", "T s", out)  # the seconds a run took, and
        out = re.sub(r"(?m)^(\S+ +[\d.]+ +[\d.]+ +\d+) +[\d.]+$", r"\1", out)  # tune's
        runs.append((out, err))
    return runs[0], runs[1]


@pytest.mark.parametrize("argv", [
    ["train", "iris", "--hidden", "4", "--epochs", "2"],
    ["train", "iris", "--hidden", "4", "--epochs", "2", "--optimizer", "lbfgs"],
    ["cv", "iris", "--hidden", "4", "--epochs", "2", "--folds", "2"],
    ["tune", "iris", "--epochs", "2", "--folds", "2", "--grid", "hidden=2,4"],
], ids=["train", "train-lbfgs", "cv", "tune"])
def test_quiet_leaves_stderr_empty_and_stdout_as_it_is(argv, tmp_path, capsys):
    if argv[0] == "train":
        argv = [*argv, "-o", str(tmp_path / "m.npz")]
    (out, err), (quiet_out, quiet_err) = _both(capsys, argv)
    assert err.strip(), "the run without -q shows its progress on stderr"
    assert quiet_err == ""
    assert quiet_out == out and out.strip()


def test_importance_quiet(tmp_path, capsys):
    assert main(["train", "iris", "--hidden", "4", "--epochs", "2", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    (out, _), (quiet_out, quiet_err) = _both(capsys, ["importance", str(tmp_path / "m.npz"),
                                                      "iris", "--repeats", "1"])
    assert quiet_err == "" and quiet_out == out and out.strip()
