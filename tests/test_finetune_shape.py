"""``chainrule train DATA --init-from CNN``: DATA that is not of the images CNN's network
takes is refused naming where the shape came from (--init-from), not an --input-shape the
user never typed."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.cli import main

_CONV = '[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, {"type": "Flatten"}]'


@pytest.fixture
def cnn(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 1, 6, 6))
    y = (X.mean(axis=(1, 2, 3)) > 0).astype(int)
    np.savez(tmp_path / "img.npz", X=X, y=y)
    model = str(tmp_path / "cnn.npz")
    assert main(["train", str(tmp_path / "img.npz"), "--layers", _CONV, "--epochs", "1",
                 "-q", "-o", model]) == 0
    return model, y


def test_flat_rows_of_another_width_name_the_model_not_input_shape(cnn, tmp_path, capsys):
    model, y = cnn
    flat = str(tmp_path / "flat.npz")
    np.savez(flat, X=np.zeros((12, 10)), y=y)
    assert main(["train", flat, "--init-from", model, "-q", "-o",
                 str(tmp_path / "m.npz")]) == 2
    said = capsys.readouterr().err
    assert (f"--init-from {model}: the model's network takes images of 1 x 6 x 6 "
            f"(C x H x W: 36 values), but {flat} has 10 feature columns per example") in said
    assert "--input-shape" not in said


def test_images_of_another_shape_name_the_model_not_input_shape(cnn, tmp_path, capsys):
    model, y = cnn
    small = str(tmp_path / "small.npz")
    np.savez(small, X=np.zeros((12, 1, 5, 5)), y=y)
    assert main(["train", small, "--init-from", model, "-q", "-o",
                 str(tmp_path / "m.npz")]) == 2
    said = capsys.readouterr().err
    assert (f"--init-from {model}: the model's network takes images of 1 x 6 x 6, but "
            f"{small} holds images of 1 x 5 x 5 (C x H x W)") in said
    assert "--input-shape" not in said


def test_a_typed_input_shape_is_still_named(tmp_path, capsys):
    flat = str(tmp_path / "flat.npz")
    np.savez(flat, X=np.zeros((12, 10)), y=np.arange(12) % 2)
    assert main(["train", flat, "--layers", _CONV, "--input-shape", "1", "6", "6", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    assert ("--input-shape 1 6 6: images of 1*6*6 = 36 values, but "
            f"{flat} has 10 feature columns per example") in capsys.readouterr().err
