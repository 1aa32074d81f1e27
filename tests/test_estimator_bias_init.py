"""The estimators' initial biases: ``bias_init`` ("uniform", scikit-learn's rule, by default;
"zeros", chainrule's start before it), for a new network only.

scikit-learn's MLP draws every layer's weights and biases from ``U(-r, r)``, ``r =
sqrt(6 / (fan_in + fan_out))``; the estimators started every bias at zero, which with tanh
leaves a network odd in ``x`` plus a constant (a saddle on symmetric data: the slow circles
test of ``test_parity_sklearn.py``).  Here the start of each fit is read from the network
the Trainer is given, before its first step, and compared with the rule written out.
"""

from __future__ import annotations

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris
from sklearn.utils import check_random_state

import chainrule._mlp_base as mlp_base
from chainrule import Dense
from chainrule.estimators import MLPClassifier, MLPRegressor, load_estimator
from chainrule.io import read_file, write_file
from chainrule.training import Trainer


@pytest.fixture
def starts(monkeypatch):
    """The parameters each fit's Trainer starts from (a copy per fit, before its first step)."""
    seen: list[list[tuple[np.ndarray, np.ndarray | None]]] = []

    class Recording(Trainer):
        def fit(self, *args, **kwargs):
            seen.append([(layer.W.copy(), None if layer.b is None else layer.b.copy())
                         for layer in self.net.layers if isinstance(layer, Dense)])
            return super().fit(*args, **kwargs)

    monkeypatch.setattr(mlp_base, "Trainer", Recording)
    return seen


def _generator(random_state: int) -> np.random.Generator:
    """The estimators' generator: seeded by one draw from RandomState(random_state)."""
    return np.random.default_rng(check_random_state(random_state).randint(np.iinfo(np.int32).max))


def _old_start(random_state: int, units: list[int], acts: list[str]):
    """The start built the old way: Dense layers, Glorot uniform weights drawn in order from
    the estimator's generator, zero biases; and the generator after them."""
    rng = _generator(random_state)
    layers = [Dense(a, b, act, "glorot_uniform", seed=rng)
              for a, b, act in zip(units[:-1], units[1:], acts, strict=True)]
    return [(layer.W, layer.b) for layer in layers], rng


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(0)) / X.std(0), y


@pytest.mark.parametrize("activation", ["tanh", "logistic", "relu"])
@pytest.mark.parametrize("how", ["hidden_layer_sizes", "layers"])
def test_the_default_start_draws_the_biases_in_scikit_learns_bound(starts, iris, activation,
                                                                     how):
    """bias_init="uniform" (the default): the weights of the old start (drawn first, from the
    same generator), then each Dense layer's biases, U(-r, r) with r = sqrt(6 / (fan_in +
    fan_out)), layer after layer; none outside the bound, and not all zero.  The same for
    the Dense dicts of ``layers``."""
    X, y = iris
    if how == "layers":
        arch = dict(layers=[{"type": "Dense", "fan_out": 7}, {"type": "Dense", "fan_out": 5}])
    else:
        arch = dict(hidden_layer_sizes=(7, 5))
    est = MLPClassifier(activation=activation, max_iter=2, random_state=4, **arch)
    assert est.get_params()["bias_init"] == "uniform"
    _fit(est, X, y)
    units = [4, 7, 5, 3]
    old, rng = _old_start(4, units, [activation, activation, "softmax"])
    (start,) = starts
    for (W, b), (W_old, _), fan_in, fan_out in zip(start, old, units[:-1], units[1:],
                                                  strict=True):
        r = np.sqrt(6.0 / (fan_in + fan_out))
        np.testing.assert_array_equal(W, W_old)
        np.testing.assert_array_equal(b, rng.uniform(-r, r, fan_out))
        assert np.all(np.abs(b) <= r) and np.any(b != 0)


def test_a_regressors_start_and_a_float32_network_follow_the_same_rule(starts):
    X = np.random.default_rng(0).normal(size=(40, 3)).astype(np.float32)
    y = X.sum(1)
    _fit(MLPRegressor((6,), max_iter=2, random_state=1), X, y)
    old, rng = _old_start(1, [3, 6, 1], ["relu", "identity"])
    (start,) = starts
    for (W, b), (W_old, _), (a, c) in zip(start, old, [(3, 6), (6, 1)], strict=True):
        assert W.dtype == b.dtype == np.float32
        np.testing.assert_array_equal(W, W_old.astype(np.float32))
        r = np.sqrt(6.0 / (a + c))
        np.testing.assert_array_equal(b, rng.uniform(-r, r, c).astype(np.float32))


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_zeros_gives_the_old_start_exactly(starts, iris, solver, monkeypatch):
    """bias_init="zeros": the start of before, every weight the old way's and every bias 0
    (and so the old fit: the generator is not drawn from for the biases)."""
    X, y = iris
    if solver == "lbfgs":  # the start minimize gets
        import chainrule._mlp_fitting as fitting

        def recording(net, *args, **kwargs):
            starts.append([(layer.W.copy(), layer.b.copy()) for layer in net.layers])
            return minimize(net, *args, **kwargs)

        minimize = fitting.minimize
        monkeypatch.setattr(fitting, "minimize", recording)
    _fit(MLPClassifier((7, 5), "tanh", solver=solver, max_iter=2, random_state=2,
                       bias_init="zeros"), X, y)
    old, _ = _old_start(2, [4, 7, 5, 3], ["tanh", "tanh", "softmax"])
    (start,) = starts
    for (W, b), (W_old, b_old) in zip(start, old, strict=True):
        np.testing.assert_array_equal(W, W_old)
        np.testing.assert_array_equal(b, b_old)
        assert not b.any()


def test_a_warm_start_keeps_the_fitted_biases(starts, iris):
    """A warm start goes on from the fitted network: no biases drawn again, whatever
    bias_init is set to since; a new fit (warm_start=False) draws them."""
    X, y = iris
    est = _fit(MLPClassifier((6,), max_iter=3, random_state=0), X, y)
    fitted = [b.copy() for b in est.intercepts_]
    est.set_params(warm_start=True)
    _fit(est, X, y)
    est.set_params(bias_init="zeros")
    before = [b.copy() for b in est.intercepts_]
    _fit(est, X, y)
    for (_, b), kept in zip(starts[1], fitted, strict=True):
        np.testing.assert_array_equal(b, kept)
    for (_, b), kept in zip(starts[2], before, strict=True):
        np.testing.assert_array_equal(b, kept)
    est.set_params(warm_start=False)
    _fit(est, X, y)
    assert not any(b.any() for _, b in starts[3])  # a new network, now with zero biases


def test_conv_biases_batchnorm_and_dense_without_bias_stay_as_they_were(starts):
    """Only the Dense layers' biases are drawn: a Conv2D's biases, a BatchNorm's beta and a
    Dense without bias (none) are as before."""
    rng = np.random.default_rng(0)
    X, y = rng.random((30, 16)), np.arange(30) % 3
    est = MLPClassifier(layers=[{"type": "Conv2D", "out_channels": 2, "kernel_size": 3},
                                {"type": "Flatten"},
                                {"type": "Dense", "fan_out": 5, "bias": False},
                                {"type": "BatchNorm"}],
                        input_shape=(1, 4, 4), max_iter=1, random_state=0)
    _fit(est, X, y)
    (start,) = starts
    assert start[0][1] is None  # the Dense without bias
    r = np.sqrt(6.0 / (5 + 3))
    assert np.all(np.abs(start[1][1]) <= r) and start[1][1].any()  # the output layer's
    net = est._build_network(16, 3, "softmax", "cross_entropy", np.random.default_rng(0),
                             np.dtype(np.float64))  # the network a fit starts from
    assert not net.layers[0].b.any() and not net.layers[3].beta.any()
    assert net.layers[-1].b.any()


@pytest.mark.parametrize("value", ["normal", None, 0, "Uniform"])
def test_an_unknown_bias_init_is_refused_by_name(iris, value):
    X, y = iris
    with pytest.raises(ValueError, match=r"^The 'bias_init' parameter of MLPClassifier must "
                       r"be a str among \{'uniform', 'zeros'\}\. Got "
                       + re.escape(repr(value)) + r" instead\.$"):
        MLPClassifier((3,), max_iter=1, bias_init=value).fit(X, y)


def test_a_pickle_and_a_file_of_before_bias_init_refit_with_zero_biases(starts, iris,
                                                                        tmp_path):
    """An estimator pickled or saved before bias_init existed started its networks with zero
    biases: loaded, it has bias_init="zeros", its network as it was, and a refit starts
    as it did (zero biases); a warm start keeps its biases."""
    X, y = iris
    est = _fit(MLPClassifier((6,), max_iter=3, random_state=0), X, y)
    state = est.__getstate__()
    del state["bias_init"]  # as pickled before the parameter
    older = MLPClassifier.__new__(MLPClassifier)
    older.__setstate__(state)
    older = pickle.loads(pickle.dumps(older))
    path = est.save(tmp_path / "est.npz")
    meta, arrays = read_file(path, "chainrule.estimator")
    del meta["params"]["bias_init"]  # as saved before the parameter
    write_file(path, meta, arrays)
    loaded = load_estimator(path)
    for old in (older, loaded):
        assert old.get_params()["bias_init"] == "zeros"
        np.testing.assert_array_equal(old.network_.params, est.network_.params)
    del starts[:]
    _fit(older.set_params(warm_start=True), X, y)
    _fit(older.set_params(warm_start=False), X, y)
    _fit(loaded, X, y)
    np.testing.assert_array_equal(starts[0][0][1], est.intercepts_[0])
    old, _ = _old_start(0, [4, 6, 3], ["relu", "softmax"])
    for start in starts[1:]:
        for (W, b), (W_old, b_old) in zip(start, old, strict=True):
            np.testing.assert_array_equal(W, W_old)
            np.testing.assert_array_equal(b, b_old)
            assert not b.any()
