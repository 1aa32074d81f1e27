"""Learning-rate schedules, applied at the end of each epoch or at every step.

``schedule.lr(epoch, lr0, metrics)`` gives the learning rate for the next
epoch (epochs counted from 1).  Stateless schedules depend on the epoch only;
:class:`ReduceOnPlateau` keeps a little state, which checkpoints save.  A
schedule with ``per_step = True`` (:class:`OneCycle`, ``CosineRestarts(per_step=True)``)
sets the rate of every optimizer step instead, ``schedule.step_lr(step, lr0,
steps_per_epoch)`` from the run's step count.
"""

from __future__ import annotations

import bisect
import inspect
import math
from collections.abc import Sequence

from ._validation import check_length, check_nonneg_float, check_positive_float, check_positive_int

__all__ = [
    "SCHEDULES", "Constant", "Cosine", "CosineRestarts", "Exponential", "InverseScaling",
    "Linear", "MultiStep", "OneCycle", "Polynomial", "ReduceOnPlateau", "Schedule",
    "StepDecay", "Warmup", "get_schedule",
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


SCHEDULES: dict[str, type[Schedule]] = {
    cls.name: cls
    for cls in (Constant, StepDecay, MultiStep, Exponential, InverseScaling, Cosine)
}


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
        raise ValueError(f"unknown schedule {name!r}; valid names are: {', '.join(SCHEDULES)}")
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


# in modules of their own, which subclass Schedule (and build others with get_schedule):
# imported once those are defined
from ._schedules_decay import CosineRestarts, Linear, Polynomial, decay_over_run  # noqa: E402
from ._schedules_decay import _anneals_over_run as _anneals_over_run  # noqa: E402
from ._schedules_decay import length_from_run as length_from_run  # noqa: E402
from ._schedules_onecycle import OneCycle, onecycle_over_run  # noqa: E402
from ._schedules_plateau import ReduceOnPlateau  # noqa: E402
from ._schedules_warmup import Warmup, cosine_after_warmup  # noqa: E402

SCHEDULES.update({cls.name: cls for cls in (ReduceOnPlateau, Warmup, OneCycle, CosineRestarts,
                                            Linear, Polynomial)})
