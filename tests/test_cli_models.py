"""train / predict / evaluate / info / plot on a CSV written here.

The model is trained by ``python -m chainrule train`` run for real in a subprocess
(module fixture ``trained``); predict, evaluate, info and plot read its file through
``chainrule.cli.main`` in-process (``run_in_process``: exit status and streams as a
subprocess gives them).

The expected numbers are computed independently in the test: standardisation
with NumPy on the CSV's columns, the saved network's forward pass
(``chainrule.load``, which knows nothing of the metadata), argmax and
scikit-learn's ``log_loss`` / ``r2_score``.  The other picture kinds and the
regression path run in-process through ``chainrule.cli.main`` (no interpreter
start-up), to keep the suite fast.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import re

import numpy as np
import pytest

import chainrule as cr
from chainrule._tabular_columns import _mixed_hint
from chainrule.cli import main
from chainrule.io import load_metadata
from file_helpers import network_outputs as _reference
from test_cli import run, run_in_process

LABELS = ["cat", "dog", "eel"]


def _blobs(n_per_class: int = 15, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])
    X = np.concatenate([c + 0.6 * rng.normal(size=(n_per_class, 2)) for c in centres])
    y = np.repeat(LABELS, n_per_class)
    order = rng.permutation(len(y))
    return X[order] * [10.0, 1.0] + [100.0, 0.0], y[order]  # unequal scales: f1 ~ 100 +- 20


def _write_csv(path, header, rows) -> None:
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)


def _read_csv(path) -> tuple[list[str], list[list[str]]]:
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    X, y = _blobs()
    _write_csv(d / "data.csv", ["f1", "f2", "kind"],
               [[f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, y, strict=True)])
    X = np.array([[float(f"{v:.6f}") for v in row] for row in X])  # what the file holds
    proc = run("train", str(d / "data.csv"), "--target", "kind", "--hidden", "8",
               "--epochs", "40", "--lr", "0.05", "--val-fraction", "0", "--seed", "1",
               "-o", str(d / "model.npz"), "--plot", str(d / "loss.png"), "-q")
    assert proc.returncode == 0, proc.stderr
    assert "model written to" in proc.stdout
    return d, X, y


def test_train_stores_labels_names_and_training_statistics(trained):
    import matplotlib.image as mpimg

    d, X, _ = trained
    meta = load_metadata(d / "model.npz")
    assert meta["labels"] == LABELS and meta["task"] == "classification"
    assert meta["feature_names"] == ["f1", "f2"] and meta["target_name"] == "kind"
    np.testing.assert_allclose(meta["x_mean"], X.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(meta["x_scale"], X.std(axis=0), rtol=1e-12)
    assert len(meta["history"]["loss"]) == 40
    assert mpimg.imread(d / "loss.png").shape[:2] == (500, 800)


def test_predict_takes_columns_by_name_and_matches_the_network(trained, capsys):
    d, X, y = trained
    # columns in another order, the target first: features are found by name
    _write_csv(d / "shuffled.csv", ["kind", "f2", "f1"],
               [[c, f"{b:.6f}", f"{a:.6f}"] for (a, b), c in zip(X, y, strict=True)])
    proc = run_in_process(capsys, "predict", str(d / "model.npz"), str(d / "shuffled.csv"),
                          "--proba", "-o", str(d / "pred.csv"))
    assert proc.returncode == 0, proc.stderr
    header, rows = _read_csv(d / "pred.csv")
    assert header == ["kind", "proba_cat", "proba_dog", "proba_eel"]
    P = _reference(d / "model.npz", X)
    assert [r[0] for r in rows] == [LABELS[i] for i in P.argmax(axis=1)]
    np.testing.assert_allclose(np.array([r[1:] for r in rows], dtype=float), P, atol=1e-8)
    assert np.mean([r[0] for r in rows] == y) >= 0.9  # three well-separated blobs


def test_evaluate_says_when_its_data_is_the_training_data(tmp_path, capsys):
    # evaluate scored every row of the data the model was trained on and printed "wine: 178
    # examples", which read as a test score; it now says which rows those are
    import shutil

    from sklearn.model_selection import train_test_split

    model = str(tmp_path / "wine.npz")
    assert main(["train", "wine", "--epochs", "1", "--seed", "4", "-q", "-o", model]) == 0
    n = 178
    held = len(train_test_split(np.arange(n), test_size=0.1, random_state=4)[1])  # 18
    capsys.readouterr()
    assert main(["evaluate", model, "wine"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == (
        f"wine: {n} examples, the data the model was trained on ({n - held} training and "
        f"{held} validation examples; none held out: not a test score)")
    assert main(["evaluate", model, "wine", "--json"]) == 0
    assert list(json.loads(capsys.readouterr().out)) == [
        "samples", "accuracy", "log_loss", "balanced_accuracy", "f1_macro", "roc_auc",
        "average_precision", "brier", "ece", "calibration"]
    # a file: the same one (another path to it) is said to be, and so is a copy of it: the
    # same rows, whatever the path (train records the SHA-256 of its data as read)
    data, copy = tmp_path / "d.csv", tmp_path / "copy.csv"
    _write_csv(data, ["a", "b", "y"], [[i, i % 7, i % 2] for i in range(30)])
    shutil.copy(data, copy)
    model = str(tmp_path / "d.npz")
    assert main(["train", str(data), "--epochs", "1", "--val-fraction", "0", "-q", "-o",
                 model]) == 0
    capsys.readouterr()
    seen = ", the data the model was trained on (all 30 training examples; none held out: " \
           "not a test score)"
    for given, words in [(data, seen), (os.path.join(tmp_path, ".", "d.csv"), seen), (copy, seen)]:
        assert main(["evaluate", model, str(given)]) == 0
        first = capsys.readouterr().out.splitlines()[0]
        assert first == f"{os.path.normpath(given)}: 30 examples{words}"


def test_evaluate_reports_accuracy_and_log_loss(trained, capsys):
    from sklearn.metrics import log_loss

    d, X, y = trained
    proc = run_in_process(capsys, "evaluate", str(d / "model.npz"), str(d / "data.csv"),
                          "--json")
    assert proc.returncode == 0, proc.stderr
    scores = json.loads(proc.stdout)
    P = _reference(d / "model.npz", X)
    truth = np.searchsorted(LABELS, y)
    assert scores["samples"] == len(y)
    assert scores["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == truth), abs=1e-12)
    assert scores["log_loss"] == pytest.approx(log_loss(truth, P), rel=1e-9)
    assert list(scores) == ["samples", "accuracy", "log_loss", "balanced_accuracy", "f1_macro",
                            "roc_auc", "average_precision", "brier", "ece", "calibration"]


def test_info_lists_layers_shapes_activations_and_parameter_count(trained, capsys):
    d, _, _ = trained
    proc = run_in_process(capsys, "info", str(d / "model.npz"), "--json")
    assert proc.returncode == 0, proc.stderr
    info = json.loads(proc.stdout)
    assert [(r["input"], r["output"], r["activation"], r["params"]) for r in info["layers"]] == [
        (2, 8, "relu", {"W": [2, 8], "b": [8]}),
        (8, 3, "softmax", {"W": [8, 3], "b": [3]}),
    ]
    assert info["n_params"] == 2 * 8 + 8 + 8 * 3 + 3 == 51
    assert info["labels"] == LABELS and info["loss"] == "cross_entropy"


def test_info_names_the_recorded_cost(trained, tmp_path, capsys):
    d, _, _ = trained
    assert main(["info", str(d / "model.npz")]) == 0
    h = load_metadata(d / "model.npz")["history"]
    last = capsys.readouterr().out.splitlines()[-1]
    assert last == f"last epoch's mean training cost {h['loss'][-1]:.4g} (mean cross_entropy)"
    assert main(["train", str(d / "data.csv"), "--hidden", "4", "--epochs", "3", "--seed", "2",
                 "--weight-decay", "0.01", "-q", "-o", str(tmp_path / "decay.npz")]) == 0
    out = capsys.readouterr().out
    h = load_metadata(tmp_path / "decay.npz")["history"]
    assert main(["info", str(tmp_path / "decay.npz")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"last epoch's mean training cost {h['loss'][-1]:.4g}, "
        f"validation cost {h['val_loss'][-1]:.4g} "
        "(mean cross_entropy + weight decay)")
    assert "; training accuracy " in out and ", log loss " in out


def test_regression_scores_are_in_target_units_and_the_cost_is_named(tmp_path, capsys):
    rng = np.random.default_rng(0)
    x = rng.normal(size=200)
    y = 10 * x + 5 * rng.normal(size=200)
    _write_csv(tmp_path / "noisy.csv", ["x", "y"], [[f"{a:.5f}", f"{b:.5f}"] for a, b in
                                                     zip(x, y, strict=True)])
    x, y = (np.array([float(f"{v:.5f}") for v in a]) for a in (x, y))  # what the file holds
    model = str(tmp_path / "noisy.npz")
    assert main(["train", str(tmp_path / "noisy.csv"), "--hidden", "--epochs", "30",
                 "--val-fraction", "0.2", "-q", "-o", model]) == 0
    line = capsys.readouterr().out.splitlines()[-2]
    assert " loss " not in line
    val_mse = float(re.search(r"; validation mean squared error ([\d.e+-]+), rmse", line)[1])
    meta = load_metadata(model)
    h = meta["history"]
    # the network's cost is 1/2 (prediction - target)^2 on the target standardised by y_scale:
    # in the target's units, the mean squared error is twice the cost times y_scale^2
    assert val_mse == pytest.approx(2 * h["val_loss"][-1] * meta["y_scale"] ** 2, rel=1e-3)
    assert main(["info", model]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"last epoch's mean training cost {h['loss'][-1]:.4g}, "
        f"validation cost {h['val_loss'][-1]:.4g} "
        "(mean squared_error on the standardised target)")
    pred = _reference(model, x[:, None])[:, 0] * meta["y_scale"] + meta["y_mean"]
    mse = float(np.mean((pred - y) ** 2))
    assert main(["evaluate", model, str(tmp_path / "noisy.csv")]) == 0
    assert capsys.readouterr().out.splitlines()[1:3] == [
        f"mean squared error: {mse:.6g}", f"rmse: {np.sqrt(mse):.6g}"]


def test_plot_regions_command_writes_png(trained, capsys):
    import matplotlib.image as mpimg

    d, _, _ = trained
    proc = run_in_process(capsys, "plot", "regions", str(d / "model.npz"),
                          str(d / "data.csv"), "-o", str(d / "regions.png"))
    assert proc.returncode == 0, proc.stderr
    image = mpimg.imread(d / "regions.png")
    assert image.shape[:2] == (400, 400) and image.std() > 0.05


def test_plot_weights_loss_and_confusion_in_process(trained, capsys):
    import matplotlib.image as mpimg

    d, _, _ = trained
    model = str(d / "model.npz")
    # 2 inputs are no square image: --shape 1 2; 8 units -> 3 x 3 tiles of 80 px + title,
    # the picture widened where the title and 0.1 inch a side are wider than the tiles
    assert main(["plot", "weights", model, "--shape", "1", "2", "-o", str(d / "w.png")]) == 0
    height, width = mpimg.imread(d / "w.png").shape[:2]
    assert height == 3 * 40 + 40 and 3 * 80 <= width <= 3 * 80 + 20
    assert main(["plot", "loss", model, "-o", str(d / "l.png")]) == 0
    assert mpimg.imread(d / "l.png").shape[:2] == (500, 800)
    assert main(["plot", "confusion", model, str(d / "data.csv"), "-o", str(d / "c.png")]) == 0
    assert mpimg.imread(d / "c.png").shape[:2] == (500, 600)
    assert main(["plot", "weights", model, "-o", str(d / "x.png")]) == 2
    assert "--shape H W" in capsys.readouterr().err


def test_plot_weights_shape_that_does_not_fit_names_the_option(trained, capsys):
    """--shape 3 3 on a model of 2 inputs: the message names --shape, not shape=.

    Before, the library's message ("shape must be (height, width) ...") reached
    the user of the command line, naming an argument they never typed.
    """
    d, _, _ = trained
    n_in = cr.load(d / "model.npz").layers[0].W.shape[0]  # the first layer's inputs
    out = d / "never.png"
    assert main(["plot", "weights", str(d / "model.npz"), "--shape", "3", "3",
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--shape 3 3 makes 9 pixels, the model's first layer has {n_in} inputs" in err
    assert f"give --shape H W with H * W = {n_in}" in err
    assert "shape must" not in err and not out.exists()
    with pytest.raises(ValueError, match=r"^shape must be \(height, width\)"):
        cr.plots.first_layer_tiles(cr.load(d / "model.npz"), shape=(3, 3))  # the API's words


def test_plot_weights_shape_of_a_conv_model_is_refused_not_ignored(tmp_path, capsys):
    """--shape 2 2 on a model whose first layer is a Conv2D of 3 x 3 kernels drew the
    kernels at 3 x 3 and said nothing of the option; it is refused, naming it."""
    model, out = tmp_path / "cnn.npz", tmp_path / "never.png"
    net = cr.Network([cr.Conv2D(1, 2, 3, seed=0), cr.Flatten(), cr.Dense(18, 2,
                                                                        "softmax")],
                     loss="cross_entropy", input_shape=(1, 5, 5))
    cr.io.save(net, model)
    assert main(["plot", "weights", str(model), "--shape", "2", "2", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert ("--shape 2 2: the model's first layer is a Conv2D, whose kernels are drawn at "
            "their own size") in err
    assert not out.exists()
    assert main(["plot", "weights", str(model), "-o", str(out)]) == 0  # without: drawn
    assert out.exists()


@pytest.mark.parametrize("output", [["--output", "exp"], []], ids=["exp", "default"])
def test_poisson_regression_keeps_its_counts(tmp_path, capsys, output):
    """--loss poisson: the target is not standardised (centring made counts negative).

    Before, ``train`` centred the counts and the Poisson loss refused the negative
    values.  The predictions are exp of the network's net input on standardised
    features, in the counts' own units.  Without ``--output`` the output is exp,
    the Poisson loss's link (it was identity, which the loss refused).
    """
    rng = np.random.default_rng(4)
    X = rng.normal(size=(80, 2))
    y = rng.poisson(np.exp(1.0 + 0.5 * X[:, 0])).astype(float)
    np.savez(tmp_path / "counts.npz", X=X, n=y)
    assert main(["train", str(tmp_path / "counts.npz"), "--target", "n", "--hidden", "4",
                 *output, "--loss", "poisson", "--epochs", "30", "-q",
                 "-o", str(tmp_path / "model")]) == 0, capsys.readouterr().err
    meta = load_metadata(tmp_path / "model.npz")
    assert meta["task"] == "regression" and "y_mean" not in meta and "y_scale" not in meta
    assert meta["training"]["output"] == "exp" and meta["training"]["loss"] == "poisson"
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "counts.npz"),
                 "-o", str(tmp_path / "p.csv")]) == 0
    _, rows = _read_csv(tmp_path / "p.csv")
    pred = np.array(rows, dtype=float)[:, 0]
    net = cr.load(tmp_path / "model.npz")
    Xs = (X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])
    H = np.maximum(Xs @ net.layers[0].W + net.layers[0].b, 0)  # ReLU, the default
    np.testing.assert_allclose(pred, np.exp(H @ net.layers[1].W + net.layers[1].b)[:, 0],
                               rtol=1e-8)
    assert np.all(pred > 0)


def test_a_bounded_output_predicts_the_target_as_it_is(tmp_path, capsys):
    """--output relu (or exp, softplus, sigmoid, ...) on a regression: the target was
    centred all the same, so the network, whose outputs are >= 0, could not predict
    anything below the mean.  Now such a target is kept as it is (no y_mean / y_scale);
    the reference is the forward pass written out here, and predictions reach below the
    mean.  A target outside the output's range is refused, naming both."""
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(120, 2))
    y = 4.0 + 3.0 * X[:, 0]  # from 1 to 7: >= 0, as a ReLU output
    np.savez(tmp_path / "pos.npz", X=X, t=y)
    assert main(["train", str(tmp_path / "pos.npz"), "--target", "t", "--hidden", "8",
                 "--output", "relu", "--epochs", "200", "--lr", "0.05", "-q",
                 "-o", str(tmp_path / "model")]) == 0, capsys.readouterr().err
    meta = load_metadata(tmp_path / "model.npz")
    assert meta["task"] == "regression" and "y_mean" not in meta
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "pos.npz"),
                 "-o", str(tmp_path / "p.csv")]) == 0
    _, rows = _read_csv(tmp_path / "p.csv")
    pred = np.array(rows, dtype=float)[:, 0]
    net = cr.load(tmp_path / "model.npz")
    Xs = (X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])
    H = np.maximum(Xs @ net.layers[0].W + net.layers[0].b, 0)
    np.testing.assert_allclose(pred, np.maximum(H @ net.layers[1].W + net.layers[1].b, 0)[:, 0],
                               rtol=1e-8)
    assert pred.min() < y.mean() - 1.5  # below the mean, which a centred target ruled out
    np.savez(tmp_path / "neg.npz", X=X, t=y - 10.0)
    capsys.readouterr()
    assert main(["train", str(tmp_path / "neg.npz"), "--target", "t", "--output", "exp",
                 "--epochs", "1", "-q", "-o", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "--output exp: its outputs lie in [0, inf], but the target 't' runs from" in err
    assert not (tmp_path / "never.npz").exists()
    assert main(["train", str(tmp_path / "neg.npz"), "--target", "t", "--loss", "poisson",
                 "--epochs", "1", "-q", "-o", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert "the exp output (the default for --loss poisson): its outputs lie in" in err
    assert "the Poisson loss models counts, which are >= 0" in err

def test_regression_from_npz_in_process(tmp_path, capsys):
    from sklearn.metrics import r2_score

    rng = np.random.default_rng(3)
    X = rng.uniform(-1, 1, size=(60, 2)) * [1.0, 50.0]
    y = 300.0 + 20.0 * X[:, 0] - 0.4 * X[:, 1]
    np.savez(tmp_path / "lin.npz", X=X, t=y)
    assert main(["train", str(tmp_path / "lin.npz"), "--target", "t", "--hidden",
                 "--epochs", "150", "--lr", "0.05", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "model")]) == 0
    meta = load_metadata(tmp_path / "model.npz")
    assert meta["task"] == "regression"  # 60 distinct real targets
    assert meta["y_mean"] == pytest.approx(y.mean()) and meta["y_scale"] == pytest.approx(y.std())
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "lin.npz"),
                 "-o", str(tmp_path / "p.csv")]) == 0
    header, rows = _read_csv(tmp_path / "p.csv")
    pred = np.array(rows, dtype=float)[:, 0]
    expected = _reference(tmp_path / "model.npz", X)[:, 0] * y.std() + y.mean()
    assert header == ["t"]
    np.testing.assert_allclose(pred, expected, rtol=1e-8)
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "model.npz"), str(tmp_path / "lin.npz"),
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert list(scores) == ["samples", "mse", "rmse", "mae", "r2"]
    assert scores["mse"] == pytest.approx(np.mean((expected - y) ** 2), rel=1e-8)
    assert scores["r2"] == pytest.approx(r2_score(y, expected), rel=1e-8)
    assert scores["r2"] > 0.99  # a linear model of a linear function


@pytest.mark.parametrize(("content", "command", "words", "subprocess"), [
    ("f1,f2,kind\n1,2,cat\n3,4\n", "train", "line 3: malformed CSV: 2 fields, the header has 3",
     True),
    ("f1,kind\n1,cat\n3,dog\n", "predict", "missing column 'f2' that the model was trained on",
     True),
    # the same handler in-process (no interpreter start-up)
    ("f1,f2,kind\n1,2,cat\n3,abc,dog\n", "train", "line 3, column 'f2': not a number: 'abc'",
     False),
    ("f1,f2,kind\n1,2,cat\n3,4,dog\n", "train --target species", "missing column 'species'",
     False),
])
def test_bad_csv_gives_one_line_error(trained, tmp_path, capsys, content, command, words,
                                      subprocess):
    d, _, _ = trained
    (tmp_path / "bad.csv").write_text(content)
    args = command.split()
    if args[0] == "predict":
        args.append(str(d / "model.npz"))
    args += [str(tmp_path / "bad.csv"), "-q" if args[0] == "train" else "--proba"]
    if subprocess:
        proc = run(*args)
        code, err = proc.returncode, proc.stderr
    else:
        code, err = main(args), capsys.readouterr().err
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("chainrule: error: ")
    assert str(tmp_path / "bad.csv") in lines[0] and words in lines[0]


def test_a_text_feature_is_refused_with_how_to_encode_it(tmp_path, capsys):
    # "not a number: 'red'" alone left the user to guess that the commands take numbers
    # only: the message says to one-hot encode the column, or to use the estimators
    # in a Pipeline with a OneHotEncoder; the file, line and column as before.  A CSV
    # column of text alone is one-hot encoded by train now (test_cli_categorical.py); one
    # of numbers and text, as here, is refused, saying how to make it categorical
    (tmp_path / "cars.csv").write_text("power,color,y\n90,1,0\n120,red,1\n")
    np.savez(tmp_path / "cars.npz", X=np.array([["90", "1"], ["120", "red"]]), y=[0, 1])
    hints = {"cars.csv": "; the column holds both numbers and text: correct the cell, or name "
             "the column categorical to one-hot encode each of its values (--categorical "
             "color on the command line, categorical=['color'] from Python)",
             "cars.npz": "; features must be numbers: one-hot encode a column of "
             "categories first (one 0/1 column per category), or, from Python, "
             "fit chainrule.MLPClassifier or MLPRegressor in a scikit-learn "
             "Pipeline after a OneHotEncoder (sklearn.compose.make_column_transformer)"}
    for name, where in [("cars.csv", " line 3, column 'color': not a number: 'red'"),
                        ("cars.npz", ": 'X' must be a non-empty numeric array")]:
        assert main(["train", str(tmp_path / name), "-q", "-o", str(tmp_path / "m")]) == 2
        (line,) = capsys.readouterr().err.splitlines()
        assert line.startswith(f"chainrule: error: {tmp_path / name}{where}")
        assert line.endswith(hints[name])
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("marker", ["NA", "n/a", "NULL", "None", "?", "#N/A"])
def test_a_missing_value_marker_among_numbers_is_named_missing_not_a_category(
        tmp_path, capsys, marker):
    """A single "NA" (or "?", "NULL", ...) in a column of numbers got the text-feature hint,
    "one-hot encode a column of categories", which misleads for a gap: such a cell is
    called a missing value now, with what to do (the file, line and column as before); a
    word that is no marker keeps the encoding hint (the test above)."""
    (tmp_path / "cars.csv").write_text(f"power,weight,y\n90,1.5,0\n120,{marker},1\n")
    assert main(["train", str(tmp_path / "cars.csv"), "-q", "-o", str(tmp_path / "m")]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    # train fills it with --impute, which the message names
    assert line == (f"chainrule: error: {tmp_path / 'cars.csv'} line 3, column 'weight': "
                    f"missing value (written {marker!r}) (give --impute to fill it)")
    assert not (tmp_path / "m.npz").exists()


def test_corrupted_model_file_gives_one_line_error(trained, tmp_path, capsys):
    d, _, _ = trained
    data = bytearray((d / "model.npz").read_bytes())
    data[len(data) // 3: len(data) // 3 + 40] = b"\xff" * 40
    (tmp_path / "bad.npz").write_bytes(bytes(data))
    assert main(["info", str(tmp_path / "bad.npz")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a readable chainrule file" in err[0]


def test_labels_keep_their_text_sort_by_value_and_map_back():
    from chainrule.saved_model import encode_labels, fit_labels

    labels, index = fit_labels(np.array(["10", "2", "1.0", "2", "01", "1"]))
    # text kept as written; sorted by value, then as text (not "01" < "1" < "10" < "2")
    assert labels == ["01", "1", "1.0", "2", "10"]
    assert index.tolist() == [4, 3, 2, 3, 0, 1]
    assert encode_labels(np.array(["10", "1.0", " 2", "01"]), labels).tolist() == [4, 2, 3, 0]
    assert encode_labels(np.array([2.0, 10]), labels).tolist() == [3, 4]  # numbers by value
    with pytest.raises(ValueError, match=r"'1\.00' is not one of the model's classes"):
        encode_labels(np.array(["1.00"]), labels)  # 01, 1 and 1.0 all have the value 1
    with pytest.raises(ValueError, match="'3' is not one of the model's classes"):
        encode_labels(np.array(["3"]), labels)
    # numeric arrays (NPZ files, bundled sets) and models written before: numbers
    labels, index = fit_labels(np.array([10, 2, 1, 2]))
    assert labels == [1, 2, 10] and index.tolist() == [2, 1, 0, 1]
    assert encode_labels(np.array(["10", "1.0", "2"]), labels).tolist() == [2, 0, 1]
    assert encode_labels(np.array([2.0, 10.0]), labels).tolist() == [1, 2]
    assert fit_labels(np.array(["b", "a", "10", "b"]))[0] == ["10", "a", "b"]  # text order


def _train_blobs(tmp_path, names: list[str], epochs: int = 60) -> tuple[np.ndarray, np.ndarray]:
    """Train in-process on three blobs labelled ``names``; returns the features and labels."""
    X, y = _blobs()
    y = np.array([names[LABELS.index(c)] for c in y])
    _write_csv(tmp_path / "data.csv", ["f1", "f2", "code"],
               [[f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, y, strict=True)])
    X = np.array([[float(f"{v:.6f}") for v in row] for row in X])
    assert main(["train", str(tmp_path / "data.csv"), "--hidden", "8", "--epochs", str(epochs),
                 "--lr", "0.05", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "model.npz")]) == 0
    return X, y


def test_text_labels_that_look_like_numbers_stay_as_written(tmp_path, capsys):
    X, y = _train_blobs(tmp_path, ["1.0", "01", "1"])  # three classes of the value 1
    out = capsys.readouterr().out
    assert "classification, 3 classes (01, 1, 1.0)" in out
    assert load_metadata(tmp_path / "model.npz")["labels"] == ["01", "1", "1.0"]
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "data.csv"), "--proba",
                 "-o", str(tmp_path / "pred.csv")]) == 0
    header, rows = _read_csv(tmp_path / "pred.csv")
    assert header == ["code", "proba_01", "proba_1", "proba_1.0"]
    P = _reference(tmp_path / "model.npz", X)
    written = [r[0] for r in rows]
    assert written == [["01", "1", "1.0"][i] for i in P.argmax(axis=1)]
    assert set(written) == {"01", "1", "1.0"} and np.mean(np.array(written) == y) >= 0.9
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "model.npz"), str(tmp_path / "data.csv"),
                 "--json"]) == 0
    truth = np.array([["01", "1", "1.0"].index(c) for c in y])
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == truth), abs=1e-12)
    # a value that matches several classes is refused, not guessed
    (tmp_path / "one.csv").write_text("f1,f2,code\n100,0,1.00\n")
    assert main(["evaluate", str(tmp_path / "model.npz"), str(tmp_path / "one.csv")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: ") and len(err.strip().splitlines()) == 1
    assert "line 2, target 'code': '1.00' is not one of the model's classes (01, 1, 1.0)" in err


def test_whole_number_labels_with_decimals_come_back_as_written(tmp_path, capsys):
    X, y = _train_blobs(tmp_path, ["3.0", "7.0", "10.0"])
    assert load_metadata(tmp_path / "model.npz")["labels"] == ["3.0", "7.0", "10.0"]
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "data.csv")]) == 0
    lines = capsys.readouterr().out.splitlines()
    P = _reference(tmp_path / "model.npz", X)
    assert lines == ["code", *(["3.0", "7.0", "10.0"][i] for i in P.argmax(axis=1))]
    # evaluate on targets written 3, 7, 10: each has one class of its value
    _write_csv(tmp_path / "ints.csv", ["f1", "f2", "code"],
               [[f"{a:.6f}", f"{b:.6f}", c[:-2]] for (a, b), c in zip(X, y, strict=True)])
    assert main(["evaluate", str(tmp_path / "model.npz"), str(tmp_path / "ints.csv"),
                 "--json"]) == 0
    truth = np.array([["3.0", "7.0", "10.0"].index(c) for c in y])
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == truth), abs=1e-12)
    assert scores["accuracy"] >= 0.9


def test_model_files_with_numeric_labels_still_predict_and_evaluate(tmp_path, capsys):
    X, y = _train_blobs(tmp_path, ["1", "2", "10"])
    # a model file written before labels were kept as text: the labels are JSON numbers
    data = dict(np.load(tmp_path / "model.npz"))
    meta = json.loads(str(data.pop("__meta__")))
    assert meta["metadata"]["labels"] == ["1", "2", "10"]
    meta["metadata"]["labels"] = [1, 2, 10]
    np.savez(tmp_path / "old.npz", __meta__=np.array(json.dumps(meta)), **data)
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "old.npz"), str(tmp_path / "data.csv")]) == 0
    P = _reference(tmp_path / "old.npz", X)
    assert capsys.readouterr().out.splitlines()[1:] == [["1", "2", "10"][i]
                                                        for i in P.argmax(axis=1)]
    # targets written 1.0, 2.0, 10.0 match the numbers 1, 2, 10
    _write_csv(tmp_path / "floats.csv", ["f1", "f2", "code"],
               [[f"{a:.6f}", f"{b:.6f}", f"{c}.0"] for (a, b), c in zip(X, y, strict=True)])
    assert main(["evaluate", str(tmp_path / "old.npz"), str(tmp_path / "floats.csv"),
                 "--json"]) == 0
    truth = np.array([["1", "2", "10"].index(c) for c in y])
    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == truth), abs=1e-12)


@pytest.mark.parametrize("command", ["train", "evaluate", "predict", "info", "plot"])
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as stop:
        main([command, "--help"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: chainrule {command}")


def test_io_metadata_round_trip_and_refusals(tmp_path):
    from chainrule.io import save

    net = cr.mlp([3, 2], seed=0)
    meta = {"labels": ["a", 2], "x_mean": [0.5, -1.25, 3.0], "nested": {"k": [1, 2]}}
    path = save(net, tmp_path / "m", metadata=meta)
    assert path.name == "m.npz" and load_metadata(path) == meta
    np.testing.assert_array_equal(cr.load(path).params, net.params)  # load ignores metadata
    assert load_metadata(save(net, tmp_path / "plain.npz")) == {}
    with pytest.raises(ValueError, match="JSON-serialisable"):
        save(net, tmp_path / "x.npz", metadata={"bad": np.float64(np.nan)})
    with pytest.raises(ValueError, match="JSON-serialisable"):
        save(net, tmp_path / "x.npz", metadata={"bad": object()})


def _edited(src, dst, change) -> None:
    """Copy the model file ``src`` to ``dst`` with ``change(metadata)`` applied."""
    data = dict(np.load(src))
    meta = json.loads(str(data.pop("__meta__")))
    change(meta["metadata"])
    np.savez(dst, __meta__=np.array(json.dumps(meta)), **data)


def _setter(key, value):
    return lambda md: md.__setitem__(key, value)


_GONE = object()  # the key is removed


@pytest.mark.parametrize(("key", "value", "problem"), [
    ("labels", ["cat"], "labels: 1 label for a network with 3 outputs"),
    ("labels", [*LABELS, "fish"], "labels: 4 labels for a network with 3 outputs"),
    ("labels", ["cat", "dog", "cat"], "labels: 'cat' appears 2 times"),
    ("labels", "cat dog eel", "labels: expected a list of strings or numbers"),
    ("labels", ["cat", None, "eel"], "labels: expected a list of strings or numbers"),
    ("labels", _GONE, "labels: missing for a classification model"),
    ("task", "banana", "task: 'banana', expected 'classification' or 'regression'"),
    ("task", _GONE, "task: missing"),
    ("training", "x", "training: expected a JSON object of settings, got 'x'"),
    ("x_mean", [0.0, 0.0, 0.0], "x_mean: 3 values for a network with 2 inputs"),
    ("x_mean", [0.0, None], "x_mean: expected a list of finite numbers"),
    ("x_scale", _GONE, "x_scale: missing, though x_mean is there"),
    ("x_scale", [1.0, 0.0], "x_scale: expected positive numbers"),
    ("feature_names", ["f1", "f1"], "feature_names: 'f1' appears 2 times"),
    ("feature_names", ["f1"], "feature_names: 1 name for a network with 2 inputs"),
    ("target_name", 5, "target_name: expected a string, got 5"),
    ("history", {"loss": "x"}, "history: 'loss' is not a list of finite numbers"),
    ("y_mean", 1.5, "y_scale: missing, though y_mean is there"),
])
def test_model_metadata_that_disagrees_with_the_network_is_refused(trained, tmp_path, capsys,
                                                                   key, value, problem):
    d, _, _ = trained
    bad = str(tmp_path / "bad.npz")
    _edited(d / "model.npz", bad,
            (lambda md: md.pop(key)) if value is _GONE else _setter(key, value))
    message = f"chainrule: error: {bad}: corrupted chainrule model file ({problem})\n"
    png = tmp_path / "loss.png"
    for command in (["predict", bad, str(d / "data.csv"), "--proba"],
                    ["evaluate", bad, str(d / "data.csv")], ["info", bad],
                    ["plot", "loss", bad, "-o", str(png)],
                    ["plot", "confusion", bad, str(d / "data.csv"), "-o", str(png)]):
        assert main(command) == 2, command
        captured = capsys.readouterr()
        assert captured.out == ""
        assert captured.err == message
    assert not png.exists()


def test_one_sigmoid_output_takes_two_labels(tmp_path, capsys):
    from chainrule.saved_model import SavedModel

    net = cr.mlp([2, 3, 1], output="sigmoid", seed=0)
    meta = {"task": "classification", "labels": ["no", "yes"], "feature_names": ["u", "v"]}
    SavedModel(net, meta).save(tmp_path / "two.npz")
    _write_csv(tmp_path / "x.csv", ["u", "v"], [["0.5", "-1"], ["-2", "3"]])
    assert main(["predict", str(tmp_path / "two.npz"), str(tmp_path / "x.csv"), "--proba"]) == 0
    p = net.forward(np.array([[0.5, -1.0], [-2.0, 3.0]]))[:, 0]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction,proba_no,proba_yes"
    got = [line.split(",") for line in lines[1:]]
    assert [g[0] for g in got] == [["no", "yes"][int(v > 0.5)] for v in p]
    np.testing.assert_allclose(np.array([g[1:] for g in got], dtype=float),
                               np.column_stack([1 - p, p]), atol=1e-8)
    _edited(tmp_path / "two.npz", tmp_path / "three.npz",
            _setter("labels", ["no", "yes", "maybe"]))
    assert main(["predict", str(tmp_path / "three.npz"), str(tmp_path / "x.csv"),
                 "--proba"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == (
        f"chainrule: error: {tmp_path / 'three.npz'}: corrupted chainrule model file "
        "(labels: 3 labels for a network with 1 output)\n")


@pytest.mark.parametrize(("features", "named"), [
    (["f1", "f1"], "column 'f1'"),
    (["f2", "f1", "f2", "f1"], "columns 'f2', 'f1'"),
])
def test_train_refuses_a_feature_given_twice(trained, tmp_path, capsys, features, named):
    d, _, _ = trained
    code = main(["train", str(d / "data.csv"), "--features", *features, "--epochs", "1", "-q",
                 "-o", str(tmp_path / "x.npz")])
    assert code == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: duplicate feature {named} (--features): each column can be taken "
        f"once (got {', '.join(features)})\n")
    assert not (tmp_path / "x.npz").exists()


def test_train_refuses_the_target_as_a_feature(trained, tmp_path, capsys):
    d, _, _ = trained
    code = main(["train", str(d / "data.csv"), "--features", "f1", "kind", "--target", "kind",
                 "--epochs", "1", "-q", "-o", str(tmp_path / "x.npz")])
    assert code == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {d / 'data.csv'}: the target column 'kind' is also a feature "
        "(--features); a model must not be given its target as an input\n")
    assert not (tmp_path / "x.npz").exists()


def test_a_last_column_taken_as_target_and_named_as_feature_points_to_target(
        trained, tmp_path, capsys):
    d, _, _ = trained
    header = (d / "data.csv").read_text().splitlines()[0].split(",")
    code = main(["train", str(d / "data.csv"), "--features", header[0], header[-1],
                 "--epochs", "1", "-q", "-o", str(tmp_path / "x.npz")])
    assert code == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {d / 'data.csv'}: the target column {header[-1]!r} is also a "
        "feature (--features); a model must not be given its target as an input; it is the "
        "last column, the target when none is named: name the target column (--target on the "
        "command line)\n")
    assert not (tmp_path / "x.npz").exists()


@pytest.mark.parametrize("command", [["info", "MODEL"], ["predict", "MODEL", "DATA"],
                                     ["evaluate", "MODEL", "DATA"],
                                     ["plot", "loss", "MODEL", "-o", "PNG"]])
def test_a_directory_given_as_the_model_is_named_as_such(trained, tmp_path, capsys, command):
    d, _, _ = trained
    (tmp_path / "adir.npz").mkdir()
    model = str(tmp_path / "adir.npz")
    where = {"MODEL": model, "DATA": str(d / "data.csv"), "PNG": str(tmp_path / "x.png")}
    assert main([where.get(a, a) for a in command]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"chainrule: error: {model} is a directory, not a model file\n"


def _write_small_csv(path, n: int = 60) -> None:
    """The testers' table: three numeric features and a text class, 'cat' or 'dog'."""
    X = np.random.default_rng(0).normal(size=(n, 3))
    _write_csv(path, ["a", "b", "c", "species"],
               [[f"{a:.4f}", f"{b:.4f}", f"{c:.4f}", "cat" if a + b > 0 else "dog"]
                for a, b, c in X])


@pytest.mark.parametrize("umask", [0o022, 0o077])
def test_model_file_gets_the_usual_mode_from_the_umask(tmp_path, capsys, umask):
    import os
    import stat

    _write_small_csv(tmp_path / "data.csv")
    old = os.umask(umask)
    try:
        assert main(["train", str(tmp_path / "data.csv"), "--epochs", "1", "-q",
                     "-o", str(tmp_path / "m.npz"), "--plot", str(tmp_path / "l.png")]) == 0
        (tmp_path / "p.csv").write_text("")  # what any other file gets
        expected = 0o666 & ~umask
        assert stat.S_IMODE((tmp_path / "m.npz").stat().st_mode) == expected
        assert stat.S_IMODE((tmp_path / "l.png").stat().st_mode) == expected
        # writing over a file keeps that file's mode, as writing in place would
        os.chmod(tmp_path / "m.npz", 0o640)
        assert main(["train", str(tmp_path / "data.csv"), "--epochs", "1", "-q",
                     "-o", str(tmp_path / "m.npz")]) == 0
        assert stat.S_IMODE((tmp_path / "m.npz").stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
    assert load_metadata(tmp_path / "m.npz")["feature_names"] == ["a", "b", "c"]


def test_out_ending_in_slash_is_a_directory_to_create(tmp_path, capsys):
    _write_small_csv(tmp_path / "data.csv")
    new = tmp_path / "newdir"
    assert main(["train", str(tmp_path / "data.csv"), "--epochs", "1", "-q",
                 "-o", f"{new}/"]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == (
        f"model written to {new / 'model.npz'}")
    assert sorted(p.name for p in new.iterdir()) == ["model.npz"]
    assert not (tmp_path / "newdir.npz").exists()
    assert load_metadata(new / "model.npz")["labels"] == ["cat", "dog"]
    # an existing directory without the slash: the same
    assert main(["train", str(tmp_path / "data.csv"), "--epochs", "1", "-q", "-o", str(new),
                 "--plot", str(tmp_path / "pictures" / "loss")]) == 0
    out = capsys.readouterr().out
    assert f"model written to {new / 'model.npz'}" in out
    # no suffix: the .png matplotlib adds, and the name printed is the file written
    assert f"loss curve written to {tmp_path / 'pictures' / 'loss.png'}" in out
    assert (tmp_path / "pictures" / "loss.png").read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize(("args", "message"), [
    (["-o", "{afile}/model.npz"], "argument -o/--out: {afile} is a file, not a directory"),
    (["-o", "{afile}/sub/model"], "argument -o/--out: {afile} is a file, not a directory"),
    (["-o", "{tmp}/m3.npz", "--plot", "{tmp}/loss.txt"],
     "argument --plot: cannot write 'txt' files; use one of {formats}"),
    (["-o", "{tmp}/m3.npz", "--plot", "{afile}/loss.png"],
     "argument --plot: {afile} is a file, not a directory"),
    (["-o", "{tmp}/m3.npz", "--plot", "{tmp}/"],
     "argument --plot: {tmp}/ is a directory; give a file name, such as {tmp}/loss.png"),
])
def test_output_paths_are_checked_before_training(tmp_path, capsys, args, message):
    from chainrule.cli_args import picture_formats

    _write_small_csv(tmp_path / "data.csv")
    (tmp_path / "afile").write_text("keep me")
    names = {"afile": tmp_path / "afile", "tmp": tmp_path}
    with pytest.raises(SystemExit) as stop:
        main(["train", str(tmp_path / "data.csv"), "-q", *(a.format(**names) for a in args)])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # nothing read, nothing trained
    assert captured.err.strip().splitlines()[-1] == (
        f"chainrule train: error: {message.format(**names, formats=', '.join(picture_formats()))}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile", "data.csv"]
    assert (tmp_path / "afile").read_text() == "keep me"


def test_picture_formats_are_matplotlibs():
    from matplotlib.backend_bases import FigureCanvasBase

    from chainrule.cli_args import picture_formats

    formats = picture_formats()
    assert formats[:3] == ["png", "pdf", "svg"]
    assert sorted(formats) == sorted(FigureCanvasBase.get_supported_filetypes())


@pytest.mark.parametrize("command", [
    ["predict", "MODEL", "iris", "-o", "{afile}/p.csv"],
    ["plot", "loss", "MODEL", "-o", "{afile}/loss.png"],
    ["trace", "--output", "{afile}/trace.txt"],
    ["experiment", "saturation", "--plot", "{afile}/s.png"],
])
def test_other_outputs_are_checked_before_the_work(tmp_path, capsys, command):
    (tmp_path / "afile").write_text("")
    argv = [a.format(afile=tmp_path / "afile") for a in command]
    with pytest.raises(SystemExit) as stop:
        main(["MODEL" if a == "MODEL" else a for a in argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.endswith(f"{tmp_path / 'afile'} is a file, not a directory")


@pytest.mark.parametrize("command", ["train", "predict"])
def test_a_closed_standard_output_stops_the_printing_not_the_work(trained, tmp_path, command):
    """`chainrule train ... | head -1`: the model is still written; exit 1 as Python on EPIPE."""
    import subprocess
    import sys

    d, _, _ = trained
    args = {"train": ["train", str(d / "data.csv"), "--target", "kind", "--epochs", "30", "-q",
                      "-o", str(tmp_path / "pipe.npz"), "--plot", str(tmp_path / "l.png")],
            "predict": ["predict", str(d / "model.npz"), str(d / "data.csv"), "--proba"]}
    proc = subprocess.Popen([sys.executable, "-m", "chainrule", *args[command]],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the first line (start-up takes longer)
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=300) == 1
    assert err == ""
    if command == "train":
        assert load_metadata(tmp_path / "pipe.npz")["target_name"] == "kind"
        assert len(load_metadata(tmp_path / "pipe.npz")["history"]["loss"]) == 30
        assert (tmp_path / "l.png").read_bytes()[:4] == b"\x89PNG"


def test_divergence_says_no_model_was_written_and_names_cli_options(tmp_path, capsys):
    _write_small_csv(tmp_path / "data.csv")
    code = main(["train", str(tmp_path / "data.csv"), "--optimizer", "sgd", "--lr", "1e8",
                 "--momentum", "0.99", "--epochs", "50", "-q", "-o", str(tmp_path / "d.npz"),
                 "--plot", str(tmp_path / "d.png")])
    assert code == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert re.fullmatch(
        r"chainrule: error: training diverged: the (loss|parameters) became NaN or infinite "
        r"in epoch \d+, batch \d+; no model was written\. Try a smaller --lr \(this run: "
        r"1e\+08\) or a smaller --momentum \(0\.99\) or --clip-norm MAX \(gradient "
        r"clipping\)\.", err[0]), err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def test_divergence_in_the_demo_names_its_options(tmp_path, capsys):
    code = main(["demo", "--optimizer", "adagrad", "--lr", "1e300", "--epochs", "5", "-q",
                 "--plot", str(tmp_path / "loss.png")])
    assert code == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("chainrule: error: training diverged: the ")
    assert err.endswith("; no loss curve was written. Try a smaller --lr (this run: 1e+300).")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("args", "message"), [
    (["info", ""], "empty model file name ''; give a model file, such as model.npz"),
    (["evaluate", "", "iris"], "empty model file name ''"),
    (["predict", "", "iris"], "empty model file name ''"),
    (["plot", "loss", ""], "empty model file name ''"),
    (["gradcheck", "--model", ""], "empty model file name ''"),
    (["train", ""], "empty data name ''; give a .csv or .npz file or a bundled data set, "
     "such as iris"),
    (["evaluate", "MODEL", ""], "empty data name ''"),
    (["gradcheck", "--model", "MODEL", "--data", ""], "empty data name ''"),
])
def test_empty_input_file_names_are_refused_as_empty(trained, args, message, capsys):
    """'' is not the current directory ('is a directory, not a model file'): it is said to
    be empty, in one line, exit 2, as for the output file names."""
    model = str(trained[0] / "model.npz")
    assert main([model if a == "MODEL" else a for a in args]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: {message}")
    assert err.count("\n") == 1 and "directory" not in err


@pytest.mark.parametrize("target", [None, "t"])
def test_predict_on_an_npz_file_without_targets(tmp_path, capsys, target):
    """Unlabelled NPZ data (just ``X``) is what ``predict`` is for.

    Before, the model's recorded target name ('y', or 't' from ``--target t``) was
    required as an array of the file, and ``predict`` refused unlabelled data ("no
    array named 'y' for the target"), though it reads no target.  The predictions
    are checked against the bare network on the stored statistics, in the target's
    units.
    """
    rng = np.random.default_rng(5)
    X = rng.uniform(-1, 1, size=(40, 2))
    y = 10.0 + 3.0 * X[:, 0] - 2.0 * X[:, 1]
    key = target or "y"
    np.savez(tmp_path / "train.npz", X=X, **{key: y})
    np.savez(tmp_path / "new.npz", X=X[:5])
    assert main(["train", str(tmp_path / "train.npz"), *(["--target", target] if target else []),
                 "--hidden", "3", "--epochs", "5", "--val-fraction", "0", "-q",
                 "-o", str(tmp_path / "model")]) == 0
    assert main(["predict", str(tmp_path / "model.npz"), str(tmp_path / "new.npz"),
                 "-o", str(tmp_path / "p.csv")]) == 0
    header, rows = _read_csv(tmp_path / "p.csv")
    assert header == [key]
    expected = _reference(tmp_path / "model.npz", X[:5])[:, 0] * y.std() + y.mean()
    np.testing.assert_allclose(np.array(rows, dtype=float)[:, 0], expected, rtol=1e-8)
    # evaluate still needs the target, and says so
    assert main(["evaluate", str(tmp_path / "model.npz"), str(tmp_path / "new.npz")]) == 2
    assert f"no array named {key!r} for the target" in capsys.readouterr().err


def test_predict_help_does_not_ask_an_npz_file_for_targets(capsys):
    """``predict --help`` said "a .npz file (arrays X and y)", the help of train and
    evaluate, though predict reads unlabelled NPZ files (just ``X``, the test above);
    evaluate's help still asks for both."""
    for command, needs_y in (("predict", False), ("evaluate", True)):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = " ".join(capsys.readouterr().out.split())
        assert ("arrays X and y" in out) is needs_y
        if not needs_y:
            assert "a .npz file (array X; a target array is not needed)" in out


def test_a_boolean_npz_target_is_evaluated_on_its_own_file(tmp_path, capsys):
    """A target of dtype bool trains the classes 0 and 1; evaluate must read it back.

    Before, ``train`` made the labels 0/1 of the booleans but ``evaluate`` (and
    ``plot confusion``) looked the targets up as the text 'True'/'False' and
    refused the very file the model was trained on.  The accuracy is checked
    against the bare network's forward pass thresholded at 0.5.
    """
    rng = np.random.default_rng(6)
    X = rng.normal(size=(40, 2))
    y = X[:, 0] + 0.3 * rng.normal(size=40) > 0
    np.savez(tmp_path / "b.npz", X=X, y=y)
    assert main(["train", str(tmp_path / "b.npz"), "--hidden", "3", "--epochs", "10",
                 "--val-fraction", "0", "-q", "-o", str(tmp_path / "model")]) == 0
    assert load_metadata(tmp_path / "model.npz")["labels"] == [0, 1]
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "model.npz"), str(tmp_path / "b.npz"),
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    p = _reference(tmp_path / "model.npz", X)[:, 0]
    assert scores["accuracy"] == pytest.approx(np.mean((p > 0.5) == y), abs=1e-12)
    # and a model with the text classes 'False'/'True' matches booleans by their text
    from chainrule.saved_model import encode_labels

    np.testing.assert_array_equal(encode_labels(np.array([True, False]), ["False", "True"]),
                                  [1, 0])
    np.testing.assert_array_equal(encode_labels(np.array([True, False]), [0, 1]), [1, 0])


def test_errors_name_the_line_a_row_starts_on_after_a_multiline_field(tmp_path, capsys):
    """A quoted field may hold a line break; later rows are on later lines of the file.

    Before, rows were counted, not lines: the bad cell 'z' on line 5 (counted by
    hand below, as an editor shows it) was reported on line 4.
    """
    text = 'a,note,y\r\n1,"two\r\nlines",1\r\n\r\n"z",x,0\r\n3,x,1\r\n'
    (tmp_path / "d.csv").write_bytes(text.encode())
    line = text.split("\r\n").index('"z",x,0') + 1
    assert line == 5
    assert main(["train", str(tmp_path / "d.csv"), "--features", "a", "-q"]) == 2
    err = capsys.readouterr().err
    assert err == f"chainrule: error: {tmp_path / 'd.csv'} line {line}, column 'a': not a " \
                  f"number: 'z'; {_mixed_hint('a')}\n"  # a column of numbers and text


@pytest.mark.parametrize("shape", [(5, 0), (0, 3)])
def test_an_npz_file_without_feature_columns_is_refused_by_its_file(tmp_path, capsys, shape):
    """X of shape (5, 0): before, the first error came from building the network,
    'sizes[0] must be an int >= 1, got 0', an argument the user never gave."""
    np.savez(tmp_path / "d.npz", X=np.zeros(shape), y=np.arange(shape[0], dtype=float))
    assert main(["train", str(tmp_path / "d.npz"), "-q", "-o", str(tmp_path / "m")]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {tmp_path / 'd.npz'}: 'X' must be a non-empty numeric array of "
        "shape (n_samples, n_features), or of images (n_samples, C, H, W), or (n_samples, H, "
        f"W) of one channel, got shape {shape} of dtype float64\n")
    assert not (tmp_path / "m.npz").exists()


def test_patience_without_validation_watches_the_training_loss(tmp_path, capsys):
    """--help said --patience watches the validation loss; with --val-fraction 0 there is
    none and it watches the training loss, as ``train`` documents.  The run stops at the
    first epoch whose training cost (recorded per epoch) is no better than the best
    before it, found here by hand from the recorded costs."""
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit):
        main(["train", "--help"])
    assert "validation loss (the training loss with --val-fraction 0)" in " ".join(
        out.getvalue().split())
    rng = np.random.default_rng(8)
    X = rng.normal(size=(30, 2))
    np.savez(tmp_path / "d.npz", X=X, y=X[:, 0] - X[:, 1] + rng.normal(size=30))
    assert main(["train", str(tmp_path / "d.npz"), "--patience", "1", "--val-fraction", "0",
                 "--lr", "0.5", "--optimizer", "sgd", "--epochs", "200", "-q",
                 "-o", str(tmp_path / "m")]) == 0
    loss = load_metadata(tmp_path / "m.npz")["history"]["loss"]
    stop = next(i for i in range(1, len(loss)) if not loss[i] < min(loss[:i]))
    assert len(loss) == stop + 1 < 200


def test_a_training_part_too_small_for_every_class_is_split_unstratified(tmp_path, capsys):
    """6 examples of 3 classes, --val-fraction 0.7: 5 held out, 1 left to train on.

    Before, scikit-learn's stratified split refused it as 'The train_size = 1 should
    be greater or equal to the number of classes = 3', naming an option the command
    line does not have; a validation part too small was already split unstratified,
    and so is now a training part too small.  The one training row is scikit-learn's
    plain split with the same seed; its feature is the stored mean.
    """
    from sklearn.model_selection import train_test_split

    a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    _write_csv(tmp_path / "six.csv", ["a", "y"],
               [[v, c] for v, c in zip(a, "xxyyzz", strict=True)])
    assert main(["train", str(tmp_path / "six.csv"), "--val-fraction", "0.7", "--epochs", "1",
                 "--seed", "4", "-q", "-o", str(tmp_path / "m")]) == 0
    assert "1 for training, 5 for validation" in capsys.readouterr().out
    (train,), _ = train_test_split(np.arange(6), test_size=5, random_state=4)
    assert load_metadata(tmp_path / "m.npz")["x_mean"] == [a[train]]


def test_numeric_target_with_a_few_text_cells_is_refused_not_taken_as_classes(tmp_path,
                                                                              capsys):
    """A price column with 'NA' in 2 of its 60 cells was trained as 58 classes (every
    price a class); it is refused, naming the cells, unless --task says classification."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (60, 2))
    price = [f"{100 + 50 * a - 3 * b:.6f}" for a, b in X]
    price[7], price[41] = "NA", "?"
    rows = [[f"{a:.6f}", f"{b:.6f}", p] for (a, b), p in zip(X, price, strict=True)]
    _write_csv(tmp_path / "d.csv", ["a", "b", "price"], rows)
    model = str(tmp_path / "m.npz")
    assert main(["train", str(tmp_path / "d.csv"), "--epochs", "2", "-q", "-o", model]) == 2
    err = capsys.readouterr().err
    assert ("the target price holds 58 distinct numbers and 2 cell(s) that are not numbers: "
            "'NA' (example 8), '?' (example 42); remove or fill those examples") in err
    assert not (tmp_path / "m.npz").exists()
    # asked for, the values are class labels (as written)
    assert main(["train", str(tmp_path / "d.csv"), "--epochs", "1", "-q", "--task",
                 "classification", "--val-fraction", "0", "-o", model]) == 0
    assert len(load_metadata(model)["labels"]) == 60
    # text labels with a few numbers among them stay a classification
    labels = ["yes", "no", "maybe"] * 18 + [str(i) for i in range(6)]
    rows = [[f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, labels, strict=True)]
    _write_csv(tmp_path / "t.csv", ["a", "b", "answer"], rows)
    assert main(["train", str(tmp_path / "t.csv"), "--epochs", "1", "-q", "--val-fraction",
                 "0", "-o", model]) == 0
    assert load_metadata(model)["task"] == "classification"


def test_unnamed_npz_with_more_columns_than_the_model_is_refused(tmp_path, capsys):
    """A model trained on every column of an NPZ without feature_names (x0, x1) took the
    first two of a 3-column unnamed file without a word; such a file is now refused.  A
    model trained on chosen positions (--features x0 x2) still takes them from it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = (X[:, 0] + X[:, 2] > 0).astype(int)
    np.savez(tmp_path / "two.npz", X=X[:, :2], y=y)
    np.savez(tmp_path / "three.npz", X=X, y=y)
    two, chosen = str(tmp_path / "m2.npz"), str(tmp_path / "m02.npz")
    common = ["--epochs", "3", "--val-fraction", "0", "-q"]
    assert main(["train", str(tmp_path / "two.npz"), *common, "-o", two]) == 0
    capsys.readouterr()
    for command in ("evaluate", "predict"):
        assert main([command, two, str(tmp_path / "three.npz")]) == 2
        assert ("three.npz: X has 3 columns and no feature_names array, so its columns are "
                "taken by position, for the 2 features that the model was trained on (x0, x1)"
                ) in capsys.readouterr().err
    assert main(["evaluate", two, str(tmp_path / "two.npz")]) == 0  # the same columns: fine
    for cols in ([0, 2], [0, 1]):  # chosen columns, the first ones included
        names = [f"x{c}" for c in cols]
        assert main(["train", str(tmp_path / "three.npz"), "--features", *names, *common,
                     "-o", chosen]) == 0
        capsys.readouterr()
        assert main(["predict", chosen, str(tmp_path / "three.npz"), "--proba"]) == 0
        _, *rows = capsys.readouterr().out.strip().splitlines()
        proba = np.array([float(r.split(",")[-1]) for r in rows])
        np.testing.assert_allclose(proba, _reference(chosen, X[:, cols])[:, 0], rtol=1e-5)


@pytest.mark.parametrize("names", [["foo"], ["a", "b", "x9"]])
def test_train_refuses_features_that_name_no_column_of_an_unnamed_npz(tmp_path, capsys,
                                                                      names):
    """--features with names that are none of the positions x0, x1, ... of an NPZ file
    without feature_names trained on every column without a word (rc 0), and wrote a model
    file with fewer feature names than network inputs, which info then called corrupted.
    Such names are now refused as missing columns, and nothing is written."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5))
    np.savez(tmp_path / "five.npz", X=X, y=(X[:, 0] > 0).astype(int))
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "five.npz"), "--features", *names, "--epochs", "1",
                 "-q", "-o", str(model)]) == 2
    shown = ", ".join(map(repr, names))
    assert (f"{tmp_path / 'five.npz'}: missing column{'s' if len(names) > 1 else ''} {shown} "
            "(--features): X has no feature_names array, so its 5 columns are named by "
            "position, x0 to x4") in capsys.readouterr().err
    assert not model.exists()


def test_names_moved_out_of_tabular_and_training_are_still_importable_there():
    """SavedModel and the label functions moved to saved_model, CHECKPOINT_FORMAT to
    checkpoints (files split to one job each); imports written for their old modules
    broke (ImportError).  They give the very same objects."""
    import chainrule.checkpoints
    import chainrule.saved_model
    import chainrule.tabular
    import chainrule.training

    for name in ("SavedModel", "fit_labels", "encode_labels", "regression_targets",
                 "CLI_FORMAT"):
        assert getattr(chainrule.tabular, name) is getattr(chainrule.saved_model, name)
    from chainrule.tabular import SavedModel  # the form the review found broken

    assert SavedModel is chainrule.saved_model.SavedModel
    assert chainrule.training.CHECKPOINT_FORMAT == chainrule.checkpoints.CHECKPOINT_FORMAT
    with pytest.raises(AttributeError, match="has no attribute 'read_csv'"):
        chainrule.tabular.read_csv  # noqa: B018


def test_readme_names_every_option_of_train():
    """The README's command-line section lists train's flags; it had left out five."""
    from pathlib import Path

    from chainrule.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    flags = [a.option_strings[-1] if a.option_strings[-1] != "--out" else "-o"
             for a in train._actions if a.option_strings and a.dest not in ("help", "quiet")]
    assert len(flags) > 15, flags
    missing = [f for f in flags if f"`{f}" not in section]
    assert not missing, missing


# the commands whose options the README gives with their defaults (a default that is
# not None, False or a list of flags: the value written as --help writes it, %g)
_README_DEFAULTS = ("demo", "train", "trace", "perceptron", "select", "experiment")


@pytest.mark.parametrize("command", ["evaluate", "cv", "tune", "importance", "predict", "info",
                                     "plot", "gradcheck",
                                     "demo", "train", "trace", "perceptron", "select",
                                     "experiment"])
def test_readme_names_every_option_of_the_model_commands(command):
    """The README's command-line section left out options that --help describes: plot's
    --title, --shape, --max-units and --normalize, gradcheck's --samples, --rho and --beta.
    Each is now named, in the text or in an example line of the command.  So are the
    demo's, train's and trace's (in the section Teaching tools), and for these with their
    defaults, written within 60 characters after the option: the README said neither that
    --hidden with no width is a linear model nor the --val-fraction default, gave none of
    the demo's options, nor trace's --format, --digits, --output or --list-presets.  Nor
    did it name perceptron's --n, --hidden, --seed and --plot, select's --n-train, --n-val,
    --noise, --seed and --plot, or experiment's --seed and --plot."""
    import argparse
    import re
    from pathlib import Path

    from chainrule.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    teaching = command in ("trace", "perceptron", "select", "experiment")
    title = "## Teaching tools" if teaching else "## Command line"
    section = " ".join(readme.split(title, 1)[1].split("\n## ", 1)[0].split())
    lines = readme.split(title, 1)[1].split("\n## ", 1)[0].splitlines()
    examples = " ".join(line for line in lines
                        if line.strip().startswith(f"chainrule {command}"))
    parser = build_parser()._subparsers._group_actions[0].choices[command]
    options = [a for a in parser._actions if a.option_strings and a.dest != "help"]
    assert options, command
    missing = [a.option_strings[-1] for a in options
               if not any(f"`{f}" in section or f" {f} " in f"{examples} "
                          for f in a.option_strings)]
    assert not missing, missing
    if command not in _README_DEFAULTS:
        return

    def shown(value):
        if isinstance(value, (list, tuple)):
            return " ".join(map(shown, value))
        return f"{value:g}" if isinstance(value, float) else str(value)

    no_default = []
    for a in options:
        if a.default in (None, False, argparse.SUPPRESS):
            continue
        after = [section[m.end():m.end() + 60] for f in a.option_strings
                 for m in re.finditer(re.escape(f"`{f}"), section)]
        if not any(shown(a.default) in text for text in after):
            no_default.append((a.option_strings[-1], shown(a.default)))
    assert not no_default, no_default
    if command == "train":  # the two the review found missing, as --help says them
        assert "`--hidden` with no width is a linear model" in section
        assert ("`--val-fraction` (the fraction held out for validation, stratified for "
                "classification: 0.1, or 0 for fewer than 20 examples") in section


def test_readme_and_help_name_every_bounded_output_of_train():
    """train predicts a regression target as it is (not standardised) under a bounded output,
    which OUTPUT_RANGES lists; the README named six of the nine (not elu, gelu, silu)."""
    from pathlib import Path

    from chainrule.activations import OUTPUT_RANGES
    from chainrule.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = readme.split("## Command line", 1)[1].split("\n## ", 1)[0]
    sentence = " ".join(section.split("unless the output is bounded:", 1)[1]
                        .split("predicts the target", 1)[0].split())
    train = build_parser()._subparsers._group_actions[0].choices["train"]
    help_text = " ".join(train.description.split())
    listed = help_text.split("unless the output is bounded:", 1)[1].split(")", 1)[0]
    bounded = sorted(OUTPUT_RANGES)
    assert len(bounded) == 10, bounded  # with lecun_tanh
    assert [n for n in bounded if f"`{n}`" not in sentence] == []
    assert [n for n in bounded if n not in listed.replace(",", " ").split()] == []


@pytest.mark.parametrize("output", ["sigmoid", "identity"])
def test_predict_writes_one_column_per_output_of_a_saved_network(tmp_path, capsys, output):
    """A Network.save file of several outputs: one number per CSV cell.

    Before, ``predict`` wrote each row's output array into one cell ("[0. 0.]"),
    and read several sigmoid outputs (multi-label probabilities) as the
    probabilities of exclusive classes: it printed the argmax as a class and
    ``evaluate`` took a log loss of rows that do not sum to 1.  Sigmoid outputs of
    another loss than log_loss (here squared_error) are bounded values, a regression;
    under log_loss a multi-label classifier (tests/test_saved_model_multilabel.py).
    """
    rng = np.random.default_rng(5)
    net = cr.mlp([3, 4, 2], hidden="tanh", output=output, loss="squared_error", seed=0)
    net.save(tmp_path / "net.npz")
    X = rng.normal(size=(6, 3))
    np.savez(tmp_path / "x.npz", X=X)
    assert main(["predict", str(tmp_path / "net.npz"), str(tmp_path / "x.npz"),
                 "-o", str(tmp_path / "p.csv")]) == 0, capsys.readouterr().err
    header, rows = _read_csv(tmp_path / "p.csv")
    assert header == ["prediction_0", "prediction_1"]
    Z = np.tanh(X @ net.layers[0].W + net.layers[0].b) @ net.layers[1].W + net.layers[1].b
    expected = 1 / (1 + np.exp(-Z)) if output == "sigmoid" else Z
    np.testing.assert_allclose(np.array(rows, dtype=float), expected, rtol=1e-8, atol=1e-12)
    assert main(["info", str(tmp_path / "net.npz")]) == 0
    assert "task: regression" in capsys.readouterr().out
    # evaluate needs a target column per output, which the file does not name: it says so,
    # naming the model, before any data (it ended with scikit-learn's "y_true and y_pred
    # have different number of output"); given them (--target p q), it scores them
    Y = rng.normal(size=(6, 2))
    np.savez(tmp_path / "xy.npz", X=X, y=Y[:, 0], p=Y[:, 0], q=Y[:, 1])
    assert main(["evaluate", str(tmp_path / "net.npz"), str(tmp_path / "xy.npz")]) == 2
    err = capsys.readouterr().err
    assert "net.npz: the model predicts 2 values per example, and names no target" in err
    assert main(["evaluate", str(tmp_path / "net.npz"), str(tmp_path / "xy.npz"), "--target",
                 "p", "q", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["mse"] == pytest.approx(np.mean((expected - Y) ** 2), rel=1e-8)


@pytest.mark.parametrize("value", [[], 0, False, "", None])
def test_model_metadata_that_is_no_object_is_refused(trained, tmp_path, capsys, value):
    """Metadata of [], 0, false, "" or null was taken for none (``metadata or {}``): the
    model loaded as a plain network whose classes are 0, 1, 2, and predict wrote those
    numbers instead of the labels the model was trained on."""
    d, _, _ = trained
    data = dict(np.load(d / "model.npz"))
    meta = json.loads(str(data.pop("__meta__")))
    meta["metadata"] = value
    bad = tmp_path / "bad.npz"
    np.savez(bad, __meta__=np.array(json.dumps(meta)), **data)
    assert main(["predict", str(bad), str(d / "data.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (f"chainrule: error: {bad}: corrupted chainrule model file "
                            "(metadata: expected a JSON object)\n")


def test_predict_writes_its_file_whole_into_new_folders(trained, monkeypatch, capsys):
    """``predict -o`` into a folder that does not exist yet, and over an existing file.

    The option's type accepted a missing folder ("created when the file is written",
    as ``train -o`` and ``--plot`` create theirs), but predict opened the file as it
    was and ended with "No such file or directory" after the predictions were made.
    It also truncated an existing file before writing, so an error on the way left
    a file of a few rows; now the file is written next to its place and renamed.
    """
    import chainrule.cli_models as cli_models

    d, X, _ = trained
    out = d / "new" / "folder" / "pred.csv"
    assert main(["predict", str(d / "model.npz"), str(d / "data.csv"), "--proba",
                 "-o", str(out)]) == 0, capsys.readouterr().err
    header, rows = _read_csv(out)
    P = _reference(d / "model.npz", X)
    assert [r[0] for r in rows] == [LABELS[i] for i in P.argmax(axis=1)]
    np.testing.assert_allclose(np.array([r[1:] for r in rows], dtype=float), P, atol=1e-8)
    before = out.read_bytes()
    calls = iter(range(10**6))

    def failing_cell(v):  # the fifth row cannot be written
        if next(calls) == 4 * len(header):
            raise ValueError("cell 5 failed")
        return str(v)

    monkeypatch.setattr(cli_models, "_cell", failing_cell)
    assert main(["predict", str(d / "model.npz"), str(d / "data.csv"), "--proba",
                 "-o", str(out)]) == 2
    assert capsys.readouterr().err == "chainrule: error: cell 5 failed\n"
    assert out.read_bytes() == before  # the old file, whole; no temporary file left
    assert sorted(p.name for p in out.parent.iterdir()) == ["pred.csv"]


def test_integer_labels_beyond_float_precision_stay_apart(tmp_path, capsys):
    """Integer class labels were turned into float64 first, which holds whole numbers
    exactly only up to 2**53: the identifiers 10**17 and 10**17 + 1 became one class,
    and train refused a target of two classes as having one ("100000000000000000").
    The classes are now the integers themselves; predict writes them back exactly."""
    from chainrule.saved_model import fit_labels

    big = 10**17
    y = np.array([big + 2, big, big + 1, big, big + 2, big + 1], dtype=np.int64)
    labels, index = fit_labels(y)
    assert labels == sorted({int(v) for v in y}) and len(labels) == 3
    assert [labels[i] for i in index] == y.tolist()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2)) + (np.arange(30) % 3)[:, None] * 4.0
    np.savez(tmp_path / "ids.npz", X=X, y=big + np.arange(30) % 3)
    assert main(["train", str(tmp_path / "ids.npz"), "--hidden", "4", "--epochs", "30",
                 "-q", "-o", str(tmp_path / "m.npz")]) == 0, capsys.readouterr().err
    assert load_metadata(tmp_path / "m.npz")["labels"] == [big, big + 1, big + 2]
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "ids.npz"),
                 "-o", str(tmp_path / "p.csv")]) == 0
    _, rows = _read_csv(tmp_path / "p.csv")
    P = _reference(tmp_path / "m.npz", X)
    assert [int(r[0]) for r in rows] == [big + int(i) for i in P.argmax(axis=1)]


def test_two_classes_with_cross_entropy_get_a_softmax(tmp_path, capsys):
    """``--loss cross_entropy`` on two classes kept the default single sigmoid unit, of
    which cross_entropy is -y log a: the examples of the first class (y = 0) do not
    enter it, and the network learnt to predict the second class for every example
    (moons: accuracy 0.5).  The output is now a softmax of two units, as for the
    network of those settings built and trained in Python; a sigmoid asked for
    with that loss is refused."""
    from sklearn.datasets import make_moons

    X, y = make_moons(60, noise=0.1, random_state=0)
    np.savez(tmp_path / "moons.npz", X=X, y=y)
    common = ["--hidden", "6", "--epochs", "20", "--val-fraction", "0", "--scale", "none",
              "--seed", "3", "-q"]
    assert main(["train", str(tmp_path / "moons.npz"), "--loss", "cross_entropy", *common,
                 "-o", str(tmp_path / "m.npz")]) == 0, capsys.readouterr().err
    net = cr.mlp([2, 6, 2], hidden="relu", output="softmax", loss="cross_entropy", seed=3)
    cr.train(net, X, y, optimizer="adam", lr=0.01, batch_size=32, epochs=20, seed=3,
             verbose=0)
    saved = cr.load(tmp_path / "m.npz")
    assert saved.n_outputs == 2 and saved.output_activation.name == "softmax"
    np.testing.assert_array_equal(saved.params, net.params)
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "moons.npz"),
                 "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    P = net.forward(X)
    assert scores["accuracy"] == pytest.approx(np.mean(P.argmax(axis=1) == y), abs=1e-12)
    assert scores["accuracy"] > 0.8
    assert main(["train", str(tmp_path / "moons.npz"), "--loss", "cross_entropy",
                 "--output", "sigmoid", *common, "-o", str(tmp_path / "s.npz")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --loss cross_entropy: of a single sigmoid output")
    assert "use --output softmax" in err and not (tmp_path / "s.npz").exists()


def test_train_output_logistic_is_the_sigmoid_it_names(tmp_path, capsys):
    """``--output logistic``, SPEC 2's (and scikit-learn's) name of the sigmoid, which
    the option takes as an alias, was refused for two classes ("a classifier of 2
    classes needs a softmax output (or sigmoid), got 'logistic'"): the check compared
    the name as typed.  It now trains the same one-unit sigmoid model as ``sigmoid``."""
    common = ["xor", "--epochs", "5", "--seed", "0", "-q"]
    assert main(["train", *common, "--output", "logistic", "-o", str(tmp_path / "l.npz")]) == 0
    assert main(["train", *common, "--output", "sigmoid", "-o", str(tmp_path / "s.npz")]) == 0
    logistic, sigmoid = cr.load(tmp_path / "l.npz"), cr.load(tmp_path / "s.npz")
    assert logistic.n_outputs == 1 and logistic.output_activation.name == "sigmoid"
    assert logistic.loss.name == "log_loss"
    np.testing.assert_array_equal(logistic.params, sigmoid.params)
    capsys.readouterr()
    assert main(["train", "iris", *common[1:], "--output", "logistic",
                 "-o", str(tmp_path / "i.npz")]) == 2  # one sigmoid unit: two classes only
    assert "of 3 classes needs a softmax output, got 'logistic'" in capsys.readouterr().err


def test_a_column_constant_in_training_is_only_centred(tmp_path, capsys):
    """A feature of the same value in every training row, 0.1 say, has a standard
    deviation of 1.9e-16 in NumPy (the rounding of its mean), not 0, so ``scale == 0``
    missed it: the model divided by 1.9e-16, and predict turned a row with 0.2 in
    that column into an input of 5e14 and a prediction of 5e12 for a target near 2.
    The statistics are now those of scikit-learn's StandardScaler, which takes such
    a column as constant (scale 1); a constant target is treated the same way."""
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(0)
    a = np.round(rng.normal(size=100), 6)
    X = np.column_stack([a, np.full(100, 0.1)])
    for name, target in (("data", 2 * a + 1), ("flat", np.full(100, 0.1))):
        _write_csv(tmp_path / f"{name}.csv", ["a", "c", "t"],
                   [[f"{u:.6f}", "0.1", f"{t:.6f}"] for u, t in zip(a, target, strict=True)])
        assert main(["train", str(tmp_path / f"{name}.csv"), "--hidden", "4", "--epochs", "5",
                     "--val-fraction", "0", "-q", "-o", str(tmp_path / f"{name}.npz")]) == 0
    x_scaler = StandardScaler().fit(X)
    meta = load_metadata(tmp_path / "data.npz")
    np.testing.assert_allclose(meta["x_mean"], x_scaler.mean_, rtol=1e-12)
    np.testing.assert_allclose(meta["x_scale"], x_scaler.scale_, rtol=1e-12)
    assert load_metadata(tmp_path / "flat.npz")["y_scale"] == pytest.approx(
        StandardScaler().fit(np.full((100, 1), 0.1)).scale_[0], rel=1e-12)
    new = np.array([[0.5, 0.1], [0.5, 0.2]])
    _write_csv(tmp_path / "new.csv", ["a", "c"], new.tolist())
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "data.npz"), str(tmp_path / "new.csv")]) == 0
    got = np.array([float(v) for v in capsys.readouterr().out.split()[1:]])
    y_scaler = StandardScaler().fit((2 * a + 1)[:, None])
    expected = cr.load(tmp_path / "data.npz").forward(x_scaler.transform(new))
    np.testing.assert_allclose(got, y_scaler.inverse_transform(expected)[:, 0], rtol=1e-8)
    assert np.all(np.abs(got) < 100)


def test_nesterov_with_momentum_0_is_refused_not_trained_with_0_9(tmp_path, capsys):
    """``--optimizer nesterov --momentum 0`` trained with momentum 0.9: ``train`` reads
    a momentum of 0 as "not given" and takes nesterov's default, so the model was
    the one of ``--momentum 0.9``, parameter for parameter.  The 0 is now refused
    (as the optimizer itself refuses it), in train and in the demo; another
    momentum is used as given, as in Python."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(24, 2)), np.arange(24) % 2
    np.savez(tmp_path / "d.npz", X=X, y=y)
    common = [str(tmp_path / "d.npz"), "--optimizer", "nesterov", "--hidden", "3", "--epochs",
              "3", "--lr", "0.05", "--val-fraction", "0", "--scale", "none", "-q"]
    assert main(["train", *common, "--momentum", "0", "-o", str(tmp_path / "m0.npz")]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --momentum: nesterov (SGD with Nesterov momentum) needs a momentum "
        "> 0 (default: 0.9), got 0; use --optimizer sgd for SGD without momentum\n")
    assert not (tmp_path / "m0.npz").exists()
    assert main(["--optimizer", "nesterov", "--momentum", "0", "--plot",
                 str(tmp_path / "demo.png")]) == 2
    assert "--momentum: nesterov" in capsys.readouterr().err
    assert main(["train", *common, "--momentum", "0.5", "-o", str(tmp_path / "m.npz")]) == 0
    net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=0)
    optimizer = cr.optimizers.SGD(lr=0.05, momentum=0.5, nesterov=True)
    cr.train(net, X, y[:, None].astype(float), optimizer=optimizer, epochs=3, seed=0,
             verbose=0)
    np.testing.assert_array_equal(cr.load(tmp_path / "m.npz").params, net.params)


def test_an_output_that_is_an_input_of_the_command_is_refused(trained, tmp_path, capsys):
    # bad input loses nothing: -o naming the data or the model file (or a link to it, or
    # the model's name without .npz) would have replaced it by the output
    d, _, _ = trained
    data, model = tmp_path / "data.csv", tmp_path / "model.npz"
    data.write_bytes((d / "data.csv").read_bytes())
    model.write_bytes((d / "model.npz").read_bytes())
    (tmp_path / "link.csv").symlink_to(data)
    before = data.read_bytes(), model.read_bytes()
    cases = [
        (["predict", str(model), str(data), "-o", str(data)], "data", data),
        (["predict", str(model), str(data), "-o", str(tmp_path / "link.csv")], "data", data),
        (["predict", str(tmp_path / "model"), str(data), "-o", str(model)], "model", model),
    ]
    for argv, what, path in cases:
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert f"-o/--out {argv[-1]}: that is the {what} file this command reads" in err, err
        assert str(path) in err
    # train writes DATA.npz for -o DATA: refused when the data is that .npz file
    npz = tmp_path / "data.npz"
    npz.write_bytes(b"not read")
    assert main(["train", str(npz), "-o", str(tmp_path / "data"), "-q"]) == 2
    assert f"that is the data file this command reads ({npz})" in capsys.readouterr().err
    assert npz.read_bytes() == b"not read"
    assert (data.read_bytes(), model.read_bytes()) == before
    # another name is still written
    assert main(["predict", str(model), str(data), "-o", str(tmp_path / "out.csv")]) == 0
    assert _read_csv(tmp_path / "out.csv")[0] == ["kind"]


@pytest.mark.parametrize("argv, expected", [
    # the library said "loss 'poisson' needs outputs in its domain" / "activation 'step' has no
    # useful derivative": the options the user typed are named, before the data is read
    (["train", "diabetes", "--activation", "step"],
     "argument --activation: activation 'step' has no useful derivative"),
    (["train", "iris", "--output", "sign"],
     "argument --output: activation 'sign' has no useful derivative"),
    (["train", "iris", "--loss", "poisson"],
     "--loss poisson: needs an output activation it is defined on (exp, softplus), got the "
     "output softmax (the default for classification); give --output exp or softplus"),
    (["train", "diabetes", "--loss", "log_loss"],
     "--loss log_loss: needs an output activation it is defined on (sigmoid, softmax), got "
     "the output identity (the default for regression)"),
    (["train", "no-such-file.csv", "--loss", "poisson", "--output", "identity"],
     "--loss poisson: needs an output activation it is defined on (exp, softplus), got "
     "--output identity"),
    (["gradcheck", "--loss", "poisson"],
     "--loss poisson: needs an output activation it is defined on (exp, softplus), got the "
     "output softmax (the default of a random MLP)"),
    (["gradcheck", "--output", "step"],
     "argument --output: activation 'step' has no useful derivative"),
    (["trace", "--activation", "relu"],
     "the loss log_loss (the preset's): needs an output activation it is defined on "
     "(sigmoid, softmax), got --activation relu"),
    (["trace", "--preset", "integer-example", "--loss", "log_loss"],
     "--loss log_loss: needs an output activation it is defined on (sigmoid, softmax), got "
     "the output square (the preset's)"),
    (["trace", "--loss", "bogus"], "argument --loss: unknown loss 'bogus'"),
])
def test_library_errors_name_the_option_the_user_gave(argv, expected, tmp_path, capsys):
    out = tmp_path / "model.npz"
    extra = ["-o", str(out), "-q"] if argv[0] == "train" else []
    try:
        code = main([*argv, *extra])
    except SystemExit as exc:  # argparse
        code = exc.code
    assert code == 2
    captured = capsys.readouterr()
    assert expected in " ".join(captured.err.split()), captured.err
    assert captured.out == "" and not out.exists()  # nothing read, trained or written


def test_a_csv_without_header_is_refused_rather_than_lose_its_first_example(tmp_path, capsys):
    # the UCI iris file has no header: its first example became the column names
    from sklearn.datasets import load_iris

    from chainrule.tabular import read_data

    iris = load_iris()
    rows = [[f"{v:g}" for v in x] + [f"Iris-{iris.target_names[t]}"]
            for x, t in zip(iris.data, iris.target, strict=True)]
    _write_csv(tmp_path / "iris.data", rows[0], rows[1:])
    assert main(["train", str(tmp_path / "iris.data"), "-o", str(tmp_path / "m"), "-q"]) == 2
    err = capsys.readouterr().err
    assert (f"line 1: the first row must be a header of column names, but it looks like an "
            f"example ({', '.join(rows[0])}): its numbers stand over columns of numbers, "
            f"and 'Iris-setosa' (column 5) is a value of that column (line 2)") in err, err
    assert not (tmp_path / "m.npz").exists()
    # a pandas export of integer column names is a header: every example is read
    _write_csv(tmp_path / "named.csv", ["0", "1", "2", "3", "label"], rows)
    table = read_data(str(tmp_path / "named.csv"))
    assert table.feature_names == ["0", "1", "2", "3"] and table.target_name == "label"
    np.testing.assert_allclose(table.X, [[float(v) for v in r[:4]] for r in rows])
    assert list(table.y) == [r[4] for r in rows]


def test_a_header_that_reads_as_an_example_is_taken_when_its_target_is_named(tmp_path, capsys):
    """A real header such as 0,1,yes over a yes/no column looks like an example to the rule
    that refuses the UCI iris file's first row, and was refused with no way out (the message
    asked for the header row the file has).  Naming the target column says the row is the
    header; the message says so."""
    from chainrule.tabular import read_data

    rng = np.random.default_rng(0)
    X = rng.integers(0, 9, size=(12, 2))
    labels = ["yes" if a > b else "no" for a, b in X]
    rows = [[str(a), str(b), t] for (a, b), t in zip(X, labels, strict=True)]
    _write_csv(tmp_path / "yn.csv", ["0", "1", "yes"], rows)
    with pytest.raises(ValueError, match=r"if this row is the header, name the target column: "
                       r"target='yes', --target yes on the command line\)$"):
        read_data(str(tmp_path / "yn.csv"))
    table = read_data(str(tmp_path / "yn.csv"), target="yes")
    assert table.feature_names == ["0", "1"] and table.target_name == "yes"
    np.testing.assert_array_equal(table.X, X)
    assert list(table.y) == labels
    by_features = read_data(str(tmp_path / "yn.csv"), features=["0", "1"], target="yes")
    np.testing.assert_array_equal(by_features.X, X)
    assert main(["train", str(tmp_path / "yn.csv"), "--target", "yes", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m")]) == 0
    assert "yn.csv: 12 examples x 2 features; target 'yes'" in capsys.readouterr().out


def test_a_models_number_feature_names_do_not_take_an_example_for_the_header(tmp_path, capsys):
    """Only a text cell of the first row, named as target or feature, says the row is the
    header.  A model trained on columns 0,1 (a pandas export) passes its feature names to
    predict, and a header-less file's first example 1,0,odd holds both as numbers: it was
    taken for the header, so predict lost that example and swapped the two columns."""
    from chainrule.tabular import read_data

    rng = np.random.default_rng(1)
    X = rng.integers(0, 2, size=(20, 2))
    labels = ["odd" if a != b else "even" for a, b in X]
    _write_csv(tmp_path / "train.csv", ["0", "1", "label"],
               [[str(a), str(b), t] for (a, b), t in zip(X, labels, strict=True)])
    rows = [["1", "0", "odd"], ["0", "0", "even"], ["1", "1", "even"], ["0", "1", "odd"]]
    with open(tmp_path / "new.csv", "w", newline="") as fh:  # no header row
        csv.writer(fh).writerows(rows)
    with pytest.raises(ValueError, match=r"line 1: the first row must be a header of column "
                       r"names, but it looks like an example \(1, 0, odd\)"):
        read_data(str(tmp_path / "new.csv"), target="label", features=["0", "1"],
                  need_target=False)
    assert main(["train", str(tmp_path / "train.csv"), "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "new.csv")]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "looks like an example (1, 0, odd)" in captured.err
    # the message's way out names a text cell, which the rule reads, not the last cell 0
    with open(tmp_path / "first.csv", "w", newline="") as fh:
        csv.writer(fh).writerows([[r[2], r[0], r[1]] for r in rows])
    with pytest.raises(ValueError, match=r"target='odd', --target odd on the command line\)$"):
        read_data(str(tmp_path / "first.csv"))
    table = read_data(str(tmp_path / "first.csv"), target="odd")
    assert table.feature_names == ["1", "0"] and list(table.y) == [r[2] for r in rows[1:]]
    np.testing.assert_array_equal(table.X, [[float(r[0]), float(r[1])] for r in rows[1:]])
    # with the header row the same file gives one prediction per example
    _write_csv(tmp_path / "new.csv", ["0", "1", "label"], rows)
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "new.csv")]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 1 + len(rows)


@pytest.mark.parametrize("option", ["-o", "--plot"])
def test_an_output_name_too_long_for_the_system_is_an_argument_error(tmp_path, capsys, option):
    """A name longer than the system allows (an inline JSON or a pasted text given where a
    file is expected) ended with Path.is_dir's OSError as a traceback; it is now refused as
    the option's argument, with the system's reason, before anything is read."""
    import errno
    import os

    _write_small_csv(tmp_path / "data.csv")
    long = str(tmp_path / ("x" * 300))
    with pytest.raises(OSError) as exc:  # the reference: what the system says of that name
        os.stat(long)
    assert exc.value.errno == errno.ENAMETOOLONG
    with pytest.raises(SystemExit) as stop:
        main(["train", str(tmp_path / "data.csv"), "-q", option, long])
    assert stop.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "Traceback" not in captured.err
    shown = "-o/--out" if option == "-o" else option
    assert captured.err.strip().splitlines()[-1] == (
        f"chainrule train: error: argument {shown}: {long}: {exc.value.strerror}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv"]


def _train_capturing(monkeypatch, tmp_path, *options):
    """Run ``chainrule train iris`` with ``options``; the History that its Trainer.fit
    returned."""
    from chainrule.training import Trainer

    runs = []
    real = Trainer.fit

    def capture(*args, **kwargs):
        runs.append(real(*args, **kwargs))
        return runs[-1]

    monkeypatch.setattr(Trainer, "fit", capture)
    out = tmp_path / f"m{len(list(tmp_path.iterdir()))}.npz"
    assert main(["train", "iris", "--optimizer", "sgd", "--lr", "0.1", "--epochs", "6", "-q",
                 *options, "-o", str(out)]) == 0
    return runs[0], (cr.load(out), load_metadata(out))


def test_train_schedule_cosine_anneals_over_the_epochs(monkeypatch, tmp_path):
    import math

    history, (model, meta) = _train_capturing(monkeypatch, tmp_path, "--schedule", "cosine")
    expected = [0.1 * (1 + math.cos(math.pi * t / 6)) / 2 for t in range(6)]
    np.testing.assert_allclose(history["lr"], expected, rtol=1e-15)
    _, (same, _) = _train_capturing(monkeypatch, tmp_path, "--schedule",
                                    '{"name": "cosine", "T_max": 6}')
    _, (constant, constant_meta) = _train_capturing(monkeypatch, tmp_path)
    np.testing.assert_array_equal(model.params, same.params)
    assert not np.array_equal(model.params, constant.params)
    assert meta["training"]["schedule"] == "cosine"
    assert "schedule" not in constant_meta["training"]


def test_train_schedule_with_settings_steps_the_rate(monkeypatch, tmp_path):
    history, _ = _train_capturing(monkeypatch, tmp_path, "--schedule",
                                  '{"name": "step", "step_size": 2, "gamma": 0.5}')
    np.testing.assert_allclose(history["lr"], [0.1, 0.1, 0.05, 0.05, 0.025, 0.025], rtol=1e-15)


@pytest.mark.parametrize(("value", "message"), [
    ("cos", "expected one of constant, step, multistep, exponential, invscaling, cosine, plateau, "
            "warmup, onecycle, cosine_restarts, linear, polynomial, inverse_time "
            "or a JSON object such as '{\"name\": \"step\", \"step_size\": 20}', got 'cos'"),
    ('{"name": "step", "step_size": 0}', "step_size must be an int >= 1, got 0"),
    ('{"name": "step"', "not valid JSON"),
    ('{"name": "cosine", "T_max": 3, "warmup": 2}', "schedule 'cosine' has no setting 'warmup'"),
    # json.loads raised RecursionError here: a traceback instead of argparse's one line
    ('{"a": ' * 50_000 + "1" + "}" * 50_000,
     'not valid JSON (nested too deeply): {"a": {"a": {"a": {"a": {"a": {"a": {"a"...'),
])
def test_train_schedule_refuses_what_is_no_schedule(value, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "iris", "--schedule", value, "-q", "-o", str(tmp_path / "m.npz")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "argument --schedule: " in err and message in err
    assert not (tmp_path / "m.npz").exists()


def test_a_pandas_index_column_is_named_as_such(tmp_path, capsys):
    """A DataFrame written by to_csv() (index=True, its default) was refused with "column 1
    has no name" alone; the message now says where such a column comes from and what to do.

    Reference: pandas' own to_csv of the wine data, and the same frame with index=False.
    """
    from sklearn.datasets import load_wine

    from chainrule.tabular import read_data

    frame = load_wine(as_frame=True).frame.sample(40, random_state=0)
    frame.to_csv(tmp_path / "wine.csv")
    assert main(["train", str(tmp_path / "wine.csv"), "-o", str(tmp_path / "m"), "-q"]) == 2
    err = capsys.readouterr().err
    assert (f"{tmp_path / 'wine.csv'} line 1: column 1 has no name (pandas' DataFrame.to_csv "
            "writes its index there: write the file with index=False, or leave the column "
            "out by naming the features to take with --features (read_data's features=))"
            ) in err, err
    assert not (tmp_path / "m.npz").exists()
    frame.to_csv(tmp_path / "wine.csv", index=False)  # as the message says
    table = read_data(str(tmp_path / "wine.csv"))
    np.testing.assert_array_equal(table.X, frame.drop(columns="target").to_numpy())
    assert table.feature_names == list(frame.columns[:-1])
    _write_csv(tmp_path / "gap.csv", ["a", "", "y"], [["1", "2", "0"], ["3", "4", "1"]])
    assert main(["train", str(tmp_path / "gap.csv"), "-o", str(tmp_path / "m"), "-q"]) == 2
    assert "gap.csv line 1: column 2 has no name\n" in capsys.readouterr().err


def test_train_bounded_output_accepts_a_target_past_its_bound_by_rounding(tmp_path, capsys):
    """train --output sigmoid compared the target with [0, 1] exactly, so a target
    MinMax-scaled to 1.0000000000000002 was refused with "runs from 0 to 1" (the :g
    format rounding the offending value away).  A value past a bound by rounding only
    (RANGE_ROUNDING, the autoencoders' allowance) now trains, as the clipped target does;
    one past it is still refused, and the message shows it with 7 digits."""
    from sklearn.preprocessing import MinMaxScaler

    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 2))
    raw = np.r_[3.1, 0.2, 1.7, rng.uniform(0.2, 3.1, size=27)]
    t = MinMaxScaler().fit_transform(raw[:, None])[:, 0]
    assert t.max() > 1.0  # the rescaler's rounding, which the test is about
    args = ["--target", "t", "--output", "sigmoid", "--epochs", "3", "--seed", "0", "-q"]
    np.savez(tmp_path / "scaled.npz", X=X, t=t)
    np.savez(tmp_path / "clipped.npz", X=X, t=np.clip(t, 0.0, 1.0))
    for name in ("scaled", "clipped"):
        assert main(["train", str(tmp_path / f"{name}.npz"), *args,
                     "-o", str(tmp_path / f"{name}-model")]) == 0, capsys.readouterr().err
    np.testing.assert_allclose(cr.load(tmp_path / "scaled-model.npz").params,
                               cr.load(tmp_path / "clipped-model.npz").params,
                               rtol=0, atol=1e-12)
    np.savez(tmp_path / "past.npz", X=X, t=np.r_[t[:-1], 1.00001])
    capsys.readouterr()
    assert main(["train", str(tmp_path / "past.npz"), *args,
                 "-o", str(tmp_path / "never")]) == 2
    assert ("--output sigmoid: its outputs lie in [0, 1], but the target 't' runs from 0 "
            "to 1.00001;") in capsys.readouterr().err
    assert not (tmp_path / "never.npz").exists()


def test_help_and_docstrings_state_the_default_loss_of_every_output():
    """--loss's help of train and gradcheck said "default: canonical for the output", yet
    an exp output, whose canonical loss (losses.py) is poisson, trains with squared_error
    (kept so: saved models and resumed runs depend on it).  The help texts and the
    docstrings of mlp and network_from_layers now state each output's default, which
    this checks against the loss the library and train pick for every activation."""
    from pathlib import Path

    from chainrule._cli_resume_checks import resolved_loss
    from chainrule.activations import ACTIVATIONS
    from chainrule.cli import build_parser
    from chainrule.losses import LOSSES

    commands = build_parser()._subparsers._group_actions[0].choices
    texts = {f"{c} --loss": next(a.help for a in commands[c]._actions
                                 if "--loss" in a.option_strings)
             for c in ("train", "gradcheck")}
    for func in (cr.mlp, cr.network_from_layers):
        # inspect.getdoc: Python >= 3.13 takes the indentation off __doc__ itself
        entry = inspect.getdoc(func).split("\nloss : str", 1)[1]
        texts[func.__name__] = re.split(r"\n(?=\S)", entry)[0]

    def stated(text: str, output: str) -> str:
        text = " ".join(text.replace('"', "").split())
        named = {act: loss for loss, act in re.findall(r"(\w+) for (\w+)", text)
                 if loss in LOSSES}
        other = re.search(r"(\w+) for every other output, exp included", text)
        assert other, text
        return named.get(output, other.group(1))

    for where, text in texts.items():
        for output in ACTIVATIONS:
            expected = cr.mlp([2, 2], output=output).loss.name
            assert resolved_loss(output, None) == expected  # what train records
            assert stated(text, output) == expected, (where, output)
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    section = " ".join(readme.split("## Command line", 1)[1].split("\n## ", 1)[0].split())
    assert ("`squared_error` after any other output, an `--output exp` included: its "
            "canonical `poisson` only when given") in section


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_train_decay_is_the_library_s_and_enters_the_cost_as_its_formula(tmp_path, decay):
    """train had no --decay: only the UFLDL convention (lambda/2) sum W^2 was reachable
    from it, though gradcheck has --decay and the library both conventions.  The model
    of --decay equals mlp(..., decay=...) trained by cr.train on the same data, and the
    cost of the first gd epoch is the data term plus (lambda/2) sum W^2, divided by the
    m examples for per_sample, computed here by hand from the initial weights."""
    rng = np.random.default_rng(4)
    X = rng.normal(size=(40, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=40)
    np.savez(tmp_path / "data.npz", X=X, y=y)
    lam, lr, epochs = 0.5, 0.1, 3
    assert main(["train", str(tmp_path / "data.npz"), "--hidden", "4", "--optimizer", "gd",
                 "--momentum", "0", "--lr", str(lr), "--epochs", str(epochs),
                 "--val-fraction", "0", "--scale", "none", "--weight-decay", str(lam),
                 "--decay", decay, "--seed", "0", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    model, meta = cr.load(tmp_path / "m.npz"), load_metadata(tmp_path / "m.npz")
    assert model.decay == decay and meta["training"]["decay"] == decay

    def fresh():
        return cr.mlp([3, 4, 1], hidden="relu", output="identity", seed=0,
                      weight_decay=lam, decay=decay)

    net = fresh()
    cr.train(net, X, y[:, None], optimizer="gd", lr=lr, momentum=0.0, epochs=epochs, seed=0)
    np.testing.assert_allclose(model.params, net.params, rtol=1e-12, atol=1e-15)
    # the first epoch's cost by hand, from the initial weights
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in fresh().layers]
    out = np.maximum(X @ W1 + b1, 0.0) @ W2 + b2
    data_term = np.mean(0.5 * (out[:, 0] - y) ** 2)
    penalty = lam / 2 * (np.sum(W1**2) + np.sum(W2**2))
    expected = data_term + (penalty / len(X) if decay == "per_sample" else penalty)
    np.testing.assert_allclose(meta["history"]["loss"][0], expected, rtol=1e-12)


@pytest.mark.parametrize("zero", [[], ["--weight-decay", "0"]])
def test_train_refuses_decay_without_weight_decay(tmp_path, capsys, zero):
    """--decay without --weight-decay (or with 0) was accepted and did nothing: the model
    was that of no --decay, as --momentum given to adam would be, which train refuses.
    It is now refused before the data are read, naming both options, and nothing is
    written."""
    out = tmp_path / "m.npz"
    assert main(["train", "iris", *zero, "--decay", "per_sample", "--epochs", "1", "-q",
                 "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("chainrule: error: --decay per_sample: a convention of the weight "
                          "decay, but --weight-decay is 0 (the default)"), err
    assert "give --weight-decay LAMBDA too, or leave --decay out" in err
    assert list(tmp_path.iterdir()) == []
    # with a weight decay it is taken (and decides the model: see the test above)
    assert main(["train", "iris", "--weight-decay", "0.01", "--decay", "per_sample",
                 "--epochs", "1", "-q", "-o", str(out)]) == 0
    assert load_metadata(out)["training"]["decay"] == "per_sample"


@pytest.mark.parametrize(("argv", "words"), [
    (["loss", "M", "iris"],
     "plot loss: DATA is for plot regions, confusion, misclassified, predicted, pr and "
     "calibration only"),
    (["loss", "M", "--normalize"], "plot loss: --normalize is for plot confusion only"),
    (["weights", "M", "--target", "species"],
     "plot weights: --target is for plot regions, confusion, misclassified, predicted, pr and "
     "calibration only"),
    (["confusion", "M", "iris", "--shape", "2", "2"],
     "plot confusion: --shape is for plot weights only"),
    (["regions", "M", "iris", "--max-units", "3"],
     "plot regions: --max-units is for plot weights only"),
])
def test_plot_refuses_an_option_of_another_kind_of_picture(tmp_path, capsys, argv, words):
    """plot drew the picture and ignored what only another kind takes (plot loss with
    --normalize or DATA, plot weights with --target ...), where gradcheck refuses the
    options of another mode.  They are refused now, before anything is written; the kind
    that takes them draws as before."""
    model = tmp_path / "m.npz"
    assert main(["train", "iris", "--hidden", "4", "--epochs", "1", "-q", "-o", str(model)]) == 0
    capsys.readouterr()
    out = tmp_path / "p.png"
    argv = [str(model) if a == "M" else a for a in argv]
    assert main(["plot", *argv, "-o", str(out)]) == 2
    assert capsys.readouterr().err == f"chainrule: error: {words}; leave it out\n"
    assert not out.exists()
    assert main(["plot", "weights", str(model), "--shape", "2", "2", "--max-units", "3",
                 "-o", str(out)]) == 0
    assert out.read_bytes().startswith(b"\x89PNG")


def test_regression_targets_of_a_table_without_targets_is_a_value_error(tmp_path):
    """regression_targets checked for a missing target with a bare assert: an
    AssertionError without a message, and under python -O no check at all (np.asarray of
    None then failed with "iteration over a 0-d array").  It is now a ValueError."""
    from chainrule.saved_model import regression_targets
    from chainrule.tabular import read_data

    path = tmp_path / "x.npz"
    np.savez(path, X=np.arange(6.0).reshape(3, 2))
    table = read_data(path, need_target=False)
    assert table.y is None
    with pytest.raises(ValueError, match=re.escape(
            f"table: {path} has no targets (table.y is None); regression_targets needs a "
            "table read with its target")):
        regression_targets(table)


def test_every_positional_argument_has_help_and_model_names_the_files_read(tmp_path, capsys):
    """info's and plot's MODEL (and plot's KIND, experiment's NAME) had no help text, where
    evaluate's and predict's MODEL say which files they read.  Now every positional argument
    has one, and the files info reads, each saved here and read by info, are those its MODEL
    help names; plot loss draws the files its help names for it and refuses the others."""
    import warnings

    from chainrule.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    bare = [(name, a.dest) for name, p in commands.items() for a in p._actions
            if not a.option_strings and a.dest != "help" and not a.help]
    assert bare == []
    rng = np.random.default_rng(0)
    X, y = rng.uniform(0.1, 0.9, size=(30, 4)), np.repeat([0, 1, 2], 10)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations: ConvergenceWarning
        fitted = {
            "MLPClassifier": cr.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(X, y),
            "MLPRegressor": cr.MLPRegressor(hidden_layer_sizes=(3,), max_iter=2).fit(X, X[:, 0]),
            "SoftmaxRegression": cr.SoftmaxRegression(max_iter=2).fit(X, y),
            "StackedAutoencoder": cr.StackedAutoencoder(hidden_sizes=(2,), max_iter=2,
                                                        softmax_max_iter=2,
                                                        fine_tune_iter=2).fit(X, y),
            "SparseAutoencoder": cr.SparseAutoencoder(n_hidden=2, max_iter=2).fit(X),
        }
    cr.mlp([4, 3, 2]).save(tmp_path / "Network.npz")
    for name, est in fitted.items():
        est.save(tmp_path / f"{name}.npz")
    helps = {c: " ".join(next(a for a in commands[c]._actions if a.dest == "model").help.split())
             for c in ("info", "plot")}
    for name in [*fitted, "Network"]:
        assert main(["info", str(tmp_path / f"{name}.npz")]) == 0, name
        assert all(name in text for text in helps.values()), name
        code = main(["plot", "loss", str(tmp_path / f"{name}.npz"), "-o",
                     str(tmp_path / f"{name}.png")])
        loss_help = helps["plot"].split("(loss:", 1)[1]
        assert (code == 0) == (name in loss_help), name
    assert "chainrule train" in helps["info"] and "chainrule train" in loss_help
    capsys.readouterr()


def test_plot_regions_names_the_models_features_on_its_axes(trained, monkeypatch):
    """plot regions drew no axis labels (and no ticks): the axes now say which feature
    of the data file each one is, the columns f1 and f2 of the CSV."""
    from chainrule import plots

    d, X, _ = trained
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    assert main(["plot", "regions", str(d / "model.npz"), str(d / "data.csv"), "-o",
                 str(d / "regions-axes.png")]) == 0
    (fig,) = drawn
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("f1", "f2")
    lo, hi = X.min(axis=0), X.max(axis=0)  # the points drawn in the file's units
    np.testing.assert_allclose(ax.get_xlim(), [lo[0] - (hi[0] - lo[0]) / 4,
                                               hi[0] + (hi[0] - lo[0]) / 4])


def test_plot_titles_say_which_data(trained, monkeypatch):
    """plot confusion titled its picture 'Confusion matrix' whatever DATA it counted, and
    the loss curve of train --plot was 'Training and validation loss', of no data and no
    cost, while plot loss drew the same history as '... cost (mean log_loss)'.  Both now
    name the data (the file's name) and the loss curves of one model are one picture."""
    from sklearn.metrics import confusion_matrix

    from chainrule import plots

    d, X, y = trained
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    model = str(d / "model.npz")
    assert main(["plot", "confusion", model, str(d / "data.csv"), "-o",
                 str(d / "c-title.png")]) == 0
    ax = drawn[-1].axes[0]
    labels = sorted(set(y))
    pred = np.asarray(labels)[_reference(model, X).argmax(axis=1)]
    counts = confusion_matrix(y, pred, labels=labels)
    assert ax.get_title() == (f"Confusion matrix on data.csv (accuracy "
                              f"{np.trace(counts) / counts.sum():.1%}, {counts.sum()} examples)")
    assert main(["plot", "loss", model, "-o", str(d / "l-title.png")]) == 0
    assert drawn[-1].axes[0].get_title() == (
        f"Training cost on data.csv (mean {cr.load(model).loss.name})")  # --val-fraction 0
    # train --plot drew the loss curve the model file holds, as plot loss draws it
    assert (d / "loss.png").read_bytes() == (d / "l-title.png").read_bytes()


def test_plot_regions_title_names_the_data_file_and_fits(trained, tmp_path, monkeypatch):
    """The title of plot regions held DATA's whole path: a file a few folders deep gave a
    title wider than the 400-pixel picture, cut at both sides.  It now names the file."""
    import shutil

    from chainrule import plots

    d, _, _ = trained
    deep = tmp_path / "experiments" / "two-moons" / "validation-points" / "second-run"
    deep.mkdir(parents=True)
    shutil.copy(d / "data.csv", deep / "data.csv")
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, path: drawn.append(fig) or save(fig, path))
    assert main(["plot", "regions", str(d / "model.npz"), str(deep / "data.csv"), "-o",
                 str(tmp_path / "r.png")]) == 0
    (fig,) = drawn
    title = fig.axes[0].title
    assert title.get_text() == "decision regions on data.csv"
    box = title.get_window_extent(fig.canvas.get_renderer())
    assert fig.bbox.x0 <= box.x0 and box.x1 <= fig.bbox.x1


def test_evaluate_knows_the_training_file_from_another_directory(tmp_path, capsys,
                                                                 monkeypatch):
    # train recorded DATA as given ("d.csv"), relative to its own directory; evaluate,
    # run in another directory, compared that name with its own "d.csv": another file of
    # the same name was said to be the training data, and the training file itself not
    rows = {"A": [[i, i % 7, i % 2] for i in range(30)],
            "B": [[i, i % 5, (i + 1) % 2] for i in range(30)]}
    for d in "AB":
        (tmp_path / d).mkdir()
        _write_csv(tmp_path / d / "d.csv", ["a", "b", "y"], rows[d])
    monkeypatch.chdir(tmp_path / "A")
    assert main(["train", "d.csv", "--epochs", "1", "--val-fraction", "0", "-q",
                 "-o", "m.npz"]) == 0
    monkeypatch.chdir(tmp_path / "B")
    capsys.readouterr()
    seen = ", the data the model was trained on (all 30 training examples; none held out: " \
           "not a test score)"
    for given, words in [("d.csv", ""), (os.path.join("..", "A", "d.csv"), seen)]:
        assert main(["evaluate", os.path.join("..", "A", "m.npz"), given]) == 0
        assert capsys.readouterr().out.splitlines()[0] == f"{given}: 30 examples{words}"
