"""``chainrule train --find-lr``: the learning-rate range test on train's data and network,
its table and suggestion as the library computes them, its picture, and the options it
refuses (by name, before the data is read)."""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule.experiments as experiments
from chainrule.cli import main


@pytest.fixture
def range_tests(monkeypatch) -> list:
    """The results of the command's calls of lr_range_test, kept as it returns them."""
    tests = []
    real = experiments.lr_range_test

    def recorded(*args, **kwargs):
        tests.append(real(*args, **kwargs))
        return tests[-1]

    monkeypatch.setattr(experiments, "lr_range_test", recorded)
    return tests


def test_find_lr_on_a_flat_loss_suggests_no_rate_and_says_why(range_tests, capsys, tmp_path):
    """Identical rows, rates too small to move the loss (1e-9 to 1e-7): it falls by about
    1e-5 of itself, noise to suggest nothing from; the steepest descent still has a rate,
    the valley none, and the exit status is 1 as for too few steps."""
    csv = tmp_path / "flat.csv"
    csv.write_text("a,b,y\n" + "0.5,-1.0,2.0\n" * 64)
    code = main(["train", str(csv), "--target", "y", "--task", "regression", "--scale",
                 "none", "--find-lr", "--optimizer", "sgd", "--hidden", "4", "--lr-steps",
                 "40", "--lr-min", "1e-9", "--lr-max", "1e-7", "--seed", "0", "-q"])
    text = capsys.readouterr().out
    assert code == 1
    (test,) = range_tests
    s = test.smoothed[test.skip_start:]
    assert 0 < s.max() - s.min() < 1e-3 * s.max()  # what moves is a tiny part of the loss
    assert test.suggested_lr is None and test.steepest_lr is not None
    assert "valley of the smoothed loss (suggested): undefined" in text
    assert f"steepest descent of the smoothed loss: {test.steepest_lr:.3g}" in text
    assert f"lowest smoothed loss / 10: {test.min_loss_lr:.3g}" in text
    assert "no rate suggested: the smoothed loss is flat" in text
    assert "suggested rate:" not in text


def test_find_lr_prints_the_tests_rates_losses_and_suggestion(range_tests, capsys,
                                                              tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # where the default -o (model.npz) would be written
    out, png = tmp_path / "model.npz", tmp_path / "lr.png"
    code = main(["train", "digits", "--find-lr", "--optimizer", "sgd", "--hidden", "32",
                 "--lr-steps", "60", "--lr-max", "30", "--seed", "0",
                 "--plot", str(png), "-q"])
    text = capsys.readouterr().out
    assert code == 0
    (test,) = range_tests
    assert test.steps == 60 and not out.exists() and png.stat().st_size > 0
    rows = re.findall(r"^\s+(\d+)\s+(\S+)\s+(\S+)$", text, re.M)
    assert len(rows) >= 5
    for step, rate, loss in rows:
        i = int(step) - 1
        # the rate of step i, written out: 1e-7 * (30 / 1e-7) ** (i / 59)
        assert float(rate) == pytest.approx(1e-7 * (30 / 1e-7) ** (i / 59), rel=5e-3)
        assert float(loss) == pytest.approx(test.smoothed[i], rel=1e-4)
    assert int(rows[-1][0]) == test.stopped_at
    assert f"suggested rate: {test.suggested_lr:.3g} (the valley" in text
    assert f"valley of the smoothed loss (suggested): {test.valley_lr:.3g}" in text
    assert f"steepest descent of the smoothed loss: {test.steepest_lr:.3g}" in text
    assert f"lowest smoothed loss / 10: {test.min_loss_lr:.3g}" in text
    assert "range test written to" in text


def test_find_lr_trains_on_the_prepared_training_rows(monkeypatch, capsys):
    """The test gets the standardised training rows (the validation ones held out) and the
    network train would have trained, the optimizer's batch size and momentum."""
    seen = {}
    real = experiments.lr_range_test

    def recorded(net, X, y, **kwargs):
        seen.update(net=net, X=X, y=y, **kwargs)
        return real(net, X, y, **kwargs)

    monkeypatch.setattr(experiments, "lr_range_test", recorded)
    assert main(["train", "iris", "--find-lr", "--optimizer", "nesterov", "--batch-size", "16",
                 "--val-fraction", "0.2", "--lr-steps", "20", "-q"]) == 0
    assert seen["X"].shape == (120, 4)
    np.testing.assert_allclose(seen["X"].mean(axis=0), 0, atol=1e-12)  # standardised
    assert seen["batch_size"] == 16 and seen["momentum"] == 0.9
    assert seen["optimizer"] == "nesterov" and seen["steps"] == 20
    assert seen["net"].layers[-1].activation.name == "softmax"
    capsys.readouterr()


@pytest.mark.parametrize("argv, words", [
    (["--find-lr", "--lr", "0.1"], ["--lr", "--find-lr takes no --lr"]),
    (["--find-lr", "--schedule", "onecycle"], ["--schedule", "--find-lr"]),
    (["--find-lr", "--patience", "3"], ["--patience", "--find-lr"]),
    (["--find-lr", "--ema", "0.9"], ["--ema: --find-lr takes no --ema", "average"]),
    (["--find-lr", "--resume", "--checkpoint", "c.npz"], ["--find-lr takes no"]),
    (["--find-lr", "--optimizer", "lbfgs"], ["--find-lr", "lbfgs", "adam"]),
    (["--find-lr", "--lr-min", "1", "--lr-max", "0.5"], ["--lr-max", "greater than", "0.5"]),
    (["--find-lr", "--lr-steps", "1"], ["--lr-steps", "at least 2", "got 1"]),
    (["--lr-min", "0.001"], ["--lr-min", "give --find-lr"]),
    (["--lr-steps", "50"], ["--lr-steps", "give --find-lr"]),
])
def test_find_lr_refuses_options_by_name(argv, words, capsys, tmp_path):
    code = main(["train", "iris", *argv, "-o", str(tmp_path / "m.npz")])
    err = capsys.readouterr().err
    assert code == 2
    for word in words:
        assert word in err
    assert not (tmp_path / "m.npz").exists()


@pytest.mark.parametrize("argv, words", [
    (["-o", "m.npz"], "chainrule: error: -o/--out: --find-lr takes no -o/--out (the test "
     "writes no model; leave -o out, or leave --find-lr out to train and write the model)"),
    (["--out", "m.npz"], "chainrule: error: -o/--out: --find-lr takes no -o/--out"),
    (["--epochs", "100"], "chainrule: error: --epochs: --find-lr takes no --epochs (the "
     "test runs --lr-steps mini-batch steps"),
])
def test_find_lr_refuses_the_options_of_a_model_it_does_not_write(argv, words, range_tests,
                                                                   capsys, tmp_path,
                                                                   monkeypatch):
    """-o and --epochs were taken and ignored (``--find-lr -o m.npz`` wrote no m.npz, and
    the test's length is --lr-steps whatever --epochs says): refused by name, the default
    value typed out too, before the data is read and any step run."""
    monkeypatch.chdir(tmp_path)
    assert main(["train", "iris", "--find-lr", "--lr-steps", "10", *argv]) == 2
    assert words in capsys.readouterr().err
    assert not range_tests and not list(tmp_path.iterdir())
    # their defaults are no choice of the user: the test runs without them
    assert main(["train", "iris", "--find-lr", "--lr-steps", "10", "-q"]) == 0
    assert len(range_tests) == 1 and range_tests[0].steps == 10
    assert not list(tmp_path.iterdir())  # no model.npz either
