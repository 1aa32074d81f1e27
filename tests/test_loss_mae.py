"""The mean absolute error (``mean_absolute_error``, aliases ``mae`` and ``absolute_error``):
its value and gradient against PyTorch's ``L1Loss`` and scikit-learn's
``mean_absolute_error``, central differences away from the kink, ``chainrule train --loss
mae`` on targets with outliers, the teaching trace, and every file that keeps it."""

from __future__ import annotations

import csv
import pickle
import re
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule import io, reference
from chainrule.cli import main
from chainrule.io import load_metadata
from chainrule.losses import LOSSES, get_loss
from file_helpers import edit_saved_meta

MAE = "mean_absolute_error"


def _torch_net_cost(torch, net, X, Y, sw=None):
    """The cost and gradient of ``net`` (Dense tanh layers, identity output, loss mae,
    weight decay "ufldl"), written in torch from its weights: the weighted mean over the
    examples of ``L1Loss(reduction="none")`` averaged over the outputs, plus (lambda/2)
    sum W^2."""
    params = [torch.tensor(p, requires_grad=True) for layer in net.layers
              for p in (layer.W.copy(), layer.b.copy())]
    a = torch.from_numpy(X)
    n_layers = len(net.layers)
    for i in range(n_layers):
        z = a @ params[2 * i] + params[2 * i + 1]
        a = torch.tanh(z) if i < n_layers - 1 else z
    per_example = torch.nn.L1Loss(reduction="none")(a, torch.from_numpy(Y)).mean(dim=1)
    w = torch.ones(len(X), dtype=torch.float64) if sw is None else torch.from_numpy(sw)
    decay = sum((p ** 2).sum() for p in params[0::2])
    J = (w * per_example).sum() / w.sum() + 0.5 * net.weight_decay * decay
    J.backward()
    return float(J.detach()), np.concatenate([p.grad.numpy().ravel() for p in params])


def test_names_and_aliases_are_one_loss():
    loss = get_loss("mae")
    assert loss is get_loss("absolute_error") is get_loss(MAE) is LOSSES[MAE]
    assert loss.get_config() == MAE and loss.params == {}
    with pytest.raises(TypeError, match="loss 'mean_absolute_error' has no setting 'delta'"):
        get_loss({"name": "mae", "delta": 1.0})
    with pytest.raises(ValueError, match=r"valid names are: .*absolute_error.*mae.*"
                                         r"mean_absolute_error"):
        get_loss("l1")


@pytest.mark.parametrize("k", [1, 3])
def test_value_and_gradient_match_torch_l1_loss_zero_at_the_target(k):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(k)
    y = rng.normal(size=(40, k))
    a = y + rng.normal(scale=2.0, size=y.shape)
    a[::5] = y[::5]  # outputs exactly at their target: torch's gradient (sign) is 0 there
    at = torch.tensor(a, requires_grad=True)
    ref = torch.nn.L1Loss()(at, torch.from_numpy(y))  # the mean over all n*k entries
    ref.backward()
    loss = get_loss("mae")
    n = a.shape[0]
    assert loss.value(a, y).mean() == pytest.approx(ref.item(), rel=1e-14)
    # dJ/da of the mean over examples is grad / n
    np.testing.assert_allclose(loss.grad(a, y) / n, at.grad.numpy(), rtol=1e-15, atol=0)
    assert np.all(loss.grad(a, y)[::5] == 0.0)
    # per example: the NumPy formula
    np.testing.assert_allclose(loss.value(a, y), np.abs(a - y).mean(axis=1), rtol=1e-15)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("weighted", [False, True])
def test_network_cost_and_gradient_match_torch_with_decay_and_weights(k, weighted):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(10 + k)
    net = cr.mlp([4, 5, k], hidden="tanh", loss="mae", weight_decay=1e-3, seed=1)
    X, Y = rng.normal(size=(30, 4)), rng.normal(scale=1.5, size=(30, k))
    sw = rng.uniform(0.2, 3.0, size=30) if weighted else None
    J, grad = net.loss_and_grad(X, Y, sample_weight=sw)
    J_torch, grad_torch = _torch_net_cost(torch, net, X, Y, sw)
    assert J == pytest.approx(J_torch, rel=1e-13)
    np.testing.assert_allclose(grad, grad_torch, rtol=1e-11, atol=1e-14)


@pytest.mark.parametrize("k", [1, 3])
def test_weighted_cost_is_scikit_learns_mean_absolute_error(k):
    from sklearn.metrics import mean_absolute_error
    rng = np.random.default_rng(20 + k)
    net = cr.mlp([3, 4, k], hidden="tanh", loss="absolute_error", seed=2)  # no decay
    X, Y = rng.normal(size=(25, 3)), rng.normal(size=(25, k))
    sw = rng.uniform(0.0, 2.0, size=25)
    J, _ = net.loss_and_grad(X, Y, sample_weight=sw)
    expected = mean_absolute_error(Y, net.forward(X), sample_weight=sw)
    assert J == pytest.approx(expected, rel=1e-13)
    assert net.loss_value(X, Y) == pytest.approx(mean_absolute_error(Y, net.forward(X)),
                                                 rel=1e-13)


def test_gradient_matches_central_differences_away_from_the_kink():
    rng = np.random.default_rng(3)
    net = cr.mlp([4, 6, 3], hidden="tanh", loss="mae", seed=2, weight_decay=1e-3)
    X, Y = rng.normal(size=(25, 4)), rng.normal(scale=1.5, size=(25, 3))
    # every residual far from 0 against eps = 1e-5 on the weights: no difference crosses
    # the kink of |r|, where the loss has no derivative
    assert np.abs(net.forward(X) - Y).min() > 1e-2
    assert cr.gradient_check(net, X, Y, eps=1e-5).rel_diff < 1e-8
    # and the scalar loops of chainrule.reference
    cost, grad = net.loss_and_grad(X, Y)
    ref_cost, ref_grad = reference.loss_and_grad(net, X, Y)
    assert ref_cost == pytest.approx(cost, rel=1e-13)
    np.testing.assert_allclose(ref_grad, grad, rtol=1e-12, atol=1e-15)


def _write(path, X, y):
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["f1", "f2", "y"])
        writer.writerows([[f"{a:.6f}", f"{b:.6f}", f"{t:.6f}"]
                          for (a, b), t in zip(X, y, strict=True)])


@pytest.fixture(scope="module")
def outliers(tmp_path_factory):
    """A noisy line in two features, 15 % of its training targets shifted by +20, and clean
    held-out rows of the same line."""
    rng = np.random.default_rng(4)
    X = np.round(rng.normal(size=(260, 2)), 6)
    y = np.round(X @ [1.5, -2.0] + 0.1 * rng.normal(size=260), 6)
    y_train = y[:160].copy()
    y_train[rng.choice(160, 24, replace=False)] += 20.0
    folder = tmp_path_factory.mktemp("mae")
    _write(folder / "train.csv", X[:160], y_train)
    return folder / "train.csv", X[160:], y[160:]


def test_cli_train_beats_the_squared_error_in_median_absolute_error(outliers, tmp_path):
    path, X_test, y_test = outliers
    errors = {}
    for loss in ("squared_error", "mae"):
        out = tmp_path / f"{loss}.npz"
        assert main(["train", str(path), "--loss", loss, "--hidden", "--optimizer", "adam",
                     "--lr", "0.05", "--epochs", "60", "--seed", "0", "--val-fraction", "0",
                     "-q", "-o", str(out)]) == 0
        pred = np.asarray(cr.load_model(out).predict(X_test), dtype=float).ravel()
        errors[loss] = float(np.median(np.abs(pred - y_test)))
    # the squared error's intercept follows the outliers' mean shift (0.15 * 20 = 3); the
    # absolute error's, their median, barely moves
    assert errors["squared_error"] > 2.0
    assert errors["mae"] < 0.3 * errors["squared_error"]


def test_cli_model_file_keeps_the_loss(outliers, tmp_path, capsys):
    path = outliers[0]
    out = tmp_path / "m.npz"
    assert main(["train", str(path), "--loss", "absolute_error", "--hidden", "3",
                 "--epochs", "2", "-q", "-o", str(out)]) == 0
    model = cr.load_model(out)
    assert model.network.loss is LOSSES[MAE]
    assert load_metadata(out)["training"]["loss"] == MAE  # the name, not the alias
    # the network file alone, and a pickle, keep it too
    net = model.network
    io.save(net, tmp_path / "net.npz")
    for back in (io.load(tmp_path / "net.npz"), pickle.loads(pickle.dumps(net))):
        assert back.loss is LOSSES[MAE]
        np.testing.assert_array_equal(back.params, net.params)
    X, Y = np.random.default_rng(1).normal(size=(5, 2)), np.ones((5, 1))
    decay = 0.5 * net.weight_decay * sum(float(np.sum(layer.W ** 2)) for layer in net.layers)
    assert io.load(tmp_path / "net.npz").loss_value(X, Y) == pytest.approx(
        float(np.abs(net.forward(X) - Y).mean()) + decay, rel=1e-13)
    capsys.readouterr()
    assert main(["evaluate", str(out), str(path)]) == 0
    assert "mae:" in capsys.readouterr().out


def test_cli_refuses_it_for_a_classification_and_makes_whole_numbers_a_regression(
        tmp_path, capsys):
    rows = [(i / 10, i % 3) for i in range(30)]  # 0, 1, 2: classes by the auto rule
    (tmp_path / "d.csv").write_text("x,t\n" + "".join(f"{x},{t}\n" for x, t in rows))
    out = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "d.csv"), "--loss", "mae", "--hidden", "--epochs",
                 "1", "-q", "-o", str(out)]) == 0
    assert load_metadata(out)["task"] == "regression"
    assert cr.load_model(out).network.output_activation.name == "identity"
    capsys.readouterr()
    for run in (["train", "-q", "-o", str(tmp_path / "c.npz")], ["cv", "--folds", "2"]):
        assert main([*run, str(tmp_path / "d.csv"), "--loss", "mae", "--task",
                     "classification", "--epochs", "1"]) == 2
        assert ("--loss mae: a regression loss (of the residuals y - a), but the task is "
                "classification") in capsys.readouterr().err


def test_trace_prints_its_formula_and_sign_gradient(capsys):
    assert main(["trace", "--preset", "integer-example", "--loss", "mae"]) == 0
    text = capsys.readouterr().out
    # the preset (SPEC 10 B), by hand: square units, x = (1, 1), targets (290, 14)
    W1, W2 = np.array([[1, 1], [2, 1]]), np.array([[2, 1], [1, 0]])
    out = (W2 @ (W1 @ [1, 1]) ** 2) ** 2
    t = np.array([290, 14])
    E = np.abs(out - t).mean()
    assert f"E = 1/K sum_o |out_o - t_o| = {E:g}" in text
    for j, g in enumerate(np.sign(out - t) / 2, start=1):
        assert f"dE/dout_o{j} = 1/K sign(out_o{j} - t_o{j}) = {g:g}" in text


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_regressor_absolute_error_fits_saves_and_refuses_another_loss(tmp_path):
    from sklearn.metrics import mean_absolute_error

    from chainrule.estimators import MLPRegressor, load_estimator
    rng = np.random.default_rng(5)
    X = rng.normal(size=(80, 3))
    Y = np.column_stack([X @ [1.0, -1.0, 0.5], X[:, 0]]) + 0.1 * rng.normal(size=(80, 2))
    est = MLPRegressor((4,), loss="absolute_error", alpha=0.0, max_iter=30,
                       random_state=0).fit(X, Y)
    assert est.network_.loss is LOSSES[MAE] and est.out_activation_ == "identity"
    # no decay: the loss reported is scikit-learn's mean absolute error of the fit
    assert est.network_.loss_value(X, Y) == pytest.approx(
        mean_absolute_error(Y, est.predict(X)), rel=1e-12)
    path = tmp_path / "est.npz"
    est.save(path)
    back = load_estimator(path)
    assert back.loss == "absolute_error"
    np.testing.assert_array_equal(back.predict(X), est.predict(X))
    edit_saved_meta(path, lambda meta: meta["params"].update(loss="huber"))
    with pytest.raises(ValueError, match=re.escape(
            "params: loss: expected 'absolute_error' (the network's loss), found 'huber'")):
        load_estimator(path)
    est.set_params(loss="squared_error")
    with pytest.raises(ValueError, match=re.escape(
            "loss: the fitted network was trained with loss='absolute_error', got "
            "loss='squared_error'")):
        est.partial_fit(X, Y)
    with pytest.raises(ValueError, match=re.escape(
            "The 'loss' parameter of MLPRegressor must be a str among {'absolute_error', "
            "'huber', 'poisson', 'squared_error'}. Got 'mae' instead.")):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            MLPRegressor(loss="mae").fit(X, Y)
