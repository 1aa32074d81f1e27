"""A model file written by an older train from a pipe (``train <(cmd)``) records the
pipe's name (/dev/fd/63) and its rows, but neither data_path nor a digest of its text:
info said "data: /dev/fd/63 (30 rows)" and the loss curve "cost on 63", as of a file
named 63.  They say a pipe, as of the pipes the current train records."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainrule._cli_models_data import _loss_title
from chainrule.cli import main
from chainrule.saved_model import SavedModel, load_model


@pytest.fixture
def trained(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=30), "b": rng.normal(size=30)})
    frame["y"] = np.where(frame.a > 0, "yes", "no")
    frame.to_csv(tmp_path / "d.csv", index=False)
    assert main(["train", str(tmp_path / "d.csv"), "--hidden", "2", "--epochs", "2", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    return load_model(tmp_path / "m.npz"), len(frame)


def _older(model, path, data, rows=True):
    """``model`` as an older train recorded a pipe's data: its name (and rows) alone."""
    meta = {k: v for k, v in model.metadata.items()
            if k not in ("data_path", "data_sha256", "data_content_sha256")
            and (rows or k != "data_rows")}
    SavedModel(model.network, {**meta, "data": data}).save(path)
    return path


@pytest.mark.parametrize("pipe", ["/dev/fd/63", "/proc/self/fd/11"])
def test_info_and_the_loss_title_of_an_older_pipe_model(trained, tmp_path, capsys, pipe):
    model, n = trained
    for rows, said in ((True, f"data: a pipe ({pipe}; {n} rows)"),
                       (False, f"data: a pipe ({pipe})")):
        path = _older(model, tmp_path / "old.npz", pipe, rows)
        capsys.readouterr()
        assert main(["info", str(path)]) == 0
        lines = capsys.readouterr().out.splitlines()
        assert said in lines, lines
        assert " on a pipe (" in _loss_title(load_model(path))


def test_a_file_of_such_a_name_is_not_taken_for_a_pipe(trained, tmp_path, capsys):
    model, n = trained
    path = _older(model, tmp_path / "old.npz", "runs/fd/63")  # a file's path, relative
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    assert f"data: runs/fd/63 ({n} rows)" in capsys.readouterr().out.splitlines()
    assert " on 63 (" in _loss_title(load_model(path))
