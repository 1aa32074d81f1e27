"""The learning-rate range test (Leslie Smith's; fastai's ``lr_find``): where to set max_lr.

A few hundred mini-batch steps are trained while the rate grows exponentially
from ``lr_min`` to ``lr_max``; the loss of each step is recorded, smoothed, and
the test stops early once the smoothed loss explodes.  The loss falls fastest
somewhat below the rate at which it starts to rise again: a good ``max_lr``
for the one-cycle policy (:class:`~chainrule.schedules.OneCycle`) lies there;
the suggestion is two thirds of the way down the longest valley of the
smoothed loss (:attr:`LRRangeTest.valley_lr`).

The test trains a copy of the network through the library's own training loop
(:class:`~chainrule.training.Trainer`, the rates set step by step by a per-step
schedule, as :class:`~chainrule.schedules.OneCycle` sets them): the network
given, its running statistics (BatchNorm) and its generators (Dropout) are
left exactly as they were, whatever ends the test.
"""

from __future__ import annotations

import copy
import functools
import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._validation import _check_real, check_positive_float, check_positive_int, number_text
from ..callbacks import Callback, TrainState
from ..network import Network
from ..optimizers import Optimizer
from ..schedules import Schedule
from ..training import Trainer, TrainingDiverged
from ._lr_valley import valley_point

__all__ = ["LRRangeTest", "lr_range_test"]

@dataclass(frozen=True, eq=False)
class LRRangeTest:
    """The losses of a learning-rate range test, step by step, and the rates it suggests.

    Attributes
    ----------
    lrs : ndarray of shape (n_steps,)
        The rate of each step recorded: ``lr_min * (lr_max / lr_min) ** (i / (steps - 1))``
        for step ``i`` (from 0).
    losses : ndarray of shape (n_steps,)
        The cost of each step's mini-batch, taken before its update (at the
        parameters the steps before left).
    smoothed : ndarray of shape (n_steps,)
        The bias-corrected exponential average of ``losses``:
        ``a_i = smoothing * a_{i-1} + (1 - smoothing) * losses[i]`` from ``a_{-1} = 0``,
        ``smoothed[i] = a_i / (1 - smoothing ** (i + 1))``.
    stopped_at : int
        The steps recorded, ``n_steps`` (``steps`` unless the test stopped early).
    stop_reason : str
        "steps" (all run), "diverged" (the smoothed loss rose past
        ``diverge_factor`` times its lowest; that step is the last recorded),
        "non_finite" (a step's loss or the parameters after it became NaN or
        infinite; the steps before are recorded) or "interrupted" (Ctrl-C).
    steps : int
        The steps asked for.
    skip_start : int
        The first steps left out of the suggestions (``steps // 10``: the
        average of the first few losses follows each one closely).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    stopped_at: int
    stop_reason: str
    steps: int
    skip_start: int

    @property
    def min_loss_lr(self) -> float | None:
        """A tenth of the rate of the lowest smoothed loss (after ``skip_start``), or None.

        The lowest loss is found just before the rate becomes too large; a
        tenth of it is the usual safe choice.  None when no step after
        ``skip_start`` was recorded.
        """
        s = self.smoothed[self.skip_start:]
        if s.size == 0 or not np.isfinite(s).any():
            return None
        return float(self.lrs[self.skip_start + int(np.nanargmin(s))]) / 10

    @property
    def steepest_lr(self) -> float | None:
        """The rate where the smoothed loss falls fastest against ``log(lr)``, or None.

        Over the steps from ``skip_start`` to that of the lowest smoothed loss,
        the slope ``(smoothed[i+1] - smoothed[i]) / (log lrs[i+1] - log lrs[i])``
        is taken between neighbours; the rate ``lrs[i]`` of the most negative
        one is returned (fastai's "steep").  None with fewer than two steps
        there, or when the loss does not fall between any two.
        """
        if self.min_loss_lr is None:
            return None
        s = self.smoothed[self.skip_start:]
        end = self.skip_start + int(np.nanargmin(s)) + 1  # up to the lowest loss, included
        s, r = self.smoothed[self.skip_start:end], self.lrs[self.skip_start:end]
        if s.size < 2:
            return None
        slope = np.diff(s) / np.diff(np.log(r))
        if not np.any(slope < 0):
            return None
        return float(r[int(np.nanargmin(slope))])

    @functools.cached_property
    def _valley(self) -> tuple[int | None, str]:
        """(index into lrs of the valley's point, or None; why None), computed once."""
        index, reason = valley_point(self.smoothed[self.skip_start:])
        return (None if index is None else self.skip_start + index), reason

    @property
    def valley_lr(self) -> float | None:
        """The rate two thirds of the way down the longest valley of the smoothed loss, or None.

        Over the smoothed losses from ``skip_start`` on, the valley is the
        longest strictly decreasing subsequence (points ``i_1 < ... < i_k`` with
        ``smoothed[i_1] > ... > smoothed[i_k]``; equal losses do not continue
        it).  Of several longest, the one ending at the lowest rate is taken,
        and of those ending there, the one starting at the lowest rate: from
        ``a`` to ``b`` (indices from the start).  It is counted from its onset
        ``c``, the first step in ``[a, b]`` where the smoothed loss has made a
        fifth of the valley's descent (``smoothed[c] <= smoothed[a] - 0.2 *
        (smoothed[a] - smoothed[b])``): the chain also threads the noise of
        the plateau of rates too small to train, which would pull the point
        towards ``lr_min``.  The rate ``lrs[c + (2 * (b - c)) // 3]`` is
        returned (two thirds of the way down in ``log(lr)``, rounded down;
        after fastai's "valley").  It does not hang on one steep step as
        :attr:`steepest_lr` does, so noise moves it little.

        None (:attr:`no_suggestion_reason` says why) with fewer than two
        steps after ``skip_start``, when the smoothed loss never falls there,
        or when the valley's loss falls by no more than ``1e-3`` times its
        first loss (a flat curve: rounding noise, not a descent).
        """
        index = self._valley[0]
        return None if index is None else float(self.lrs[index])

    @property
    def no_suggestion_reason(self) -> str | None:
        """Why :attr:`suggested_lr` is None, in words; None when a rate is suggested."""
        return None if self._valley[0] is not None else self._valley[1]

    @property
    def suggested_lr(self) -> float | None:
        """The rate suggested for ``max_lr``: :attr:`valley_lr`.

        None when the valley is undefined (too few steps recorded, or a
        smoothed loss that never falls by more than ``1e-3`` of itself; see
        :attr:`no_suggestion_reason`).  :attr:`steepest_lr` and
        :attr:`min_loss_lr` are the alternatives, for a curve read by eye.
        """
        return self.valley_lr

    def summary(self) -> str:
        """The range covered, why it stopped and the suggested rates, as text.

        Returns
        -------
        str
        """
        lines = [f"learning-rate range test: {self.stopped_at} of {self.steps} steps "
                 f"({self.stop_reason})"]
        if self.stopped_at:
            lines.append(f"  rates {self.lrs[0]:.3g} to {self.lrs[-1]:.3g}, smoothed loss "
                         f"{self.smoothed[0]:.4g} to {self.smoothed[-1]:.4g}")
        for label, value in _rules(self):
            lines.append(f"  {label}: " + ("undefined" if value is None else f"{value:.3g}"))
        sug = self.suggested_lr
        lines.append("  suggested max_lr (the valley): " + (
            f"none ({self.no_suggestion_reason})" if sug is None else f"{sug:.3g}"))
        return "\n".join(lines)

    __str__ = summary

    def plot(self, path: str | Path | None = None, title: str | None = None, *,
             ax: object = None) -> Path | object:
        """Smoothed loss against the rate (log axis), the suggestion marked; see
        :func:`chainrule.plots.plot_lr_range`.

        Parameters
        ----------
        path : str or Path, optional
            The PNG file to write; with ``ax``, the file of its whole figure.  None:
            nothing is written.
        title : str, optional
        ax : matplotlib Axes, optional
            The caller's Axes to draw into; by default a new figure.

        Returns
        -------
        Path or Axes
            The file written when ``path`` is given; else ``ax`` (or the new Axes).
        """
        from ..plots import plot_lr_range

        return plot_lr_range(self, path, title=title, ax=ax)


def _rules(test: LRRangeTest) -> tuple[tuple[str, float | None], ...]:
    """The three rules' labels and rates, the suggested one (the valley) first."""
    return (("valley of the smoothed loss (suggested)", test.valley_lr),
            ("steepest descent of the smoothed loss", test.steepest_lr),
            ("lowest smoothed loss / 10", test.min_loss_lr))


class _ExponentialRates(Schedule):
    """The range test's rates, one per step: ``rates[step]`` (a per-step schedule)."""

    name = "lr_range"
    per_step = True

    def __init__(self, rates: list[float]) -> None:
        self._rates = rates

    def step_lr(self, step: int, lr0: float, steps_per_epoch: int) -> float:
        return self._rates[min(step, len(self._rates) - 1)]


class _StopTest(Exception):
    """Raised by the recorder to end the run (the loop then stops without a word)."""


class _Recorder(Callback):
    """Records each step's loss and its smoothed value, and ends the run when it is done."""

    def __init__(self, steps: int, smoothing: float, diverge_factor: float) -> None:
        self.steps, self.beta, self.factor = steps, smoothing, diverge_factor
        self.losses: list[float] = []
        self.smoothed: list[float] = []
        self.average, self.best = 0.0, math.inf

    def on_batch_end(self, state: TrainState) -> None:
        loss = float(state.logs["batch_loss"])
        self.losses.append(loss)
        self.average = self.beta * self.average + (1 - self.beta) * loss
        smooth = self.average / (1 - self.beta ** len(self.losses))
        self.smoothed.append(smooth)
        self.best = min(self.best, smooth)
        if smooth > self.factor * self.best:
            raise _StopTest("diverged")
        if len(self.losses) >= self.steps:
            raise _StopTest("steps")


def lr_range_test(
    net: Network,
    X: object,
    y: object,
    optimizer: str | Optimizer = "sgd",
    lr_min: float = 1e-7,
    lr_max: float = 10.0,
    steps: int = 100,
    batch_size: int | str | None = None,
    smoothing: float = 0.98,
    diverge_factor: float = 4.0,
    seed: int | np.random.Generator | None = None,
    momentum: float | None = None,
    sample_weight: object = None,
    class_weight: str | dict | None = None,
    clip_norm: float | None = None,
) -> LRRangeTest:
    """Train ``steps`` mini-batches of a copy of ``net`` with an exponentially growing rate.

    Step ``i`` (from 0) trains at ``lr_min * (lr_max / lr_min) ** (i / (steps - 1))``,
    on the mini-batches of the library's training loop (shuffled rows, epoch
    after epoch as long as the steps last).  The test stops after ``steps``
    steps, or as soon as the smoothed loss exceeds ``diverge_factor`` times
    the lowest it has reached (that step recorded), or when a loss or the
    parameters become NaN or infinite.

    Parameters
    ----------
    net : Network
        Left as it is: the test trains a copy (parameters, BatchNorm running
        statistics and Dropout generators are untouched, also when the test
        raises or is interrupted).
    X : array-like or scipy.sparse matrix of shape (n_samples, n_inputs)
    y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
    optimizer : str or Optimizer, default "sgd"
        A mini-batch rule by name ("sgd", "nesterov", "adagrad", "rmsprop",
        "adam"; "gd" steps on all rows) or an Optimizer object, which is
        copied: its rate is the test's, the object keeps its own.
    lr_min, lr_max : float, default 1e-7 and 10
        The first and last step's rate (finite, 0 < lr_min < lr_max).
    steps : int, default 100
        Steps at most (>= 2).
    batch_size : int or "full", optional
        Rows per step (default 32; "full": all rows a step, with any rule, as
        :func:`chainrule.train` takes it; a number is refused with "gd", which
        steps on all rows).
    smoothing : float in [0, 1), default 0.98
        ``beta`` of the exponential average of the losses (0: no smoothing).
    diverge_factor : float, default 4.0
        Stop once the smoothed loss exceeds this times its lowest (> 1;
        ``math.inf`` never stops for it).
    seed : int, Generator or None
        Seeds the shuffling (and the masks of Dropout layers without a seed
        of their own), as for :func:`~chainrule.training.train`; None: a seed
        drawn at random.
    momentum : float, optional
        For an optimizer given by name, as in :func:`~chainrule.training.train`.
    sample_weight : array-like of shape (n_samples,), optional
    class_weight : dict, "balanced" or None, optional
        Weights of a classifier's classes, as in :func:`~chainrule.training.train`.
    clip_norm : float, optional
        Clip each step's gradient norm, as in :func:`~chainrule.training.train`.

    Returns
    -------
    LRRangeTest
        The rates, raw and smoothed losses, why the test stopped, and the
        suggested rate (:attr:`LRRangeTest.suggested_lr`).

    Raises
    ------
    TypeError, ValueError
        If an argument is out of its range (naming it); nothing is trained then.
    KeyboardInterrupt
        On a second Ctrl-C (the first stops the test after its current step,
        with ``stop_reason`` "interrupted"); ``net`` is untouched.

    Examples
    --------
    >>> from chainrule import mlp
    >>> from chainrule.datasets import load_digits_split
    >>> from chainrule.experiments import lr_range_test
    >>> d = load_digits_split(seed=0)
    >>> net = mlp([64, 32, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    >>> test = lr_range_test(net, d.X_train, d.y_train, steps=80, seed=0)
    >>> 1e-7 <= test.suggested_lr <= 10
    True
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a chainrule Network, got {type(net).__name__}")
    lr_min = check_positive_float(lr_min, "lr_min")
    lr_max = check_positive_float(lr_max, "lr_max")
    if lr_max <= lr_min:
        raise ValueError(f"lr_max must be greater than lr_min ({lr_min:g}), got {lr_max:g}")
    steps = check_positive_int(steps, "steps", minimum=2)
    smoothing = _check_real(smoothing, "smoothing", "a float in [0, 1)")
    if not 0 <= smoothing < 1:
        raise ValueError(f"smoothing must be a float in [0, 1), got {smoothing}")
    if isinstance(diverge_factor, bool) or not isinstance(diverge_factor, numbers.Real):
        raise TypeError(f"diverge_factor must be a float > 1 (math.inf: never stop), got "
                        f"{diverge_factor!r} ({type(diverge_factor).__name__})")
    try:
        diverge_factor = float(diverge_factor)
    except OverflowError:  # an int past float's range (10**400): math.inf says never stop
        raise ValueError("diverge_factor must be a float > 1 (math.inf: never stop), got "
                         f"{number_text(diverge_factor)}") from None
    if not diverge_factor > 1:  # NaN too
        raise ValueError(f"diverge_factor must be a float > 1 (math.inf: never stop), got "
                         f"{diverge_factor}")
    ratio = lr_max / lr_min
    rates = [lr_min * ratio ** (i / (steps - 1)) for i in range(steps)]
    # the caller's object keeps its rate and state; the copy's rate is the schedule's from
    # the first step (its own rate left as given, which the Trainer's messages name)
    optimizer = copy.deepcopy(optimizer) if isinstance(optimizer, Optimizer) else optimizer
    lr = None if isinstance(optimizer, Optimizer) else lr_min
    recorder = _Recorder(steps, smoothing, diverge_factor)
    # every setting is checked by the Trainer before the copy trains; the copy is the
    # network the run changes, so the one given stays as it is whatever ends the run
    trainer = Trainer(net.copy(), optimizer, lr, momentum, batch_size,
                      epochs=steps, seed=seed, schedule=_ExponentialRates(rates),
                      clip_norm=clip_norm, callbacks=[recorder], class_weight=class_weight)
    trainer._refit = False  # fit once: no epoch's start kept
    trainer._quiet_stop = True  # its network is a copy: a Ctrl-C's words are not for it
    reason = None
    try:
        history = trainer.fit(X, y, None, sample_weight)
        reason = "interrupted" if history.stop_reason == "interrupted" else "steps"
    except _StopTest as stop:
        reason = str(stop)
    except TrainingDiverged:
        reason = "non_finite"
    n = len(recorder.losses)
    return LRRangeTest(np.array(rates[:n]), np.array(recorder.losses),
                       np.array(recorder.smoothed), n, reason, steps, steps // 10)
