"""A Dense layer's ``W`` and ``b`` setters refuse non-finite values and keep the weights
(the house rule: bad input loses nothing); in-place arithmetic on the view writes first,
as NumPy does, and is reported (layers.Dense.W's docstring says so)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr


@pytest.mark.parametrize("name", ["W", "b"])
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_assigning_non_finite_values_is_refused_and_keeps_the_parameters(name, bad):
    layer = cr.Dense(3, 2)
    net = cr.Network([layer], loss="squared_error")
    before = net.params.copy()
    with pytest.raises(ValueError, match=rf"{name} contains \d+ NaN or infinite"):
        setattr(layer, name, np.full(getattr(layer, name).shape, bad))
    np.testing.assert_array_equal(net.params, before)


def test_in_place_arithmetic_writes_before_the_check_and_is_reported():
    layer = cr.Dense(2, 2)
    cr.Network([layer], loss="squared_error")
    with pytest.raises(ValueError, match=r"in-place operator .* wrote NaN or infinite values"):
        layer.W -= np.inf
    assert np.isneginf(layer.W).all()  # written, as the docstring warns
