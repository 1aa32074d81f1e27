"""The two questions :class:`~chainrule.schedules.ReduceOnPlateau` asks each epoch (private).

Which number of the epoch's metrics it watches (:func:`monitored_value`), and
whether that number is an improvement on the best so far
(:func:`improves`, PyTorch's ``ReduceLROnPlateau`` comparisons in both of its
``threshold_mode`` settings).
"""

from __future__ import annotations

import numbers


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
    what = ("is not a metric of this run" if value is None else
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
