"""What a training run reports: the history of metrics, and the hooks callbacks get."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# imported for the annotations of TrainState (typing.get_type_hints resolves them at run time)
from ._names import did_you_mean
from ._validation import number_text
from .network import Network
from .optimizers import Optimizer

__all__ = ["Callback", "History", "TrainState", "check_callbacks"]


class History(dict):
    """Metrics per epoch: ``history["loss"]``, ``history["val_loss"]``, ...

    A dict of lists with attribute access (``history.loss``).  Besides the
    metrics it records why training stopped (``stop_reason``: "epochs",
    "early_stopping", "loss_threshold", "grad_norm_threshold", "callback",
    "interrupted", "max_time", "diverged" in the history of a
    TrainingDiverged, or "error" when an exception raised in the run (a
    callback's) ended it; a KeyboardInterrupt that propagates says
    "interrupted") and, with early stopping, ``best_epoch``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.stop_reason: str | None = None
        self.best_epoch: int | None = None

    def __getattr__(self, key: str) -> list:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def epochs(self) -> int:
        """Number of completed epochs."""
        return len(self.get("loss", []))

    @property
    def interrupted(self) -> bool:
        """True when the run was stopped by Ctrl-C (``stop_reason == "interrupted"``)."""
        return self.stop_reason == "interrupted"

    def append(self, **metrics: Any) -> None:
        """Add one epoch's values (floats, or lists of floats for per-layer diagnostics).

        Parameters
        ----------
        **metrics : float or list of float
            One value per metric name (``loss=0.25, lr=0.1``, ...).

        Raises
        ------
        TypeError, ValueError
            If a value is not a number (or a list of numbers), naming its metric; no
            metric is then appended, so the lists keep one value per epoch.
        """
        if all(type(value) is float for value in metrics.values()):  # the training loop's
            for key, value in metrics.items():  # (float(value) is value: nothing to check)
                self.setdefault(key, []).append(value)
            return
        converted = {}
        for key, value in metrics.items():  # all first: one bad value appends none
            try:
                converted[key] = ([float(v) for v in value] if isinstance(value, (list, tuple))
                                  else float(value))
            except (TypeError, ValueError, OverflowError) as exc:  # Overflow: 10**400
                kind = TypeError if isinstance(exc, TypeError) else ValueError
                raise kind(f"{key}: expected a float, or a list of floats for a "
                           f"per-layer metric, got {number_text(value):.80} ({exc})") from None
        for key, value in converted.items():
            self.setdefault(key, []).append(value)

    def to_json(self) -> dict:
        """The history as JSON-ready data: metrics per epoch, stop reason and best epoch.

        Returns
        -------
        dict
            ``{"metrics": ..., "stop_reason": ..., "best_epoch": ...}``.
        """
        return {"metrics": dict(self), "stop_reason": self.stop_reason,
                "best_epoch": self.best_epoch}

    @classmethod
    def from_json(cls, data: dict) -> History:
        """The history :meth:`to_json` wrote.

        Parameters
        ----------
        data : dict
            As :meth:`to_json` returns it: ``{"metrics": {name: list of values},
            "stop_reason": ..., "best_epoch": ...}`` (the last two may be left out:
            None).

        Returns
        -------
        History

        Raises
        ------
        TypeError
            If ``data`` is not a dict, or its "metrics" not a dict of lists.
        ValueError
            If ``data`` has no "metrics".
        """
        form = "{'metrics': {name: [one value per epoch]}, 'stop_reason': ..., 'best_epoch': ...}"
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a dict as History.to_json returns it ({form}), got "
                            f"{type(data).__name__}")
        if "metrics" not in data:
            keys = ", ".join(map(repr, data))
            raise ValueError(f"data has no 'metrics'; expected a dict as History.to_json returns "
                             f"it ({form}), got {f'one with the keys {keys}' if keys else '{}'}")
        metrics = data["metrics"]
        if not isinstance(metrics, Mapping):
            raise TypeError(f"data['metrics'] must be a dict of metric name -> list of values, "
                            f"got {type(metrics).__name__}")
        for name, values in metrics.items():
            if not isinstance(values, list):
                raise TypeError(f"data['metrics'][{name!r}] must be a list of one value per "
                                f"epoch, got {type(values).__name__}")
        h = cls(metrics)
        h.stop_reason, h.best_epoch = data.get("stop_reason"), data.get("best_epoch")
        return h


@dataclass
class TrainState:
    """What callbacks see.  Set ``stop = True`` to end training after this batch/epoch.

    Setting ``optimizer.lr`` changes the rate of the steps that follow, for the
    rest of the run; an epoch schedule (other than the constant one) sets the
    rate again at the end of each epoch, from the run's initial rate.  It does
    so before ``on_epoch_end``: there ``optimizer.lr`` is already the next
    epoch's rate (which a callback may still replace, for that epoch), and
    ``logs["lr"]`` the rate the epoch trained at.  A per-step schedule
    (``per_step = True``: :class:`~chainrule.schedules.OneCycle`,
    ``CosineRestarts(per_step=True)``, or a class of your own) sets the
    rate before every step, so a rate a callback sets is replaced at the next
    step, and at ``on_epoch_end`` ``optimizer.lr`` is the epoch's last step's
    rate, ``logs["lr"]``.  The optimizer's state vectors
    (``optimizer.state["velocity"]``, Adam's ``"m"`` and ``"v"``) are other
    arrays after each step: look them up at each call and copy what you keep
    (see :class:`~chainrule.optimizers.Optimizer`).

    Attributes
    ----------
    net : Network
    optimizer : Optimizer
    epoch : int
        Current epoch, from 1.
    batch : int
        Index of the last batch within the epoch, from 0.
    history : History
    logs : dict
        Latest values: "batch_loss" after a batch; the epoch's metrics after an epoch.
    stop : bool
    """

    net: Network
    optimizer: Optimizer
    history: History
    epoch: int = 0
    batch: int = 0
    logs: dict[str, Any] = field(default_factory=dict)
    stop: bool = False


class Callback:
    """Base class for callbacks: override the hooks you need.

    A plain callable given in ``callbacks`` is called as ``on_epoch_end(state)``.  Each
    hook takes one argument, the :class:`TrainState`; a run refuses, before its first
    step, a callback whose hook cannot take it (Keras' ``on_epoch_end(self, epoch,
    logs)``: those are ``state.epoch`` and ``state.logs``) or whose class defines an
    ``on_...`` method that is no hook here (``on_epoch_begin``, ``on_batch_begin``, a
    misspelt ``on_epoch_ends``), which would never be called.
    """

    def on_train_begin(self, state: TrainState) -> None:
        """Before the first epoch (of this call: also on resume).

        Parameters
        ----------
        state : TrainState
            The run as it stands (network, optimizer, history, epoch, batch,
            logs); set ``state.stop = True`` to end the run.
        """

    def on_batch_end(self, state: TrainState) -> None:
        """After each parameter update.

        Parameters
        ----------
        state : TrainState
            The run as it stands (network, optimizer, history, epoch, batch,
            logs); set ``state.stop = True`` to end the run.
        """

    def on_epoch_end(self, state: TrainState) -> None:
        """After each epoch's metrics are recorded.

        The layers then hold the arrays of the epoch's last training batch
        (its ``X``, ``Z``, ``A`` and deltas), which the diagnostics read; the
        validation pass keeps none of its own.  Arrays kept from one batch to
        the next may be buffers the next batch overwrites: copy what you keep.

        Parameters
        ----------
        state : TrainState
            The run as it stands (network, optimizer, history, epoch, batch,
            logs); set ``state.stop = True`` to end the run.
        """

    def on_train_end(self, state: TrainState) -> None:
        """When training stops, for whatever reason (also after an error).

        The network is then the one the call leaves: with ``restore_best``, a
        finished run's best epoch's parameters are already back (as Keras's
        ``EarlyStopping(restore_best_weights=True)`` restores them in its own
        ``on_train_end``).  An error raised here goes on to the caller (the
        callbacks after this one get no ``on_train_end``), and the run's end
        stands: the network keeps those parameters, and a finished run
        (early stopping, a threshold, a callback's stop) stays finished.

        Parameters
        ----------
        state : TrainState
            The run as it stands (network, optimizer, history, epoch, batch,
            logs); set ``state.stop = True`` to end the run.
        """


def check_callbacks(
    callbacks: Sequence[Callback | Callable[[TrainState], None]] | None,
) -> list[Callback | Callable[[TrainState], None]]:
    """``callbacks`` as a list, if it is a sequence of Callback objects or callables (None: none).

    Parameters
    ----------
    callbacks : sequence of Callback or callable, or None

    Returns
    -------
    list of Callback or callable

    Raises
    ------
    TypeError
        If ``callbacks`` is a single callback (not in a list), not iterable,
        or holds something that is neither a Callback nor callable.
    """
    if callbacks is None:
        return []
    if isinstance(callbacks, (Callback, str, Mapping)) or callable(callbacks) or not hasattr(
            callbacks, "__iter__"):
        raise TypeError(
            "callbacks must be a list (or tuple) of Callback objects or callables, got "
            f"{type(callbacks).__name__}; a single one goes in a list: callbacks=[cb]"
        )
    checked = list(callbacks)
    for i, cb in enumerate(checked):
        if not (isinstance(cb, Callback) or callable(cb)):
            raise TypeError(f"callbacks: expected Callback objects or callables, got {cb!r}")
        if isinstance(cb, Callback):
            _check_hooks(cb, i)
        else:
            _check_callable(cb, i)
    return checked


_HOOKS = ("on_train_begin", "on_batch_end", "on_epoch_end", "on_train_end")


def _check_hooks(cb: Callback, i: int) -> None:
    """Refuse, before the run, a Callback whose hooks the run could not call with the
    TrainState, or that defines an ``on_...`` method the run never calls."""
    name = type(cb).__name__
    for attr in dir(type(cb)):
        if (attr.startswith("on_") and attr not in _HOOKS
                and callable(getattr(type(cb), attr, None))):
            hint = (" (a run has no hook at a start but its own: on_train_begin, and each "
                    "epoch's or batch's end)" if attr.endswith("_begin")
                    else did_you_mean(attr, _HOOKS))
            raise TypeError(
                f"callbacks[{i}]: {name} defines {attr}, which a run never calls{hint}: the "
                f"hooks are {', '.join(_HOOKS)}, each called with the TrainState (rename a "
                "helper method that is no hook)")
    for hook in _HOOKS:
        method = getattr(cb, hook)
        if getattr(method, "__func__", None) is getattr(Callback, hook):
            continue  # the base class's: does nothing, takes the state
        signature = _not_one_argument(method)
        if signature is not None:
            raise TypeError(
                f"callbacks[{i}]: {name}.{hook}{signature} cannot be called with the one "
                "argument a run gives it, the TrainState (Keras' epoch and logs are "
                f"state.epoch and state.logs): define it as def {hook}(self, state): ...")


def _not_one_argument(fn: Callable) -> inspect.Signature | None:
    """``fn``'s signature where it cannot be called with one argument (the TrainState),
    else None (also for a callable with no signature, as some built-ins: called as is)."""
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return None
    try:
        signature.bind(None)
    except TypeError:
        return signature
    return None


def _check_callable(cb: Callable, i: int) -> None:
    """Refuse, before the run, a callback the first epoch's end could not call: a class
    (``[MyCallback]`` for ``[MyCallback()]``), or a callable that takes no argument (or
    more than the TrainState)."""
    if isinstance(cb, type):
        give = (f"give {cb.__name__}(...)" if issubclass(cb, Callback)
                else "give a Callback object or a function def cb(state): ...")
        raise TypeError(f"callbacks[{i}] is the class {cb.__name__}, not an object: {give}")
    signature = _not_one_argument(cb)
    if signature is not None:
        name = getattr(cb, "__qualname__", type(cb).__name__)
        raise TypeError(
            f"callbacks[{i}]: a callable callback is called at each epoch end with one "
            f"argument, the TrainState; {name}{signature} cannot take it (define it as "
            f"def cb(state): ..., or subclass chainrule.Callback)")
