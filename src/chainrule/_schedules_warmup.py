"""A linear learning-rate warm-up in front of another schedule (private).

:class:`Warmup` is a built-in schedule (:data:`chainrule.schedules.SCHEDULES`
names it "warmup"); import it from :mod:`chainrule.schedules`.  It lives here
as a wrapper of the others, which it builds with
:func:`~chainrule.schedules.get_schedule`.
"""

from __future__ import annotations

from typing import Any

from ._schedules_decay import decay_over_run, length_from_run
from ._validation import check_length, check_positive_float, check_positive_int
from .schedules import SCHEDULES, Schedule, get_schedule


class Warmup(Schedule):
    """Raise the rate linearly over the first ``epochs`` epochs, then follow ``after``.

    Epoch ``e`` (from 1) of the warm-up trains at
    ``lr0 * (start_factor + (1 - start_factor) * (e - 1) / epochs)``: from
    ``start_factor * lr0`` up, reaching ``lr0`` at epoch ``epochs + 1``,
    as PyTorch's ``LinearLR(start_factor, total_iters=epochs)``.  From there
    on the rate is ``after``'s, counted from the end of the warm-up: epoch
    ``epochs + 1 + j`` trains at ``after``'s rate after ``j`` epochs, as
    ``SequentialLR([LinearLR(...), after], milestones=[epochs])`` gives it.
    A "plateau" ``after`` watches only the epochs trained after the warm-up
    (its first value is that of epoch ``epochs + 1``), as a PyTorch loop that
    steps ``LinearLR`` for the first ``epochs`` epochs and
    ``ReduceLROnPlateau`` after them does.

    A wrapper rather than a setting of each schedule: the warm-up is the
    same in front of any of them, and its settings stay apart from theirs.

    Parameters
    ----------
    epochs : int, default 5
        Epochs of the warm-up (>= 1); PyTorch's ``total_iters``.
    start_factor : float in (0, 1], default 1/3
        The first epoch's rate as a fraction of ``lr0`` (PyTorch's default).
    after : str, dict or Schedule, optional
        The schedule after the warm-up: a built-in one by its name, its config
        dict or an object (not another "warmup", nor "onecycle" or a
        "cosine_restarts" with ``per_step``, which set the rate of every step,
        nor a class of your own, which a checkpoint could not rebuild).
        "cosine" needs its ``T_max``, "linear" and "polynomial" their
        ``total_iters`` here (the epochs after the warm-up), unless the warm-up is given to
        :func:`chainrule.train`, a Trainer, an estimator or the CLI's
        ``--schedule`` as a name or config dict, which know the run's length:
        there a "cosine" without ``T_max`` anneals over the epochs after the
        warm-up (``epochs``, or ``max_iter``, minus the warm-up's), as
        ``CosineAnnealingLR(T_max=epochs - warmup)`` after ``LinearLR`` in
        ``SequentialLR`` does.  That ``T_max`` is then part of the schedule's
        settings: a run resumed or continued to more epochs keeps it (past it
        the cosine heads back up, as a "cosine" alone does past its ``T_max``).
        A "linear" or "polynomial" without ``total_iters`` likewise takes the
        epochs after the warm-up: ``{"name": "warmup", "after": {"name":
        "linear", "start_factor": 1, "end_factor": 0}}`` warms up, then
        decays linearly towards 0 over the rest of the run.  By default "constant".
    """

    name = "warmup"

    def __init__(self, epochs: int = 5, start_factor: float = 1 / 3,
                 after: str | dict | Schedule | None = None) -> None:
        # named as the warm-up's: "epochs" alone reads as train's (or the CLI's --epochs)
        self.epochs = check_length(epochs, "Warmup's epochs")
        self.start_factor = check_positive_float(start_factor, "start_factor")
        if self.start_factor > 1:
            raise ValueError(f"start_factor must be in (0, 1], got {self.start_factor}")
        if isinstance(after, Schedule) and SCHEDULES.get(after.name) is not type(after):
            raise TypeError(f"after must be a built-in schedule (a name, a dict or one of "
                            f"{', '.join(SCHEDULES)}), got a {type(after).__name__} object")
        # a warm-up after a warm-up, refused before it is built: a nested config was
        # otherwise built level by level, down to a RecursionError for a deep one
        name = after.get("name") if isinstance(after, dict) else after
        if isinstance(after, Warmup) or (isinstance(name, str) and name == self.name):
            raise ValueError("after must be a schedule other than 'warmup', got a warm-up")
        key = length_from_run(after)
        if key is not None:  # the run's length is not known here
            what = name if isinstance(after, dict) else after
            raise TypeError(
                f"after: a {what!r} after the warm-up needs its {key} (the epochs after the "
                f"warm-up), e.g. {{'name': {what!r}, {key!r}: ...}}; without it give the "
                "warm-up as a name or dict to train, Trainer or an estimator, which take the "
                "run's epochs after the warm-up")
        try:
            schedule = get_schedule(after)
            decay_over_run(schedule, 0)  # refuses a Linear or Polynomial without total_iters
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"after: {exc}") from None
        if schedule.per_step:  # sets the rate of every step: nothing is left to follow
            why = ("its per_step=False sets it once an epoch, after a warm-up too"
                   if schedule.name == "cosine_restarts" else  # else "onecycle"
                   "its pct_start is a warm-up of its own")
            raise ValueError(f"after must be a schedule of epochs, got {schedule.name!r}, "
                             f"which sets the rate of every step ({why})")
        self._after = schedule

    @property
    def after(self) -> Schedule:
        """The schedule that follows the warm-up."""
        return self._after

    @property
    def _value(self) -> Any:
        """``after``'s monitored value (ReduceOnPlateau's), None when it watches nothing."""
        return getattr(self._after, "_value", None)

    def get_config(self) -> dict:
        return {"name": self.name, "epochs": self.epochs, "start_factor": self.start_factor,
                "after": self._after.get_config()}

    def get_state(self) -> dict:
        """``after``'s state (what earlier epochs left); the warm-up itself keeps none.

        Returns
        -------
        dict
        """
        return self._after.get_state()

    def set_state(self, state: dict) -> None:
        self._after.set_state(state)

    def reset(self) -> None:
        self._after.reset()

    def first_lr(self, lr0: float) -> float:
        return lr0 * self.start_factor

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        if epoch < self.epochs:
            return lr0 * (self.start_factor + (1 - self.start_factor) * epoch / self.epochs)
        if epoch == self.epochs:  # after's first epoch: its own first rate (a "linear"'s
            return self._after.first_lr(lr0)  # start_factor * lr0; lr0 for most others)
        return self._after.lr(epoch - self.epochs, lr0, metrics)


def cosine_after_warmup(spec: dict, epochs: int) -> dict:
    """A warm-up's settings with an ``after`` that takes its length from the run's remaining epochs.

    Parameters
    ----------
    spec : dict
        The settings of a "warmup" config (its ``"name"`` taken out).
    epochs : int
        The run's length (``train``'s ``epochs``, an estimator's ``max_iter``).

    Returns
    -------
    dict
        ``spec``, with ``T_max = epochs - spec["epochs"]`` put in an ``after``
        that is "cosine" by its name or a "cosine" dict without ``T_max``
        (``total_iters`` likewise in a "linear" or "polynomial" without it);
        any other ``spec`` as it is.

    Raises
    ------
    TypeError, ValueError
        Naming ``epochs`` when it is no int >= 1, or when the warm-up takes
        all of the run's epochs, so that the schedule after it has none.
    """
    after = spec.get("after")
    key = length_from_run(after)
    if key is None:
        return spec
    if isinstance(after, str):
        after = {"name": after}
    warm = check_positive_int(spec.get("epochs", 5), "Warmup's epochs")
    rest = check_positive_int(epochs, "epochs") - warm
    if rest < 1:
        name, verb = after["name"], "anneals over" if key == "T_max" else "spans"
        raise ValueError(
            f"epochs: a {name!r} after the warm-up {verb} the epochs after it "
            f"({key} = epochs - the warm-up's {warm}), but the run has {epochs} epochs in all "
            f"(train's epochs, an estimator's max_iter); "
            f"give more epochs, or the {name}'s own {key}")
    return {**spec, "after": {**after, key: rest}}
