"""cv and tune take ``--init-from`` (each fold fine-tunes MODEL:
test_practitioner17_cv_init_from); tune's ``--grid`` refuses it, saying where to give it,
not argparse's "unrecognized arguments"."""

from __future__ import annotations

import pytest

from chainrule.cli import main


@pytest.mark.parametrize("command", [["cv"], ["tune", "--grid", "lr=0.1,0.01"]])
def test_cv_and_tune_take_init_from_and_name_a_missing_model(tmp_path, capsys, command):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    try:
        status = main([*command, str(data), "--init-from", str(tmp_path / "m.npz")])
    except SystemExit as exc:  # argparse's exit, where main lets it through
        status = exc.code
    assert status == 2
    said = capsys.readouterr().err
    assert f"--init-from {tmp_path / 'm.npz'}: no such file" in said
    assert "unrecognized arguments" not in said


def test_the_grid_of_tune_refuses_init_from(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_text("a,y\n" + "".join(f"{i},{i % 2}\n" for i in range(10)))
    assert main(["tune", str(data), "--grid", "init_from=m.npz"]) == 2
    assert "give --init-from MODEL outside --grid" in capsys.readouterr().err
