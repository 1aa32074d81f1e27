"""What ``chainrule train`` records of its options in the model file, and ``info`` shows.

``--init`` and ``--patience`` decide the run as ``--lr`` does, and a checkpoint's notes
kept them, but the model file's ``training`` record did not: ``info`` (text and
``--json``) could not show them.  The reference for ``--init`` is the initialiser each
Dense layer of the saved network says it was drawn with.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    path = tmp_path / "d.csv"
    path.write_text("a,b,c,y\n" + "".join(f"{r[0]:.6f},{r[1]:.6f},{r[2]:.6f},{t}\n"
                                          for r, t in zip(X, y, strict=True)))
    return path


def _info(path, capsys) -> tuple[str, dict]:
    capsys.readouterr()
    assert main(["info", str(path)]) == 0
    trained = next(line for line in capsys.readouterr().out.splitlines()
                   if line.startswith("trained: "))
    assert main(["info", str(path), "--json"]) == 0
    return trained, json.loads(capsys.readouterr().out)["training"]


def test_train_records_init_and_patience_and_info_shows_them(data, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", str(data), "--hidden", "4", "--init", "glorot_normal",
                 "--patience", "3", "--val-fraction", "0.25", "--epochs", "5", "-q",
                 "-o", str(out)]) == 0
    net = cr.load_model(out).network
    assert [layer.init for layer in net.layers] == ["glorot_normal", "glorot_normal"]
    trained, record = _info(out, capsys)
    assert ", init=glorot_normal, " in trained and ", patience=3, " in trained
    assert record["init"] == "glorot_normal" and record["patience"] == 3
    assert record == load_metadata(out)["training"]


def test_the_default_init_is_recorded_and_no_patience_is_left_out(data, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", str(data), "--hidden", "4", "--epochs", "2", "-q",
                 "-o", str(out)]) == 0
    trained, record = _info(out, capsys)
    assert ", init=auto, " in trained and "patience" not in trained
    assert record["init"] == "auto" and "patience" not in record


def test_a_resumed_run_records_the_init_and_patience_it_was_started_with(data, tmp_path,
                                                                         capsys):
    ckpt, out = tmp_path / "run.ckpt.npz", tmp_path / "m.npz"
    start = ["train", str(data), "--hidden", "4", "--init", "he_uniform", "--patience", "50",
             "--checkpoint", str(ckpt), "-q", "-o", str(out)]
    assert main([*start, "--epochs", "2"]) == 0
    assert main([*start, "--epochs", "4", "--resume"]) == 0
    assert load_metadata(out)["training"]["epochs"] == 4
    _, record = _info(out, capsys)
    assert record["init"] == "he_uniform" and record["patience"] == 50


def test_a_model_file_of_before_these_records_still_loads(data, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", str(data), "--hidden", "4", "--patience", "2", "--epochs", "2",
                 "-q", "-o", str(out)]) == 0
    model = cr.load_model(out)
    metadata = dict(model.metadata)
    metadata["training"] = {k: v for k, v in metadata["training"].items()
                            if k not in ("init", "patience")}
    SavedModel(model.network, metadata).save(out)
    trained, record = _info(out, capsys)
    assert "init=" not in trained and "patience" not in trained
    assert "init" not in record and record["hidden"] == [4]
