"""Parameters made NaN or infinite in place (``layer.W -= np.inf``) are named, layer and
parameter, by the next run and prediction (robust21).

``layer.W -= np.inf`` is ``layer.W = layer.W.__isub__(np.inf)``: the operator writes into
the parameter's view (the network's own vector) before the setter sees the result.  The
setter refused it with "W contains 20 NaN or infinite value(s)", which did not say that
the layer held them already; then a run diverged at its first step blaming the learning
rate, and ``predict`` returned NaN.  Now the setter says so, and a run or a prediction is
refused naming ``net.layers[i].W``, changing nothing.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(421)
X = RNG.normal(size=(10, 4))
LABELS = RNG.integers(0, 3, 10)


def _net():
    return cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)


def _spoil(net, i, name, how):
    layer = net.layers[i]
    with pytest.raises(ValueError, match="in-place operator") as info:
        if how == "-= inf":
            setattr(layer, name, getattr(layer, name).__isub__(np.inf))  # layer.W -= np.inf
        else:
            setattr(layer, name, getattr(layer, name).__imul__(np.nan))  # layer.b *= np.nan
    assert f"layer.{name} = " in str(info.value)
    assert not np.isfinite(getattr(layer, name)).any()  # written before the refusal


SPOILED = [(0, "W", "-= inf", "-inf"), (1, "b", "*= nan", "nan"), (1, "W", "-= inf", "-inf")]


@pytest.mark.parametrize(("i", "name", "how", "first"), SPOILED,
                         ids=[f"layers[{i}].{n} {h}" for i, n, h, _ in SPOILED])
@pytest.mark.parametrize("call", ["train", "Trainer.fit", "predict"])
def test_the_next_run_or_prediction_names_the_layer_and_parameter(i, name, how, first, call):
    net = _net()
    _spoil(net, i, name, how)
    size = getattr(net.layers[i], name).size
    opt = cr.SGD(lr=0.1)
    before, opt_before = pickle.dumps(net), pickle.dumps(opt)
    with pytest.raises(ValueError) as info, np.errstate(invalid="ignore", over="ignore"):
        if call == "train":
            cr.train(net, X, LABELS, optimizer=opt, epochs=1)
        elif call == "Trainer.fit":
            cr.Trainer(net, optimizer=opt, epochs=1).fit(X, LABELS)
        else:
            net.predict(X)
    message = str(info.value)
    for words in (f"net.layers[{i}].{name}", "Dense", f"{size} NaN or infinite value(s) "
                  f"of {size}", f"(the first: {first})", f"layer.{name} = "):
        assert words in message, (words, message)
    assert pickle.dumps(net) == before and pickle.dumps(opt) == opt_before


def test_finite_values_set_again_train_and_predict_as_numpy_says():
    net = _net()
    W0 = net.layers[0].W.copy()
    _spoil(net, 0, "W", "-= inf")
    net.layers[0].W = W0
    hidden, out = net.layers
    Z = np.tanh(X @ hidden.W + hidden.b) @ out.W + out.b
    P = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(net.predict(X), P / P.sum(axis=1, keepdims=True),
                               rtol=1e-12, atol=0)
    history = cr.train(net, X, LABELS, optimizer=cr.SGD(lr=0.1), epochs=1,
                       batch_size="full")
    assert history.loss[0] == pytest.approx(-np.mean(np.log(P[np.arange(10), LABELS]
                                                            / P.sum(axis=1))), rel=1e-12)


def test_outputs_out_of_range_from_finite_parameters_are_still_returned():
    """An identity output overflowing on large finite inputs (1e308 * w) is the network's
    answer, not a damaged parameter: predict returns it."""
    net = cr.mlp([2, 1], output="identity", seed=0)
    net.layers[0].W = np.array([[4.0], [4.0]])
    net.layers[0].b = np.array([0.0])
    with np.errstate(over="ignore"):
        out = net.predict(np.array([[1e308, 1e308]]))
    assert out[0, 0] == np.inf


def test_a_plain_bad_assignment_keeps_its_message_and_the_layer():
    net = _net()
    W0 = net.layers[0].W.copy()
    with pytest.raises(ValueError, match="all must be finite") as info:
        net.layers[0].W = np.full((4, 5), np.nan)
    assert "in-place" not in str(info.value)
    np.testing.assert_array_equal(net.layers[0].W, W0)
