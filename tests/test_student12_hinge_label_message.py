"""The library's refusal of a multiclass_hinge label outside 0..k-1 names the example, its
label and the range, as chainrule trace names a --target's, not the (n_samples, k) array
form.  Reference: the bad labels found by a plain loop over the labels given."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.layers import Dense
from chainrule.network import Network


@pytest.mark.parametrize("labels", [[0, 5, 1], [0, -1, 7], [2, 1.5, 0], [3, 0, 0]])
def test_the_library_names_the_bad_label_its_example_and_the_range(labels):
    net = Network([Dense(2, 3, activation="identity")], loss="multiclass_hinge")
    k = 3
    bad = [i for i, v in enumerate(labels) if not (float(v).is_integer() and 0 <= v < k)]
    with pytest.raises(ValueError) as info:
        net.loss_and_grad(np.ones((len(labels), 2)), np.array(labels, dtype=float))
    msg = str(info.value)
    assert "(n_samples" not in msg
    assert f"one class label 0..{k - 1}" in msg
    assert f"example {bad[0]} (Y[{bad[0]}]) has the label {float(labels[bad[0]]):g}" in msg
    assert (f"{len(bad)} of the {len(labels)} labels are not" in msg) == (len(bad) > 1)
