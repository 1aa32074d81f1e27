"""``partial_fit``'s learning-rate schedule: going on where the last call left it (private).

A ``partial_fit`` call runs one epoch through a new :class:`chainrule.Trainer`; with a
``schedule`` it goes on with the schedule, its state and its epoch count that the last
call left (``_schedule_run``), as one run of many epochs would, and warns of a call past
the epochs over which a "cosine", "linear" or "polynomial" without its own length spans
``max_iter``.  Used by :meth:`~chainrule._mlp_base._BaseMLP._fit_stochastic`.  Also
:func:`warmup_leaves_no_cosine`, for the check of ``schedule`` against ``max_iter`` in
``_mlp_params``.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

from ._schedules_span import past_end, span
from ._validation import caller_outside_chainrule
from .schedules import get_schedule, length_from_run


def _t_max_from_max_iter(est: Any) -> bool:
    """Whether ``est.schedule`` is "cosine", "linear" or "polynomial" without its length
    (T_max, total_iters), which is then ``max_iter`` (less a warm-up's epochs)."""
    spec = est.schedule
    if isinstance(spec, dict) and spec.get("name") == "warmup":  # a decay after a warm-up
        spec = spec.get("after")  # spans max_iter less the warm-up's epochs
    return length_from_run(spec) is not None


def go_on_with_schedule(est: Any, trainer: Any, kept: tuple | None, kept_state: dict | None,
                        incremental: bool) -> None:
    """Set ``trainer`` of a ``partial_fit`` call (``incremental``) to go on with the
    schedule the last call left (``kept``: ``est._schedule_run``, ``kept_state``: its
    state as the call began), and warn of a call past a schedule spanning ``max_iter``.

    A fit (not ``incremental``), or an estimator without a ``schedule``, is left as built.
    """
    if (est.schedule is not None and incremental and kept is not None
            and kept[0].get_config() == trainer.schedule.get_config()):
        # partial_fit goes on with the schedule where the last call left it (its state,
        # its epoch count, its initial rate: a learning_rate_init set since waits for
        # the next fit, as without a schedule), as one run of many epochs would; a
        # schedule changed by set_params starts afresh
        trainer.schedule, done, trainer.lr0 = kept
        trainer.schedule.set_state(kept_state)
        trainer.epoch, trainer.epochs = done, done + 1
    elif est.schedule is not None and incremental and kept is not None:
        est._optimizer.lr = trainer.lr0 = float(est.learning_rate_init)
    found = span(trainer.schedule)
    if (incremental and found is not None and trainer.epoch == found.end
            and _t_max_from_max_iter(est)):
        warnings.warn(
            f"partial_fit: this is call {trainer.epoch + 1}, past the {trainer.epoch} "
            f"epochs (max_iter) over which the schedule's {found.schedule.name} "
            f"{found.verb}s the learning rate: "
            f"{past_end(found, 'this epoch', 'learning_rate_init')}.  Set max_iter to the "
            f"number of partial_fit calls planned, or give the schedule its own "
            f"{found.key}", UserWarning, stacklevel=caller_outside_chainrule())


def warmup_leaves_no_cosine(schedule: object, max_iter: int) -> int | None:
    """The warm-up's epochs where ``schedule`` is a "warmup" whose "cosine" without ``T_max``
    (annealing over ``max_iter`` less the warm-up) has no epoch left in ``max_iter``, so
    that it is refused for ``max_iter``, not for itself; else None (a schedule wrong for
    another reason is refused by :func:`get_schedule`'s own message)."""
    if not isinstance(schedule, dict) or schedule.get("name") != "warmup":
        return None
    warm = schedule.get("epochs", 5)
    if (not isinstance(warm, numbers.Integral) or isinstance(warm, bool) or warm < 1
            or warm < max_iter):
        return None
    try:  # valid with one epoch after the warm-up
        get_schedule(dict(schedule), epochs=int(warm) + 1)
    except (TypeError, ValueError):
        return None
    try:
        get_schedule(dict(schedule), epochs=max_iter)
    except ValueError:
        return int(warm)
    return None
