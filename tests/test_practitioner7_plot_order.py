"""plot with the model file before the kind (``plot m.npz confusion d.csv``) is refused
saying the order, and the command it gives draws the picture."""

from __future__ import annotations

import numpy as np
import pandas as pd

from test_cli import run_main


def _model(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(30, 2)), columns=["a", "b"])
    frame["y"] = (frame["a"] > 0).astype(int)
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    frame.to_csv(data, index=False)
    code, _, err = run_main(capsys, "train", str(data), "--epochs", "2", "-q", "-o", str(model))
    assert code == 0, err
    return str(model), str(data)


def test_model_before_kind_is_told_the_order(tmp_path, capsys):
    model, data = _model(tmp_path, capsys)
    picture = str(tmp_path / "c.png")
    code, _, err = run_main(capsys, "plot", model, "confusion", data, "-o", picture)
    assert code == 2
    assert "invalid choice" not in err, err
    said = err.strip().rsplit("chainrule plot ", 1)[1].split(" (")[0]
    assert said == f"confusion {model} {data}", err
    code, _, err = run_main(capsys, "plot", *said.split(), "-o", picture)  # as told
    assert code == 0, err
    with open(picture, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_an_output_file_before_the_kind_is_no_model(tmp_path, capsys):
    model, _ = _model(tmp_path, capsys)
    picture = tmp_path / "loss.png"
    picture.write_bytes(b"")  # an existing file as -o's value, then the kind: not swapped
    code, _, err = run_main(capsys, "plot", "-o", str(picture), "loss", model)
    assert code == 0, err


def test_a_word_that_is_no_file_keeps_argparse_refusal(tmp_path, capsys):
    code, _, err = run_main(capsys, "plot", str(tmp_path / "none.npz"), "confusion")
    assert code == 2 and "invalid choice" in err, err
