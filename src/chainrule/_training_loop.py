"""The training loop: :meth:`~chainrule.training.Trainer.fit`, epochs of shuffled
mini-batches through the optimizer, with the callbacks, Ctrl-C and checkpoints.

:class:`_TrainingLoop`, which holds it, is a mixin base of :class:`~chainrule.training.Trainer`.
What a call sets up before its first epoch (the run's state, the accuracy's counting) is
in ``_training_start``.
"""

from __future__ import annotations

import math
import sys
import time

import numpy as np

from . import io
from ._batchnorm_rows import folds_last_row
from ._checkpoints_data import check_data_record, check_steps_per_epoch
from ._network_inference import _accuracy_rule, _correct_rows, _weighted_mean
from ._symmetry import choose_products
from ._training_checkpoints import _check_not_overwriting
from ._training_data import _argmax_rows, _batch_of, _exact_one_hot, _Gather, _is_sparse
from ._training_dense_step import _DenseStep
from ._training_epochs import _bar_drawn, _epoch_line
from ._training_frozen import frozen_slices
from ._training_guards import _NO_BLOCK, TrainingDiverged, _Blocks, _say, _StopFlag
from ._training_replay import _ReplayGuard
from ._training_run_end import _set_parameters
from ._training_start import _accuracy_counting, _begin_run
from ._training_stops import _RunStops
from .callbacks import History, TrainState
from .network import _accuracy_count
from .optimizers import _blas_updates


class _TrainingLoop(_RunStops, _ReplayGuard):
    """The loop of a run: the mixin base of :class:`~chainrule.training.Trainer` that trains
    (how a call stops, within an epoch or after one, is in its base :class:`_RunStops`)."""

    # -- the loop ----------------------------------------------------------------------------
    def fit(self, X: object, Y: object, validation_data: tuple[object, ...] | None = None,
            sample_weight: object = None) -> History:
        """Run the remaining epochs on ``(X, Y)``; returns the history (also ``self.history``).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_inputs)
            A sparse matrix goes to a first Dense layer as it is (CSR), one mini-batch
            at a time, and is densified a mini-batch at a time for any other first
            layer; integer data, and float32 data for a float64 network, are converted
            to the network's dtype a mini-batch at a time (see :func:`train`).
        Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
        validation_data : (X_val, Y_val) or (X_val, Y_val, sample_weight_val), optional
            Evaluated after every epoch.  ``sample_weight_val`` of shape
            (n_val,), non-negative with a positive sum, weighs ``val_loss`` as
            ``sample_weight`` weighs the training cost (the weighted mean loss,
            a per-sample decay divided by the weights' sum), as Keras's
            ``(x_val, y_val, val_sample_weights)``, and ``val_accuracy`` (the
            weighted fraction classified right, scikit-learn's
            ``accuracy_score(sample_weight=)``).
        sample_weight : array-like of shape (n_samples,), optional
            Weights each example's loss; each batch's cost is the weighted mean
            over its examples, and a per-sample weight decay divides by the
            batch's weight sum (by its row count when all its weights are zero:
            that batch moves only the decay); see :meth:`Network.loss_and_grad`.
            The history's ``accuracy`` is then the weighted fraction of the
            epoch's examples classified right (scikit-learn's
            ``accuracy_score(sample_weight=)``, as ``val_accuracy``; the
            weights of ``class_weight`` weigh the cost only).
            A run keeps its weighting: once a fit (or the checkpoint it was
            restored from) trained with weights, continuing it needs the
            weights again, and one trained without them refuses weights
            (weights all 1 count as none).

        Returns
        -------
        History
            The run's history (``self.history``), every epoch so far.

        Raises
        ------
        ValueError
            If ``trainer.epochs`` was set to no int >= 1 (TypeError for a
            float) or below the epochs already trained; if ``sample_weight``
            is left out when continuing a weighted run, or
            given when continuing an unweighted one; the same for
            ``validation_data`` when continuing a run that had (or had not)
            validation data, or had them weighted (or not).

        Notes
        -----
        A Trainer is one run, as its checkpoint is: a second call continues it
        where the first left it (the epoch count, the optimizer's and the
        schedule's state, the random generator, the history, and the early
        stopping's best loss, epochs without improvement and best parameters)
        up to ``epochs`` in all; raise ``trainer.epochs`` to go further (past
        the epochs a "cosine" by its name annealed over, with a warning).  It
        goes on from the parameters the run had reached, also when
        ``restore_best`` gave the network its best epoch's at the end of the
        first call (unless the network was changed since), so that the two
        calls train as one does, and as :func:`~chainrule.training.resume`
        does from the run's checkpoint.  A call stopped within an epoch
        (Ctrl-C, ``max_time``, an exception) leaves the network with the
        parameters of its last batch; the next call goes back to that epoch's
        start (parameters, running statistics, the optimizer's state, the
        generators), as ``resume`` goes back to the checkpoint that holds it,
        and trains the epoch again, to the same numbers (unless the
        network's parameters were changed since: those are kept); after a
        divergence at the epoch's first batch, whose start the rejected step
        made, with the parameters the guard kept (lower ``optimizer.lr`` and
        fit again); the epoch before, whose last step it rejected, stays recorded
        with its validation metrics (and best value) at the parameters kept.  A
        validation loss found not finite at an epoch's end rejects that epoch's
        last step and takes the epoch back: the next call trains it again from
        its start, as after a stop within it.  The guard takes the rejected step
        out of the optimizer's state too (its step count, velocity, Adam's
        moments), as out of the parameters; a call whose first loss, at the
        parameters the earlier call's last step made, is not finite rejects that
        step as one call would (at parameters set since, the guard has none
        before them to go back to: the network keeps them, and the error says
        so).  A run that stopped itself (early stopping, ``loss_threshold``,
        ``grad_norm_threshold``, a callback's ``stop`` after a batch or an epoch)
        is finished: a later call trains no epoch and returns the history as it
        is, as :func:`~chainrule.training.resume` does with its checkpoint (a
        ``stop`` set in ``on_train_begin`` ends only that call).  A call that
        trains nothing leaves the network as it finds it, as Keras's ``fit``
        starts from the model's current weights: ``restore_best`` put the best
        epoch's parameters in at the end of the earlier call, and parameters set
        since are kept (a Trainer from :meth:`from_checkpoint`, whose network
        holds the parameters the run reached, still ends with its best epoch's).
        A new run (early stopping starting afresh, as Keras's ``fit`` resets its
        EarlyStopping callback) is a new Trainer.
        """
        self._check_epochs()  # trainer.epochs, which a caller may have set since
        self.net._check_loss_output()  # layers[-1].activation assigned since the loss was
        self.net._check_params_finite("train")  # layer.W -= np.inf, written before a check
        # the parameters the layers freeze (trainable, frozen), as they are now: None if none
        self._frozen = frozen_slices(self.net)
        X, Y, val, sw, given, seen = self._data(X, Y, validation_data, sample_weight)
        self._check_weighting(given)  # sample_weight as given, not times class_weight's
        self._check_validation(val is not None, val is not None and len(val) > 2)
        check_data_record(self._resumed_data, seen, self._origin)  # the checkpoint's data
        net, opt, history = self.net, self.optimizer, self.history
        m = X.shape[0]
        sparse = _is_sparse(X)
        bs = m if self.full_batch else min(self.batch_size, m)
        if bs == m and Y.dtype != net.dtype:  # one batch of all rows: converted once
            Y = Y.astype(net.dtype)
        if bs == m and not sparse and X.dtype != net.dtype:
            X = X.astype(net.dtype)
        n_batches = math.ceil(m / bs)
        # a last batch of one row, which a BatchNorm cannot normalise: it joins the one before
        fold = folds_last_row(net, X, bs)
        n_batches -= fold
        check_steps_per_epoch(self, n_batches, bool(fold))  # a checkpoint from before the fold
        classify = self._count_accuracy and _accuracy_rule(net)[0]
        # a per-step schedule's rate of each step (OneCycle), or None
        step_lr = self._check_schedule(n_batches, classify, val is not None)
        if self.checkpoint is not None:  # now, not when the first epoch's checkpoint fails;
            _check_not_overwriting(self.checkpoint)
            # the last check, as it makes the missing folders of the path
            io.check_writable(self.checkpoint, "checkpoint")
        self._warn_past_t_max()  # trainer.epochs raised past a cosine's annealing
        # everything checked: only now does the run's state change (see _training_start)
        lr0, restored, reached = _begin_run(self, net, opt, history, step_lr, n_batches, given,
                                            val, classify)
        self._data_record = seen  # what its checkpoints record of the data
        one_hot = _exact_one_hot(Y, net)
        labels, by_epoch, target_class, predicted, right_rows = _accuracy_counting(
            self, net, Y, m, classify, given)
        state = TrainState(net, opt, history, epoch=self.epoch)
        self._guard_begin()
        # the layers with running statistics or a state of their own (BatchNorm, Dropout)
        self._stateful = [layer for layer in net.layers
                          if layer.buffers() or layer.get_state()]
        ordered = choose_products(net)  # (_symmetry: products in index order)
        gather, workspace = _Gather(), net._workspace(blas=not ordered)
        # a plain Dense classifier's cost and gradient as straight-line code (the same
        # numbers), or None: the general path (see _training_dense_step)
        dense = _DenseStep.for_run(net, one_hot, sparse, ordered)
        # Overflow is detected after each step (the divergence guard), so the loop runs with
        # NumPy's overflow and invalid warnings off, and the layers write into reused buffers
        # (the workspace).  Both blocks are entered once per epoch, unless a callback runs
        # after each batch: then once per batch, so that the callback's own NumPy code and
        # its calls to forward() run outside them.
        blocks = _Blocks(workspace)
        batch_hooks = self._batch_hooks()
        epoch_blocks, batch_blocks = (_NO_BLOCK, blocks) if batch_hooks else (blocks, _NO_BLOCK)
        # or once for the whole call, when nothing between epochs needs them off (see
        # _blocks_once); a run with no callback has no batch hooks either
        call_blocks = _NO_BLOCK
        if not batch_hooks and self._blocks_once(val is not None):
            call_blocks, epoch_blocks = blocks, _NO_BLOCK
        self._n_batches = n_batches
        replays = self._replays(n_batches, batch_hooks)  # (see _training_replay)
        # verbose=1: a progress bar where one shows, else (stderr is a log file or a pipe) a
        # plain line per epoch, as verbose=2 prints next to the bar
        bar, lines = None, self.verbose >= 2
        trained = False  # whether this call runs an epoch (or a part of one)
        start = ended = epoch_start = None  # the state at the start of the epoch running
        if self.verbose and self.epoch < self.epochs and self._stopped is None:
            if _bar_drawn():
                from tqdm.auto import tqdm

                bar = tqdm(total=self.epochs, initial=self.epoch, desc="training", unit="epoch",
                           leave=False, file=sys.stderr)
            else:
                lines = True
        try:
            self._hook("on_train_begin", state)
            # a callback stops before the first batch: this call trains nothing, and the run
            # is not finished (no checkpoint records this stop; a later fit goes on)
            at_begin = state.stop and self._stopped is None
            if at_begin:
                history.stop_reason = "callback"
            # max_time: checked after each batch; a run stopped by it is not finished
            # (resume continues it), as one stopped by Ctrl-C
            deadline = None if self.max_time is None else time.monotonic() + self.max_time
            timed_out = False
            with (_StopFlag() as ctrl_c, call_blocks,
                  _blas_updates(opt) if workspace.blas else _NO_BLOCK):
                while self.epoch < self.epochs and history.stop_reason is None:
                    trained = True
                    epoch = self.epoch + 1
                    if self._cut is not None:  # an earlier fit stopped within this epoch
                        self._rewind(self._last_good)
                    # the parameters the epoch's first loss is computed at (the end of the
                    # last epoch, a callback, or a rewind may have set them)
                    np.copyto(self._next_good, net.params)
                    if self.checkpoint is not None:  # what an interrupt mid-epoch writes
                        epoch_start = self._checkpoint_payload()
                    if self._refit:  # what a later fit goes back to (see _cut)
                        start = self._epoch_start()
                    # the replaying guard's epoch start: the middle batches keep no copies
                    snapshot = self._replay_snapshot(start) if replays else None
                    order = self.rng.permutation(m) if self.shuffle and bs < m else None
                    total, correct, grad_sq = 0.0, 0, []
                    keep_grad_sq = self.diagnostics or self.grad_norm_threshold is not None
                    completed = 0  # batches run to their end (callbacks included)
                    steps = (epoch - 1) * n_batches  # the run's steps before this epoch's
                    # a replay (_training_replay): the batches below replay_to run again
                    # with the present guard, with no stop between them
                    replay_to, abort, batch = 0, None, -1
                    with epoch_blocks:
                        while batch + 1 < n_batches:
                            batch += 1
                            fast = snapshot is not None and 0 < batch < n_batches - 1
                            state.epoch, state.batch = epoch, batch
                            try:
                                Xb, Yb, swb = _batch_of(
                                    X, Y, sw, order, batch, bs, sparse, gather, net,
                                    m if fold and batch == n_batches - 1 else None)
                                if step_lr is not None:  # this step's rate (OneCycle)
                                    opt.lr = step_lr(steps + batch, lr0, n_batches)
                                with batch_blocks:
                                    J, grad = (net._loss_and_grad(Xb, Yb, True, swb, one_hot)
                                               if dense is None else dense(Xb, Yb, swb))
                                    if by_epoch:  # (not `start`: the epoch's state)
                                        row0 = batch * bs
                                        _argmax_rows(net.layers[-1].A,
                                                     predicted[row0:row0 + Xb.shape[0]])
                                    elif right_rows is not None:  # weighted at the end
                                        row0 = batch * bs
                                        right_rows[row0:row0 + Xb.shape[0]] = _correct_rows(
                                            net.layers[-1].A, Yb, labels, self._label_cut)
                                    elif classify:
                                        correct += _accuracy_count(net.layers[-1].A, Yb,
                                                                   labels, self._label_cut)
                                    if keep_grad_sq:
                                        grad_sq.append(float(np.dot(grad, grad)))
                                    # (the last batch's loss rejects a step with no copies)
                                    keep = snapshot is None or not (
                                        fast or (batch and not self._loss_ok(J)))
                                    if self._step(J, grad, epoch, batch, keep) is False:
                                        # the epoch again up to this batch, which raises
                                        self._replay_start(snapshot)
                                        total, correct, grad_sq = 0.0, 0, []
                                        replay_to, completed, batch = batch + 1, 0, -1
                                        snapshot = None
                                        continue
                                total += J * Xb.shape[0]
                                if batch_hooks:
                                    state.logs = {"batch_loss": J}
                                    self._hook("on_batch_end", state)
                                # the parameters the next batch's loss is computed at (a
                                # callback may have set them), copied while still in cache
                                # (unless that batch keeps no copies: _last_good holds
                                # the epoch's start for a replay until the last batch)
                                if snapshot is None or batch >= n_batches - 2:
                                    np.copyto(self._next_good, net.params)
                                completed += 1
                                if deadline is not None and time.monotonic() >= deadline:
                                    timed_out = True
                            except KeyboardInterrupt as exc:
                                if fast and not np.isfinite(net.params).all():
                                    # no copies to go back to: replayed below to the last
                                    abort = exc if ctrl_c.aborted else None  # step completed
                                else:
                                    if fast:  # the parameters as they are, as the present
                                        fast = self._guard_fresh()  # guard keeps them
                                    elif not np.isfinite(net.params).all():
                                        self._restore_last_good(self._last_good)
                                        self._restore_optimizer_state()
                                    if ctrl_c.aborted:  # Ctrl-C again: abort, as it says
                                        raise
                                ctrl_c.set = True
                            if batch + 1 < replay_to:  # a replay does not stop before
                                continue
                            if fast and (ctrl_c.set or state.stop or timed_out):
                                # no copies kept: the batches completed again, with them
                                self._replay_start(snapshot)
                                total, correct, grad_sq = 0.0, 0, []
                                replay_to, completed, batch, snapshot = completed, 0, -1, None
                                continue
                            if abort is not None:  # a KeyboardInterrupt's replay done
                                raise abort
                            if ctrl_c.set or state.stop or timed_out:
                                break
                    # A Ctrl-C (or a stop) after the epoch's last batch leaves a complete
                    # epoch: it is recorded (and checkpointed) like any other before stopping.
                    if completed < n_batches and (ctrl_c.set or state.stop or timed_out):
                        self._stop_within_epoch(
                            epoch, completed, start,
                            epoch_start if self.checkpoint is not None else None,
                            ctrl_c.set, state.stop)
                        break
                    self.epoch = epoch
                    # the epoch is complete: a later fit goes on after it (unless its
                    # validation loss is not finite, which takes it back: see below)
                    ended, start = start, None
                    opt._flush_subnormal_state()  # (subnormals slow the steps down)
                    if by_epoch and given is not None:
                        right_rows = predicted == (target_class if order is None
                                                   else target_class[order])
                    elif by_epoch:
                        correct = int(np.count_nonzero(
                            predicted == (target_class if order is None else target_class[order])))
                    if right_rows is not None:  # the rows in the epoch's order, as their weights
                        accuracy = _weighted_mean(
                            right_rows, given if order is None else given[order])[0]
                    else:
                        accuracy = correct / m if classify else None
                    metrics = self._epoch_end(total / m, accuracy, grad_sq, val)
                    state.logs = metrics
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()
                                         if not isinstance(v, list)}, refresh=False)
                    if lines:
                        _say(_epoch_line(epoch, self.epochs, metrics))
                    self._stop_after_epoch(epoch, state, ctrl_c, deadline, timed_out)
                if history.stop_reason is None:
                    history.stop_reason = "epochs"
            # the run's end (finished or not, restore_best) before on_train_end: the hook
            # sees the network the call leaves, and an error it raises cannot undo that end
            self._end_of_call(net, history, at_begin, trained, restored, reached)
        except BaseException as exc:
            # an exception that ends the run (a callback's, a KeyboardInterrupt outside a
            # batch or on_epoch_end): the history says so, on_train_end included; a
            # divergence has said "diverged" already
            if (isinstance(exc, TrainingDiverged) and exc.what == "validation loss"
                    and self._cut is None):
                # the epoch's end: its last step rejected, the epoch no longer counted;
                # a later fit trains it again from its start, as resume would
                start = ended
            if isinstance(exc, TrainingDiverged):  # a step rejected at an epoch's first batch
                self._rejected_epoch_end(exc, val, epoch_start if self.checkpoint else None)
            if start is not None and self._cut is None:  # within an epoch, as a Ctrl-C there
                if isinstance(exc, TrainingDiverged) and exc.batch == 0 and exc.what == "loss":
                    start = self._kept_as_start(start)  # its start's loss was not finite
                self._cut = (start, net.params.copy())
            if history.stop_reason is None:
                history.stop_reason = ("interrupted" if isinstance(exc, KeyboardInterrupt)
                                       else "error")
            if not trained:  # the network as the earlier fit left it
                if reached is not None:  # its best parameters, the run's reached ones kept
                    self._reached = reached
                    _set_parameters(net, *self._ended_with)
                self._restored = restored
            raise
        finally:
            if bar is not None:
                bar.close()
            self._hook("on_train_end", state)
        return history
