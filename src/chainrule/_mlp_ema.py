"""The estimators' weight averaging (``ema``): the moving average a mini-batch fit keeps,
the model it ends with, and what ``partial_fit`` and a warm start go on from.

A fit with ``ema`` ends with the average in ``network_`` (with ``early_stopping``,
the average of the best validation score, which the estimator's rule scores); the
parameters the steps reached, with the average and its count, stay with the
estimator as ``_ema_run``, so that the next ``partial_fit`` call (or warm-start fit)
takes its steps from where the last ones ended and goes on with the same average, as
one longer run does.  :meth:`save` writes that state in the file's ``"training"``
record (:func:`ema_record`), and :func:`chainrule.load_estimator` reads it back
(:func:`restore_ema`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._training_ema import _copies, _copy_list, _put, read_buffers
from .network import Network

__all__ = ["ema_begin", "ema_end", "ema_record", "restore_ema"]


def ema_begin(est: Any, trainer: Any) -> None:
    """Give a new fit's ``trainer`` the average of the estimator's last mini-batch fit.

    The network goes back to the parameters the last steps reached when it still holds
    the average that fit ended with (else it keeps what it holds: early stopping's
    best, or parameters set since), and the average goes on from where it was.
    """
    run = est.__dict__.pop("_ema_run", None)
    trainer._average_at_end = False  # put in by ema_end, after the estimator's own rules
    if est.ema is None or run is None:
        return
    live, live_buffers, averaged, averaged_buffers, count = run
    net = est.network_
    if np.array_equal(net.params, averaged) and all(
            np.array_equal(v, values[k]) for layer, values in
            zip(net.layers, averaged_buffers, strict=True) for k, v in layer.buffers().items()):
        _put(net, live, live_buffers)
    trainer.ema_params = averaged.copy()
    trainer.ema_buffers = _copy_list(averaged_buffers)
    trainer.ema_count = count


def ema_end(est: Any, trainer: Any, best_restored: bool, diverged: bool = False) -> None:
    """After a mini-batch fit with ``ema``: keep what the next fit goes on from, and put
    the average in the network unless early stopping put its best (averaged) one.

    A fit that ``diverged`` leaves the steps' parameters the guard kept in the network,
    as the Trainer's does, and the average of those steps for the next call to go on with.
    """
    if est.ema is None or trainer.ema_params is None:
        return
    net = est.network_
    est._ema_run = (net.params.copy(), _copies(net.layers), trainer.ema_params.copy(),
                    _copy_list(trainer.ema_buffers), trainer.ema_count)
    if not (best_restored or diverged):
        _put(net, trainer.ema_params, trainer.ema_buffers)


def ema_record(est: Any, record: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Add ``_ema_run`` to an estimator file's training record and arrays (nothing
    without one, as files of before ``ema``)."""
    run = getattr(est, "_ema_run", None)
    if run is None:
        return
    live, live_buffers, averaged, averaged_buffers, count = run
    record["ema_count"] = int(count)
    arrays["ema/live_params"] = live.copy()
    arrays["ema/params"] = averaged.copy()
    for prefix, buffers in (("ema/live_buffer", live_buffers), ("ema/buffer", averaged_buffers)):
        for i, values in enumerate(buffers):
            arrays.update({f"{prefix}/{i}/{k}": v.copy() for k, v in values.items()})


def restore_ema(record: dict[str, Any], arrays: dict[str, np.ndarray], net: Network,
                count_of: Any) -> tuple | None:
    """``_ema_run`` from an estimator file's training record, checked; None without one."""
    if "ema_count" not in record:
        if any(k.startswith("ema/") for k in arrays):
            raise ValueError("ema/...: averaged arrays without a training.ema_count")
        return None
    count = count_of(record["ema_count"], "training.ema_count")
    found = []
    for name in ("ema/live_params", "ema/params"):
        value = arrays.get(name)
        if value is None:
            raise ValueError(f"{name}: missing, though training.ema_count is {count}")
        if value.dtype != net.dtype:
            raise ValueError(f"{name}: expected dtype {net.dtype}, found {value.dtype}")
        found.append(net._check_theta(value, name).copy())
    return (found[0], read_buffers(net, arrays, "ema/live_buffer"), found[1],
            read_buffers(net, arrays, "ema/buffer"), count)
