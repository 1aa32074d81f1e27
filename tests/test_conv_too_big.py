"""A convolution whose kernels hold more entries than an array can is refused by name."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Conv2D


@pytest.mark.parametrize(("args", "sizes"), [
    ((3, 4, 10**10), r"4 x 3 x 10000000000 x 10000000000"),
    ((10**10, 10**10, 1), r"10000000000 x 10000000000 x 1 x 1"),
    ((3, 4, (2, 10**30)), r"4 x 3 x 2 x 1" + "0" * 30),
    ((3, 10**400, 3), r"an int of about 10\^400 x 3 x 3 x 3"),
])
def test_kernels_past_what_an_array_holds_are_refused_naming_the_sizes(args, sizes):
    # NumPy's "Maximum allowed dimension exceeded" (or Python's OverflowError for
    # 10**400) named no argument; the product of the sizes is past intp's largest
    limit = np.iinfo(np.intp).max
    with pytest.raises(ValueError, match=rf"^out_channels x in_channels x kernel_size: {sizes} "
                                         rf"weights, more than an array holds \({limit} "
                                         r"entries\)$"):
        Conv2D(*args)


def test_kernels_an_array_holds_are_built():
    assert Conv2D(3, 4, (2, 5), seed=0).W.shape == (4, 3, 2, 5)
