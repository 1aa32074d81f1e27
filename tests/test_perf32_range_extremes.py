"""A model file's range check reads each feature's least and most value once: the
warning of data far outside the training range (``outside_message``) leaves them for the
warning of squeezed data (``squeezed_message``), which read all X twice more before.
The warnings are the same (each message against plain NumPy's numbers and against the
message computed on its own), in blocks of rows, cast to the model's dtype, by feature
and by channel."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from chainrule import _saved_model_range as r


def _messages(X, record, dtype=None) -> list[str]:
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        r.warn_outside(X, record, lambda j: f"feature {j}", dtype)
    return [str(w.message) for w in seen]


def _data(rng):
    record = r.training_range(rng.normal(loc=50.0, scale=20.0, size=(500, 4)))
    X = rng.normal(loc=50.0, scale=20.0, size=(3000, 4))
    X[:, 1] /= 1000  # other units: squeezed
    X[:400, 2] = 5e4  # 13 % far outside
    return record, X


@pytest.mark.parametrize("block", [None, 40])  # one block, blocks of 10 rows
@pytest.mark.parametrize("dtype", [None, np.float64, np.float32])
def test_both_warnings_as_each_alone(monkeypatch, block, dtype):
    if block:
        monkeypatch.setattr(r, "_BLOCK", block)
    record, X = _data(np.random.default_rng(0))
    raw = X if dtype is None else X.astype(np.float32 if dtype == np.float32 else X.dtype)
    name = lambda j: f"feature {j}"  # noqa: E731
    alone = [r.outside_message(raw, record, name, dtype), r.squeezed_message(raw, record,
                                                                             name, dtype)]
    assert all(alone)
    assert _messages(raw, record, dtype) == alone
    # the largest |value| of the squeezed feature, as plain NumPy finds it
    big = float(np.max(np.abs(raw[:, 1].astype(dtype or raw.dtype))))
    assert f"largest |value| {big:.4g}" in alone[1]
    lo, hi = float(raw[:, 2].min()), float(raw[:, 2].max())
    assert f"given {lo:.4g} to {hi:.4g}" in alone[0]


def test_extremes_left_by_the_outside_rule_are_those_of_all_rows(monkeypatch):
    monkeypatch.setattr(r, "_BLOCK", 44)  # blocks of 11 rows
    record, X = _data(np.random.default_rng(1))
    extremes: dict = {}
    r.outside_message(X, record, lambda j: f"feature {j}", None, None, extremes)
    assert extremes["least"].tolist() == X.min(axis=0).tolist()
    assert extremes["most"].tolist() == X.max(axis=0).tolist()
    record_c = {**record, "per": "channel", "min": record["min"][:2],
                "max": record["max"][:2], "iqr": record["iqr"][:2]}
    extremes = {}
    r.outside_message(X, record_c, lambda j: f"channel {j}", None, None, extremes)
    V = X.reshape(len(X), 2, 2)
    assert extremes["most"].tolist() == V.max(axis=(0, 2)).tolist()


def test_the_squeezed_rule_takes_the_extremes_given():
    # given extremes are not read again from X: a feature said to reach 1e6 is no
    # longer small enough to be squeezed
    record, X = _data(np.random.default_rng(2))
    name = lambda j: f"feature {j}"  # noqa: E731
    assert "feature 1 spread over" in r.squeezed_message(X, record, name)
    most = X.max(axis=0)
    most[1] = 1e6
    assert r.squeezed_message(X, record, name, None, {"least": X.min(axis=0),
                                                      "most": most}) is None
