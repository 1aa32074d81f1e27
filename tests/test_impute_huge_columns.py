"""--impute mean / median of a column whose cells are near float64's limit.

The mean's and the median's sums of cells such as +-1.7e308 overflowed (a RuntimeWarning
and an infinite or NaN fill); the fill is now computed on the cells divided by a power of
2 and multiplied back, checked against exact rational arithmetic.
"""
import warnings
from fractions import Fraction

import numpy as np
import pytest

from chainrule._impute import fit_imputer, weighted_median
from chainrule.cli import main

COLUMN = np.array([1.7e308, 1.7e308, -1.7e308, 1.6e308, 1.5e308])


def _exact_median(values: list[float]) -> float:
    v = sorted(Fraction(x) for x in values)
    n = len(v)
    return float(v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2)


@pytest.mark.parametrize("strategy", ["mean", "median"])
@pytest.mark.parametrize("rows", [slice(None), slice(0, 4)])  # odd and even counts
def test_fill_of_cells_near_the_float64_limit(strategy, rows):
    col = COLUMN[rows]
    X = np.column_stack([np.r_[np.nan, np.arange(len(col) - 1.0)], col])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = fit_imputer(X, ["a", "b"], None, strategy, None, False, None, "d.csv")
    exact = (float(sum(map(Fraction, col.tolist())) / len(col)) if strategy == "mean"
             else _exact_median(col.tolist()))
    assert np.isfinite(record["fill"]["b"])
    assert record["fill"]["b"] == pytest.approx(exact, rel=1e-15)


def test_weighted_median_of_huge_cells():
    col, w = COLUMN[:4], np.array([1.0, 1.0, 1.0, 1.0])
    X = np.column_stack([np.r_[np.nan, 0.0, 1.0, 2.0], col])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        record = fit_imputer(X, ["a", "b"], None, "median", None, False, w, "d.csv")
    assert record["fill"]["b"] == pytest.approx(_exact_median(col.tolist()), rel=1e-15)
    assert weighted_median(col / 2.0**1023, w) * 2.0**1023 == record["fill"]["b"]


def test_ordinary_columns_keep_their_fill_to_the_bit():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3)) * [1.0, 1e6, 1e-6]
    X[rng.random(X.shape) < 0.1] = np.nan
    for strategy, reference in (("mean", np.nanmean), ("median", np.nanmedian)):
        record = fit_imputer(X, ["a", "b", "c"], None, strategy, None, False, None, "d")
        for j, name in enumerate("abc"):
            col = X[~np.isnan(X[:, j]), j]
            expected = np.average(col) if strategy == "mean" else reference(col)
            assert record["fill"][name] == float(expected)


def test_cli_train_takes_a_huge_column_as_without_impute(tmp_path, capsys):
    # the fill is finite now: --impute mean trains (no RuntimeWarning) and standardises the
    # huge column as the same run without gaps and without --impute does
    from chainrule.saved_model import SavedModel

    rng = np.random.default_rng(1)
    rows = [(float(rng.normal()), float(rng.choice([-1.0, 1.0]) * 1.7e308
                                       * rng.uniform(0.5, 1.0)), "yes" if i % 2 else "no")
            for i in range(40)]
    models = []
    for gaps in (True, False):
        path = tmp_path / f"big{gaps}.csv"
        path.write_text("a,b,y\n" + "".join(
            f"{'' if gaps and i % 7 == 0 else repr(a)},{b!r},{y}\n"
            for i, (a, b, y) in enumerate(rows)))
        out = tmp_path / f"m{gaps}.npz"
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)
            code = main(["train", str(path), "--target", "y", "--epochs", "2", "--hidden",
                         "3", "-q", "-o", str(out), *(["--impute", "mean"] if gaps else [])])
        assert code == 0, capsys.readouterr().err
        models.append(SavedModel.load(out).metadata)
    capsys.readouterr()
    fill = models[0]["impute"]["fill"]["a"]
    assert np.isfinite(fill)
    for key in ("x_mean", "x_scale"):  # the column b of the same training rows
        assert models[0][key][1] == models[1][key][1]
        assert np.isfinite(models[0][key][1])
