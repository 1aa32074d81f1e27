"""What stops a training run safely: the divergence guard's error and check, and Ctrl-C.

:class:`TrainingDiverged`, the test that the parameters are finite, the blocks in
which the loop runs with NumPy's overflow warnings off (the guard finds overflow
after each step) and the flag that Ctrl-C sets.
"""

from __future__ import annotations

import contextlib
import math
import signal
import sys
import threading
from typing import Any

import numpy as np

from ._validation_arrays import _ROW, _sum_of_squares
from .callbacks import History


class TrainingDiverged(FloatingPointError):
    """The loss or the parameters became NaN or infinite; the network keeps its last finite ones.

    Attributes
    ----------
    epoch, batch : int
        Where it happened (epoch from 1, batch within the epoch from 0).
    history : History
        The metrics of the completed epochs.
    what : str
        What stopped being finite: "loss", "parameters", "validation loss",
        "running statistics" (a BatchNorm layer's ``running_mean`` or ``running_var``
        after a batch's forward pass, while the loss stayed finite: the batch is
        normalised; the usual cause is an input row of a huge scale, and the step
        of that batch is rejected, the network keeping the parameters, running
        statistics and optimizer state it had before that batch), or "cost"
        (SciPy's optimisers).
    layer : int or None
        With ``what="running statistics"``, the place of that BatchNorm layer in the
        network's ``layers``; None otherwise.
    loss, threshold : float or None
        A mini-batch's loss that was finite but above the run's ``divergence_threshold``
        (:func:`chainrule.train`), and that threshold (``what`` is then "loss": the
        network keeps its last parameters with a loss not above it); None otherwise.
    lr : float or None
        The learning rate in force when it happened (the rate of the step whose loss or
        parameters it was, a schedule's rate at that step; for "validation loss", the
        epoch's), from the training loop; None from the other raisers.
    stepped : bool
        False when the loss that stopped the run was that of the parameters the call
        began with (no step was taken: no rate nor clipping changes it); True otherwise.

    Parameters
    ----------
    message : str
    epoch, batch : int
    history : History
    what : str, default "loss"
    """

    layer: int | None = None
    #: With a finite loss above the run's ``divergence_threshold``: that loss and the
    #: threshold (``what`` is "loss"); None for a loss or parameters not finite.
    loss: float | None = None
    threshold: float | None = None
    #: The rate in force when it happened (None: not from the training loop's steps).
    lr: float | None = None
    #: False: the loss of the parameters the call began with, before any step.
    stepped: bool = True

    def __init__(self, message: str, epoch: int, batch: int, history: History,
                 what: str = "loss") -> None:
        super().__init__(message)
        self.epoch, self.batch, self.history, self.what = epoch, batch, history, what

    def __reduce__(self) -> tuple:
        """Pickle with the constructor's arguments (a joblib worker sends the error back);
        the default would call ``TrainingDiverged(message)`` and fail."""
        return (type(self), (str(self), self.epoch, self.batch, self.history, self.what),
                self.__dict__)


class _StopFlag:
    """Ctrl-C sets a flag (checked after each batch, or after each iteration of the MLP
    estimators' SciPy solvers: ``unit``); a second Ctrl-C interrupts at once.

    Only Python's own SIGINT handler (``signal.default_int_handler``, which raises
    KeyboardInterrupt wherever the program is) is replaced for the block, and
    restored after it; so is the flag handler of a run this one is nested in.  Any
    other is the host program's choice and stays in place, as Keras leaves SIGINT
    alone: a handler of its own set from Python (called on Ctrl-C; the run stops
    only if it raises KeyboardInterrupt, where it lands, or if a callback sets
    ``state.stop``), ``SIG_DFL`` (Ctrl-C ends the process), a SIGINT the process
    ignores (``SIG_IGN``: a background job of a shell script, ``trap '' INT``),
    and one whose handler was set from C (``signal.getsignal`` gives None: an
    embedding host), which could not be put back anyway.  The flag of the block running
    in the main thread is :attr:`active` whether or not its handler is installed:
    ``chainrule train``'s SIGTERM handler stops the run through it, also where
    SIGINT is ignored (a background job of a shell script that a scheduler ends).
    """

    #: The flag of the training loop running in the main thread, or None.
    active: _StopFlag | None = None

    def __init__(self, unit: str = "batch") -> None:
        self.unit = unit  # what the run finishes before it stops, named in the message
        self.set = False
        self.aborted = False  # a second signal: its KeyboardInterrupt ends the run as raised
        self._old: Any = None
        self._outer: _StopFlag | None = None
        self._main = False

    def __enter__(self) -> _StopFlag:
        self._main = threading.current_thread() is threading.main_thread()
        if self._main:
            self._outer, _StopFlag.active = _StopFlag.active, self
            if _replaceable(signal.getsignal(signal.SIGINT)):
                self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.set:
            self.aborted = True
            raise KeyboardInterrupt
        self.set = True
        what = "Ctrl-C" if signum == signal.SIGINT else signal.Signals(signum).name
        _say(f"\nchainrule: stopping after the current {self.unit} ({what} again to abort)")

    def __exit__(self, *exc: object) -> None:
        if self._main:
            _StopFlag.active, self._outer = self._outer, None
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)
            self._old = None


def _replaceable(handler: Any) -> bool:
    """Whether the SIGINT ``handler`` in place is Python's default or a training loop's own
    (see :class:`_StopFlag`), which a run replaces by its flag's for its block."""
    return handler is signal.default_int_handler or isinstance(
        getattr(handler, "__self__", None), _StopFlag)


def _say(text: str) -> None:
    """Print ``text`` on stderr, or nothing where there is no stderr (``sys.stderr`` is
    None under pythonw and in some services): ``print(file=None)`` would write it to
    stdout, into the program's own output."""
    if sys.stderr is not None:
        print(text, file=sys.stderr)


def _params_finite(params: np.ndarray) -> bool:
    """:func:`all_finite` for the flat parameter vector, inside the loop's errstate block.

    The sum of squares ``p . p`` is finite only if every entry is; only when it is not
    (or overflowed) are the entries looked at one by one.  OpenBLAS hands a float64 dot
    of more than 10,000 entries to its worker threads, whose wake-up, on a busy machine
    with the default thread count, took 31 ms a step where the calling thread takes
    0.2 ms (issue 4's (1) in float64, 235,146 parameters): past ``_ROW`` (8,192)
    float64 entries the sum is taken as dots of ``_ROW`` entries each
    (:func:`_sum_of_squares`, on the calling thread).  A float32 dot (``sdot``) is not
    threaded, and one dot of the whole vector is faster than the rows (61 against 94
    us a step for (1)), as it is below ``_ROW`` entries.
    """
    if params.dtype.char == "d" and params.size > _ROW:
        total = _sum_of_squares(params)
    else:
        total = np.dot(params, params)
    return math.isfinite(total) or bool(np.isfinite(params).all())


def _unfinite_buffers(buffered: list) -> tuple[Any, str] | None:
    """The first layer of ``buffered`` (the guard's ``(layer, copies)`` pairs, the layers
    with running statistics) with a buffer not finite, and the buffer's name; None when
    all are finite (one dot product per buffer, of n_units)."""
    for layer, _ in buffered:
        for name, values in layer.buffers().items():
            if not _params_finite(values.reshape(-1)):
                return layer, name
    return None


class _Blocks:
    """NumPy's overflow and invalid warnings off, and the layers' reused buffers, in one block."""

    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace
        self.errstate: Any = None

    def __enter__(self) -> _Blocks:
        self.errstate = np.errstate(over="ignore", invalid="ignore")
        self.errstate.__enter__()
        try:
            self.workspace.__enter__()
        except BaseException:  # pragma: no cover - the workspace only sets attributes
            self.errstate.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.workspace.__exit__(*exc)
        finally:
            self.errstate.__exit__(*exc)


_NO_BLOCK = contextlib.nullcontext()
