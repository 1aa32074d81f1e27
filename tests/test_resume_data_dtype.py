"""``resume`` of a run given X in another dtype holding the same numbers.

A float64 network trained on a float32 X keeps X as float32 (each batch converted), and
its checkpoint's SHA-256 was of those float32 bytes: the same numbers given as float64
were refused as "other values of X".  The network converts every batch to its own dtype,
so the same numbers are the same run: X is now fingerprinted in the run's dtype where
the cast keeps every value, and other numbers are refused naming both dtypes.  The
reference is the uninterrupted run's parameters.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr

KW = dict(optimizer="adam", lr=0.01, batch_size=7, seed=3)


def _data(dtype):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3)).astype(dtype)
    return X, np.sin(X.astype(np.float64) @ np.array([1.0, -2.0, 0.5]))[:, None]


def _net() -> cr.Network:
    return cr.mlp([3, 8, 1], hidden="tanh", seed=0)


@pytest.mark.parametrize("run, given", [(np.float32, np.float64), (np.float64, np.float32),
                                        (np.int64, np.float64)])
def test_the_same_numbers_in_another_dtype_resume_the_run(tmp_path, run, given):
    X, Y = _data(np.float32) if run is not np.int64 else _data(np.float64)
    X = (np.round(X * 4) if run is np.int64 else X).astype(run)
    full = _net()
    cr.train(full, X, Y, epochs=4, **KW)
    path = tmp_path / "run.npz"
    cr.train(_net(), X, Y, epochs=2, checkpoint=path, **KW)
    resumed, history = cr.resume(path, X.astype(given), Y, epochs=3)
    assert history.epochs == 3
    # and again from the checkpoint the resumed run wrote, in the run's own dtype
    resumed, history = cr.resume(path, X, Y, epochs=4)
    np.testing.assert_array_equal(resumed.params, full.params)


def test_other_numbers_in_another_dtype_are_refused_naming_both_dtypes(tmp_path):
    X32, Y = _data(np.float32)
    path = tmp_path / "run.npz"
    cr.train(_net(), X32, Y, epochs=2, checkpoint=path, **KW)
    X64 = X32.astype(np.float64) + 1e-9  # not float32 numbers: other data
    with pytest.raises(ValueError, match=r"^X: .* other values of X \(the same shape "
                                         r"\(40, 3\), .*the run's X was float32, this one is "
                                         r"float64 and holds other numbers\)"):
        cr.resume(path, X64, Y, epochs=4)


def test_a_checkpoint_without_the_dtype_resumes_as_before(tmp_path):
    X32, Y = _data(np.float32)
    path = tmp_path / "run.npz"
    cr.train(_net(), X32, Y, epochs=2, checkpoint=path, **KW)
    meta, arrays = cr.io.read_file(path, "chainrule.checkpoint")
    del meta["data"]["X"]["dtype"]  # as a checkpoint before the dtype was recorded
    cr.io.write_file(path, meta, arrays)
    with pytest.raises(ValueError, match=r"^X: .* other values of X"):
        cr.resume(path, X32.astype(np.float64), Y, epochs=4)  # refused, as it was
    _, history = cr.resume(path, X32, Y, epochs=3)  # its own dtype resumes
    assert history.epochs == 3
