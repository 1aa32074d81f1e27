"""Cosine annealing with warm restarts ("cosine_restarts"), "linear" and "polynomial".

References: the formulas written out in NumPy here (run without torch), values worked
by hand, and torch.optim.lr_scheduler's CosineAnnealingWarmRestarts, LinearLR and
PolynomialLR driven as PyTorch documents them (skipped without torch): ``step()`` after
each epoch, and for SGDR per step ``step(epoch + i / iters)`` with the fractional epoch.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from chainrule.schedules import (
    SCHEDULES,
    CosineRestarts,
    Linear,
    Polynomial,
    Warmup,
    get_schedule,
)


def sgdr_numpy(t, T_0, T_mult, eta_min, lr0):
    """SGDR's rate at (fractional) epochs ``t``: the cycle of ``floor(t)`` among the cycles
    T_0, T_0 * T_mult, ... laid end to end, and the half cosine within it."""
    t = np.asarray(t, dtype=float)
    lengths = T_0 * T_mult ** np.arange(64 if T_mult > 1 else 1, dtype=float)
    if T_mult == 1:
        starts, t_i = np.floor(t / T_0) * T_0, np.full_like(t, T_0)
    else:
        ends = np.cumsum(lengths)
        k = np.searchsorted(ends, np.floor(t), side="right")
        starts, t_i = np.concatenate([[0.0], ends])[k], lengths[k]
    return eta_min + (lr0 - eta_min) * (1 + np.cos(np.pi * (t - starts) / t_i)) / 2


def linear_numpy(epochs, start, end, total, lr0):
    m = np.minimum(np.arange(epochs), total)
    return lr0 * (start + (end - start) * m / total)


def polynomial_numpy(epochs, total, power, lr0):
    m = np.minimum(np.arange(epochs), total)
    return lr0 * ((total - m) / total) ** power


def _epoch_rates(schedule, n, lr0):
    """The rates of epochs 1..n as the training loop sets them: first_lr, then lr(e)."""
    return [schedule.first_lr(lr0)] + [schedule.lr(e, lr0, {}) for e in range(1, n)]


SGDR = [(T_0, T_mult, eta_min) for T_0 in (1, 2, 3, 5, 10) for T_mult in (1, 2, 3)
        for eta_min in (0.0, 0.004)]


@pytest.mark.parametrize("T_0, T_mult, eta_min", SGDR)
def test_cosine_restarts_per_epoch_is_the_formula(T_0, T_mult, eta_min):
    rates = _epoch_rates(CosineRestarts(T_0, T_mult, eta_min), 60, 0.05)
    np.testing.assert_allclose(rates, sgdr_numpy(np.arange(60), T_0, T_mult, eta_min, 0.05),
                               rtol=1e-15, atol=1e-18)


@pytest.mark.parametrize("T_0, T_mult, eta_min", SGDR)
@pytest.mark.parametrize("k", [1, 4, 7])
def test_cosine_restarts_per_step_is_the_formula_at_the_fractional_epoch(T_0, T_mult, eta_min,
                                                                         k):
    s = CosineRestarts(T_0, T_mult, eta_min, per_step=True)
    steps = np.arange(30 * k)
    rates = [s.step_lr(int(t), 0.05, k) for t in steps]
    t = steps // k + (steps % k) / k
    np.testing.assert_allclose(rates, sgdr_numpy(t, T_0, T_mult, eta_min, 0.05),
                               rtol=1e-15, atol=1e-18)
    # each epoch's first step takes the epoch-wise rate
    assert rates[::k] == _epoch_rates(CosineRestarts(T_0, T_mult, eta_min), 30, 0.05)


def test_cosine_restarts_by_hand():
    """T_0=2, T_mult=2: cycles of epochs [0, 2), [2, 6), [6, 14); lr0 = 1, eta_min = 0."""
    c = math.sqrt(0.5)
    want = [1, 0.5, 1, (1 + c) / 2, 0.5, (1 - c) / 2, 1]
    assert _epoch_rates(CosineRestarts(2, 2), 7, 1.0) == pytest.approx(want, abs=1e-16)
    # per step, 2 steps an epoch: epoch 2.5 is a quarter into the 4-epoch cycle
    s = CosineRestarts(2, 2, per_step=True)
    assert s.step_lr(5, 1.0, 2) == pytest.approx((1 + math.cos(math.pi / 8)) / 2, abs=1e-16)
    assert s.step_lr(12, 1.0, 2) == 1.0  # epoch 6: a restart
    # eta_min: the rate half-way through a cycle is the mean of lr0 and eta_min
    assert CosineRestarts(4, eta_min=0.1).lr(6, 0.3, {}) == pytest.approx(0.2, abs=1e-16)


LINEAR = [(s, e, n) for s, e in ((1 / 3, 1.0), (0.1, 1.0), (1.0, 0.0), (0.5, 0.25), (1.0, 1.0))
          for n in (1, 3, 5, 12, 20)]


@pytest.mark.parametrize("start, end, total", LINEAR)
def test_linear_is_the_formula(start, end, total):
    rates = _epoch_rates(Linear(start, end, total), 16, 0.03)
    np.testing.assert_allclose(rates, linear_numpy(16, start, end, total, 0.03),
                               rtol=1e-15, atol=1e-18)


@pytest.mark.parametrize("power", [0.0, 0.5, 1.0, 1.7, 2.0, 3.0])
@pytest.mark.parametrize("total", [1, 3, 5, 12, 20])
def test_polynomial_is_the_formula(total, power):
    rates = _epoch_rates(Polynomial(total, power), 16, 0.03)
    np.testing.assert_allclose(rates, polynomial_numpy(16, total, power, 0.03),
                               rtol=1e-15, atol=0)


def test_linear_and_polynomial_by_hand():
    assert _epoch_rates(Linear(0.5, 1.0, 4), 6, 0.8) == pytest.approx(
        [0.4, 0.5, 0.6, 0.7, 0.8, 0.8], rel=4e-16)
    assert _epoch_rates(Linear(1.0, 0.0, 4), 6, 0.8) == pytest.approx(
        [0.8, 0.6, 0.4, 0.2, 0.0, 0.0], rel=4e-16)
    assert _epoch_rates(Polynomial(4, 2.0), 6, 1.6) == pytest.approx(
        [1.6, 0.9, 0.4, 0.1, 0.0, 0.0], abs=1e-16)
    assert _epoch_rates(Polynomial(4, 0.5), 3, 1.0) == pytest.approx(
        [1.0, math.sqrt(0.75), math.sqrt(0.5)], abs=1e-16)
    # the ends exactly, and no negative rate past a decay to 0
    assert Linear(1.0, 0.0, 7).lr(7, 0.3, {}) == 0.0 == Linear(1.0, 0.0, 7).lr(50, 0.3, {})
    assert Linear(0.1, 0.6, 7).lr(9, 0.3, {}) == 0.3 * 0.6


def test_linear_and_polynomial_are_within_an_ulp_or_two_of_the_exact_rate():
    """Rounded once from exact integers: a decay near 0 keeps its digits, where start + (end
    - start) * m / n (and 1 - m / n) lost them to cancellation (3e-15 of the rate)."""
    from fractions import Fraction as F

    worst = 0.0
    for n in (7, 60, 200):
        for m in range(1, n):
            exact = F(0.3) * ((F(1) * (n - m) + F(0) * m) / n)
            got = Linear(1.0, 0.0, n).lr(m, 0.3, {})
            worst = max(worst, abs(float((F(got) - exact) / exact)))
            exact = F(0.3) * (F(n - m) / n) ** 2
            got = Polynomial(n, 2).lr(m, 0.3, {})
            worst = max(worst, abs(float((F(got) - exact) / exact)))
    assert worst < 4.5e-16


# -- against PyTorch ---------------------------------------------------------------------

def _torch_optimizer(lr0):
    torch = pytest.importorskip("torch")
    return torch, torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr0)


def _torch_epochs(make, n, lr0):
    """Each epoch's rate, the scheduler stepped after each epoch."""
    torch, opt = _torch_optimizer(lr0)
    sched = make(torch.optim.lr_scheduler, opt)
    rates = []
    for _ in range(n):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


@pytest.mark.parametrize("T_0", range(1, 11))
@pytest.mark.parametrize("T_mult", [1, 2, 3])
@pytest.mark.parametrize("eta_min", [0.0, 0.004])
def test_cosine_restarts_per_epoch_is_torch_to_the_bit(T_0, T_mult, eta_min):
    want = _torch_epochs(lambda s, o: s.CosineAnnealingWarmRestarts(o, T_0, T_mult, eta_min),
                         80, 0.05)
    assert _epoch_rates(CosineRestarts(T_0, T_mult, eta_min), 80, 0.05) == want


def _torch_steps(T_0, T_mult, eta_min, lr0, epochs, k, before=True):
    """Each step's rate, ``scheduler.step(epoch + i / iters)`` called before the step sets
    its rate (``before``), or after it, as the loop of PyTorch's documentation does."""
    torch, opt = _torch_optimizer(lr0)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, T_0, T_mult, eta_min)
    rates = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # step(epoch) is deprecated
        for epoch in range(epochs):
            for i in range(k):
                if before:
                    sched.step(epoch + i / k)
                rates.append(opt.param_groups[0]["lr"])
                opt.step()
                if not before:
                    sched.step(epoch + i / k)
    return rates


@pytest.mark.parametrize("T_0", [1, 2, 3, 7, 10])
@pytest.mark.parametrize("T_mult", [1, 2, 3])
@pytest.mark.parametrize("eta_min", [0.0, 0.004])
@pytest.mark.parametrize("k", [1, 3, 7])
def test_cosine_restarts_per_step_is_torch_at_the_fractional_epoch(T_0, T_mult, eta_min, k):
    s = CosineRestarts(T_0, T_mult, eta_min, per_step=True)
    ours = [s.step_lr(t, 0.05, k) for t in range(40 * k)]
    assert ours == _torch_steps(T_0, T_mult, eta_min, 0.05, 40, k)
    # the documented loop steps the scheduler after the optimizer: one step behind
    after = _torch_steps(T_0, T_mult, eta_min, 0.05, 40, k, before=False)
    assert after[0] == after[1] == ours[0] and after[2:] == ours[1:-1]


def test_torch_rounds_its_cycle_below_some_restarts_and_ours_does_not():
    """PyTorch finds the cycle of a fractional epoch with math.log, which gives
    log_3(243) = 4.999...: step(121.0) (T_0=1, T_mult=3: the restart after cycles of 1, 3,
    9, 27, 81 epochs) lands at the end of the cycle before, at eta_min."""
    assert int(math.log(243, 3)) == 4
    s = CosineRestarts(1, 3, 0.001, per_step=True)
    torch, opt = _torch_optimizer(0.05)
    sched = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 1, 3, 0.001)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sched.step(121.0)
    assert opt.param_groups[0]["lr"] == 0.001  # PyTorch: the end of the last cycle
    assert s.step_lr(121, 0.05, 1) == 0.05  # here the restart, as epoch-wise in both
    assert (CosineRestarts(1, 3, 0.001).lr(121, 0.05, {})
            == _torch_epochs(lambda m, o: m.CosineAnnealingWarmRestarts(o, 1, 3, 0.001),
                             122, 0.05)[121] == 0.05)


def _close(ours, want, lr0):
    """Within 2e-15 of the rate, torch's exact zeros (a decay's end) to 2e-18 of lr0.

    PyTorch's schedulers multiply the last rate by a factor each epoch: their rates drift
    from the exact ones (worked out in 200-bit arithmetic) by up to 1.01e-15 of the rate
    in these settings, ours by up to 3.9e-16, and the two differ by up to 1.17e-15
    (LinearLR's decay to 0 over 200 epochs ends at -4e-18, not 0)."""
    for a, b in zip(ours, want, strict=True):
        assert abs(a - b) <= 2e-15 * max(abs(a), 1e-3 * lr0), (ours, want)


@pytest.mark.parametrize("start, end, total", LINEAR)
def test_linear_is_torch_linear_lr(start, end, total):
    want = _torch_epochs(lambda s, o: s.LinearLR(o, start, end, total), 16, 0.03)
    _close(_epoch_rates(Linear(start, end, total), 16, 0.03), want, 0.03)


@pytest.mark.parametrize("power", [0.5, 1.0, 1.7, 2.0, 3.0])
@pytest.mark.parametrize("total", [1, 3, 5, 12, 20])
def test_polynomial_is_torch_polynomial_lr(total, power):
    want = _torch_epochs(lambda s, o: s.PolynomialLR(o, total, power), 16, 0.03)
    _close(_epoch_rates(Polynomial(total, power), 16, 0.03), want, 0.03)


@pytest.mark.parametrize("start", [0.25, 0.5, 1.0])
def test_a_linear_after_a_warm_up_starts_at_its_start_factor_as_in_sequential_lr(start):
    """The epoch after the warm-up is the after's first: a "linear" of start_factor 0.5
    trains it at 0.5 * lr0 (SequentialLR steps the LinearLR after it to 0), not at lr0."""
    lr0, warm = 0.02, 3
    ours = _epoch_rates(Warmup(warm, 0.25, Linear(start, 0.1, 6)), 9, lr0)
    want = np.concatenate([lr0 * (0.25 + 0.75 * np.arange(warm) / warm),
                           lr0 * (start + (0.1 - start) * np.arange(6) / 6)])
    np.testing.assert_allclose(ours, want, rtol=1e-15, atol=0)
    assert ours[warm] == lr0 * start
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SequentialLR's own deprecation notes

        def sequential(m, o):
            return m.SequentialLR(o, [m.LinearLR(o, 0.25, 1.0, warm),
                                      m.LinearLR(o, start, 0.1, 6)], [warm])
        _close(ours, _torch_epochs(sequential, 9, lr0), lr0)


# -- names, configs and refusals ------------------------------------------------------------

def test_by_name_and_by_dict():
    for name, cls in (("cosine_restarts", CosineRestarts), ("linear", Linear),
                      ("polynomial", Polynomial)):
        assert SCHEDULES[name] is cls
    s = get_schedule({"name": "cosine_restarts", "T_0": 3, "T_mult": 2, "eta_min": 0.01})
    assert s.get_config() == {"name": "cosine_restarts", "T_0": 3, "T_mult": 2,
                              "eta_min": 0.01, "per_step": False}
    assert get_schedule(s.get_config()).get_config() == s.get_config()
    assert get_schedule({"name": "cosine_restarts", "T_0": 3, "per_step": True}).per_step
    # without total_iters: the run's epochs, as "cosine" takes its T_max
    assert get_schedule("linear", epochs=12).get_config() == {
        "name": "linear", "start_factor": 1 / 3, "end_factor": 1.0, "total_iters": 12}
    assert get_schedule({"name": "polynomial", "power": 2}, epochs=9).total_iters == 9
    assert get_schedule({"name": "polynomial", "total_iters": 4}, epochs=9).total_iters == 4
    # after a warm-up: the epochs after it
    w = get_schedule({"name": "warmup", "epochs": 3, "after": "polynomial"}, epochs=10)
    assert w.after.get_config() == {"name": "polynomial", "total_iters": 7, "power": 1.0}
    assert repr(CosineRestarts(2)) == "CosineRestarts(T_0=2, T_mult=1, eta_min=0.0, per_step=False)"


@pytest.mark.parametrize("spec, error, message", [
    ({"T_0": 0}, ValueError, "T_0 must be an int >= 1, got 0"),
    ({"T_0": 2.0}, TypeError, "T_0 must be an int >= 1, got 2.0"),
    ({"T_0": 2, "T_mult": 0}, ValueError, "T_mult must be an int >= 1, got 0"),
    ({"T_0": 2, "T_mult": 1.5}, TypeError, "T_mult must be an int >= 1, got 1.5"),
    ({"T_0": 2, "eta_min": -0.1}, ValueError, "eta_min must be a finite float >= 0, got -0.1"),
    ({"T_0": 2, "eta_min": math.nan}, ValueError, "eta_min must be a finite float >= 0"),
    ({"T_0": 2, "per_step": "yes"}, TypeError, "per_step must be"),
])
def test_cosine_restarts_refuses_bad_settings_naming_them(spec, error, message):
    with pytest.raises(error, match=message.replace("(", r"\(").replace(".", r"\.")):
        get_schedule({"name": "cosine_restarts", **spec})
    with pytest.raises(TypeError, match="needs the setting 'T_0'"):
        get_schedule("cosine_restarts", epochs=10)


@pytest.mark.parametrize("cls, spec, error, message", [
    (Linear, {"start_factor": 0}, ValueError, r"start_factor must be a float in \(0, 1\], got 0"),
    (Linear, {"start_factor": 1.5}, ValueError, r"start_factor must be a float in \(0, 1\]"),
    (Linear, {"start_factor": "a"}, TypeError, r"start_factor must be a float in \(0, 1\]"),
    (Linear, {"end_factor": -0.5}, ValueError, r"end_factor must be a float in \[0, 1\], got"),
    (Linear, {"end_factor": 1.01}, ValueError, r"end_factor must be a float in \[0, 1\]"),
    (Linear, {"end_factor": math.inf}, ValueError, r"end_factor must be a float in \[0, 1\]"),
    (Linear, {"total_iters": 0}, ValueError, "total_iters must be an int >= 1, got 0"),
    (Polynomial, {"total_iters": -3}, ValueError, "total_iters must be an int >= 1, got -3"),
    (Polynomial, {"total_iters": 2.5}, TypeError, "total_iters must be an int >= 1"),
    (Polynomial, {"power": -1}, ValueError, "power must be a finite float >= 0, got -1"),
    (Polynomial, {"power": math.inf}, ValueError, "power must be a finite float >= 0, got inf"),
    (Polynomial, {"power": math.nan}, ValueError, "power must be a finite float >= 0, got nan"),
])
def test_linear_and_polynomial_refuse_bad_settings_naming_them(cls, spec, error, message):
    with pytest.raises(error, match=message):
        cls(**spec)
    with pytest.raises(error, match=message):
        get_schedule({"name": cls.name, **spec}, epochs=10)


def test_a_length_from_the_run_needs_a_run():
    # an object has no run to span: refused as the run is set up, naming total_iters
    with pytest.raises(TypeError, match="total_iters: a Polynomial object needs total_iters"):
        get_schedule(Polynomial(), epochs=10)
    with pytest.raises(TypeError, match="after: a 'linear' after the warm-up needs its "
                                        "total_iters"):
        Warmup(after="linear")
    with pytest.raises(TypeError, match="after: total_iters: a Linear object needs"):
        Warmup(after=Linear(1.0, 0.0))
    with pytest.raises(ValueError, match=r"epochs: a 'polynomial' after the warm-up spans the "
                                         r"epochs after it \(total_iters = epochs - the "
                                         r"warm-up's 3\), but the run has 3 epochs"):
        get_schedule({"name": "warmup", "epochs": 3, "after": "polynomial"}, epochs=3)
    with pytest.raises(ValueError, match=r"after must be a schedule of epochs, got "
                                         r"'cosine_restarts', which sets the rate of every "
                                         r"step \(its per_step=False sets it once an epoch") as err:
        Warmup(after={"name": "cosine_restarts", "T_0": 2, "per_step": True})
    assert "pct_start" not in str(err.value)  # a setting of "onecycle", which it has not
    # per epoch, SGDR follows a warm-up, counted from its end
    w = Warmup(epochs=2, start_factor=0.5, after={"name": "cosine_restarts", "T_0": 2})
    assert _epoch_rates(w, 6, 1.0) == pytest.approx([0.5, 0.75, 1.0, 0.5, 1.0, 0.5], abs=1e-16)
