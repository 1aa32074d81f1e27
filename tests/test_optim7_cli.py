"""``chainrule train``'s options of PyTorch's rule settings: ``--amsgrad`` (adam, adamw),
``--centered`` (rmsprop) and ``--decoupled-decay`` (adamw's weight_decay), each refused
with a rule that does not take it, and by ``--resume`` when changed; cv, tune and the
range test take them too.

References: the rules written out in NumPy as PyTorch documents them (Adam with
AMSGrad, AdamW, centered RMSprop), stepping full-batch on the standardised features from
the network's seeded initial weights.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.cli import main


def _status(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def _decayed():
    net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)
    mask = np.zeros(net.n_params, bool)
    for sl in net._decay_slices:
        mask[sl] = True
    return mask


def _adam(amsgrad=False, wd=0.0, b1=0.9, b2=0.999, eps=1e-8):
    def hand(w, grad, lr, steps):
        decayed = _decayed()
        m, v, v_max = np.zeros_like(w), np.zeros_like(w), np.zeros_like(w)
        for t in range(1, steps + 1):
            g = grad(w)
            w = w.copy()
            w[decayed] *= 1 - lr * wd
            m = b1 * m + (1 - b1) * g
            v = b2 * v + (1 - b2) * g * g
            v_max = np.maximum(v_max, v)
            den = v_max if amsgrad else v
            w = w - lr * (m / (1 - b1**t)) / (np.sqrt(den / (1 - b2**t)) + eps)
        return w
    return hand


def _centered_rmsprop(w, grad, lr, steps, rho=0.9, eps=1e-8):
    s, gbar = np.zeros_like(w), np.zeros_like(w)
    for _ in range(steps):
        g = grad(w)
        s = rho * s + (1 - rho) * g * g
        gbar = rho * gbar + (1 - rho) * g
        w = w - lr * g / (np.sqrt(s - gbar * gbar) + eps)
    return w


@pytest.mark.parametrize("name, extra, hand", [
    ("adam", ["--amsgrad"], _adam(amsgrad=True)),
    ("adamw", ["--amsgrad", "--decoupled-decay", "0.5"], _adam(amsgrad=True, wd=0.5)),
    ("adamw", ["--decoupled-decay", "2"], _adam(wd=2.0)),
    ("adamw", [], _adam(wd=0.01)),  # PyTorch's default, as before the option
    ("rmsprop", ["--centered"], _centered_rmsprop),
])
def test_the_options_step_as_pytorchs_rules(tmp_path, name, extra, hand):
    meta = checks.cli_is_the_rule(tmp_path, name, hand, extra=extra, lr=0.2, epochs=8)
    recorded = {k: meta["training"].get(k) for k in ("amsgrad", "centered", "decoupled_decay")}
    assert recorded == {"amsgrad": True if "--amsgrad" in extra else None,
                        "centered": True if "--centered" in extra else None,
                        "decoupled_decay": float(extra[extra.index("--decoupled-decay") + 1])
                        if "--decoupled-decay" in extra else None}


def test_amsgrad_changes_the_steps(tmp_path):
    """The data of cli_is_the_rule, on which AMSGrad's steps part from Adam's."""
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        checks.cli_is_the_rule(tmp_path, "adam", _adam(amsgrad=False), extra=["--amsgrad"],
                               lr=0.2, epochs=8)


def test_adamw_decay_changes_the_steps(tmp_path):
    """``--optimizer adamw``'s default decoupled decay 0.01 matters on this data: Adam's
    steps alone are not what it takes (its steps with the decay are checked above)."""
    with pytest.raises(AssertionError, match="Not equal to tolerance"):
        checks.cli_is_the_rule(tmp_path, "adamw", _adam(wd=0.0), lr=0.3, epochs=6)


@pytest.mark.parametrize("command", ["train", "cv", "tune"])
@pytest.mark.parametrize("optimizer, option, message", [
    ("sgd", ["--amsgrad"], "--amsgrad: a setting of adam and adamw, which --optimizer sgd "
     "does not take; leave it out or use --optimizer adam"),
    ("nadam", ["--amsgrad"], "--amsgrad: a setting of adam and adamw, which --optimizer "
     "nadam does not take"),
    ("adam", ["--centered"], "--centered: a setting of rmsprop, which --optimizer adam does "
     "not take; leave it out or use --optimizer rmsprop"),
    ("adam", ["--decoupled-decay", "0.1"], "--decoupled-decay 0.1: a setting of adamw, nadam and "
     "radam, which --optimizer adam does not take; leave it out or use --optimizer adamw"),
    ("lbfgs", ["--decoupled-decay", "0.1"], "--decoupled-decay 0.1: a setting of adamw, nadam and "
     "radam, which --optimizer lbfgs does not take"),
])
def test_an_option_of_another_rule_is_refused(tmp_path, capsys, command, optimizer, option,
                                             message):
    grid = ["--grid", "hidden=3,4"] if command == "tune" else []
    out = [] if command == "cv" else ["-o", tmp_path / "m"]
    argv = [command, "iris", "--optimizer", optimizer, *option, *grid, "--epochs", "1", "-q",
            *out]
    capsys.readouterr()
    assert _status(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert not (tmp_path / "m.npz").exists()


def test_cv_and_tune_take_them(tmp_path, capsys):
    base = ["iris", "--hidden", "4", "--epochs", "2", "--seed", "1", "-q"]
    assert _status(["cv", *base, "--optimizer", "rmsprop", "--centered", "--folds", "2"]) == 0
    assert _status(["tune", *base, "--optimizer", "adam", "--folds", "2", "--grid",
                    "amsgrad=on,off", "-o", tmp_path / "best"]) == 0
    out = capsys.readouterr().out
    assert "amsgrad" in out


def test_the_range_test_takes_them(tmp_path, capsys):
    assert _status(["train", "iris", "--optimizer", "adamw", "--amsgrad", "--decoupled-decay",
                    "0.1", "--find-lr", "--lr-steps", "20", "-q"]) in (0, 1)
    assert "learning-rate range test: " in capsys.readouterr().out


@pytest.mark.parametrize("first, then, message", [
    (["--optimizer", "adam", "--amsgrad"], ["--optimizer", "adam"],
     "--amsgrad: the run in {ck} was started with --amsgrad, got no --amsgrad"),
    (["--optimizer", "rmsprop"], ["--optimizer", "rmsprop", "--centered"],
     "--centered: the run in {ck} was started with no --centered, got --centered"),
    (["--optimizer", "adamw", "--decoupled-decay", "0.2"],
     ["--optimizer", "adamw", "--decoupled-decay", "0.3"],
     "--decoupled-decay: the run in {ck} was started with --decoupled-decay 0.2, got "
     "--decoupled-decay 0.3"),
    (["--optimizer", "adamw"], ["--optimizer", "adamw", "--decoupled-decay", "0"],
     "--decoupled-decay: the run in {ck} was started with no --decoupled-decay, got "
     "--decoupled-decay 0.0"),
    # optim8's: SGD's dampening, AdaGrad's lr_decay / initial_accumulator_value, NAdam's
    # momentum_decay
    (["--optimizer", "sgd", "--dampening", "0.5"], ["--optimizer", "sgd"],
     "--dampening: the run in {ck} was started with --dampening 0.5, got no --dampening"),
    (["--optimizer", "adagrad"], ["--optimizer", "adagrad", "--lr-decay", "0.1"],
     "--lr-decay: the run in {ck} was started with no --lr-decay, got --lr-decay 0.1"),
    (["--optimizer", "adagrad", "--initial-accumulator-value", "0.1"],
     ["--optimizer", "adagrad", "--initial-accumulator-value", "0.2"],
     "--initial-accumulator-value: the run in {ck} was started with "
     "--initial-accumulator-value 0.1, got --initial-accumulator-value 0.2"),
    (["--optimizer", "nadam"], ["--optimizer", "nadam", "--momentum-decay", "0.01"],
     "--momentum-decay: the run in {ck} was started with no --momentum-decay, got "
     "--momentum-decay 0.01"),
    # optim10's: the decoupled decay of NAdam and RAdam
    (["--optimizer", "nadam", "--decoupled-decay", "0.2"], ["--optimizer", "nadam"],
     "--decoupled-decay: the run in {ck} was started with --decoupled-decay 0.2, got no "
     "--decoupled-decay"),
    (["--optimizer", "radam"], ["--optimizer", "radam", "--decoupled-decay", "0.1"],
     "--decoupled-decay: the run in {ck} was started with no --decoupled-decay, got "
     "--decoupled-decay 0.1"),
])
def test_resume_refuses_a_changed_option(tmp_path, capsys, first, then, message):
    ck = tmp_path / "ck.npz"
    base = ["train", "iris", "--hidden", "4", "--seed", "3", "-q", "--checkpoint", ck]
    assert _status([*base, *first, "--epochs", "2", "-o", tmp_path / "a"]) == 0
    capsys.readouterr()
    assert _status([*base, *then, "--epochs", "3", "--resume", "-o", tmp_path / "b"]) == 2
    assert message.format(ck=ck) in capsys.readouterr().err


@pytest.mark.parametrize("options", [["--optimizer", "adam", "--amsgrad"],
                                     ["--optimizer", "adamw", "--decoupled-decay", "0.01"],
                                     ["--optimizer", "adamw", "--decoupled-decay", "0.3"],
                                     ["--optimizer", "rmsprop", "--centered"],
                                     # optim10's: NAdam's and RAdam's decoupled decay
                                     ["--optimizer", "nadam", "--decoupled-decay", "0.5",
                                      "--lr", "0.01"],
                                     ["--optimizer", "radam", "--decoupled-decay", "0.5",
                                      "--lr", "0.01"]])
def test_resume_with_the_same_options_is_the_whole_run(tmp_path, options):
    ck = tmp_path / "ck.npz"
    base = ["train", "iris", "--hidden", "4", "--seed", "3", "-q", *options]
    assert _status([*base, "--epochs", "4", "-o", tmp_path / "whole"]) == 0
    assert _status([*base, "--epochs", "2", "--checkpoint", ck, "-o", tmp_path / "a"]) == 0
    assert _status([*base, "--epochs", "4", "--checkpoint", ck, "--resume",
                    "-o", tmp_path / "b"]) == 0
    np.testing.assert_array_equal(cr.load(tmp_path / "b.npz").params,
                                  cr.load(tmp_path / "whole.npz").params)
