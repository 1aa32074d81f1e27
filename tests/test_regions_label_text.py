"""Decision regions of a model whose labels are the y's classes written as text (or the
other way round): drawn, compared as text; labels of other classes are still refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from chainrule import plots
from chainrule.cli import main


def _points(fig) -> dict[str, np.ndarray]:
    """The points drawn per class, by their legend label."""
    return {c.get_label(): c.get_offsets().data for c in fig.axes[0].collections
            if not c.get_label().startswith("_")}


def test_a_csv_models_text_labels_draw_with_y_of_numbers(tmp_path, saved_figures, capsys):
    """A model file of a CSV records its labels as text: cr.load_model(...).predict gives
    "3", "7", "11", while pandas reads the CSV's label column as numbers. Its regions were
    drawn (classes compared as text) until they were refused as 'y holds numbers and the
    model predicts strings'."""
    import chainrule as cr

    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 2))
    y = np.array([3, 7, 11])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)]
    csv = tmp_path / "three.csv"
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "label": y}).to_csv(csv, index=False)
    model = tmp_path / "m.npz"
    assert main(["train", str(csv), "--target", "label", "--hidden", "5", "--epochs", "5",
                 "-q", "-o", str(model)]) == 0
    capsys.readouterr()
    table = pd.read_csv(csv)
    X, y = table[["a", "b"]].to_numpy(), table["label"].to_numpy()
    assert y.dtype.kind == "i"
    loaded = cr.load_model(model)
    assert loaded.predict(X[:3]).dtype.kind == "U"
    plots.plot_decision_regions([("t", loaded, X, y)], tmp_path / "r.png")
    points = _points(saved_figures[-1])
    assert sorted(points) == ["11", "3", "7"]
    for label, offsets in points.items():  # each point under its class, written as text
        np.testing.assert_array_equal(offsets, X[y == int(label)])


def test_a_model_of_numbers_draws_with_y_of_the_same_classes_as_text(tmp_path, saved_figures):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 2))
    numbers = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, numbers)
    text = pd.Series(numbers).astype(str).to_numpy(dtype=object)  # a column read as text
    plots.plot_decision_regions([("t", model, X, text)], tmp_path / "r.png")
    points = _points(saved_figures[-1])
    assert sorted(points) == ["0", "1"]
    np.testing.assert_array_equal(points["1"], X[numbers == 1])


def test_labels_of_other_classes_than_y_are_still_refused(tmp_path):
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 2))
    numbers = (X[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X, np.where(numbers == 1, "a", "b"))
    with pytest.raises(ValueError, match=r"^panels\[0\]: y holds numbers and the model "
                                         "predicts strings"):
        plots.plot_decision_regions([("t", model, X, numbers)], tmp_path / "r.png")
