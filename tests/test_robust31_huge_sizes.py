"""A size past what an array holds is refused by name (robust31).

Before: ``BatchNorm(10**30)`` and the data sets' ``n=10**30`` raised NumPy's "Maximum
allowed dimension exceeded", naming no argument (Dense, Conv2D, LayerNorm and Embedding
refused such sizes by name already).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

LIMIT = np.iinfo(np.intp).max


@pytest.mark.parametrize("n", [LIMIT + 1, 10**30, 10**400], ids=["2^63", "1e30", "1e400"])
def test_batchnorm_features_past_an_array(n) -> None:
    with pytest.raises(ValueError, match=r"^n_features: .* weights, more than an array holds"):
        cr.BatchNorm(n)


@pytest.mark.parametrize("make", [cr.datasets.sinusoid, cr.datasets.linearly_separable,
                                  cr.datasets.free_fall])
def test_datasets_rows_past_an_array(make) -> None:
    with pytest.raises(ValueError, match=rf"^n must be a number of examples an array holds "
                                         rf"\(at most {LIMIT}\), got an int of about 10\^400$"):
        make(n=10**400)
    with pytest.raises(ValueError, match=r"^n must be .* got 1000000000000000000000000000000$"):
        make(n=10**30)


def test_sizes_that_fit_still_build() -> None:
    # a sinusoid on the grid is sin(2 pi x) at n evenly spaced x in [0, 1]
    x, t = cr.datasets.sinusoid(n=5, noise=0.0, grid=True)
    np.testing.assert_allclose(x[:, 0], np.linspace(0, 1, 5), atol=0)
    np.testing.assert_allclose(t, np.sin(2 * np.pi * np.linspace(0, 1, 5)), atol=1e-15)
    assert cr.BatchNorm(3).n_out == 3
