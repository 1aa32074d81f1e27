"""train's closing line scores the training and validation rows with one pass of the
network each: the clipping note's second pass (predict_log_proba of every row, longer
than the epoch itself for a CNN on 60,000 MNIST-sized images) is skipped where clipping
moved no probability, and the line is that of before, checked against scikit-learn."""

from __future__ import annotations

import json
import re

import numpy as np
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split

from chainrule import saved_model
from chainrule.cli import main

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "padding": 1},
          {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]


def test_closing_line_passes_the_rows_once(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.random((60, 1, 6, 5))
    y = (X[:, 0, :3].mean(axis=(1, 2)) > X[:, 0, 3:].mean(axis=(1, 2))).astype(int) + 1
    X[:, 0, 0, 0] += y  # something to learn: a pixel that tells the class
    np.savez(tmp_path / "d.npz", X=X, y=y)
    (tmp_path / "l.json").write_text(json.dumps(LAYERS))
    calls = []
    real = saved_model.SavedModel.predict_log_proba
    monkeypatch.setattr(saved_model.SavedModel, "predict_log_proba",
                        lambda self, *a, **k: calls.append(1) or real(self, *a, **k))
    code = main(["train", str(tmp_path / "d.npz"), "--layers", str(tmp_path / "l.json"),
                 "--epochs", "3", "-q", "-o", str(tmp_path / "m.npz")])
    out = capsys.readouterr().out
    assert code == 0
    assert calls == []  # no second pass: the probabilities of the scores were enough
    line = next(s for s in out.splitlines() if s.startswith("trained "))
    assert "clipped" not in line
    # the scores: scikit-learn's, of the saved model's probabilities on the rows of
    # train's split (stratified, 10 % held out, seed 0)
    model = saved_model.load_model(tmp_path / "m.npz")
    codes = y - 1
    tr, va = train_test_split(np.arange(60), test_size=6, random_state=0, stratify=codes)
    for name, idx in (("training", tr), ("validation", va)):
        P = model.predict_proba(X[idx])
        m = re.search(name + r" accuracy ([\d.]+), log loss ([\d.e+-]+)", line)
        assert m, line
        assert float(m.group(1)) == float(f"{accuracy_score(codes[idx], P.argmax(1)):.4g}")
        assert float(m.group(2)) == float(f"{log_loss(codes[idx], P, labels=[0, 1]):.4g}")
