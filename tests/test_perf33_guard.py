"""The divergence guard's test that the flat parameters are finite
(``chainrule._training_guards._params_finite``) against NumPy's own answer,
``bool(np.isfinite(p).all())``: NaN, infinities and finite values whose squares
overflow, float32 and float64, sizes on both sides of the guard's rows of 8,192 entries
and of OpenBLAS's threading threshold for a dot (more than 10,000 entries), and the
parameter counts of issue 4's networks (64-100-10: 7,210; 784-256-128-10: 235,146);
its float64 BLAS dots kept at most 10,000 entries each (OpenBLAS's threading threshold);
and the guard still stopping a run."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import _validation_arrays
from chainrule._training_guards import _params_finite
from test_guard_replay import _Boom  # a per-step schedule: lr0, except one step's rate

SIZES = [1, 7_210, 8_192, 8_193, 10_000, 10_001, 16_384 + 17, 235_146]


def _reference(p: np.ndarray) -> bool:
    return bool(np.isfinite(p).all())


def _guard(p: np.ndarray) -> bool:
    with np.errstate(over="ignore", invalid="ignore"):  # as inside the training loop
        return _params_finite(p)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("n", SIZES)
def test_the_guard_answers_as_isfinite(dtype, n):
    base = np.random.default_rng(n).standard_normal(n).astype(dtype)
    assert _guard(base) is True
    for bad in (np.nan, np.inf, -np.inf):
        # the first entry, one in the middle, the last of a row of 8,192, the last (tail)
        for where in sorted({0, n // 2, min(8_191, n - 1), n - 1}):
            p = base.copy()
            p[where] = bad
            assert _guard(p) is _reference(p) is False, (n, dtype, bad, where)


@pytest.mark.parametrize("dtype, big", [(np.float32, 1e20), (np.float32, 3e38),
                                        (np.float64, 1e155), (np.float64, 1.7e308)])
@pytest.mark.parametrize("n", [7_210, 10_001, 235_146])
def test_finite_entries_whose_squares_overflow_are_finite(dtype, big, n):
    # (1e20)**2 passes float32's 3.4e38 and (1e155)**2 float64's 1.8e308: the sum of
    # squares is inf, yet every entry is finite; a NaN among them is still found
    p = np.full(n, big, dtype=dtype)
    p[1::2] *= -1
    assert _reference(p) is True
    assert _guard(p) is True
    p[n // 3] = np.nan
    assert _guard(p) is False


def test_a_nan_and_an_infinity_together():
    # inf - inf in a sum would be NaN, NaN alone NaN: neither is taken for finite
    p = np.zeros(235_146, dtype=np.float32)
    p[[5, 200_000]] = (np.inf, np.nan)
    assert _guard(p) is False
    p[5] = -np.inf
    assert _guard(p) is False


def _dot_lengths(monkeypatch, p: np.ndarray) -> list[int]:
    """The lengths of the BLAS dots the guard takes over ``p`` (np.dot, np.vecdot's rows)."""
    lengths = []
    dot, row_dots = np.dot, _validation_arrays._row_dots

    def dot_spy(a, b, *args, **kwargs):
        lengths.append(np.size(a))
        return dot(a, b, *args, **kwargs)

    def rows_spy(a, b):
        lengths.extend([a.shape[-1]] * a.shape[0])
        return row_dots(a, b)

    monkeypatch.setattr(np, "dot", dot_spy)
    monkeypatch.setattr(_validation_arrays, "_row_dots", rows_spy)
    assert _guard(p) is True
    return lengths


@pytest.mark.parametrize("n", [10_001, 235_146])
def test_no_float64_dot_longer_than_10000(monkeypatch, n):
    # OpenBLAS hands a float64 dot (ddot) of more than 10,000 entries to its worker
    # threads; the dots cover every entry once
    p = np.random.default_rng(0).standard_normal(n)
    lengths = _dot_lengths(monkeypatch, p)
    assert max(lengths) <= 10_000 and sum(lengths) == n, lengths


@pytest.mark.parametrize(("dtype", "n"), [(np.float32, 235_146), (np.float64, 7_210)])
def test_float32_and_small_vectors_take_one_dot(monkeypatch, dtype, n):
    # sdot is not threaded, and below 8,192 entries neither dot is
    p = np.random.default_rng(0).standard_normal(n).astype(dtype)
    assert _dot_lengths(monkeypatch, p) == [n]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("step", [3, 8 + 3, 8 + 7])
def test_a_step_that_makes_the_parameters_infinite_stops_the_run(dtype, step):
    """A rate of inf at one step of a 64-200-10 network (15,010 parameters, past one row
    of 8,192): at batch 3 of the first epoch (the guard that keeps copies), batch 3
    of the second (the replaying guard's middle batch) and its last batch."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((512, 64)).astype(dtype)
    y = rng.integers(0, 10, 512)
    net = cr.mlp([64, 200, 10], hidden="relu", output="softmax", seed=0, dtype=dtype)
    with pytest.raises(cr.TrainingDiverged) as info:
        cr.train(net, X, y, optimizer="sgd", lr=0.05, momentum=0.9, batch_size=64,
                 epochs=2, schedule=_Boom(step, np.inf))
    e = info.value
    assert (e.epoch, e.batch, e.what) == (step // 8 + 1, step % 8, "parameters")
    assert np.isfinite(net.params).all()
