"""The command line's options of PyTorch's settings the library had and the command line
lacked: ``--dampening`` (sgd), ``--lr-decay`` and ``--initial-accumulator-value``
(adagrad), ``--momentum-decay`` (nadam).  Each is refused before the data is read with a
rule that does not take it, recorded in the model file and the checkpoint (``--resume``
refuses a change; a checkpoint without the key resumes as before), and steps as the rule.

References: :func:`chainrule.train` with the same optimizer object from the same start
(bit for bit), and ``torch.optim.SGD(dampening=)``, ``Adagrad(lr_decay=,
initial_accumulator_value=)`` and ``NAdam(momentum_decay=)`` stepping on the network's
full-batch gradients (1e-12, float64; skipped without torch).
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.cli import main
from chainrule.io import load_metadata

CASES = [  # (rule, options, the library's optimizer of them at rate lr, torch's)
    ("sgd", ["--dampening", "0.5"],
     lambda lr: cr.SGD(lr=lr, momentum=0.9, dampening=0.5),
     lambda t, p, lr: t.optim.SGD(p, lr=lr, momentum=0.9, dampening=0.5)),
    ("sgd", ["--momentum", "0.6", "--dampening", "1"],
     lambda lr: cr.SGD(lr=lr, momentum=0.6, dampening=1.0),
     lambda t, p, lr: t.optim.SGD(p, lr=lr, momentum=0.6, dampening=1.0)),
    ("adagrad", ["--lr-decay", "0.3"],
     lambda lr: cr.AdaGrad(lr=lr, lr_decay=0.3),
     lambda t, p, lr: t.optim.Adagrad(p, lr=lr, lr_decay=0.3, eps=cr.AdaGrad().eps)),
    ("adagrad", ["--lr-decay", "0.05", "--initial-accumulator-value", "0.4"],
     lambda lr: cr.AdaGrad(lr=lr, lr_decay=0.05, initial_accumulator_value=0.4),
     lambda t, p, lr: t.optim.Adagrad(p, lr=lr, lr_decay=0.05, initial_accumulator_value=0.4,
                                      eps=cr.AdaGrad().eps)),
    ("nadam", ["--momentum-decay", "0.05"],
     lambda lr: cr.NAdam(lr=lr, momentum_decay=0.05),
     lambda t, p, lr: t.optim.NAdam(p, lr=lr, momentum_decay=0.05)),
]
IDS = ["sgd-dampening", "sgd-dampening-1", "adagrad-lr-decay", "adagrad-both", "nadam"]
LR, EPOCHS = 0.2, 5


def _status(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


def _cli_run(tmp_path, rule, options, batch_size):
    """``chainrule train`` on optim7_checks' data (no validation split): the model's
    parameters, its record, and the standardised features with the 0/1 target."""
    path, X, y = checks.cli_data(tmp_path)
    model = tmp_path / "m.npz"
    assert _status(["train", path, "--target", "y", "--hidden", "3", "--optimizer", rule,
                    "--lr", LR, "--batch-size", batch_size, "--val-fraction", "0",
                    "--epochs", EPOCHS, "--seed", "2", "-q", "-o", model, *options]) == 0
    meta = load_metadata(model)
    Xs = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    with warnings.catch_warnings():  # the Network of a model of standardised features
        warnings.simplefilter("ignore")
        params = cr.load(model).params
    return params, meta, Xs, y[:, None].astype(float)


def _start():
    return cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)  # train's, seed 2


def _given(options):
    """The record's values of ``options`` (``--lr-decay 0.3`` -> ``{"lr_decay": 0.3}``),
    ``--momentum`` aside."""
    pairs = dict(zip(options[::2], options[1::2], strict=True))
    return {k.lstrip("-").replace("-", "_"): float(v) for k, v in pairs.items()
            if k != "--momentum"}


@pytest.mark.parametrize("rule, options, ours, theirs", CASES, ids=IDS)
def test_the_cli_trains_as_cr_train_with_the_optimizer(tmp_path, rule, options, ours, theirs):
    """Mini-batches of 8, shuffled: the command line's weights are cr.train's with the
    optimizer object of those settings, bit for bit; the record holds the settings."""
    params, meta, Xs, Y = _cli_run(tmp_path, rule, options, 8)
    net = _start()
    start = net.params.copy()
    cr.train(net, Xs, Y, optimizer=ours(LR), batch_size=8, epochs=EPOCHS, seed=2)
    assert np.max(np.abs(net.params - params)) == 0.0
    assert np.max(np.abs(start - params)) > 1e-2
    training = meta["training"]
    assert {k: training.get(k) for k in _given(options)} == _given(options)
    assert training["optimizer"] == rule


@pytest.mark.parametrize("rule, options, ours, theirs", CASES, ids=IDS)
def test_the_cli_steps_as_torch(tmp_path, rule, options, ours, theirs):
    """Full batch (one step an epoch): the command line's weights are those of torch's
    optimizer of the same settings stepping on the network's gradients, to 1e-12."""
    torch = pytest.importorskip("torch")
    params, _, Xs, Y = _cli_run(tmp_path, rule, options, 40)
    net = _start()
    w = torch.tensor(net.params.copy(), dtype=torch.float64, requires_grad=True)
    with checks.torch_default_dtype(torch, np.float64):  # NAdam's mu_product in float64
        opt = theirs(torch, [w], LR)
        for _ in range(EPOCHS):
            w.grad = torch.tensor(net.cost(w.detach().numpy().copy(), Xs, Y)[1])
            opt.step()
    want = w.detach().numpy()
    np.testing.assert_allclose(params, want, rtol=0, atol=1e-12)
    assert np.max(np.abs(net.params - want)) > 1e-2


def test_the_settings_change_the_steps(tmp_path):
    """On this data each setting moves the weights away from the rule's default steps."""
    for rule, options, _, _ in CASES:
        params, *_ = _cli_run(tmp_path, rule, options, 40)
        plain, *_ = _cli_run(tmp_path, rule, options[:2] if options[0] == "--momentum" else [],
                             40)
        assert np.max(np.abs(params - plain)) > 1e-6, options


@pytest.mark.parametrize("command", ["train", "cv", "tune"])
@pytest.mark.parametrize("optimizer, option, message", [
    ("adam", ["--dampening", "0.5"], "--dampening 0.5: a setting of sgd, which --optimizer "
     "adam does not take; leave it out or use --optimizer sgd"),
    ("nesterov", ["--dampening", "0.5"], "--dampening 0.5: a setting of sgd, which "
     "--optimizer nesterov does not take"),
    ("gd", ["--dampening", "0.5"], "--dampening 0.5: a setting of sgd, which --optimizer gd "
     "does not take"),
    ("rmsprop", ["--lr-decay", "0.1"], "--lr-decay 0.1: a setting of adagrad, which "
     "--optimizer rmsprop does not take; leave it out or use --optimizer adagrad"),
    ("sgd", ["--initial-accumulator-value", "0.1"], "--initial-accumulator-value 0.1: a "
     "setting of adagrad, which --optimizer sgd does not take"),
    ("adam", ["--momentum-decay", "0.01"], "--momentum-decay 0.01: a setting of nadam, "
     "which --optimizer adam does not take; leave it out or use --optimizer nadam"),
    ("lbfgs", ["--lr-decay", "0.1"], "--lr-decay 0.1: a setting of adagrad, which "
     "--optimizer lbfgs does not take"),
])
def test_an_option_of_another_rule_is_refused_before_the_data(tmp_path, capsys, command,
                                                             optimizer, option, message):
    """The data file does not exist: the refusal comes before it is read."""
    grid = ["--grid", "hidden=3,4"] if command == "tune" else []
    out = [] if command == "cv" else ["-o", tmp_path / "m"]
    argv = [command, tmp_path / "missing.csv", "--target", "y", "--optimizer", optimizer,
            *option, *grid, "--epochs", "1", "-q", *out]
    capsys.readouterr()
    assert _status(argv) == 2
    err = capsys.readouterr().err
    assert message in err, err
    assert "missing.csv" not in err


@pytest.mark.parametrize("option", [["--dampening", "1.5"], ["--lr-decay", "-1"],
                                    ["--initial-accumulator-value", "-0.5"],
                                    ["--momentum-decay", "nan"]])
def test_a_bad_value_is_refused(capsys, option):
    assert _status(["train", "iris", *option, "--epochs", "1", "-q"]) == 2
    err = capsys.readouterr().err
    assert f"argument {option[0]}" in err and option[1] in err, err


def test_the_demo_cv_and_tune_take_them(tmp_path, capsys):
    base = ["iris", "--hidden", "4", "--epochs", "2", "--seed", "1", "-q"]
    assert _status(["cv", *base, "--optimizer", "sgd", "--dampening", "0.3",
                    "--folds", "2"]) == 0
    assert _status(["tune", *base, "--optimizer", "adagrad", "--folds", "2",
                    "--lr-decay", "0.1", "--grid", "initial_accumulator_value=0,0.5",
                    "-o", tmp_path / "best"]) == 0
    assert "--lr-decay 0.1 --initial-accumulator-value 0.5" in capsys.readouterr().out
    assert _status(["demo", "--optimizer", "nadam", "--momentum-decay", "0.01", "--hidden",
                    "8", "--epochs", "1", "-q", "--plot", tmp_path / "loss.png"]) == 0
    assert _status(["demo", "--optimizer", "adam", "--dampening", "0.3", "--epochs", "1",
                    "-q", "--plot", tmp_path / "loss.png"]) == 2
    assert "--dampening 0.3: a setting of sgd" in capsys.readouterr().err


def test_info_shows_them(tmp_path, capsys):
    model = tmp_path / "m.npz"
    assert _status(["train", "iris", "--optimizer", "adagrad", "--lr-decay", "0.25",
                    "--initial-accumulator-value", "0.5", "--hidden", "4", "--epochs", "1",
                    "-q", "-o", model]) == 0
    capsys.readouterr()
    assert _status(["info", model]) == 0
    assert "lr_decay=0.25, initial_accumulator_value=0.5" in capsys.readouterr().out
    assert _status(["info", model, "--json"]) == 0
    training = json.loads(capsys.readouterr().out)["training"]
    assert (training["lr_decay"], training["initial_accumulator_value"]) == (0.25, 0.5)
    # at the defaults: recorded as not given, as a run from before the options
    assert _status(["train", "iris", "--optimizer", "sgd", "--dampening", "0", "--hidden",
                    "4", "--epochs", "1", "-q", "-o", model]) == 0
    assert "dampening" not in load_metadata(model)["training"]


@pytest.mark.parametrize("options", [
    ["--optimizer", "sgd", "--dampening", "0.5"],
    ["--optimizer", "adagrad", "--lr-decay", "0.1", "--initial-accumulator-value", "0.2"],
    ["--optimizer", "nadam", "--momentum-decay", "0.01"],
    ["--optimizer", "sgd", "--dampening", "0"],  # the default: as no --dampening
])
def test_resume_with_the_same_values_is_the_whole_run(tmp_path, options):
    ck = tmp_path / "ck.npz"
    base = ["train", "iris", "--hidden", "4", "--seed", "3", "-q", *options]
    assert _status([*base, "--epochs", "4", "-o", tmp_path / "whole"]) == 0
    assert _status([*base, "--epochs", "2", "--checkpoint", ck, "-o", tmp_path / "a"]) == 0
    again = [o for o in base if o not in ("--dampening", "0")] if "0" in options else base
    assert _status([*again, "--epochs", "4", "--checkpoint", ck, "--resume",
                    "-o", tmp_path / "b"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(cr.load(tmp_path / "b.npz").params,
                                      cr.load(tmp_path / "whole.npz").params)


def test_a_checkpoint_from_before_the_options_resumes(tmp_path):
    """A checkpoint whose notes hold none of the new keys (a run from before them) resumes
    with the options left out, to the uninterrupted run's weights."""
    ck = tmp_path / "ck.npz"
    base = ["train", "iris", "--hidden", "4", "--seed", "3", "-q", "--optimizer", "adagrad"]
    assert _status([*base, "--epochs", "4", "-o", tmp_path / "whole"]) == 0
    assert _status([*base, "--epochs", "2", "--checkpoint", ck, "-o", tmp_path / "a"]) == 0
    with np.load(ck) as saved:
        arrays = {k: saved[k] for k in saved.files}
    meta = json.loads(str(arrays["__meta__"]))
    options = meta["notes"]["options"]
    for key in ("dampening", "lr_decay", "initial_accumulator_value", "momentum_decay"):
        assert options.pop(key) is None
    arrays["__meta__"] = np.array(json.dumps(meta))
    np.savez(ck, **arrays)
    assert _status([*base, "--epochs", "4", "--checkpoint", ck, "--resume",
                    "-o", tmp_path / "b"]) == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(cr.load(tmp_path / "b.npz").params,
                                      cr.load(tmp_path / "whole.npz").params)
