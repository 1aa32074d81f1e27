"""SciPy's own BLAS runs on one thread while SciPy optimises; NumPy's keeps its threads.

The two wheels carry separate OpenBLAS copies whose thread pools contend when a
loop alternates between them (see ``chainrule._threads``).  Speed is measured in
``benchmarks/``; here the thread counts themselves are checked.
"""

from __future__ import annotations

import contextlib
import os
import threading

import numpy as np
import pytest
import scipy
from threadpoolctl import ThreadpoolController, threadpool_limits

import chainrule
from chainrule import _threads as threads
from chainrule._threads import _scipy_own_blas, scipy_blas_single_thread


def _counts() -> dict[str, int]:
    """BLAS threads per library: 'scipy' for SciPy's own copy, 'other' for the rest."""
    own = {lib.filepath for lib in _scipy_own_blas().lib_controllers}
    out: dict[str, int] = {}
    for lib in ThreadpoolController().lib_controllers:
        if lib.user_api == "blas":
            key = "scipy" if lib.filepath in own else "other"
            out[key] = min(out.get(key, lib.num_threads), lib.num_threads)
    return out


needs_own = pytest.mark.skipif(_scipy_own_blas() is None,
                               reason="SciPy uses NumPy's BLAS here: nothing to limit")


@needs_own
def test_scipy_own_blas_is_scipys_copy_and_not_numpys():
    scipy_dir = os.path.dirname(os.path.realpath(scipy.__file__))
    numpy_dir = os.path.dirname(os.path.realpath(np.__file__))
    paths = [os.path.realpath(lib.filepath) for lib in _scipy_own_blas().lib_controllers]
    assert paths and all(p.startswith(scipy_dir) and not p.startswith(numpy_dir) for p in paths)


@needs_own
def test_scipy_blas_single_thread_limits_scipys_copy_only():
    with threadpool_limits(2):
        before = _counts()
        with scipy_blas_single_thread():
            inside = _counts()
        after = _counts()
    if before["scipy"] < 2:
        pytest.skip("this BLAS runs one thread at most here: nothing to see")
    assert inside == {"scipy": 1, "other": before["other"]}  # NumPy's keeps its threads
    assert after == before  # and SciPy's gets its own back


@needs_own
def test_minimize_runs_scipy_with_one_blas_thread(rng, monkeypatch):
    from chainrule import scipy_fit

    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    net = chainrule.mlp([3, 5, 2], hidden="tanh", output="softmax", seed=0)
    seen = []
    objective = scipy_fit._objective

    def spy(*args, **kwargs):  # the cost is evaluated inside SciPy's optimiser
        cost = objective(*args, **kwargs)

        def watched(theta):
            seen.append(_counts())
            return cost(theta)

        return watched

    monkeypatch.setattr(scipy_fit, "_objective", spy)
    with threadpool_limits(2):
        before = _counts()
        result = chainrule.minimize(net, X, y, maxiter=5)
        after = _counts()
    assert seen and all(c == {"scipy": 1, "other": before["other"]} for c in seen)
    assert after == before
    assert np.isfinite(result.fun) and result.nit >= 1


@needs_own
def test_training_updates_by_blas_with_scipys_blas_on_one_thread(rng):
    """train() steps with SciPy's scal/axpy while SciPy's BLAS runs on one thread only."""
    X = rng.normal(size=(30, 3))
    y = (X[:, 0] > 0).astype(int)
    net = chainrule.mlp([3, 5, 2], hidden="relu", output="softmax", seed=0)
    opt = chainrule.optimizers.SGD(lr=0.1, momentum=0.9)
    seen = []

    class Watch(chainrule.callbacks.Callback):
        def on_batch_end(self, state):
            seen.append((_counts(), state.optimizer._blas))

    with threadpool_limits(2):
        before = _counts()
        chainrule.train(net, X, y, optimizer=opt, batch_size=10, epochs=2, seed=0,
                        callbacks=[Watch()])
        after = _counts()
    assert len(seen) == 6
    assert all(c == ({"scipy": 1, "other": before["other"]}, True) for c in seen)
    assert after == before and opt._blas is False  # both back as they were


class _FakeBlas:
    """One thread count for the whole process, as OpenBLAS's own is (threadpoolctl's interface).

    OpenBLAS's count, set from threads other than the main one, is only sometimes
    changed (it depends on what the main thread set before), so the logic is
    checked on this stand-in.
    """

    def __init__(self, n: int) -> None:
        self.num_threads = n

    def limit(self, limits: int) -> contextlib.AbstractContextManager:
        blas, found = self, self.num_threads
        blas.num_threads = limits

        class Limiter(contextlib.AbstractContextManager):
            def restore_original_limits(self) -> None:
                blas.num_threads = found

            def __exit__(self, *exc: object) -> None:
                self.restore_original_limits()

        return Limiter()


def test_blocks_overlapping_in_two_threads_give_the_users_count_back(monkeypatch):
    """The first block to enter is not the last to leave: the user's count still comes back.

    Each block restored the count it found: the first to leave gave the other's
    loop back its threads while it ran, and the last (which had found 1) left
    SciPy's BLAS on one thread for good after two overlapping fits.
    """
    blas = _FakeBlas(4)
    monkeypatch.setattr(threads, "_scipy_own_blas", lambda: blas)
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen = {}

    def a() -> None:  # enters first, leaves first
        with scipy_blas_single_thread():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b() -> None:  # enters second, leaves last
        a_in.wait(5)
        with scipy_blas_single_thread():
            b_in.set()
            a_out.wait(5)
            seen["b after a left"] = blas.num_threads

    workers = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in workers:
        t.start()
    for t in workers:
        t.join()
    assert seen == {"b after a left": 1}
    assert blas.num_threads == 4


@needs_own
def test_a_users_thread_limit_holds_through_train_and_the_estimators(rng):
    """The README's "Several cores": threadpool_limits(N) around a call gives the run N
    threads, NumPy's BLAS and SciPy's alike (chainrule lowers SciPy's to 1, never raises
    either), and the counts come back after it."""
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] > 0).astype(int)
    seen = []

    class Watch(chainrule.callbacks.Callback):
        def on_batch_end(self, state):
            seen.append(_counts())

    outside = _counts()
    with threadpool_limits(1):
        chainrule.train(chainrule.mlp([3, 5, 2], hidden="relu", output="softmax", seed=0),
                        X, y, optimizer="sgd", lr=0.1, batch_size=10, epochs=1, seed=0,
                        callbacks=[Watch()])
        n = len(seen)

        def watched_tanh(z):  # an activation that looks at the counts at each call
            seen.append(_counts())
            return np.tanh(z)

        act = chainrule.register_activation("_watched_tanh", watched_tanh,
                                            lambda a: 1 - a**2, from_output=True,
                                            overwrite=True)
        est = chainrule.MLPClassifier((5,), activation=act, max_iter=1, batch_size=10,
                                      random_state=0)
        try:
            with pytest.warns(UserWarning):  # the ConvergenceWarning of one iteration
                est.fit(X, y)
        finally:
            chainrule.activations.unregister_activation("_watched_tanh")
    assert len(seen) > n + 4 and all(set(c.values()) == {1} for c in seen), seen
    assert _counts() == outside
