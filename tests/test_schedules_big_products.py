"""Schedule lengths built from two settings (CosineRestarts' T_0 * T_mult**k, OneCycle's
epochs * steps per epoch) that pass float's range: no OverflowError in the middle of
training ('int too large to convert to float')."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule.schedules import CosineRestarts, OneCycle

X = np.random.default_rng(0).normal(size=(8, 2))


def _net():
    return chainrule.mlp([2, 1], output="identity", loss="mse", seed=0)


@pytest.mark.parametrize("per_step", [False, True])
def test_restarts_whose_next_cycle_passes_the_float_range(per_step):
    """T_0=1, T_mult=10**400: the second cycle is 10**400 epochs long.  Its rate at T_cur =
    1 / steps_per_epoch... is eta_min + (lr0 - eta_min) (1 + cos(pi T_cur / T_i)) / 2 with
    T_cur / T_i below 1e-399: cos is 1 and the rate lr0 (by hand); the first cycle's single
    epoch starts at lr0 and (per step) falls as the cosine of PyTorch's formula."""
    schedule = CosineRestarts(T_0=1, T_mult=10**400, per_step=per_step)
    history = chainrule.train(_net(), X, X[:, :1], optimizer="sgd", epochs=3,
                              schedule=schedule, lr=0.05, batch_size=4 if per_step else None)
    assert history["lr"][1:] == [0.05, 0.05]  # epochs 1 and 2: the cycle of 10**400 epochs


def test_onecycle_epochs_times_steps_past_the_float_range_is_refused_by_name():
    """epochs = 10**308 (a float holds it) of 4 steps each: 4 * 10**308 steps, which the
    rate's step / total cannot take; refused before training, naming epochs."""
    schedule = OneCycle(max_lr=0.1, epochs=10**308)
    with pytest.raises(ValueError, match=r"^OneCycle's epochs: epochs=10{308} of 4 step\(s\) "
                                         r"per epoch give an int of about 10\^308 optimizer "
                                         r"steps, beyond the float range"):
        chainrule.train(_net(), X, X[:, :1], optimizer="sgd", epochs=2, schedule=schedule,
                        batch_size=2)
