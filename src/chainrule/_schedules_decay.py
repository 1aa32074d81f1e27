"""Cosine annealing with warm restarts, and linear and polynomial decay (private).

:class:`CosineRestarts` ("cosine_restarts"), :class:`Linear` ("linear") and
:class:`Polynomial` ("polynomial") are built-in schedules
(:data:`chainrule.schedules.SCHEDULES` names them); import them from
:mod:`chainrule.schedules`.  Each is PyTorch's scheduler of the same
parameters in closed form: the rate of an epoch (or, for
``CosineRestarts(per_step=True)``, of a step) is worked out from the epoch
count and the run's initial rate, so that a run resumed from a checkpoint
takes the rates of the uninterrupted one.
"""

from __future__ import annotations

import math
import sys

from ._validation import (
    _check_real,
    check_bool,
    check_length,
    check_nonneg_float,
    check_positive_int,
)
from .schedules import Schedule


def _anneals_over_run(spec: object) -> bool:
    """Whether ``spec`` is a "cosine" without its ``T_max`` (by its name, or a dict leaving
    it out): one whose ``T_max`` the run's length gives (or, after a warm-up, the epochs
    after it)."""
    if isinstance(spec, str):  # an array's == is elementwise, its truth ambiguous
        return spec == "cosine"
    return isinstance(spec, dict) and spec.get("name") == "cosine" and "T_max" not in spec


class CosineRestarts(Schedule):
    """Cosine annealing with warm restarts (SGDR): PyTorch's ``CosineAnnealingWarmRestarts``.

    The rate anneals from ``lr0`` to ``eta_min`` along half a cosine over a
    cycle of ``T_0`` epochs, then restarts at ``lr0``; each cycle is
    ``T_mult`` times as long as the one before (``T_0``, ``T_0 * T_mult``,
    ``T_0 * T_mult**2``, ...).  After ``t`` epochs (``t`` from 0), in the
    cycle of ``T_i`` epochs that began ``T_cur`` epochs before::

        lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2

    in PyTorch's operations, so that the rates are those of
    ``CosineAnnealingWarmRestarts(T_0, T_mult, eta_min)`` stepped once after
    every epoch (``scheduler.step()``), to the last bit; the first epoch's
    rate is that formula at ``T_cur = 0`` too, as there.

    With ``per_step=True`` the rate is set before every optimizer step, from
    the position of the step in the run counted in epochs: step ``i`` (from
    0) of epoch ``e`` (from 0) trains at the formula for ``t = e + i /
    steps_per_epoch``, the fractional epoch that PyTorch's documentation
    passes to ``scheduler.step(epoch + i / iters)``; the cycles are still
    ``T_0``, ``T_0 * T_mult``, ... epochs long, each epoch's first step taking
    the epoch-wise rate.  These are PyTorch's rates when ``scheduler.step(epoch
    + i / iters)`` is called before the step it sets the rate of; the loop in
    PyTorch's documentation calls it after ``optimizer.step()``, so that there
    each step trains at the rate of the step before it (the first two at
    ``lr0``).  PyTorch finds the cycle of a fractional epoch with a floating
    point logarithm, which at some restarts (``T_mult=3`` at ``121 * T_0``
    epochs, ``T_mult=10`` at ``111 * T_0``) rounds below it and gives the
    restart step ``eta_min``; the cycle here is found in integers, and the
    step restarts at ``lr0``.

    A per-step run's history records, as each epoch's ``"lr"``, the rate of
    its last step.  The step count is that of :class:`OneCycle`:
    ``(epoch - 1) * steps_per_epoch + batch`` with the steps per epoch of the
    data of the call that trains it.

    Per epoch (the default) it is an epoch schedule like :class:`Cosine`: it
    may follow a :class:`Warmup`, and its ``T_0`` keeps its meaning in epochs
    whichever way the rate is set.

    Parameters
    ----------
    T_0 : int
        Epochs of the first cycle (>= 1).
    T_mult : int, default 1
        Factor by which each cycle is longer than the one before (an int >= 1,
        as PyTorch requires).
    eta_min : float, default 0.0
        The rate the cosine reaches at the end of each cycle (>= 0).
    per_step : bool, default False
        Set the rate before every optimizer step, from the fractional epoch,
        rather than once an epoch.
    """

    name = "cosine_restarts"

    def __init__(self, T_0: int, T_mult: int = 1, eta_min: float = 0.0,
                 per_step: bool = False) -> None:
        self.T_0 = check_length(T_0, "T_0")
        self.T_mult = check_positive_int(T_mult, "T_mult")
        self.eta_min = check_nonneg_float(eta_min, "eta_min")
        self.per_step = check_bool(per_step, "per_step")

    def _cycle(self, epoch: int) -> tuple[int, int]:
        """The first epoch of the cycle that epoch ``epoch`` (from 0) is in, and its length."""
        if self.T_mult == 1:
            return epoch - epoch % self.T_0, self.T_0
        start, length = 0, self.T_0
        while epoch >= start + length:  # a few turns: the cycles grow geometrically
            start, length = start + length, length * self.T_mult
        return start, length

    def _rate(self, t_cur: float, t_i: int, lr0: float) -> float:
        # CosineAnnealingWarmRestarts.get_lr, operation for operation; a cycle past float's
        # range (T_0 * T_mult**k > 10**308) has t_cur / t_i below 1e-290, whose cosine is 1
        angle = math.pi * t_cur / t_i if t_i <= sys.float_info.max else 0.0
        return self.eta_min + (lr0 - self.eta_min) * (1 + math.cos(angle)) / 2

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        start, length = self._cycle(epoch)
        return self._rate(epoch - start, length, lr0)

    def first_lr(self, lr0: float) -> float:
        """The first epoch's rate: the formula at ``T_cur = 0``, as PyTorch's.

        Parameters
        ----------
        lr0 : float

        Returns
        -------
        float
            ``eta_min + (lr0 - eta_min) * 2 / 2``: ``lr0``, or a float next to it.
        """
        return self._rate(0, self.T_0, lr0)

    def step_lr(self, step: int, lr0: float, steps_per_epoch: int) -> float:
        """The rate of the step after ``step`` steps: the formula at epoch
        ``e + i / steps_per_epoch`` for step ``i`` of epoch ``e``.

        Parameters
        ----------
        step : int
            Optimizer steps taken so far in the run (from 0).
        lr0 : float
            The run's initial rate.
        steps_per_epoch : int
            The run's mini-batches per epoch.

        Returns
        -------
        float
        """
        epoch, i = divmod(step, steps_per_epoch)
        t = epoch + i / steps_per_epoch  # PyTorch's `epoch + i / iters`
        start, length = self._cycle(epoch)
        if self.T_mult == 1 and epoch >= self.T_0:
            t_cur = t % self.T_0  # as PyTorch takes it (exactly t - start)
        else:
            t_cur = t - start
        return self._rate(t_cur, length, lr0)


def _check_total_iters(value: object) -> int | None:
    return None if value is None else check_length(value, "total_iters")


def _length(schedule: Linear | Polynomial) -> int:
    if schedule.total_iters is None:
        raise TypeError(
            f"total_iters: a {type(schedule).__name__} object needs total_iters (the epochs "
            f"of the decay); give the schedule as {schedule.name!r} or {{'name': "
            f"{schedule.name!r}, ...}} to train, a Trainer or an estimator to span the run")
    return schedule.total_iters


class Linear(Schedule):
    """A linear change of the rate between two factors of ``lr0``: PyTorch's ``LinearLR``.

    After ``t`` epochs (``t`` from 0) the rate is::

        lr = lr0 * (start_factor + (end_factor - start_factor) * min(total_iters, t) / total_iters)

    from ``start_factor * lr0`` in the first epoch to ``end_factor * lr0``
    after ``total_iters`` epochs, and there it stays.  With ``start_factor``
    below ``end_factor`` it is a warm-up (PyTorch's defaults, 1/3 to 1); with
    ``start_factor=1, end_factor=0`` a linear decay to 0.  PyTorch's
    ``LinearLR`` stepped after each epoch gives these rates by multiplying the
    last rate by a factor each epoch, which rounds differently: the two agree
    to about 1e-15 of the rate, the closed form here being the exact rate
    rounded once.

    ``total_iters`` may be left out: given by its name or as a dict to
    :func:`chainrule.train`, a Trainer, an estimator or the CLI's
    ``--schedule``, it is the run's epochs (``train``'s ``epochs``, an
    estimator's ``max_iter``, ``--epochs``), as ``LinearLR(total_iters=
    epochs)``, and after a "warmup" the epochs after the warm-up; it is then a
    setting of the schedule, kept when a run is resumed or continued.  (That
    default is not PyTorch's 5: a decay over the run is what a schedule given
    no length is for here, as "cosine" anneals over it.)  The run's last epoch
    then trains at ``lr0 * (start_factor + (end_factor - start_factor) *
    (epochs - 1) / epochs)``, as in PyTorch.

    Parameters
    ----------
    start_factor : float in (0, 1], default 1/3
        The first epoch's rate as a fraction of ``lr0``.
    end_factor : float in [0, 1], default 1.0
        The rate after ``total_iters`` epochs as a fraction of ``lr0``.
    total_iters : int, optional
        Epochs of the change (>= 1); by default the run's.
    """

    name = "linear"

    def __init__(self, start_factor: float = 1 / 3, end_factor: float = 1.0,
                 total_iters: int | None = None) -> None:
        self.start_factor = _check_real(start_factor, "start_factor", "a float in (0, 1]")
        if not 0 < self.start_factor <= 1:
            raise ValueError(f"start_factor must be a float in (0, 1], got {self.start_factor}")
        self.end_factor = _check_real(end_factor, "end_factor", "a float in [0, 1]")
        if not 0 <= self.end_factor <= 1:
            raise ValueError(f"end_factor must be a float in [0, 1], got {self.end_factor}")
        self.total_iters = _check_total_iters(total_iters)

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        n = _length(self)
        m = min(n, epoch)
        if m == 0 or m == n:  # the two ends exactly
            return lr0 * (self.start_factor if m == 0 else self.end_factor)
        # the factor as a weighted mean of the two, of terms >= 0: start + (end - start) *
        # m / n (PyTorch's closed form) loses digits to cancellation as a decay nears 0
        return lr0 * ((self.start_factor * (n - m) + self.end_factor * m) / n)

    def first_lr(self, lr0: float) -> float:
        return lr0 * self.start_factor


class Polynomial(Schedule):
    """Polynomial decay of the rate to 0: PyTorch's ``PolynomialLR``.

    After ``t`` epochs (``t`` from 0) the rate is::

        lr = lr0 * (1 - min(total_iters, t) / total_iters) ** power

    from ``lr0`` in the first epoch to 0 after ``total_iters`` epochs, and
    there it stays (a run trained past ``total_iters`` epochs trains no
    more).  ``power=1`` is a linear decay, ``power=2`` a quadratic one, 0
    keeps the rate.  PyTorch's ``PolynomialLR`` stepped after each epoch gives
    these rates by multiplying the last rate by a factor each epoch, which
    rounds differently: the two agree to about 1e-15 of the rate, the closed
    form here being the rate rounded once.

    ``total_iters`` may be left out: given by its name or as a dict to
    :func:`chainrule.train`, a Trainer, an estimator or the CLI's
    ``--schedule``, it is the run's epochs (``train``'s ``epochs``, an
    estimator's ``max_iter``, ``--epochs``), as ``PolynomialLR(total_iters=
    epochs)``, and after a "warmup" the epochs after the warm-up; it is then
    a setting of the schedule, kept when a run is resumed or continued.
    (That default is not PyTorch's 5, after which a rate of 0 trains
    nothing.)  The run's last epoch then trains at ``lr0 * (1 / epochs) **
    power``, as in PyTorch.

    Parameters
    ----------
    total_iters : int, optional
        Epochs of the decay (>= 1); by default the run's.
    power : float, default 1.0
        Exponent of the decay (finite, >= 0).
    """

    name = "polynomial"

    def __init__(self, total_iters: int | None = None, power: float = 1.0) -> None:
        self.total_iters = _check_total_iters(total_iters)
        self.power = check_nonneg_float(power, "power")

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        n = _length(self)
        # (n - m) / n rounded once: PyTorch's 1 - m / n loses digits as it nears 0
        return lr0 * ((n - min(n, epoch)) / n) ** self.power


def length_from_run(spec: object) -> str | None:
    """The setting of ``spec`` that the run's length gives, when ``spec`` leaves it out:
    ``"T_max"`` for a "cosine" without it, ``"total_iters"`` for a "linear" or
    "polynomial" without it (by its name, or a dict leaving it out or None); else None."""
    if _anneals_over_run(spec):
        return "T_max"
    name = spec.get("name") if isinstance(spec, dict) else spec
    if not isinstance(name, str) or name not in (Linear.name, Polynomial.name):
        return None
    return None if isinstance(spec, dict) and spec.get("total_iters") is not None else "total_iters"


def decay_over_run(spec: Schedule | dict, epochs: int | None) -> Schedule | dict:
    """A "linear" or "polynomial" given without ``total_iters``, for a run of ``epochs``
    epochs (:func:`~chainrule.schedules.get_schedule`'s).

    Parameters
    ----------
    spec : Schedule or dict
        The schedule as an object, or a "linear" or "polynomial" config less its name
        (changed in place).
    epochs : int or None
        The run's epochs; None: nothing to span (``spec`` is returned as it is).

    Returns
    -------
    Schedule or dict
        ``spec``; a config without ``total_iters`` takes ``epochs`` as it.

    Raises
    ------
    TypeError
        For a :class:`Linear` or :class:`Polynomial` object without ``total_iters``
        (refused as the run is set up: only a name or a config spans the run), or an
        ``epochs`` not an int.
    ValueError
        If ``epochs`` is below 1.
    """
    if epochs is None:
        return spec
    if isinstance(spec, (Linear, Polynomial)):
        _length(spec)  # the TypeError naming total_iters
    elif isinstance(spec, dict) and spec.get("total_iters") is None:
        # checked as itself: a bad run length is not a setting the user gave
        spec["total_iters"] = check_positive_int(epochs, "epochs")
    return spec
