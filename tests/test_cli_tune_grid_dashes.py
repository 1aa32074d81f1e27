"""``--grid --lr=0.1``: an entry typed with its option's dashes is refused naming the
entry as --grid takes it (``lr=0.1``), where argparse said only "expected at least one
argument"; entries whose values start with a minus are read as before."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main


def _npz(path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    np.savez(path, X=X, y=X @ np.array([1.0, -2.0]))
    return str(path)


@pytest.mark.parametrize(("typed", "right"), [
    (["--lr=0.1"], "--grid lr=0.1"),
    (["--weight-decay=1e-4,1e-3", "lr=0.1"], "--grid weight-decay=1e-4,1e-3"),
    (["--lr", "0.1,0.2"], "--grid lr=0.1,0.2"),
])
def test_a_dashed_entry_is_refused_showing_the_right_form(tmp_path, capsys, typed, right):
    data = _npz(tmp_path / "d.npz")
    with pytest.raises(SystemExit) as exc:
        main(["tune", data, "--hidden", "2", "--epochs", "1", "--folds", "2", "--grid", *typed])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("chainrule tune: error: argument --grid: " + typed[0]
                          + " is an option, not a --grid entry")
    assert err.endswith("as " + right)


def test_entries_without_dashes_and_negative_values_are_read_as_before(tmp_path, capsys):
    data = _npz(tmp_path / "d.npz")
    assert main(["tune", data, "--hidden", "2", "--epochs", "1", "--folds", "2", "-q",
                 "--grid", "lr=0.1,0.2", "--json"]) == 0
    # momentum=-0.5 reaches train's parser, which names the value (not argparse's words)
    assert main(["tune", data, "--hidden", "2", "--epochs", "1", "--folds", "2",
                 "--optimizer", "sgd", "--grid", "momentum=-0.5"]) != 0
    assert "the value '-0.5' of momentum" in capsys.readouterr().err
