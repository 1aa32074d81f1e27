"""A negative sample_weight is refused by fit and partial_fit (scikit-learn's MLPs take it:
a deliberate difference, the weighted loss having no minimum then), the message naming how
many, the first and its index, not "finite and non-negative" of finite weights."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import MLPClassifier, MLPRegressor


@pytest.mark.parametrize("cls", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_negative_weights_are_named(cls, method):
    rng = np.random.default_rng(12)
    X = rng.normal(size=(12, 2))
    y = np.arange(12) % 2
    sw = rng.uniform(0.5, 2, 12)
    sw[[4, 9]] = [-0.25, -3.0]
    first = np.flatnonzero(sw < 0)[0]  # the reference: NumPy's own search
    kwargs = {"classes": [0, 1]} if method == "partial_fit" and cls is MLPClassifier else {}
    est = cls(hidden_layer_sizes=(3,), max_iter=1, random_state=0)
    with pytest.raises(ValueError, match=re.escape(
            "sample_weight must be non-negative (a negative weight rewards a wrong prediction: "
            f"the weighted loss has no minimum), got 2 negative weight(s), the first "
            f"{sw[first]:g} at index {first}")):
        getattr(est, method)(X, y, sample_weight=sw, **kwargs)
    assert not hasattr(est, "network_")
