"""``chainrule.minimize`` from parameters made NaN or infinite in place (robust27).

``layer.W[0, 0] = np.nan`` writes into the network's parameter vector before any check;
:func:`chainrule.train` refuses the next run naming ``net.layers[i].W`` (robust21), but
``minimize`` handed the vector to SciPy, whose first cost was NaN, and ended in
``TrainingDiverged`` blaming "values too large in X or Y".  Now it is refused before
SciPy runs, in train's words, and the network is left as it was.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
import chainrule.scipy_fit as scipy_fit

RNG = np.random.default_rng(2701)
X = RNG.normal(size=(12, 3))
LABELS = RNG.integers(0, 2, 12)


def _net():
    return cr.mlp([3, 4, 2], hidden="tanh", output="softmax", seed=0)


@pytest.mark.parametrize(("i", "name", "value"), [(0, "W", np.nan), (1, "b", -np.inf)])
@pytest.mark.parametrize("method", ["L-BFGS-B", "CG", "BFGS"])
def test_minimize_names_the_layer_and_parameter_before_scipy(monkeypatch, i, name, value,
                                                             method):
    net = _net()
    getattr(net.layers[i], name).flat[0] = value  # in place: no setter sees it
    before = net.params.copy()
    size = getattr(net.layers[i], name).size
    calls = []
    real = scipy_fit._objective
    monkeypatch.setattr(scipy_fit, "_objective",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    with pytest.raises(ValueError) as info:
        cr.minimize(net, X, LABELS, method=method, maxiter=5)
    message = str(info.value)
    assert message.startswith(f"minimize: net.layers[{i}].{name} (Dense) holds 1 NaN or "
                              f"infinite value(s) of {size} (the first: {value})")
    assert "set finite values again" in message
    assert calls == []  # refused before SciPy's objective was made
    np.testing.assert_array_equal(net.params, before)  # nothing changed (NaN where it was)


def test_train_and_minimize_refuse_in_the_same_words():
    net = _net()
    net.layers[1].W[1, 0] = np.nan
    with pytest.raises(ValueError) as by_train:
        cr.train(net, X, LABELS, epochs=1)
    with pytest.raises(ValueError) as by_minimize:
        cr.minimize(net, X, LABELS)
    assert str(by_minimize.value).removeprefix("minimize") == \
        str(by_train.value).removeprefix("train")


def test_finite_parameters_still_train():
    net = _net()
    result = cr.minimize(net, X, LABELS, maxiter=20)
    assert np.isfinite(result.fun) and result.fun < result.loss_curve[0] + 1e-12
