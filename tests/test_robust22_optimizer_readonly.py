"""An optimizer's step refuses read-only parameters before it counts the step or moves its
state, as its docstring promises for refused arguments ("nothing is changed then, neither
the parameters nor the optimizer's state").

Before, ``SGD(momentum=0.9).step(read_only, g)`` raised NumPy's "output array is read-only"
after it had counted the step and stored the velocity g: a retry on a writable copy then
stepped with velocity 0.9 g + g instead of g.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import SGD, AdaGrad, Adam, RMSProp


def read_only(kind: str, p: np.ndarray) -> np.ndarray:
    if kind == "broadcast":
        return np.broadcast_to(p, p.shape)
    out = p.copy()
    out.flags.writeable = False
    return out


@pytest.mark.parametrize("kind", ["flag", "broadcast"])
@pytest.mark.parametrize("grads_dtype", [np.float64, np.int64])  # the checked and fast paths
@pytest.mark.parametrize("make", [
    lambda: SGD(lr=0.1), lambda: SGD(lr=0.1, momentum=0.9), lambda: Adam(lr=0.1),
    lambda: AdaGrad(lr=0.1), lambda: RMSProp(lr=0.1),
], ids=["sgd", "momentum", "adam", "adagrad", "rmsprop"])
def test_read_only_params_are_refused_and_nothing_changes(make, kind: str,
                                                          grads_dtype: type) -> None:
    p = np.array([1.0, -2.0, 0.5])
    g = np.array([1, 2, -3], dtype=grads_dtype)
    opt = make()
    with pytest.raises(ValueError, match="params must be writable"):
        opt.step(read_only(kind, p), g)
    assert opt.t == 0 and opt.state == {}
    q = p.copy()
    opt.step(q, g)
    assert opt.t == 1


def test_a_retry_after_the_refusal_is_the_hand_computed_first_step() -> None:
    p, g = np.array([1.0, -2.0, 0.5]), np.array([1.0, 2.0, -3.0])
    opt = SGD(lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="read-only"):
        opt.step(read_only("flag", p), g)
    q = p.copy()
    opt.step(q, g)
    # first momentum step by hand: v = 0.9 * 0 + g, w = w - lr v
    np.testing.assert_allclose(q, p - 0.1 * g, rtol=0, atol=1e-15)
