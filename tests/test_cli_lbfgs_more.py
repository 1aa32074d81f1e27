"""More of ``chainrule train --optimizer lbfgs``: what ``info`` prints of its settings,
the accuracies it records and a signal that lands in its converging iteration."""

from __future__ import annotations

import csv
import json
import signal

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import chainrule as cr
import chainrule.scipy_fit as scipy_fit
from chainrule.cli import main
from chainrule.io import load_metadata


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    """A CSV of three overlapping classes, and what it holds."""
    rng = np.random.default_rng(11)
    centres = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0]])
    X = np.round(np.concatenate([c + rng.normal(size=(20, 2)) for c in centres]), 6)
    y = np.repeat([0, 1, 2], 20)
    order = rng.permutation(len(y))
    X, y = X[order], y[order]
    path = tmp_path_factory.mktemp("lbfgs_more") / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "kind"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", f"c{c}"]
                          for (a, b), c in zip(X, y, strict=True)])
    return path, X, y


@pytest.mark.parametrize("optimizer, left_out", [
    ("lbfgs", ("lr", "momentum", "batch_size")), ("adam", ("momentum",)),
])
def test_info_leaves_out_the_settings_an_optimizer_has_no_use_for(
        blobs, tmp_path, capsys, optimizer, left_out):
    """``info`` printed ``lr=None, momentum=None, batch_size=None`` for lbfgs (and
    ``momentum=None`` for adam); ``--json`` still holds them, as null."""
    path, *_ = blobs
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", optimizer, "--epochs", "2", "-q",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    trained = next(line for line in capsys.readouterr().out.splitlines()
                   if line.startswith("trained: "))
    assert "None" not in trained
    assert f"optimizer={optimizer}" in trained
    for key in left_out:
        assert f"{key}=" not in trained
    if optimizer == "adam":
        assert "lr=0.01" in trained and "batch_size=32" in trained
    assert main(["info", str(out), "--json"]) == 0
    record = json.loads(capsys.readouterr().out)["training"]
    assert all(record[key] is None for key in left_out)
    assert record == load_metadata(out)["training"]


def _reference(X, y, seed, epochs, **kwargs):
    """minimize on the training rows (as train splits them), standardised with their
    statistics: the network, SciPy's result, the rows, the training and validation rows."""
    train, val = train_test_split(np.arange(len(y)), test_size=int(np.ceil(0.1 * len(y))),
                                  random_state=seed, stratify=y)
    Xs = (X - X[train].mean(axis=0)) / X[train].std(axis=0)
    net = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", seed=seed,
                 weight_decay=kwargs.pop("weight_decay", 0.0))
    result = cr.minimize(net, Xs[train], y[train], maxiter=epochs, **kwargs)
    return net, result, Xs, train, val


def _signal_at(monkeypatch, calls, signum):
    """minimize's objective, calling the handler of ``signum`` (as a Ctrl-C or SIGTERM
    arriving then does) in its evaluations numbered ``calls`` (from 1)."""
    real = scipy_fit._objective

    def objective(*args, **kwargs):
        fun, n = real(*args, **kwargs), [0]

        def signalled(theta):
            n[0] += 1
            if n[0] in calls:
                signal.getsignal(signum)(signum, None)
            return fun(theta)

        return signalled

    monkeypatch.setattr(scipy_fit, "_objective", objective)


def _counted_reference(monkeypatch, X, y, class_weight):
    """:func:`_reference` of the runs below, counting minimize's evaluations: the network,
    SciPy's result, each iterate (from 1) and the number of each iteration's first
    evaluation (iteration 2's: the evaluation after the first iterate's)."""
    real, count, iterates, firsts = scipy_fit._objective, [0], [], {}

    def objective(*args, **kwargs):
        fun = real(*args, **kwargs)

        def counted(theta):
            count[0] += 1
            return fun(theta)

        return counted

    def callback(theta, J):
        iterates.append(theta.copy())
        firsts[len(iterates) + 1] = count[0] + 1

    monkeypatch.setattr(scipy_fit, "_objective", objective)
    net, result, *_ = _reference(X, y, 2, 500, weight_decay=0.01, class_weight=class_weight,
                                 callback=callback)
    monkeypatch.undo()
    assert count[0] == result.nfev and len(iterates) == result.nit
    return net, result, iterates, firsts


@pytest.mark.parametrize("signum, class_weight", [
    (signal.SIGINT, []), (signal.SIGTERM, []),
    (signal.SIGINT, ["--class-weight", '{"c0": 3}']),
])
def test_lbfgs_signal_in_its_converging_iteration_ends_the_run(
        blobs, tmp_path, monkeypatch, capsys, signum, class_weight):
    """A Ctrl-C (or SIGTERM) in the iteration after which SciPy finds the run converged
    ended it as "interrupted" (130, or 143), though it had finished: SciPy tests
    convergence after it calls back with the iterate, where the run raised. It is the
    finished run now (0, "converged", the uninterrupted run's model); a signal one
    iteration earlier still stops the run at the iterate before."""
    path, X, y = blobs
    net, result, iterates, firsts = _counted_reference(
        monkeypatch, X, y, {0: 3.0} if class_weight else None)
    assert result.success and 5 < result.nit < 500  # converged, well before --epochs
    args = ["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
            "tanh", "--weight-decay", "0.01", "--epochs", "500", "--seed", "2", "-q",
            *class_weight]

    # in the last evaluation, that of the converged iterate: the run is finished
    _signal_at(monkeypatch, {result.nfev}, signum)
    out = tmp_path / "m.npz"
    assert main([*args, "-o", str(out)]) == 0, capsys.readouterr().err
    monkeypatch.undo()
    t = load_metadata(out)["training"]
    assert (t["epochs"], t["stop_reason"]) == (result.nit, "converged")
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=1e-12,
                               atol=1e-14)
    assert "interrupted" not in capsys.readouterr().err

    # in the first evaluation of the iteration before it: stopped at the iterate before
    early = tmp_path / "early.npz"
    _signal_at(monkeypatch, {firsts[result.nit - 1]}, signum)
    assert main([*args, "-o", str(early)]) == (130 if signum == signal.SIGINT else 143)
    monkeypatch.undo()
    t = load_metadata(early)["training"]
    assert (t["epochs"], t["stop_reason"]) == (result.nit - 1, "interrupted")
    np.testing.assert_allclose(cr.load_model(early).network.params, iterates[-2],
                               rtol=1e-12, atol=1e-14)


def _numpy_hits(theta, Xs, y, sizes, output):
    """Which rows the tanh network of ``sizes`` with parameters ``theta`` classifies right,
    written out in NumPy (the layers' W and b read as views of ``theta``)."""
    twin = cr.mlp(sizes, hidden="tanh", output=output, seed=0)
    twin.params[...] = theta
    (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in twin.layers]
    Z = np.tanh(Xs @ W1 + b1) @ W2 + b2
    # a sigmoid's output is above 0.5 where its input is above 0
    return (Z[:, 0] > 0) == (y == 1) if sizes[-1] == 1 else Z.argmax(axis=1) == y


@pytest.mark.parametrize("classes", [3, 2])
def test_lbfgs_records_the_accuracies_of_each_iterate(blobs, tmp_path, capsys, classes):
    """The mini-batch runs record accuracy and val_accuracy per epoch; lbfgs recorded only
    loss and val_loss. It records both per iteration now, those of each iterate."""
    path, X, y = blobs
    if classes == 2:  # a sigmoid output under log loss: the rows of the first two classes
        keep = y < 2
        X, y = X[keep], y[keep]
        path = tmp_path / "two.csv"
        with open(path, "w", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["f1", "f2", "kind"])
            writer.writerows([[f"{a:.6f}", f"{b:.6f}", f"c{c}"]
                              for (a, b), c in zip(X, y, strict=True)])
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--epochs", "12", "--seed", "2", "-q", "-o", str(out)]) == 0
    sizes, output = ([2, 4, 3], "softmax") if classes == 3 else ([2, 4, 1], "sigmoid")
    train, val = train_test_split(np.arange(len(y)), test_size=int(np.ceil(0.1 * len(y))),
                                  random_state=2, stratify=y)
    Xs = (X - X[train].mean(axis=0)) / X[train].std(axis=0)
    net = cr.mlp(sizes, hidden="tanh", output=output, seed=2)
    iterates = []
    result = cr.minimize(net, Xs[train], y[train], maxiter=12,
                         callback=lambda theta, J: iterates.append(theta.copy()))
    hits = [_numpy_hits(theta, Xs, y, sizes, output) for theta in iterates]
    history = load_metadata(out)["history"]
    assert len(history["accuracy"]) == len(history["val_accuracy"]) == result.nit > 3
    np.testing.assert_allclose(history["accuracy"], [h[train].mean() for h in hits],
                               rtol=1e-15)
    np.testing.assert_allclose(history["val_accuracy"], [h[val].mean() for h in hits],
                               rtol=1e-15)
    assert len(set(history["accuracy"])) > 1  # they change from iterate to iterate
    np.testing.assert_allclose(history["val_loss"], [
        net.cost(theta, Xs[val], y[val])[0] for theta in iterates], rtol=1e-12)


def test_lbfgs_accuracy_of_an_iterate_the_network_does_not_hold(blobs):
    """Where the network holds another point than the iterate (or none of its outputs), the
    training accuracy is the iterate's all the same: a forward pass of its own."""
    from chainrule._cli_models_train_lbfgs import _iterate_accuracy

    _, X, y = blobs
    net = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", seed=5)
    theta = np.random.default_rng(0).normal(size=net.n_params)
    Y = net._check_xy(X, y)[1]
    net.loss_and_grad(X, y)  # the outputs of the network's own parameters, not theta's
    expected = _numpy_hits(theta, X, y, [2, 4, 3], "softmax").mean()
    assert 0.1 < expected < 0.9
    assert _iterate_accuracy(net, theta, X, y, Y) == expected
