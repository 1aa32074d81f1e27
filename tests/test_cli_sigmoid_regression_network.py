"""A network saved from Python (no task recorded) of one sigmoid output under
squared_error is read as a classifier of 0/1 targets (as the classic XOR networks are).
Evaluated on a target of values in [0, 1] (the regression it may have been), the refusal
said only "'0.03' is not one of the model's classes (0, 1)", and, without --target, to
give the target column, which was the right one.  It now says how the file was read and
what to do; the way it gives works, and scores the network as scikit-learn does."""

import json

import numpy as np
import pytest
from sklearn import metrics

import chainrule as cr
from chainrule.cli import main


def test_a_sigmoid_squared_error_network_on_a_unit_interval_target(tmp_path, capsys,
                                                                  monkeypatch):
    monkeypatch.chdir(tmp_path)
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", loss="squared_error", seed=0)
    cr.io.save(net, "net.npz")
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(12, 2)), rng.uniform(size=12)
    with open("unit.csv", "w") as fh:
        fh.write("a,b,y\n" + "".join(f"{a!r},{b!r},{t!r}\n" for (a, b), t in zip(
            X.tolist(), y.tolist(), strict=True)))
    for extra in ([], ["--target", "y"]):
        assert main(["evaluate", "net.npz", "unit.csv", *extra]) == 2
        err = capsys.readouterr().err
        assert "is not one of the model's classes (0, 1)" in err
        assert err.endswith(
            "; net.npz is a network saved without its task, of one sigmoid output under "
            "squared_error, read as a classifier of 0/1 targets; to score it as a "
            "regression of values in [0, 1], save it with its task: chainrule.SavedModel("
            "chainrule.load('net.npz'), {'task': 'regression'}).save('regression.npz')\n")
    # what it says to do
    cr.SavedModel(cr.load("net.npz"), {"task": "regression"}).save("regression.npz")
    assert main(["evaluate", "regression.npz", "unit.csv", "--json"]) == 0
    scores = json.loads(capsys.readouterr().out)
    hidden, out = net.layers
    p = 1 / (1 + np.exp(-(np.tanh(X @ hidden.W + hidden.b) @ out.W + out.b)[:, 0]))
    assert scores["mse"] == pytest.approx(metrics.mean_squared_error(y, p), rel=1e-10)
    assert scores["r2"] == pytest.approx(metrics.r2_score(y, p), rel=1e-10)


def test_a_log_loss_network_gets_no_such_note(tmp_path, capsys):
    net = cr.mlp([2, 3, 1], hidden="tanh", output="sigmoid", loss="log_loss", seed=0)
    path = str(cr.io.save(net, tmp_path / "net.npz"))
    np.savez(tmp_path / "d.npz", X=np.zeros((3, 2)), y=np.array([0.5, 0.2, 1.0]))
    assert main(["evaluate", path, str(tmp_path / "d.npz")]) == 2
    err = capsys.readouterr().err
    assert "is not one of the model's classes (0, 1)" in err and "save it with" not in err
