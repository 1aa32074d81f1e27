"""A float32 network is traced in float64, as the worked examples are, and says so."""

from __future__ import annotations

import json

import numpy as np

import chainrule as cr

A_MATS = [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]]


def _sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_a_float32_network_is_traced_in_float64_from_its_own_weights():
    net = cr.Network.from_transfer_matrices(A_MATS, activation="sigmoid", loss="log_loss",
                                            dtype="float32")
    t = cr.trace(net, [0, 1], [1], lr=1.0)
    # NumPy, written out in float64 from the float32 weights widened exactly
    W0, W1 = (np.asarray(m, dtype=np.float32).astype(np.float64) for m in A_MATS)
    x1 = np.array([1.0, 0.0, 1.0])
    a1 = _sigmoid(W0.T @ x1)
    x2 = np.concatenate([[1.0], a1])
    a2 = _sigmoid(W1.T @ x2)
    d2 = a2 - 1.0
    d1 = (W1[1:] @ d2) * a1 * (1 - a1)
    W0_new, W1_new = W0 - np.outer(x1, d1), W1 - np.outer(x2, d2)
    out_new = _sigmoid(W1_new.T @ np.concatenate([[1.0], _sigmoid(W0_new.T @ x1)]))
    ls1, ls2 = t.step.layers
    np.testing.assert_allclose(ls1.a, a1, rtol=1e-15)
    np.testing.assert_allclose(ls2.a, a2, rtol=1e-15)
    np.testing.assert_allclose(ls1.delta, d1, rtol=1e-14)
    np.testing.assert_allclose(t.step.output_new, out_new, rtol=1e-14)
    assert ls1.a.dtype == np.float64 and t.step.network_after.dtype == np.float64
    assert net.dtype == np.float32  # the network given is left as it is
    text = t.text()
    assert "0.710950" in text and "0.710949" not in text  # sigmoid(0.9) = 0.7109495...
    assert "The network holds float32 numbers: the step is computed in float64" in text
    assert "0.4000000059604645" in text  # why its weights print as 0.400000
    assert "float32" in t.markdown()


def test_a_float64_network_gets_no_dtype_note():
    net = cr.Network.from_transfer_matrices(A_MATS, activation="sigmoid", loss="log_loss")
    for notation in ("transfer", "ufldl", "netout"):
        assert "float32" not in cr.trace(net, [0, 1], [1], notation=notation).text()


def test_the_json_names_the_traced_networks_dtype():
    """text and Markdown noted a float32 network; the JSON said nothing of its dtype."""
    for dtype in ("float32", "float64"):
        net = cr.Network.from_transfer_matrices(A_MATS, activation="sigmoid",
                                                loss="log_loss", dtype=dtype)
        for notation in ("transfer", "ufldl", "netout"):
            t = cr.trace(net, [0, 1], [1], notation=notation)
            assert json.loads(t.to_json())["dtype"] == dtype
            assert t.to_dict()["dtype"] == dtype
