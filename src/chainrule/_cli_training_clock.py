"""``chainrule train``'s count of a run's training time across ``--resume``: the
``"seconds"`` of its checkpoint notes (moved from ``_cli_checkpoint``, which re-exports it).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from .callbacks import Callback

if TYPE_CHECKING:
    from .training import Trainer


class TrainingClock(Callback):
    """Keeps in the run's checkpoint notes (``"seconds"``) its training time so far.

    At the end of each epoch, before the checkpoint of that epoch is written,
    the notes get the seconds of the earlier commands of the run (what the
    checkpoint it resumed from recorded) plus those of this command's training
    so far: so the checkpoint a slot ends with counts the training of the epochs
    it keeps, and the model file of the last slot the whole run's (an epoch
    cut short by --max-time or Ctrl-C, and trained again, counts once).

    Parameters
    ----------
    trainer : Trainer
        The run; its ``checkpoint_notes`` are replaced (never changed in place:
        the state of an epoch's start, written when the epoch is cut short, keeps
        its own).

    Attributes
    ----------
    before : float
        The seconds of training of the epochs the run had when this command started.
    """

    def __init__(self, trainer: Trainer) -> None:
        from .io import finite_number

        seconds = (trainer.checkpoint_notes or {}).get("seconds", 0.0)
        # a damaged record counts no time: an infinite one made the model file unwritable
        # (its metadata is strict JSON), an int no float holds ended the run as diverged
        self.before = float(seconds) if finite_number(seconds) and seconds >= 0 else 0.0
        self.trainer = trainer
        self._start = time.perf_counter()

    def on_train_begin(self, state: object) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, state: object) -> None:
        self.trainer.checkpoint_notes = {
            **self.trainer.checkpoint_notes,
            "seconds": self.before + time.perf_counter() - self._start}
