"""``chainrule train DATA --target a b``: a multi-output regression (numeric targets) or
a multi-label classifier (targets of two classes each) from the command line.

The references are computed here: the standardisation of each target with NumPy on the
training rows, the saved network's forward pass (``chainrule.load``, which knows nothing
of the metadata), scikit-learn's ``mean_squared_error``, ``r2_score``,
``mean_absolute_error`` and ``root_mean_squared_error`` with their default
``multioutput="uniform_average"``, and of each target column; ``accuracy_score`` and
``hamming_loss`` of indicator rows, and the binary log loss written out in NumPy.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel
from file_helpers import network_outputs as _outputs
from test_cli_checkpoint import _same_model, _status


def _two_targets(path, n: int = 80, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A CSV of features a, b, c and two targets on very different scales, t1 and t2;
    returns the features and targets as the file holds them (repr: exact)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)) * [1.0, 10.0, 0.1]
    Y = np.column_stack([X @ [1.0, 0.2, -5.0], 300 + 100 * np.sin(X[:, 0])])
    rows = [",".join(repr(float(v)) for v in (*x, *t)) for x, t in zip(X, Y, strict=True)]
    path.write_text("a,b,c,t1,t2\n" + "\n".join(rows) + "\n")
    return X, Y


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    d = tmp_path_factory.mktemp("multi")
    X, Y = _two_targets(d / "data.csv")
    model = d / "model.npz"
    assert main(["train", str(d / "data.csv"), "--target", "t1", "t2", "--hidden", "8",
                 "--epochs", "40", "--val-fraction", "0", "-q", "-o", str(model)]) == 0
    return d, X, Y, model


def test_train_records_each_target_and_its_standardisation(two):
    _, X, Y, model = two
    meta = load_metadata(model)
    net = cr.load(model)
    assert meta["task"] == "regression" and meta["target_names"] == ["t1", "t2"]
    assert "target_name" not in meta and meta["feature_names"] == ["a", "b", "c"]
    assert net.n_outputs == 2 and net.output_activation.name == "identity"
    assert net.loss.name == "squared_error"
    # each target standardised on its own (every row trains: --val-fraction 0)
    np.testing.assert_allclose(meta["y_mean"], Y.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(meta["y_scale"], Y.std(axis=0), rtol=1e-12)
    np.testing.assert_allclose(meta["x_mean"], X.mean(axis=0), rtol=1e-12, atol=1e-15)
    # the network learnt both: its standardised outputs fit the standardised targets
    Z = (Y - Y.mean(axis=0)) / Y.std(axis=0)
    assert metrics.r2_score(Z, _outputs(model, X)) > 0.9


def test_predict_writes_a_column_named_after_each_target(two, capsys):
    d, X, _, model = two
    meta = load_metadata(model)
    expected = _outputs(model, X) * meta["y_scale"] + meta["y_mean"]
    capsys.readouterr()
    assert main(["predict", str(model), str(d / "data.csv"), "--keep", "a"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "a,t1,t2"
    pred = np.array([line.split(",") for line in lines[1:]], dtype=float)
    np.testing.assert_array_equal(pred[:, 0], X[:, 0])
    np.testing.assert_allclose(pred[:, 1:], expected, rtol=1e-12)
    # SavedModel.predict: the same, in the targets' units
    np.testing.assert_allclose(SavedModel.load(model).predict(X), expected, rtol=1e-12)


def test_evaluate_gives_scikit_learns_uniform_average_and_each_target(two, capsys):
    d, X, Y, model = two
    meta = load_metadata(model)
    pred = _outputs(model, X) * meta["y_scale"] + meta["y_mean"]
    capsys.readouterr()
    assert main(["evaluate", str(model), str(d / "data.csv"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["samples"] == 80
    assert scores["mse"] == pytest.approx(metrics.mean_squared_error(Y, pred), rel=1e-10)
    assert scores["r2"] == pytest.approx(metrics.r2_score(Y, pred), rel=1e-10)
    assert scores["mae"] == pytest.approx(metrics.mean_absolute_error(Y, pred), rel=1e-10)
    assert scores["rmse"] == pytest.approx(metrics.root_mean_squared_error(Y, pred), rel=1e-10)
    assert list(scores["targets"]) == ["t1", "t2"]
    for j, name in enumerate(["t1", "t2"]):
        each = scores["targets"][name]
        assert each["mse"] == pytest.approx(np.mean((pred[:, j] - Y[:, j]) ** 2), rel=1e-10)
        assert each["r2"] == pytest.approx(metrics.r2_score(Y[:, j], pred[:, j]), rel=1e-10)
    # the text: the means, then a line per target
    assert main(["evaluate", str(model), str(d / "data.csv")]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1] == "2 targets (t1, t2): the mean of their scores (scikit-learn's " \
                     "uniform_average)"
    assert out[2] == f"mean squared error: {metrics.mean_squared_error(Y, pred):.6g}"
    assert out[-1].startswith(f"target t2: mean squared error "
                              f"{np.mean((pred[:, 1] - Y[:, 1]) ** 2):.6g}, rmse ")


def test_info_shows_the_targets(two, capsys):
    _, _, _, model = two
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "targets (2): t1, t2\n" in out
    assert "(each target too)" in out and "on the standardised targets)" in out


def test_a_file_without_some_targets_is_refused_naming_them(two, tmp_path, capsys):
    d, _, _, model = two
    text = (d / "data.csv").read_text().splitlines()
    (tmp_path / "part.csv").write_text(
        "\n".join(",".join(line.split(",")[:4]) for line in text) + "\n")  # no t2
    capsys.readouterr()
    assert _status(["evaluate", model, tmp_path / "part.csv"]) == 2
    assert "missing column 't2' (the targets)" in capsys.readouterr().err
    (tmp_path / "none.csv").write_text(
        "\n".join(",".join(line.split(",")[:3]) for line in text) + "\n")
    assert _status(["evaluate", model, tmp_path / "none.csv"]) == 2
    assert "missing columns 't1', 't2' (the targets)" in capsys.readouterr().err
    # predict needs the features only
    assert _status(["predict", model, tmp_path / "none.csv", "-o", tmp_path / "p.csv"]) == 0
    assert (tmp_path / "p.csv").read_text().splitlines()[0] == "t1,t2"


def test_a_one_target_file_of_the_old_format_loads_and_scores_as_before(tmp_path, capsys):
    """A model file of one target as chainrule train wrote it before several could be
    given: ``target_name`` a string, ``y_mean`` and ``y_scale`` numbers."""
    X, Y = _two_targets(tmp_path / "data.csv")
    net = cr.mlp([3, 4, 1], output="identity", seed=0)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    meta = {"task": "regression", "feature_names": ["a", "b", "c"], "target_name": "t2",
            "x_mean": mean.tolist(), "x_scale": scale.tolist(), "y_mean": 300.0,
            "y_scale": 50.0, "all_columns": False}
    SavedModel(net, meta).save(tmp_path / "old.npz")
    pred = net.forward((X - mean) / scale)[:, 0] * 50.0 + 300.0
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "old.npz"), str(tmp_path / "data.csv"),
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert list(scores) == ["samples", "mse", "rmse", "mae", "r2"]
    assert scores["mse"] == pytest.approx(metrics.mean_squared_error(Y[:, 1], pred), rel=1e-12)
    assert main(["predict", str(tmp_path / "old.npz"), str(tmp_path / "data.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "t2"
    np.testing.assert_allclose(np.array(lines[1:], dtype=float), pred, rtol=1e-12)


def test_bundled_data_set_and_npz_arrays_as_targets(tmp_path, capsys):
    from sklearn.datasets import load_diabetes

    data = load_diabetes()
    assert main(["train", "diabetes", "--target", "bmi", "bp", "--hidden", "--epochs", "2",
                 "--val-fraction", "0", "-q", "-o", str(tmp_path / "d.npz")]) == 0
    meta = load_metadata(tmp_path / "d.npz")
    names = list(data.feature_names)
    # the other measurements are the features; the data set's own target is left out
    assert meta["feature_names"] == [n for n in names if n not in ("bmi", "bp")]
    Y = data.data[:, [names.index("bmi"), names.index("bp")]]
    np.testing.assert_allclose(meta["y_mean"], Y.mean(axis=0), atol=1e-17)  # centred: ~0
    np.testing.assert_allclose(meta["y_scale"], Y.std(axis=0), rtol=1e-12)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(30, 2))
    np.savez(tmp_path / "a.npz", X=X, u=X[:, 0] * 3, v=X[:, 1] - 1)
    assert main(["train", str(tmp_path / "a.npz"), "--target", "u", "v", "--hidden",
                 "--epochs", "2", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "n.npz")]) == 0
    meta = load_metadata(tmp_path / "n.npz")
    assert meta["target_names"] == ["u", "v"]
    np.testing.assert_allclose(meta["y_scale"], [np.std(X[:, 0] * 3), np.std(X[:, 1] - 1)],
                               rtol=1e-12)
    capsys.readouterr()
    np.savez(tmp_path / "b.npz", X=X, u=X[:, 0])
    assert _status(["evaluate", tmp_path / "n.npz", tmp_path / "b.npz"]) == 2
    assert "no array named 'v' for the targets" in capsys.readouterr().err


@pytest.mark.parametrize(("content", "extra", "words"), [
    # class-like columns (whole numbers, few distinct) of more than two classes
    ("x,a,b\n1,0,1\n2,1,0\n3,2,0\n4,1,1\n", [],
     "look like class labels, but not of two classes each (a: 3 distinct values)"),
    ("x,a,b\n1,no,1.5\n2,yes,0.2\n3,no,0.1\n4,yes,1\n", [], "the target a holds text, "
     "and b numbers"),
    ("x,a,b\n1,0.5,1\n2,1.5,0\n3,0.1,0\n4,1.2,1\n", ["--task", "classification"],
     "the target 'a' has 4 classes (0.1, 0.5, 1.2, 1.5); several classification targets"),
    ("x,a,b\n1,0.5,1\n2,1.5,0\n3,0.1,0\n4,1.2,1\n", ["--class-weight", "balanced"],
     "--class-weight: class weights need a classification, but the targets 'a', 'b' are a "
     "multi-output regression"),
    ("x,a,b\n1,0.5,1\n2,1.5,0\n3,0.1,0\n4,1.2,1\n", ["--features", "x", "b"],
     "the target column 'b' is also a feature"),
    ("x,a,b\n1,0.5,1\n2,1.5,0\n3,0.1,0\n4,1.2,1\n", ["--output", "sigmoid"],
     "but the targets 'a', 'b' run from 0 to 1.5"),
    ("x,a,b\n1,0.5,1\n2,1.5,\n3,0.1,0\n4,1.2,1\n", [], "line 3, target 'b': missing value"),
    ("x,a,b\n1,0,1\n2,1,0\n3,0,0\n4,1,1\n", ["--output", "softmax"],
     "--output: a multi-label classifier (several targets of two classes) needs a sigmoid"),
    ("x,a,b\n1,0,1\n2,1,0\n3,0,0\n4,1,1\n", ["--loss", "cross_entropy"],
     "--loss cross_entropy: a multi-label classifier's loss is log_loss"),
    ("x,a,b\n1,0,1\n2,0,0\n3,0,0\n4,0,1\n", ["--task", "classification"],
     "the target 'a' has 1 class (0)"),
])
def test_targets_that_cannot_be_trained_together_are_refused(tmp_path, capsys,
                                                                       content, extra, words):
    (tmp_path / "d.csv").write_text(content)
    assert _status(["train", tmp_path / "d.csv", "--target", "a", "b", *extra, "--epochs",
                    "1", "-q", "-o", tmp_path / "m.npz"]) == 2
    assert words in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def test_a_resumed_run_of_two_targets_is_the_uninterrupted_one(tmp_path, step_clock, capsys):
    _two_targets(tmp_path / "data.csv", n=60)
    args = ["train", tmp_path / "data.csv", "--target", "t1", "t2", "--hidden", "4",
            "--batch-size", "16", "--lr", "0.05", "--epochs", "6", "--patience", "10", "-q"]
    assert _status([*args, "-o", tmp_path / "ref"]) == 0
    ckpt, model = tmp_path / "run.ckpt.npz", tmp_path / "model.npz"
    command = [*args, "--checkpoint", ckpt, "--max-time", "8", "--resume", "-o", model]
    statuses = []
    while not statuses or statuses[-1] == 3:
        statuses.append(_status(command))
        assert len(statuses) <= 4
    assert statuses[-1] == 0 and len(statuses) > 1
    _same_model(model, tmp_path / "ref.npz")
    assert load_metadata(model)["target_names"] == ["t1", "t2"]
    capsys.readouterr()
    # the run's targets are its own: another --target is refused
    assert _status([*args[:3], "t1", *args[5:], "--checkpoint", ckpt, "--resume",
                    "-o", model]) == 2
    assert "was started with --target t1 t2, got --target t1" in capsys.readouterr().err


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_an_estimator_of_two_outputs_is_scored_on_the_targets_named(tmp_path, capsys):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 2))
    Y = np.column_stack([X[:, 0] + X[:, 1], X[:, 0] - 2 * X[:, 1]])
    est = cr.MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0).fit(X, Y)
    est.save(tmp_path / "est.npz")
    np.savez(tmp_path / "d.npz", X=X, p=Y[:, 0], q=Y[:, 1])
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "est.npz"), str(tmp_path / "d.npz"), "--target",
                 "p", "q", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    pred = est.predict(X)
    assert scores["r2"] == pytest.approx(metrics.r2_score(Y, pred), rel=1e-10)
    assert scores["r2"] == pytest.approx(est.score(X, Y), rel=1e-10)
    assert list(scores["targets"]) == ["p", "q"]
    assert _status(["evaluate", tmp_path / "est.npz", tmp_path / "d.npz"]) == 2
    assert "give them, --target NAME1 ... NAME2" in capsys.readouterr().err
    assert _status(["evaluate", tmp_path / "est.npz", tmp_path / "d.npz", "--target", "p", "q",
                    "p"]) == 2
    assert "the model predicts 2 values per example; name 2 target columns" in \
        capsys.readouterr().err


def _refusal_of_edited_copy(model, tmp_path, edit) -> str:
    """The message SavedModel.load gives a copy of ``model`` whose metadata ``edit`` changed."""
    from file_helpers import edit_saved_meta

    path = tmp_path / "m.npz"
    path.write_bytes(model.read_bytes())
    edit_saved_meta(path, lambda record: edit(record["metadata"]))
    with pytest.raises(ValueError, match="corrupted chainrule model file") as info:
        SavedModel.load(path)
    return str(info.value)


@pytest.mark.parametrize(("edit", "words"), [
    (lambda m: m.update(target_names=["t1"]), "target_names: 1 name for a regression network "
                                              "with 2 outputs"),
    (lambda m: m.update(target_names=["t1", "t1"]), "target_names: a name appears twice"),
    (lambda m: m.update(y_scale=[1.0, 2.0, 3.0]), "y_scale: 3 values for a network with "
                                                  "2 outputs"),
    (lambda m: m.update(y_scale=[1.0, 0.0]), "y_scale: expected a positive number"),
])
def test_a_damaged_record_of_targets_is_refused(two, tmp_path, edit, words):
    assert words in _refusal_of_edited_copy(two[3], tmp_path, edit)


def test_data_and_model_may_follow_the_target_names(two, tmp_path, capsys):
    """``--target`` takes every word up to the next option: DATA (and evaluate's MODEL)
    written after the names are taken as they were after one name."""
    d, _, _, model = two
    assert main(["train", "--target", "t1", "t2", str(d / "data.csv"), "--hidden", "8",
                 "--epochs", "40", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    same = cr.load(tmp_path / "m.npz")
    np.testing.assert_array_equal(same.params, cr.load(model).params)
    capsys.readouterr()
    assert main(["evaluate", "--target", "t1", "t2", str(model), str(d / "data.csv"),
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert list(scores["targets"]) == ["t1", "t2"]
    assert _status(["train", "--target", "t1", "-q"]) == 2
    assert "the following arguments are required: DATA" in capsys.readouterr().err
    # without DATA, the last name is taken for it: no such file, said of it
    assert _status(["evaluate", str(model), "--target", "t1", "t2"]) == 2
    assert "no such file or bundled data set: t2" in capsys.readouterr().err


def _labels_csv(path, n: int = 120, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """A CSV of features x0, x1, x2 and two yes/no targets: a (no/yes) and b (0/1); returns
    the features and the 0/1 indicator matrix of (a == yes, b == 1)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    Y = np.column_stack([X[:, 0] + 0.3 * rng.normal(size=n) > 0,
                         X[:, 1] - X[:, 2] + 0.3 * rng.normal(size=n) > 0]).astype(int)
    rows = [f"{float(x[0])!r},{float(x[1])!r},{float(x[2])!r},{'yes' if t[0] else 'no'},{t[1]}"
            for x, t in zip(X, Y, strict=True)]
    path.write_text("x0,x1,x2,a,b\n" + "\n".join(rows) + "\n")
    return X, Y


@pytest.fixture(scope="module")
def labels(tmp_path_factory):
    d = tmp_path_factory.mktemp("labels")
    X, Y = _labels_csv(d / "data.csv")
    model = d / "model.npz"
    assert main(["train", str(d / "data.csv"), "--target", "a", "b", "--hidden", "6",
                 "--epochs", "30", "--val-fraction", "0", "-q", "-o", str(model)]) == 0
    return d, X, Y, model


def test_yes_no_targets_train_a_multi_label_classifier(labels, capsys):
    _, X, Y, model = labels
    meta = load_metadata(model)
    net = cr.load(model)
    assert meta["task"] == "classification" and meta["target_names"] == ["a", "b"]
    assert meta["labels"] == [["no", "yes"], ["0", "1"]]  # each target's, sorted
    assert "y_mean" not in meta
    assert net.n_outputs == 2 and net.output_activation.name == "sigmoid"
    assert net.loss.name == "log_loss"
    P = _outputs(model, X)
    assert metrics.accuracy_score(Y, (P > 0.5).astype(int)) > 0.8  # it learnt both labels
    capsys.readouterr()
    assert main(["info", str(model)]) == 0
    out = capsys.readouterr().out
    assert "classes of each target: a (no/yes), b (0/1)\n" in out
    assert "(mean log_loss summed over the 2 targets)" in out


def test_multi_label_evaluate_gives_subset_accuracy_hamming_and_log_loss(labels, capsys):
    d, X, Y, model = labels
    P = _outputs(model, X)
    pred = (P > 0.5).astype(int)
    capsys.readouterr()
    assert main(["evaluate", str(model), str(d / "data.csv"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert list(scores) == ["samples", "accuracy", "hamming_loss", "log_loss", "f1_macro",
                            "roc_auc", "average_precision", "brier", "ece", "calibration",
                            "targets"]
    # scikit-learn's accuracy_score of indicator rows: every label of a row right
    assert scores["accuracy"] == pytest.approx(metrics.accuracy_score(Y, pred), rel=1e-12)
    assert scores["accuracy"] == pytest.approx(np.mean((pred == Y).all(axis=1)), rel=1e-12)
    assert scores["hamming_loss"] == pytest.approx(metrics.hamming_loss(Y, pred), rel=1e-12)
    # the mean binary log loss over every example and target, written out
    binary = -(Y * np.log(P) + (1 - Y) * np.log(1 - P))
    assert scores["log_loss"] == pytest.approx(binary.mean(), rel=1e-10)
    for j, name in enumerate(["a", "b"]):
        assert scores["targets"][name]["accuracy"] == pytest.approx(
            np.mean(pred[:, j] == Y[:, j]), rel=1e-12)
        assert scores["targets"][name]["log_loss"] == pytest.approx(binary[:, j].mean(),
                                                                    rel=1e-10)


def test_multi_label_predict_writes_each_targets_label_and_probability(labels, capsys):
    d, X, _, model = labels
    P = _outputs(model, X)
    capsys.readouterr()
    assert main(["predict", str(model), str(d / "data.csv"), "--proba"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "a,b,proba_a,proba_b"
    rows = [line.split(",") for line in lines[1:]]
    assert [r[0] for r in rows] == ["yes" if p > 0.5 else "no" for p in P[:, 0]]
    assert [r[1] for r in rows] == ["1" if p > 0.5 else "0" for p in P[:, 1]]
    np.testing.assert_allclose(np.array([r[2:] for r in rows], dtype=float), P, rtol=1e-12)
    loaded = SavedModel.load(model)
    np.testing.assert_allclose(loaded.predict_proba(X), P, rtol=1e-12)
    np.testing.assert_allclose(loaded.predict_log_proba(X), np.log(P), rtol=1e-10)
    # a picture of one class per example is refused, by name
    assert _status(["plot", "confusion", model, d / "data.csv", "-o", d / "c.png"]) == 2
    assert "holds a multi-label classifier" in capsys.readouterr().err


def test_multi_label_targets_of_another_file_are_matched_by_their_labels(labels, tmp_path,
                                                                          capsys):
    _, _, _, model = labels
    (tmp_path / "new.csv").write_text("b,x2,x1,x0,a\n1,0,0,1,yes\n0,0,0,-1,maybe\n")
    assert _status(["evaluate", model, tmp_path / "new.csv"]) == 2
    err = capsys.readouterr().err
    assert "line 3, target 'a': 'maybe' is not one of the model's classes (no, yes)" in err


@pytest.mark.parametrize(("edit", "words"), [
    (lambda m: m.update(labels=[["no", "no"], ["0", "1"]]), "labels: 'no' appears 2 times"),
    (lambda m: m.update(labels=["no", "yes"]), "labels: expected 2 lists of two labels"),
    (lambda m: m.update(labels=[["no", "yes", "maybe"], ["0", "1"]]),
     "labels: expected 2 lists of two labels"),
])
def test_a_damaged_record_of_labels_is_refused(labels, tmp_path, edit, words):
    assert words in _refusal_of_edited_copy(labels[3], tmp_path, edit)


def test_gradcheck_checks_a_model_of_several_targets_on_its_data(two, labels, capsys):
    """gradcheck --model M --data D takes each target column (standardised as in training),
    as the network was trained on them; it refused a regression of several outputs.  Its
    cost J is the network's: the mean over the examples of the sum over the outputs."""
    import re

    for d, X, Y, model in (two, labels):
        capsys.readouterr()
        assert main(["gradcheck", "--model", str(model), "--data", str(d / "data.csv"),
                     "--samples", "10"]) == 0
        out = capsys.readouterr().out
        assert "PASS" in out
        meta, A = load_metadata(model), _outputs(model, X[:10])
        if "y_mean" in meta:  # squared error, 1/2 (a - t)^2, on the standardised targets
            T = (Y[:10] - meta["y_mean"]) / np.asarray(meta["y_scale"])
            cost = np.mean(0.5 * ((A - T) ** 2).sum(axis=1))
        else:  # log loss of each yes/no label
            T = Y[:10]
            cost = np.mean(-(T * np.log(A) + (1 - T) * np.log(1 - A)).sum(axis=1))
        assert float(re.search(r"cost J = (\S+)", out)[1]) == pytest.approx(cost, rel=1e-10)


def test_one_target_name_given_to_a_model_of_several_is_refused_by_name(two, labels, capsys):
    """evaluate --target t1 (or gradcheck --target t1) of a model of two targets read the
    one column and failed in scikit-learn ("different number of output (1!=2)"), in NumPy
    ("operands could not be broadcast") or on the other target's labels."""
    for d, _, _, model in (two, labels):
        data = str(d / "data.csv")
        first = load_metadata(model)["target_names"][0]
        capsys.readouterr()
        for argv in (["evaluate", str(model), data, "--target", first],
                     ["gradcheck", "--model", str(model), "--data", data, "--target", first]):
            assert _status(argv) == 2
            err = capsys.readouterr().err
            assert f"--target {first}:" in err and "2 targets per example" in err, err


def test_a_softmax_output_of_several_targets_fits_them_unstandardised(tmp_path, capsys):
    """--output softmax of targets that are shares in [0, 1]: its outputs lie in [0, 1], so
    the targets are taken as they are (as for a sigmoid), not standardised into values
    below 0 that cross_entropy refused ("needs targets in [0, 1], got ... (min -1.2 ...)")."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(60, 2))
    share = 1 / (1 + np.exp(-X[:, 0]))
    Y = np.column_stack([share, 1 - share])
    rows = [",".join(repr(float(v)) for v in (*x, *t)) for x, t in zip(X, Y, strict=True)]
    (tmp_path / "s.csv").write_text("a,b,p,q\n" + "\n".join(rows) + "\n")
    model, out = tmp_path / "m.npz", tmp_path / "pred.csv"
    assert main(["train", str(tmp_path / "s.csv"), "--target", "p", "q", "--output",
                 "softmax", "--hidden", "4", "--epochs", "5", "--val-fraction", "0", "-q",
                 "-o", str(model)]) == 0
    meta = load_metadata(model)
    assert "y_mean" not in meta and "y_scale" not in meta
    assert main(["predict", str(model), str(tmp_path / "s.csv"), "-o", str(out)]) == 0
    pred = np.loadtxt(out, delimiter=",", skiprows=1)
    np.testing.assert_allclose(pred.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(pred, _outputs(model, X), rtol=1e-12)
    capsys.readouterr()
    assert main(["evaluate", str(model), str(tmp_path / "s.csv"), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["mse"] == pytest.approx(metrics.mean_squared_error(Y, pred), rel=1e-9)
    # shares past [0, 1] are refused by the output's range, naming it
    rows = [",".join(repr(float(v)) for v in (*x, 2 * t[0], t[1])) for x, t in zip(X, Y,
                                                                                  strict=True)]
    (tmp_path / "w.csv").write_text("a,b,p,q\n" + "\n".join(rows) + "\n")
    assert _status(["train", str(tmp_path / "w.csv"), "--target", "p", "q", "--output",
                    "softmax", "--epochs", "1", "-o", str(tmp_path / "w.npz")]) == 2
    assert "--output softmax: its outputs lie in [0, 1]" in capsys.readouterr().err


def test_model_and_data_around_other_options_are_read_in_their_order(two, capsys):
    """MODEL and DATA became optional to argparse (so that --target's names may swallow
    them), which takes such positionals from the first run of words only: ``evaluate
    MODEL --json DATA`` was refused ("unrecognized arguments: DATA"), as it was not before
    --target took several names, and ``evaluate --target t1 t2 MODEL --json DATA`` read
    DATA as the model."""
    d, X, Y, model = two
    meta = load_metadata(model)
    pred = _outputs(model, X) * np.asarray(meta["y_scale"]) + np.asarray(meta["y_mean"])
    data = str(d / "data.csv")
    for argv in ([str(model), "--json", data], [str(model), "--unknown-categories", "error", data],
                 [str(model), "--target", "t1", "t2", "--json", data],
                 ["--target", "t1", "t2", str(model), "--json", data],
                 ["--json", str(model), "--target", "t1", "t2", data]):
        capsys.readouterr()
        assert main(["evaluate", *argv, *(["--json"] if "--json" not in argv else [])]) == 0
        scores = json.loads(capsys.readouterr().out)
        assert scores["mse"] == pytest.approx(metrics.mean_squared_error(Y, pred), rel=1e-9)
        assert scores["r2"] == pytest.approx(metrics.r2_score(Y, pred), rel=1e-9)
    # a word past MODEL and DATA is still refused
    assert _status(["evaluate", str(model), "--json", data, "extra"]) == 2
    assert "unrecognized arguments: extra" in capsys.readouterr().err
