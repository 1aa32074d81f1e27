"""Where a schedule that spans a run ends, and what the rate does past it (private).

A "cosine" ends its annealing after ``T_max`` epochs, a "linear" decay and a
"polynomial" after ``total_iters`` (alone, or after a warm-up's epochs); a run
continued past that end (``trainer.epochs`` raised, a checkpoint resumed to
more epochs, ``partial_fit`` called past ``max_iter``) trains at rates the
run did not plan: the cosine heads back up, a linear decay stays at its end
rate, a polynomial at 0.  :func:`span` finds that end and :func:`past_end`
says what follows, for the warnings of the Trainer, of
:func:`~chainrule.checkpoints.trainer_from_checkpoint` and of the estimators.
"""

from __future__ import annotations

from typing import NamedTuple

from .schedules import Cosine, Linear, Polynomial, Schedule, Warmup


class Span(NamedTuple):
    """A schedule that ends its change after ``length`` epochs of its own."""

    schedule: Schedule
    """The cosine, linear decay or polynomial (a warm-up's ``after``)."""
    warm: int
    """The warm-up's epochs before it (0 without one)."""
    key: str
    """Its setting of that length: ``"T_max"`` or ``"total_iters"``."""
    length: int
    """That setting's value."""

    @property
    def end(self) -> int:
        """The run's epochs at the end of the change (the warm-up's included)."""
        return self.warm + self.length

    @property
    def verb(self) -> str:
        """``"anneal"`` for the cosine, ``"decay"`` for the others."""
        return "anneal" if self.key == "T_max" else "decay"

    @property
    def noun(self) -> str:
        """``"annealing"`` for the cosine, ``"decay"`` for the others."""
        return "annealing" if self.key == "T_max" else "decay"

    def where(self) -> str:
        """``"the cosine schedule's T_max = 4 (after the warm-up's 2 epochs)"``."""
        after = f" (after the warm-up's {self.warm} epochs)" if self.warm else ""
        return f"the {self.schedule.name} schedule's {self.key} = {self.length}{after}"


def span(schedule: Schedule) -> Span | None:
    """The end of ``schedule``'s change, where it has one a continued run passes.

    Parameters
    ----------
    schedule : Schedule
        A run's schedule.

    Returns
    -------
    Span or None
        For a :class:`Cosine`, a :class:`Polynomial` (of a ``power`` above 0)
        or a :class:`Linear` that decays (``end_factor`` below
        ``start_factor``; one that rises, a warm-up, stays at its top rate as
        meant), alone or after a :class:`Warmup`; else None.
    """
    warm = 0
    if isinstance(schedule, Warmup):
        schedule, warm = schedule.after, schedule.epochs
    if isinstance(schedule, Cosine):
        return Span(schedule, warm, "T_max", schedule.T_max)
    if (isinstance(schedule, Polynomial) and schedule.power > 0) or (
            isinstance(schedule, Linear) and schedule.end_factor < schedule.start_factor):
        if schedule.total_iters is not None:
            return Span(schedule, warm, "total_iters", schedule.total_iters)
    return None


def past_end(found: Span, first: str, initial: str) -> str:
    """What the rate does past the end of ``found``'s change.

    Parameters
    ----------
    found : Span
    first : str
        The first epoch past it, as the message names it (``"epoch 5"``,
        ``"this epoch"``).
    initial : str
        The run's initial rate, as the message names it (``"its initial value"``,
        ``"learning_rate_init"``).

    Returns
    -------
    str
        A clause, e.g. ``"epoch 5 runs at eta_min and from there ..."``.
    """
    schedule = found.schedule
    if isinstance(schedule, Cosine):
        return (f"{first} runs at eta_min and from there the learning rate heads back "
                f"towards {initial} (the cosine goes on, as PyTorch's CosineAnnealingLR does)")
    if isinstance(schedule, Polynomial):
        return (f"{first} and every one after it run at a learning rate of 0 and train "
                "nothing (the rate stays at 0, as in PyTorch's PolynomialLR)")
    return (f"{first} and every one after it run at end_factor = {schedule.end_factor} "
            f"times {initial} (the rate stays there, as in PyTorch's LinearLR)")
