"""``chainrule train DATA --init-from MODEL`` of a model with one-hot categorical columns
and ``--impute``: DATA is encoded with MODEL's category lists (a category MODEL never saw
as all zeros, warned of) and filled with MODEL's fill values, so that the inputs mean what
they meant; the reference is pandas' encoding by hand with MODEL's lists, then
``chainrule.train`` of MODEL's network."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from finetune_tables import colour_table

_FINE = ["--optimizer", "sgd", "--lr", "0.05", "--momentum", "0.9", "--batch-size", "8",
         "--epochs", "3", "--val-fraction", "0", "--seed", "7", "-q"]
_MODEL = ["--hidden", "3", "--epochs", "2", "--val-fraction", "0", "--seed", "1", "-q"]


def _table(path, n, colours, seed, gaps=False):
    return colour_table(path, n, colours, seed, (7, 3) if gaps else None)


def _reference(model, X, y, y_train):
    net = cr.load_model(model).network
    cr.train(net, X, ((y - y_train.mean()) / y_train.std())[:, None], optimizer="sgd",
             lr=0.05, momentum=0.9, batch_size=8, epochs=3, seed=7)
    return net


def test_data_of_other_categories_is_encoded_with_the_models(tmp_path):
    a = _table(tmp_path / "a.csv", 40, ["red", "green", "blue"], 1)
    b = _table(tmp_path / "b.csv", 20, ["red", "blue", "pink"], 2)  # no green; pink new
    model, out = str(tmp_path / "M.npz"), str(tmp_path / "F.npz")
    assert main(["train", a, *_MODEL, "-o", model]) == 0
    with pytest.warns(UserWarning) as said:
        assert main(["train", b, "--init-from", model, *_FINE, "-o", out]) == 0
    text = " ".join(str(w.message) for w in said)
    assert (f"hold a category that the model of --init-from {model} did not have in its "
            "training data ('pink'); encoded as all zeros, as that model has no input for "
            "it") in text
    assert "the training data did not have" not in text  # DATA is the run's training data
    kept = load_metadata(model)["categories"]["colour"]  # M's list, in M's order
    assert kept == ["blue", "green", "red"]
    da, db = pd.read_csv(a), pd.read_csv(b)
    dummies = (db["colour"].to_numpy()[:, None] == np.array(kept)).astype(float)
    x = (db["x"] - da["x"].mean()) / da["x"].std(ddof=0)
    X = np.column_stack([x.to_numpy(), dummies])  # pink: a row of zeros
    assert (dummies[db["colour"] == "pink"] == 0).all() and (db["colour"] == "pink").any()
    ref = _reference(model, X, db["y"].to_numpy(), da["y"].to_numpy())
    got = cr.load_model(out)
    np.testing.assert_allclose(got.network.params, ref.params, rtol=0, atol=1e-12)
    assert load_metadata(out)["categories"] == {"colour": kept}


def test_missing_cells_are_filled_with_the_models_values(tmp_path):
    a = _table(tmp_path / "a.csv", 40, ["red", "green", "blue"], 4, gaps=True)
    b = _table(tmp_path / "b.csv", 20, ["red", "blue"], 5, gaps=True)
    model, out = str(tmp_path / "M.npz"), str(tmp_path / "F.npz")
    assert main(["train", a, *_MODEL, "--impute", "median", "--missing-indicator",
                 "-o", model]) == 0
    assert main(["train", b, "--init-from", model, *_FINE, "-o", out]) == 0
    da, db = pd.read_csv(a), pd.read_csv(b)
    fill = da["x"].median()  # M's training rows', not B's
    assert abs(fill - db["x"].median()) > 1e-3
    filled_a = da["x"].fillna(fill)
    x = (db["x"].fillna(fill) - filled_a.mean()) / filled_a.std(ddof=0)
    dummies = pd.get_dummies(pd.Categorical(db["colour"], categories=["blue", "green", "red"]))
    X = np.column_stack([x.to_numpy(), dummies.to_numpy(float),
                         db["x"].isna().to_numpy(float)])  # the missing indicator last
    ref = _reference(model, X, db["y"].to_numpy(), da["y"].to_numpy())
    np.testing.assert_allclose(cr.load_model(out).network.params, ref.params, rtol=0,
                               atol=1e-12)
    assert load_metadata(out)["impute"] == load_metadata(model)["impute"]


@pytest.mark.parametrize(("extra", "said"), [
    (["--impute", "mean"], "--impute: the model of --init-from {m} fills missing cells with "
     "the values of its training data (--impute median --missing-indicator)"),
    (["--categorical", "x"], "--categorical x: the model of --init-from {m} one-hot encodes "
     "'colour'"),
])
def test_another_encoding_is_refused(tmp_path, capsys, extra, said):
    a = _table(tmp_path / "a.csv", 40, ["red", "green", "blue"], 4, gaps=True)
    model = str(tmp_path / "M.npz")
    assert main(["train", a, *_MODEL, "--impute", "median", "--missing-indicator",
                 "-o", model]) == 0
    assert main(["train", a, "--init-from", model, *extra, "-q", "-o",
                 str(tmp_path / "F.npz")]) == 2
    assert said.format(m=model) in capsys.readouterr().err
