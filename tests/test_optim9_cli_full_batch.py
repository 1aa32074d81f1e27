"""The command line's full batch with a rule other than gd: ``--batch-size`` of at least
the training rows' count is one batch of all rows a step.  gd refuses ``--dampening``
(and the other rules' settings) naming that form, and ``--batch-size``'s help names it.

Reference: ``torch.optim.SGD(momentum=0.9, dampening=0.5)`` stepping on the network's
full-batch gradient (1e-12, float64; skipped without torch)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
import optim7_checks as checks
from chainrule.cli import main
from chainrule.io import load_metadata

FULL = "--optimizer sgd --batch-size N, N at least the training rows' count"


def _status(argv) -> int:
    try:
        return main([str(a) for a in argv])
    except SystemExit as exc:
        return exc.code


@pytest.mark.parametrize("command", ["train", "cv", "tune", "demo"])
@pytest.mark.parametrize("option, rule", [(["--dampening", "0.5"], "sgd"),
                                          (["--lr-decay", "0.1"], "adagrad")])
def test_gd_refuses_a_setting_naming_the_full_batch_form(tmp_path, capsys, command, option,
                                                         rule):
    data = [] if command == "demo" else [tmp_path / "missing.csv", "--target", "y"]
    grid = ["--grid", "hidden=3,4"] if command == "tune" else []
    out = ["-o", tmp_path / "m"] if command in ("train", "tune") else []
    capsys.readouterr()
    assert _status([command, *data, "--optimizer", "gd", *option, *grid, "--epochs", "1",
                    "-q", *out]) == 2
    err = capsys.readouterr().err
    assert FULL.replace("sgd", rule) + ", for one batch of all rows a step as gd's" in err, err
    # the other rules' refusals are as before
    assert _status([command, *data, "--optimizer", "nesterov", "--dampening", "0.5", *grid,
                    "--epochs", "1", "-q", *out]) == 2
    assert "--batch-size N" not in capsys.readouterr().err


@pytest.mark.parametrize("command", ["train", "demo"])
def test_batch_size_help_names_the_full_batch(capsys, command):
    assert _status([command, "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    assert "at least the training rows' count: one batch of all rows, full batch" in text


def test_sgd_dampening_with_a_batch_past_the_rows_is_torchs_full_batch(tmp_path):
    torch = pytest.importorskip("torch")
    path, X, y = checks.cli_data(tmp_path)
    model = tmp_path / "m.npz"
    assert _status(["train", path, "--target", "y", "--hidden", "3", "--optimizer", "sgd",
                    "--dampening", "0.5", "--lr", "0.2", "--batch-size", "1000000",
                    "--val-fraction", "0", "--epochs", "5", "--seed", "2", "-q",
                    "-o", model]) == 0
    meta = load_metadata(model)
    Xs = (X - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    with warnings.catch_warnings():  # the Network of a model of standardised features
        warnings.simplefilter("ignore")
        params = cr.load(model).params
    net = cr.mlp([2, 3, 1], hidden="relu", output="sigmoid", seed=2)  # train's, seed 2
    w = torch.tensor(net.params.copy(), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w], lr=0.2, momentum=0.9, dampening=0.5)
    for _ in range(5):
        w.grad = torch.tensor(net.cost(w.detach().numpy().copy(), Xs, y[:, None] * 1.0)[1])
        opt.step()
    want = w.detach().numpy()
    np.testing.assert_allclose(params, want, rtol=0, atol=1e-12)
    assert np.max(np.abs(net.params - want)) > 1e-2
