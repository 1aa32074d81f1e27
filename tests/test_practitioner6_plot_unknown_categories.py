"""plot confusion --unknown-categories zeros: the option that the refusal of an unknown
category advises, which plot confusion lacked (argparse refused it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix
from sklearn.preprocessing import OneHotEncoder

from chainrule.cli import main
from chainrule.saved_model import load_model


def _files(tmp_path):
    rng = np.random.default_rng(0)
    n = 120
    frame = pd.DataFrame({"a": rng.normal(size=n), "b": rng.normal(size=n),
                          "c": rng.choice(["p", "q", "r"], n)})
    frame["y"] = np.where(frame.a + (frame.c == "p") > 0.5, "yes", "no")
    test = frame.head(30).copy()
    test.loc[test.index[:4], "c"] = "unseen"
    frame.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    return test


def test_plot_confusion_takes_unknown_categories_zeros(tmp_path, capsys, saved_figures):
    test = _files(tmp_path)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--hidden", "--epochs", "20", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    plot = ["plot", "confusion", str(model), str(tmp_path / "test.csv"),
            "-o", str(tmp_path / "c.png")]
    assert main(plot) == 2  # refused, advising --unknown-categories zeros
    assert "--unknown-categories zeros" in capsys.readouterr().err
    assert main([*plot, "--unknown-categories", "zeros"]) == 0
    drawn = np.asarray(saved_figures[-1].axes[0].images[0].get_array())
    # the reference: scikit-learn's one-hot encoding (an unknown category: all zeros),
    # the standardisation the model records, and the linear model's sigmoid by NumPy
    saved = load_model(model)
    meta = saved.metadata
    onehot = OneHotEncoder(categories=[["p", "q", "r"]], handle_unknown="ignore",
                           sparse_output=False).fit_transform(test[["c"]])
    X = np.column_stack([test[["a", "b"]].to_numpy(), onehot])
    X = (X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])
    (layer,) = saved.network.layers
    z = (X @ layer.W + layer.b).ravel()
    predicted = np.where(z > 0, "yes", "no")
    assert onehot[:4].sum() == 0 and len(set(predicted)) == 2
    np.testing.assert_array_equal(
        drawn, confusion_matrix(test["y"], predicted, labels=["no", "yes"]))


def test_plot_loss_refuses_unknown_categories(tmp_path, capsys):
    _files(tmp_path)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--epochs", "2", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    assert main(["plot", "loss", str(model), "--unknown-categories", "zeros",
                 "-o", str(tmp_path / "l.png")]) == 2
    assert ("plot loss: --unknown-categories is for plot confusion, predicted, pr and calibration "
            "only"
            in capsys.readouterr().err)
