"""``chainrule cv --init-from MODEL``: each fold fine-tunes MODEL on its training rows.

cv refused --init-from ("cv and tune train a new network on each fold"), yet fine-tuning
one pre-trained model on each fold is a normal thing to cross-validate, and train's
--init-from machinery (MODEL's network, weights, scaling, categories) applies to a
fold's rows as they are.  Reference: scikit-learn's KFold cuts the same folds here,
chainrule train --init-from fits each fold's training rows, a NumPy forward of the
model written predicts the held-out rows and scikit-learn's metrics score them.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from chainrule.saved_model import load_model
from file_helpers import numpy_regression_outputs
from test_cli import run_main


def _frame(seed: int, rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"a": rng.normal(size=rows), "b": rng.uniform(0, 5, rows)})
    frame["y"] = 3 * frame["a"] - frame["b"] + rng.normal(0, 0.2, rows)
    return frame


def test_each_fold_fine_tunes_the_model_as_train_init_from_does(tmp_path, capsys):
    sk = pytest.importorskip("sklearn.model_selection")
    metrics = pytest.importorskip("sklearn.metrics")
    _frame(0, 120).to_csv(tmp_path / "pre.csv", index=False)
    new = _frame(1, 60)  # other rows: the ones cross-validated
    new.to_csv(tmp_path / "new.csv", index=False)
    model = str(tmp_path / "pre.npz")
    code, _, err = run_main(capsys, "train", str(tmp_path / "pre.csv"), "--hidden", "4",
                            "--epochs", "5", "-q", "-o", model)
    assert code == 0, err
    code, out, err = run_main(capsys, "cv", str(tmp_path / "new.csv"), "--init-from", model,
                              "--epochs", "3", "--folds", "3", "--json", "-q")
    assert code == 0, err
    assert "warning" not in err  # MODEL was not trained on new.csv
    folds = json.loads(out)["per_fold"]
    X, y = new[["a", "b"]].to_numpy(), new["y"].to_numpy()
    split = sk.KFold(3, shuffle=True, random_state=0).split(X)
    for fold, (train, held) in zip(folds, split, strict=True):
        new.iloc[train].to_csv(tmp_path / "fold.csv", index=False)
        tuned = str(tmp_path / "tuned.npz")
        code, _, err = run_main(capsys, "train", str(tmp_path / "fold.csv"), "--init-from",
                                model, "--epochs", "3", "-q", "-o", tuned)
        assert code == 0, err
        # MODEL's scaling, not the fold's: the fine-tuned model's statistics are MODEL's
        assert load_model(tuned).metadata["x_mean"] == load_model(model).metadata["x_mean"]
        predicted = numpy_regression_outputs(tuned, X[held])[:, 0]
        assert fold["train_samples"] == len(train) and fold["samples"] == len(held)
        assert fold["mse"] == pytest.approx(metrics.mean_squared_error(y[held], predicted),
                                            rel=1e-9)
        assert fold["r2"] == pytest.approx(metrics.r2_score(y[held], predicted), rel=1e-9)


def test_cv_and_tune_warn_when_the_model_was_trained_on_data(tmp_path, capsys):
    _frame(0, 60).to_csv(tmp_path / "d.csv", index=False)
    model = str(tmp_path / "m.npz")
    code, _, err = run_main(capsys, "train", str(tmp_path / "d.csv"), "--hidden", "3",
                            "--epochs", "2", "-q", "-o", model)
    assert code == 0, err
    said = (f"warning: the model of --init-from {model} was trained on "
            f"{tmp_path / 'd.csv'}, DATA: its weights have seen every fold's held-out rows")
    code, _, err = run_main(capsys, "cv", str(tmp_path / "d.csv"), "--init-from", model,
                            "--epochs", "1", "--folds", "2", "-q")
    assert code == 0 and f"chainrule cv: {said}" in err, err
    code, _, err = run_main(capsys, "tune", str(tmp_path / "d.csv"), "--init-from", model,
                            "--epochs", "1", "--folds", "2", "--grid", "lr=0.1,0.01", "-q")
    assert code == 0 and f"chainrule tune: {said}" in err, err
    code, _, err = run_main(capsys, "cv", str(tmp_path / "d.csv"), "--init-from", model,
                            "--hidden", "5", "--folds", "2")
    assert code == 2 and "--hidden: the network comes from --init-from" in err


def test_tune_fine_tunes_each_combination_as_cv_and_refits_from_the_model(tmp_path, capsys):
    _frame(0, 80).to_csv(tmp_path / "pre.csv", index=False)
    _frame(2, 45).to_csv(tmp_path / "new.csv", index=False)
    model, out = str(tmp_path / "pre.npz"), str(tmp_path / "best.npz")
    code, _, err = run_main(capsys, "train", str(tmp_path / "pre.csv"), "--hidden", "3",
                            "--epochs", "3", "-q", "-o", model)
    assert code == 0, err
    code, text, err = run_main(capsys, "tune", str(tmp_path / "new.csv"), "--init-from",
                               model, "--epochs", "2", "--folds", "3", "--grid",
                               "lr=0.03,0.003", "--json", "-q", "-o", out)
    assert code == 0, err
    results = json.loads(text)["results"]
    for result in results:  # each combination's mean: cv's of the same options
        code, cv_out, err = run_main(capsys, "cv", str(tmp_path / "new.csv"), "--init-from",
                                     model, "--epochs", "2", "--folds", "3", "--lr",
                                     result["params"]["lr"], "--json", "-q")
        assert code == 0, err
        assert json.loads(cv_out)["mean"]["r2"] == result["mean"]["r2"]
    training = load_model(out).metadata["training"]
    assert training["init_from"] == model and training["epochs"] == 2
    code, _, err = run_main(capsys, "tune", str(tmp_path / "new.csv"), "--grid",
                            f"init-from={model}", "lr=0.1")
    assert code == 2 and "give --init-from MODEL outside --grid" in err, err
