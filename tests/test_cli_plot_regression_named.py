"""plot confusion and plot regions of a regression model name its file: before, "plot
confusion: the model is a regression model; it needs a classifier" said neither which
file nor what it holds, where the refusals of an autoencoder's or a multi-label
classifier's file name it."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main


@pytest.mark.parametrize("kind", ["confusion", "regions"])
def test_a_regression_model_is_refused_naming_its_file(tmp_path, capsys, kind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    np.savez(tmp_path / "data.npz", X=X, y=X[:, 0] - X[:, 1])
    net = cr.mlp([2, 3, 1], hidden="tanh", seed=0)  # identity output: a regression
    model = str(net.save(tmp_path / "reg.npz"))
    out = tmp_path / "p.png"
    assert main(["plot", kind, model, str(tmp_path / "data.npz"), "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: plot {kind}: {model} holds a regression model (it predicts "
        "numbers, not classes); it needs a classifier (plot loss and plot weights draw any "
        "model)\n")
    assert not out.exists()
