"""partial_fit's kept abort-snapshot buffers (anonymous memory maps, 3150f07) are the
process's own: a process forked afterwards (multiprocessing's fork start method, a
worker pool) writes into its own copy of them, as into any other array of the estimator."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

from chainrule import MLPClassifier

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this system")


def _in_child(work) -> None:
    """Run ``work()`` in a forked child process and wait for it; fail if it failed."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child's own interpreter
        status = 1
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                work()
            status = 0
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 4))
    return X, (X[:, 0] > 0).astype(int)


def test_a_forked_process_does_not_write_the_kept_snapshot_buffers():
    from chainrule._mlp_checked_fit import _UNDO_BUFFERS

    X, y = _data()
    est = MLPClassifier((8,), solver="adam", random_state=0)
    est.partial_fit(X, y, classes=[0, 1])
    est.partial_fit(X, y)  # the buffers are kept with the network for the next call
    kept = _UNDO_BUFFERS[est.network_]
    before = {k: v.copy() for k, v in kept.items()}

    def overwrite() -> None:
        for v in _UNDO_BUFFERS[est.network_].values():
            v[...] = 123.0

    _in_child(overwrite)
    for k, v in kept.items():
        np.testing.assert_array_equal(v, before[k])


def test_a_forked_fit_leaves_the_parents_adam_moments_alone():
    # A partial_fit refused once the snapshot is taken puts the state back: Adam's m and v
    # are then the kept buffers.  A child's partial_fit updates its m and v in place; the
    # parent's must stay bit for bit as they were (they changed by up to 1e-2 when the
    # buffers were shared maps).
    X, y = _data()
    est = MLPClassifier((8,), solver="adam", random_state=0)
    est.partial_fit(X, y, classes=[0, 1])
    est.partial_fit(X, y)
    with pytest.raises(ValueError, match="sample_weight"):
        est.partial_fit(X, y, sample_weight=np.ones(63))
    state = est._optimizer.state
    before = {k: v.copy() for k, v in state.items()}
    _in_child(lambda: est.partial_fit(X, y))
    for k in ("m", "v"):
        np.testing.assert_array_equal(state[k], before[k])
    # and the parent goes on as a process that never forked: the same next step
    twin = MLPClassifier((8,), solver="adam", random_state=0)
    twin.partial_fit(X, y, classes=[0, 1])
    twin.partial_fit(X, y)
    est.partial_fit(X, y)
    twin.partial_fit(X, y)
    np.testing.assert_array_equal(est.network_.params, twin.network_.params)
