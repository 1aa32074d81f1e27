"""Optimizer.set_state: a rule started from a given state, checked (a misspelt key or a vector
of another shape than the parameters was silently ignored or zeroed when assigned to
``optimizer.state`` directly).  References: hand-worked values and plain NumPy written here.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.optimizers import SGD, Adam, RMSProp

W = np.linspace(-0.4, 0.6, num=20).reshape(4, 5)
N, D = W.shape


def test_set_state_rmsprop_step_from_the_given_cache():
    """One step from s = 1 with g = 2 (rho 0.5, lr 0.1): s = 0.5 + 0.5 * 4 = 2.5, the step
    0.1 * 2 / (sqrt(2.5) + eps); the array given is copied, not updated."""
    cache = np.ones(3)
    opt = RMSProp(lr=0.1, rho=0.5, eps=1e-8)
    w = np.zeros(3)
    opt.set_state({"mean_sq": cache}, params=w)
    opt.step(w, np.full(3, 2.0))
    np.testing.assert_allclose(opt.state["mean_sq"], 2.5, rtol=1e-15)
    np.testing.assert_allclose(w, -0.2 / (np.sqrt(2.5) + 1e-8), rtol=1e-14)
    assert np.array_equal(cache, np.ones(3))


@pytest.mark.parametrize("state, match", [
    ({"cache": np.ones((N, D))}, r"expected the keys \['mean_sq'\]"),
    ({}, r"expected the keys \['mean_sq'\]"),
    ({"mean_sq": np.ones(N * D)}, r"state\['mean_sq'\]: expected the parameters' shape"),
    ({"mean_sq": np.full((N, D), np.nan)}, "finite"),
    ({"mean_sq": np.full((N, D), "a")}, "real numbers"),
])
def test_set_state_refuses_what_a_step_would_ignore(state, match):
    opt = RMSProp(rho=0.99)
    with pytest.raises(ValueError, match=match):
        opt.set_state(state, params=W.copy())
    assert opt.state == {}


def test_set_state_t_and_shapes():
    opt = Adam()
    with pytest.raises(ValueError, match="t: expected an integer >= 0"):
        opt.set_state({"m": np.ones(3), "v": np.ones(3)}, t=-1)
    with pytest.raises(ValueError, match=r"state\['v'\]: expected state\['m'\]'s shape"):
        opt.set_state({"m": np.ones(3), "v": np.ones(4)})
    w = np.zeros(3, dtype=np.float32)
    opt.set_state({"m": [1, 2, 3], "v": [1, 1, 1]}, t=2, params=w)
    assert opt.t == 2 and opt.state["m"].dtype == np.float32
    opt.step(w, np.ones(3, dtype=np.float32))
    assert opt.t == 3 and np.all(w < 0)
    sgd = SGD(lr=0.1)  # plain SGD keeps nothing
    sgd.set_state({})
    assert sgd.state == {}
