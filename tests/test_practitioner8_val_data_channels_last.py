"""train --val-data of images saved channels last, (n, H, W, C), where DATA holds them
channels first, (n, C, H, W): refused naming the transpose, as DATA itself is."""

from __future__ import annotations

import json

import numpy as np

from chainrule.cli import main

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3}, {"type": "Flatten"}]


def test_val_data_saved_channels_last_names_the_transpose(tmp_path, capsys):
    """The refusal said both shapes and nothing of the layout ('images of shape 5 x 7 x
    3; DATA ... holds images of shape 3 x 5 x 7'); it now names np.moveaxis(X, -1, 1) and
    the shape that gives, that of DATA's images."""
    rng = np.random.default_rng(0)
    X = rng.random((30, 3, 5, 7))
    y = np.arange(30) % 2
    np.savez(tmp_path / "train.npz", X=X, y=y)
    last = np.moveaxis(X[:10], 1, -1)  # (10, 5, 7, 3): as an image library saves them
    np.savez(tmp_path / "val.npz", X=last, y=y[:10])
    (tmp_path / "layers.json").write_text(json.dumps(LAYERS))
    code = main(["train", str(tmp_path / "train.npz"), "--layers", str(tmp_path / "layers.json"),
                 "--val-data", str(tmp_path / "val.npz"), "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert code == 2
    assert "--val-data" in err and "np.moveaxis(X, -1, 1)" in err
    fixed = np.moveaxis(last, -1, 1).shape  # the transpose the message names gives DATA's
    assert fixed[1:] == X.shape[1:]
    assert "of shape n x " + " x ".join(map(str, fixed[1:])) in err
    assert not (tmp_path / "m.npz").exists()
