"""An NPZ X of neither rows nor images, given to a network of image layers, is refused for
its shape first (as read_data refuses it), not with 'give --input-shape C H W'."""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main
from cli_image_helpers import CNN


@pytest.mark.parametrize("command", ["train", "cv"])
@pytest.mark.parametrize("shape", [(10, 2, 3, 4, 5), (10,)])
@pytest.mark.parametrize("input_shape", [[], ["--input-shape", "2", "3", "4"]])
def test_x_of_other_axes_refused_by_its_shape(tmp_path, capsys, command, shape, input_shape):
    X = np.random.default_rng(0).random(shape)
    np.savez(tmp_path / "x.npz", X=X, y=np.arange(10) % 2)
    (tmp_path / "cnn.json").write_text(json.dumps(CNN))
    assert main([command, str(tmp_path / "x.npz"), "--layers", str(tmp_path / "cnn.json"),
                 *input_shape, "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "give --input-shape" not in err
    assert f"got shape {X.shape}" in err  # numpy's shape of the array saved
    assert "(n_samples, C, H, W)" in err and "(n_samples, n_features)" in err
