"""``chainrule evaluate`` of a softmax classifier's model file imports no scikit-learn (its
balanced accuracy, macro F1, ROC AUC and average precision are computed on the arrays,
and the model file's probabilities need none of the estimators' modules), and prints
the scores scikit-learn's functions give of the model's probabilities."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn import metrics as sk

import chainrule
from chainrule.cli import main
from file_helpers import fresh_python


@pytest.mark.slow  # a fresh Python process: seconds on a busy machine
def test_softmax_model_evaluate_imports_no_scikit_learn(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(240, 4))
    y = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5])  # 3 classes
    data, model = tmp_path / "d.npz", tmp_path / "m.npz"
    np.savez(data, X=X, y=y)
    assert main(["train", str(data), "--hidden", "5", "--epochs", "3", "-q",
                 "-o", str(model)]) == 0
    lines = fresh_python(
        "import json, sys; from chainrule.cli import main; "
        f"assert main(['evaluate', {str(model)!r}, {str(data)!r}, '--json']) == 0; "
        "print('sklearn' in sys.modules)")
    assert lines[-1] == "False"
    scores = json.loads("\n".join(lines[:-1]))
    P = chainrule.load_model(str(model)).predict_proba(X)
    pred = P.argmax(axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        balanced = sk.balanced_accuracy_score(y, pred)
    Y = (y[:, None] == np.arange(3)).astype(int)
    assert scores["balanced_accuracy"] == balanced
    assert scores["f1_macro"] == sk.f1_score(y, pred, average="macro", zero_division=0)
    assert scores["roc_auc"] == sk.roc_auc_score(y, P, multi_class="ovr", labels=[0, 1, 2])
    assert scores["average_precision"] == sk.average_precision_score(Y, P, average="macro")
