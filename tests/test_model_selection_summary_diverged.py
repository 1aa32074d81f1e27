"""select's summary of runs that diverged: said in words, never a bare nan or inf."""

from __future__ import annotations

import numpy as np

import chainrule as cr
from chainrule.model_selection import SelectionResult, select_hidden_units


def _row(text: str, m: int) -> list[str]:
    return next(line.split() for line in text.splitlines() if line.split()[:1] == [str(m)])


def test_a_nan_run_is_counted_as_diverged_not_printed_nan():
    """A NaN validation error (a diverged run, as select_hidden_units treats one) made the
    row's best, median and worst nan: min, median and max of an array holding a NaN."""
    val = np.array([[0.5, np.nan, 0.7], [0.4, np.inf, 0.6], [np.inf, np.nan, np.inf]])
    train = np.array([[0.1, 0.2, 0.3], [0.01, np.inf, 5.0], [np.inf, 1.0, np.inf]])
    result = SelectionResult(np.array([1, 2, 3]), train, val, 2, 0, cr.mlp([1, 2, 1]))
    text = result.summary()
    assert "nan" not in text and "inf" not in text
    for i, m in enumerate((1, 2)):  # NumPy: over the runs with a number; diverged = worst
        finite = val[i][np.isfinite(val[i])]
        worst_last = np.where(np.isfinite(val[i]), val[i], np.inf)
        best = int(np.argmin(worst_last))
        assert _row(text, m) == [str(m), f"{finite.min():.4g}", f"{np.median(worst_last):.4g}",
                                 "diverged", f"{train[i, best]:.4g}", "(1", "of", "3", "runs",
                                 "diverged)"]
    assert _row(text, 3) == ["3", "diverged", "diverged", "diverged", "diverged", "(3", "of",
                             "3", "runs", "diverged)"]
    assert "chosen: M = 2 (start 1 of 3), validation error 0.4, training error 0.01" in text
    assert "(diverged: a run whose error is not a finite number in float64" in text
    np.testing.assert_array_equal(result.best_per_size(), [0.5, 0.4, np.inf])


def test_runs_that_all_diverge_say_so_and_choose_none():
    """Targets of 1e200 overflow every run's squared error: each row printed inf, and the
    chosen line "validation error inf" as though a run had been chosen by it."""
    rng = np.random.default_rng(0)
    X, Xv = rng.normal(size=(6, 1)), rng.normal(size=(5, 1))
    result = select_hidden_units(X, np.full(6, 1e200), Xv, np.full(5, 1e200),
                                 hidden_units=[1, 2], n_starts=2, maxiter=5)
    assert not np.isfinite(result.val_errors).any()  # (1e200)^2 overflows float64
    text = result.summary()
    assert "inf" not in text and "nan" not in text
    assert _row(text, 1)[1:5] == ["diverged"] * 4
    assert "(2 of 2 runs diverged)" in text
    assert "chosen: none: all 4 runs diverged, so no validation error chooses between them" \
        in text
    clean = SelectionResult(np.array([1]), np.array([[0.1, 0.2]]), np.array([[0.3, 0.4]]), 1,
                            0, cr.mlp([1, 1, 1])).summary()
    assert "diverged" not in clean  # nothing said where nothing diverged
