"""History.append's short path for an epoch of Python floats (overhead2) keeps what the
long one did: the values as floats, NumPy scalars and ints converted, one bad value
appending none, in the same words."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.callbacks import History


def test_python_floats_are_appended_as_they_are():
    h = History()
    loss, lr = 0.25, 0.1
    h.append(loss=loss, lr=lr)
    h.append(loss=0.125, lr=lr)
    assert h == {"loss": [0.25, 0.125], "lr": [0.1, 0.1]}
    assert h.loss[0] is loss and h.epochs == 2


def test_other_numbers_still_converted_to_float():
    h = History()
    h.append(loss=np.float32(0.5), lr=1, grad_norms=[np.float64(2.0), 3])
    assert h == {"loss": [0.5], "lr": [1.0], "grad_norms": [[2.0, 3.0]]}
    assert all(type(v) is float for v in (h.loss[0], h.lr[0], *h.grad_norms[0]))


@pytest.mark.parametrize("bad", ["x", None, 10**400])
def test_a_bad_value_beside_floats_appends_none(bad):
    h = History()
    h.append(loss=0.5, lr=0.1)
    with pytest.raises((TypeError, ValueError), match=r"^lr: expected a float"):
        h.append(loss=0.25, lr=bad)
    assert h == {"loss": [0.5], "lr": [0.1]}
