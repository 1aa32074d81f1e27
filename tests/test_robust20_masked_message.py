"""The refusal of a masked array words its fix by the kind of argument (robust20).

It said "drop their rows" for every argument, parameters included (``theta``, ``Ws[0]``),
which have no rows to drop.  Data of one row per example (``X``, ``validation_data[0]``)
are pointed to np.ma.filled and np.ma.compress_rows; 1-D data (``Y``, ``sample_weight``)
to np.ma.filled and the examples' mask; parameters to np.ma.filled only.  The network
stays as it was, bit for bit.
"""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(20)
X = RNG.uniform(size=(12, 4))
LABELS = RNG.integers(0, 3, 12)
XM = np.ma.masked_array(X, mask=np.eye(12, 4, dtype=bool))             # 4 masked
YM = np.ma.masked_array(LABELS, mask=np.arange(12) == 0)                # 1 masked
WM = np.ma.masked_array(np.ones(12), mask=np.arange(12) < 2)            # 2 masked
NET = cr.mlp([4, 5, 3], hidden="tanh", output="softmax", seed=0)

ROWS = ["np.ma.compress_rows", "drop the rows"]
EXAMPLES = ["np.ma.getmaskarray", "drop the examples"]
CALLS = [  # (id, call, argument named, words in the message, words not in it)
    ("X", lambda: NET.forward(XM), "X", ROWS, [*EXAMPLES, "no rows"]),
    ("validation_data", lambda: cr.train(NET, X, LABELS, epochs=1,
                                         validation_data=(XM, LABELS)),
     "validation_data[0]", ROWS, EXAMPLES),
    ("Y", lambda: NET.loss_and_grad(X, YM), "Y", EXAMPLES, ROWS),
    ("sample_weight", lambda: NET.evaluate(X, LABELS, sample_weight=WM), "sample_weight",
     EXAMPLES, ROWS),
    ("theta", lambda: NET.set_params(np.ma.masked_array(
        NET.params, mask=np.arange(NET.n_params) == 3)), "theta",
     ["a parameter array has no rows to drop"], ROWS + EXAMPLES),
    ("Ws[0]", lambda: cr.Network.from_ufldl(
        [np.ma.masked_array(np.ones((5, 4)), mask=np.eye(5, 4, dtype=bool)), np.ones((3, 5))]),
     "Ws[0]", ["a parameter array has no rows to drop"], ROWS + EXAMPLES),
]


@pytest.mark.parametrize(("call", "name", "present", "absent"), [c[1:] for c in CALLS],
                         ids=[c[0] for c in CALLS])
def test_the_fix_is_worded_by_the_kind_of_argument(call, name, present, absent):
    before = pickle.dumps(NET)
    with pytest.raises(ValueError) as info:
        call()
    message = str(info.value)
    for word in [f"{name} is a masked array", f"np.ma.filled({name}, value)", *present]:
        assert word in message, (word, message)
    for word in absent:
        assert word not in message, (word, message)
    assert "drop their rows" not in message
    assert pickle.dumps(NET) == before


def test_the_fixes_named_give_arrays_that_are_taken():
    """np.ma.compress_rows drops the 4 rows holding a masked value; np.ma.filled fills."""
    kept = np.ma.compress_rows(XM)
    assert kept.shape == (8, 4)
    np.testing.assert_array_equal(NET.forward(kept), NET.forward(X[4:]))
    assert NET.forward(np.ma.filled(XM, 0.0)).shape == (12, 3)
