"""A training run's checkpoints, seen from the Trainer: writing them, and the check that
the first one overwrites no file that is not a checkpoint.

:class:`_Checkpoints` is a mixin base of :class:`~chainrule.training.Trainer`
(:meth:`~chainrule.training.Trainer.from_checkpoint`, which returns a Trainer, is
defined in the class itself).

What a checkpoint holds, and how it is read back, is :mod:`chainrule.checkpoints`.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import io
from .checkpoints import CHECKPOINT_FORMAT, checkpoint_payload


def _check_not_overwriting(path: str | os.PathLike) -> None:
    """Refuse a checkpoint path where a file that is no checkpoint already lies.

    The first epoch's checkpoint would replace it: a saved model, or data,
    given as ``checkpoint`` by mistake would be lost.  An earlier checkpoint
    (the one a resumed run goes on writing) is replaced, as it should be.
    """
    target = io.file_path(path)
    if not target.is_file():
        return
    try:
        io.read_file(target, CHECKPOINT_FORMAT)
    except PermissionError:  # the file may be a sound checkpoint: said as the readers say it
        raise
    except (ValueError, OSError) as exc:
        raise FileExistsError(
            f"checkpoint: {target} exists and is not a chainrule checkpoint ({exc}); the "
            "run's checkpoints would overwrite it: give another path, or remove the file"
        ) from None


class _Checkpoints:
    """Checkpoints of a run: the mixin base of :class:`~chainrule.training.Trainer` that
    writes them."""

    # -- checkpoints -------------------------------------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike) -> os.PathLike:
        """Write network, optimizer state, schedule, epoch, generator state and history.

        After a fit stopped within an epoch (Ctrl-C, ``max_time``, an exception) it
        writes the state at that epoch's start, as the run's own checkpoint holds it:
        the one the next :meth:`fit` goes back to, so that :func:`resume` from the file
        trains as that fit does (the network keeps its last batch's parameters).  A
        network whose parameters were changed since is written as it is, as the next
        fit goes on from it.

        Parameters
        ----------
        path : str or path-like

        Returns
        -------
        path-like
            The file written.
        """
        cut = self._cut
        if cut is None or not np.array_equal(self.net.params, cut[1]):
            return io.write_file(path, *checkpoint_payload(self), net=self.net)
        now = self._epoch_start()  # the state within the epoch, put back after
        self._put_epoch_start(cut[0])
        try:
            payload = checkpoint_payload(self)
        finally:
            self._put_epoch_start(now)
        return io.write_file(path, *payload, net=self.net)

    def _checkpoint_payload(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What a checkpoint holds now: JSON record and arrays (copies, not views)."""
        return checkpoint_payload(self)
