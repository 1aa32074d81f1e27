"""scikit-learn's rules for the stochastic solvers, run by the Trainer after every epoch:
the loss it reports, the learning-rate rules ("invscaling", "adaptive"), and stopping
on ``tol`` and ``n_iter_no_change``; :class:`_EpochRules`, a mixin base of
:class:`~chainrule._mlp_base._BaseMLP`, holds those methods of the class."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._training_guards import _say
from .callbacks import Callback, TrainState
from .network import Network
from .optimizers import SGD, Optimizer
from .training import _epoch_line


def _set_rate(optimizer: Optimizer, lr_used: float, lr_new: float) -> None:
    """Set ``optimizer.lr`` to ``lr_new`` so that SGD's momentum goes on as scikit-learn's.

    chainrule's SGD keeps ``v <- mu v + g`` and steps ``lr v`` (SPEC 7, PyTorch's
    form); scikit-learn keeps ``u <- mu u - lr g`` and steps ``u``.  The two are the
    same while ``u = -lr v``, that is while the rate is constant.  When the rate changes
    from ``lr_used`` to ``lr_new``, scaling the stored ``v`` by ``lr_used / lr_new``
    keeps ``u = -lr_new v`` for the next step, so the estimators' learning-rate rules
    ("invscaling", "adaptive") give scikit-learn's steps, with Nesterov's too (both
    step ``-lr (g + mu v) = mu u - lr g``).  The divergence guard's copy of ``v``
    before the last step is scaled alike: a step it rejects at the next epoch's first
    batch gives back that ``u``, in the units of the new rate.  Other optimizers only
    take the new rate.

    Parameters
    ----------
    optimizer : Optimizer
    lr_used : float
        The rate of the steps just taken (> 0).
    lr_new : float
        The rate of the next steps (> 0).
    """
    velocity = optimizer.state.get("velocity") if isinstance(optimizer, SGD) else None
    # A rate that underflows to 0 ("invscaling" with a huge power_t or a subnormal
    # learning_rate_init, "adaptive" dividing 5e-324 by 5) leaves v as it is: every step at
    # rate 0 is 0, and both rules never raise the rate again.  scikit-learn's u = mu u
    # would still coast by at most mu / (1 - mu) times the last u, which at the rate
    # before (< 1e-290 whenever the next one underflows) moves no weight of ordinary size.
    if velocity is not None and lr_new != lr_used and lr_new != 0.0:
        velocity *= lr_used / lr_new
        # and the divergence guard's copy of the velocity before the last step, which it
        # puts back if the next loss is not finite: in the units of the new rate as well
        kept = (getattr(optimizer, "_work", None) or {}).get("kept velocity")
        if kept is not None:
            kept *= lr_used / lr_new
    optimizer.lr = lr_new


def _invscaling(lr: float, seen: int, power_t: float) -> float:
    """``lr / seen ** power_t``, "invscaling"'s rate after ``seen - 1`` training examples.

    A ``seen ** power_t`` beyond the largest float raised Python's bare "(34, 'Numerical
    result out of range')" (scikit-learn's MLP raises an OverflowError there too): the
    OverflowError raised here names ``power_t`` and the count it was too large for.
    """
    try:
        return lr / seen ** power_t
    except OverflowError:
        raise OverflowError(
            f"power_t={power_t:g} is too large for learning_rate='invscaling' after "
            f"{seen - 1} training examples: (t + 1) ** power_t = {seen} ** {power_t:g} "
            f"overflows a float (above 1.8e308); give a smaller power_t (such as the "
            f"default 0.5)") from None


def _reported_loss(cost: float, decay: float, k: int) -> np.float64:
    """scikit-learn's loss from the network's ``cost`` whose weight-decay part is ``decay``.

    SPEC 3's ``squared_error`` is ``1/2 ||a - y||^2`` summed over the outputs,
    and the network's cost and gradient follow it.  scikit-learn's MLPRegressor
    takes the same gradient (``a - y`` per output) but reports the data term
    averaged over the ``k`` outputs too (``((y - p)**2).mean() / 2``) and the L2
    term as it is; ``tol`` and ``n_iter_no_change`` act on that value.  With
    ``k = 1`` (and every other loss) the two agree and ``cost`` is returned as
    it is.

    Parameters
    ----------
    cost : float
        Data term plus weight decay, as the network computes it.
    decay : float
        The weight-decay part of ``cost``.
    k : int
        The number of squared-error outputs the data term is averaged over (1: none).
    """
    # np.float64, as scikit-learn's loss_, best_loss_ and loss_curve_ hold
    return np.float64(cost if k == 1 else (cost - decay) / k + decay)


class _EpochRule(Callback):
    """The estimators' rules after every epoch, given the epoch's loss on scikit-learn's scale.

    This class serves one output, or any loss but the squared error: the
    epoch's loss is the Trainer's.  :class:`_AveragedEpochRule` serves several
    squared-error outputs.  ``losses`` collects one value per completed epoch.
    (No ``on_batch_end`` here: without one, the Trainer enters its blocks once
    per epoch instead of once per batch.)

    Parameters
    ----------
    rule : callable
        ``rule(state, loss)``, run at the end of each epoch.
    verbose : int, default 0
        2 or more: after the rule, print the epoch's line (the Trainer's, with
        this loss and the last validation score) on stderr, so that it shows
        what ``loss_curve_`` and ``validation_scores_`` record (the estimators
        pass 2 for ``verbose=1`` too where no progress bar shows).
    scores : list of float, optional
        The estimator's ``validation_scores_`` (with early stopping).

    ``notes``: lines that the rule left to say (the "adaptive" rate's change), printed on
    stderr after the epoch's line (or alone, where a progress bar shows), then cleared.
    """

    def __init__(self, rule: Callable[[TrainState, float], None], verbose: int = 0,
                 scores: list[float] | None = None) -> None:
        self.rule = rule
        self.losses: list[float] = []
        self.notes: list[str] = []
        self.verbose, self.scores = verbose, scores
        self.epochs = 0  # the run's last epoch, for the printed line (set before training)

    def epoch_loss(self, state: TrainState) -> float:
        return float(state.logs["loss"])

    def on_epoch_end(self, state: TrainState) -> None:
        loss = self.epoch_loss(state)
        self.losses.append(loss)
        self.rule(state, loss)
        if self.verbose >= 2:
            metrics = {**state.logs, "loss": loss}
            if self.scores:
                metrics["validation_score"] = self.scores[-1]
            _say(_epoch_line(state.epoch, self.epochs, metrics))
        for note in self.notes:
            _say(note)
        self.notes.clear()


class _AveragedEpochRule(_EpochRule):
    """:class:`_EpochRule` for ``k > 1`` squared-error outputs.

    The loss of each batch (taken before its update, as the Trainer's and
    scikit-learn's are) is converted by :func:`_reported_loss` with the
    network's decay term of that batch, and the epoch's loss is their mean
    weighted by the batch rows, as scikit-learn accumulates it.

    Parameters
    ----------
    rule : callable
        ``rule(state, loss)``, run at the end of each epoch.
    net : Network
    k : int
        See :func:`_reported_loss`.
    n, batch_size : int
        Training rows per epoch and rows per batch (the last batch takes the rest).
    """

    def __init__(self, rule: Callable[[TrainState, float], None], net: Network, k: int,
                 n: int, batch_size: int, verbose: int = 0,
                 scores: list[float] | None = None) -> None:
        super().__init__(rule, verbose, scores)
        self.net, self.k, self.n, self.batch_size = net, k, n, batch_size
        self._total = 0.0

    def on_batch_end(self, state: TrainState) -> None:
        rows = min(self.batch_size, self.n - state.batch * self.batch_size)
        self._total += rows * _reported_loss(float(state.logs["batch_loss"]),
                                             self.net._last_decay, self.k)

    def epoch_loss(self, state: TrainState) -> float:
        loss, self._total = self._total / self.n, 0.0
        return loss


class _EpochRules:
    """scikit-learn's epoch rules and the fitted attributes they record: the mixin base of
    :class:`~chainrule._mlp_base._BaseMLP` that the Trainer's epochs call."""

    _loss_type: type = np.float64  # the recorded losses' (set by each fit: _checked_fit)

    def _record(self, history: Any, losses: list[float], n: int) -> None:
        """The run's epochs into the fitted attributes.

        ``losses`` holds the loss of each completed epoch on scikit-learn's scale
        (see :class:`_EpochRule`), ``n`` the training examples per epoch.  As in
        scikit-learn, ``n_iter_`` counts the epochs of this call, while
        ``loss_curve_`` and ``t_`` go on over warm starts and ``partial_fit`` calls.
        ``best_loss_`` (without early stopping) and ``best_validation_score_`` (with
        it) take these epochs in, a run that diverged too (its completed epochs are in
        ``loss_curve_`` and ``validation_scores_``).
        """
        # scikit-learn's type: np.float64, np.float32 where its sum is (_loss_type)
        losses = [self._loss_type(v) for v in losses]
        self.loss_curve_.extend(losses)
        self.n_iter_ = history.epochs
        self.t_ += n * history.epochs
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.history_ = history
        if self.early_stopping:
            self.best_loss_ = None
            if self.validation_scores_:
                self.best_validation_score_ = float(max(self.validation_scores_))
        else:  # the best epoch of the fits since the rule (re)started: stopping_record
            seen = [*losses, *([] if self.best_loss_ is None else [self.best_loss_])]
            if seen:
                self.best_loss_ = min(seen)  # of its own epoch's type, as scikit-learn's

    def _max_time_message(self, history: Any, trainer: Any) -> str:
        """The warning of a mini-batch fit (or ``partial_fit`` call) that ``max_time`` ended.

        The Trainer checks ``max_time`` after each mini-batch: the fit stops after the
        one in which it is spent, within an epoch or at its end.  The completed epochs
        are recorded (``n_iter_``, ``loss_curve_``, ``t_``); the steps of an epoch cut
        short stay in the network (as after a Ctrl-C), unless early stopping restored
        its best parameters.
        """
        done, cut = history.epochs, int(getattr(trainer, "_batches_kept", 0) or 0)
        said = (f"{type(self).__name__}: max_time={self.max_time:g} s spent after "
                f"{done} complete epoch(s) (n_iter_={done})")
        if cut:
            said += (f" and {cut} of the {trainer._n_batches} mini-batches of epoch "
                     f"{trainer.epoch + 1}, which loss_curve_ and t_ do not count")
        if self.early_stopping and getattr(self, "_best_params", None) is not None:
            said += "; the network has the parameters of the best validation score"
        elif getattr(self, "ema", None) is not None:
            said += "; the network has the moving average of the weights (ema)"
        elif cut:
            said += "; the network keeps the parameters of its last mini-batch"
        return said + ("; the optimization hasn't converged yet (raise max_time, or set it "
                       "to None, to train further)")

    def _epoch_rule(self, val_score: Callable[[], float] | None, n: int,
                    incremental: bool) -> Callable[[TrainState, float], None]:
        """scikit-learn's rules, run after every epoch by the Trainer (see :class:`_EpochRule`).

        The rule is called as ``rule(state, loss)`` with the epoch's training loss on
        scikit-learn's scale (:func:`_reported_loss`).

        Learning rate of "sgd": "invscaling" sets ``lr = learning_rate_init /
        (t + 1) ** power_t`` with ``t`` the training examples seen so far;
        "adaptive" divides it by 5 instead of stopping (until it is 1e-6); each
        change rescales SGD's stored velocity (:func:`_set_rate`) so that momentum
        follows scikit-learn's form.  A new optimizer (every ``fit``) starts again
        at ``learning_rate_init``, as in scikit-learn.  The rule is the optimizer's
        (:meth:`_carried_rule`): ``partial_fit`` after ``set_params`` of
        ``solver``, ``learning_rate``, ``learning_rate_init`` or ``power_t`` goes
        on with the optimizer of the first call and the rule it was built with, as
        scikit-learn's does (its SGDOptimizer holds its schedule; Adam has none).
        Stopping: an epoch counts as no improvement when the training loss is not
        below the best so far minus ``tol`` (with ``early_stopping``: the
        validation score is not above the best plus ``tol``); training stops after more than
        ``n_iter_no_change`` such epochs in a row.  ``partial_fit`` counts its
        epochs too and, as in scikit-learn, never stops but lowers an "adaptive"
        rate.  With early stopping the parameters of the best validation score
        are restored afterwards.  With ``verbose``, a fall of the "adaptive" rate
        is said as scikit-learn's MLP says it ("... Setting learning rate to
        0.000200"), by a line left in the returned rule's ``notes``.
        """
        net, tol = self.network_, float(self.tol)
        settings = self._carried_rule()
        schedule = "constant" if settings is None else settings["learning_rate"]
        rule_lr = schedule != "constant"
        if rule_lr and not hasattr(self, "_lr"):
            self._lr = float(settings["learning_rate_init"])
        t0 = self.t_
        notes: list[str] = []

        def rule(state: Any, loss: float) -> None:
            lr_used = float(state.logs["lr"])  # the rate of the epoch just run
            if schedule == "invscaling":
                self._lr = _invscaling(float(settings["learning_rate_init"]),
                                       t0 + n * state.epoch + 1, float(settings["power_t"]))
            stopping_rule(state, loss)  # partial_fit too: an "adaptive" rate falls
            if rule_lr:  # the next epoch's rate (the Trainer's constant schedule leaves it)
                _set_rate(state.optimizer, lr_used, self._lr)

        def stopping_rule(state: Any, loss: float) -> None:
            if val_score is not None:
                score = val_score()
                self.validation_scores_.append(score)
                worse = score < self._best_score + tol
                if score > self._best_score:
                    self._best_score = score
                    self._best_params = (net.params.copy(), [
                        {k: v.copy() for k, v in layer.buffers().items()}
                        for layer in net.layers])
            else:
                worse = loss > self._best_loss - tol
                self._best_loss = min(self._best_loss, loss)
            self._no_improvement_count = self._no_improvement_count + 1 if worse else 0
            if self._no_improvement_count > self.n_iter_no_change:
                why = (f"{'Validation score' if val_score is not None else 'Training loss'}"
                       f" did not improve more than tol={tol:g} for {self.n_iter_no_change} "
                       f"consecutive epochs.")
                if schedule == "adaptive" and self._lr > 1e-6:
                    self._lr /= 5.0
                    self._no_improvement_count = 0
                    if self.verbose:  # said after the epoch's line, as scikit-learn says it
                        notes.append(f"{why} Setting learning rate to {self._lr:f}")
                elif not incremental:  # partial_fit runs its one epoch whatever the count
                    state.stop = True
                    # why, for verbose to say after the run (as scikit-learn's MLP says it)
                    small = " Learning rate too small." if schedule == "adaptive" else ""
                    self._stop_note = f"{why}{small} Stopping."

        rule.notes = notes  # the lines for _EpochRule to say after the epoch's line
        return rule

    def _rule_settings(self, sgd: bool) -> dict[str, Any] | None:
        """The learning-rate rule, by the current settings, of an SGD (``sgd``); None for
        the other optimizers, whose rate no rule changes."""
        if not sgd:
            return None
        return {"learning_rate": str(self.learning_rate),
                "learning_rate_init": float(self.learning_rate_init),
                "power_t": float(self.power_t)}

    def _carried_rule(self) -> dict[str, Any] | None:
        """The rule of the optimizer in use, with the settings it was built with.

        ``{"learning_rate", "learning_rate_init", "power_t"}`` for an SGD, None
        for the others (their rate is left alone).  An optimizer that came without
        one (an estimator pickled before the rule was kept) takes the current
        settings; :func:`chainrule.load_estimator` gives one read from a file that
        recorded none the rule of the file's settings.
        """
        if hasattr(self, "_optimizer_rule"):
            return self._optimizer_rule
        return self._rule_settings(isinstance(getattr(self, "_optimizer", None), SGD))

    def _check_carried_rule(self) -> None:
        """Refuse a ``schedule`` for a ``partial_fit`` whose optimizer follows a rule.

        ``partial_fit`` goes on with the optimizer of its first call and the
        "invscaling" or "adaptive" rule that SGD was built with
        (:meth:`_carried_rule`); a ``schedule`` set since would set its rate as well,
        which ``learning_rate`` and ``schedule`` given together are refused for.
        The rule, which runs after the schedule each epoch, would leave the
        schedule without effect.
        """
        if self.schedule is None or not hasattr(self, "_optimizer"):
            return
        carried = self._carried_rule()
        if carried is not None and carried["learning_rate"] != "constant":
            raise ValueError(
                f"schedule={self.schedule!r}: partial_fit goes on with the optimizer of its "
                f"first call, whose rate follows learning_rate={carried['learning_rate']!r} "
                "(as it was built); the two would both set the learning rate: set "
                "schedule=None to go on, or call fit, which builds a new optimizer")

    def _outputs_averaged(self) -> int:
        """How many outputs the reported loss averages over: k squared-error (or Huber)
        outputs, else 1.

        See :func:`_reported_loss`: scikit-learn reports the squared error of
        several outputs as their mean, the network's cost (SPEC 3) as their sum;
        the Huber loss, the squared error within ``huber_delta``, is reported on
        the same scale (PyTorch's ``HuberLoss`` averages over the outputs too).
        """
        net = self.network_
        return int(net.n_outputs) if net.loss.name in ("squared_error", "huber") else 1
