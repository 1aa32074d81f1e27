"""``chainrule train DATA --init-from MODEL`` where DATA holds some of MODEL's classes only:
DATA's labels index MODEL's output units (as a Keras or PyTorch classifier fine-tuned on a
subset keeps its output layer), checked against ``chainrule.train`` of MODEL's network on
targets one-hot over MODEL's classes built in NumPy; a class MODEL has no output for is
refused by name."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata

_FINE = ["--optimizer", "sgd", "--lr", "0.1", "--momentum", "0.9", "--batch-size", "8",
         "--epochs", "3", "--val-fraction", "0", "--seed", "7", "-q"]


def _csv(path, X, y):
    rows = [",".join([*(f"{v:.6f}" for v in x), str(t)]) for x, t in zip(X, y, strict=True)]
    path.write_text("a,b,c,kind\n" + "\n".join(rows) + "\n")
    return str(path)


@pytest.fixture
def three(tmp_path):
    """A softmax model of the classes ant, bee, cat, and rows of other scales."""
    rng = np.random.default_rng(0)
    X = np.round(rng.normal(size=(45, 3)), 6)
    kinds = np.array(["ant", "bee", "cat"])
    y = kinds[np.argmax(X @ rng.normal(size=(3, 3)), axis=1)]
    model = str(tmp_path / "M.npz")
    assert main(["train", _csv(tmp_path / "all.csv", X, y), "--hidden", "4", "--epochs",
                 "3", "--val-fraction", "0", "--seed", "1", "-q", "-o", model]) == 0
    X_b = np.round(rng.normal(loc=1.0, scale=2.0, size=(24, 3)), 6)
    y_b = np.where(X_b[:, 0] > 1.0, "cat", "ant")  # no bee
    return {"model": model, "X": X, "X_b": X_b, "y_b": y_b, "dir": tmp_path,
            "data": _csv(tmp_path / "sub.csv", X_b, y_b)}


def _reference(three, **weights):
    """chainrule.train of M's network on B's rows scaled by NumPy's statistics of M's rows,
    the targets one-hot over M's classes (ant, bee, cat)."""
    net = cr.load_model(three["model"]).network
    X = (three["X_b"] - three["X"].mean(axis=0)) / three["X"].std(axis=0)
    Y = (three["y_b"][:, None] == np.array(["ant", "bee", "cat"])).astype(float)
    cr.train(net, X, Y, optimizer="sgd", lr=0.1, momentum=0.9, batch_size=8, epochs=3,
             seed=7, **weights)
    return net


def test_a_subset_of_the_classes_trains_the_models_output_units(three, capsys):
    out = str(three["dir"] / "F.npz")
    assert main(["train", three["data"], "--init-from", three["model"], *_FINE,
                 "-o", out]) == 0
    got = cr.load_model(out)
    np.testing.assert_allclose(got.network.params, _reference(three).params, rtol=0,
                               atol=1e-12)
    assert got.labels == ["ant", "bee", "cat"]  # all of M's classes, bee's unit kept
    assert main(["evaluate", out, three["data"]]) == 0
    assert main(["train", three["data"], "--init-from", three["model"], "--epochs", "1",
                 "-o", str(three["dir"] / "G.npz")]) == 0
    assert "3 classes (ant, bee, cat), 2 of them in the data (ant, cat;" in \
        capsys.readouterr().out
    predicted = got.predict(three["X_b"])
    assert set(np.asarray(predicted).tolist()) <= {"ant", "bee", "cat"}


def test_balanced_weights_are_those_of_the_classes_data_holds(three):
    out = str(three["dir"] / "W.npz")
    assert main(["train", three["data"], "--init-from", three["model"], *_FINE,
                 "--class-weight", "balanced", "-o", out]) == 0
    y = three["y_b"]  # scikit-learn's n / (k n_c), k the 2 classes present
    w = {c: len(y) / (2 * np.sum(y == c)) for c in ("ant", "cat")}
    ref = _reference(three, sample_weight=np.array([w[c] for c in y]))
    np.testing.assert_allclose(cr.load_model(out).network.params, ref.params, rtol=0,
                               atol=1e-12)
    recorded = load_metadata(out)["training"]
    assert recorded.get("class_weight") == "balanced"


def test_a_class_the_model_has_no_output_for_is_refused_by_name(three, capsys):
    X_b = three["X_b"]
    other = _csv(three["dir"] / "dog.csv", X_b, np.where(X_b[:, 0] > 1.0, "dog", "ant"))
    assert main(["train", other, "--init-from", three["model"], "-q", "-o",
                 str(three["dir"] / "m.npz")]) == 2
    said = capsys.readouterr().err
    assert "holds the classes ['dog'], which the model has no output for" in said
    assert "['ant', 'bee', 'cat']" in said


def test_validation_rows_are_stratified_by_the_classes_data_holds(three):
    """Class indices 0 and 2 of M's three (no bee): the split is scikit-learn's
    train_test_split stratified by DATA's labels, not unstratified for bee's empty class."""
    from sklearn.model_selection import train_test_split

    from chainrule._cli_models_train_task import _split

    y = three["y_b"]
    index = np.where(y == "ant", 0, 2)
    train, val = _split(len(y), 0.25, 5, index)
    ref_train, ref_val = train_test_split(np.arange(len(y)), test_size=6, random_state=5,
                                          stratify=y)
    np.testing.assert_array_equal(val, ref_val)
    np.testing.assert_array_equal(train, ref_train)
