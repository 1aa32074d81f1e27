"""``chainrule train --optimizer lbfgs``: full-batch L-BFGS through ``chainrule.minimize``.

The reference is ``chainrule.minimize`` run here on data standardised with NumPy
(the training rows' mean and standard deviation), the validation split drawn as
train's help describes it (scikit-learn's ``train_test_split``, stratified), and
a network built with ``chainrule.mlp`` from the same seed.  Runs in-process
through ``chainrule.cli.main``.
"""

from __future__ import annotations

import csv

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

import chainrule as cr
import chainrule.scipy_fit as scipy_fit
from chainrule.cli import main
from chainrule.io import load_metadata
from solver_helpers import interrupt_minimize_after

LABELS = ["cat", "dog", "eel"]


@pytest.fixture(scope="module")
def blobs(tmp_path_factory):
    """A CSV of three classes on features of unequal scales, and what it holds."""
    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]])
    X = np.concatenate([c + rng.normal(size=(14, 2)) for c in centres]) * [10.0, 1.0]
    y = np.repeat(LABELS, 14)
    order = rng.permutation(len(y))
    X, y = np.round(X[order], 6), y[order]
    path = tmp_path_factory.mktemp("lbfgs") / "data.csv"
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "kind"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", c] for (a, b), c in zip(X, y, strict=True)])
    return path, X, np.searchsorted(LABELS, y)


def _reference(X, y, seed, epochs, **kwargs):
    """minimize on the training rows, standardised with their statistics."""
    train, val = train_test_split(np.arange(len(y)), test_size=int(np.ceil(0.1 * len(y))),
                                  random_state=seed, stratify=y)
    mean, std = X[train].mean(axis=0), X[train].std(axis=0)
    Xs = (X - mean) / std
    net = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", seed=seed,
                 weight_decay=kwargs.pop("weight_decay", 0.0))
    result = cr.minimize(net, Xs[train], y[train], maxiter=epochs, **kwargs)
    return net, result, Xs, train, val


def test_lbfgs_model_is_minimize_on_the_standardised_data(blobs, tmp_path, capsys):
    path, X, y = blobs
    out = tmp_path / "m.npz"
    code = main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--weight-decay", "0.01", "--class-weight", "balanced", "--epochs",
                 "25", "--seed", "3", "-q", "-o", str(out)])
    assert code == 0
    net, result, Xs, train, val = _reference(X, y, 3, 25, weight_decay=0.01,
                                             class_weight="balanced")
    assert result.nit > 5  # the run went somewhere: a network far from its start
    model = cr.load_model(out)
    assert not np.allclose(model.network.params, cr.mlp([2, 4, 3], hidden="tanh",
                                                        output="softmax", seed=3).params)
    np.testing.assert_allclose(model.network.params, net.params, rtol=1e-12, atol=1e-14)
    meta = load_metadata(out)
    t = meta["training"]
    assert (t["optimizer"], t["epochs"], t["lr"], t["momentum"], t["batch_size"]) == (
        "lbfgs", result.nit, None, None, None)
    assert t["stop_reason"] == ("epochs" if result.nit == 25 else "converged")
    np.testing.assert_allclose(meta["history"]["loss"], result.loss_curve, rtol=1e-12)
    val_cost = net.cost(net.params, Xs[val], y[val])[0]  # weight decay included, as train's
    np.testing.assert_allclose(meta["history"]["val_loss"][-1], val_cost, rtol=1e-12)
    np.testing.assert_allclose(meta["x_mean"], X[train].mean(axis=0), rtol=1e-12)
    capsys.readouterr()

    # evaluate and predict take the raw data: the reference network's numbers on Xs
    proba = net.forward(Xs)
    assert main(["evaluate", str(out), str(path)]) == 0
    said = capsys.readouterr().out
    accuracy = float(np.mean(proba.argmax(axis=1) == y))
    log_loss = float(-np.mean(np.log(proba[np.arange(len(y)), y])))
    assert f"accuracy: {accuracy:g}" in said
    assert f"log loss: {log_loss:g}" in said
    predictions = tmp_path / "p.csv"
    assert main(["predict", str(out), str(path), "-o", str(predictions)]) == 0
    with open(predictions, newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["kind"]
    assert [r[0] for r in rows[1:]] == [LABELS[i] for i in proba.argmax(axis=1)]
    capsys.readouterr()
    assert main(["info", str(out)]) == 0
    said = capsys.readouterr().out
    assert "optimizer=lbfgs" in said
    assert f"last iteration's training cost {result.loss_curve[-1]:.4g}" in said


def test_lbfgs_ctrl_c_writes_the_last_iterate(blobs, tmp_path, monkeypatch, capsys):
    path, X, y = blobs
    interrupt_minimize_after(monkeypatch, 3)  # Ctrl-C after the third iteration
    out = tmp_path / "m.npz"
    code = main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--epochs", "25", "--seed", "1", "-q", "-o", str(out)])
    assert code == 130
    assert capsys.readouterr().err == (
        f"chainrule train: interrupted after iteration 3 of 25; {out} holds the last "
        "iterate\n")
    net, *_ = _reference(X, y, 1, 3)  # L-BFGS-B's third iterate
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=1e-12,
                               atol=1e-14)
    t = load_metadata(out)["training"]
    assert (t["epochs"], t["stop_reason"]) == (3, "interrupted")


_WHY = {
    "--lr": "its line search chooses each step's length",
    "--momentum": "a setting of sgd, gd, nesterov and rmsprop",
    "--batch-size": "it steps on the whole training set",
    "--schedule": "it has no learning rate to schedule",
    "--dropout": "it minimises a deterministic cost, where dropout is inactive",
    "--patience": "it has no early stopping; --epochs bounds its iterations",
    "--checkpoint": "a run of it cannot be checkpointed and resumed",
    "--checkpoint-every": "a run of it cannot be checkpointed",
    "--resume": "a run of it cannot be checkpointed and resumed",
}


@pytest.mark.parametrize("option", [
    ["--lr", "0.1"], ["--momentum", "0"], ["--batch-size", "8"], ["--schedule", "cosine"],
    ["--dropout", "0.2"], ["--patience", "3"], ["--checkpoint", "run.npz"],
    ["--checkpoint-every", "2"], ["--resume"],
])
def test_lbfgs_refuses_the_options_it_has_no_use_for(tmp_path, capsys, option):
    # the data file does not exist: the refusal comes before any data is read
    code = main(["train", str(tmp_path / "none.csv"), "--optimizer", "lbfgs", *option,
                 "-o", str(tmp_path / "m.npz")])
    name = option[0]
    assert code == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: {name}: --optimizer lbfgs takes no {name} ({_WHY[name]}); "
        f"leave {name} out, or use a mini-batch optimizer such as adam\n")
    assert not (tmp_path / "m.npz").exists()


def test_lbfgs_refuses_dropout_and_batchnorm_layers(tmp_path, capsys):
    layers = '[{"type": "Dense", "fan_out": 3}, {"type": "Dropout", "rate": 0.5}]'
    code = main(["train", str(tmp_path / "none.csv"), "--optimizer", "lbfgs", "--layers",
                 layers])
    assert code == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --layers: --optimizer lbfgs minimises a deterministic cost in "
        "evaluation mode, where a Dropout layer would be silently inactive or frozen; got "
        "one as layer 1: leave it out, or use a mini-batch optimizer such as adam\n")


def test_lbfgs_divergence_writes_no_model(tmp_path, capsys):
    # features near the largest float, kept as they are: the cost overflows at once
    path = tmp_path / "big.csv"
    rows = [[f"{(-1) ** i * 1e300:g}", f"{i % 3}", f"{i % 2}"] for i in range(20)]
    with open(path, "w", newline="") as fh:
        csv.writer(fh).writerows([["a", "b", "y"], *rows])
    code = main(["train", str(path), "--optimizer", "lbfgs", "--scale", "none", "--hidden",
                 "3", "-q", "-o", str(tmp_path / "m.npz")])
    assert code == 1
    assert capsys.readouterr().err == (
        "chainrule: error: training diverged: L-BFGS's cost or parameters became NaN or "
        "infinite at the initial parameters or in the first iteration; no model was "
        "written.\n")
    assert not (tmp_path / "m.npz").exists()


def test_lbfgs_loss_curve_is_drawn_per_iteration(blobs, tmp_path, monkeypatch, capsys):
    """train --plot and plot loss drew an lbfgs run's history, one value per L-BFGS
    iteration, against an axis labelled 'epoch' (and a legend naming the best validation
    epoch); they now say iteration, as plot loss does for an lbfgs estimator."""
    from chainrule import plots

    path, X, y = blobs
    drawn = []
    save = plots._save
    monkeypatch.setattr(plots, "_save", lambda fig, p: drawn.append(fig) or save(fig, p))
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--epochs", "12", "--seed", "2", "-q", "-o", str(out),
                 "--plot", str(tmp_path / "train.png")]) == 0
    assert main(["plot", "loss", str(out), "-o", str(tmp_path / "again.png")]) == 0
    net, result, Xs, _train, val = _reference(X, y, 2, 12)
    val_curve = []  # the validation cost of each iterate, by minimize's callback
    _reference(X, y, 2, 12, callback=lambda theta, J: val_curve.append(
        net.cost(theta, Xs[val], y[val])[0]))
    best = int(np.argmin(val_curve)) + 1
    for fig in drawn:
        ax = fig.axes[0]
        assert ax.get_xlabel() == "iteration (lbfgs)"
        training, validation = ax.get_lines()[:2]
        np.testing.assert_allclose(training.get_ydata(), result.loss_curve, rtol=1e-12)
        np.testing.assert_allclose(validation.get_ydata(), val_curve, rtol=1e-12)
        labels = ax.get_legend_handles_labels()[1]
        assert f"best validation (iteration {best})" in labels, labels
    assert len(drawn) == 2


def test_lbfgs_interrupted_in_its_first_iteration_writes_no_model(blobs, tmp_path,
                                                                   monkeypatch, capsys):
    """Ctrl-C in the first evaluation of the cost wrote the network's initialisation as a
    model, 'trained 0 iterations', saying that it held 'the last iterate'; no model is
    written now, and the exit status is Ctrl-C's."""
    path, *_ = blobs
    real = scipy_fit._objective

    def objective(*args, **kwargs):
        real(*args, **kwargs)

        def fun(theta):
            raise KeyboardInterrupt  # Ctrl-C while the first cost is computed

        return fun

    monkeypatch.setattr(scipy_fit, "_objective", objective)
    out = tmp_path / "m.npz"
    code = main(["train", str(path), "--optimizer", "lbfgs", "--epochs", "25", "-q",
                 "-o", str(out), "--plot", str(tmp_path / "loss.png")])
    assert code == 130
    assert capsys.readouterr().err == (
        "chainrule train: interrupted before iteration 1 of 25 ended; no model written (the "
        "network is still its initialisation)\n")
    assert not out.exists()
    assert not (tmp_path / "loss.png").exists()


def _signalling_objective(monkeypatch, signals):
    """minimize's objective, calling the handlers of ``signals`` (one a call) from its
    first calls, as Ctrl-C or a scheduler's SIGTERM arriving while the first cost is
    computed calls them."""
    import signal

    real = scipy_fit._objective

    def objective(*args, **kwargs):
        fun = real(*args, **kwargs)
        pending = list(signals)

        def signalled(theta):
            if pending:
                signum = pending.pop(0)
                signal.getsignal(signum)(signum, None)
            return fun(theta)

        return signalled

    monkeypatch.setattr(scipy_fit, "_objective", objective)


@pytest.mark.parametrize("signum, code, how, name", [
    ("SIGINT", 130, "interrupted", "Ctrl-C"), ("SIGTERM", 143, "stopped by SIGTERM", "SIGTERM"),
])
def test_lbfgs_first_signal_finishes_the_iteration(blobs, tmp_path, monkeypatch, capsys,
                                                   signum, code, how, name):
    """A Ctrl-C or SIGTERM while a cost was computed stopped L-BFGS there (in the first
    iteration: no iterate at all); as the mini-batch runs and the estimators' lbfgs do, the
    first one now finishes the iteration under way and the model is that iterate."""
    import signal

    path, X, y = blobs
    _signalling_objective(monkeypatch, [getattr(signal, signum)])
    out = tmp_path / "m.npz"
    got = main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                "tanh", "--epochs", "25", "--seed", "1", "-q", "-o", str(out)])
    err = capsys.readouterr().err
    assert got == code, err
    assert err == (f"\nchainrule: stopping after the current iteration ({name} again to "
                   f"abort)\nchainrule train: {how} after iteration 1 of 25; {out} holds the "
                   "last iterate\n")
    monkeypatch.undo()  # the reference computes its costs undisturbed
    net, result, *_ = _reference(X, y, 1, 1)  # L-BFGS-B's first iterate
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=1e-12,
                               atol=1e-14)
    meta = load_metadata(out)
    assert (meta["training"]["epochs"], meta["training"]["stop_reason"]) == (1, "interrupted")
    np.testing.assert_allclose(meta["history"]["loss"], result.loss_curve, rtol=1e-12)


def test_lbfgs_second_ctrl_c_aborts_without_a_model(blobs, tmp_path, monkeypatch, capsys):
    import signal

    path, *_ = blobs
    _signalling_objective(monkeypatch, [signal.SIGINT, signal.SIGINT])
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", "lbfgs", "--epochs", "25", "-q",
                 "-o", str(out)]) == 130
    err = capsys.readouterr().err
    assert err.endswith("chainrule: interrupted\n"), err
    assert not out.exists()


def test_lbfgs_ctrl_c_in_the_last_iteration_ends_the_run(blobs, tmp_path, monkeypatch,
                                                          capsys):
    """As after the last batch of the last epoch: nothing is left to stop, the run is
    finished (status 0, stop_reason epochs)."""
    import signal

    path, X, y = blobs
    _signalling_objective(monkeypatch, [signal.SIGINT])
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--epochs", "1", "--seed", "1", "-q", "-o", str(out)]) == 0
    monkeypatch.undo()
    net, *_ = _reference(X, y, 1, 1)
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=1e-12,
                               atol=1e-14)
    assert load_metadata(out)["training"]["stop_reason"] == "epochs"


def test_lbfgs_shows_its_progress_unless_quiet(blobs, tmp_path, capsys):
    """Without -q, the mini-batch optimizers show a bar (a line per epoch when stderr is
    not a terminal, as here); lbfgs printed nothing until it ended.  It now prints a line
    per iteration, with its training and validation costs (and accuracies)."""
    path, X, y = blobs
    argv = ["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
            "tanh", "--epochs", "6", "--seed", "4", "-o", str(tmp_path / "m.npz")]
    assert main(argv) == 0
    net, result, Xs, train, val = _reference(X, y, 4, 6)
    curve = []  # each iterate's validation cost, and its accuracies computed with NumPy

    def save(theta, J):
        twin = cr.mlp([2, 4, 3], hidden="tanh", output="softmax", seed=4)
        twin.params[...] = theta  # its layers' W and b: views of these parameters
        (W1, b1), (W2, b2) = [(layer.W, layer.b) for layer in twin.layers]
        hit = (np.tanh(Xs @ W1 + b1) @ W2 + b2).argmax(axis=1) == y
        curve.append((net.cost(theta, Xs[val], y[val])[0], hit[train].mean(), hit[val].mean()))

    _reference(X, y, 4, 6, callback=save)
    assert result.nit == 6
    assert capsys.readouterr().err == "".join(
        f"iteration {i}/6: loss {J:.5g}, accuracy {a:.5g}, val_loss {V:.5g}, val_accuracy "
        f"{va:.5g}\n"
        for i, (J, (V, a, va)) in enumerate(zip(result.loss_curve, curve, strict=True), 1))
    assert main([*argv, "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_lbfgs_stop_reason_is_scipys(blobs, tmp_path, monkeypatch, capsys):
    """A run that SciPy's line search ended (status 2, 'ABNORMAL') before --epochs was
    recorded as converged (any stop short of --epochs was); it is 'line_search' now, and
    a line says SciPy's message."""
    path, X, y = blobs
    real = scipy_fit.minimize

    def short_line_search(net, X, Y, **kwargs):  # one evaluation a line search at most
        options = {**(kwargs.pop("options", None) or {}), "maxls": 1}
        return real(net, X, Y, options=options, **kwargs)

    monkeypatch.setattr(scipy_fit, "minimize", short_line_search)
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--epochs", "300", "--seed", "1", "-q", "-o", str(out)]) == 0
    monkeypatch.undo()
    net, result, *_ = _reference(X, y, 1, 300, options={"maxls": 1})
    assert (result.status, result.success) == (2, False) and result.nit < 300
    t = load_metadata(out)["training"]
    assert (t["epochs"], t["stop_reason"]) == (result.nit, "line_search")
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=1e-12,
                               atol=1e-14)
    assert capsys.readouterr().err == (
        f"chainrule train: L-BFGS-B stopped after iteration {result.nit} of 300 without "
        f"converging (SciPy: {result.message})\n")


def test_lbfgs_epochs_is_its_only_bound(blobs, tmp_path, monkeypatch):
    """SciPy's L-BFGS-B also stops after maxfun evaluations (15000 by default), which a
    long run can reach before --epochs iterations (a run of 15000 iterations surely
    does), and which the command line cannot raise: --epochs is now its one bound."""
    import scipy.optimize

    path, X, y = blobs
    seen = []
    real = scipy.optimize.minimize
    monkeypatch.setattr(scipy.optimize, "minimize", lambda *a, **k: seen.append(
        k["options"]) or real(*a, **k))
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--optimizer", "lbfgs", "--hidden", "4", "--activation",
                 "tanh", "--epochs", "20000", "--seed", "1", "-q", "-o", str(out)]) == 0
    monkeypatch.undo()
    # a line search takes 20 evaluations at most, and one more to restart once
    assert seen[0].get("maxfun", 15000) > 41 * 20000
    net, result, *_ = _reference(X, y, 1, 20000, options={"maxfun": seen[0]["maxfun"]})
    t = load_metadata(out)["training"]
    assert (t["epochs"], t["stop_reason"]) == (result.nit, "converged")
    np.testing.assert_allclose(cr.load_model(out).network.params, net.params, rtol=1e-12,
                               atol=1e-14)
