"""``chainrule train / cv / evaluate --sample-weight COLUMN``.

The references are independent of the command's code: integer weights must train as
the rows repeated that many times without weights (full-batch gd and L-BFGS, as
scikit-learn's ``check_sample_weight_equivalence`` checks its estimators), and
evaluate's weighted scores must be scikit-learn's metrics given ``sample_weight``, on
the predictions of a NumPy forward pass of the saved weights.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics

from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel


def _status(argv: list) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:  # argparse
        return exc.code


def _data(n: int = 40, classes: int = 2, seed: int = 0):
    """Features (n, 3), a class index or a number of each row, integer weights 0..3."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 3.0, 0.5] + [0.0, 5.0, -1.0]
    score = X[:, 0] + 0.3 * X[:, 1] + rng.normal(scale=0.5, size=n)
    y = np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))
    w = rng.integers(0, 4, size=n)
    w[:classes] = 1  # every class present with a positive weight
    return X, y, score, w


def _write(path, X, target, w=None, name="label") -> None:
    head = "a,b,c" + (",w" if w is not None else "") + f",{name}\n"
    rows = []
    for i in range(len(X)):
        cells = [repr(float(v)) for v in X[i]]
        if w is not None:
            cells.append(str(w[i]))
        t = target[i]
        cells.append(f"k{t}" if isinstance(t, (int, np.integer)) else repr(float(t)))
        rows.append(",".join(cells))
    path.write_text(head + "\n".join(rows) + "\n")


def _params(path) -> np.ndarray:
    return SavedModel.load(path).network.params.copy()


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("optimizer", [
    ["--optimizer", "lbfgs", "--epochs", "40"],
    ["--optimizer", "gd", "--lr", "0.3", "--epochs", "25", "--weight-decay", "0.05",
     "--decay", "per_sample"],
])
def test_integer_weights_train_as_repeated_rows(tmp_path, capsys, task, optimizer):
    """Weights 0..3 give the final parameters (and standardising statistics) of the file
    whose rows are repeated that many times, without weights, within 1e-10."""
    X, y, score, w = _data(seed=3)
    target = y if task == "classification" else score
    weighted, repeated = tmp_path / "w.csv", tmp_path / "rep.csv"
    _write(weighted, X, target, w)
    idx = np.repeat(np.arange(len(X)), w)
    _write(repeated, X[idx], target[idx] if task == "regression" else
           [int(v) for v in target[idx]])
    common = ["--target", "label", "--hidden", "5", "--val-fraction", "0", "--seed", "4",
              "-q", *optimizer, "--task", task]
    assert _status(["train", weighted, *common, "--sample-weight", "w",
                    "-o", tmp_path / "a.npz"]) == 0
    assert _status(["train", repeated, *common, "-o", tmp_path / "b.npz"]) == 0
    capsys.readouterr()
    a, b = _params(tmp_path / "a.npz"), _params(tmp_path / "b.npz")
    assert np.abs(a).max() > 0.1  # trained: not a network of zeros
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)
    ma, mb = load_metadata(tmp_path / "a.npz"), load_metadata(tmp_path / "b.npz")
    np.testing.assert_allclose(ma["x_mean"], X[idx].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(ma["x_scale"], X[idx].std(axis=0), rtol=1e-12)
    if task == "regression":
        np.testing.assert_allclose([ma["y_mean"], ma["y_scale"]],
                                   [score[idx].mean(), score[idx].std()], rtol=1e-12)
    assert ma["training"]["sample_weight"] == "w" and "sample_weight" not in mb["training"]
    assert ma["feature_names"] == ["a", "b", "c"]  # the weight column is no feature


def _forward(path, X: np.ndarray) -> np.ndarray:
    """The saved network's outputs of raw rows X, written out in NumPy."""
    meta = load_metadata(path)
    A = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    layers = SavedModel.load(path).network.layers
    for i, layer in enumerate(layers):
        Z = A @ layer.W + layer.b
        if i < len(layers) - 1:
            A = np.maximum(Z, 0.0)  # relu
        elif Z.shape[1] > 1:
            E = np.exp(Z - Z.max(axis=1, keepdims=True))
            A = E / E.sum(axis=1, keepdims=True)
        else:
            A = Z  # identity (regression)
    return A


def test_evaluate_weighted_scores_are_sklearn_metrics(tmp_path, capsys):
    """Three classes: accuracy, log loss, balanced accuracy, macro F1 and ROC AUC with the
    weights, as scikit-learn computes them of the NumPy forward pass."""
    X, y, _, w = _data(n=60, classes=3, seed=5)
    w = w + np.arange(60) % 2 * 0.5  # not integers
    data = tmp_path / "d.csv"
    _write(data, X, [int(v) for v in y], w)
    model = tmp_path / "m.npz"
    assert _status(["train", data, "--target", "label", "--sample-weight", "w", "--hidden",
                    "6", "--epochs", "30", "--lr", "0.02", "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["evaluate", model, data, "--sample-weight", "w", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    proba = _forward(model, X)
    labels = load_metadata(model)["labels"]
    yi = np.array([labels.index(f"k{v}") for v in y])
    pred = proba.argmax(axis=1)
    want = {"accuracy": metrics.accuracy_score(yi, pred, sample_weight=w),
            "log_loss": metrics.log_loss(yi, proba, sample_weight=w),
            "balanced_accuracy": metrics.balanced_accuracy_score(yi, pred, sample_weight=w),
            "f1_macro": metrics.f1_score(yi, pred, average="macro", sample_weight=w),
            "roc_auc": metrics.roc_auc_score(yi, proba, multi_class="ovr", sample_weight=w)}
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-9, abs=1e-12), key
    assert got["sample_weight"] == "w"
    # unweighted: the plain scores, and the text says that the model was trained weighted
    assert _status(["evaluate", model, data, "--json"]) == 0
    plain = json.loads(capsys.readouterr().out)
    assert plain["accuracy"] == pytest.approx(metrics.accuracy_score(yi, pred))
    assert _status(["evaluate", model, data]) == 0
    assert "give --sample-weight w" in capsys.readouterr().out


def test_evaluate_weighted_report(tmp_path, capsys):
    """--report with --sample-weight: scikit-learn's classification_report and
    confusion_matrix given the weights (non-integer: supports and cells are sums of
    weights), of the NumPy forward pass; it was refused."""
    X, y, _, w = _data(n=60, classes=3, seed=5)
    w = w + np.arange(60) % 2 * 0.5  # not integers
    data = tmp_path / "d.csv"
    _write(data, X, [int(v) for v in y], w)
    model = tmp_path / "m.npz"
    assert _status(["train", data, "--target", "label", "--sample-weight", "w", "--hidden",
                    "6", "--epochs", "30", "--lr", "0.02", "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["evaluate", model, data, "--sample-weight", "w", "--report",
                    "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    labels = load_metadata(model)["labels"]
    yi = np.array([labels.index(f"k{v}") for v in y])
    pred = _forward(model, X).argmax(axis=1)
    seen = sorted(set(yi) | set(pred))
    want = metrics.classification_report(yi, pred, labels=seen, output_dict=True,
                                         sample_weight=w, zero_division=0)
    for j in seen:
        for key in ("precision", "recall", "f1-score", "support"):
            assert got["report"][labels[j]][key] == pytest.approx(want[str(j)][key],
                                                                  rel=1e-12), key
    assert got["report"][labels[seen[0]]]["support"] == pytest.approx(w[yi == seen[0]].sum())
    np.testing.assert_allclose(got["confusion_matrix"], metrics.confusion_matrix(
        yi, pred, labels=seen, sample_weight=w), rtol=1e-12)
    assert _status(["evaluate", model, data, "--sample-weight", "w", "--report"]) == 0
    out = capsys.readouterr().out
    assert "sums of the examples' weights" in out and "Traceback" not in out


@pytest.mark.parametrize("classes", [2, 3])
def test_evaluate_a_class_of_zero_weights_leaves_roc_auc_out(tmp_path, capsys, classes):
    """A class whose examples all weigh 0 is absent from the weighted data: ROC AUC is
    left out and said why, as for a class missing from the file (it was nan, with
    scikit-learn's warning); the other scores are scikit-learn's."""
    X, y, _, w = _data(n=60, classes=classes, seed=5)
    data, zeros = tmp_path / "d.csv", tmp_path / "z.csv"
    _write(data, X, [int(v) for v in y], w)
    wz = np.where(y == classes - 1, 0, w)
    _write(zeros, X, [int(v) for v in y], wz)
    model = tmp_path / "m.npz"
    assert _status(["train", data, "--target", "label", "--sample-weight", "w", "--hidden",
                    "4", "--epochs", "5", "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["evaluate", model, zeros, "--sample-weight", "w", "--json"]) == 0
    captured = capsys.readouterr()
    got = json.loads(captured.out)
    assert "roc_auc" not in got and "of a positive weight" in got["roc_auc_left_out"]
    assert "warning" not in captured.err
    labels = load_metadata(model)["labels"]
    yi = np.array([labels.index(f"k{v}") for v in y])
    out = _forward(model, X)  # two classes: one output, its logit (_forward's identity)
    pred = out.argmax(axis=1) if classes > 2 else (out[:, 0] > 0).astype(int)
    assert got["accuracy"] == pytest.approx(metrics.accuracy_score(yi, pred, sample_weight=wz))


def test_evaluate_weighted_regression_scores(tmp_path, capsys):
    """mse, rmse, mae and r2 with the weights, as scikit-learn computes them."""
    X, _, score, w = _data(n=50, seed=7)
    data = tmp_path / "r.csv"
    _write(data, X, score, w, name="price")
    model = tmp_path / "m.npz"
    assert _status(["train", data, "--target", "price", "--hidden", "4", "--epochs", "20",
                    "--sample-weight", "w", "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["evaluate", model, data, "--sample-weight", "w", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    meta = load_metadata(model)
    pred = _forward(model, X)[:, 0] * meta["y_scale"] + meta["y_mean"]
    mse = metrics.mean_squared_error(score, pred, sample_weight=w)
    assert got["mse"] == pytest.approx(mse, rel=1e-9)
    assert got["rmse"] == pytest.approx(np.sqrt(mse), rel=1e-9)
    assert got["mae"] == pytest.approx(
        metrics.mean_absolute_error(score, pred, sample_weight=w), rel=1e-9)
    assert got["r2"] == pytest.approx(metrics.r2_score(score, pred, sample_weight=w),
                                      rel=1e-9)
    # one example of a positive weight: no r2, as of a file of one example (scikit-learn
    # gave 0.0, its value for a variance of 0); mse is that example's squared error
    one = np.zeros(50, dtype=int)
    one[7] = 2
    _write(data, X, score, one, name="price")
    assert _status(["evaluate", model, data, "--sample-weight", "w", "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert "r2" not in got
    assert got["mse"] == pytest.approx((score[7] - pred[7]) ** 2, rel=1e-9)


def test_validation_cost_is_weighted(tmp_path, capsys):
    """--val-data's rows are weighted by its own column: the last val_loss is the weighted
    mean log loss of the final network on them (NumPy)."""
    X, y, _, w = _data(n=60, classes=3, seed=2)
    train, val = tmp_path / "t.csv", tmp_path / "v.csv"
    _write(train, X[:40], [int(v) for v in y[:40]], w[:40])
    wv = np.arange(20) % 4  # 0..3, all classes' rows among the positive ones
    _write(val, X[40:], [int(v) for v in y[40:]], wv)
    model = tmp_path / "m.npz"
    assert _status(["train", train, "--target", "label", "--sample-weight", "w",
                    "--val-data", val, "--hidden", "4", "--epochs", "6", "-q",
                    "-o", model]) == 0
    capsys.readouterr()
    meta = load_metadata(model)
    proba = _forward(model, X[40:])
    yi = np.array([meta["labels"].index(f"k{v}") for v in y[40:]])
    losses = -np.log(proba[np.arange(20), yi])
    assert meta["history"]["val_loss"][-1] == pytest.approx(np.average(losses, weights=wv),
                                                            rel=1e-9)
    assert meta["history"]["val_loss"][-1] != pytest.approx(losses.mean(), rel=1e-6)


@pytest.mark.parametrize("optimizer", [["--optimizer", "lbfgs", "--epochs", "5"],
                                       ["--optimizer", "gd", "--epochs", "30", "--lr", "0.5"]])
def test_validation_accuracy_is_weighted(tmp_path, capsys, optimizer):
    """Both optimizers' histories weigh val_loss and val_accuracy by --val-data's column,
    as the library's Trainer does and as the scores train prints at its end."""
    X, y, _, _ = _data(n=60, classes=3, seed=2)
    train, val = tmp_path / "t.csv", tmp_path / "v.csv"
    _write(train, X[:40], [int(v) for v in y[:40]], np.ones(40, dtype=int))
    wv = np.arange(20) % 4
    _write(val, X[40:], [int(v) for v in y[40:]], wv)
    model = tmp_path / "m.npz"
    assert _status(["train", train, "--target", "label", "--sample-weight", "w",
                    "--val-data", val, "--hidden", "4", "-q",
                    "--seed", "1", "-o", model, *optimizer]) == 0
    capsys.readouterr()
    meta = load_metadata(model)
    proba = _forward(model, X[40:])
    yi = np.array([meta["labels"].index(f"k{v}") for v in y[40:]])
    right = proba.argmax(axis=1) == yi
    assert np.average(right, weights=wv) != pytest.approx(right.mean())  # they differ here
    assert meta["history"]["val_accuracy"][-1] == pytest.approx(
        np.average(right, weights=wv), rel=1e-12)
    losses = -np.log(proba[np.arange(20), yi])
    assert meta["history"]["val_loss"][-1] == pytest.approx(np.average(losses, weights=wv),
                                                            rel=1e-9)


def test_predict_ignores_the_weight_column(tmp_path, capsys):
    X, y, _, w = _data(seed=1)
    with_w, without = tmp_path / "w.csv", tmp_path / "x.csv"
    _write(with_w, X, [int(v) for v in y], w)
    _write(without, X, [int(v) for v in y])
    model = tmp_path / "m.npz"
    assert _status(["train", with_w, "--target", "label", "--sample-weight", "w",
                    "--hidden", "3", "--epochs", "3", "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["predict", model, with_w, "--proba"]) == 0
    a = capsys.readouterr().out
    assert _status(["predict", model, without, "--proba"]) == 0
    assert a == capsys.readouterr().out


@pytest.mark.parametrize(("edit", "options", "words"), [
    (None, ["--sample-weight", "nope"], "--sample-weight nope: "),
    ((3, "-1"), ["--sample-weight", "w"], "line 5: the weight is '-1'; expected a finite"),
    ((2, "nan"), ["--sample-weight", "w"], "line 4: the weight is 'nan'"),
    ((5, ""), ["--sample-weight", "w"], "line 7: the weight is missing"),
    ((0, "zero"), ["--sample-weight", "w"], "line 2: the weight is 'zero'"),
    ("all0", ["--sample-weight", "w"], "every weight of"),
    (None, ["--sample-weight", "w", "--features", "a", "w"], "also given to --features"),
    (None, ["--sample-weight", "label"], "also given to --target"),
    (None, ["--sample-weight", "w", "--categorical", "w"], "also given to --categorical"),
])
def test_refusals(tmp_path, capsys, edit, options, words):
    X, y, _, w = _data(seed=4)
    w = [str(v) for v in w]
    if edit == "all0":
        w = ["0"] * len(w)
    elif edit is not None:
        w[edit[0]] = edit[1]
    data = tmp_path / "d.csv"
    _write(data, X, [int(v) for v in y], w)
    assert _status(["train", data, "--target", "label", "--hidden", "3", "--epochs", "2",
                    "-q", "-o", tmp_path / "m.npz", *options]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "m.npz").exists()


def test_refusals_name_the_weight_column(tmp_path, capsys):
    """An NPZ weight array of other rows is "the weight column", not "the target"; a
    --val-data file without the column is said to need its own."""
    X, y, _, w = _data(seed=4)
    np.savez(tmp_path / "d.npz", X=X, y=y, w=w[:30])
    assert _status(["train", tmp_path / "d.npz", "--sample-weight", "w", "-q",
                    "-o", tmp_path / "m.npz"]) == 2
    err = capsys.readouterr().err
    assert "the weight column 'w' must have shape (40,)" in err and "target" not in err
    data, val = tmp_path / "t.csv", tmp_path / "v.csv"
    _write(data, X[:30], [int(v) for v in y[:30]], w[:30])
    _write(val, X[30:], [int(v) for v in y[30:]])
    assert _status(["train", data, "--target", "label", "--sample-weight", "w",
                    "--val-data", val, "-q", "-o", tmp_path / "m.npz"]) == 2
    err = capsys.readouterr().err
    assert "has no column 'w' (--val-data: its rows are weighted by their own" in err


@pytest.mark.parametrize("command", ["train", "cv"])
def test_a_weight_column_named_within_the_target_s_name(tmp_path, capsys, command):
    """--target label --sample-weight lab: "lab" is not the target (it was refused as
    given to --target, "lab" being part of the text "label"); the weights are used."""
    X, y, _, w = _data(seed=4)
    data = tmp_path / "d.csv"
    _write(data, X, [int(v) for v in y], w)
    data.write_text(data.read_text().replace("a,b,c,w,label", "a,b,c,lab,label", 1))
    model = tmp_path / "m.npz"
    extra = ["-o", model] if command == "train" else ["--folds", "2"]
    assert _status([command, data, "--target", "label", "--sample-weight", "lab",
                    "--hidden", "3", "--epochs", "2", "-q", *extra]) == 0
    capsys.readouterr()
    if command == "train":
        meta = load_metadata(model)
        assert meta["training"]["sample_weight"] == "lab"
        assert meta["feature_names"] == ["a", "b", "c"]


def test_weight_column_as_the_default_target_is_refused(tmp_path, capsys):
    """The last column, the target when --target names none, as the weight column."""
    X, _, _, w = _data(seed=4)
    data = tmp_path / "d.csv"
    _write(data, X, [float(v) for v in w], name="w")  # columns a, b, c, w: w last
    assert _status(["train", data, "--sample-weight", "w", "-q"]) == 2
    assert "the weight column is the target" in capsys.readouterr().err


def test_resume_keeps_the_weight_column(tmp_path, capsys):
    """--resume continues a run of --sample-weight (with --class-weight too) given the
    same column, and refuses another."""
    X, y, _, w = _data(n=60, seed=6)
    data = tmp_path / "d.csv"
    _write(data, X, [int(v) for v in y], w)
    ckpt, model = tmp_path / "run.ckpt.npz", tmp_path / "m.npz"
    run = ["train", data, "--target", "label", "--features", "a", "b", "--hidden", "3",
           "--class-weight", "balanced", "-q", "--checkpoint", ckpt, "-o", model]
    assert _status([*run, "--epochs", "2", "--sample-weight", "w"]) == 0
    assert _status([*run, "--epochs", "4", "--sample-weight", "c", "--resume"]) == 2
    assert "--sample-weight: the run in" in capsys.readouterr().err
    assert _status([*run, "--epochs", "4", "--resume"]) == 2
    capsys.readouterr()
    original = data.read_text()
    _write(data, X, [int(v) for v in y], (w + 1) % 4)  # the same rows, other weights
    assert _status([*run, "--epochs", "4", "--sample-weight", "w", "--resume"]) == 2
    assert "DATA: the contents of" in capsys.readouterr().err
    data.write_text(original)
    assert _status([*run, "--epochs", "4", "--sample-weight", "w", "--resume"]) == 0
    assert load_metadata(model)["training"]["epochs"] == 4


def test_cv_weighs_each_fold(tmp_path, capsys):
    """cv with weights all 1 is cv without weights; with integer weights, each fold's
    held-out scores are weighted (they differ from the unweighted ones)."""
    X, y, _, w = _data(n=60, seed=8)
    ones, weighted = tmp_path / "one.csv", tmp_path / "w.csv"
    _write(ones, X, [int(v) for v in y], np.ones(60, dtype=int))
    _write(weighted, X, [int(v) for v in y], w)
    common = ["--target", "label", "--hidden", "3", "--epochs", "5", "--folds", "3",
              "--json", "-q"]
    assert _status(["cv", ones, *common, "--sample-weight", "w"]) == 0
    a = json.loads(capsys.readouterr().out)
    assert _status(["cv", ones, *common, "--features", "a", "b", "c"]) == 0
    b = json.loads(capsys.readouterr().out)
    assert a == b
    assert _status(["cv", weighted, *common, "--sample-weight", "w"]) == 0
    c = json.loads(capsys.readouterr().out)
    assert c != a


def test_cv_refuses_a_fold_of_zero_weights(tmp_path, capsys):
    """A fold whose held-out rows all weigh 0 has no weighted scores: refused naming
    the option, the fold and the way out, before any fold trains (it was NumPy's
    "Weights sum to zero, can't be normalized" after the fold had trained)."""
    from sklearn.model_selection import StratifiedKFold

    X, y, _, _ = _data(n=60, seed=8)
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(X, y))
    w = np.ones(60, dtype=int)
    w[folds[2][1]] = 0  # the third fold's held-out rows
    data = tmp_path / "w.csv"
    _write(data, X, [int(v) for v in y], w)
    assert _status(["cv", data, "--target", "label", "--sample-weight", "w", "--hidden",
                    "3", "--epochs", "2", "--folds", "5", "--seed", "0", "-q"]) == 2
    err = capsys.readouterr().err
    train = folds[2][0]  # its training rows: every one of weight 1 (counted by NumPy)
    assert ("--sample-weight w: the 12 held-out rows of fold 3 of 5 (StratifiedKFold, "
            "--seed 0) all weigh 0; expected a positive weight on at least one held-out "
            "row, for the fold's scores (means weighted by them); got "
            f"{np.count_nonzero(w[train] > 0)} of the {len(train)} training rows of a "
            "positive weight and none of the 12 held-out rows. Give fewer --folds or "
            "another --seed.") in err and "Traceback" not in err


@pytest.mark.parametrize(("options", "words"), [
    (["--sample-weight", "a"], "the column is a feature of"),
    (["--sample-weight", "label"], "the column is the target"),
    (["--sample-weight", "nope"], "--sample-weight nope: "),
])
def test_evaluate_refusals(tmp_path, capsys, options, words):
    X, y, _, w = _data(seed=9)
    data = tmp_path / "d.csv"
    _write(data, X, [int(v) for v in y], w)
    model = tmp_path / "m.npz"
    assert _status(["train", data, "--target", "label", "--sample-weight", "w", "--hidden",
                    "3", "--epochs", "2", "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["evaluate", model, data, *options]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_a_model_without_feature_names_is_scored_with_the_weight_column_left_out(
        tmp_path, capsys):
    # an estimator fitted on an array takes every column but the target, by position:
    # the weight column was counted as one more feature ("3 features; the model takes 2")
    from sklearn.metrics import accuracy_score, log_loss

    from chainrule.estimators import MLPClassifier

    rng = np.random.default_rng(4)
    X = rng.normal(size=(60, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(int)
    w = rng.uniform(0.0, 3.0, size=60)
    est = MLPClassifier(hidden_layer_sizes=(5,), solver="lbfgs", max_iter=200,
                        random_state=0).fit(X, y)
    est.save(tmp_path / "est.npz")
    with open(tmp_path / "test.csv", "w") as fh:
        fh.write("a,b,y,w\n")
        for (a, b), t, v in zip(X, y, w, strict=True):
            fh.write(f"{float(a)!r},{float(b)!r},{t},{float(v)!r}\n")
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "est.npz"), str(tmp_path / "test.csv"),
                 "--target", "y", "--sample-weight", "w", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(
        accuracy_score(y, est.predict(X), sample_weight=w), rel=1e-12)
    assert scores["log_loss"] == pytest.approx(
        log_loss(y, est.predict_proba(X), sample_weight=w), rel=1e-12)
    assert scores["log_loss"] != pytest.approx(log_loss(y, est.predict_proba(X)), rel=1e-6)
