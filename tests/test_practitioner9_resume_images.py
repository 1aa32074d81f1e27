"""train --resume of a run of images on images of another shape, no --input-shape typed:
the refusal names the images of DATA, whose shape train took, not an option not given."""

from __future__ import annotations

import json

import numpy as np

from chainrule.cli import main
from cli_image_helpers import CNN


def test_resume_on_other_images_names_the_data_not_an_untyped_option(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "col.npz", X=rng.random((20, 3, 8, 8)), y=rng.integers(0, 2, 20))
    np.savez(tmp_path / "grey.npz", X=rng.random((20, 1, 8, 8)), y=rng.integers(0, 2, 20))
    (tmp_path / "cnn.json").write_text(json.dumps(CNN))
    ckpt = str(tmp_path / "r.ckpt.npz")
    common = ["--layers", str(tmp_path / "cnn.json"), "--checkpoint", ckpt, "-q",
              "-o", str(tmp_path / "m.npz")]
    assert main(["train", str(tmp_path / "col.npz"), "--epochs", "1", *common]) == 0
    capsys.readouterr()
    grey = str(tmp_path / "grey.npz")
    assert main(["train", grey, "--epochs", "2", "--resume", *common]) == 2
    err = capsys.readouterr().err
    assert "got --input-shape" not in err  # the user typed none
    # the shape as numpy gives it, C x H x W of (n, C, H, W)
    shape = " x ".join(map(str, np.load(grey)["X"].shape[1:]))
    assert f"got the images of {grey} ({shape}, C x H x W; no --input-shape given" in err
    # the run's side too: its DATA gave its shape (the notes' input_shape_from_data)
    assert "started on images of 3 x 8 x 8 taken from its DATA" in err
    # typed, it is named as typed
    assert main(["train", grey, "--epochs", "2", "--resume", "--input-shape", "1", "8", "8",
                 *common]) == 2
    assert "got --input-shape 1 8 8" in capsys.readouterr().err
