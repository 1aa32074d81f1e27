"""The training step's shortcuts give what the general paths give.

``Optimizer.step`` skips its argument checks for a float vector and gradients of its
dtype and shape (the training loop's), ``check_grad_out`` takes an ndarray of the
right shape as it is, and the epoch's flush of subnormal optimizer state reads a
vector of one slice whole.  Each is checked against plain NumPy written here: the
SGD momentum rule (``v <- mu v + g``, ``w <- w - lr v``), the flush's rule (entries
with ``0 < |x| < tiny`` become +0, every other entry keeps its bits), and the
refusals of the checked paths.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule._layers_base import check_grad_out
from chainrule._optimizers_base import _FLUSH_SLICE


def _numpy_momentum(p: np.ndarray, grads: list[np.ndarray], lr: float, mu: float
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Plain NumPy SGD with momentum, in the gradients' dtype for the velocity."""
    p = p.copy()
    v = np.zeros_like(grads[0])
    for g in grads:
        v = v * v.dtype.type(mu) + g
        p -= np.multiply(v, lr)
    return p, v


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("grad_dtype", ["same", "float64", "int"])
def test_step_checked_or_not_follows_the_numpy_rule(dtype, grad_dtype, rng):
    p0 = rng.standard_normal(37).astype(dtype)
    grads = [rng.standard_normal(37).astype(dtype) for _ in range(4)]
    if grad_dtype == "float64":  # the checked path: another float dtype
        grads = [g.astype(np.float64) for g in grads]
    elif grad_dtype == "int":  # converted to the parameters' dtype
        grads = [np.round(3 * g).astype(np.int64) for g in grads]
    opt = cr.SGD(lr=0.05, momentum=0.9)
    p = p0.copy()
    for g in grads:
        opt.step(p, g)
    taken = [g.astype(dtype) for g in grads] if grad_dtype == "int" else grads
    want_p, want_v = _numpy_momentum(p0, taken, 0.05, 0.9)
    assert opt.t == 4
    np.testing.assert_array_equal(opt.state["velocity"], want_v)
    np.testing.assert_array_equal(p, want_p)


@pytest.mark.parametrize("params, grads, error", [
    (np.zeros(3, np.float32), np.zeros(4, np.float32), ValueError),  # another shape
    (np.zeros(3, np.float32), np.zeros((3, 1), np.float32), ValueError),
    (np.zeros(3, np.int64), np.zeros(3, np.int64), TypeError),  # no float parameters
    (np.zeros(3), np.zeros(3, np.complex128), TypeError),  # complex gradients
    ([0.0, 0.0, 0.0], np.zeros(3), TypeError),  # not updated in place
])
def test_step_still_refuses_what_it_refused(params, grads, error):
    opt = cr.SGD(lr=0.1, momentum=0.9)
    before = np.array(params, copy=True)
    with pytest.raises(error):
        opt.step(params, grads)
    assert opt.t == 0 and opt.state == {}
    np.testing.assert_array_equal(np.asarray(params), before)


def test_check_grad_out_takes_the_right_shape_and_refuses_others():
    layer = cr.Dense(3, 2)
    g = np.ones((4, 2))
    assert check_grad_out(layer, g, (4, 2)) is g  # as it is, no copy
    assert check_grad_out(layer, [[1.0, 2.0]], (1, 2)).tolist() == [[1.0, 2.0]]
    with pytest.raises(ValueError, match=r"shape of the last forward pass's output, \(4, 3\)"):
        check_grad_out(layer, g, (4, 3))
    with pytest.raises(ValueError, match="needs a forward pass first"):
        check_grad_out(layer, g, None)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("size", [1, 200, _FLUSH_SLICE, _FLUSH_SLICE + 1, 3 * _FLUSH_SLICE + 7])
def test_flush_of_one_slice_or_several_follows_the_rule(dtype, size, rng):
    tiny = np.finfo(dtype).tiny
    # normal numbers, subnormals of both signs, signed zeros, tiny itself, inf and NaN
    pool = np.array([1.0, -2.5, tiny, -tiny, tiny / 2, -tiny / 3, tiny / 2**20, 0.0, -0.0,
                     np.inf, -np.inf, np.nan], dtype=dtype)
    v = pool[rng.integers(0, pool.size, size)]
    opt = cr.SGD(lr=0.1, momentum=0.9)
    opt.state["velocity"] = v
    subnormal = (v != 0) & (np.abs(v) < tiny)  # NaN compares False: kept
    want = np.where(subnormal, dtype(0), v)
    opt._flush_subnormal_state()
    assert opt.state["velocity"] is v  # in place
    uint = np.uint32 if dtype == np.float32 else np.uint64
    np.testing.assert_array_equal(v.view(uint), want.view(uint))  # signs of zeros too
