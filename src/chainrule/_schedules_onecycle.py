"""Leslie Smith's one-cycle policy, a learning rate set at every optimizer step (private).

:class:`OneCycle` is a built-in schedule (:data:`chainrule.schedules.SCHEDULES`
names it "onecycle"); import it from :mod:`chainrule.schedules`.  It is the
first schedule that runs per step (``per_step = True``): the training loop sets
the rate of each mini-batch's update from the run's step count, rather than
once an epoch from the epoch count.
"""

from __future__ import annotations

import math
import sys

from ._validation import (
    _check_real,
    check_bool,
    check_length,
    check_positive_float,
    check_positive_int,
    number_text,
)
from .schedules import Schedule


class OneCycle(Schedule):
    """The one-cycle policy: PyTorch's ``OneCycleLR`` (``cycle_momentum=False``), per step.

    The rate of the optimizer step after ``t`` steps (``t`` from 0, counted
    over the whole run: ``(epoch - 1) * steps_per_epoch + batch``, the last
    partial batch of an epoch one step as in PyTorch's ``DataLoader``) rises
    from ``max_lr / div_factor`` to ``max_lr`` over the first ``pct_start``
    of ``total_steps``, then falls to ``max_lr / (div_factor *
    final_div_factor)`` at the last step ``total_steps - 1``.  With
    ``three_phase`` it goes back down to ``max_lr / div_factor`` over as many
    steps as it took to rise, and then to the minimum.  Each phase follows
    half a cosine (``anneal_strategy="cos"``) or a straight line
    (``"linear"``).  The rates are those of ``OneCycleLR`` stepped after every
    optimizer step, to the last bit: phase ends at ``pct_start *
    total_steps - 1`` (``2 * pct_start * total_steps - 2``) and
    ``total_steps - 1``, as there.  Where a phase is of length 0
    (``pct_start * total_steps == 1``, where ``OneCycleLR`` divides by zero)
    the step at its end takes the phase's starting rate.

    Only the learning rate cycles: PyTorch's momentum cycling
    (``cycle_momentum``, ``base_momentum``, ``max_momentum``) is not part of
    it; the optimizer keeps its own momentum (or Adam's ``beta_1``).

    ``total_steps`` may be left out: given by its name or as a dict to
    :func:`chainrule.train`, a Trainer, an estimator or the CLI's
    ``--schedule``, the cycle spans the run, ``epochs`` (``train``'s epochs,
    an estimator's ``max_iter``, ``--epochs``) times the run's steps per
    epoch (``ceil(n_samples / batch_size)``, 1 for full-batch "gd"), as
    ``OneCycleLR(epochs=..., steps_per_epoch=...)``.  ``epochs`` is then a
    setting of the schedule, kept when a run is resumed or continued.

    Past the cycle nothing is defined: a run of more steps than
    ``total_steps`` (or ``epochs`` times its steps per epoch), such as one
    resumed or continued to more epochs, is refused before its first step
    with a ValueError naming ``total_steps``, and :meth:`step_lr` refuses a
    step past the last (PyTorch raises once stepped past ``total_steps``).

    History records, as ``"lr"`` of each epoch, the rate of the epoch's last
    step; after the run ``optimizer.lr`` is the rate of its last step.

    The step is counted from the epoch, with the steps per epoch of the data
    of the call that trains it: ``(epoch - 1) * steps_per_epoch + batch``,
    not the steps taken so far (PyTorch counts ``step()`` calls).  The two
    agree for a run of one data set, also resumed or continued.  A run
    continued on a different number of rows per epoch (``partial_fit`` on
    chunks of different sizes, one epoch each; a Trainer's later ``fit`` on
    other data) differs: with the length from ``epochs`` (a name or dict),
    epoch ``k`` then covers its share ``[(k - 1) / epochs, k / epochs)`` of
    the cycle whatever its size, as intended; with ``total_steps`` given, it
    does not follow on: ``total_steps=40`` and ``partial_fit`` on chunks of
    10, 3 and 2 batches take steps 0-9, then 3-5, then 4-5 (PyTorch: 10-12,
    13-14), the rate going back up the cycle.  Give ``total_steps`` only
    with epochs of one size, else the length by ``epochs``.  The refusal of
    a run past the cycle counts the same way: ``epochs * steps_per_epoch``
    of the call.

    Parameters
    ----------
    max_lr : float, optional
        The peak rate (> 0); by default the run's own ``lr`` (an estimator's
        ``learning_rate_init``).
    total_steps : int, optional
        Optimizer steps of the cycle (>= 2); by default ``epochs`` times the
        run's steps per epoch.
    pct_start : float in (0, 1), default 0.3
        Fraction of the steps spent raising the rate (at most 0.5 with
        ``three_phase``, whose second phase takes as many steps again).
    anneal_strategy : {"cos", "linear"}, default "cos"
    div_factor : float, default 25.0
        ``max_lr / div_factor`` is the starting rate (> 0).
    final_div_factor : float, default 1e4
        The last rate is the starting rate divided by it (> 0).
    three_phase : bool, default False
    epochs : int, optional
        The run's epochs that the cycle spans when ``total_steps`` is left out
        (>= 1); filled in from the run's length for a name or dict.
    """

    name = "onecycle"
    per_step = True

    def __init__(self, max_lr: float | None = None, total_steps: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 div_factor: float = 25.0, final_div_factor: float = 1e4,
                 three_phase: bool = False, epochs: int | None = None) -> None:
        self.max_lr = None if max_lr is None else check_positive_float(max_lr, "max_lr")
        self.total_steps = (None if total_steps is None
                            else check_length(total_steps, "total_steps", minimum=2))
        three = check_bool(three_phase, "three_phase")
        self.pct_start = _check_real(pct_start, "pct_start", "a float in (0, 1)")
        if not 0 < self.pct_start < 1:
            raise ValueError(f"pct_start must be a float in (0, 1), got {self.pct_start}")
        if three and self.pct_start > 0.5:
            raise ValueError(
                f"pct_start must be at most 0.5 with three_phase=True (the rate rises over "
                f"pct_start of the steps and falls back over as many), got {self.pct_start}")
        if not isinstance(anneal_strategy, str) or anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.anneal_strategy = anneal_strategy
        self.div_factor = check_positive_float(div_factor, "div_factor")
        self.final_div_factor = check_positive_float(final_div_factor, "final_div_factor")
        self.three_phase = three
        self.epochs = None if epochs is None else check_length(epochs, "OneCycle's epochs")

    def total(self, steps_per_epoch: int) -> int:
        """The cycle's length in optimizer steps: ``total_steps``, or ``epochs * steps_per_epoch``.

        Parameters
        ----------
        steps_per_epoch : int
            The run's mini-batches per epoch.

        Returns
        -------
        int

        Raises
        ------
        TypeError
            If neither ``total_steps`` nor ``epochs`` is set (a ``OneCycle``
            object given without them: only a name or a dict takes the run's).
        ValueError
            If ``epochs * steps_per_epoch`` is below 2, or past float's range.
        """
        if self.total_steps is not None:
            return self.total_steps
        if self.epochs is None:
            raise TypeError(
                "total_steps: a OneCycle object needs total_steps (or epochs, the run's epochs "
                "it spans); give the schedule as 'onecycle' or {'name': 'onecycle', ...} to "
                "train, a Trainer or an estimator to span the run")
        steps = self.epochs * steps_per_epoch
        if steps > sys.float_info.max:  # the rate's step / total would overflow mid-run
            raise ValueError(
                f"OneCycle's epochs: epochs={number_text(self.epochs)} of {steps_per_epoch} "
                f"step(s) per epoch give {number_text(steps)} optimizer steps, beyond the "
                "float range; give fewer epochs, or total_steps")
        if steps < 2:
            raise ValueError(
                f"total_steps: a one-cycle needs at least 2 optimizer steps, and epochs="
                f"{self.epochs} of {steps_per_epoch} step(s) per epoch give {steps}; train "
                f"more epochs or smaller batches, or give total_steps")
        return steps

    def check_run(self, steps_per_epoch: int, epochs: int) -> None:
        """Refuse a run of ``epochs`` epochs of ``steps_per_epoch`` steps longer than the cycle.

        Parameters
        ----------
        steps_per_epoch : int
            The run's mini-batches per epoch.
        epochs : int
            The run's epochs in all (those trained already included).

        Raises
        ------
        TypeError, ValueError
            As :meth:`total`; a ValueError naming ``total_steps``, the run's
            steps and the cycle's when the run has more.
        """
        total, run = self.total(steps_per_epoch), epochs * steps_per_epoch
        if run > total:
            how = ("" if self.total_steps is not None else
                   f" (epochs={self.epochs} times {steps_per_epoch} steps per epoch; epochs is "
                   f"the length the run started with: train's epochs, an estimator's max_iter)")
            raise ValueError(
                f"total_steps: the run takes {run} optimizer steps ({epochs} epochs of "
                f"{steps_per_epoch}), past the one-cycle's end; expected total_steps >= {run}, "
                f"the schedule has {total}{how}.  The one-cycle is defined over its total_steps "
                f"only: a run resumed or continued to more epochs needs a new run")

    def step_lr(self, step: int, lr0: float, steps_per_epoch: int) -> float:
        """The rate of the optimizer step after ``step`` steps (``OneCycleLR``'s after ``step``
        calls of its ``step()``).

        Parameters
        ----------
        step : int
            Optimizer steps taken so far in the run, from 0 to ``total - 1``.
        lr0 : float
            The run's initial rate (``max_lr`` when that is None).
        steps_per_epoch : int
            The run's mini-batches per epoch (for a cycle inferred from ``epochs``).

        Returns
        -------
        float

        Raises
        ------
        ValueError
            Naming ``total_steps``, for a step past the cycle's last.
        """
        total = self.total(steps_per_epoch)
        if not 0 <= step < total:
            raise ValueError(f"step: the one-cycle has steps 0 to {total - 1} (total_steps="
                             f"{total}), got step {step}")
        peak = lr0 if self.max_lr is None else self.max_lr
        initial = peak / self.div_factor
        # the phase of the step, its first and last step and rates, in OneCycleLR's
        # arithmetic (to its last bit): a step belongs to the first phase whose end it does
        # not pass, and the last phase takes every later one
        rise = float(self.pct_start * total) - 1
        if step <= rise:
            begin, end, start_lr, end_lr = 0.0, rise, initial, peak
        elif not self.three_phase:
            begin, end, start_lr, end_lr = rise, total - 1, peak, initial / self.final_div_factor
        else:
            fall = float(2 * self.pct_start * total) - 2
            if step <= fall:
                begin, end, start_lr, end_lr = rise, fall, peak, initial
            else:
                begin, end, start_lr, end_lr = (fall, total - 1, initial,
                                                initial / self.final_div_factor)
        pct = (step - begin) / (end - begin) if end != begin else 0.0
        if self.anneal_strategy == "cos":
            return end_lr + (start_lr - end_lr) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end_lr - start_lr) * pct + start_lr


def onecycle_over_run(spec: OneCycle | dict, epochs: int | None) -> OneCycle | dict:
    """A one-cycle given without its length (neither ``total_steps`` nor ``epochs``), for a
    run of ``epochs`` epochs (:func:`~chainrule.schedules.get_schedule`'s).

    Parameters
    ----------
    spec : OneCycle or dict
        The schedule as an object, or its config less its name (changed in place).
    epochs : int or None
        The run's epochs; None: nothing to span (``spec`` is returned as it is).

    Returns
    -------
    OneCycle or dict
        ``spec``; a config without its length takes ``epochs`` as its ``epochs``.

    Raises
    ------
    TypeError
        For an object without its length (refused as the run is set up, not at its
        fit: only a name or a config spans the run), or an ``epochs`` not an int.
    ValueError
        If ``epochs`` is below 1.
    """
    if epochs is None:
        return spec
    if isinstance(spec, OneCycle):
        if spec.total_steps is None and spec.epochs is None:
            spec.total(1)  # the TypeError naming total_steps
        return spec
    if spec.get("total_steps") is None and spec.get("epochs") is None:
        # checked as itself: a bad run length is not a setting the user gave
        spec["epochs"] = check_positive_int(epochs, "epochs")
    return spec
