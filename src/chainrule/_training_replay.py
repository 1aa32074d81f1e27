"""The replaying divergence guard: an epoch's middle batches keep no copies, and a
rejected step is rebuilt by training the epoch again from its start.

The present guard (:meth:`~chainrule._training_step._GuardedStep._step`) keeps, at
every step, an exact copy of what the step changes: the parameters before it, its
optimizer state (the new velocity or moments written into the other of two
alternating vectors), the running statistics and the moving average's undo.  On
an MNIST-shaped epoch (784-256-128-10, batch 128, float32, one BLAS thread)
those copies cost about 7 % of the epoch with momentum or Adam, and as much
on the 64-100-10 digits network (the parameters' copy and the state's second
vector moved through the cache at every step), for a divergence that almost
never comes.

:class:`_ReplayGuard` keeps, instead, the epoch's start (:meth:`_epoch_start`:
parameters, optimizer state, running statistics, Dropout's generators, the
average) and lets the middle batches step with no copy at all, the state
vectors updated in place (the same roundings: the result is the same to the
bit).  It still checks every loss and, after each step, that the parameters are
finite (one dot product on vectors still in cache), and, with BatchNorm, that the running
statistics after its forward pass are finite.  When a check fails at
batch ``k``, the loop puts the epoch's start back and trains batches ``0..k``
again with the present guard, on the same rows in the same order through the
same code: batch ``k`` fails again, and the present guard rejects the step and
raises from the state it would have had, which is therefore the same as
without the replay, to the bit.  Only the epoch's first batch (whose loss may
reject the last step of the epoch before), and its last (the guard's copies
a later batch, epoch or call goes on from) keep the copies always; epochs of
fewer than 3 batches, runs with a callback after each batch or with
``max_time`` (both may stop the epoch anywhere) use the present guard
throughout.

The epoch's start costs no parameter-sized vector of its own where the run
does not keep it anyway (:meth:`_epoch_start`, a Python ``fit`` that a later
one may take back to it): the first batch's copies are it, and the middle
batches leave them alone.  ``_last_good`` holds the parameters the first loss
was computed at, and the optimizer's "kept" work vectors the state vectors the
epoch began with (the first step wrote the new state into others,
:meth:`~chainrule.optimizers.Optimizer._state_pair`), until the last batch's
swap, after which no replay comes (that batch keeps its copies).  The guard's
other row, ``_next_good``, would then hold, in the present guard, the
parameters before the last batch's step's previous one, which the replaying
guard keeps nowhere (an MNIST-shaped epoch's peak was 0.9 MiB higher with a
vector for them): a rejected step leaves the parameters kept in both rows,
with either guard (:meth:`~chainrule._training_step._GuardedStep._restore_last_good`;
no later call goes on from that row).

A stop within the epoch (Ctrl-C's flag, after a batch that kept no copies)
replays the batches completed the same way, so that the run stops with the
state of the present guard, its copies included (a later ``partial_fit`` goes
on from them).  A KeyboardInterrupt raised inside such a batch (a second
Ctrl-C) that leaves the parameters not finite replays the batches completed
before it: the run stops with the parameters and the optimizer's state of its
last completed step, as the present guard puts them back (the running
statistics and Dropout's generator are then those of that step too, not those
of the interrupted batch's forward pass); parameters left finite (a step
partly made) are kept as the present guard keeps them, and the guard's copies
start afresh from them (:meth:`_ReplayGuard._guard_fresh`).
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ._training_frozen import frozen_step, zero_frozen
from ._training_guards import _params_finite, _unfinite_buffers


def _global_norm(grad: np.ndarray) -> float:
    """The L2 norm of the flat gradient ``grad`` (shape (n_params,)), in its dtype.

    ``sqrt(g . g)`` overflows once the sum of squares passes the float range (a float32
    gradient with entries from about 1.8e19 on), although every entry is finite: its norm
    is then taken as ``m * ||g / m||`` with ``m = max |g_i|`` (one more pass and a copy,
    only on that rare path).  ``inf`` or NaN only when an entry is.
    """
    norm = float(np.linalg.norm(grad))
    if norm == math.inf:
        m = float(np.max(np.abs(grad)))
        if math.isfinite(m):
            norm = m * float(np.linalg.norm(grad / m))
    return norm


def _clip(trainer: object, grad: np.ndarray) -> None:
    """Scale ``grad`` in place to ``trainer.clip_norm`` when its norm is above it (see
    :meth:`~chainrule._training_step._GuardedStep._step`)."""
    norm = _global_norm(grad)
    # the factor the step's gradient was scaled by (in place), which the diagnostics take
    # back out.  A gradient with an infinite or NaN entry is left as it is: the step makes
    # the parameters non-finite, and the guard stops the run with its message
    trainer._clip_scale = 1.0
    if math.isfinite(norm) and norm > trainer.clip_norm:
        trainer._clip_scale = trainer.clip_norm / norm
        grad *= trainer._clip_scale


class _ReplayGuard:
    """The replaying guard's part of the loop: a mixin base of
    :class:`~chainrule._training_loop._TrainingLoop` (see the module)."""

    #: Whether an epoch's middle batches use the replaying guard (a switch the tests turn
    #: off to compare with the present guard throughout).
    _replay_guard = True

    def _replays(self, n_batches: int, batch_hooks: bool) -> bool:
        """Whether this call's epochs of ``n_batches`` batches use the replaying guard."""
        return (self._replay_guard and not batch_hooks and self.max_time is None
                and n_batches >= 3)

    def _fast_step(self, J: float, grad: np.ndarray) -> bool:
        """One step with no copies for the guard; False when the loss ``J`` or the
        parameters after the step are not finite (the loop then replays the epoch).

        The same update as :meth:`~chainrule._training_step._GuardedStep._step` makes:
        the clipping, the optimizer's step (its state updated in place, which rounds as
        the present guard's two vectors do) and the moving average.
        """
        if not self._loss_ok(J):  # (not finite, or above divergence_threshold)
            return False
        if self._buffered:  # BatchNorm's running statistics, after this forward pass
            if _unfinite_buffers(self._buffered) is not None:
                return False
            self._steps_unkept = True  # (the copies of the running statistics are behind)
        net, frozen = self.net, self._frozen
        if frozen is not None:
            zero_frozen(grad, frozen)
        if self.clip_norm is not None:
            _clip(self, grad)
        if frozen is None:
            self.optimizer.step(net.params, grad, net._decay_slices)
        else:
            frozen_step(self.optimizer, net.params, grad, net._decay_slices, frozen)
        if not _params_finite(net.params):
            return False
        if self.ema is not None:
            self._ema_update()
        return True

    def _replay_snapshot(self, start: dict | None) -> dict:
        """The epoch's start for a replay: ``start`` (:meth:`_epoch_start`) when the run
        keeps it anyway, else its small parts only (the step count, the running
        statistics, the generators, the average), with no parameter-sized copy: the
        parameters and the optimizer's state vectors are those the guard's own copies
        hold while a replay can happen (:meth:`_replay_start`)."""
        if start is not None:
            return start
        opt = self.optimizer
        snapshot = {"params": None,  # (the guard's copies: see _replay_start)
                    "layers": [(layer, {k: v.copy() for k, v in layer.buffers().items()},
                                copy.deepcopy(layer.get_state())) for layer in self._stateful],
                    "t": opt.t, "state": dict(opt.state), "rng": self.rng.bit_generator.state}
        if self.ema is not None:  # (a copy: the average's own vectors are swapped)
            snapshot["ema"] = self._ema_state()
        return snapshot

    def _guard_fresh(self) -> bool:
        """Give the guard's copies the state the network and the optimizer have now, as a
        call of fit begins with (:meth:`_guard_begin`), after a KeyboardInterrupt within
        a batch that kept none: the parameters stay as the interrupt left them, as with
        the present guard, and a later call holds no step before them; False."""
        net = self.net
        np.copyto(self._last_good, net.params)
        np.copyto(self._next_good, net.params)
        for layer, copies in self._buffered:
            for k, live in layer.buffers().items():
                np.copyto(copies[k], live)
        self._keep_optimizer_state()
        self._good_known, self._ema_undo, self._steps_unkept = False, None, False
        return False

    def _replay_start(self, snapshot: dict) -> None:
        """Put the epoch's start ``snapshot`` (:meth:`_epoch_start`) back, for the loop to
        train its batches again with the present guard: the run's generator stays where
        it is (the epoch's permutation, drawn already, is reused)."""
        rng = self.rng.bit_generator.state
        self._steps_unkept = False  # (the batches run again keep their copies)
        if snapshot["params"] is None:  # (_replay_snapshot's, with no copies of its own)
            # the epoch's first batch kept its copies, which the batches after it leave
            # alone up to the last one (whose swap ends the replays): the parameters its
            # loss was computed at, the epoch's start, and the state vectors the epoch
            # began with, which its step made the guard's copies ("kept", see
            # _keep_optimizer_state; the new state was written into others)
            snapshot = {**snapshot, "params": self._last_good}
        self._put_epoch_start(snapshot)
        self.rng.bit_generator.state = rng
        # the parameters the first batch's loss is computed at, as at the epoch's start
        np.copyto(self._next_good, self.net.params)
