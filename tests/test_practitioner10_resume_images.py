"""train --resume of a run of images whose own shape was taken from its DATA (no
--input-shape typed): the refusal of another shape says so of the run too, which the
checkpoint's notes record (``input_shape_from_data``); a checkpoint from before that
record keeps the wording of an option."""

from __future__ import annotations

import json

import numpy as np

from chainrule.cli import main
from cli_image_helpers import CNN
from file_helpers import edit_saved_meta


def _files(tmp_path):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "col.npz", X=rng.random((20, 3, 8, 8)), y=rng.integers(0, 2, 20))
    np.savez(tmp_path / "grey.npz", X=rng.random((20, 1, 8, 8)), y=rng.integers(0, 2, 20))
    (tmp_path / "cnn.json").write_text(json.dumps(CNN))
    ckpt = str(tmp_path / "r.ckpt.npz")
    common = ["--layers", str(tmp_path / "cnn.json"), "--checkpoint", ckpt, "-q",
              "-o", str(tmp_path / "m.npz")]
    return str(tmp_path / "col.npz"), str(tmp_path / "grey.npz"), common


def _chw(path: str) -> str:
    """C x H x W of the images of the NPZ file ``path`` as numpy gives their shape."""
    return " x ".join(map(str, np.load(path)["X"].shape[1:]))


def test_a_run_whose_data_gave_the_shape_is_named_by_its_images(tmp_path, capsys):
    col, grey, common = _files(tmp_path)
    assert main(["train", col, "--epochs", "1", *common]) == 0
    capsys.readouterr()
    # both sides from their DATA: neither named as an option
    assert main(["train", grey, "--epochs", "2", "--resume", *common]) == 2
    err = capsys.readouterr().err
    assert "--input-shape 3 8 8" not in err and "got --input-shape" not in err
    assert f"was started on images of {_chw(col)} taken from its DATA ({col})" in err
    assert f"got the images of {grey} ({_chw(grey)}, C x H x W; no --input-shape" in err
    # typed now: named as typed, the run's side still by its images
    assert main(["train", grey, "--epochs", "2", "--resume", "--input-shape", "1", "8", "8",
                 *common]) == 2
    err = capsys.readouterr().err
    assert f"was started on images of {_chw(col)} taken from its DATA ({col})" in err
    assert "got --input-shape 1 8 8" in err
    # the run's own images continue it
    assert main(["train", col, "--epochs", "2", "--resume", *common]) == 0


def test_a_typed_shape_and_an_older_checkpoint_keep_the_option_wording(tmp_path, capsys):
    col, grey, common = _files(tmp_path)
    assert main(["train", col, "--epochs", "1", "--input-shape", "3", "8", "8", *common]) == 0
    capsys.readouterr()
    assert main(["train", grey, "--epochs", "2", "--resume", *common]) == 2
    err = capsys.readouterr().err
    assert "was started with --input-shape 3 8 8, got the images of" in err
    assert "taken from its DATA" not in err
    # a run of DATA's shape whose checkpoint is from before the record: as an option
    ckpt2 = str(tmp_path / "old.ckpt.npz")
    common2 = [*common[:3], ckpt2, *common[4:]]
    assert main(["train", col, "--epochs", "1", *common2]) == 0
    edit_saved_meta(ckpt2, lambda meta: meta["notes"].pop("input_shape_from_data", None))
    capsys.readouterr()
    assert main(["train", grey, "--epochs", "2", "--resume", *common2]) == 2
    err = capsys.readouterr().err
    assert "was started with --input-shape 3 8 8, got the images of" in err
    assert "taken from its DATA" not in err
