"""train's first line for images: 'n images of C x H x W (C x H x W: k features)', the
shape that of the NPZ file's X (numpy's own) or of --input-shape on flat rows."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main
from cli_image_helpers import CNN


@pytest.mark.parametrize("shape, layers", [((12, 3, 4, 5), True), ((12, 2, 6, 4), False),
                                           ((12, 6, 7), True)])
def test_first_line_of_images_says_images_and_their_shape(tmp_path, capsys, shape, layers):
    rng = np.random.default_rng(0)
    X = rng.random(shape)
    np.savez(tmp_path / "im.npz", X=X, y=rng.integers(0, 2, shape[0]))
    (tmp_path / "cnn.json").write_text(json.dumps(CNN))
    arch = ["--layers", str(tmp_path / "cnn.json")] if layers else ["--hidden", "3"]
    assert main(["train", str(tmp_path / "im.npz"), *arch, "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    chw = shape[1:] if len(shape) == 4 else (1, *shape[1:])  # (n, H, W): one channel
    n_features = X[0].size
    assert first.startswith(f"{tmp_path / 'im.npz'}: {shape[0]} images of "
                            f"{' x '.join(map(str, chw))} (C x H x W: {n_features} features);")


def test_flat_rows_with_input_shape_are_images_too(tmp_path, capsys):
    rng = np.random.default_rng(0)
    np.savez(tmp_path / "flat.npz", X=rng.random((12, 2 * 4 * 4)), y=rng.integers(0, 2, 12))
    (tmp_path / "cnn.json").write_text(json.dumps(CNN))
    assert main(["train", str(tmp_path / "flat.npz"), "--layers", str(tmp_path / "cnn.json"),
                 "--input-shape", "2", "4", "4", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    assert ": 12 images of 2 x 4 x 4 (C x H x W: 32 features);" in capsys.readouterr().out


def test_rows_keep_examples_x_features(tmp_path, capsys):
    np.savez(tmp_path / "t.npz", X=np.arange(24.0).reshape(8, 3), y=np.r_[0, 1].repeat(4))
    assert main(["train", str(tmp_path / "t.npz"), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    assert ": 8 examples x 3 features;" in capsys.readouterr().out
