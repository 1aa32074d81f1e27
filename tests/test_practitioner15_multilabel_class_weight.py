"""``--class-weight balanced`` of a multi-label target, against scikit-learn.

Training weighs each example by the product of its targets' balanced class weights,
``compute_sample_weight("balanced", Y)`` (what ``MLPClassifier(class_weight=
"balanced")`` does with an indicator matrix); a JSON object of weights is refused.  A
model of one target recorded and ``info`` showed the weight of each class; of a
multi-label target nothing was recorded, so a user could not see what the weighting
had been.  Now ``info`` shows each target's class weights and the product rule.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight

from chainrule.cli import main
from chainrule.io import load


def _table(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    a = (X[:, 0] > 0.8).astype(int)  # rare 1s
    b = np.where(X[:, 1] > -0.3, "yes", "no")  # rare nos
    frame = pd.DataFrame({"x1": X[:, 0], "x2": X[:, 1], "x3": X[:, 2], "a": a, "b": b})
    frame.to_csv(tmp_path / "ml.csv", index=False)
    return frame


def test_info_shows_each_targets_balanced_weights(tmp_path, capsys):
    frame = _table(tmp_path)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "ml.csv"), "--target", "a", "b", "--class-weight",
                 "balanced", "--val-fraction", "0", "--epochs", "1", "-q", "-o",
                 str(model)]) == 0
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    line = next(s for s in capsys.readouterr().out.splitlines()
                if s.startswith("class weights"))
    wa = compute_class_weight("balanced", classes=np.array([0, 1]), y=frame["a"])
    wb = compute_class_weight("balanced", classes=np.array(["no", "yes"]), y=frame["b"])
    assert line == (
        "class weights (balanced, of each target's training rows; an example weighs the "
        f"product over its targets): a: 0 {wa[0]:.6g}, 1 {wa[1]:.6g}; "
        f"b: no {wb[0]:.6g}, yes {wb[1]:.6g}")


def test_the_weighting_is_compute_sample_weight_of_the_indicator_matrix(tmp_path, capsys):
    """Full-batch gd, unscaled inputs: --class-weight balanced trains exactly as
    --sample-weight of scikit-learn's compute_sample_weight("balanced", Y) column."""
    frame = _table(tmp_path)
    frame["w"] = compute_sample_weight("balanced", frame[["a", "b"]].to_numpy())
    frame.to_csv(tmp_path / "mlw.csv", index=False)
    common = ["--target", "a", "b", "--optimizer", "gd", "--lr", "0.1", "--epochs", "4",
              "--val-fraction", "0", "--scale", "none", "--hidden", "4", "-q"]
    assert main(["train", str(tmp_path / "ml.csv"), *common, "--class-weight", "balanced",
                 "-o", str(tmp_path / "cw.npz")]) == 0
    assert main(["train", str(tmp_path / "mlw.csv"), *common, "--features", "x1", "x2",
                 "x3", "--sample-weight", "w", "-o", str(tmp_path / "sw.npz")]) == 0
    np.testing.assert_allclose(load(tmp_path / "cw.npz").params,
                               load(tmp_path / "sw.npz").params, rtol=0, atol=1e-13)
