"""info on a model of ``train --class-weight balanced`` shows the weight of each class, as
scikit-learn's compute_class_weight("balanced") gives them on the training labels (not on
every row: here --time-ordered holds out the last rows, most of one class)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.class_weight import compute_class_weight

from test_cli import run_main


def test_info_shows_the_balanced_weights_of_the_training_labels(tmp_path, capsys):
    rng = np.random.default_rng(0)
    y = np.array(["a"] * 40 + ["b"] * 12 + ["c"] * 8 + ["c"] * 12 + ["a"] * 3)  # 75 rows
    frame = pd.DataFrame(rng.normal(size=(len(y), 2)), columns=["p", "q"]).assign(y=y)
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    frame.to_csv(data, index=False)
    code, _, err = run_main(capsys, "train", str(data), "--class-weight", "balanced",
                            "--time-ordered", "--val-fraction", "0.2", "--epochs", "2",
                            "-q", "-o", str(model))
    assert code == 0, err
    code, out, err = run_main(capsys, "info", str(model))
    assert code == 0, err
    line = next(line for line in out.splitlines() if line.startswith("class weights"))
    shown = dict(re.findall(r"(\w+) ([0-9.e+-]+)", line.split(": ", 1)[1]))
    y_train = y[:60]  # --time-ordered: the last 15 rows validate
    classes = np.unique(y_train)
    expected = compute_class_weight("balanced", classes=classes, y=y_train)
    assert list(shown) == classes.tolist()
    np.testing.assert_allclose([float(shown[c]) for c in classes], expected, rtol=1e-5)
    # not those of every row, which the file does not hold
    every = compute_class_weight("balanced", classes=classes, y=y)
    assert float(shown["c"]) != pytest.approx(every[2], rel=1e-2)


def test_weights_given_as_json_show_no_balanced_line(tmp_path, capsys):
    frame = pd.DataFrame({"p": np.arange(30.0), "y": ["a", "b", "b"] * 10})
    data, model = tmp_path / "d.csv", tmp_path / "m.npz"
    frame.to_csv(data, index=False)
    code, _, err = run_main(capsys, "train", str(data), "--class-weight", '{"a": 2}',
                            "--epochs", "1", "-q", "-o", str(model))
    assert code == 0, err
    code, out, _ = run_main(capsys, "info", str(model))
    assert 'class_weight={"a": 2.0}' in out and "class weights (balanced" not in out
