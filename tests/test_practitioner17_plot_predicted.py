"""``chainrule plot predicted MODEL DATA``: a regression model's predictions against the
true targets (there was no picture of a regression model's fit: confusion and regions
refuse one).  The points drawn are read back from the matplotlib Figure and compared
with DATA's targets and a NumPy forward of the model's weights; each panel's R^2 and
RMSE with scikit-learn's."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainrule.cli import main
from file_helpers import numpy_regression_outputs


def test_plot_predicted_draws_each_target_against_its_prediction(tmp_path, saved_figures,
                                                                  capsys):
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=80), "b": rng.uniform(0, 3, 80)})
    frame["y"] = 2 * frame["a"] + frame["b"] + rng.normal(0, 0.2, 80)
    frame["z"] = frame["a"] - frame["b"] + rng.normal(0, 0.2, 80)
    frame.iloc[:60].to_csv(tmp_path / "train.csv", index=False)
    frame.iloc[60:].to_csv(tmp_path / "test.csv", index=False)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--target", "y", "z", "--hidden", "4",
                 "--epochs", "5", "-q", "-o", str(model)]) == 0
    assert main(["plot", "predicted", str(model), str(tmp_path / "test.csv"), "-o",
                 str(tmp_path / "p.png")]) == 0
    assert "predicted picture written to" in capsys.readouterr().out
    test = frame.iloc[60:]
    expected = numpy_regression_outputs(model, test[["a", "b"]].to_numpy())
    (fig,) = saved_figures
    assert fig._suptitle.get_text() == "Predicted against true on test.csv"
    for j, (ax, name) in enumerate(zip(fig.axes, ("y", "z"), strict=True)):
        points = ax.collections[0].get_offsets()
        np.testing.assert_array_equal(points[:, 0], test[name].to_numpy())
        np.testing.assert_allclose(points[:, 1], expected[:, j], rtol=1e-12, atol=1e-12)
        r2 = metrics.r2_score(test[name], expected[:, j])
        rmse = np.sqrt(metrics.mean_squared_error(test[name], expected[:, j]))
        assert ax.get_title() == f"R^2 {r2:.4g}, RMSE {rmse:.4g}"
        assert (ax.get_xlabel(), ax.get_ylabel()) == (f"true {name}", f"predicted {name}")


def test_plot_predicted_refuses_a_classifier_and_other_pictures_options(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert main(["train", "iris", "--hidden", "2", "--epochs", "1", "-q", "-o",
                 str(model)]) == 0
    assert main(["plot", "predicted", str(model), "iris"]) == 2
    assert "holds a classifier (it predicts classes, not numbers)" in capsys.readouterr().err
    assert main(["plot", "predicted", str(model), "iris", "--normalize"]) == 2
    assert "--normalize is for plot confusion only" in capsys.readouterr().err
    assert main(["plot", "predicted", str(model)]) == 2
    assert "plot predicted needs DATA" in capsys.readouterr().err
