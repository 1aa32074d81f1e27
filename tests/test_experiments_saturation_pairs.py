"""``experiment saturation`` counts (unit, example) pairs, and its text says so."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from chainrule.datasets import load_digits_split
from chainrule.experiments import saturation_vs_scale
from chainrule.experiments.gradients import _deep_net


def test_the_summary_names_the_unit_example_pairs_it_counts():
    """It said "saturated sigmoid units ... per hidden layer" over fractions of (unit,
    example) pairs, which are not the units saturated: a unit saturated on some examples
    only counts in part."""
    result = saturation_vs_scale((8,), depth=3, n_samples=64, seed=0)
    net = _deep_net("sigmoid", 3, 32, 0)
    a = load_digits_split(seed=0).X_train[:64]
    s = expit(a @ (8 * net.layers[0].W) + 8 * net.layers[0].b)
    sat = s * (1 - s) < 0.01  # (example, unit)
    pairs, units_always = float(np.mean(sat)), float(np.mean(sat.all(axis=0)))
    assert result.fractions[8.0][0] == pairs and pairs != units_always
    text = result.summary()
    assert "(unit, example) pairs" in text
    assert f"{pairs:6.1%}" in text.splitlines()[1]
