"""One epoch of a training run: its start, its end and the stopping rules.

:class:`_EpochSteps`, a mixin base of :class:`~chainrule.training.Trainer`, holds the
methods the loop calls around each epoch: its start, kept and put back (an epoch a fit
stopped within is trained again from it), and its end (the history's metrics, the
schedule, early stopping and the thresholds, the callbacks).  Each batch's step and its
divergence guard are in its base :class:`~chainrule._training_step._GuardedStep`.
"""

from __future__ import annotations

import copy
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as np

from . import io
from ._network_inference import _weighted_mean
from ._training_step import _GuardedStep
from .callbacks import Callback, TrainState
from .checkpoints import checkpoint_payload
from .diagnostics import layer_grad_norms, saturation
from .network import Network
from .schedules import Schedule

# the metrics of the history that are lists, one value per layer (diagnostics)
_PER_LAYER = ("grad_norms", "saturation")


def _bar_drawn() -> bool:
    """Whether ``verbose=1``'s tqdm progress bar shows: stderr is a terminal, or a notebook
    draws tqdm's widget.  Elsewhere (stderr sent to a log file or a pipe, as in a batch job)
    tqdm would print nothing, so ``verbose=1`` prints :func:`_epoch_line` instead."""
    from tqdm.asyncio import tqdm as plain
    from tqdm.auto import tqdm

    if tqdm is not plain:  # tqdm.auto chose the notebook's widget, shown whatever stderr is
        return True
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty is not None and isatty())
    except ValueError:  # a closed stream
        return False


def _epoch_line(epoch: int, epochs: int, metrics: dict[str, Any], unit: str = "epoch") -> str:
    """The line ``verbose=2`` prints after an epoch (and ``verbose=1`` where no progress bar
    shows, see :func:`_bar_drawn`): "epoch 3/10: loss 0.5, lr 0.01" (``unit``
    "iteration" for ``chainrule train --optimizer lbfgs``)."""
    text = ", ".join(f"{k} {v:.5g}" for k, v in metrics.items() if not isinstance(v, list))
    return f"{unit} {epoch}/{epochs}: {text}"


def _weighted_cost(net: Network, losses: np.ndarray, w: np.ndarray | None) -> float:
    """Cost of the examples' ``losses`` (n,), weighted by ``w`` (n,) if given.

    As in training: the weighted mean of the examples' losses, and a per-sample
    weight decay divided by the sum of the weights (by the row count, with no
    loss part, when the weights are all zero).  Unweighted, the sum and the
    division of :meth:`Network._cost_value`.
    """
    if w is None:
        return float(np.mean(losses)) + net._decay_term(losses.shape[0])
    if not w.any():
        return net._decay_term(losses.shape[0])
    mean, total = _weighted_mean(losses, w)  # weights whose sum overflows too
    return mean + net._decay_term(total)


class _EpochSteps(_GuardedStep):
    """The start and the end of each epoch, and (from its base) the update of each batch:
    the mixin base of :class:`~chainrule.training.Trainer` that the loop calls."""

    # -- copies and pickles: the lists of the network's layers by their places -------------
    # (_buffered and _stateful, made as a fit begins, and an interrupted epoch's start,
    # _cut, name layers of self.net; the network is copied and pickled as its record, so
    # the copy's lists must name the copy's layers, not copies of the originals of their
    # own, which the next fit would restore the running statistics into, and which pickle
    # refuses, a layer holding a weak reference to its network)
    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        place = {id(layer): i for i, layer in enumerate(self.net.layers)}
        if "_stateful" in state:
            state["_stateful"] = [place[id(layer)] for layer in state["_stateful"]]
        if "_buffered" in state:
            state["_buffered"] = [(place[id(layer)], copies)
                                  for layer, copies in state["_buffered"]]
        if state.get("_cut") is not None:
            start, stopped_at = state["_cut"]
            layers = [(place[id(layer)], values, st) for layer, values, st in start["layers"]]
            state["_cut"] = ({**start, "layers": layers}, stopped_at)
        # the guard's copies of the optimizer's state, work vectors of the optimizer that
        # its own pickle leaves out: the copy's guard goes on with them as this one would
        work = getattr(self.optimizer, "_work", None) or {}
        kept = {k: v for k, v in work.items() if k.startswith("kept ")}
        if kept:
            state["_kept_optimizer_state"] = kept
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        kept = state.pop("_kept_optimizer_state", None)
        self.__dict__.update(state)
        if kept:
            work = getattr(self.optimizer, "_work", None)
            self.optimizer._work = {**(work or {}), **kept}
        layers = self.net.layers
        if "_stateful" in state:
            self._stateful = [layers[i] for i in state["_stateful"]]
        if "_buffered" in state:
            self._buffered = [(layers[i], copies) for i, copies in state["_buffered"]]
        if state.get("_cut") is not None:
            start, stopped_at = state["_cut"]
            start = {**start, "layers": [(layers[i], values, st)
                                         for i, values, st in start["layers"]]}
            self._cut = (start, stopped_at)

    def _epoch_start(self) -> dict[str, Any]:
        """What an epoch's batches change, as it is before them: the parameters (shape
        (n_params,)), the running statistics and the layers' generators (Dropout), the
        optimizer's step count and state vectors, and the run's generator (whose
        permutation of the rows the epoch draws first); :meth:`_rewind` puts it back."""
        net, opt = self.net, self.optimizer
        # (taken before every epoch: kept cheap for the many short epochs of small runs;
        # a generator's state is a new dict at each call, and most layers have none)
        start = {"params": net.params.copy(),
                 "layers": [(layer, {k: v.copy() for k, v in layer.buffers().items()},
                             copy.deepcopy(layer.get_state())) for layer in self._stateful],
                 "t": opt.t, "state": {k: v.copy() for k, v in opt.state.items()},
                 "rng": self.rng.bit_generator.state}
        if self.ema is not None:  # the moving average, which the epoch's steps change
            start["ema"] = self._ema_state()
        return start

    def _rewind(self, last_good: np.ndarray) -> None:
        """Go back to the start of the epoch an earlier fit stopped within, as :func:`resume`
        goes back to it from the checkpoint, unless the network was changed since.

        ``self._cut`` holds that epoch's :meth:`_epoch_start` and the parameters the
        network had when it stopped; ``last_good`` (and the running statistics that go
        with it) become those of the epoch's start too.
        """
        start, stopped_at = self._cut
        self._cut = None
        net = self.net
        if not np.array_equal(net.params, stopped_at):  # set by the user since: kept
            return
        self._put_epoch_start(start)
        np.copyto(last_good, net.params)
        for layer, copies in self._buffered:
            for k, live in layer.buffers().items():
                np.copyto(copies[k], live)
        self._keep_optimizer_state()  # and the optimizer's state the epoch starts with
        self._good_known = False  # (its loss not computed yet)

    def _kept_as_start(self, start: dict[str, Any]) -> dict[str, Any]:
        """``start`` (:meth:`_epoch_start`) of an epoch whose first loss was not finite, with
        the parameters, running statistics and average the guard kept (the last with a
        finite loss) for its own, which the rejected step made: a later fit goes back to
        them (to the start as it was, it would diverge again whatever the rate)."""
        net, opt = self.net, self.optimizer
        start = {**start, "params": net.params.copy(),
                 "layers": [(layer, {k: v.copy() for k, v in layer.buffers().items()}, st)
                            for layer, _, st in start["layers"]],
                 # the optimizer's state before the rejected step (_diverged put it back)
                 "t": opt.t, "state": {k: v.copy() for k, v in opt.state.items()}}
        if "ema" in start:
            start["ema"] = self._ema_state()
        return start

    def _put_epoch_start(self, start: dict[str, Any]) -> None:
        """Give the network, the optimizer and the generators the state ``start`` of
        :meth:`_epoch_start` (copied: ``start`` can be put back again)."""
        net, opt = self.net, self.optimizer
        net.params[...] = start["params"]
        for layer, values, state in start["layers"]:
            if values:
                layer.set_buffers(values)
            if state:
                layer.set_state(copy.deepcopy(state))
        opt.t, opt.state = start["t"], {k: v.copy() for k, v in start["state"].items()}
        self.rng.bit_generator.state = start["rng"]
        if "ema" in start:
            self._put_ema_state(start["ema"])

    def _metric_names(self, classify: bool, validated: bool) -> list[str]:
        """The metrics each epoch of this run records: the keys :meth:`_epoch_end` writes."""
        names = ["loss"] + (["accuracy"] if classify else [])
        if self.diagnostics:
            names += ["grad_norms", "saturation"]
        if self.diagnostics or self.grad_norm_threshold is not None:
            names.append("grad_norm")
        if validated:
            names += ["val_loss"] + (["val_accuracy"] if classify else [])
        return [*names, "lr"]

    def _check_schedule(self, n_batches: int, classify: bool,
                        validated: bool) -> Callable[[int, float, int], float] | None:
        """Refuse, before the run changes, a schedule the run cannot follow; its ``step_lr``.

        A metric that ``ReduceOnPlateau`` monitors and the run does not record is
        refused now, not after a trained epoch; a per-step schedule's
        ``check_run`` refuses a run it cannot follow (OneCycle's longer than its
        cycle), from the run's ``n_batches`` per epoch and its epochs in all.

        Returns
        -------
        callable or None
            The per-step schedule's ``step_lr``, which sets the rate of each step
            from the run's step count; None for an epoch schedule.
        """
        monitored = getattr(self.schedule, "_value", None)  # ReduceOnPlateau's metric
        if monitored is not None:
            monitored({k: [] if k in _PER_LAYER else 0.0  # an epoch's metrics, in kind
                       for k in self._metric_names(classify, validated)})
        if not self.schedule.per_step:
            return None
        self.schedule.check_run(n_batches, self.epochs)
        return self.schedule.step_lr

    def _epoch_end(self, loss: float, accuracy: float | None, grad_sq: list[float],
                   val: tuple[np.ndarray, ...] | None) -> dict[str, Any]:
        net, history = self.net, self.history
        metrics: dict[str, Any] = {"loss": loss}
        if accuracy is not None:
            metrics["accuracy"] = accuracy
        if self.diagnostics:
            metrics["grad_norms"] = layer_grad_norms(net)  # last batch of the epoch
            if self.clip_norm is not None:  # before clipping, like "grad_norm"
                metrics["grad_norms"] = [n / self._clip_scale for n in metrics["grad_norms"]]
            metrics["saturation"] = saturation(net)
        if grad_sq:
            metrics["grad_norm"] = math.sqrt(float(np.mean(grad_sq)))
        if val is not None:
            # in blocks of rows, like Network.evaluate: the layers' arrays exist for one
            # block at a time, and afterwards the layers keep none of them (the last
            # training batch's stay, which the diagnostics read); see
            # network._EvaluationPass.  The losses and the right answers of all the rows
            # are summed once, so a validation set of one block gives one pass's numbers.
            # with ema, of the moving average (the model kept), not of the last step's
            metrics.update(self._validation_metrics(val, accuracy is not None))
            if not math.isfinite(metrics["val_loss"]):  # the epoch's last step went too far
                self.epoch -= 1
                self._diverged("validation loss", self._last_good, self.epoch + 1,
                               self._n_batches - 1)
        metrics["lr"] = self.optimizer.lr
        history.append(**metrics)
        if not self.schedule.per_step and type(self.schedule).lr is not Schedule.lr:
            # the next epoch's rate; a constant schedule leaves the rate as it is, so that
            # a callback's change (state.optimizer.lr = ...) lasts, not only one epoch (a
            # per-step schedule, which sets each step's rate, leaves its last step's)
            self.optimizer.lr = self.schedule.lr(self.epoch, self.lr0, metrics)
        # stopping rules
        if self.patience is not None:
            value = metrics.get("val_loss", loss)
            if value < self.best_value - self.min_delta:
                self.best_value, self.wait = value, 0
                if self.ema_params is not None and self.ema is not None:
                    # the moving average at the epoch's end: the model the run keeps
                    self.best_params = self.ema_params.copy()
                    self.best_buffers = [{k: v.copy() for k, v in values.items()}
                                         for values in self.ema_buffers]
                elif val is None and self._n_batches == 1:
                    # The training loss of an epoch of one batch (full-batch "gd") is the
                    # cost of the parameters before its update, not of those after it:
                    # the best parameters are the ones the epoch started from.
                    self.best_params = self._last_good.copy()
                    self.best_buffers = [{k: v.copy() for k, v in copies.items()}
                                         for copies in self._good_buffers]
                else:
                    self.best_params = net.params.copy()
                    self.best_buffers = [{k: v.copy() for k, v in layer.buffers().items()}
                                         for layer in net.layers]
                history.best_epoch = self.epoch
            else:
                self.wait += 1
                if self.wait >= self.patience:
                    history.stop_reason = "early_stopping"
        if self.loss_threshold is not None and loss <= self.loss_threshold:
            history.stop_reason = "loss_threshold"
        threshold = self.grad_norm_threshold
        if threshold is not None and metrics["grad_norm"] <= threshold:
            history.stop_reason = "grad_norm_threshold"
        return metrics

    def _validation_metrics(self, val: tuple[np.ndarray, ...],
                            accuracy: bool) -> dict[str, float]:
        """``val_loss`` (and ``val_accuracy`` if ``accuracy``) of the network as it is (of
        the moving average, with ``ema``) on ``val``: (X_val (n_val, n_inputs), Y_val
        (n_val, n_outputs)) or with weights (n_val,) as a third item."""
        net, metrics = self.net, {}
        # in blocks of rows, like Network.evaluate: the layers' arrays exist for one
        # block at a time, and afterwards the layers keep none of them (the last
        # training batch's stay, which the diagnostics read); see
        # network._EvaluationPass.  The losses and the right answers of all the rows
        # are summed once, so a validation set of one block gives one pass's numbers.
        # with ema, of the moving average (the model kept), not of the last step's
        with np.errstate(over="ignore", invalid="ignore"), self._averaged():
            losses, right = net._pass_terms(val[0], val[1], net._block_rows(None, val[0]),
                                            accuracy, self._labels, self._label_cut)
            metrics["val_loss"] = _weighted_cost(net, losses, val[2] if len(val) > 2 else None)
        if right is not None:  # weighted as val_loss (accuracy_score's sample_weight)
            metrics["val_accuracy"] = (
                int(np.count_nonzero(right)) / val[0].shape[0] if len(val) < 3
                else _weighted_mean(right, val[2])[0])
        return metrics

    def _rejected_epoch_end(self, exc: BaseException, val: tuple[np.ndarray, ...] | None,
                            epoch_start: tuple[dict, dict] | None) -> None:
        """After a divergence at an epoch's first batch, whose rejected step was the last of
        the epoch recorded before it: that epoch's validation metrics, and early
        stopping's best value if it was the best epoch, become those of the parameters
        (or the average) the guard kept, which the network holds and ``restore_best``
        gives back, instead of those of the rejected step's.

        The epoch stays recorded: its training loss and accuracy are of the batches
        before their steps, all kept.  What its end decided (the schedule's next
        rate, early stopping's count) stands.  The run's checkpoint, which held the
        rejected step's parameters (whose loss is not finite: resuming it could only
        diverge again, whatever the rate), gets the state after that epoch with the
        kept ones, the generators as the next epoch's start had them
        (``epoch_start``, its payload): what ``save_checkpoint`` writes of a Trainer
        after it, from which a smaller rate trains the next epoch as a later fit does.
        """
        history = self.history
        if not (getattr(exc, "what", None) == "loss" and getattr(exc, "batch", None) == 0
                and self._good_known and self.epoch >= 1):
            return
        if val is not None and len(history.get("val_loss", ())) == self.epoch:
            kept = self._validation_metrics(val, "val_accuracy" in history)
            for name, value in kept.items():
                history[name][-1] = float(value)
            if self.patience is not None and history.best_epoch == self.epoch:
                self.best_value = kept["val_loss"]
        if self.checkpoint is not None and epoch_start is not None:
            meta, arrays = checkpoint_payload(self)
            meta["rng"], meta["states"] = epoch_start[0]["rng"], epoch_start[0]["states"]
            io.write_file(self.checkpoint, meta, arrays)

    def _batch_hooks(self) -> bool:
        """Whether a callback has an ``on_batch_end`` of its own (not the base class's no-op)."""
        return any(
            isinstance(cb, Callback) and (
                type(cb).on_batch_end is not Callback.on_batch_end
                or "on_batch_end" in getattr(cb, "__dict__", {}))
            for cb in self.callbacks
        )

    def _blocks_once(self, validated: bool) -> bool:
        """Whether a call's loop may enter its blocks (the errstate and the layers'
        reused buffers, _training_guards._Blocks) once for the whole call rather than
        once per epoch: when nothing between two epochs runs code of the user's or
        code whose warnings count (no callback, no validation data, no checkpoint, no
        gradient norms kept, a schedule whose rate is set per step or never changed).
        Entering them per epoch cost about 8 us an epoch, the most of a step's
        overhead on a network of a few units trained one example at a time."""
        schedule = self.schedule
        return (not self.callbacks and not validated and self.checkpoint is None
                and not self.diagnostics and self.grad_norm_threshold is None
                and (schedule.per_step or type(schedule).lr is Schedule.lr))

    def _hook(self, name: str, state: TrainState) -> None:
        for cb in self.callbacks:
            if isinstance(cb, Callback):
                getattr(cb, name)(state)
            elif name == "on_epoch_end":
                cb(state)
