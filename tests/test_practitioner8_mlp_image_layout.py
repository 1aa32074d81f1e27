"""An MLP (--hidden) trained on an NPZ file of images records their shape, so that predict
and evaluate refuse images of another layout (a channels-last file for a model trained
channels first), which they took silently as rows of scrambled pixels."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import accuracy_score

from chainrule.cli import main
from chainrule.saved_model import load_model


def test_mlp_of_images_refuses_another_layout_and_takes_its_own(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.random((60, 3, 4, 5))
    y = (X[:, 0].mean(axis=(1, 2)) > X[:, 2].mean(axis=(1, 2))).astype(int)
    np.savez(tmp_path / "chw.npz", X=X, y=y)
    np.savez(tmp_path / "hwc.npz", X=np.moveaxis(X, 1, -1), y=y)  # the same, channels last
    np.savez(tmp_path / "flat.npz", X=X.reshape(60, -1), y=y)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "chw.npz"), "--hidden", "4", "--epochs", "3", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    for command in ("evaluate", "predict"):
        code = main([command, str(model), str(tmp_path / "hwc.npz")])
        err = capsys.readouterr().err
        assert code == 2, command  # was 0: 60 rows of 60 values, pixels in another order
        assert "the model takes images of shape 3 x 4 x 5" in err
        assert "np.moveaxis(X, -1, 1)" in err
    expected = accuracy_score(y, load_model(model).predict(X.reshape(60, -1)))
    for data in ("chw.npz", "flat.npz"):  # its own layout, and flat rows, as before
        assert main(["evaluate", str(model), str(tmp_path / data)]) == 0
        assert f"accuracy: {expected:.6g}" in capsys.readouterr().out
