"""Layers whose weights fit an index but not an array's bytes are refused by name.

``Dense(10**18, 4)`` has 4e18 weights, fewer than an index reaches (2**63 - 1), but 8
bytes each: NumPy said "array is too big", naming no argument.  The boundary is
computed here from intp's largest value: the last size whose float64 weights an array
holds is built's check passes (it is not allocated: the test stops at the check)."""

import numpy as np
import pytest

import chainrule as cr
from chainrule._layers_init_checks import check_weight_count

LIMIT = int(np.iinfo(np.intp).max)


@pytest.mark.parametrize(("make", "names", "shape"), [
    (lambda: cr.Dense(10**18, 4), "fan_in x fan_out", (10**18, 4)),
    (lambda: cr.Dense(4, 10**18), "fan_in x fan_out", (4, 10**18)),
    (lambda: cr.Conv2D(2**31, 2**31, 1), "out_channels x in_channels x kernel_size",
     (2**31, 2**31, 1, 1)),
    (lambda: cr.BatchNorm(2**61), "n_features", (2**61,)),
])
def test_weights_past_an_arrays_bytes_refused_naming_the_sizes(make, names, shape):
    count = int(np.prod(np.array(shape, dtype=object)))
    assert count <= LIMIT < 8 * count  # an index reaches it, the bytes do not fit
    with pytest.raises(ValueError, match=rf"^{names}: .*{8 * count} bytes .*more than an "
                                         rf"array holds \({LIMIT} bytes\)$"):
        make()


def test_the_boundary_is_the_bytes_of_an_array():
    n = LIMIT // 8  # n float64 weights fit, n + 1 do not
    check_weight_count((n, 1), "fan_in x fan_out")
    with pytest.raises(ValueError, match=r"more than an array holds"):
        check_weight_count((n + 1, 1), "fan_in x fan_out")
    check_weight_count((n + 1, 1), "fan_in x fan_out", itemsize=1)  # entries only
