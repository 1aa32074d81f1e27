"""The command line's words for a diverged run name the options the run gave that make its
steps smaller (the rate, or a one-cycle's ``max_lr`` where ``--lr`` is not used; the rate
a schedule had raised it to; a momentum the rule takes; adagrad's and rmsprop's settings
given; ``--divergence-threshold``), and nothing the rule ignores.

References: the rates worked out by hand from the options (``lr0 * gamma ** 3`` for the
fourth epoch of an exponential schedule, ``lr / 3`` for a warm-up's first epoch), and the
options each test gives.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest

from chainrule._cli_failures import _diverged
from chainrule.cli import main
from chainrule.training import TrainingDiverged


def _status(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


@pytest.fixture
def data(tmp_path):
    """200 rows of a linear target of three features: SGD at a large rate blows up."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3))
    y = X @ [3.0, -2.0, 1.0] + rng.normal(size=200) * 0.1
    path = tmp_path / "reg.csv"
    path.write_text("a,b,c,y\n" + "".join(",".join(map(repr, map(float, (a, b, c, t)))) + "\n"
                                          for (a, b, c), t in zip(X, y, strict=True)))
    return path


def _words(capsys, data, tmp_path, *options):
    capsys.readouterr()
    assert _status(["train", data, "--target", "y", "--hidden", "8", "--epochs", "20",
                    "--seed", "1", "-q", "-o", tmp_path / "m", *options]) == 1
    err = capsys.readouterr().err
    line = next(x for x in err.splitlines() if "training diverged" in x)
    assert not (tmp_path / "m.npz").exists()
    return line


def test_a_one_cycles_max_lr_is_named_not_the_unused_lr(capsys, data, tmp_path):
    line = _words(capsys, data, tmp_path, "--optimizer", "sgd", "--lr", "0.01",
                  "--schedule", '{"name": "onecycle", "max_lr": 100}')
    assert "a smaller max_lr in --schedule (this run: 100, the one-cycle's peak rate; " \
           "--lr is not used)" in line, line
    assert "a smaller --lr" not in line
    assert "a smaller --momentum (0.9)" in line  # sgd's, in force though not given


def test_a_rate_a_schedule_raised_is_named(capsys, data, tmp_path):
    """exponential, gamma 10: epoch 4 trains at 0.01 * 10 ** 3."""
    line = _words(capsys, data, tmp_path, "--optimizer", "sgd", "--lr", "0.01",
                  "--schedule", '{"name": "exponential", "gamma": 10}')
    assert "validation loss became NaN or infinite after epoch 4" in line, line
    assert f"a smaller --lr (this run: 0.01, which --schedule exponential raised to " \
           f"{0.01 * 10.0**3:g} by then)" in line, line


def test_a_warm_ups_rate_is_named(capsys, data, tmp_path):
    """The warm-up's first epoch trains at --lr times its start_factor 1/3."""
    line = _words(capsys, data, tmp_path, "--optimizer", "sgd", "--lr", "50",
                  "--schedule", '{"name": "warmup", "epochs": 3}')
    assert f"a smaller --lr (this run: 50, the rate after the warm-up; the rate was " \
           f"{50 / 3:g} then, --schedule warmup's)" in line, line


def test_a_threshold_below_the_starting_loss_asks_for_no_smaller_rate(capsys, data,
                                                                       tmp_path):
    line = _words(capsys, data, tmp_path, "--optimizer", "sgd", "--lr", "0.5",
                  "--divergence-threshold", "0.5")
    assert "was above --divergence-threshold 0.5 at the parameters the run started " \
           "from, before any step" in line, line
    assert "Give a --divergence-threshold above that loss" in line
    assert "Try a smaller" not in line and "--momentum" not in line


def test_a_threshold_that_stopped_steps_is_named(capsys, data, tmp_path):
    line = _words(capsys, data, tmp_path, "--optimizer", "adam", "--lr", "10",
                  "--batch-size", "1", "--divergence-threshold", "1e6")
    assert "Try a smaller --lr (this run: 10) or --clip-norm MAX (gradient clipping) or " \
           "a larger --divergence-threshold (1e+06)." in line, line
    assert "--momentum" not in line  # adam takes none


def _namespace(**kw):
    base = dict(command="train", optimizer="sgd", lr=1.0, momentum=None, batch_size=None,
                schedule=None, clip_norm=None, centered=None, lr_decay=None,
                initial_accumulator_value=None)
    return argparse.Namespace(**{**base, **kw})


def _exc(lr):
    exc = TrainingDiverged("diverged", 2, 0, None)
    exc.lr = lr
    return exc


@pytest.mark.parametrize("options, named, not_named", [
    ({"optimizer": "rmsprop", "lr": 0.5, "momentum": 0.9, "centered": True},
     ["a smaller --lr (this run: 0.5)", "a smaller --momentum (0.9)", "no --centered"], []),
    ({"optimizer": "rmsprop", "lr": 0.5}, ["a smaller --lr (this run: 0.5)"],
     ["--momentum", "--centered"]),
    ({"optimizer": "adagrad", "lr": 2.0, "lr_decay": 0.01,
      "initial_accumulator_value": 0.1},
     ["a larger --lr-decay (0.01)", "a larger --initial-accumulator-value (0.1)"],
     ["--momentum"]),
    ({"optimizer": "adagrad", "lr": 2.0}, ["a smaller --lr (this run: 2)"],
     ["--lr-decay", "--initial-accumulator-value"]),
    ({"optimizer": "nesterov", "lr": 2.0, "momentum": 0.5}, ["a smaller --momentum (0.5)"],
     []),
    ({"optimizer": "nadam", "lr": 2.0}, ["a smaller --lr (this run: 2)"], ["--momentum"]),
])
def test_each_rule_names_its_own_settings(options, named, not_named):
    line = _diverged(_exc(options["lr"]), _namespace(**options))
    for words in named:
        assert words in line, line
    for words in not_named:
        assert words not in line, line
