"""The epoch schedules of a closed form (private): :class:`StepDecay`, :class:`MultiStep`,
:class:`Exponential`, :class:`InverseScaling`, :class:`InverseTimeDecay` and
:class:`Cosine`, each ``lr(epoch, lr0)`` a formula of the epoch.

Registered in :data:`chainrule.schedules.SCHEDULES`; import them from
:mod:`chainrule.schedules` (or :mod:`chainrule`).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

from ._validation import (
    check_bool,
    check_length,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from .schedules import Schedule

__all__ = ["Cosine", "Exponential", "InverseScaling", "InverseTimeDecay", "MultiStep",
           "StepDecay"]


def _scaled(lr0: float, gamma: float, n: int) -> float:
    """``lr0 * gamma ** n``, and ``inf`` where that exceeds the float range.

    A ``gamma`` above 1 (a growing rate, as in a learning-rate range test) takes
    ``gamma ** n`` past 1.8e308 after enough epochs, where Python's float power
    raises OverflowError.  The product is then worked out in logarithms, so that
    a small ``lr0`` times a power beyond the range is still its finite value;
    a product beyond the range is ``inf``, as in IEEE arithmetic (NumPy's), and
    the training loop's divergence guard stops on the step it takes.
    """
    try:
        return lr0 * gamma**n
    except OverflowError:  # gamma > 1: gamma ** n above 1.8e308
        try:
            return math.exp(math.log(lr0) + n * math.log(gamma))
        except OverflowError:
            return math.inf


class StepDecay(Schedule):
    """``lr = lr0 * gamma ** floor(epoch / step_size)``: PyTorch's ``StepLR`` per epoch
    (whose default ``gamma`` is 0.1, ours 0.5: give ``gamma=0.1`` for its rates).

    A ``gamma`` above 1 makes the rate grow (as PyTorch's ``StepLR`` allows);
    where the rate exceeds the float range it is ``inf``, and training stops
    with :class:`~chainrule.training.TrainingDiverged` at the first step taken
    with it (the network keeps its last parameters with a finite loss).

    Parameters
    ----------
    step_size : int, default 10
        Epochs between reductions (>= 1).
    gamma : float, default 0.5
        Factor of each reduction (> 0; above 1 the rate grows).
    """

    name = "step"

    def __init__(self, step_size: int = 10, gamma: float = 0.5) -> None:
        self.step_size = check_positive_int(step_size, "step_size")
        self.gamma = check_positive_float(gamma, "gamma")

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        return _scaled(lr0, self.gamma, epoch // self.step_size)


class MultiStep(Schedule):
    """``lr = lr0 * gamma ** (number of milestones <= epoch)``: PyTorch's ``MultiStepLR``.

    The rate is multiplied by ``gamma`` after each epoch listed in
    ``milestones``: ``MultiStep([30, 60, 80], gamma=0.1)`` trains epochs
    1..30 at ``lr0``, 31..60 at ``0.1 * lr0``, 61..80 at ``0.01 * lr0`` and
    the rest at ``0.001 * lr0``, as ``MultiStepLR(milestones=[30, 60, 80],
    gamma=0.1)`` stepped once per epoch.  As there, the milestones are taken
    in increasing order, and one listed twice reduces twice.

    Parameters
    ----------
    milestones : sequence of int
        Epochs (>= 1) after which the rate is reduced; at least one.
    gamma : float, default 0.1
        Factor of each reduction (> 0; above 1 the rate grows).
    """

    name = "multistep"

    def __init__(self, milestones: Sequence[int], gamma: float = 0.1) -> None:
        # a NumPy scalar array (np.array(30)) has __iter__ but iterates over nothing
        if (isinstance(milestones, (str, bytes, dict)) or not hasattr(milestones, "__iter__")
                or getattr(milestones, "ndim", 1) == 0):
            what = type(milestones).__name__
            raise TypeError(f"milestones must be a list of epochs (ints >= 1), got "
                            f"{what + ' of 0 dimensions' if what == 'ndarray' else what}")
        epochs = list(milestones)
        if not epochs:
            raise ValueError("milestones must list at least one epoch, got none")
        self.milestones = sorted(check_positive_int(m, "milestones' epochs") for m in epochs)
        self.gamma = check_positive_float(gamma, "gamma")

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        return _scaled(lr0, self.gamma, bisect.bisect_right(self.milestones, epoch))


class Exponential(Schedule):
    """``lr = lr0 * gamma ** epoch``.

    A ``gamma`` above 1 makes the rate grow (a learning-rate range test, as
    PyTorch's ``ExponentialLR`` allows); where the rate exceeds the float
    range it is ``inf``, and training stops with
    :class:`~chainrule.training.TrainingDiverged` at the first step taken with
    it (the network keeps its last parameters with a finite loss).

    Parameters
    ----------
    gamma : float, default 0.95
        Factor per epoch (> 0; above 1 the rate grows).
    """

    name = "exponential"

    def __init__(self, gamma: float = 0.95) -> None:
        self.gamma = check_positive_float(gamma, "gamma")

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        return _scaled(lr0, self.gamma, epoch)


class InverseScaling(Schedule):
    """``lr = lr0 / (1 + epoch) ** power``: scikit-learn's "invscaling" counted in epochs,
    where its MLP (and the estimators here) count the rows seen, ``lr0 / (1 + epoch *
    n_samples) ** power_t``: after 10 epochs of 1000 rows ``lr0 / 3.3`` here, ``lr0 / 100``.

    A large ``power`` takes the rate to 0 (where ``(1 + epoch) ** power``
    exceeds the float range, the rate is 0, as the quotient's limit).

    Parameters
    ----------
    power : float, default 0.5
        Exponent (>= 0).
    """

    name = "invscaling"

    def __init__(self, power: float = 0.5) -> None:
        self.power = check_nonneg_float(power, "power")

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        try:
            return lr0 / (1.0 + epoch) ** self.power
        except OverflowError:  # (1 + epoch) ** power above 1.8e308: the rate is 0
            return 0.0


class InverseTimeDecay(Schedule):
    """``lr = lr0 / (1 + decay_rate * t / decay_steps)``: Keras's ``InverseTimeDecay``, and
    deeplearning.ai's learning-rate decay (course 2, week 2, 2021).

    ``t`` counts the epochs trained so far (from 0: the first epoch trains at ``lr0``),
    or with ``per_step=True`` the optimizer steps taken so far, as Keras counts them.
    With ``staircase=True`` the quotient is rounded down, ``floor(t / decay_steps)``:
    the rate drops every ``decay_steps`` epochs (or steps).  ``delay`` starts the count
    that much later, ``t = max(0, epochs - delay)``.

    deeplearning.ai's ``update_lr`` (``lr0 / (1 + decay_rate * epoch_num)``) and
    ``schedule_lr_decay`` (``lr0 / (1 + decay_rate * floor(epoch_num / time_interval))``)
    set the rate after epoch ``epoch_num`` (from 0) for the next, so epoch ``e`` trains
    at the formula for ``e - 1``: ``InverseTimeDecay(decay_rate, 1, delay=1)`` and
    ``InverseTimeDecay(decay_rate, time_interval, staircase=True, delay=1)``.
    :class:`InverseScaling` (scikit-learn's ``invscaling``) is ``lr0 / (1 +
    epoch) ** power``, the unstaired decay at ``decay_rate = decay_steps = 1`` when
    ``power=1``.

    Parameters
    ----------
    decay_rate : float, default 1.0
        (finite, >= 0; 0 keeps the rate).
    decay_steps : int or float, default 1
        Epochs (or steps) over which the denominator grows by ``decay_rate`` (> 0); the
        course's ``time_interval``.
    staircase : bool, default False
        Round ``t / decay_steps`` down.
    delay : int, default 0
        Epochs (or steps) at ``lr0`` before the count starts (>= 0); 1 for the course's.
    per_step : bool, default False
        Set the rate before every optimizer step, ``t`` counting the run's steps.
    """

    name = "inverse_time"

    def __init__(self, decay_rate: float = 1.0, decay_steps: float = 1,
                 staircase: bool = False, delay: int = 0, per_step: bool = False) -> None:
        self.decay_rate = check_nonneg_float(decay_rate, "decay_rate")
        self.decay_steps = (check_length(decay_steps, "decay_steps")
                            if isinstance(decay_steps, int) and not isinstance(decay_steps, bool)
                            else check_positive_float(decay_steps, "decay_steps"))
        self.staircase = check_bool(staircase, "staircase")
        self.delay = check_positive_int(delay, "delay", minimum=0)
        self.per_step = check_bool(per_step, "per_step")

    def _rate(self, t: int, lr0: float) -> float:
        t = max(0, t - self.delay)
        if self.staircase:  # in integers where both are: no rounding of t / decay_steps
            p = float(t // self.decay_steps if isinstance(self.decay_steps, int)
                      else math.floor(t / self.decay_steps))
        else:
            p = t / self.decay_steps
        return lr0 / (1 + self.decay_rate * p)  # Keras's order of operations

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        return self._rate(epoch, lr0)

    def step_lr(self, step: int, lr0: float, steps_per_epoch: int) -> float:
        """With ``per_step``: the rate of the step after ``step`` steps of the run.

        Parameters
        ----------
        step : int
            Optimizer steps taken so far in the run (from 0).
        lr0 : float
        steps_per_epoch : int
            Not used: the count is of steps.

        Returns
        -------
        float
        """
        return self._rate(step, lr0)


class Cosine(Schedule):
    """Cosine annealing: ``lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * epoch / T_max)) / 2``.

    The closed form of PyTorch's ``CosineAnnealingLR``, per epoch: the rate
    goes from ``lr0`` to ``eta_min`` over ``T_max`` epochs, then, as there,
    follows the cosine on, back to ``lr0`` at ``2 * T_max`` and so on (no
    restarts; stop training at ``T_max`` epochs to end at ``eta_min``).  With
    ``eta_min`` below ``lr0`` (the usual case) the rate falls; with ``eta_min``
    above ``lr0`` the same formula makes it rise from ``lr0`` to ``eta_min``,
    as PyTorch's does.  That is not refused: ``lr0`` is not known when the
    schedule is built.

    Parameters
    ----------
    T_max : int
        Epochs from ``lr0`` to ``eta_min`` (>= 1): half the period.
    eta_min : float, default 0.0
        The rate at epoch ``T_max`` (>= 0): the lowest rate of the cosine when
        it is below ``lr0``, the highest when it is above.
    """

    name = "cosine"

    def __init__(self, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = check_length(T_max, "T_max")
        self.eta_min = check_nonneg_float(eta_min, "eta_min")

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        cosine = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (lr0 - self.eta_min) * (1 + cosine) / 2
