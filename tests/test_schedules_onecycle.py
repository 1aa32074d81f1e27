"""The one-cycle policy (OneCycle, "onecycle"): a rate set at every optimizer step.

References: torch.optim.lr_scheduler.OneCycleLR with cycle_momentum=False, stepped after
every optimizer step (skipped without torch), and its formula written out here in NumPy:
phases ending at pct_start * T - 1 (2 * pct_start * T - 2 with three_phase) and T - 1,
each a half cosine (or a line) between max_lr / div_factor, max_lr and
max_lr / (div_factor * final_div_factor).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule import Callback
from chainrule.schedules import SCHEDULES, OneCycle, Warmup, get_schedule
from schedule_helpers import onecycle_data as _data
from schedule_helpers import onecycle_net as _net
from schedule_helpers import onecycle_rates as _numpy_rates


class _Rates(Callback):
    """The rate each optimizer step took (the optimizer's, read after the step)."""

    def __init__(self) -> None:
        self.rates: list[float] = []

    def on_batch_end(self, state) -> None:
        self.rates.append(state.optimizer.lr)


def _torch_rates(T, max_lr, **kwargs):
    torch = pytest.importorskip("torch")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=max_lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=T,
                                                cycle_momentum=False, **kwargs)
    rates = []
    for _ in range(T):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


CASES = [dict(anneal_strategy=a, three_phase=t, pct_start=p)
         for a in ("cos", "linear") for t in (False, True) for p in (0.3, 0.25, 0.45)]


@pytest.mark.parametrize("case", CASES)
def test_a_run_steps_as_torch_onecyclelr(case):
    """Every step of a 7-epoch run of 7 batches (the last partial: 50 rows, batch 8)."""
    pytest.importorskip("torch")
    X, Y = _data()
    rec = _Rates()
    chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.2, batch_size=8, epochs=7, seed=0,
                    schedule={"name": "onecycle", **case}, callbacks=[rec])
    ref = _torch_rates(49, 0.2, **case)
    assert len(rec.rates) == 49
    np.testing.assert_allclose(rec.rates, ref, rtol=0, atol=1e-12)
    assert rec.rates == ref  # the same arithmetic: to the last bit


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("T", [2, 3, 10, 101, 1000])
def test_step_lr_is_torch_onecyclelr_with_max_lr_div_factors(case, T):
    kwargs = dict(div_factor=10.0, final_div_factor=100.0, **case)
    if case["pct_start"] * T == 1:
        pytest.skip("a phase of length 0: OneCycleLR divides by zero")
    s = OneCycle(max_lr=0.5, total_steps=T, **kwargs)
    ours = [s.step_lr(t, 123.0, 1) for t in range(T)]  # max_lr given: lr0 not used
    np.testing.assert_allclose(ours, _torch_rates(T, 0.5, **kwargs), rtol=0, atol=1e-12)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("T", [10, 57, 400])
def test_step_lr_is_the_formula_written_in_numpy(case, T):
    s = OneCycle(total_steps=T, div_factor=20.0, final_div_factor=50.0, **case)
    ours = np.array([s.step_lr(t, 0.3, 1) for t in range(T)])  # max_lr: the run's lr0
    ref = _numpy_rates(T, 0.3, case["pct_start"], case["anneal_strategy"], 20.0, 50.0,
                       case["three_phase"])
    np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)
    # the ends: the start at max_lr / div_factor, the peak, the last at min
    assert ours[0] == pytest.approx(0.3 / 20)
    if T >= 57:  # a step falls near the peak
        assert 0.3 * 0.95 < ours.max() <= 0.3
    assert ours[-1] == pytest.approx(0.3 / 20 / 50, rel=1e-12)


def test_a_phase_of_length_0_starts_at_its_first_rate():
    """pct_start * total_steps == 1: the rise ends at step 0, which takes its starting rate
    (OneCycleLR divides 0 by 0 there); the next steps fall from max_lr."""
    s = OneCycle(max_lr=1.0, total_steps=10, pct_start=0.1)
    assert s.step_lr(0, 1.0, 1) == pytest.approx(1.0 / 25, rel=1e-14)
    # step t >= 1: phase 2 from step 0 to 9, cosine from 1 to 1/25/1e4
    low = 1 / 25 / 1e4
    for t in range(1, 10):
        assert s.step_lr(t, 1.0, 1) == pytest.approx(
            low + (1 - low) / 2 * (math.cos(math.pi * t / 9) + 1), abs=1e-15)


def test_the_cycle_spans_the_run_by_name_and_the_history_records_each_epochs_last_rate():
    X, Y = _data()  # 50 rows, batch 8: 7 steps per epoch, 28 in 4 epochs
    rec = _Rates()
    h = chainrule.train(_net(), X, Y, optimizer="adam", lr=0.01, batch_size=8, epochs=4,
                        seed=0, schedule="onecycle", callbacks=[rec])
    ref = _numpy_rates(28, 0.01)
    np.testing.assert_allclose(rec.rates, ref, rtol=0, atol=1e-15)
    np.testing.assert_allclose(h["lr"], ref[6::7], rtol=0, atol=1e-15)
    # full batch ("gd"): one step per epoch
    rec = _Rates()
    chainrule.train(_net(), X, Y, optimizer="gd", lr=0.1, epochs=9, schedule="onecycle",
                    callbacks=[rec])
    np.testing.assert_allclose(rec.rates, _numpy_rates(9, 0.1), rtol=0, atol=1e-15)


def test_a_constant_schedule_trains_as_before_with_no_schedule():
    X, Y = _data()
    a, b = _net(), _net()
    chainrule.train(a, X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=3, seed=0)
    chainrule.train(b, X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=3, seed=0,
                    schedule="constant")
    np.testing.assert_array_equal(a.params, b.params)


def test_past_total_steps_is_refused_naming_it():
    s = OneCycle(total_steps=20)
    with pytest.raises(ValueError, match=r"total_steps=20\), got step 20"):
        s.step_lr(20, 0.1, 1)
    X, Y = _data()
    net = _net()
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"total_steps: .*42 optimizer steps.*expected "
                                         r"total_steps >= 42, the schedule has 40"):
        chainrule.train(net, X, Y, optimizer="sgd", batch_size=8, epochs=6,
                        schedule={"name": "onecycle", "total_steps": 40})
    np.testing.assert_array_equal(net.params, before)  # refused before the first step
    # a Trainer continued to more epochs goes past the cycle inferred from its first length
    trainer = chainrule.Trainer(_net(), optimizer="sgd", batch_size=8, epochs=2,
                                schedule="onecycle", seed=0)
    trainer.fit(X, Y)
    trainer.epochs = 3
    with pytest.raises(ValueError, match=r"the schedule has 14 \(epochs=2 times 7 steps"):
        trainer.fit(X, Y)
    # a shorter run than the cycle is the cycle's start
    rec = _Rates()
    chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=8, epochs=2,
                    schedule={"name": "onecycle", "total_steps": 30}, callbacks=[rec])
    np.testing.assert_allclose(rec.rates, _numpy_rates(30, 0.1)[:14], rtol=0, atol=1e-15)


@pytest.mark.parametrize("settings, message", [
    ({"pct_start": 0.0}, "pct_start must be a float in (0, 1), got 0.0"),
    ({"pct_start": 1.0}, "pct_start must be a float in (0, 1), got 1.0"),
    ({"pct_start": 0.6, "three_phase": True},
     "pct_start must be at most 0.5 with three_phase=True"),
    ({"div_factor": 0}, "div_factor must be a finite float > 0, got 0"),
    ({"final_div_factor": -1.0}, "final_div_factor must be a finite float > 0, got -1.0"),
    ({"total_steps": 1}, "total_steps must be an int >= 2, got 1"),
    ({"max_lr": 0.0}, "max_lr must be a finite float > 0, got 0.0"),
    ({"anneal_strategy": "cosine"}, "anneal_strategy must be 'cos' or 'linear', got 'cosine'"),
    ({"three_phase": "yes"}, "three_phase must be True or False"),
])
def test_bad_settings_are_refused_naming_them(settings, message):
    with pytest.raises((TypeError, ValueError)) as info:
        OneCycle(**settings)
    assert message in str(info.value)
    with pytest.raises((TypeError, ValueError)) as info:
        get_schedule({"name": "onecycle", **settings}, epochs=5)
    assert message in str(info.value)


def test_a_cycle_of_one_step_and_an_object_without_its_length_are_refused():
    X, Y = _data(5)
    with pytest.raises(ValueError, match=r"at least 2 optimizer steps.*give 1"):
        chainrule.train(_net(), X, Y, optimizer="gd", epochs=1, schedule="onecycle")
    with pytest.raises(TypeError, match="total_steps: a OneCycle object needs total_steps"):
        chainrule.train(_net(), X, Y, optimizer="gd", epochs=3, schedule=OneCycle())
    with pytest.raises(TypeError, match="total_steps: a OneCycle object needs total_steps"):
        chainrule.Trainer(_net(), schedule=OneCycle())  # as the run is set up
    est = chainrule.MLPRegressor((3,), schedule=OneCycle())
    with pytest.raises(ValueError, match=r"^The 'schedule' parameter of MLPRegressor must be "
                       r".* instead\. \(total_steps: a OneCycle object needs total_steps"):
        est.fit(X, Y[:, 0])
    assert not hasattr(est, "network_")
    rec = _Rates()  # with the epochs it spans, an object takes the run's steps per epoch
    chainrule.train(_net(), X, Y, optimizer="sgd", lr=0.1, batch_size=2, epochs=3,
                    schedule=OneCycle(epochs=3), callbacks=[rec])
    np.testing.assert_allclose(rec.rates, _numpy_rates(9, 0.1), rtol=0, atol=1e-15)


def test_config_round_trip_by_name_and_repr():
    assert SCHEDULES["onecycle"] is OneCycle
    s = get_schedule("onecycle", epochs=12)
    assert s.epochs == 12 and s.total_steps is None and s.per_step
    config = s.get_config()
    assert config == {"name": "onecycle", "max_lr": None, "total_steps": None,
                      "pct_start": 0.3, "anneal_strategy": "cos", "div_factor": 25.0,
                      "final_div_factor": 1e4, "three_phase": False, "epochs": 12}
    again = get_schedule(config, epochs=99)  # a config keeps its epochs
    assert again.get_config() == config and again.get_state() == {}
    given = {"name": "onecycle", "max_lr": 0.5, "total_steps": 100, "three_phase": True,
             "anneal_strategy": "linear"}
    s = get_schedule(given, epochs=7)
    assert s.epochs is None and s.total_steps == 100  # given total_steps: epochs not taken
    assert repr(s) == ("OneCycle(max_lr=0.5, total_steps=100, pct_start=0.3, "
                       "anneal_strategy='linear', div_factor=25.0, final_div_factor=10000.0, "
                       "three_phase=True, epochs=None)")
    assert get_schedule(s.get_config()).get_config() == s.get_config()


def test_a_warmup_refuses_onecycle_after_it():
    with pytest.raises(ValueError, match="after must be a schedule of epochs, got 'onecycle'"):
        Warmup(after={"name": "onecycle", "total_steps": 10})
    with pytest.raises(ValueError, match="after must be a schedule of epochs"):
        get_schedule({"name": "warmup", "after": "onecycle"}, epochs=10)
