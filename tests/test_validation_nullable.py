"""pandas' nullable numbers (Int64, Float64, boolean columns) are numbers: a DataFrame of
them reads as float64, and a missing cell (pd.NA) is counted as a NaN by name.  Before,
``np.asarray`` made such a frame an object array, refused as "X must hold numbers, got an
array of dtype object" although every column held numbers."""

import numpy as np
import pandas as pd
import pytest

import chainrule as cr
from chainrule import preprocessing

rng = np.random.default_rng(0)
X = rng.normal(size=(10, 3))
y = X[:, 0]
NULLABLE = pd.DataFrame({
    "count": pd.array([1, 2, 3, 4, 5] * 2, dtype="Int64"),
    "size": X[:, 1],
    "share": pd.array(X[:, 2], dtype="Float64"),
})
WITH_NA = NULLABLE.assign(count=pd.array([1, None] * 5, dtype="Int64"),
                          flag=pd.array([True, None, False, True, True] * 2, dtype="boolean"))


def test_a_frame_of_nullable_numbers_is_read_as_its_float64_values():
    reference = NULLABLE.astype("float64").to_numpy()  # pandas' own conversion
    net = cr.mlp([3, 4, 1], seed=0)
    np.testing.assert_array_equal(net.forward(NULLABLE), net.forward(reference))
    np.testing.assert_array_equal(preprocessing.whiten(NULLABLE), preprocessing.whiten(reference))
    a, b = cr.mlp([3, 4, 1], seed=0), cr.mlp([3, 4, 1], seed=0)
    cr.train(a, NULLABLE, y, epochs=2)
    cr.train(b, reference, y, epochs=2)
    np.testing.assert_array_equal(a.params, b.params)


def test_their_missing_cells_are_counted_as_nan_by_name():
    n_missing = int(WITH_NA.isna().to_numpy().sum())  # pandas' count: 5 + 2 per 5 rows
    with pytest.raises(ValueError, match=rf"^X contains {n_missing} NaN or infinite value\(s\)"):
        cr.mlp([4, 1], seed=0).forward(WITH_NA)
    target = pd.Series(pd.array([1.0, None] * 5, dtype="Float64"))
    with pytest.raises(ValueError, match=r"^Y contains 5 NaN or infinite value\(s\)"):
        cr.train(cr.mlp([3, 1], seed=0), X, target, epochs=1)


def test_text_in_an_object_column_is_still_no_number():
    with pytest.raises(TypeError, match=r"^X must hold numbers.*'share' \((object|str)\)"):
        cr.mlp([3, 1], seed=0).forward(NULLABLE.assign(share=["0.5"] * 10))
