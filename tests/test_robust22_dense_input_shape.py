"""A standalone Dense layer refuses an X that is no (n_samples, fan_in) batch, naming X.

Before, ``Dense(3, 2).forward(np.ones(3))`` returned an output of shape (2,) (``X @ W`` of
one example) and the backward pass then failed inside NumPy's matmul with a message about
"core dimension 0"; a 0-d X and a stack (k, n, fan_in) failed or passed the same way, and
an X of the wrong width failed with matmul's message.  Every other layer (BatchNorm,
LayerNorm, Conv2D, the pools, Flatten) names X and the shape it expects.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import Dense


@pytest.mark.parametrize(
    "X",
    [
        np.array(1.0),  # 0-d
        np.ones(3),  # one example, not a batch
        np.ones((2, 4, 3)),  # a stack of batches
        np.ones((4, 5)),  # the wrong width
        np.ones((4, 3, 1)),
        [1.0, 2.0, 3.0],  # a list of one example
    ],
    ids=["0-d", "1-d", "3-d", "width", "column", "list"],
)
def test_forward_refuses_x_that_is_no_batch_naming_x(X: object) -> None:
    layer = Dense(3, 2, "tanh", seed=0)
    shape = np.shape(X)
    with pytest.raises(ValueError, match=re.escape(
            f"X must have shape (n_samples, 3), got shape {shape}")):
        layer.forward(X)
    assert layer.X is None  # nothing of the refused pass is kept


def test_a_single_example_as_a_row_gives_the_hand_computed_gradients() -> None:
    W = np.array([[0.5, -1.0], [2.0, 0.25], [-0.5, 1.5]])
    layer = Dense(3, 2, "identity", init=W)
    x = np.array([[1.0, 2.0, -1.0]])  # X[None] of the message's advice
    Z = layer.forward(x)
    # by hand: z_j = sum_i x_i W_ij; b = 0
    assert np.array_equal(Z, [[1.0 * 0.5 + 2.0 * 2.0 + 0.5, -1.0 + 0.5 - 1.5]])
    g = np.array([[1.0, -2.0]])
    dX = layer.backward(g)
    assert np.array_equal(layer.dW, np.outer(x[0], g[0]))  # dW_ij = x_i g_j
    assert np.array_equal(layer.db, g[0])
    assert np.array_equal(dX, [[0.5 + 2.0, 2.0 - 0.5, -0.5 - 3.0]])  # sum_j W_ij g_j
