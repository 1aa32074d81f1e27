"""SciPy's own BLAS runs on one thread while SciPy optimises; NumPy's keeps its threads.

The two wheels carry separate OpenBLAS copies whose thread pools contend when a
loop alternates between them (see ``chainrule._threads``).  Speed is measured in
``benchmarks/``; here the thread counts themselves are checked.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
import scipy
from threadpoolctl import ThreadpoolController, threadpool_limits

import chainrule
from chainrule._threads import _scipy_own_blas, scipy_blas_single_thread


def _counts() -> dict[str, int]:
    """BLAS threads per library: 'scipy' for SciPy's own copy, 'other' for the rest."""
    scipy_dir = os.path.dirname(os.path.realpath(scipy.__file__))
    out: dict[str, int] = {}
    for lib in ThreadpoolController().lib_controllers:
        if lib.user_api == "blas":
            key = "scipy" if os.path.realpath(lib.filepath).startswith(scipy_dir) else "other"
            out[key] = min(out.get(key, lib.num_threads), lib.num_threads)
    return out


needs_own = pytest.mark.skipif(_scipy_own_blas() is None,
                               reason="SciPy uses NumPy's BLAS here: nothing to limit")


@needs_own
def test_scipy_blas_single_thread_limits_scipys_copy_only():
    with threadpool_limits(2):
        assert _counts() == {"scipy": 2, "other": 2}
        with scipy_blas_single_thread():
            assert _counts() == {"scipy": 1, "other": 2}  # NumPy's keeps its threads
        assert _counts() == {"scipy": 2, "other": 2}  # and SciPy's gets its own back


@needs_own
def test_minimize_runs_scipy_with_one_blas_thread(rng):
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    net = chainrule.mlp([3, 5, 2], hidden="tanh", output="softmax", seed=0)
    seen = []

    def watch(theta):  # the cost is evaluated inside SciPy's optimiser
        seen.append(_counts())
        return cost(theta)

    from chainrule import scipy_fit

    cost = None
    original = scipy_fit._objective

    def spy(*args, **kwargs):
        nonlocal cost
        cost = original(*args, **kwargs)
        return watch

    with threadpool_limits(2):
        scipy_fit._objective = spy
        try:
            result = chainrule.minimize(net, X, y, maxiter=5)
        finally:
            scipy_fit._objective = original
        after = _counts()
    assert seen and all(c == {"scipy": 1, "other": 2} for c in seen)
    assert after == {"scipy": 2, "other": 2}
    assert np.isfinite(result.fun) and result.nit >= 1
