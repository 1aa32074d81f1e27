"""The training loop sets the optimizers' subnormal state entries to zero at each epoch's end.

A weight whose gradient is exactly 0 at every step (here: from an input column of
zeros) has its velocity multiplied by the momentum at each step, and once subnormal
it stays subnormal (0.9 times the smallest subnormal rounds back to it); arithmetic
on subnormals is many times slower.  Checked: those entries are 0 after an epoch,
the parameters are bit for bit those of the same run without the flush (where the
entries stay subnormal), and normal entries and exact zeros are left alone.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import SGD, Adam, Trainer, mlp
from chainrule._optimizers_base import Optimizer

TINY32 = np.finfo(np.float32).tiny  # the smallest normal float32, 2**-126


def _data(rng):
    X = rng.normal(size=(64, 4)).astype(np.float32)
    X[:, 0] = 0  # the weights from input 0 (W1's first row) get a gradient of exactly 0
    return X, rng.integers(0, 3, 64)


def _run(optimizer, X, y, key):
    net = mlp([4, 6, 3], hidden="relu", output="softmax", seed=0, dtype=np.float32)
    trainer = Trainer(net, optimizer=optimizer, batch_size=16, epochs=1, seed=0)
    trainer.fit(X, y)
    state = trainer.optimizer.state[key]
    assert np.all(state[:6] == 0)  # W1's first row: no gradient yet
    state[:6] = np.float32(1e-40)  # subnormal, as hundreds of steps of decay leave them
    trainer.epochs = 3
    trainer.fit(X, y)
    return net.params.copy(), trainer.optimizer.state[key].copy()


@pytest.mark.parametrize(("make", "key"), [(lambda: SGD(lr=0.1, momentum=0.9), "velocity"),
                                           (lambda: Adam(lr=0.01), "m")])
def test_subnormal_state_is_flushed_without_changing_the_parameters(make, key, rng,
                                                                   monkeypatch):
    X, y = _data(rng)
    params, state = _run(make(), X, y, key)
    with monkeypatch.context() as m:
        m.setattr(Optimizer, "_flush_subnormal_state", lambda self: None)
        params_kept, state_kept = _run(make(), X, y, key)
    # without the flush they stay subnormal: 1e-40 * 0.9**8 (SGD) is still above 2**-149
    assert np.all((np.abs(state_kept[:6]) < TINY32) & (state_kept[:6] != 0))
    assert np.all(state[:6] == 0)
    np.testing.assert_array_equal(state[6:], state_kept[6:])  # the rest untouched
    np.testing.assert_array_equal(params, params_kept)  # no parameter moved by them


def test_flush_leaves_normal_values_and_signed_zeros():
    opt = SGD(lr=0.1, momentum=0.9)
    v = np.array([1e-40, -1e-40, TINY32, -TINY32, 0.0, -0.0, 1.0], dtype=np.float32)
    w = np.array([1e-310, 2.3e-308, -0.0], dtype=np.float64)
    opt.state = {"velocity": v, "other": w, "count": np.array([3])}
    opt._flush_subnormal_state()
    np.testing.assert_array_equal(v, [0, 0, TINY32, -TINY32, 0, 0, 1])
    assert np.signbit(v[5]) and not np.signbit(v[0]) and not np.signbit(v[1])
    np.testing.assert_array_equal(w, [0, 2.3e-308, 0])
    assert np.signbit(w[2])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_the_flush_reads_the_state_in_slices_not_whole(dtype):
    """The flush's temporaries (abs, masks) are those of a slice: the whole vector's
    added 1.7 MiB to the peak of an MNIST-shaped epoch (bench_memory.py).  Entries in
    every slice, the last partial one included, are flushed; tracemalloc (which NumPy
    reports its buffers to) sees at most a few slices' worth."""
    import tracemalloc

    from chainrule._optimizers_base import _FLUSH_SLICE

    tiny = np.finfo(dtype).tiny
    n = 40 * _FLUSH_SLICE + 123
    v = np.ones(n, dtype=dtype)
    where = np.array([0, _FLUSH_SLICE - 1, _FLUSH_SLICE, 17 * _FLUSH_SLICE + 5, n - 1])
    v[where] = dtype(tiny) / 4  # subnormal
    v[3] = -0.0
    opt = SGD(lr=0.1, momentum=0.9)
    opt.state["velocity"] = v
    expected = v.copy()
    expected[where] = 0
    tracemalloc.start()
    try:
        opt._flush_subnormal_state()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert opt.state["velocity"] is v
    np.testing.assert_array_equal(v, expected)
    assert np.signbit(v[3])  # an exact -0.0 keeps its sign
    whole = n * (np.dtype(dtype).itemsize + 2)  # abs(v) and two boolean masks
    assert peak < 4 * _FLUSH_SLICE * (np.dtype(dtype).itemsize + 2) < whole / 8, peak
