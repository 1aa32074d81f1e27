"""Cosine annealing with warm restarts (private).

:class:`CosineRestarts` ("cosine_restarts") is a built-in schedule
(:data:`chainrule.schedules.SCHEDULES` names it); import it from
:mod:`chainrule.schedules`.  It is PyTorch's scheduler of the same
parameters in closed form: the rate of an epoch (or, with ``per_step=True``,
of a step) is worked out from the epoch count and the run's initial rate, so
that a run resumed from a checkpoint takes the rates of the uninterrupted one.
"""

from __future__ import annotations

import math

from ._validation import check_bool, check_nonneg_float, check_positive_int
from .schedules import Schedule


def _anneals_over_run(spec: object) -> bool:
    """Whether ``spec`` is a "cosine" without its ``T_max`` (by its name, or a dict leaving
    it out): one whose ``T_max`` the run's length gives (or, after a warm-up, the epochs
    after it)."""
    return spec == "cosine" or (isinstance(spec, dict) and spec.get("name") == "cosine"
                                and "T_max" not in spec)


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
        self.T_0 = check_positive_int(T_0, "T_0")
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
        # CosineAnnealingWarmRestarts.get_lr, operation for operation
        return self.eta_min + (lr0 - self.eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2

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
