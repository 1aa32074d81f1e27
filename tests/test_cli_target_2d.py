"""``chainrule train data.npz --target Y`` of an array Y of shape (n, k): k targets, as
``--target a b`` of k 1-D arrays gives (the references: that path, scikit-learn's
scores of the saved model's predictions, and the arrays written here)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel
from chainrule.tabular import read_data
from test_cli_checkpoint import _same_model

TRAIN = ["--hidden", "6", "--epochs", "8", "--batch-size", "16", "--lr", "0.05", "-q"]


def _data(n: int = 60, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.column_stack([X @ [1.0, 0.2, -5.0], 300 + 100 * np.sin(X[:, 0])])


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    d = tmp_path_factory.mktemp("y2d")
    X, Y = _data()
    np.savez(d / "whole.npz", X=X, Y=Y)
    np.savez(d / "apart.npz", X=X, a=Y[:, 0], b=Y[:, 1])
    assert main(["train", str(d / "whole.npz"), "--target", "Y", *TRAIN,
                 "-o", str(d / "whole_model.npz")]) == 0
    assert main(["train", str(d / "apart.npz"), "--target", "a", "b", *TRAIN,
                 "-o", str(d / "apart_model.npz")]) == 0
    return d


def test_a_2d_target_array_trains_as_its_columns_given_apart(runs):
    """--target Y of shape (n, 2) was refused ("must have shape (60,)")."""
    whole, apart = runs / "whole_model.npz", runs / "apart_model.npz"
    np.testing.assert_array_equal(cr.load(whole).params, cr.load(apart).params)
    meta, ref = load_metadata(whole), load_metadata(apart)
    assert meta["target_names"] == ["Y[0]", "Y[1]"] and ref["target_names"] == ["a", "b"]
    assert meta["task"] == "regression" and cr.load(whole).n_outputs == 2
    for key in ("y_mean", "y_scale", "history"):
        assert meta[key] == ref[key]


def test_evaluate_predict_and_info_read_the_2d_array_of_a_new_file(runs, capsys):
    X, Y = _data(40, seed=1)
    new = runs / "new.npz"
    np.savez(new, X=X, Y=Y)
    model = runs / "whole_model.npz"
    pred = SavedModel.load(model).predict(X)
    capsys.readouterr()
    assert main(["evaluate", str(model), str(new), "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["samples"] == 40 and list(scores["targets"]) == ["Y[0]", "Y[1]"]
    assert scores["mse"] == pytest.approx(metrics.mean_squared_error(Y, pred), rel=1e-10)
    assert scores["r2"] == pytest.approx(metrics.r2_score(Y, pred), rel=1e-10)
    assert scores["targets"]["Y[1]"]["mae"] == pytest.approx(
        metrics.mean_absolute_error(Y[:, 1], pred[:, 1]), rel=1e-10)
    # --target Y names the same array's columns
    assert main(["evaluate", str(model), str(new), "--target", "Y", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == scores
    assert main(["predict", str(model), str(new)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Y[0],Y[1]"
    np.testing.assert_allclose(np.array([r.split(",") for r in lines[1:]], float), pred,
                               rtol=1e-15)
    assert main(["info", str(model)]) == 0
    assert "targets (2): Y[0], Y[1]" in capsys.readouterr().out
    # a Y of a third column would have been scored on its first two: refused
    np.savez(new, X=X, Y=np.column_stack([Y, Y[:, 0]]))
    assert main(["evaluate", str(model), str(new)]) == 2
    err = capsys.readouterr().err
    assert "the target array 'Y' has 3 columns" in err and "Y[0], Y[1]" in err
    assert main(["predict", str(model), str(new)]) == 0  # predict needs no target


def test_a_resumed_run_of_a_2d_target_is_the_uninterrupted_one(runs, tmp_path):
    ckpt, part, model = tmp_path / "run.ckpt.npz", tmp_path / "part.npz", tmp_path / "m.npz"
    args = ["train", str(runs / "whole.npz"), "--target", "Y", *TRAIN,
            "--checkpoint", str(ckpt)]
    assert main([*args, "--epochs", "4", "-o", str(part)]) == 0  # the last --epochs wins
    assert load_metadata(part)["training"]["epochs"] == 4
    assert main([*args, "--resume", "-o", str(model)]) == 0  # to 8 epochs
    _same_model(model, runs / "whole_model.npz")
    assert load_metadata(model)["target_names"] == ["Y[0]", "Y[1]"]


def test_a_2d_array_of_yes_no_columns_trains_a_multi_label_classifier(tmp_path):
    rng = np.random.default_rng(2)
    X = rng.normal(size=(50, 3))
    L = (X[:, :2] > 0).astype(np.int64)
    np.savez(tmp_path / "whole.npz", X=X, L=L)
    np.savez(tmp_path / "apart.npz", X=X, p=L[:, 0], q=L[:, 1])
    for name, target in (("whole", ["L"]), ("apart", ["p", "q"])):
        assert main(["train", str(tmp_path / f"{name}.npz"), "--target", *target, *TRAIN,
                     "-o", str(tmp_path / f"{name}_model.npz")]) == 0
    whole = SavedModel.load(tmp_path / "whole_model.npz")
    assert whole.multilabel and whole.metadata["target_names"] == ["L[0]", "L[1]"]
    np.testing.assert_array_equal(whole.network.params,
                                  cr.load(tmp_path / "apart_model.npz").params)


def test_a_single_column_array_is_one_target(tmp_path):
    """Y of shape (n, 1) is one target, as the 1-D y of the same values."""
    X, Y = _data()
    np.savez(tmp_path / "d.npz", X=X, Y=Y[:, :1], y=Y[:, 0])
    column, flat = read_data(tmp_path / "d.npz", target="Y"), read_data(tmp_path / "d.npz")
    assert column.target_name == "Y" and column.target_names is None
    np.testing.assert_array_equal(column.y, Y[:, 0])
    np.testing.assert_array_equal(column.y, flat.y)


def test_a_name_both_an_array_and_a_column_of_the_2d_target_is_refused(tmp_path, capsys):
    """An NPZ of a 2-D Y and a 1-D array literally named "Y[0]": --target Y trained on the
    other array's values as column 0 (and --target 'Y[0]' read either, by luck)."""
    X, Y = _data()
    data = tmp_path / "d.npz"
    np.savez(data, X=X, Y=Y, **{"Y[0]": -100 * Y[:, 0]})
    for target in ("Y", "Y[0]"):
        with pytest.raises(ValueError, match=r"'Y\[0\]' is both an array of its own \(shape "
                           r"\(60,\)\) and column 0 of the 2-D array 'Y' \(shape \(60, 2\)\)"):
            read_data(data, target=target)
    assert main(["train", str(data), "--target", "Y", *TRAIN,
                 "-o", str(tmp_path / "m.npz")]) == 2
    assert "rename one of them" in capsys.readouterr().err
    # no clash, no refusal: a literal "Y[2]" beside a Y of two columns is its own array
    np.savez(data, X=X, Y=Y, **{"Y[2]": Y[:, 0] + 1})
    np.testing.assert_array_equal(read_data(data, target="Y[2]").y, Y[:, 0] + 1)
    np.testing.assert_array_equal(read_data(data, target="Y").y, Y)


@pytest.mark.parametrize("shape", [(60, 2, 2), (60, 0)])
def test_a_target_of_neither_one_nor_two_dimensions_names_both_shapes_read(tmp_path, shape):
    """A 3-D Y (or one of no columns) was refused as 'must have shape (60,)', though a
    2-D Y of shape (60, k) is read too (as k targets)."""
    X, _ = _data()
    np.savez(tmp_path / "d.npz", X=X, Y=np.zeros(shape))
    with pytest.raises(ValueError, match=r"the target 'Y' must have shape \(60,\), or "
                       rf"\(60, k\) of k targets, like the rows of X, got \({shape[0]}, "):
        read_data(tmp_path / "d.npz", target="Y")


def test_a_one_target_model_on_a_2d_target_array_is_refused_naming_its_columns(
        tmp_path, capsys):
    """A model of one target Y, evaluated on a file whose Y has two columns: read as the two
    targets Y[0], Y[1], it was scored against both (IndexError: too many indices)."""
    X, Y = _data()
    np.savez(tmp_path / "one.npz", X=X, Y=Y[:, :1])
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "one.npz"), "--target", "Y", *TRAIN,
                 "-o", str(model)]) == 0
    np.savez(tmp_path / "two.npz", X=X, Y=Y)
    capsys.readouterr()
    assert main(["evaluate", str(model), str(tmp_path / "two.npz")]) == 2
    assert ("the target 'Y' is an array of 2 columns (Y[0], Y[1]), and the model predicts "
            "one target; name one of them, such as --target 'Y[0]'") in capsys.readouterr().err
    assert main(["gradcheck", "--model", str(model), "--data", str(tmp_path / "two.npz")]) == 2
    assert "the model predicts one target" in capsys.readouterr().err
    # one of its columns, named: scored against it alone
    assert main(["evaluate", str(model), str(tmp_path / "two.npz"), "--target", "Y[0]",
                 "--json"]) == 0
    pred = SavedModel.load(model).predict(X)
    assert json.loads(capsys.readouterr().out)["mse"] == pytest.approx(
        metrics.mean_squared_error(Y[:, 0], pred), rel=1e-10)


def test_the_columns_of_a_2d_target_array_in_another_order(runs, capsys):
    """--target Y[1] Y[0] of a Y of two columns was refused ('expected shape (n_samples, 2),
    its columns in that order', of a Y of that shape), though a CSV file's columns are read
    in the order named."""
    X, Y = _data(40, seed=3)
    new = runs / "swapped.npz"
    np.savez(new, X=X, Y=Y)
    model = runs / "whole_model.npz"
    pred = SavedModel.load(model).predict(X)
    capsys.readouterr()
    assert main(["evaluate", str(model), str(new), "--target", "Y[1]", "Y[0]", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert list(scores["targets"]) == ["Y[1]", "Y[0]"]
    assert scores["mse"] == pytest.approx(metrics.mean_squared_error(Y[:, ::-1], pred),
                                          rel=1e-10)
    assert scores["targets"]["Y[0]"]["mae"] == pytest.approx(
        metrics.mean_absolute_error(Y[:, 0], pred[:, 1]), rel=1e-10)
    # a column left out is still refused
    np.savez(new, X=X, Y=np.column_stack([Y, Y[:, 0]]))
    assert main(["evaluate", str(model), str(new), "--target", "Y[2]", "Y[0]"]) == 2
    assert "the target array 'Y' has 3 columns" in capsys.readouterr().err


def test_evaluate_target_of_a_2d_array_is_named_as_given_in_its_errors(runs, tmp_path,
                                                                       capsys):
    """evaluate --target Y of a Y of 3 columns, for a model of 2 targets, was refused as
    '--target Y[0] Y[1] Y[2]: ...', names the user did not write."""
    X, Y = _data(30, seed=4)
    data = tmp_path / "three.npz"
    np.savez(data, X=X, Y=np.column_stack([Y, Y[:, 1]]))
    capsys.readouterr()
    assert main(["evaluate", str(runs / "whole_model.npz"), str(data), "--target", "Y"]) == 2
    assert ("--target Y (an array of 3 columns, Y[0], Y[1], Y[2]): the model predicts 2 "
            "values per example") in capsys.readouterr().err
    assert main(["evaluate", str(runs / "whole_model.npz"), str(data), "--target", "a", "b",
                 "c"]) == 2  # names given one by one: as they were written
    assert "--target a b c: the model predicts 2 values" in capsys.readouterr().err
