"""importance refuses DATA on which no shuffle can change the score, instead of printing
an importance of 0 for every feature as if measured: one example (its shuffled column is
the same column: accuracy, log loss, MSE all unchanged), and, for R^2, a target of one
value in every row, where scikit-learn's r2_score is 0 whatever the predictions."""

import numpy as np
import pytest
from sklearn.metrics import r2_score

from chainrule.cli import main


def _write(path, X, y):
    path.write_text("a,b,y\n" + "".join(f"{a!r},{b!r},{t!r}\n" for (a, b), t in zip(
        X.tolist(), y.tolist(), strict=True)))


@pytest.fixture
def regression(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = 3.0 * X[:, 0] - X[:, 1]
    _write(tmp_path / "train.csv", X, y)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "train.csv"), "--hidden", "4", "--epochs", "20",
                 "-q", "-o", str(model)]) == 0
    return str(model), X


def test_a_constant_target_refuses_r2_and_takes_mse(regression, tmp_path, capsys):
    model, X = regression
    const = tmp_path / "const.csv"
    _write(const, X[:10], np.full(10, 2.5))
    # the reference: R^2 of a constant target is 0 for any imperfect predictions
    assert r2_score(np.full(10, 2.5), X[:10, 0]) == r2_score(np.full(10, 2.5), -X[:10, 1]) == 0
    capsys.readouterr()
    assert main(["importance", model, str(const)]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: the default score, r2: the target is the same in every row of "
        f"{const} (2.5), where R^2 is 0 whatever the model predicts, so every importance "
        "would be 0; choose another with --scoring: mse, rmse, mae\n")
    assert main(["importance", model, str(const), "--scoring", "mse", "--json"]) == 0
    import json

    result = json.loads(capsys.readouterr().out)
    rows = {row["feature"]: row["importance_mean"] for row in result["features"]}
    assert rows["a"] > 0  # the model relies on a (y = 3a - b): shuffling it worsens the MSE


@pytest.mark.parametrize("scoring", [[], ["--scoring", "mse"]])
def test_one_example_is_refused_for_every_score(regression, tmp_path, capsys, scoring):
    model, X = regression
    one = tmp_path / "one.csv"
    _write(one, X[:1], np.array([1.0]))
    capsys.readouterr()
    assert main(["importance", model, str(one), *scoring]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {one}: 1 example; a shuffled column of one row is the same "
        "column, so every importance would be 0: importance needs two examples or more\n")
