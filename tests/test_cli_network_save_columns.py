"""predict of a network saved from Python (chainrule.io.save: no feature names) on a
table that holds its target too: every column is taken as a feature, by position.  The
refusal said "data.csv: 5 features; the model takes 4" (or, of a text target, "the model
takes numbers in this column, as its training data held them"), not why the target
counted; it now says that the network names no features and what to give, as it said
for an estimator fitted without feature names."""

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main

_WHY = ("(the network was saved without feature names: every column is a feature, so give "
        "the features alone, without a target, in the order of its inputs)\n")


@pytest.fixture
def saved(tmp_path):
    net = cr.mlp([2, 3, 3], hidden="tanh", output="softmax", seed=0)
    path = str(cr.io.save(net, tmp_path / "net.npz"))
    rng = np.random.default_rng(1)
    X = rng.normal(size=(6, 2))
    numbers = tmp_path / "numbers.csv"
    numbers.write_text("a,b,y\n" + "".join(f"{a!r},{b!r},{i % 3}\n"
                                           for i, (a, b) in enumerate(X.tolist())))
    words = tmp_path / "words.csv"
    words.write_text("a,b,y\n" + "".join(f"{a!r},{b!r},c{i % 3}\n"
                                         for i, (a, b) in enumerate(X.tolist())))
    features = tmp_path / "x.csv"
    features.write_text("a,b\n" + "".join(f"{a!r},{b!r}\n" for a, b in X.tolist()))
    return path, str(numbers), str(words), str(features), net, X


def test_a_target_column_counted_as_a_feature_is_explained(saved, capsys):
    path, numbers, words, features, net, X = saved
    assert main(["predict", path, numbers]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {numbers}: 3 features; the model takes 2 " + _WHY)
    assert main(["predict", path, words]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"chainrule: error: {words} line 2, column 'y': not a number: 'c0'")
    assert err.endswith(_WHY)
    # the features alone: predicted as the network computes them
    assert main(["predict", path, features, "--proba"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "prediction,proba_0,proba_1,proba_2"
    hidden, out = net.layers
    Z = np.tanh(X @ hidden.W + hidden.b) @ out.W + out.b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    cells = np.array([line.split(",") for line in lines[1:]], dtype=float)
    np.testing.assert_array_equal(cells[:, 0], P.argmax(axis=1))
    np.testing.assert_allclose(cells[:, 1:], P, rtol=1e-12)


def test_a_text_cell_speaks_of_no_training_data_the_network_never_recorded(saved, capsys,
                                                                           tmp_path):
    # a network saved from Python records no training data: "as its training data held
    # them" was said of it all the same; a model trained by the CLI still says it
    path, numbers, words = saved[:3]
    assert main(["predict", path, words]) == 2
    err = capsys.readouterr().err
    assert "not a number: 'c0'; the model takes numbers in this column (the network" in err
    assert "training data" not in err
    trained = str(tmp_path / "trained.npz")
    assert main(["train", numbers, "--target", "y", "--epochs", "1", "-q", "-o", trained]) == 0
    capsys.readouterr()
    assert main(["predict", trained, str(_text_feature(tmp_path))]) == 2
    assert ("the model takes numbers in this column, as its training data held them"
            in capsys.readouterr().err)


def _text_feature(tmp_path):
    path = tmp_path / "textfeature.csv"
    path.write_text("a,b,y\n0.5,x,0\n")
    return path
