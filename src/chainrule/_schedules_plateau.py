"""The schedule that lowers the rate on a plateau of a metric (private).

:class:`ReduceOnPlateau` is a built-in schedule (:data:`chainrule.schedules.SCHEDULES`
names it "plateau"); import it from :mod:`chainrule.schedules`.  Here too are the two
questions it asks each epoch: which number of the epoch's metrics it watches
(:func:`monitored_value`), and whether that number is an improvement on the best so
far (:func:`improves`, PyTorch's ``ReduceLROnPlateau`` comparisons in both of its
``threshold_mode`` settings).
"""

from __future__ import annotations

import math
import numbers

from ._names import did_you_mean
from ._validation import check_nonneg_float, check_positive_float, check_positive_int
from .schedules import Schedule


def monitored_value(owner: str, monitor: str, metrics: dict[str, float]) -> float:
    """The value of ``monitor`` in ``metrics``, or of its training counterpart.

    Parameters
    ----------
    owner : str
        The schedule's class name, for the message.
    monitor : str
        The metric's name ("val_loss", "accuracy", ...).  A validation metric
        ("val_...") falls back to its training counterpart when the run has
        no validation data.
    metrics : dict of str to float
        The epoch's metrics (the per-layer diagnostics are lists).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If neither is a metric of the run, or it is a per-layer list
        ("grad_norms", "saturation"), which has no single value to watch.
    """
    name = monitor
    if name not in metrics and name.startswith("val_") and name[4:] in metrics:
        name = name[4:]  # no validation data: the training metric
    value = metrics.get(name)
    # a number of any kind (NumPy's float32 and int64 scalars too), as opposed to the
    # per-layer lists
    if isinstance(value, numbers.Real):
        return float(value)
    names = ", ".join(k for k, v in metrics.items() if isinstance(v, numbers.Real))
    what = (f"is not a metric of this run{did_you_mean(monitor, names.split(', '))}"
            if value is None else
            ("" if name == monitor else f"falls back to {name!r}, which ")
            + "is a list of one value per layer, not one number per epoch")
    raise ValueError(f"{owner} monitor {monitor!r} {what}; the metrics are: {names}")


def improves(value: float, best: float, mode: str, threshold_mode: str,
             threshold: float) -> bool:
    """Whether ``value`` beats ``best`` by more than ``threshold``, as PyTorch decides it.

    In "min" mode an improvement is a value below ``best - threshold``
    ("abs") or below ``best * (1 - threshold)`` ("rel"); in "max" mode a
    value above ``best + threshold`` or ``best * (1 + threshold)``.  A value
    equal to the bound is not one, nor is NaN (every comparison with it is
    False).  An infinite ``best`` (no value yet) makes every finite value one.

    Parameters
    ----------
    value, best : float
    mode : {"min", "max"}
    threshold_mode : {"abs", "rel"}
    threshold : float

    Returns
    -------
    bool
    """
    sign = 1.0 if mode == "max" else -1.0  # the better direction
    bound = best * (1.0 + sign * threshold) if threshold_mode == "rel" else best + sign * threshold
    return value > bound if mode == "max" else value < bound


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when ``monitor`` has stopped improving.

    The rule of PyTorch's ``ReduceLROnPlateau``: the first epoch's value is
    the best so far; an epoch that does not improve on the best by more than
    ``min_delta`` (PyTorch's ``threshold``) counts as a bad one, and at the
    ``patience + 1``-th bad epoch in a row the rate is multiplied by
    ``factor`` and the count starts again.  With ``patience=2`` and a loss
    that no longer falls, the rate is reduced after the 3rd epoch without
    improvement (one epoch later than Keras's ``ReduceLROnPlateau``, which
    reduces at the ``patience``-th; and early stopping's ``patience``, as
    Keras's, stops at the ``patience``-th).  After a reduction, the next
    ``cooldown`` epochs count no bad epochs (their values still set a new
    best).  A NaN value is never an improvement: it counts as a bad epoch.

    The defaults, ``threshold_mode="abs"``, ``cooldown=0`` and ``eps=0``,
    are this schedule's rule before it had those settings.  PyTorch's
    defaults are ``threshold_mode="rel"`` and ``eps=1e-8``:
    ``ReduceOnPlateau(factor=0.1, patience=10, min_lr=0, min_delta=1e-4,
    threshold_mode="rel", eps=1e-8)`` is ``ReduceLROnPlateau(optimizer)``
    with all its defaults (without ``eps`` its rate goes on falling below
    1e-8, where PyTorch's stops).

    Parameters
    ----------
    factor : float in (0, 1), default 0.5
    patience : int, default 5
        Bad epochs in a row that are tolerated (>= 0): the next bad one reduces
        the rate.
    min_lr : float, default 1e-6
        No reduction goes below it; a ``min_lr`` above the initial rate
        leaves the rate at the initial one.
    monitor : str, default "val_loss"
        The epoch's metric to watch ("loss", "val_loss", "accuracy",
        "val_accuracy", ...).  A validation metric ("val_...") falls back to
        its training counterpart ("loss", "accuracy") when there is no
        validation data; a name that is in neither, or a per-layer
        diagnostic ("grad_norms", "saturation": no single number), is
        refused before the first epoch (a ValueError listing the metrics
        there are).
    min_delta : float, default 1e-4
        Smallest change in the better direction that counts as an
        improvement (>= 0): an amount of the metric's own unit with
        ``threshold_mode="abs"``, a fraction of the best value with "rel".
    mode : {"min", "max"}, optional
        Whether a lower ("min") or a higher ("max") value is better.  By
        default "max" for a monitor whose name ends in "accuracy", else "min".
    threshold_mode : {"abs", "rel"}, default "abs"
        How ``min_delta`` is applied, as PyTorch's ``threshold_mode``: an
        improvement is a value below ``best - min_delta`` ("abs") or below
        ``best * (1 - min_delta)`` ("rel") in "min" mode, above
        ``best + min_delta`` or ``best * (1 + min_delta)`` in "max" mode.
        "rel" is meant for a metric that stays positive (a loss, an
        accuracy): for a negative best, ``best * (1 - min_delta)`` lies above
        it in "min" mode, so a slightly worse value counts as an improvement
        (as in PyTorch, whose rule this is).
    cooldown : int, default 0
        Epochs after a reduction during which bad epochs are not counted
        (>= 0), as PyTorch's ``cooldown``.
    eps : float, default 0.0
        Smallest change of the rate a reduction makes (>= 0), as PyTorch's
        ``eps`` (whose default is 1e-8): a reduction that would lower the
        rate by ``eps`` or less is not made (the count of bad epochs starts
        again and the cooldown runs, as after one that is).  0: every
        reduction is made, down to ``min_lr``.
    """

    name = "plateau"

    def __init__(
        self, factor: float = 0.5, patience: int = 5, min_lr: float = 1e-6,
        monitor: str = "val_loss", min_delta: float = 1e-4, mode: str | None = None,
        threshold_mode: str = "abs", cooldown: int = 0, eps: float = 0.0,
    ) -> None:
        self.factor = check_positive_float(factor, "factor")
        if self.factor >= 1:
            raise ValueError(f"factor must be in (0, 1), got {self.factor}")
        self.patience = check_positive_int(patience, "patience", minimum=0)
        self.min_lr = check_nonneg_float(min_lr, "min_lr")
        if not isinstance(monitor, str) or not monitor:
            raise TypeError(f"monitor must be a metric name (a non-empty str), got {monitor!r}")
        self.monitor = monitor
        self.min_delta = check_nonneg_float(min_delta, "min_delta")
        if mode is None:
            mode = "max" if monitor.endswith("accuracy") else "min"
        if not isinstance(mode, str) or mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max' (or None to infer it), got {mode!r}")
        self.mode = mode
        if not isinstance(threshold_mode, str) or threshold_mode not in ("abs", "rel"):
            raise ValueError(f"threshold_mode must be 'abs' or 'rel', got {threshold_mode!r}")
        self.threshold_mode = threshold_mode
        self.cooldown = check_positive_int(cooldown, "cooldown", minimum=0)
        self.eps = check_nonneg_float(eps, "eps")
        self.reset()

    def reset(self) -> None:
        """No best value yet, no epochs waited, the rate not reduced: each run starts so."""
        self._best = math.inf if self.mode == "min" else -math.inf
        self._wait = 0
        self._scale = 1.0
        self._cooldown_left = 0  # epochs of the cooldown still to come

    def _value(self, metrics: dict[str, float]) -> float:
        """The monitored value (a ValueError if the run has no such single number)."""
        return monitored_value("ReduceOnPlateau", self.monitor, metrics)

    def lr(self, epoch: int, lr0: float, metrics: dict[str, float]) -> float:
        value = self._value(metrics)
        if improves(value, self._best, self.mode, self.threshold_mode, self.min_delta):
            self._best, self._wait = value, 0
        else:
            self._wait += 1
        if self._cooldown_left > 0:  # bad epochs in the cooldown are not counted
            self._cooldown_left -= 1
            self._wait = 0
        if self._wait > self.patience:
            # a reduction by eps or less is not made (PyTorch's eps); with eps 0 the scale
            # goes on falling below min_lr, where the rate stays
            if self.eps == 0 or (self._rate(lr0, self._scale)
                                 - self._rate(lr0, self._scale * self.factor) > self.eps):
                self._scale *= self.factor
            self._wait = 0
            self._cooldown_left = self.cooldown
        return self._rate(lr0, self._scale)

    def _rate(self, lr0: float, scale: float) -> float:
        """``lr0 * scale``, never below min_lr through a reduction, and never above lr0 (a
        min_lr above the initial rate does not raise it: nothing is reduced there, as in
        PyTorch and Keras)."""
        return min(lr0, max(lr0 * scale, self.min_lr))
