"""Learning-rate schedules, applied at the end of each epoch or at every step.

``schedule.lr(epoch, lr0, metrics)`` gives the learning rate for the next
epoch (epochs counted from 1).  Stateless schedules depend on the epoch only;
:class:`ReduceOnPlateau` keeps a little state, which checkpoints save.  A
schedule with ``per_step = True`` (:class:`OneCycle`, ``CosineRestarts(per_step=True)``)
sets the rate of every optimizer step instead, ``schedule.step_lr(step, lr0,
steps_per_epoch)`` from the run's step count.
"""

from __future__ import annotations

import inspect

from ._names import did_you_mean
from ._validation import check_positive_int, shown_value

__all__ = [
    "SCHEDULES", "Constant", "Cosine", "CosineRestarts", "Exponential", "InverseScaling",
    "InverseTimeDecay", "Linear", "MultiStep", "OneCycle", "Polynomial", "ReduceOnPlateau",
    "Schedule", "StepDecay", "Warmup", "get_schedule",
]


class Schedule:
    """Base: constant learning rate."""

    name = "constant"
    # True: the training loop sets the rate before every optimizer step from step_lr, and
    # never calls lr (first_lr neither); check_run is called as each fit begins
    per_step = False

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        """Learning rate after ``epoch`` epochs, given the initial ``lr0``.

        Parameters
        ----------
        epoch : int
            Epochs trained so far (0 before the first).
        lr0 : float
            The initial learning rate.
        metrics : dict of str to float
            The last epoch's metrics (``"loss"``, ``"val_loss"``, ...), which
            :class:`ReduceOnPlateau` watches; the other schedules ignore them.

        Returns
        -------
        float
        """
        return lr0

    def get_config(self) -> dict:
        """Name and settings, JSON-serialisable; :func:`get_schedule` reads it back.

        Returns
        -------
        dict
            ``{"name": ..., **settings}``.
        """
        return {"name": self.name, **{k: v for k, v in vars(self).items() if not k.startswith("_")}}

    def get_state(self) -> dict:
        """What earlier epochs left (the private attributes; empty when stateless).

        Returns
        -------
        dict
        """
        return {k: v for k, v in vars(self).items() if k.startswith("_")}

    def __repr__(self) -> str:
        """``StepDecay(step_size=10, gamma=0.5)``: the class and its settings (:meth:`get_config`).

        Shown in an estimator's repr and in messages, instead of the object's address.
        """
        settings = {k: v for k, v in self.get_config().items() if k != "name"}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in settings.items())})"

    def set_state(self, state: dict) -> None:
        """Restore what :meth:`get_state` returned (for resuming a run).

        Parameters
        ----------
        state : dict
        """
        vars(self).update(state)

    def reset(self) -> None:
        """Forget what earlier epochs left: a new run starts here (no-op when stateless)."""

    def first_lr(self, lr0: float) -> float:
        """The first epoch's rate, given the initial ``lr0`` (a :class:`Warmup` starts lower).

        Parameters
        ----------
        lr0 : float

        Returns
        -------
        float
            ``lr0``.
        """
        return lr0

    def step_lr(self, step: int, lr0: float, steps_per_epoch: int) -> float:
        """A per-step schedule's rate for the step after ``step`` steps of the run (from 0).

        Parameters
        ----------
        step : int
        lr0 : float
        steps_per_epoch : int
            The run's mini-batches per epoch.

        Returns
        -------
        float
            ``lr0`` (an epoch schedule is never asked).
        """
        return lr0

    def check_run(self, steps_per_epoch: int, epochs: int) -> None:
        """Refuse a run a per-step schedule cannot follow (no-op; called as each fit begins).

        Parameters
        ----------
        steps_per_epoch : int
            The run's mini-batches per epoch.
        epochs : int
            The run's epochs in all (those trained already included).
        """


class Constant(Schedule):
    """``lr = lr0``."""


def get_schedule(spec: str | Schedule | dict | None, epochs: int | None = None) -> Schedule:
    """A schedule from a name, a config dict (``{"name": ..., **settings}``) or an object.

    Parameters
    ----------
    spec : str, dict, Schedule or None
        A name of :data:`SCHEDULES`, a config as :meth:`Schedule.get_config`
        returns it, or a Schedule (returned as it is); ``None`` is
        :class:`Constant`.
    epochs : int, optional
        The run's length: "cosine" given without ``T_max`` (by its name, or a
        dict leaving it out) anneals over it, ``T_max = epochs``, as PyTorch's
        ``CosineAnnealingLR(T_max=epochs)`` does; a "cosine" that is the
        ``after`` of a "warmup" config anneals over the epochs after the
        warm-up, ``T_max = epochs - warmup epochs``; "linear" and "polynomial"
        without ``total_iters`` take it so (less a warm-up's); "onecycle"
        without ``total_steps`` (nor ``epochs``) takes it as its ``epochs``,
        spanning the run's steps.  :func:`chainrule.train` passes its
        ``epochs``, the estimators their ``max_iter``.  Taken so it must be an
        int >= 1 (a TypeError or ValueError naming ``epochs`` says so; a
        ValueError too when the warm-up leaves no epoch after it).

    Returns
    -------
    Schedule

    Raises
    ------
    TypeError
        If ``spec`` is of another type, or the config names a setting the
        schedule does not take, or leaves out one it needs (``T_max`` of
        "cosine", also as a warm-up's ``after``, when no ``epochs`` is given).
    ValueError
        If the name is unknown or a setting out of its range.
    """
    if spec is None:
        return Constant()
    if isinstance(spec, Schedule):  # one without its length is refused for a run
        return (onecycle_over_run if isinstance(spec, OneCycle) else decay_over_run)(spec, epochs)
    if isinstance(spec, dict):
        spec = dict(spec)
        name = spec.pop("name", None)
    elif isinstance(spec, str):
        name, spec = spec, {}
    else:
        raise TypeError(f"schedule must be a name, a dict or a Schedule, got {type(spec).__name__}")
    cls = SCHEDULES.get(name) if isinstance(name, str) else None  # a list is not hashable
    if cls is None:
        raise ValueError(f"unknown schedule {shown_value(name)}{did_you_mean(name, SCHEDULES)}; "
                         "valid names are: "
                         f"{', '.join(SCHEDULES)}")
    named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    params = {} if cls.__init__ is object.__init__ else {
        k: p for k, p in inspect.signature(cls.__init__).parameters.items()
        if k != "self" and p.kind in named}
    settings = list(params)
    unknown = [k for k in spec if k not in settings]
    if unknown:
        raise TypeError(
            f"schedule {name!r} has no setting {', '.join(map(repr, unknown))}; its settings "
            f"are: {', '.join(settings) or 'none'}"
        )
    required = [k for k, p in params.items() if p.default is inspect.Parameter.empty]
    if cls is Cosine and "T_max" not in spec and epochs is not None:
        # checked as itself: a bad epochs is not a T_max the user gave
        spec["T_max"] = check_positive_int(epochs, "epochs")
    if cls in (OneCycle, Linear, Polynomial):  # without its length: over the run's (steps)
        spec = (onecycle_over_run if cls is OneCycle else decay_over_run)(spec, epochs)
    if cls is Warmup and epochs is not None:  # a "cosine" after it: over the epochs after it
        spec = cosine_after_warmup(spec, epochs)
    missing = [k for k in required if k not in spec]
    if missing:  # "cosine" by its name alone: Python's "missing 1 required argument"
        raise TypeError(
            f"schedule {name!r} needs the setting {', '.join(map(repr, missing))} (give it "
            f"as a dict, e.g. {{'name': {name!r}, {missing[0]!r}: ...}}, or as an object)"
        )
    return cls(**spec)


# the epoch schedules of a closed form, in a module of its own (they subclass Schedule)
from ._schedules_epoch import (  # noqa: E402
    Cosine,
    Exponential,
    InverseScaling,
    InverseTimeDecay,
    MultiStep,
    StepDecay,
)
from ._schedules_epoch import _scaled as _scaled  # noqa: E402

SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls
    for cls in (Constant, StepDecay, MultiStep, Exponential, InverseScaling, Cosine)
}

# in modules of their own, which subclass Schedule (and build others with get_schedule):
# imported once those are defined
from ._schedules_decay import CosineRestarts, Linear, Polynomial, decay_over_run  # noqa: E402
from ._schedules_decay import _anneals_over_run as _anneals_over_run  # noqa: E402
from ._schedules_decay import length_from_run as length_from_run  # noqa: E402
from ._schedules_onecycle import OneCycle, onecycle_over_run  # noqa: E402
from ._schedules_plateau import ReduceOnPlateau  # noqa: E402
from ._schedules_warmup import Warmup, cosine_after_warmup  # noqa: E402

SCHEDULES.update({cls.name: cls for cls in (ReduceOnPlateau, Warmup, OneCycle, CosineRestarts,
                                            Linear, Polynomial, InverseTimeDecay)})
