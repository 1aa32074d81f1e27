"""evaluate, importance and plot confusion of an estimator's file, which names no target.

Without ``--target`` they read DATA's default target, the last column of a CSV file.
Where that column is not the labels (a column after them: a note, a colour), the
error spoke of "target 'color'" that the user never named; it now says that the
target was DATA's default because the file names none, and to give ``--target``.
With ``--target`` the scores are scikit-learn's of the estimator's own predictions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import load_iris
from sklearn.metrics import accuracy_score

import chainrule as cr
from chainrule.cli import main


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """An MLPClassifier fitted on iris's named columns, and a CSV file of them, the
    labels (species) and, last, a column of text that is no label (color)."""
    path = tmp_path_factory.mktemp("default_target")
    iris = load_iris(as_frame=True)
    X = iris.data.set_axis(["sl", "sw", "pl", "pw"], axis=1)
    y = np.asarray(iris.target_names)[iris.target]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # not converged in 30 iterations
        est = cr.MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0).fit(X, y)
    est.save(path / "est.npz")
    table = X.assign(species=y, color=np.resize(["red", "blue", "green"], len(y)))
    table.to_csv(path / "data.csv", index=False)
    return path, est, X, y


@pytest.mark.parametrize("argv", [["evaluate"], ["importance", "-q"],
                                  ["plot", "confusion"]])
def test_the_default_target_of_an_estimators_file_is_said_with_target(files, capsys, argv):
    path, *_ = files
    extra = ["-o", str(path / "c.png")] if argv[0] == "plot" else []
    code = main([*argv, str(path / "est.npz"), str(path / "data.csv"), *extra])
    err = capsys.readouterr().err
    assert code == 2
    assert "target 'color'" in err  # the reader's words, as before
    assert "names no target column" in err and "DATA's default, the last column" in err
    assert "--target NAME" in err
    assert not (path / "c.png").exists()


def test_with_target_the_scores_are_those_of_the_estimators_predictions(files, capsys):
    path, est, X, y = files
    assert main(["evaluate", str(path / "est.npz"), str(path / "data.csv"), "--target",
                 "species", "--json"]) == 0
    import json

    scores = json.loads(capsys.readouterr().out)
    assert scores["accuracy"] == pytest.approx(accuracy_score(y, est.predict(X)), abs=1e-15)


def test_a_model_of_chainrule_train_says_nothing_of_a_default(tmp_path, capsys):
    """A model file of train records its target: a DATA without it is refused as before,
    naming the recorded column, with no word of a default."""
    pd.DataFrame({"a": [0.0, 1, 2, 3] * 6, "b": [1.0, 0, 1, 0] * 6,
                  "y": ["u", "v"] * 12}).to_csv(tmp_path / "d.csv", index=False)
    assert main(["train", str(tmp_path / "d.csv"), "--hidden", "2", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 0
    pd.DataFrame({"a": [0.0], "b": [1.0]}).to_csv(tmp_path / "n.csv", index=False)
    capsys.readouterr()
    assert main(["evaluate", str(tmp_path / "m.npz"), str(tmp_path / "n.csv")]) == 2
    err = capsys.readouterr().err
    assert "missing column 'y' (the target)" in err and "names no target" not in err


def test_gradcheck_of_an_estimators_file_says_the_default_target(files, capsys):
    """gradcheck --model --data reads DATA's target as evaluate does: the same words."""
    path, *_ = files
    argv = ["gradcheck", "--model", str(path / "est.npz"), "--data", str(path / "data.csv")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "target 'color'" in err and "names no target column" in err
    assert "--target NAME" in err
    assert main([*argv, "--target", "species", "--samples", "5"]) == 0  # the labels: checked
    assert "PASS" in capsys.readouterr().out

