"""cv and tune refuse ``--init-from`` with the reason (each fold's network is new, its
scaling and categories fitted to the fold's rows) and the way to judge a fine-tuning
setting, not argparse's "unrecognized arguments"; train keeps it."""

from __future__ import annotations

import pytest

from chainrule.cli import main


@pytest.mark.parametrize("command", [["cv"], ["tune", "--grid", "lr=0.1,0.01"]])
def test_cv_and_tune_refuse_init_from_saying_why(tmp_path, capsys, command):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    try:
        status = main([*command, str(data), "--init-from", str(tmp_path / "m.npz")])
    except SystemExit as exc:  # argparse's exit, where main lets it through
        status = exc.code
    assert status == 2
    said = capsys.readouterr().err
    assert f"--init-from {tmp_path / 'm.npz'}: cv and tune train a new network on each " \
        "fold" in said
    assert "chainrule train DATA --init-from MODEL --val-data HELD_OUT" in said
    assert "unrecognized arguments" not in said


def test_the_grid_of_tune_refuses_init_from(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    assert main(["tune", str(data), "--grid", "init_from=m.npz"]) == 2
    assert "cv and tune train a new network on each fold" in capsys.readouterr().err
