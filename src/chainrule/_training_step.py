"""One step of a training run and its divergence guard.

:class:`_GuardedStep`, a base of :class:`~chainrule._training_epochs._EpochSteps` (and so a
mixin base of :class:`~chainrule.training.Trainer`), holds what the loop calls for each
batch: the clipping and the optimizer's step, and the divergence guard around it (its
copies of the last parameters with a finite loss, their running statistics and the
optimizer's state, carried from one call of fit to the next while they hold, and the
:class:`TrainingDiverged` it raises after putting them back).
"""

from __future__ import annotations

import math

import numpy as np

from ._training_ema import _copy_list
from ._training_frozen import frozen_step, zero_frozen
from ._training_guards import TrainingDiverged, _params_finite, _unfinite_buffers
from ._training_replay import _clip, _global_norm  # noqa: F401  (imported from here)

#: TrainingDiverged's ``what`` for a BatchNorm's running statistics (see _GuardedStep._step)
RUNNING = "running statistics"


class _GuardedStep:
    """Each batch's update with its divergence guard: the base of
    :class:`~chainrule._training_epochs._EpochSteps` that :meth:`_step` is in."""

    #: the slices of the parameters that the call's steps keep fixed (the layers'
    #: ``trainable``/``frozen``, read as fit begins: _training_frozen); None: none
    _frozen: list[slice] | None = None

    def _guard_begin(self) -> None:
        """The divergence guard's copies, taken as a call of fit begins (see :meth:`_step`).

        A call that goes on from the parameters the last step of the run's earlier
        call made (the network holds them, the optimizer is where that step left it)
        keeps that call's copies: the loss at those parameters is not known yet, and
        if it is not finite the guard rejects that step, as one call would at an
        epoch's first batch, instead of keeping parameters whose loss is infinite.
        """
        net = self.net
        self._steps_unkept = False  # (the replaying guard's, see _step)
        if self._guard_goes_on():
            return
        # two copies of the parameters: the last ones whose loss was finite, and those the
        # next batch's loss is computed at, which become the former once that loss is
        # found finite.  Both rows of one array: one allocation per run, as the guard's one
        # copy was; two parameter-sized arrays allocated and freed by every partial_fit call
        # made glibc give its heap back and page it in again at each call (1380 page faults
        # and 13 % of a 256-row call on a 64-512-512-10 Adam network, as before 3150f07)
        pair = np.empty((2, net.params.size), dtype=net.params.dtype)
        pair[:] = net.params
        self._last_good, self._next_good = pair
        # whether the loss at _last_good is known to be finite: not yet at a call's start
        self._good_known = False
        # the running statistics (BatchNorm) that go with _last_good: per layer, the name of
        # each buffer with its copy, taken with _last_good after each step's forward pass
        self._good_buffers = [{k: v.copy() for k, v in layer.buffers().items()}
                              for layer in net.layers]
        self._buffered = [(layer, copies) for layer, copies in
                          zip(net.layers, self._good_buffers, strict=True) if copies]
        self._ema_undo = None  # (the guard goes back no further than the call's start)
        self._keep_optimizer_state()  # the optimizer's state that goes with _last_good

    def _guard_goes_on(self) -> bool:
        """Whether the guard's copies of the run's last call (or of the estimator's last
        ``partial_fit``, see :meth:`_guard_carry`) still hold: the network has the
        parameters that call's last step made, the optimizer the state that step left."""
        net, opt = self.net, self.optimizer
        nxt, kept = getattr(self, "_next_good", None), getattr(self, "_good_opt", None)
        if (nxt is None or kept is None or nxt.shape != net.params.shape
                or nxt.dtype != net.params.dtype or not getattr(self, "_good_known", False)
                or opt.t != kept[1] + 1 or set(opt.state) != set(kept[0])
                # the kept copies are work vectors of the optimizer's, which a copy or a
                # pickle of it leaves out
                or any("kept " + k not in getattr(opt, "_work", {}) for k in kept[0])):
            return False
        mine = [layer for layer in net.layers if layer.buffers()]
        kept_layers = [layer for layer, _ in self._buffered]
        return (len(mine) == len(kept_layers)
                and all(a is b for a, b in zip(mine, kept_layers, strict=True))
                and np.array_equal(nxt, net.params))

    def _guard_carry(self) -> tuple:
        """What :meth:`_guard_adopt` gives another Trainer of the same network and
        optimizer (the estimators' next ``partial_fit``): the guard's copies, no new ones."""
        return (self._last_good, self._next_good, self._good_known, self._good_buffers,
                self._buffered, self._good_opt, self._ema_undo, self._ema_work)

    def _guard_adopt(self, carried: tuple | None) -> None:
        """Take the guard's copies of an earlier Trainer's call (:meth:`_guard_carry`),
        which :meth:`_guard_begin` keeps if they still hold."""
        if carried is not None:
            (self._last_good, self._next_good, self._good_known, self._good_buffers,
             self._buffered, self._good_opt, self._ema_undo, self._ema_work) = carried

    def _step(self, J: float, grad: np.ndarray, epoch: int, batch: int,
              keep: bool = True) -> bool:
        """One optimizer update, with clipping and the divergence guard; True.

        ``keep=False``: the replaying guard's step, which keeps no copies and returns
        False when the loss, the running statistics or the parameters after it are
        not finite (see :mod:`~chainrule._training_replay`).

        Running statistics (BatchNorm's) that this batch's forward pass made NaN or
        infinite, with a finite loss (the batch is normalised: a row of huge values
        overflows its variance), reject the batch's step before it is made: the
        network keeps the parameters this loss was computed at, the running
        statistics of the batch before and the optimizer's state as it is, as a run
        stopped just before this batch would have them (:meth:`_stats_diverged`).
        Returns False instead when the copies of the batch before were not kept
        (the replaying guard's last batch), for the loop to replay the epoch.
        """
        if not keep:
            return self._fast_step(J, grad)
        net = self.net
        if self._buffered and math.isfinite(J):  # (one dot product per buffer)
            bad = _unfinite_buffers(self._buffered)
            if bad is not None:
                if self._steps_unkept:  # the batch before kept no copies: replayed
                    return False
                self._stats_diverged(bad, epoch, batch)
        frozen = self._frozen
        if frozen is not None:  # (their gradient counts in no clipping norm)
            zero_frozen(grad, frozen)
        if self.clip_norm is not None:  # (the diagnostics take its factor back out)
            _clip(self, grad)
        # _last_good always holds parameters whose loss was finite: the loss J of this
        # batch belongs to the parameters *before* this step, which the loop copied into
        # _next_good after the last step (while they were in cache: a copy now, of
        # parameters the forward and backward passes have pushed out of it, took twice as
        # long); swapped, not copied, they become _last_good.
        if self._loss_ok(J):
            self._last_good, self._next_good = self._next_good, self._last_good
            self._good_known = True
            for layer, copies in self._buffered:  # none without BatchNorm
                for k, live in layer.buffers().items():
                    np.copyto(copies[k], live)
            self._steps_unkept = False
            # the optimizer's state before the step, kept as the step computes the new one
            # (see _keep_optimizer_state): its step count, and its state vectors moved
            # into the guard's copies by the rule itself, with no copy of their own
            opt = self.optimizer
            self._good_opt = (tuple(opt.state), opt.t)
            opt._keep_previous = True
            try:
                if frozen is None:
                    opt.step(net.params, grad, net._decay_slices)
                else:
                    frozen_step(opt, net.params, grad, net._decay_slices, frozen)
            finally:
                opt._keep_previous = False
            if _params_finite(net.params):
                if self.ema is not None:  # the moving average of the weights
                    self._ema_update()
                return True
        over = math.isfinite(J) and not self._loss_ok(J)  # past divergence_threshold
        self._diverged("loss" if over or not math.isfinite(J) else "parameters",
                       self._last_good, epoch, batch, over=J if over else None)

    def _loss_ok(self, J: float) -> bool:
        """Whether a batch's loss ``J`` lets its step be taken: finite, and not above
        ``divergence_threshold`` when the run has one."""
        threshold = getattr(self, "divergence_threshold", None)  # (unpickled older ones)
        return math.isfinite(J) and (threshold is None or J <= threshold)

    def _stats_diverged(self, bad: tuple, epoch: int, batch: int) -> None:
        """Reject the step of a batch whose forward pass left the running statistics of
        ``bad`` (the layer and the buffer's name) not finite, its loss finite: the
        parameters it was computed at (which the network holds) become the last good
        ones, with the optimizer's state as it is (no step made from them), and the
        running statistics go back to the copies of the batch before."""
        self._last_good, self._next_good = self._next_good, self._last_good
        self._good_known = True
        self._keep_optimizer_state()
        self._diverged(RUNNING, self._last_good, epoch, batch, bad)

    def _keep_optimizer_state(self) -> None:
        """Copy the optimizer's step count and state vectors (velocity, Adam's moments, each
        of shape (n_params,)) as they go with ``_last_good``: before the step from it.

        The divergence guard, rejecting that step, puts them back with the parameters
        (:meth:`_restore_optimizer_state`), so that a fit after it (a smaller rate, a
        later ``partial_fit``) goes on from the state of the steps kept, as the
        parameters do.  The copies are work vectors of the optimizer's own
        (:meth:`~chainrule.optimizers.Optimizer._scratch`), made once and kept from
        step to step and call to call, no allocation (none for plain SGD, which has no
        state).  Copied here as a call begins (one pass per state vector); at each
        step, :meth:`_step` has the rule write the new state into them instead
        (:meth:`~chainrule.optimizers.Optimizer._state_pair`), the vectors before the
        step becoming the copies: no pass of their own (a copy per step took 3 to 5 %
        of an MNIST-shaped Adam epoch).
        """
        opt = self.optimizer
        for k, v in opt.state.items():
            np.copyto(opt._scratch(v, "kept " + k), v)
        self._good_opt = (tuple(opt.state), opt.t)

    def _restore_optimizer_state(self) -> None:
        """Put back the optimizer's state :meth:`_keep_optimizer_state` kept."""
        opt = self.optimizer
        keys, opt.t = self._good_opt
        for k in [k for k in opt.state if k not in keys]:  # made by the step rejected
            del opt.state[k]
        for k in keys:
            np.copyto(opt.state[k], opt._scratch(opt.state[k], "kept " + k))

    def _restore_last_good(self, last_good: np.ndarray) -> None:
        """Put back the last parameters with a finite loss, and their running statistics.

        The running statistics (BatchNorm's ``running_mean`` and ``running_var``)
        are the ones the forward pass of those parameters left, so a forward pass
        that overflowed, which updated them before its loss was found to be
        infinite, leaves no trace in the network.
        """
        self.net.params[...] = last_good
        # and both rows of the guard's copies hold them (the other row, which no later
        # call goes on from, would otherwise hold the parameters two steps back, which
        # the replaying guard keeps in no vector at its epoch's last batch: see
        # _training_replay)
        np.copyto(self._next_good, last_good)
        for layer, copies in self._buffered:
            for k, live in layer.buffers().items():
                np.copyto(live, copies[k])

    def _diverged(self, what: str, last_good: np.ndarray, epoch: int, batch: int,
                  bad: tuple | None = None, over: float | None = None) -> None:
        """Restore the last parameters with a finite loss, and the optimizer's state that
        goes with them, and stop with TrainingDiverged (``bad``: the layer and buffer
        of ``what="running statistics"``, see :meth:`_stats_diverged`; ``over``: the
        finite loss above ``divergence_threshold`` that stopped the run, whose kept
        parameters are then the last with a loss not above it)."""
        self._restore_last_good(last_good)
        self._restore_optimizer_state()
        if bad is not None:
            layer, name = bad
            place = next(i for i, x in enumerate(self.net.layers) if x is layer)
            self.history.stop_reason = "diverged"
            exc = TrainingDiverged(
                f"training diverged at epoch {epoch}, batch {batch}: the running statistics "
                f"of layer {place} ({type(layer).__name__}, its {name}) became NaN or "
                f"infinite in that batch's forward pass, its loss finite (the batch is "
                f"normalised); the network keeps the parameters, running statistics and "
                f"optimizer state it had before that batch. The usual cause is an input "
                f"row of a huge scale, whose square overflows: standardise the inputs (or "
                f"find and remove the row); a smaller learning rate would not change it.",
                epoch, batch, self.history, what,
            )
            exc.layer = place
            raise exc
        if self.ema is not None and what != "parameters":
            # the loss after the last step was not finite: that step is rejected, and the
            # average goes back with the parameters (non-finite parameters: no step was
            # averaged, and the average is of those the network goes back to)
            self._ema_take_back()
        if what == "loss" and batch == 0 and self.history.best_epoch == self.epoch:
            # the rejected step was the last of the best epoch, whose end (or its average)
            # restore_best kept: those give an infinite loss, the ones kept now do not
            kept = self.ema_params if self.ema is not None else None
            self.best_params = (self.net.params if kept is None else kept).copy()
            self.best_buffers = _copy_list(
                self.ema_buffers if kept is not None else
                [layer.buffers() for layer in self.net.layers])
        self.history.stop_reason = "diverged"
        lr = self.optimizer.lr
        advice = (f"Try a smaller learning rate (lr={lr:g}) or clip_norm." if math.isfinite(lr)
                  else f"The schedule ({type(self.schedule).__name__}) raised the learning "
                       f"rate past the largest float (lr={lr:g}): give it a smaller gamma "
                       f"or fewer epochs.")
        good = "a finite loss" if over is None else "a loss not above the threshold"
        kept = f"keeps its last parameters with {good}"
        if what == "loss" and not self._good_known:  # at the parameters the call began with
            kept = ("keeps the parameters this fit started from, whose loss that is: the "
                    f"guard holds none before them with {good}; start from others")
            # no step made that loss: neither a rate nor clipping changes it
            advice = (f"No step was taken (a smaller learning rate, lr={lr:g}, or clip_norm "
                      "would not change that loss).")
        became = ("became NaN or infinite" if over is None else
                  f"{over:.4g} is above divergence_threshold={self.divergence_threshold:g}")
        exc = TrainingDiverged(
            f"training diverged at epoch {epoch}, batch {batch}: the {what} {became}; the "
            f"network {kept}. {advice}",
            epoch, batch, self.history, what,
        )
        if over is not None:
            exc.loss, exc.threshold = over, self.divergence_threshold
        exc.lr, exc.stepped = lr, not (what == "loss" and not self._good_known)
        raise exc
