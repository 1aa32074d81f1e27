"""The Huber loss: its values and gradients against PyTorch's HuberLoss and a NumPy formula,
the network gradient by central differences, a fit on targets with gross outliers, and
its delta kept by every file (old files, without it, still load)."""

from __future__ import annotations

import json
import pickle
import re
import warnings

import numpy as np
import pytest

import chainrule
from chainrule import io
from chainrule.losses import LOSSES, get_loss, huber
from file_helpers import edit_saved_meta


def _record(path: object) -> dict:
    """The JSON record of a saved file, as written."""
    with np.load(path, allow_pickle=False) as data:
        return json.loads(str(data["__meta__"]))


def _numpy_huber(r: np.ndarray, delta: float) -> tuple[np.ndarray, np.ndarray]:
    """Per-example loss sum_j h(r_j) and dh/dr, written out from the textbook formula."""
    quad = np.abs(r) <= delta
    h = np.where(quad, 0.5 * r**2, delta * (np.abs(r) - 0.5 * delta))
    dh = np.where(quad, r, delta * np.sign(r))
    return h.sum(axis=1), dh


def _residual_grid(delta: float, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Outputs and targets whose residuals lie inside, outside and exactly at +-delta."""
    rng = np.random.default_rng(7)
    r = np.concatenate([np.linspace(-4 * delta, 4 * delta, 61), [delta, -delta],
                        rng.normal(scale=2 * delta, size=60)])
    r = r[: (r.size // k) * k].reshape(-1, k)
    y = rng.normal(size=r.shape)
    y[np.abs(r) == delta] = 0.0  # so that a - y is exactly +-delta there
    return y + r, y


@pytest.mark.parametrize("delta", [1.0, 0.3, 2.5])
@pytest.mark.parametrize("k", [1, 3])
def test_value_and_gradient_match_torch_huber_loss(delta, k):
    torch = pytest.importorskip("torch")
    a, y = _residual_grid(delta, k)
    r = a - y
    assert np.any(np.abs(r) == delta) and np.any(np.abs(r) > delta) and np.any(np.abs(r) < delta)
    loss = get_loss({"name": "huber", "delta": delta})
    at = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    ref = torch.nn.HuberLoss(delta=delta)(at, torch.tensor(y, dtype=torch.float64))
    ref.backward()
    # torch averages over all n*k entries; the cost here is the mean over examples of the
    # sum over outputs: k times torch's value, and dL/da of one example is k*n torch's grad
    n = a.shape[0]
    assert abs(loss.value(a, y).mean() / k - ref.item()) <= 1e-14
    np.testing.assert_allclose(loss.grad(a, y) / (n * k), at.grad.numpy(), rtol=0, atol=1e-14)


@pytest.mark.parametrize("delta", [1.0, 0.3])
def test_value_and_gradient_match_the_formula_and_the_squared_error_within_delta(delta):
    a, y = _residual_grid(delta, 2)
    value, grad = _numpy_huber(a - y, delta)
    loss = huber(delta)
    np.testing.assert_allclose(loss.value(a, y), value, rtol=1e-15, atol=1e-15)
    np.testing.assert_array_equal(loss.grad(a, y), grad)
    # residuals all within delta: exactly chainrule's squared error, to the last bit
    rng = np.random.default_rng(1)
    y = rng.normal(size=(50, 4))
    a = y + rng.uniform(-delta, delta, size=y.shape)
    se = LOSSES["squared_error"]
    np.testing.assert_array_equal(loss.value(a, y), se.value(a, y))
    np.testing.assert_array_equal(loss.grad(a, y), se.grad(a, y))


@pytest.mark.parametrize("output", ["identity", "tanh"])
def test_network_gradient_matches_central_differences(output):
    rng = np.random.default_rng(3)
    net = chainrule.mlp([4, 6, 3], hidden="tanh", output=output,
                        loss={"name": "huber", "delta": 0.4}, seed=2, weight_decay=1e-3)
    X = rng.normal(size=(25, 4))
    Y = rng.normal(scale=1.5, size=(25, 3))
    r = net.forward(X) - Y
    assert np.mean(np.abs(r) > 0.4) > 0.3 and np.mean(np.abs(r) < 0.4) > 0.1  # both sides
    gc = chainrule.gradient_check(net, X, Y, eps=1e-5)
    assert gc.rel_diff < 1e-8
    # the cost itself: the mean over examples of the NumPy formula, plus the decay
    value, _ = _numpy_huber(r, 0.4)
    W = [layer.W for layer in net.layers]
    decay = 0.5 * 1e-3 * sum(float(np.sum(w * w)) for w in W)
    assert net.loss_value(X, Y) == pytest.approx(value.mean() + decay, rel=1e-13)


def test_get_loss_takes_names_configs_and_refuses_bad_settings():
    assert get_loss("huber").params == {"delta": 1.0}
    assert get_loss({"name": "huber", "delta": 2}).get_config() == {"name": "huber",
                                                                   "delta": 2.0}
    assert get_loss({"name": "squared_error"}) is LOSSES["squared_error"]
    assert LOSSES["squared_error"].get_config() == "squared_error"
    with pytest.raises(TypeError, match="loss 'huber' has no setting 'epsilon'; its "
                                        "settings are: delta"):
        get_loss({"name": "huber", "epsilon": 1.0})
    with pytest.raises(TypeError, match="loss 'poisson' has no setting 'delta'"):
        get_loss({"name": "poisson", "delta": 1.0})
    for bad in (0.0, -1.0, np.inf, np.nan):
        with pytest.raises(ValueError, match="delta: expected a finite number > 0"):
            huber(bad)
    with pytest.raises(TypeError, match="delta: expected a number > 0, got str"):
        huber("1")


def test_network_files_and_pickles_keep_delta_and_older_files_load(tmp_path):
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(30, 3)), rng.normal(scale=3, size=(30, 2))
    net = chainrule.mlp([3, 4, 2], loss=huber(0.25), seed=0)
    assert "loss=huber(delta=0.25)" in net.summary()
    path = tmp_path / "net.npz"
    io.save(net, path)
    assert _record(path)["network"]["loss_params"] == {"delta": 0.25}
    for back in (io.load(path), pickle.loads(pickle.dumps(net))):
        assert back.loss.get_config() == {"name": "huber", "delta": 0.25}
        assert back.loss_value(X, Y) == net.loss_value(X, Y)
    # a file of a loss without settings has no loss_params, as every file before them
    plain = chainrule.mlp([3, 4, 2], seed=0)
    io.save(plain, path)
    assert "loss_params" not in _record(path)["network"]
    assert io.load(path).loss is LOSSES["squared_error"]
    edit_saved_meta(path, lambda meta: meta["network"].update(loss_params=[1.0]))
    with pytest.raises(ValueError, match=re.escape("network.loss_params: expected a JSON object")):
        io.load(path)


def test_a_checkpoint_resumes_with_the_delta_of_its_run(tmp_path):
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(40, 3)), rng.normal(scale=3, size=(40, 1))
    path = tmp_path / "ck.npz"
    net = chainrule.mlp([3, 4, 1], loss={"name": "huber", "delta": 0.5}, seed=0)
    chainrule.train(net, X, Y, optimizer="sgd", lr=0.05, batch_size=8, epochs=2, seed=2,
                    checkpoint=path)
    resumed = chainrule.Trainer.from_checkpoint(path, epochs=3)
    assert resumed.net.loss.get_config() == {"name": "huber", "delta": 0.5}
    resumed.fit(X, Y)
    again = chainrule.mlp([3, 4, 1], loss={"name": "huber", "delta": 0.5}, seed=0)
    chainrule.train(again, X, Y, optimizer="sgd", lr=0.05, batch_size=8, epochs=3, seed=2)
    np.testing.assert_array_equal(resumed.net.params, again.params)


def _outlier_data(seed: int):
    from sklearn.datasets import make_regression
    X, y = make_regression(400, 5, noise=5.0, random_state=seed)
    y = y / y.std()
    X_train, y_train, X_test, y_test = X[:300], y[:300].copy(), X[300:], y[300:]
    bad = np.random.default_rng(seed).choice(300, 30, replace=False)
    y_train[bad] += 50.0  # 10 % of the training targets shifted by +50 std
    return X_train, y_train, X_test, y_test


def test_huber_fit_beats_the_squared_error_on_targets_with_gross_outliers():
    from sklearn.metrics import r2_score

    from chainrule.estimators import MLPRegressor
    gaps = []
    for seed in range(5):
        X_train, y_train, X_test, y_test = _outlier_data(seed)
        scores = {}
        for loss in ("squared_error", "huber"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est = MLPRegressor((), loss=loss, huber_delta=1.0, solver="lbfgs",
                                   max_iter=200, random_state=seed).fit(X_train, y_train)
            scores[loss] = r2_score(y_test, est.predict(X_test))
        assert scores["huber"] > 0.95  # the clean line, barely moved by the outliers
        gaps.append(scores["huber"] - scores["squared_error"])
    # the squared error's intercept follows the outliers' mean shift (0.1 * 50 = 5 std):
    # R^2 about 1 - 5^2
    assert np.mean(gaps) > 10


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_regressor_huber_delta_is_saved_checked_and_optional_in_older_files(tmp_path):
    from sklearn.base import clone

    from chainrule.estimators import MLPRegressor, load_estimator
    X_train, y_train, X_test, _ = _outlier_data(0)
    est = MLPRegressor((3,), loss="huber", huber_delta=0.5, max_iter=5,
                       random_state=0).fit(X_train, y_train)
    assert est.network_.loss.get_config() == {"name": "huber", "delta": 0.5}
    assert est.out_activation_ == "identity"
    path = tmp_path / "est.npz"
    est.save(path)
    back = load_estimator(path)
    assert back.huber_delta == 0.5 and back.network_.loss.params == {"delta": 0.5}
    np.testing.assert_array_equal(back.predict(X_test), est.predict(X_test))
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(est)).predict(X_test),
                                  est.predict(X_test))
    assert clone(est).get_params()["huber_delta"] == 0.5
    # a file whose huber_delta disagrees with its network's is refused
    edit_saved_meta(path, lambda meta: meta["params"].update(huber_delta=2.0))
    with pytest.raises(ValueError, match=re.escape(
            "params: huber_delta: expected 0.5 (the delta of the network's huber loss), "
            "found 2.0")):
        load_estimator(path)
    # a delta changed after the fit: partial_fit and save refuse to go on
    est.set_params(huber_delta=2.0)
    for go_on in (lambda: est.partial_fit(X_train, y_train), lambda: est.save(path)):
        with pytest.raises(ValueError, match=re.escape(
                "huber_delta: the fitted network was trained with huber_delta=0.5, got "
                "huber_delta=2.0")):
            go_on()
    with pytest.raises(ValueError, match=r"^The 'huber_delta' parameter of MLPRegressor must be a "
                       r"finite float in the range \(0\.0, inf\)\. Got 0 instead\.$"):
        MLPRegressor(loss="huber", huber_delta=0).fit(X_train, y_train)
    # a file (and a pickle) from before huber_delta loads with its default
    plain = MLPRegressor((3,), max_iter=5, random_state=0).fit(X_train, y_train)
    plain.save(path)
    edit_saved_meta(path, lambda meta: meta["params"].pop("huber_delta"))
    old = load_estimator(path)
    assert old.huber_delta == 1.0
    np.testing.assert_array_equal(old.predict(X_test), plain.predict(X_test))
    state = plain.__getstate__()
    state.pop("huber_delta")
    older = MLPRegressor.__new__(MLPRegressor)
    older.__setstate__(state)
    assert older.get_params()["huber_delta"] == 1.0


def test_the_scalar_reference_implementation_agrees_with_the_network():
    from chainrule import reference
    rng = np.random.default_rng(5)
    net = chainrule.mlp([3, 4, 2], hidden="sigmoid", loss=huber(0.3), seed=1)
    X, Y = rng.normal(size=(12, 3)), rng.normal(scale=1.5, size=(12, 2))
    assert np.any(np.abs(net.forward(X) - Y) > 0.3) and np.any(np.abs(net.forward(X) - Y) < 0.3)
    cost, grad = net.loss_and_grad(X, Y)
    ref_cost, ref_grad = reference.loss_and_grad(net, X, Y)
    assert ref_cost == pytest.approx(cost, rel=1e-13)
    np.testing.assert_allclose(ref_grad, grad, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("damage", [
    lambda net: net.pop("loss_params"), lambda net: net.update(loss_params=None),
    lambda net: net.update(loss_params={}),
    lambda net: net.update(loss_params={"delta": 0.25, "name": "poisson"}),
])
def test_a_huber_file_without_its_delta_is_refused_not_loaded_as_delta_one(tmp_path, damage):
    # huber files always record the delta: one without it (or with a "name" among its
    # settings) is damaged, and loading it as huber(1.0) would give another loss silently
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(20, 3)), rng.normal(scale=3, size=(20, 2))
    net = chainrule.mlp([3, 4, 2], loss=huber(0.25), seed=0)
    path = tmp_path / "net.npz"
    io.save(net, path)
    r = net.predict(X) - Y  # the loss it was trained on, from the formula
    mean = np.mean(np.where(np.abs(r) <= 0.25, r**2 / 2, 0.25 * (np.abs(r) - 0.125)).sum(1))
    assert io.load(path).loss_value(X, Y) == pytest.approx(mean, rel=1e-12)
    edit_saved_meta(path, lambda meta: damage(meta["network"]))
    with pytest.raises(ValueError, match=re.escape("network.loss_params: expected the loss "
                                                   "'huber''s settings")):
        io.load(path)
