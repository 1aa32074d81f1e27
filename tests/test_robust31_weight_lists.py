"""``Network.from_ufldl`` refuses ``Ws`` / ``bs`` that are no sequence by name (robust31).

Before: ``Ws=None`` (or a number, a dict) raised "TypeError: 'NoneType' object is not
iterable" from ``list(Ws)``, naming no argument; ``bs=3`` the same from ``list(bs)``; and
``Ws=10**400`` an OverflowError from the check for a single matrix.
``from_transfer_matrices`` refused these already; both now share the check.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(31)
W = [RNG.normal(size=(4, 3)), RNG.normal(size=(2, 4))]
B = [RNG.normal(size=4), RNG.normal(size=2)]


@pytest.mark.parametrize(("kw", "pattern"), [
    ({"Ws": None}, r"^Ws must be a sequence of weight matrices, one per layer, got None "
                   r"\(NoneType\)$"),
    ({"Ws": 5}, r"^Ws must be a sequence of .* got 5 \(int\)$"),
    ({"Ws": 10**400}, r"^Ws must be a sequence of .* got an int of about 10\^400$"),
    ({"Ws": {"a": 1}}, r"^Ws must be a sequence of .* got \{'a': 1\} \(dict\)$"),
    ({"Ws": W, "bs": 3}, r"^bs must be a sequence of bias vectors \(or None\), one per layer, "
                         r"got 3 \(int\)$"),
    ({"Ws": W, "bs": "ab"}, r"^bs must be a sequence of .* got 'ab' \(str\)$"),
])
def test_from_ufldl_refuses_no_sequence(kw, pattern) -> None:
    with pytest.raises(TypeError, match=pattern):
        cr.Network.from_ufldl(**kw)


def test_from_transfer_matrices_refuses_a_huge_int() -> None:
    with pytest.raises(TypeError, match=r"^mats must be a sequence of transfer matrices"):
        cr.Network.from_transfer_matrices(10**400)


def test_valid_lists_give_ufldls_forward_pass() -> None:
    # UFLDL's layout: a = sigmoid(W a + b), W of shape (fan_out, fan_in)
    net = cr.Network.from_ufldl(tuple(W), iter(B))
    x = RNG.normal(size=(5, 3))
    h = 1 / (1 + np.exp(-(x @ W[0].T + B[0])))
    out = 1 / (1 + np.exp(-(h @ W[1].T + B[1])))
    np.testing.assert_allclose(net.forward(x), out, rtol=1e-13)


@pytest.mark.parametrize("make", ["ufldl", "transfer"])
def test_float16_matrices_build_a_float64_network(make) -> None:
    # refused before as "dtype must be float32 or float64, got float16", naming no Ws / mats
    W16 = [w.astype(np.float16) for w in W]
    if make == "ufldl":
        net = cr.Network.from_ufldl(W16)
    else:  # the transfer layout: the biases (here 0) in the first row of W.T
        net = cr.Network.from_transfer_matrices([np.vstack([np.zeros(w.shape[0]), w.T])
                                                 for w in W16])
    assert net.dtype == np.float64
    x = RNG.normal(size=(3, 3))
    h = 1 / (1 + np.exp(-(x @ W16[0].astype(np.float64).T)))
    out = 1 / (1 + np.exp(-(h @ W16[1].astype(np.float64).T)))
    np.testing.assert_allclose(net.forward(x), out, rtol=1e-13)
    assert cr.Network.from_ufldl([w.astype(np.float32) for w in W]).dtype == np.float32
