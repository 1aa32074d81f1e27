"""A target of 21 to 100 distinct whole numbers (integer class codes of many classes) is
a regression under --task auto; train's first line says so and names --task
classification, where before it said "regression" alone."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main


def _npz(path, y):
    rng = np.random.default_rng(0)
    np.savez(path, X=rng.normal(size=(len(y), 3)), y=y)


def _first_line(path, capsys, *extra):
    assert main(["train", str(path), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(path.with_name("m.npz")), *extra]) == 0
    return capsys.readouterr().out.splitlines()[0]


@pytest.mark.parametrize("k", [21, 30, 100])
def test_class_codes_made_a_regression_are_counted_and_the_option_named(tmp_path, capsys, k):
    y = np.arange(240) % k  # k codes 0 .. k-1, as an integer-coded label column
    _npz(tmp_path / "d.npz", y)
    line = _first_line(tmp_path / "d.npz", capsys)
    assert line.endswith(f"target 'y': regression ({len(np.unique(y))} distinct whole "
                         "numbers, more than the 20 that --task auto takes as classes; "
                         "--task classification if they are class labels)")


def test_no_note_for_many_values_a_given_task_or_twenty_classes(tmp_path, capsys):
    _npz(tmp_path / "a.npz", np.arange(240) % 101)  # a count, not class codes
    assert _first_line(tmp_path / "a.npz", capsys).endswith("target 'y': regression")
    _npz(tmp_path / "b.npz", np.arange(240) % 30)
    assert _first_line(tmp_path / "b.npz", capsys, "--task", "regression").endswith(
        "target 'y': regression")
    _npz(tmp_path / "c.npz", np.arange(240) % 20)
    assert "classification, 20 classes" in _first_line(tmp_path / "c.npz", capsys)
    _npz(tmp_path / "e.npz", np.arange(240) % 30 + 0.5)  # not whole numbers
    assert _first_line(tmp_path / "e.npz", capsys).endswith("target 'y': regression")


_NOTE = ("{k} distinct whole numbers, more than the 20 that --task auto takes as classes; "
         "--task classification if they are class labels)")


@pytest.mark.parametrize("command", [["cv", "--folds", "2"],
                                     ["tune", "--folds", "2", "--grid", "lr=0.1,0.2"]])
def test_cv_and_tune_say_it_once_too(tmp_path, capsys, command):
    y = np.arange(240) % 30
    _npz(tmp_path / "d.npz", y)
    assert main([command[0], str(tmp_path / "d.npz"), "--hidden", "2", "--epochs", "1",
                 "-q", *command[1:]]) == 0
    out = capsys.readouterr().out
    note = "regression of 'y' (" + _NOTE.format(k=len(np.unique(y)))
    assert out.count(note) == 1
    _npz(tmp_path / "a.npz", np.arange(240) % 101)
    assert main([command[0], str(tmp_path / "a.npz"), "--hidden", "2", "--epochs", "1",
                 "-q", *command[1:]]) == 0
    assert "distinct whole numbers" not in capsys.readouterr().out
