"""``Network.evaluate``, an estimator's ``predict`` / ``predict_proba`` / ``score`` and a model
file's probabilities refuse parameters and BatchNorm running statistics made NaN or infinite
in place, naming the layer and the array, as ``Network.predict`` does (robust21-24).

Before (robust25): ``net.layers[0].W[0, 0] = np.nan`` gave ``evaluate`` a loss of NaN and
an accuracy of the rows whose class the argmax of NaN outputs (0) happens to be;
``running_var[...] = np.inf`` a finite loss of every row normalised to ``beta``; an
``MLPClassifier`` predicted class 0 for every row and scored that, its ``predict_proba``
was NaN.
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import chainrule as cr
from file_helpers import small_data

RNG = np.random.default_rng(2525)
X = RNG.normal(size=(7, 3))
Y = np.array([0, 1, 1, 0, 1, 0, 0])
MEAN, VAR = np.array([0.5, -1.0, 0.25, 2.0]), np.array([4.0, 0.25, 1.0, 9.0])


def _net() -> cr.Network:
    net = cr.Network([cr.Dense(3, 4, "identity", seed=0), cr.BatchNorm(4, activation="tanh"),
                      cr.Dense(4, 2, "softmax", seed=1)], loss="cross_entropy")
    net.layers[1].running_mean, net.layers[1].running_var = MEAN, VAR
    return net


def _by_hand(net: cr.Network) -> tuple[float, float]:
    """Cross-entropy and accuracy of the evaluation-mode pass in plain NumPy."""
    d1, bn, d2 = net.layers
    h = np.tanh((X @ d1.W + d1.b - bn.running_mean) / np.sqrt(bn.running_var + 1e-5)
                * bn.gamma + bn.beta)
    z = h @ d2.W + d2.b
    log_p = z - z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    return -log_p[np.arange(len(Y)), Y].mean(), np.mean(z.argmax(axis=1) == Y)


SPOILS = {  # what was written in place -> (the array named, the words of the message)
    "W NaN": (lambda net: net.layers[0].W.__setitem__((0, 0), np.nan), "net.layers[0].W",
              "1 NaN or infinite value(s) of 12"),
    "b -inf": (lambda net: net.layers[2].b.__setitem__(1, -np.inf), "net.layers[2].b",
               "1 NaN or infinite value(s) of 2"),
    "mean NaN": (lambda net: net.layers[1].running_mean.__setitem__(1, np.nan),
                 "net.layers[1].running_mean", "1 NaN or infinite value(s) of 4"),
    "var inf": (lambda net: net.layers[1].running_var.__setitem__(slice(None), np.inf),
                "net.layers[1].running_var", "4 NaN or infinite value(s) of 4"),
    "var negative": (lambda net: net.layers[1].running_var.__setitem__(2, -2.0),
                     "net.layers[1].running_var", "1 negative value(s) of 4"),
}


def test_evaluate_of_a_sound_network_is_numpy_s() -> None:
    net = _net()
    loss, accuracy = _by_hand(net)
    got = net.evaluate(X, Y)
    assert got["loss"] == pytest.approx(loss, rel=1e-12)
    assert got["accuracy"] == accuracy


@pytest.mark.parametrize("spoil", SPOILS, ids=list(SPOILS))
def test_evaluate_refuses_by_name_without_a_warning(spoil: str) -> None:
    net = _net()
    write, name, words = SPOILS[spoil]
    write(net)
    params, mean, var = net.params.copy(), net.layers[1].running_mean.copy(), \
        net.layers[1].running_var.copy()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy RuntimeWarning before the refusal
        with pytest.raises(ValueError, match="^" + re.escape(f"evaluate: {name} (") + r"\w+\) "
                           + re.escape(f"holds {words}")):
            net.evaluate(X, Y)
        with pytest.raises(ValueError, match="^" + re.escape(f"evaluate: {name} (")):
            net.evaluate(X, Y, sample_weight=np.arange(1.0, 8.0), batch_size=3)
    # nothing of the network changed
    np.testing.assert_array_equal(net.params, params)
    np.testing.assert_array_equal(net.layers[1].running_mean, mean)
    np.testing.assert_array_equal(net.layers[1].running_var, var)


def test_evaluate_of_huge_finite_outputs_still_warns_as_numpy_does() -> None:
    # finite parameters whose outputs overflow: NumPy's own warning, as before, no refusal
    net = cr.Network([cr.Dense(1, 1, "identity")], loss="squared_error")
    net.set_params([1e200, 0.0])
    with pytest.warns(RuntimeWarning, match="overflow"):
        got = net.evaluate(np.array([[1e200]]), np.array([0.0]))
    assert got["loss"] == np.inf


@pytest.fixture(scope="module")
def fitted():
    Xs, y = small_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations: not converged
        est = cr.MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0).fit(Xs, y)
    return est, Xs, y


@pytest.mark.parametrize("call", ["predict", "predict_proba", "predict_log_proba", "score"])
def test_an_estimator_refuses_a_parameter_made_nan(fitted, call: str) -> None:
    est, Xs, y = fitted
    W = est.network_.layers[0].W
    kept = W[1, 2]
    W[1, 2] = np.nan
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with pytest.raises(ValueError, match=re.escape(
                    "predict: est.network_.layers[0].W (Dense, est.coefs_[0]) holds 1 NaN or "
                    "infinite value(s) of 15")):
                getattr(est, call)(*((Xs, y) if call == "score" else (Xs,)))
    finally:
        W[1, 2] = kept
    # set back: the estimator's probabilities are relu then a sigmoid unit in NumPy
    d1, d2 = est.network_.layers
    z = (np.maximum(Xs @ d1.W + d1.b, 0) @ d2.W + d2.b)[:, 0]
    p = 1 / (1 + np.exp(-z))
    np.testing.assert_allclose(est.predict_proba(Xs), np.column_stack([1 - p, p]),
                               rtol=1e-12, atol=1e-15)


def test_a_model_file_s_probabilities_refuse_a_running_statistic_made_nan(tmp_path) -> None:
    net = _net()
    net.save(tmp_path / "m.npz")
    model = cr.load_model(tmp_path / "m.npz")
    model.network.layers[1].running_mean[0] = np.nan
    with pytest.raises(ValueError, match=r"^predict: net.layers\[1\].running_mean"):
        model.predict_proba(X)
    with pytest.raises(ValueError, match=r"^predict: net.layers\[1\].running_mean"):
        model.predict(X)
