"""``chainrule train`` without ``--patience`` says when the validation loss ended clearly
above its best (the last epoch's model is the one written), naming the best epoch and
its loss (the history's own minimum, found here with NumPy from the model file), the
final loss and the option that keeps the best weights; a run that does not overfit, and
one given ``--patience``, say nothing.  The rule: the final loss more than 10% above the
minimum, the minimum at least 5 epochs before the end.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.saved_model import SavedModel

NOTE = "validation loss was lowest at epoch"


def _csv(path, X, y, fmt="{:.5f}"):
    names = [f"x{j}" for j in range(X.shape[1])]
    path.write_text(",".join([*names, "y"]) + "\n" + "".join(
        ",".join(f"{v:.5f}" for v in row) + "," + fmt.format(t) + "\n"
        for row, t in zip(X, y, strict=True)))
    return path


@pytest.fixture
def noisy(tmp_path):
    """600 rows, 20 features of which 2 matter, labels drawn from a logistic model: a
    hidden layer of 256 learns the noise of the 540 training rows."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 20))
    y = (rng.random(600) < 1 / (1 + np.exp(-(X[:, 0] + 0.5 * X[:, 1])))).astype(int)
    return _csv(tmp_path / "noisy.csv", X, y, "{}")


def test_an_overfitting_run_names_its_best_epoch_and_patience(noisy, tmp_path, capsys):
    out = tmp_path / "m.npz"
    assert main(["train", str(noisy), "--hidden", "256", "--epochs", "40", "-q",
                 "-o", str(out)]) == 0
    err = capsys.readouterr().err
    val_loss = np.array(SavedModel.load(out).metadata["history"]["val_loss"])
    best = int(np.argmin(val_loss))
    assert val_loss[-1] > 1.1 * val_loss[best] and best + 1 <= 40 - 5  # it does overfit
    lines = [line for line in err.splitlines() if NOTE in line]
    assert len(lines) == 1
    found = re.search(r"lowest at epoch (\d+) \(([\d.e+-]+)\) and is ([\d.e+-]+) at epoch "
                      r"(\d+)", lines[0])
    assert found is not None
    assert int(found[1]) == best + 1
    assert float(found[2]) == pytest.approx(val_loss[best], rel=1e-3)
    assert float(found[3]) == pytest.approx(val_loss[-1], rel=1e-3)
    assert int(found[4]) == len(val_loss) == 40
    assert "--patience 10" in lines[0]
    # the model written is the last epoch's: the note says so
    assert load_metadata(out)["training"]["stop_reason"] == "epochs"


def test_patience_or_no_validation_rows_says_nothing(noisy, tmp_path, capsys):
    for extra in (["--patience", "10"], ["--val-fraction", "0"]):
        assert main(["train", str(noisy), "--hidden", "256", "--epochs", "40", "-q",
                     "-o", str(tmp_path / "m.npz"), *extra]) == 0
        assert NOTE not in capsys.readouterr().err


def test_a_run_that_does_not_overfit_says_nothing(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    y = X[:, 0] - 0.5 * X[:, 1] + 0.1 * rng.normal(size=400)
    data = _csv(tmp_path / "clean.csv", X, y)
    out = tmp_path / "c.npz"
    assert main(["train", str(data), "--hidden", "8", "--epochs", "30", "-q",
                 "-o", str(out)]) == 0
    val_loss = np.array(SavedModel.load(out).metadata["history"]["val_loss"])
    assert val_loss[-1] <= 1.1 * val_loss.min()  # the reference: it did not overfit
    assert NOTE not in capsys.readouterr().err


def test_the_rule_on_hand_worked_histories():
    from chainrule._cli_models_overfit import overfit

    # lowest at epoch 2 (0.5), then 5 epochs more; 0.56 is 12% above 0.5: said
    assert overfit([1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.56]) == (2, 0.5, 0.56, 7)
    # 0.54 is 8% above: not clearly past the best
    assert overfit([1.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.54]) is None
    # the lowest 4 epochs before the end: a late wobble, not said
    assert overfit([1.0, 0.9, 0.5, 0.6, 0.7, 0.8, 0.9]) is None
    # a tie: the first epoch of the minimum; a NaN in the history: nothing said
    assert overfit([0.5, 0.7, 0.5, 0.8, 0.8, 0.8, 0.8, 0.9])[0] == 1
    assert overfit([0.5, float("nan"), 0.9, 0.9, 0.9, 0.9, 0.9]) is None


def test_cv_says_it_once_for_all_its_folds(noisy, capsys):
    argv = ["cv", str(noisy), "--hidden", "256", "--epochs", "40", "--folds", "3", "-q"]
    assert main(argv) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "note:" in line]
    assert len(lines) == 1 and lines[0].startswith("chainrule cv: note: in folds 1, 2, 3 of 3 ")
    assert "--patience 10" in lines[0]
    assert main([*argv, "--patience", "10"]) == 0
    assert "note:" not in capsys.readouterr().err
