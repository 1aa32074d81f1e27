"""``chainrule train --optimizer newton-cg | trust-ncg | trust-krylov`` with a BatchNorm layer
in ``--layers`` (robust32): refused before, while ``chainrule.minimize`` with these methods
minimises a BatchNorm network's training-mode cost and sets its running statistics at the end.

The reference is ``chainrule.minimize(method=...)`` run here on the training rows
standardised with NumPy and split with scikit-learn (``test_cli_lbfgs._reference``'s
split), the network built by ``chainrule.architecture.network_from_layers`` from the same
layer dicts and seed; its evaluation-mode outputs (``Network.forward``) give the accuracy
and log loss ``train`` prints and ``chainrule evaluate`` gives.  Runs in-process through
``chainrule.cli.main``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import chainrule as cr
from chainrule.architecture import network_from_layers
from chainrule.batchnorm import BatchNorm
from chainrule.cli import main
from chainrule.io import load_metadata
from file_helpers import cli_fails
from solver_helpers import interrupt_minimize_after
from test_cli_lbfgs import blobs  # noqa: F401 (the fixture)

LAYERS = [{"type": "Dense", "fan_out": 4, "activation": "identity"},
          {"type": "BatchNorm", "activation": "tanh"}]


def _layers_file(tmp_path, layers=LAYERS):
    path = tmp_path / "layers.json"
    path.write_text(json.dumps(layers))
    return path


def _reference(X, y, seed, epochs, method, weight_decay=0.0):
    """minimize of the --layers network on the training rows, standardised with their
    statistics (train's split: 10 % of the rows, stratified, by --seed)."""
    train, val = train_test_split(np.arange(len(y)), test_size=int(np.ceil(0.1 * len(y))),
                                  random_state=seed, stratify=y)
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    Xs = (X - mean) / std
    net = network_from_layers([*LAYERS, {"type": "Dense", "fan_out": 3,
                                         "activation": "softmax"}],
                              input_shape=2, loss="cross_entropy", seed=seed,
                              weight_decay=weight_decay)
    result = cr.minimize(net, Xs[train], y[train], method=method, maxiter=epochs)
    return net, result, Xs, train, val


def _scores(net, X, y):
    """Accuracy and log loss of ``net`` in evaluation mode (running statistics)."""
    p = net.forward(X)
    return float(np.mean(p.argmax(axis=1) == y)), float(-np.mean(np.log(p[np.arange(len(y)),
                                                                           y])))


@pytest.mark.parametrize("method", ["newton-cg", "trust-ncg", "trust-krylov"])
def test_the_model_is_minimize_of_the_method_and_evaluate_agrees(blobs, tmp_path, capsys,  # noqa: F811
                                                                  method):
    path, X, y = blobs
    out = tmp_path / "m.npz"
    code = main(["train", str(path), "--optimizer", method, "--layers",
                 str(_layers_file(tmp_path)), "--weight-decay", "0.001", "--epochs", "8",
                 "--seed", "3", "-o", str(out)])
    said = capsys.readouterr().out
    assert code == 0
    net, result, Xs, train, val = _reference(X, y, 3, 8, method, weight_decay=0.001)
    assert result.nit > 3  # the run went somewhere
    model = cr.load_model(out)
    np.testing.assert_allclose(model.network.params, net.params, rtol=0, atol=1e-10)
    bn, ref_bn = model.network.layers[1], net.layers[1]
    assert isinstance(bn, BatchNorm)
    # the running statistics: those of the training rows at the end point (minimize's),
    # not the initial 0 and 1
    np.testing.assert_allclose(bn.running_mean, ref_bn.running_mean, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(bn.running_var, ref_bn.running_var, rtol=1e-9)
    assert not np.allclose(bn.running_var, 1.0)
    meta = load_metadata(out)
    assert (meta["training"]["optimizer"], meta["training"]["epochs"]) == (method, result.nit)
    # the history's loss: the training-mode cost minimised, iteration by iteration
    np.testing.assert_allclose(meta["history"]["loss"], result.loss_curve, rtol=1e-10)
    # the last iterate's accuracy and val_loss: the scores of the model written
    acc, _ = _scores(net, Xs[train], y[train])
    assert meta["history"]["accuracy"][-1] == pytest.approx(acc, abs=1e-12)
    J_val = net.cost(net.params, Xs[val], y[val])[0]  # evaluation mode, decay included
    np.testing.assert_allclose(meta["history"]["val_loss"][-1], J_val, rtol=1e-9)
    # the scores the run printed, and chainrule evaluate's on the same rows
    (acc_t, ll_t), (acc_v, ll_v) = _scores(net, Xs[train], y[train]), _scores(net, Xs[val],
                                                                                  y[val])
    assert (f"training accuracy {acc_t:.4g}, log loss {ll_t:.4g}; validation accuracy "
            f"{acc_v:.4g}, log loss {ll_v:.4g}") in said
    assert main(["evaluate", str(out), str(path)]) == 0
    evaluated = capsys.readouterr().out
    acc_all, ll_all = _scores(net, Xs, y)
    assert f"accuracy: {acc_all:g}\n" in evaluated
    assert f"log loss: {ll_all:g}\n" in evaluated


def test_ctrl_c_writes_the_iterate_with_its_running_statistics(blobs, tmp_path,  # noqa: F811
                                                               monkeypatch, capsys):
    """Interrupted after iteration 3, the model is minimize's third iterate, with the
    running statistics of the training rows at it (minimize sets them only at its end)."""
    path, X, y = blobs
    interrupt_minimize_after(monkeypatch, 3)  # Ctrl-C after the third iteration
    out = tmp_path / "m.npz"
    code = main(["train", str(path), "--optimizer", "newton-cg", "--layers",
                 str(_layers_file(tmp_path)), "--epochs", "20", "--seed", "1", "-q",
                 "-o", str(out)])
    assert code == 130, capsys.readouterr().err
    net, *_ = _reference(X, y, 1, 3, "newton-cg")  # minimize's third iterate, statistics set
    model = cr.load_model(out).network
    np.testing.assert_allclose(model.params, net.params, rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.layers[1].running_mean, net.layers[1].running_mean,
                               rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.layers[1].running_var, net.layers[1].running_var,
                               rtol=1e-9)


def test_lbfgs_still_refuses_batchnorm_and_every_method_dropout(tmp_path, capsys):
    # the data file does not exist: refused before any data is read
    bn = _layers_file(tmp_path)
    err = cli_fails(capsys, ["train", tmp_path / "none.csv", "--optimizer", "lbfgs",
                             "--layers", bn, "-o", tmp_path / "m.npz"])
    assert err.startswith("chainrule: error: --layers: --optimizer lbfgs minimises a "
                          "deterministic cost in evaluation mode, where a BatchNorm layer "
                          "would be silently inactive or frozen; got one as layer 1")
    assert "or --optimizer newton-cg, trust-ncg or trust-krylov" in err
    drop = tmp_path / "drop.json"
    drop.write_text(json.dumps([LAYERS[0], {"type": "Dropout", "rate": 0.2}]))
    for method in ("newton-cg", "trust-ncg", "trust-krylov"):
        err = cli_fails(capsys, ["train", tmp_path / "none.csv", "--optimizer", method,
                                 "--layers", drop, "-o", tmp_path / "m.npz"])
        assert err.startswith(f"chainrule: error: --layers: --optimizer {method} minimises a "
                              "deterministic cost in evaluation mode, where a Dropout layer")
        assert "newton-cg, trust-ncg" not in err
    assert not (tmp_path / "m.npz").exists()
