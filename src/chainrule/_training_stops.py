"""How a call of :meth:`~chainrule.training.Trainer.fit` stops: within an epoch (Ctrl-C,
a callback's ``stop`` after a batch, ``max_time``) or after one (those, and the checkpoint
written every ``checkpoint_every`` epochs and at the end).

:class:`_RunStops`, which holds it, is the base of
:class:`~chainrule._training_loop._TrainingLoop` (and so a mixin base of
:class:`~chainrule.training.Trainer`); the loop calls it once a batch or an epoch has ended.
"""

from __future__ import annotations

import time
from typing import Any

from . import io
from ._training_guards import _say, _StopFlag
from .callbacks import TrainState


class _RunStops:
    """The stops of a call of fit: the base of the loop's mixin."""

    def _stop_within_epoch(self, epoch: int, completed: int, start: dict[str, Any] | None,
                           epoch_start: tuple | None, interrupted: bool,
                           stopped: bool) -> None:
        """End the call within epoch ``epoch`` after ``completed`` batches: Ctrl-C
        (``interrupted``), a callback's ``stop`` (``stopped``) or ``max_time``.

        Records why, keeps the epoch's ``start`` (:meth:`_epoch_start`, or None) for
        a later fit to train it again, says so on stderr, and writes the checkpoint:
        ``epoch_start`` (the payload of the state before the epoch; None without a
        checkpoint), or the run as it ended for a callback's stop, which finishes it.
        """
        net, history = self.net, self.history
        history.stop_reason = ("interrupted" if interrupted else
                               "callback" if stopped else "max_time")
        finished = history.stop_reason == "callback"  # nothing to go on with
        self._batches_kept = completed  # of the epoch cut short (estimators)
        if start is not None and not finished:
            self._cut = (start, net.params.copy())
        # a budget the caller set ends the run quietly unless verbose (its
        # stop_reason says it); Ctrl-C and a callback's stop are reported
        loud = history.stop_reason != "max_time" or self.verbose
        why = (f" after max_time = {self.max_time:g} s"
               if history.stop_reason == "max_time" else "")
        if loud:
            self._report_stop(
                f"chainrule: training stopped during epoch {epoch}{why} "
                f"({history.epochs} complete epochs kept in the history; "
                "the network keeps its current parameters)")
        if self.checkpoint is not None:
            # The checkpoint gets the state at the end of the last complete
            # epoch, from which resume repeats the run exactly (a half-done
            # epoch cannot be continued in the middle of its permutation).
            # A callback's stop ends the run: resume trains nothing and
            # gives back the network as the run ended, so the checkpoint
            # holds that (the complete epochs' history, the run's network).
            written = io.write_file(self.checkpoint, *(
                self._checkpoint_payload() if finished else epoch_start))
            if loud:
                _say(f"chainrule: checkpoint {written} holds " + (
                    "the run as it ended (finished: resuming it trains "
                    "nothing)" if finished else
                    f"the state after epoch {self.epoch}"))

    def _stop_after_epoch(self, epoch: int, state: TrainState, ctrl_c: _StopFlag,
                          deadline: float | None, timed_out: bool) -> None:
        """After the epoch ``epoch`` and its metrics: the callbacks' ``on_epoch_end`` (a
        Ctrl-C in it stops the run there), the stops the epoch asked for (Ctrl-C, a
        callback's ``stop``, ``max_time`` past its ``deadline``), and the checkpoint."""
        history = self.history
        try:
            self._hook("on_epoch_end", state)
        except KeyboardInterrupt:
            if ctrl_c.aborted:
                raise
            history.stop_reason = "interrupted"
            self._report_stop(f"chainrule: training interrupted after epoch {epoch}; "
                              "the network and the history so far are kept")
        # a Ctrl-C after the last batch of the last epoch stops nothing: the
        # run is complete, and ends as the uninterrupted one (best weights too)
        if ctrl_c.set and history.stop_reason is None and epoch < self.epochs:
            history.stop_reason = "interrupted"
            self._report_stop(f"chainrule: training interrupted after epoch {epoch}; "
                              "the network and the history so far are kept")
        if state.stop and history.stop_reason is None:
            history.stop_reason = "callback"
        if (history.stop_reason is None and deadline is not None
                and epoch < self.epochs
                and (timed_out or time.monotonic() >= deadline)):
            history.stop_reason = "max_time"
            if self.verbose:
                _say(f"chainrule: training stopped after epoch {epoch}: "
                     f"max_time = {self.max_time:g} s reached")
        if self.checkpoint is not None and (  # every n epochs, and the last
            epoch % self.checkpoint_every == 0 or history.stop_reason
            or epoch == self.epochs
        ):
            self.save_checkpoint(self.checkpoint)
