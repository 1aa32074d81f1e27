"""The refusal of parameters made NaN or infinite after they were set names what can have
written them: an in-place operator, or the steps of a training loop of the user's own
(robust23 noticed the message blamed the operator alone), and it finds a non-finite value
anywhere in a long parameter vector (the test is chainrule's all_finite, whose BLAS dots
stay on the calling thread, in place of one np.dot of the whole vector)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


def test_a_hand_written_loop_that_diverged_is_named_among_the_causes():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(20, 4)), rng.normal(size=(20, 1))
    net = cr.mlp([4, 8, 1], hidden="relu", output="identity", loss="squared_error", seed=0)
    with np.errstate(all="ignore"):
        for _ in range(200):  # plain gradient descent at a rate far too large
            _, grad = net.loss_and_grad(X, y)
            net.params[...] -= 1e3 * grad  # the flat vector, in place
            if not np.isfinite(net.params).all():
                break
    assert not np.isfinite(net.params).all()
    with pytest.raises(ValueError, match=r"or a step of a loop of your own") as info:
        net.predict(X)
    assert "net.layers[" in str(info.value)


@pytest.mark.parametrize("where", [0, 8191, 8192, 20_000, 49_999])
def test_one_bad_value_anywhere_in_a_long_vector_is_found(where):
    net = cr.mlp([100, 400, 24], seed=0)  # 50,024 parameters: past BLAS's threaded dots
    assert net.params.size > 50_000
    net.params[where] = np.nan
    with pytest.raises(ValueError, match=r"NaN or infinite value\(s\)"):
        net._check_params_finite("predict")
    net.params[where] = 0.0
    net._check_params_finite("predict")  # finite again: nothing raised
