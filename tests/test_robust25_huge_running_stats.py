"""BatchNorm running statistics that are finite but so large that the quick test's product
(``running_mean . running_var``) overflows are used with one pass, no warning, and are not
refused (robust24's check of every pass, ``_network_nonfinite.buffers_finite``).

Before (robust25): the quick test's overflow was recorded as an error of the pass, so
``checked_pass`` ran the whole pass a second time (to give NumPy's warnings as the caller
set them: there were none) on every ``predict``, ``forward`` and ``evaluate``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule._network_nonfinite import buffers_finite

RNG = np.random.default_rng(252525)
X = RNG.normal(size=(6, 3))
Y = np.array([0, 1, 1, 0, 1, 0])
MEAN = np.array([1e200, -3e200, 2e199, 5e200])  # mean . var ~ 1e400: past the largest float
VAR = np.array([4e200, 1e200, 9e200, 1e199])


def _net() -> cr.Network:
    net = cr.Network([cr.Dense(3, 4, "identity", seed=0), cr.BatchNorm(4, activation="tanh"),
                      cr.Dense(4, 2, "softmax", seed=1)], loss="cross_entropy")
    net.layers[1].running_mean, net.layers[1].running_var = MEAN, VAR
    return net


def _by_hand(net: cr.Network) -> np.ndarray:
    """The evaluation-mode outputs in plain NumPy."""
    d1, bn, d2 = net.layers
    h = np.tanh((X @ d1.W + d1.b - MEAN) / np.sqrt(VAR + 1e-5) * bn.gamma + bn.beta)
    z = h @ d2.W + d2.b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _counted(net: cr.Network) -> list[int]:
    """Count the BatchNorm layer's forward passes."""
    bn, calls = net.layers[1], [0]
    plain = bn.forward

    def forward(*args, **kwargs):
        calls[0] += 1
        return plain(*args, **kwargs)

    bn.forward = forward
    return calls


def test_the_quick_test_s_product_overflows() -> None:  # (what this file is about)
    # inf on an Intel Xeon; NaN with OpenBLAS's Haswell kernels on an AMD EPYC, whose
    # partial sums meet as inf + -inf: either way not finite, which is what the test reads
    with np.errstate(over="ignore", invalid="ignore"):
        assert not np.isfinite(np.dot(MEAN, VAR))


@pytest.mark.parametrize("call", ["forward", "predict", "evaluate"])
def test_huge_finite_statistics_take_one_pass_without_a_warning(call: str) -> None:
    net = _net()
    calls = _counted(net)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = getattr(net, call)(*((X, Y) if call == "evaluate" else (X,)))
    assert calls[0] == 1
    P = _by_hand(net)
    if call == "evaluate":
        assert got["loss"] == pytest.approx(-np.log(P[np.arange(6), Y]).mean(), rel=1e-12)
        assert got["accuracy"] == np.mean(P.argmax(axis=1) == Y)
    else:
        np.testing.assert_allclose(got, P, rtol=1e-12, atol=1e-300)


def test_the_quick_test_says_finite_of_huge_and_not_of_nan_or_inf() -> None:
    net = _net()
    with np.errstate(all="ignore"):
        assert buffers_finite(net)
        for spoil in (np.nan, np.inf, -np.inf):
            net.layers[1].running_var[2] = spoil
            assert not buffers_finite(net), spoil
            net.layers[1].running_var[2] = VAR[2]
            net.layers[1].running_mean[0] = spoil
            assert not buffers_finite(net), spoil
            net.layers[1].running_mean[0] = MEAN[0]


def test_an_infinity_among_huge_values_is_still_refused_by_name() -> None:
    net = _net()
    net.layers[1].running_mean[3] = np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(ValueError, match=r"^predict: net\.layers\[1\]\.running_mean "
                                             r"\(BatchNorm\) holds 1 NaN or infinite"):
            net.predict(X)
