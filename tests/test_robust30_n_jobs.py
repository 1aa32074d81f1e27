"""A worker count far above the work (``--n-jobs 10**30``) runs, as a worker per task (robust30).

cv and tune-threshold exited 1 with "Python int too large to convert to C int" (raised
where joblib's loky sizes its pool), tune showed a traceback (a StopIteration that
escaped), and ``select_hidden_units(n_jobs=10**30)`` raised that OverflowError: none of
them named --n-jobs.  More workers than tasks only wait; the workers are now at most one
per task (two at least, so a command that asks for workers still gets them).
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.model_selection import select_hidden_units
from file_helpers import cli_ok

HUGE = "1" * 30


@pytest.mark.slow  # worker processes start
def test_cv_huge_n_jobs_runs_a_worker_per_fold(capsys) -> None:
    out, err = cli_ok(capsys, ["cv", "iris", "--epochs", "1", "--hidden", "3", "--folds",
                               "2", "--n-jobs", HUGE])
    assert "fold 2 of 2" in out + err


def test_select_hidden_units_huge_n_jobs_as_one() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(12, 1))
    y = np.sin(2 * np.pi * X[:, 0])
    Xv = rng.uniform(size=(6, 1))
    yv = np.sin(2 * np.pi * Xv[:, 0])
    one = select_hidden_units(X, y, Xv, yv, [1], 1, n_jobs=1, maxiter=5)
    many = select_hidden_units(X, y, Xv, yv, [1], 1, n_jobs=10**30, maxiter=5)
    # the same runs ([seed, M, start] seeds each): the same errors, bit for bit
    np.testing.assert_array_equal(many.val_errors, one.val_errors)
    np.testing.assert_array_equal(many.train_errors, one.train_errors)
