"""The shared machinery of :mod:`chainrule.estimators`: parameters, network building,
training through :class:`chainrule.Trainer` / :func:`chainrule.minimize`, saving, pickling.

:class:`_BaseMLP` inherits most of its methods from mixin bases, one per job, each in
a module of its own: ``_mlp_params`` (:class:`_Parameters`: the parameters checked;
:func:`_solver_is_stochastic`, which makes ``partial_fit`` available),
``_mlp_building`` (:class:`_Building`: the network and optimizer they build),
``_mlp_fitted`` (:class:`_FittedNetwork`: ``coefs_``, ``intercepts_``, ``save``),
``_mlp_fitting`` (:class:`_Fitting`: the data, the checks that a fit continues its
network, the SciPy solvers), ``_mlp_rules``
(:class:`_EpochRules`: scikit-learn's rules after each epoch of the stochastic
solvers) and ``_mlp_checked_fit`` (:class:`_CheckedFit`: the fit itself, ``_fit`` and
``_checked_fit``, which check the input and call a solver) and ``_mlp_pickling``
(:class:`_Pickling`: ``__getstate__`` and ``__setstate__``, the network as arrays);
``_mlp_state`` reads and writes the training state, ``_mlp_schedule_run`` sets a
``partial_fit`` call to go on with the schedule the last call left,
``_mlp_early_stopping`` splits early stopping's validation rows off, ``_mlp_init``
(:class:`_Init`) holds ``__init__``.  Here remain the stochastic solvers' run through
the Trainer (which scores early stopping's validation rows with :func:`_evaluate`) and
prediction in blocks of rows (:func:`_evaluate`, the pass of ``_proba_rows`` in blocks of
``_EVAL_BLOCK_BYTES``, which the tests and benchmarks set here).  Import from
``chainrule._mlp_base``.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.validation import check_is_fitted, validate_data

from ._estimators_weight_scale import weight_scale_note
from ._mlp_building import _Building
from ._mlp_checked_fit import _CheckedFit
from ._mlp_early_stopping import early_stopping_split, stopping_record
from ._mlp_ema import ema_begin, ema_end
from ._mlp_fitted import ESTIMATOR_FORMAT, _FittedNetwork, named_network
from ._mlp_fitted import _checked_values as _checked_values
from ._mlp_fitted import _json_value as _json_value
from ._mlp_fitted import _loss_changed as _loss_changed
from ._mlp_fitted import _ParameterList as _ParameterList
from ._mlp_fitted import _schedule_config as _schedule_config
from ._mlp_fitting import _SCIPY_METHOD as _SCIPY_METHOD
from ._mlp_fitting import _SK_NAME as _SK_NAME
from ._mlp_fitting import _Fitting
from ._mlp_fitting import _seed as _seed
from ._mlp_image_rows import check_rows_given, fitted_image_rows
from ._mlp_init import _Init
from ._mlp_params import _STOCHASTIC as _STOCHASTIC
from ._mlp_params import SOLVERS, _Parameters
from ._mlp_params import _finite_real as _finite_real
from ._mlp_params import _solver_is_stochastic as _solver_is_stochastic
from ._mlp_pickling import _Pickling
from ._mlp_rules import _AveragedEpochRule as _AveragedEpochRule
from ._mlp_rules import _EpochRule as _EpochRule
from ._mlp_rules import _EpochRules
from ._mlp_rules import _reported_loss as _reported_loss
from ._mlp_rules import _set_rate as _set_rate
from ._mlp_schedule_run import go_on_with_schedule
from ._proba_rows import EVAL_BLOCK_BYTES, evaluate_blocks
from ._training_ema import warn_slow_average
from ._training_epochs import _bar_drawn
from ._training_guards import _say
from ._validation import caller_outside_chainrule, number_text
from ._validation_arrays import check_readable, naming_conversion
from .network import Network
from .schedules import get_schedule
from .training import Trainer, TrainingDiverged

# ``_name as _name``: the helpers that moved stay importable from here, as they were from the
# one module before the split (estimators imports _loss_changed and _solver_is_stochastic,
# _mlp_state _schedule_config, the tests _EpochRule and _AveragedEpochRule)

__all__ = ["ESTIMATOR_FORMAT", "SOLVERS", "_BaseMLP"]


# The block size of the estimators' predictions (the size and why: _proba_rows), read here
# at each call of _evaluate, so that the tests and benchmarks/bench_predict.py set it here
_EVAL_BLOCK_BYTES = EVAL_BLOCK_BYTES


def _evaluate(net: Network, X: np.ndarray,
              of_net_input: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
    """:func:`chainrule._proba_rows.evaluate_blocks` in blocks of ``_EVAL_BLOCK_BYTES``:
    ``net.forward(X)`` in evaluation mode (or ``of_net_input`` of the output layer's net
    input), of shape (n_samples, n_outputs), computed a block of rows at a time."""
    return evaluate_blocks(net, X, of_net_input, _EVAL_BLOCK_BYTES)


def _as_images(net: Network, X: object) -> object:
    """``X`` as the images a convolutional network takes, (n_samples, C, H, W) (a view
    of the flat rows); other networks' ``X``, and a sparse matrix, as is (the blocks of
    :func:`_evaluate` are made dense and shaped as images one at a time, where the
    first layer is not a Dense layer)."""
    shape = net.n_inputs
    if not isinstance(shape, tuple) or scipy.sparse.issparse(X):
        return X
    return X.reshape(X.shape[0], *shape)


class _BaseMLP(_Init, _Parameters, _Building, _FittedNetwork, _Fitting, _CheckedFit,
               _EpochRules, _Pickling, BaseEstimator):
    """Shared parameters, network building and training of the two estimators."""

    _is_classifier = False

    def _fit_stochastic(self, X: np.ndarray, Y: np.ndarray, y: np.ndarray,
                        sw: np.ndarray | None, incremental: bool,
                        score_sw: np.ndarray | None = None) -> None:
        """``sw``: the training weights (``class_weight`` included); ``score_sw``: the
        ``sample_weight`` given, which alone weighs early stopping's validation rows."""
        if incremental:
            self._check_carried_rule()
        net = self.network_
        stopping_record(self)  # anew where early_stopping has changed since the last fit
        val_score, validation = None, None
        if self.early_stopping:
            X, Y, sw, Xv, yv, swv, validation = early_stopping_split(self, X, Y, y, sw, score_sw)

            def val_score() -> float:
                return self._score_output(_evaluate(net, _as_images(net, Xv)), yv, swv)

        n = X.shape[0]
        bs = min(200, n) if self.batch_size == "auto" else int(min(self.batch_size, n))
        if self.batch_size != "auto" and self.batch_size > n:  # said, as scikit-learn says it
            left = " left by the validation split" if self.early_stopping else ""
            warnings.warn(f"batch_size={number_text(self.batch_size)} is larger than the {n} "
                          f"training examples{left}; it is clipped to {n} (one batch per "
                          "epoch)", UserWarning, stacklevel=caller_outside_chainrule())
        if not incremental or not hasattr(self, "_optimizer"):
            # a new optimizer starts at learning_rate_init, as scikit-learn's does on every
            # fit (partial_fit goes on with the rate the rules have reached)
            self._optimizer = self._make_optimizer()
            # the rule it goes on with (_EpochRules)
            self._optimizer_rule = self._rule_settings(self.solver == "sgd")
            self.__dict__.pop("_lr", None)
        if not hasattr(self, "_no_improvement_count"):
            self._no_improvement_count = 0
            self._best_loss = np.inf
            self._best_score = -np.inf
        if not hasattr(self, "_best_params"):
            # the parameters of the best validation score so far: like that score
            # (``_best_score``), kept over warm starts, so that a warm-start fit that never
            # beats it ends with the parameters that scored it (scikit-learn's rule)
            self._best_params: tuple[np.ndarray, list[dict]] | None = None
        epochs = 1 if incremental else int(self.max_iter)
        kept = getattr(self, "_schedule_run", None)
        # the state partial_fit goes on with (see below)
        kept_state = None if kept is None else dict(kept[0].get_state())
        rule, k = self._epoch_rule(val_score, n, incremental), self._outputs_averaged()
        notes = rule.notes  # the "adaptive" rate's lines, said after the epoch's line
        if self.ema is not None:  # the validation score, and its best parameters, of the
            scored = rule  # moving average (the Trainer below, bound when it runs)

            def rule(state: Any, loss: float) -> None:
                with trainer._averaged():
                    scored(state, loss)
        # verbose=2: the epoch's line is printed by the rule, with the loss on
        # scikit-learn's scale (loss_curve_'s) rather than the Trainer's; verbose=1: the
        # Trainer's progress bar where one shows, else (stderr is a log file or a pipe) the
        # rule's line per epoch
        verbose = int(self.verbose)
        bar = verbose > 0 and _bar_drawn()
        lines = 2 if verbose >= 2 or (verbose and not bar) else 0
        scores = self.validation_scores_ if val_score is not None else None
        epoch_rule = (_EpochRule(rule, lines, scores) if k == 1
                      else _AveragedEpochRule(rule, net, k, n, bs, lines, scores))
        epoch_rule.notes = notes
        # a Schedule object given as `schedule` is a parameter: the run changes a copy of it
        # (its state: a plateau's best value and reductions), as fit changes no parameter
        trainer = Trainer(
            net, optimizer=self._optimizer, batch_size=bs, epochs=epochs,
            seed=int(self._rng.integers(2**31)), verbose=int(bar),
            shuffle=bool(self.shuffle),
            # "cosine" without T_max anneals over max_iter, for fit and partial_fit alike
            schedule=get_schedule(copy.deepcopy(self.schedule), epochs=self.max_iter),
            callbacks=[epoch_rule], clip_norm=self.clip_norm,  # checked: None or a number > 0
            max_time=self.max_time,  # checked after each mini-batch, as train's
            ema=self.ema,  # checked: None or a decay in (0, 1)
        )
        trainer._refit = False  # a new Trainer for each fit and partial_fit call
        # the training accuracy is counted only for a schedule, which may read it ("plateau"
        # with monitor="accuracy" or "val_accuracy"); nothing else here does
        trainer._count_accuracy = self.schedule is not None
        # partial_fit: the schedule where the last call left it
        go_on_with_schedule(self, trainer, kept, kept_state, incremental)
        ema_begin(self, trainer)  # the average of the last call, which partial_fit goes on with
        # partial_fit: the divergence guard of the last call, whose last step it goes on from
        carried = self.__dict__.pop("_guard_run", None)
        if incremental:
            trainer._guard_adopt(carried)
        epoch_rule.epochs = trainer.epochs
        self.__dict__.pop("_stop_note", None)  # set by the rule that stops the run
        try:
            history = trainer.fit(X, Y, validation if validation is None or swv is None
                                  else (*validation, swv), sample_weight=sw)
        except TrainingDiverged as exc:  # record the completed epochs, then say it as ours
            ema_end(self, trainer, False, diverged=True)  # the average of the steps kept
            self._record(exc.history, epoch_rule.losses, n)
            clip = "" if self.clip_norm is None else f"a smaller (now {self.clip_norm:g}) "
            kept = ("its last parameters with a finite loss" if trainer._good_known
                    or exc.what != "loss" else "the parameters this call started from, "
                    "whose loss that is (none before them had a finite one)")
            raise TrainingDiverged(  # (a huge input row: the Trainer's words, no rate)
                f"{type(self).__name__}: {exc}" if exc.what == "running statistics" else
                f"{type(self).__name__}: training diverged at epoch {exc.epoch}, batch "
                f"{exc.batch}: the {exc.what} became NaN or infinite; the network keeps "
                f"{kept}. Try a smaller learning_rate_init (now "
                f"{self.learning_rate_init:g}) or {clip}clip_norm (gradient clipping)."
                + weight_scale_note(sw, self.alpha),  # weights of a small sum: a strong alpha
                exc.epoch, exc.batch, exc.history, exc.what,
            ) from None
        if incremental:  # (its copies, reused: no allocation per call)
            self._guard_run = trainer._guard_carry()
        best = self.early_stopping and self._best_params is not None
        ema_end(self, trainer, best)  # ema: the average in the network, the steps kept
        if not incremental and trainer.ema_params is not None:  # (partial_fit: no advice)
            warn_slow_average(self.ema, trainer.ema_count)
        if best:  # the best validation score
            net.params[...] = self._best_params[0]
            for layer, values in zip(net.layers, self._best_params[1], strict=True):
                if values:
                    layer.set_buffers(values)
        self._record(history, epoch_rule.losses, n)
        if self.schedule is not None:
            self._schedule_run = (trainer.schedule, trainer.epoch, trainer.lr0)
        note = self.__dict__.pop("_stop_note", None)
        if note is not None and verbose:  # after the last epoch's line
            _say(note)
        if history.stop_reason == "interrupted":
            # one Ctrl-C stopped the run after a mini-batch and the estimator keeps what it
            # reached: said as scikit-learn's MLP says it, a warning a caller can catch or log
            # (the message on stderr is lost where there is none)
            warnings.warn("Training interrupted by user.", UserWarning,
                          stacklevel=caller_outside_chainrule())
        elif history.stop_reason == "max_time":  # partial_fit's call too
            warnings.warn(self._max_time_message(history, trainer), ConvergenceWarning,
                          stacklevel=caller_outside_chainrule())
        elif not incremental and history.stop_reason == "epochs":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=5)

    # -- prediction ------------------------------------------------------------------------------
    def _forward(self, X: object,
                 of_net_input: Callable[[np.ndarray], np.ndarray] | None = None) -> np.ndarray:
        """The network's outputs for ``X`` (or ``of_net_input`` of its output net input,
        see :func:`_evaluate`), in blocks of rows."""
        check_is_fitted(self, "network_")
        # integers, booleans and float16 are kept as they are (as float32 and float64 are; a
        # memory map stays mapped), then made dense (when sparse) and converted to the
        # network's dtype a block of rows at a time; anything else (lists, text of numbers,
        # longdouble) is computed in float64
        kind = getattr(getattr(X, "dtype", None), "kind", None)
        # longdouble X: scikit-learn keeps it at predict (its products with the float64
        # weights are longdouble); the network computes in float64, its outputs are given
        # as longdouble, the dtype scikit-learn's predictions have
        wide = kind == "f" and X.dtype.itemsize > 8
        shape = self.network_.n_inputs  # images (n, C, H, W) as their rows, as fit takes them
        check_rows_given(X)  # None, a set, a generator: named, not read as NaN or objects
        check_readable(X, "X")  # a mask, times: what validate_data would read wrong
        # the refusal of other images says where the shape came from at fit
        X = fitted_image_rows(self, X, shape if isinstance(shape, tuple) else None)
        with naming_conversion(X, "X"):
            X = validate_data(self, X, reset=False, accept_sparse="csr",
                              dtype="numeric" if kind in ("b", "i", "u")
                              else (np.float64, np.float32, np.float16))
        net = self.network_
        # NumPy's promotion, as scikit-learn's products give it: a float32 network computes
        # in float64 (a float64 copy of its parameters) for float64 X, int32/int64 X too;
        # float32 X (and float16, bool, 8/16-bit integers) stays float32, never copied to
        # float64 (scikit-learn keeps float16 X at predict, float32 in its products)
        if np.result_type(X.dtype, net.dtype) != net.dtype:
            net = net.astype(np.float64)
        with named_network(self):  # a NaN parameter: est.network_.layers[i].W, est.coefs_[k]
            out = _evaluate(net, _as_images(net, X), of_net_input)
        return out.astype(np.longdouble) if wide else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags
