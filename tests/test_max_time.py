"""``max_time``: a run that must fit a time slot stops when its budget is spent, and
:func:`chainrule.resume` continues it to exactly the uninterrupted run.

The clock is made deterministic: the loop reads ``time.monotonic`` of
``chainrule._training_loop``, replaced here by a counter that a callback advances by one
"second" per batch, so that the batch after which the budget is spent is known.  The
reference for every resumed run is the same run trained in one go.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import Callback

N_BATCHES = 3  # 24 rows in batches of 8


def _data():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(24, 3))
    return X, np.column_stack([np.sin(X[:, 0] * X[:, 1]), X[:, 2] ** 2])


def _net():
    return chainrule.mlp([3, 6, 2], hidden="tanh", seed=2)


class _Tick(Callback):
    """Advances the fake clock by one second after each batch."""

    def __init__(self, clock: list[float]) -> None:
        self.clock = clock

    def on_batch_end(self, state) -> None:
        self.clock[0] += 1.0


@pytest.fixture
def clock(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(chainrule._training_loop.time, "monotonic", lambda: now[0])
    return now


KW = dict(optimizer="adam", lr=0.05, batch_size=8, seed=7)


def _uninterrupted(clock, epochs=5):
    net = _net()
    h = chainrule.train(net, *_data(), epochs=epochs, callbacks=[_Tick(clock)], **KW)
    return net, h


@pytest.mark.parametrize(("max_time", "epochs_kept"), [
    (4.5, 1),  # spent after batch 5: inside epoch 2, which is dropped
    (3.0, 1),  # spent after batch 3, the last of epoch 1: that epoch is complete
    (7.0, 2),  # spent after batch 7, the first of epoch 3
])
def test_a_run_stopped_by_max_time_resumes_to_the_uninterrupted_run(tmp_path, clock, capsys,
                                                                     max_time, epochs_kept):
    full, h_full = _uninterrupted(clock)
    clock[0] = 0.0
    path = tmp_path / "run.ckpt.npz"
    net = _net()
    h = chainrule.train(net, *_data(), epochs=5, callbacks=[_Tick(clock)], checkpoint=path,
                        max_time=max_time, **KW)
    assert h.stop_reason == "max_time"
    assert h.epochs == epochs_kept
    assert h["loss"] == h_full["loss"][:epochs_kept]
    assert capsys.readouterr().err == ""  # the caller's own budget: quiet unless verbose
    clock[0] = 0.0
    chainrule.train(_net(), *_data(), epochs=5, callbacks=[_Tick(clock)], max_time=max_time,
                    verbose=2, **KW)
    assert f"max_time = {max_time:g} s" in capsys.readouterr().err
    # the network keeps its current parameters: the batches run, also those of a dropped
    # epoch, and so not those of the end of the kept epochs unless the stop fell there
    if max_time == 3.0:
        partial = _net()
        chainrule.train(partial, *_data(), epochs=1, **KW)
        np.testing.assert_array_equal(net.params, partial.params)
    resumed, h_res = chainrule.resume(path, *_data(), epochs=5, callbacks=[_Tick(clock)])
    np.testing.assert_array_equal(resumed.params, full.params)
    assert h_res["loss"] == h_full["loss"]
    assert h_res.stop_reason == "epochs"


def test_a_budget_spent_in_the_last_epoch_is_the_runs_end(clock):
    """Spent after the last batch of the last epoch: the run reached its epochs."""
    net = _net()
    h = chainrule.train(net, *_data(), epochs=2, callbacks=[_Tick(clock)], max_time=6.0, **KW)
    assert h.stop_reason == "epochs" and h.epochs == 2


def test_a_budget_not_spent_changes_nothing(clock):
    full, h_full = _uninterrupted(clock, epochs=3)
    clock[0] = 0.0
    net = _net()
    h = chainrule.train(net, *_data(), epochs=3, callbacks=[_Tick(clock)], max_time=100.0,
                        **KW)
    np.testing.assert_array_equal(net.params, full.params)
    assert dict(h) == dict(h_full) and h.stop_reason == "epochs"


def test_the_budget_is_each_calls_own(tmp_path, clock):
    """resume does not take the first call's budget from the checkpoint: a budget given
    to resume stops that part of the run, and its parts add up to the whole run."""
    full, h_full = _uninterrupted(clock, epochs=4)
    path = tmp_path / "run.ckpt.npz"
    clock[0] = 0.0
    h = chainrule.train(_net(), *_data(), epochs=4, callbacks=[_Tick(clock)], checkpoint=path,
                        max_time=3.0, **KW)
    assert h.epochs == 1
    clock[0] = 100.0  # another job: its own clock reading, its own deadline
    _, h2 = chainrule.resume(path, *_data(), callbacks=[_Tick(clock)], max_time=6.0)
    assert h2.stop_reason == "max_time" and h2.epochs == 3
    resumed, h3 = chainrule.resume(path, *_data(), callbacks=[_Tick(clock)])
    assert h3.stop_reason == "epochs" and h3["loss"] == h_full["loss"]
    np.testing.assert_array_equal(resumed.params, full.params)


@pytest.mark.parametrize(("value", "exc", "match"), [
    (0, ValueError, "max_time must be a finite float > 0, got 0"),
    (-1.5, ValueError, "max_time must be a finite float > 0, got -1.5"),
    (float("nan"), ValueError, "max_time"),
    ("60", TypeError, "max_time"),
])
def test_a_bad_max_time_is_refused_before_anything_changes(tmp_path, value, exc, match):
    net = _net()
    before = net.params.copy()
    with pytest.raises(exc, match=match):
        chainrule.train(net, *_data(), epochs=2, max_time=value, **KW)
    np.testing.assert_array_equal(net.params, before)
    path = tmp_path / "run.ckpt.npz"
    chainrule.train(_net(), *_data(), epochs=1, checkpoint=path, **KW)
    with pytest.raises(exc, match=match) as info:  # the caller's argument, not the file
        chainrule.resume(path, *_data(), epochs=2, max_time=value)
    assert "corrupted" not in str(info.value)
