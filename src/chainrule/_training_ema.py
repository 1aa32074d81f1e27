"""Weight averaging of a training run: an exponential moving average (EMA) of the
parameters, kept after every optimizer step, and the model a run ends with.

:class:`_Averaging` is a mixin base of :class:`~chainrule.training.Trainer`.  With
``ema=decay`` the Trainer keeps, after each step (the divergence guard passed),

    avg <- decay * avg + (1 - decay) * params

on the flat parameter vector, shape (n_params,), the first step copying the
parameters (PyTorch's ``AveragedModel`` with ``get_ema_multi_avg_fn(decay)``, whose
first update copies them too).  BatchNorm's running statistics are averaged alike
(``AveragedModel``'s ``use_buffers=True``): the averaged
weights come with statistics of the same averaging, not with those the last
steps' weights left, so the model kept needs no pass over the data to recompute
them.  The validation scores, early stopping and a plateau schedule read the
average (the model the user keeps); the training loss stays that of the steps
taken.  A step that the divergence guard rejects (the loss after it not finite) is
taken back out of the average, as the guard puts the parameters before it back.
:func:`read_averaged` reads the average back from a checkpoint.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from ._validation import caller_outside_chainrule, number_text
from .network import Network


def check_ema(value: object, name: str = "ema") -> float | None:
    """``value`` as the EMA's decay, a float in (0, 1), or None; else an error naming ``name``.

    True and False, NaN, 0, 1 and values outside (0, 1) are refused: a decay of 0
    would keep the last step's parameters, one of 1 the first step's.
    """
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be None or the decay of the weights' moving average, "
                        f"a float in (0, 1) such as 0.999, got {value!r} "
                        f"({type(value).__name__})")
    try:
        decay = float(value)
    except OverflowError:  # an int past float's range (10**400): out of (0, 1) too
        decay = math.inf
    if not (math.isfinite(decay) and 0.0 < decay < 1.0):
        raise ValueError(f"{name} must be None or the decay of the weights' moving average, "
                         f"a float in (0, 1) such as 0.999, got {number_text(value)}")
    return decay


def early_weight(decay: float, steps: int) -> float:
    """The share of the average of ``steps`` optimizer steps that comes from their first half.

    The first step copies the parameters and each later one scales the average by
    ``decay``, so after ``n`` steps the steps 1 to ``j`` weigh ``decay**(n - j)`` in
    all (the step ``k > 1`` alone ``(1 - decay) * decay**(n - k)``); the first half,
    ``j = n // 2``, weighs ``decay**ceil(n / 2)``.
    """
    return decay ** math.ceil(steps / 2)


def warn_slow_average(decay: float | None, steps: int) -> None:
    """Warn (UserWarning) when the average that a fit ends with is mostly its early steps.

    The rule: more than half of the average comes from the first half of the
    ``steps`` (:func:`early_weight` ``> 0.5``), the steps taken before the
    parameters had learned much; the average then lags far behind the model the
    steps reached (``MLPClassifier(ema=0.99, max_iter=50)`` on iris, 50 full-batch
    steps: 78 % of the average from the first 25, accuracy 0.67 against 0.98
    without it).  It passes from about ``1.39 / (1 - decay)`` steps on (twice the
    half-life, ``ln 2 / (1 - decay)``): 139 steps for 0.99, 1387 for 0.999.
    """
    if decay is None or steps < 1 or early_weight(decay, steps) <= 0.5:
        return
    half = math.ceil(math.log(0.5) / math.log(decay))  # the least ceil(n/2) that passes
    largest = 0.5 ** (1 / math.ceil(steps / 2))
    warnings.warn(
        f"ema={decay:g}: the moving average of the {steps} optimizer steps of this fit "
        f"still takes {early_weight(decay, steps):.0%} of its weight from their first half, "
        f"the early, barely trained parameters, and the model kept lags behind the one "
        f"trained. Take at least {2 * half - 1} steps (more epochs or smaller batches) or "
        f"a decay of at most {math.floor(largest * 1e4) / 1e4:g}",
        UserWarning, stacklevel=caller_outside_chainrule())


def _copies(layers: list) -> list[dict[str, np.ndarray]]:
    """The layers' running statistics, copied: one dict per layer (empty without any)."""
    return [{k: v.copy() for k, v in layer.buffers().items()} for layer in layers]


def _put(net: Network, params: np.ndarray, buffers: list[dict[str, np.ndarray]]) -> None:
    """Write ``params`` (n_params,) and the running statistics ``buffers`` into ``net``."""
    net.params[...] = params
    for layer, values in zip(net.layers, buffers, strict=False):
        for k, live in layer.buffers().items():
            np.copyto(live, values[k])


class _Averaging:
    """The moving average of a run's parameters: the mixin base of
    :class:`~chainrule.training.Trainer` that keeps it (see the module)."""

    # the decay (None: no average), the average of the parameters, shape (n_params,),
    # and of the running statistics (one dict per layer), and the steps averaged
    ema: float | None = None
    ema_params: np.ndarray | None = None
    ema_buffers: list[dict[str, np.ndarray]]  # set by Trainer.__init__
    ema_count: int = 0
    # one parameter-sized array of work space, which the update computes the new average
    # in and then swaps with ema_params: it holds the average before the last step until
    # the next one (allocated once per Trainer)
    _ema_work: np.ndarray | None = None
    # how to take the last update back while _ema_work holds the average before it: the
    # running statistics' average and the count before it (None: nothing to take back).
    # The divergence guard rejects the last step when the next loss is not finite, and
    # puts the parameters before it back; the average goes back with them
    _ema_undo: tuple[list[dict[str, np.ndarray]], int] | None = None

    def _ema_update(self) -> None:
        """Average the parameters and running statistics the step just left in the network."""
        net, decay = self.net, self.ema
        if self.ema_count == 0 or self.ema_params is None:
            self._ema_undo = ([], 0)  # (no average before the first step)
            self.ema_params = net.params.copy()
            self.ema_buffers = _copies(net.layers)
        else:
            # avg + (1 - decay) * (params - avg), as torch's lerp: the same average, but
            # its coefficients need not sum to 1 in the parameters' dtype.  decay * avg +
            # (1 - decay) * params in float32 scaled the average by (1 + 1.7e-4) at
            # decay=0.9999 (0.9999 and 0.0001 round to a sum 1.7e-8 short of 1), even
            # the average of parameters that never changed
            work = self._work()
            np.subtract(net.params, self.ema_params, out=work)
            work *= 1.0 - decay
            work += self.ema_params
            self._ema_undo = (self.ema_buffers, self.ema_count)
            self.ema_params, self._ema_work = work, self.ema_params
            self.ema_buffers = [
                {k: values[k] + (1.0 - decay) * (live - values[k])
                 for k, live in layer.buffers().items()}
                for layer, values in zip(net.layers, self.ema_buffers, strict=True)]
        self.ema_count += 1

    def _ema_take_back(self) -> None:
        """Take back the last update, whose step the divergence guard rejected (a loss
        found not finite after it): the average is again that of the steps before."""
        undo, self._ema_undo = self._ema_undo, None
        if undo is None:
            return
        self.ema_buffers, self.ema_count = undo
        if self.ema_count == 0:
            self.ema_params = None
        else:
            self.ema_params, self._ema_work = self._ema_work, self.ema_params

    def _work(self) -> np.ndarray:
        net = self.net
        work = self._ema_work
        if work is None or work.shape != net.params.shape or work.dtype != net.params.dtype:
            work = self._ema_work = np.empty_like(net.params)
        return work

    @contextlib.contextmanager
    def _averaged(self) -> Iterator[None]:
        """Within the block the network holds the average (when there is one), then its
        own parameters and running statistics again."""
        if self.ema is None or self.ema_params is None:
            yield
            return
        net = self.net
        live = net.params.copy()  # (the work array keeps the average before the last step)
        live_buffers = _copies(net.layers)
        _put(net, self.ema_params, self.ema_buffers)
        try:
            yield
        finally:
            _put(net, live, live_buffers)

    def _put_average(self) -> None:
        """Put the average (when there is one) into the network for good: the model a
        command writes of a run it stopped (its checkpoint keeps the steps' parameters)."""
        if self.ema is not None and self.ema_params is not None:
            _put(self.net, self.ema_params, self.ema_buffers)

    def _ema_state(self) -> dict[str, Any]:
        """The average as it is now, copied (for an epoch's start, see ``_epoch_start``)."""
        return {"params": None if self.ema_params is None else self.ema_params.copy(),
                "buffers": _copy_list(self.ema_buffers),
                "count": self.ema_count}

    def _put_ema_state(self, state: dict[str, Any]) -> None:
        """Give the run the average ``state`` of :meth:`_ema_state` (copied again)."""
        self.ema_params = None if state["params"] is None else state["params"].copy()
        self.ema_buffers = _copy_list(state["buffers"])
        self.ema_count = state["count"]
        self._ema_undo = None


def _copy_list(buffers: list[dict[str, np.ndarray]]) -> list[dict[str, np.ndarray]]:
    return [{k: v.copy() for k, v in values.items()} for values in buffers]


def averaged_payload(trainer: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Add a run's average to a checkpoint's record: its decay among the settings, its
    count, and its arrays (nothing for a run without one, as before the option)."""
    if trainer.ema is None:
        return
    meta["trainer"]["ema"] = trainer.ema
    meta["ema"] = {"count": trainer.ema_count}
    if trainer.ema_params is not None:
        arrays["ema_params"] = trainer.ema_params.copy()
        for i, values in enumerate(trainer.ema_buffers):
            arrays.update({f"ema_buffer/{i}/{k}": v.copy() for k, v in values.items()})


def read_buffers(net: Network, arrays: dict[str, np.ndarray],
                 prefix: str) -> list[dict[str, np.ndarray]]:
    """The running statistics ``{prefix}/{i}/{name}`` of a checkpoint, checked against the
    network's own (shape, dtype, finite): one dict per layer."""
    found = []
    for i, layer in enumerate(net.layers):
        values = {}
        for k, current in layer.buffers().items():
            value = arrays[f"{prefix}/{i}/{k}"]
            if (value.shape != np.shape(current) or value.dtype != current.dtype
                    or not np.all(np.isfinite(value))):
                raise ValueError(
                    f"{prefix}/{i}/{k}: expected finite values of shape "
                    f"{np.shape(current)} and dtype {current.dtype}, found shape "
                    f"{value.shape} and dtype {value.dtype}")
            values[k] = value
        found.append(values)
    return found


def read_averaged(trainer: Any, meta: dict[str, Any], arrays: dict[str, np.ndarray],
                  count_of: Any) -> None:
    """Give ``trainer`` (made with the checkpoint's ``ema``) the average the checkpoint holds.

    ``count_of(value, name)`` checks a count.  A run with an average needs its count
    and, once it has taken a step, its arrays; a checkpoint of a run without one must
    hold none (a damaged record would resume a different run).
    """
    net = trainer.net
    if trainer.ema is None:
        if "ema" in meta or "ema_params" in arrays:
            raise ValueError("ema: the checkpoint holds a moving average of the weights but "
                             "its trainer record no decay")
        return
    record = meta.get("ema")
    if not isinstance(record, dict) or "count" not in record:
        raise ValueError(f"ema: expected an object with the key 'count', found {record!r:.60}")
    count = count_of(record["count"], "ema.count")
    params = arrays.get("ema_params")
    if (params is None) != (count == 0):
        raise ValueError(f"ema_params: expected {'none' if count == 0 else 'the averaged'} "
                         f"parameters for ema.count {count}, found "
                         f"{'none' if params is None else 'an array'}")
    trainer.ema_count = count
    if params is None:
        return
    if params.dtype != net.dtype:
        raise ValueError(f"ema_params: expected dtype {net.dtype}, found {params.dtype}")
    trainer.ema_params = net._check_theta(params, "ema_params").copy()
    trainer.ema_buffers = read_buffers(net, arrays, "ema_buffer")
