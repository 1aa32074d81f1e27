"""``chainrule train --loss huber [--huber-delta D]``: the model is ``chainrule.minimize`` of
a network with ``huber(D)`` on the same rows, ``info`` and ``evaluate`` name the loss with
its delta, and what makes no sense is refused by name (runs in-process through
``chainrule.cli.main``)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.losses import huber


@pytest.fixture(scope="module")
def outliers(tmp_path_factory):
    """A CSV of a noisy line in two features with 10 % of its targets shifted by +20."""
    rng = np.random.default_rng(4)
    X = np.round(rng.normal(size=(60, 2)), 6)
    y = X @ [1.5, -2.0] + 0.1 * rng.normal(size=60)
    y[rng.choice(60, 6, replace=False)] += 20.0
    y = np.round(y, 6)
    path = tmp_path_factory.mktemp("huber") / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "y"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", f"{t:.6f}"] for (a, b), t in zip(X, y,
                                                                                  strict=True)])
    return path, X, y


def test_huber_model_is_minimize_with_the_delta_given(outliers, tmp_path, capsys):
    path, X, y = outliers
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--loss", "huber", "--huber-delta", "0.5", "--optimizer",
                 "lbfgs", "--hidden", "3", "--activation", "tanh", "--epochs", "30", "--seed",
                 "3", "--val-fraction", "0", "--scale", "none", "-q", "-o", str(out)]) == 0
    net = cr.mlp([2, 3, 1], hidden="tanh", loss=huber(0.5), seed=3)
    result = cr.minimize(net, X, y[:, None], maxiter=30)
    assert result.nit > 5
    model = cr.load_model(out)
    assert model.network.loss.get_config() == {"name": "huber", "delta": 0.5}
    np.testing.assert_allclose(model.network.params, net.params, rtol=1e-10, atol=1e-12)
    meta = load_metadata(out)
    assert (meta["training"]["loss"], meta["training"]["huber_delta"]) == ("huber", 0.5)
    np.testing.assert_allclose(meta["history"]["loss"], result.loss_curve, rtol=1e-12)
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    said = capsys.readouterr().out
    assert "loss huber(delta=0.5)" in said
    assert "(mean huber(delta=0.5))" in said
    assert main(["info", str(out), "--json"]) == 0
    import json
    record = json.loads(capsys.readouterr().out)
    assert (record["loss"], record["loss_params"]) == ("huber", {"delta": 0.5})
    # evaluate: the squared-error figures of the network's predictions on the raw data
    assert main(["evaluate", str(out), str(path)]) == 0
    said = capsys.readouterr().out
    rmse = float(np.sqrt(np.mean((net.forward(X)[:, 0] - y) ** 2)))
    assert f"rmse: {rmse:g}" in said


def test_default_delta_is_one_and_a_resumed_run_keeps_it(outliers, tmp_path, capsys):
    path, _, _ = outliers
    out, ck = tmp_path / "m.npz", tmp_path / "ck.npz"
    base = ["train", str(path), "--loss", "huber", "--hidden", "3", "--seed", "1",
            "--checkpoint", str(ck), "-q", "-o", str(out)]
    assert main([*base, "--epochs", "2"]) == 0
    assert cr.load_model(out).network.loss.params == {"delta": 1.0}
    # --huber-delta 1 is the default it ran with: the same run, which goes on
    assert main([*base, "--epochs", "3", "--resume", "--huber-delta", "1"]) == 0
    capsys.readouterr()
    assert main([*base, "--epochs", "4", "--resume", "--huber-delta", "2"]) == 2
    err = capsys.readouterr().err
    assert "--huber-delta: the run in" in err
    # the run used the default: the refusal names it, not "no --huber-delta"
    assert "was started with --huber-delta 1.0 (the default), got --huber-delta 2.0" in err


def test_resume_refusals_name_the_delta_in_force_and_the_loss(outliers, tmp_path, capsys):
    path, _, _ = outliers
    out, ck = tmp_path / "m.npz", tmp_path / "ck.npz"
    base = ["train", str(path), "--hidden", "3", "--seed", "1", "--checkpoint", str(ck),
            "-q", "-o", str(out)]
    assert main([*base, "--loss", "huber", "--huber-delta", "2", "--epochs", "2"]) == 0
    capsys.readouterr()
    assert main([*base, "--loss", "huber", "--epochs", "3", "--resume"]) == 2
    assert ("was started with --huber-delta 2.0, got --huber-delta 1.0 (the default)"
            in capsys.readouterr().err)
    # another loss: the refusal is of --loss, not of a --huber-delta neither run differs in
    for loss, given in ((["--loss", "squared_error"], "--loss squared_error"),
                        ([], "no --loss")):
        assert main([*base, *loss, "--epochs", "3", "--resume"]) == 2
        err = capsys.readouterr().err
        assert f"--loss: the run in {ck} was started with --loss huber, got {given}" in err
        assert "--huber-delta" not in err


@pytest.mark.parametrize("extra, message", [
    (["--loss", "squared_error", "--huber-delta", "2"],
     "--huber-delta 2: the threshold of --loss huber, but the loss is squared_error"),
    (["--huber-delta", "2"], "--huber-delta 2: the threshold of --loss huber, but the loss "
                             "is the default of the output"),
    (["--loss", "huber", "--task", "classification"],
     "--loss huber: a regression loss (of the residuals y - a), but the task is "
     "classification"),
])
def test_refused_by_name(outliers, tmp_path, capsys, extra, message):
    path, _, _ = outliers
    assert main(["train", str(path), *extra, "--epochs", "1", "-q", "-o",
                 str(tmp_path / "m.npz")]) == 2
    assert message in capsys.readouterr().err


def test_huber_delta_must_be_positive(outliers, tmp_path, capsys):
    path, _, _ = outliers
    with pytest.raises(SystemExit):
        main(["train", str(path), "--loss", "huber", "--huber-delta", "0", "-o",
              str(tmp_path / "m.npz")])
    assert "argument --huber-delta: expected a finite number > 0, got '0'" in (
        capsys.readouterr().err)


def test_help_says_huber_makes_whole_number_targets_a_regression(tmp_path, capsys):
    """Whole-number targets (0, 1, 2: classes by the auto rule) train a regression with
    --loss huber, as with poisson; --task's help named poisson alone."""
    rows = [(i / 10, i % 3) for i in range(30)]
    (tmp_path / "d.csv").write_text("x,t\n" + "".join(f"{x},{t}\n" for x, t in rows))
    assert main(["train", str(tmp_path / "d.csv"), "--loss", "huber", "--hidden", "--epochs",
                 "1", "-q", "-o", str(tmp_path / "m.npz")]) == 0
    assert load_metadata(tmp_path / "m.npz")["task"] == "regression"
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "regression for --loss poisson, huber or mean_absolute_error" in text
    assert "regression whatever it holds with --loss poisson, huber or mae" in text


def test_delta_of_a_bounded_output_is_in_the_target_s_units(tmp_path, capsys):
    """A sigmoid output leaves the target as it is (no y_mean, y_scale), so --huber-delta is
    in its units; the help said standard deviations unless --scale none."""
    rng = np.random.default_rng(2)
    X = np.round(rng.normal(size=(40, 2)), 4)
    y = np.round(0.1 + 0.8 / (1 + np.exp(-X[:, 0])), 4)
    (tmp_path / "d.csv").write_text("a,b,y\n" + "".join(
        f"{p},{q},{t}\n" for (p, q), t in zip(X, y, strict=True)))
    assert main(["train", str(tmp_path / "d.csv"), "--loss", "huber", "--output", "sigmoid",
                 "--huber-delta", "0.5", "--epochs", "1", "-q", "-o",
                 str(tmp_path / "m.npz")]) == 0
    meta = load_metadata(tmp_path / "m.npz")
    assert "y_mean" not in meta and "y_scale" not in meta
    capsys.readouterr()
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert ("in the target's own units with --scale none or a bounded --output such as "
            "sigmoid") in text


@pytest.mark.parametrize("option", [["--loss", "huber"], ["--loss", "poisson"],
                                    ["--task", "regression"]])
def test_text_labels_under_a_regression_option_name_the_option(tmp_path, capsys, option):
    """A text target makes a classification, unless an option makes the run a regression:
    the refusal of the text cell then names that option (it named only the cell)."""
    path = tmp_path / "t.csv"
    path.write_text("a,k\n" + "".join(f"{i / 10},{'yes' if i % 2 else 'no'}\n"
                                     for i in range(12)))
    assert main(["train", str(path), *option, "--epochs", "1", "-q",
                 "-o", str(tmp_path / "m.npz")]) == 2
    err = capsys.readouterr().err
    assert f"{path} line 2, target 'k': not a number: 'no'" in err
    named = ("--task regression" if option[0] == "--task" else
             f"--loss {option[1]}, a regression loss,")
    assert f"; {named} needs numeric targets (leave it out to classify text labels)" in err
    assert not (tmp_path / "m.npz").exists()
