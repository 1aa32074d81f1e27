"""A model of ``--impute`` scoring rows with gaps: its missing cells filled in a copy of
the rows (the caller's array is left as it is), which is then standardised in place
rather than copied again (train's final scores of a file with gaps peaked some 0.7 times
the features higher than of one without)."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import chainrule
from chainrule.saved_model import SavedModel


def _model(d: int, indicators: list[str]) -> tuple[SavedModel, dict]:
    rng = np.random.default_rng(0)
    names = [f"x{j}" for j in range(d)]
    net = chainrule.mlp([d + len(indicators), 16, 3], hidden="tanh", output="softmax",
                        seed=0)
    fill = {n: float(v) for n, v in zip(names, rng.normal(size=d), strict=True)}
    meta = {"task": "classification", "labels": ["a", "b", "c"], "feature_names": names,
            "x_mean": [*rng.normal(size=d).tolist(), *[0.0] * len(indicators)],
            "x_scale": [*rng.uniform(0.5, 2.0, size=d).tolist(), *[1.0] * len(indicators)],
            "impute": {"strategy": "mean", "fill_value": None, "fill": fill,
                       "indicators": indicators}}
    return SavedModel(net, meta), meta


def _reference(net, meta: dict, X: np.ndarray) -> np.ndarray:
    """The probabilities from NumPy: each NaN the column's fill, the indicators 0/1
    appended, standardised, through a copy of the network."""
    names = meta["feature_names"]
    fill = np.array([meta["impute"]["fill"][n] for n in names])
    filled = np.where(np.isnan(X), fill, X)
    gaps = [np.isnan(X[:, names.index(n)]).astype(float)[:, None]
            for n in meta["impute"]["indicators"]]
    Z = (np.hstack([filled, *gaps]) - np.array(meta["x_mean"])) / np.array(meta["x_scale"])
    return net.copy().predict(Z)


@pytest.mark.parametrize("indicators", [[], ["x1", "x4"]])
def test_predict_fills_a_copy_and_standardises_it_in_place(indicators):
    rng = np.random.default_rng(1)
    n, d = 100_000, 30
    X = rng.normal(size=(n, d))
    X[rng.random((n, d)) < 0.1] = np.nan
    before = X.copy()
    model, meta = _model(d, indicators)
    want = _reference(model.network, meta, X)
    model.predict_proba(X[:5])  # (its modules imported first)
    tracemalloc.start()
    try:
        proba = model.predict_proba(X)
        peak = tracemalloc.get_traced_memory()[1] - proba.nbytes
    finally:
        tracemalloc.stop()
    np.testing.assert_array_equal(X, before)  # the caller's rows: their NaNs still there
    np.testing.assert_allclose(proba, want, rtol=1e-12, atol=1e-15)
    # the filled rows (with their indicators), and the network's blocks: not a second copy
    width = (d + len(indicators)) / d
    assert peak <= (width + 0.35) * X.nbytes, peak / X.nbytes
