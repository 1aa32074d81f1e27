"""The training loop: epochs of shuffled mini-batches through an optimizer.

:func:`train` is the one-call interface; :class:`Trainer` holds the run's
state (optimizer, schedule, random generator, epoch, history, best
parameters), which is exactly what a checkpoint saves and :func:`resume`
restores, so a resumed run gives the same parameters as an uninterrupted one
(given the same data, and the same sample weights: the checkpoint records
whether the run and its validation rows were weighted, and resuming with a different
weighting is refused;
it also records the run's ``class_weight``, which the resumed run applies again).

Safety: a loss or parameter that becomes NaN or infinite stops the run with
:class:`TrainingDiverged` (saying where) and the network keeps its last
finite parameters; Ctrl-C stops after the current batch and keeps the
parameters and history so far (after an epoch's last batch, that epoch
complete: recorded, and checkpointed, like the others; after the run's last
batch, the run complete: it ends as the uninterrupted run does); a second
Ctrl-C aborts: its KeyboardInterrupt ends the run where it lands and goes
on to the caller (the checkpoint keeps the last one written).  For the run,
in the main thread, the loop's own SIGINT handler replaces Python's default
one (put back after, also when the run raises); any other (a handler the host
program set, from Python or from C, ``SIG_DFL``, ``SIG_IGN``) stays in place, as
Keras leaves SIGINT alone: Ctrl-C then does what it says, and stops the run only
if it raises KeyboardInterrupt (where it lands: the run keeps its current
parameters) or a callback sets ``state.stop``.

:class:`Trainer` is defined in ``_training_trainer`` (its settings, ``__init__``, and
:meth:`Trainer.from_checkpoint`) and inherits most of its methods from mixin bases,
each in a module of its own: ``_training_data`` (:class:`_TrainingData`: the training
data as the loop takes it), ``_training_loop`` (:class:`_TrainingLoop`:
:meth:`Trainer.fit`, and its base ``_training_stops``: how a call stops),
``_training_epochs`` (:class:`_EpochSteps`: each epoch's start, metrics and stopping
rules, and its base ``_training_step``: each step's update and divergence guard),
``_training_checkpoints``
(:class:`_Checkpoints`: writing them) and ``_training_run_end`` (:class:`_RunEnd`: what a
call of fit leaves in the network); ``_training_guards`` holds
:class:`TrainingDiverged`, the finite check, Ctrl-C's flag and the blocks without
overflow warnings, and ``_training_resume`` :func:`resume`.  Here remains :func:`train`.
Import from ``chainrule.training``.
"""

from __future__ import annotations

import difflib
import functools
import inspect
from typing import Any

import numpy as np

from ._training_checkpoints import _check_not_overwriting as _check_not_overwriting
from ._training_data import _argmax_rows as _argmax_rows
from ._training_data import _check_sparse as _check_sparse
from ._training_data import _densify as _densify
from ._training_data import _exact_one_hot as _exact_one_hot
from ._training_data import _Gather as _Gather
from ._training_data import _is_sparse as _is_sparse
from ._training_data import _storage_dtype as _storage_dtype
from ._training_epochs import _PER_LAYER as _PER_LAYER
from ._training_epochs import _epoch_line as _epoch_line
from ._training_epochs import _weighted_cost as _weighted_cost
from ._training_guards import _NO_BLOCK as _NO_BLOCK
from ._training_guards import TrainingDiverged
from ._training_guards import _Blocks as _Blocks
from ._training_guards import _params_finite as _params_finite
from ._training_guards import _StopFlag as _StopFlag
from ._training_resume import resume
from ._training_settings import _check_bool as _check_bool
from ._training_settings import _check_notes as _check_notes
from ._training_settings import _check_verbose as _check_verbose
from ._training_trainer import Trainer
from .callbacks import History
from .checkpoints import CHECKPOINT_FORMAT as CHECKPOINT_FORMAT  # defined here before
from .network import Network
from .optimizers import Optimizer

# ``_name as _name``: the helpers that moved stay importable from here, as they were from the
# one module before the split (_mlp_base imports _epoch_line and _storage_dtype, scipy_fit
# _check_verbose and _exact_one_hot, checkpoints _check_verbose, the tests _Gather)

__all__ = ["Trainer", "TrainingDiverged", "resume", "train"]


def train(
    net: Network,
    X: object,
    Y: object,
    optimizer: str | Optimizer = "gd",
    lr: float | None = None,
    momentum: float | None = None,
    batch_size: int | str | None = None,
    epochs: int = 100,
    seed: int | np.random.Generator | None = None,
    verbose: int = 0,
    validation_data: tuple[object, ...] | None = None,
    sample_weight: object = None,
    class_weight: str | dict | None = None,
    **options: Any,
) -> History:
    """Train ``net`` by gradient descent on its flat parameter vector.

    Parameters
    ----------
    net : Network
    X : array-like or scipy.sparse matrix of shape (n_samples, n_inputs)
        A sparse matrix is kept sparse: a first Dense layer multiplies each
        mini-batch's rows as they are (CSR), any other first layer gets them
        densified a mini-batch at a time; for a network on images its rows are
        the pixels, (n_samples, channels * height * width).
        Integer data, and float32 data for a float64 network, are converted to
        the network's dtype one mini-batch at a time too (never copied whole;
        the same numbers); float64 data for a float32 network is converted
        once, refusing values beyond float32's range.
    Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
    optimizer : str or Optimizer, default "gd"
        "gd": one update per epoch on the whole training set (batch gradient
        descent).  "sgd": one update per mini-batch of ``batch_size`` examples
        (``batch_size=1`` is stochastic gradient descent).  "nesterov",
        "adagrad", "rmsprop", "adam", "adamw" (PyTorch's AdamW, its
        ``weight_decay=0.01`` multiplied by each step's rate: see
        :class:`~chainrule.optimizers.AdamW`), "nadam", "radam", "adamax"
        (PyTorch's NAdam, RAdam, Adamax): mini-batch rules too.  An
        :class:`~chainrule.optimizers.Optimizer` object brings its own settings
        (its learning rate and momentum: ``lr`` and ``momentum`` are then
        refused, rather than silently ignored); each call is a new run for it,
        as for a Schedule object: it starts without the step count and state
        vectors (velocities, moments) of an earlier run, and is given back with
        the learning rate it came with (a schedule changes it during the run).
    lr : float, optional
        Learning rate ``eta`` of an optimizer given by name (default 0.1); an
        error with an Optimizer object, which has its own.
    momentum : float, optional
        ``mu`` in ``Delta <- mu Delta + grad``, ``W <- W - eta Delta``: by
        default 0, and 0.9 for "nesterov" (which refuses 0: Nesterov's step
        without momentum is plain SGD); with "rmsprop", the momentum of PyTorch's
        ``RMSprop(momentum=...)`` (see :class:`~chainrule.optimizers.RMSProp`);
        refused by "adam", "adamw" and "adagrad"; an error with an Optimizer object.
    batch_size : int or "full", optional
        Examples per update for the mini-batch rules: every rule but "gd", an
        Optimizer object included (default 32, as ``batch_size=None`` gives
        them).  "full": one update per epoch on the whole training set with any
        rule, such as ``optimizer=SGD(momentum=0.9, dampening=0.5)`` or "adam"
        (full-batch Adam); "gd" is always full batch and refuses an int.
        In a network with a BatchNorm layer on vectors (or 1x1 images), whose
        batches need 2 rows or more for a variance, a row left over after the
        whole batches (``n_samples % batch_size == 1``) joins the epoch's last
        batch (``batch_size + 1`` rows; another row each epoch when shuffled),
        and ``batch_size=1`` is refused.
    epochs : int, default 100
        Maximum number of epochs.
    seed : int, Generator or None
        Seeds the shuffling, the validation split and the masks of the
        :class:`~chainrule.Dropout` layers built without a seed of their own
        (``Dropout(rate)``; each gets a stream of its own from ``seed`` and its
        position), so a run repeats exactly.  A Dropout given a seed (or read
        back from a file, with its generator's state) keeps its own stream.
        None: a seed drawn at random, and the unseeded Dropout layers keep the
        random streams they were built with.
    verbose : int, default 0
        0: silent; 1: a progress bar with the running metrics on a terminal (or
        a notebook), and where stderr is no terminal (a log file, a pipe: a
        batch job) a line per epoch on stderr instead ("epoch 3/10: loss 0.52,
        lr 0.1"); 2: a line per epoch on stderr, next to the bar where one shows.
        Where there is no stderr (``sys.stderr`` is None: pythonw, some
        services) these lines, and the messages on how a run stopped, go
        nowhere (never to stdout).
    validation_data : (X_val, Y_val) or (X_val, Y_val, sample_weight_val), optional
        Evaluated after every epoch; ``sample_weight_val`` of shape (n_val,)
        weighs ``val_loss`` as ``sample_weight`` weighs the training cost (see
        :meth:`Trainer.fit`).
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative example weights; each batch's cost is the weighted mean of
        its examples' losses, and with ``decay="per_sample"`` the weight decay
        of a batch divides by the sum of its weights instead of its row count
        (a batch whose weights are all zero has no loss part and its decay
        divides by its row count).  Weights all 1: exactly the unweighted run;
        other equal weights: the same loss part, a per-sample decay divided by
        their sum.  With ``validation_fraction`` the held-out examples keep
        their weights: ``val_loss`` is weighted the same way.  The history's
        ``accuracy`` and ``val_accuracy`` are the weighted fractions classified
        right (scikit-learn's ``accuracy_score(sample_weight=)``).
    class_weight : dict, "balanced" or None, optional
        Weights of the classes, for a network whose targets are classes (loss
        "cross_entropy" with softmax outputs, or "log_loss" with sigmoid
        outputs; refused for any other loss, a regression): each training
        example's weight is its class's, times its ``sample_weight`` when one
        is given, and the run is then weighted as with ``sample_weight``.  The
        classes are the integer labels of ``Y``: ``0..n_outputs-1`` for
        "cross_entropy" (``Y`` as integer labels or one-hot rows), 0 and 1 for
        one "log_loss" output.  A dict ``{label: weight}`` (finite weights
        >= 0; classes left out weigh 1); "balanced":
        ``n_samples / (n_classes * count of the class)`` over the rows of
        ``Y`` given (the classes present; with ``validation_fraction``, the
        held-out rows counted too, as the estimators' early stopping counts
        them), the weights of scikit-learn's
        ``compute_sample_weight("balanced", labels)``; with ``sample_weight``
        the counts are sums of the weights (``n_classes`` the classes of
        positive weight), as scikit-learn's LogisticRegression counts them.
        Several "log_loss" outputs are multi-label: "balanced" weighs each output as a binary
        target and multiplies their weights (as ``compute_sample_weight``
        does), a dict is refused.  Examples held out by
        ``validation_fraction`` keep ``sample_weight`` alone (``val_loss`` is
        not class-weighted, as in Keras).  Like ``sample_weight``, the weights
        act within each batch (its weighted mean): with ``batch_size=1`` they
        change nothing but a per-sample decay's divisor, and the larger the
        batches ("gd": all rows), the closer to the intended weighting.  The
        checkpoint records it, and :func:`resume` continues with it.
    **options
        ``shuffle`` (True), ``validation_fraction`` (hold out this fraction of
        the training data instead of ``validation_data``), ``schedule``
        ("constant", "step", "multistep" (``{"name": "multistep", "milestones": [30, 60],
        "gamma": 0.1}``), "exponential", "invscaling", "inverse_time" (Keras's
        ``InverseTimeDecay``, deeplearning.ai's decay), "plateau", "cosine"
        (annealing over the run's ``epochs``; another length as the dict
        ``{"name": "cosine", "T_max": n}`` or ``schedules.Cosine(n)``), "warmup"
        (a linear warm-up, then another schedule: ``{"name": "warmup", "epochs": 5,
        "after": ...}``; an ``after`` "cosine" without ``T_max`` anneals over the
        ``epochs - 5`` after the warm-up), "onecycle" (the one-cycle policy, a rate
        for every optimizer step over the run's ``epochs`` times its steps per
        epoch, or ``total_steps``: :class:`~chainrule.schedules.OneCycle`),
        "cosine_restarts" (SGDR: ``{"name": "cosine_restarts", "T_0": 10, "T_mult": 2}``,
        per epoch or with ``"per_step": True`` per step), "linear" and "polynomial"
        (PyTorch's ``LinearLR`` and ``PolynomialLR``; without ``total_iters`` over
        the run's ``epochs``, less a warm-up's after a "warmup"),
        a dict ``{"name": ..., **settings}`` or a Schedule),
        ``clip_norm`` (gradient clipping: each batch's gradient, shape
        (n_params,), is rescaled to ``g * clip_norm / ||g||_2`` when its norm is
        larger, before the optimizer's rule, as TensorFlow's ``clip_by_global_norm``;
        a float32 gradient whose sum of squares overflows is clipped too; one with
        an inf or NaN entry is left to the divergence guard), ``ema`` (weight
        averaging: a decay ``d`` in (0, 1), such as 0.99, spanning about 1 / (1 - d)
        steps, fewer than the run's; after every optimizer step
        the run keeps ``avg <- d avg + (1 - d) params`` on the flat parameter vector,
        shape (n_params,), the first step copying the parameters, as PyTorch's
        ``AveragedModel`` with ``get_ema_multi_avg_fn(d)``; BatchNorm's running
        statistics are averaged alike (its ``use_buffers=True``), so that the
        averaged weights come with statistics of their own.  ``val_loss`` and
        ``val_accuracy``, and so early stopping and a "plateau" schedule on them, are
        the average's; the training loss stays that of the steps taken (without
        validation data ``patience`` watches it, keeping the average of the best
        epoch's end).  A finished run ends with the average in the network (with
        ``patience`` and ``restore_best``, the best epoch's average); Ctrl-C,
        ``max_time`` and a divergence leave the steps' parameters, to be continued;
        ``trainer.ema_params`` holds the average (after a divergence, of the steps
        the guard kept: the step it rejects is left out of it, as out of the
        network).  The checkpoint records it and its
        count, so a resumed run equals the uninterrupted one), ``patience`` (early stopping
        on the validation loss, or the training loss without validation; unless
        ``restore_best=False``,
        a finished run (stopped early, at its last epoch, by a threshold or by
        a callback's ``stop``) ends with the parameters of its best epoch and
        the BatchNorm running statistics that go with them (the optimizer's
        state stays as the run left it, as with Keras's
        ``restore_best_weights``), while Ctrl-C and ``max_time`` keep the
        current parameters, to be continued (a Ctrl-C once the last epoch is
        complete leaves nothing to continue: that run ends with its best
        epoch's too), and a divergence the last finite ones; an epoch's training loss is
        taken before its updates, so with one batch per epoch ("gd") and no
        validation these are the parameters the best epoch started from,
        whose cost that loss is), ``min_delta``,
        ``loss_threshold`` and ``grad_norm_threshold`` (stop when the epoch's
        loss / root-mean-square gradient norm falls to it), ``divergence_threshold``
        (a finite float > 0, default None: a mini-batch loss above it stops the run with
        :class:`TrainingDiverged`, as a loss not finite does, the network keeping the
        last parameters whose loss was not above it), ``diagnostics``
        (record per-layer gradient norms and saturated fractions per epoch),
        ``callbacks`` (Callback objects, or callables run at each epoch end
        with the TrainState; one that sets ``state.stop`` ends the run, which
        is then finished: the checkpoint holds the network as it ended, after
        the batch the stop came in, with the complete epochs' history),
        ``checkpoint`` (path written every
        ``checkpoint_every`` epochs, and after the run's last epoch; see
        :func:`resume`; a file already there that is no checkpoint, such as a
        saved model, is refused rather than overwritten), ``max_time`` (a
        time budget in seconds, checked after each batch: once spent, the run
        stops with ``stop_reason`` "max_time" (a line on stderr says so only
        with ``verbose``) and the network keeps its
        current parameters; stopped inside an epoch, that epoch is left out
        of the history and the checkpoint holds the state after the last
        complete one.  Such a run is not finished: :func:`resume` continues
        it, as after Ctrl-C, for a job that must fit a time slot),
        ``checkpoint_notes`` (a dict of the caller's own that every checkpoint
        holds and :meth:`Trainer.from_checkpoint` gives back as the Trainer's
        ``checkpoint_notes``; the Trainer keeps it as JSON gives it back from
        the start, so it is the same before and after a resume: keys as text,
        ``{1: 2}`` as ``{"1": 2}``, tuples as lists; two keys JSON writes
        alike, 1 and "1", are refused.  ``chainrule train`` keeps there how it
        prepared the data, which its ``--resume`` checks).

    Returns
    -------
    History
        Per epoch: ``loss`` (mean cost of the epoch's batches weighted by their
        rows, so that a short last batch counts for its rows, as in
        scikit-learn's ``loss_curve_``; each cost taken before its batch's
        update), ``lr``, and as they apply ``accuracy`` (for cross-entropy
        the row's argmax is the class; for log loss each output is a label
        thresholded at 0.5, and a multi-label example counts when all its
        labels are right, as scikit-learn scores it), ``val_loss``,
        ``val_accuracy``, ``grad_norm``, ``grad_norms``, ``saturation``; and
        the attributes (not keys) ``history.stop_reason`` and
        ``history.best_epoch``.

    Notes
    -----
    Afterwards the layers hold the arrays of the last training batch (inputs,
    net inputs, outputs, error terms), which :func:`~chainrule.diagnostics.saturation`
    and :func:`~chainrule.diagnostics.layer_grad_norms` read; the validation
    pass after each epoch keeps none of its own, so that nothing of the size of
    the validation set stays in the layers.

    The momentum and the step use SciPy's BLAS ``scal``/``axpy`` on the flat
    parameter vector; for the run, SciPy's own BLAS (when its wheel brings a
    copy separate from NumPy's) is kept on one thread so that it never waits
    for NumPy's BLAS threads, which keep doing the matrix products; see
    :mod:`chainrule._threads`.

    An exception raised by a callback (other than KeyboardInterrupt, which
    stops the run as Ctrl-C does) ends the run and propagates as it is,
    after ``on_train_end``: the network keeps its current parameters (no
    ``restore_best``), and the history of the epochs completed so far is
    the callbacks' ``state.history``; ``Trainer(net, ...).fit(X, Y)``, which
    is what ``train`` runs, keeps it as ``trainer.history``.  Its
    ``stop_reason`` is "error" (already in ``on_train_end``; "interrupted"
    for a KeyboardInterrupt raised in ``on_train_begin``).  The checkpoint
    holds the last epoch written before (an epoch's is written after its
    callbacks), and the run is not finished: resuming continues it, and so
    does a later ``trainer.fit``, to the same numbers: an epoch the error cut
    short is trained again from its start (the network keeps the parameters
    of its last batch until then); one whose ``on_epoch_end`` raised is
    complete, so ``trainer.epoch`` and the history count it while the
    checkpoint holds the epoch before, which ``resume`` trains again to the
    same parameters.

    Raises
    ------
    TrainingDiverged
        If the loss or parameters become NaN or infinite; the network keeps
        the last finite parameters.
    ValueError
        If a setting is out of range, or ``lr`` or ``momentum`` is given with
        an Optimizer object (which has its own); nothing is trained then.
    """
    _check_options(options)
    trainer = Trainer(net, optimizer, lr, momentum, batch_size, epochs, seed, verbose,
                      class_weight=class_weight, **options)
    trainer._refit = False  # fit once, never handed out
    if not isinstance(optimizer, Optimizer):
        return trainer.fit(X, Y, validation_data, sample_weight)
    # An Optimizer object given again (a loop over networks, say) kept the last run's step
    # count and state vectors, and the rate its schedule had left in it; a new run starts
    # it afresh, as it does a Schedule object (Trainer itself keeps both: Trainer.fit
    # continues a run, and the estimators' partial_fit goes on with their optimizer).
    trainer._restart_optimizer = True  # once fit has checked the data
    try:
        return trainer.fit(X, Y, validation_data, sample_weight)
    finally:
        optimizer.lr = trainer.lr0


def _check_options(options: dict[str, Any]) -> None:
    """TypeError naming the options :func:`train` does not take (Trainer's keywords).

    Without this check a misspelt option reached ``Trainer.__init__``, whose
    own error named that class rather than the function the user called.
    """
    known, own = _option_names()
    for name in options:
        if name not in known:
            close = difflib.get_close_matches(name, own + known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise TypeError(
                f"train() got an unexpected keyword argument {name!r}{hint} (its options: "
                f"{', '.join(known)})"
            )


@functools.cache
def _option_names() -> tuple[list[str], list[str]]:
    """Trainer's keywords that :func:`train` takes as options, and train's own arguments
    (a misspelling of one of them, epoch or batchsize, lands among the options too).

    Read off the two signatures once: ``inspect.signature`` took 0.3 to 1 ms per
    ``train`` call, 1 to 3 % of a 10-epoch run on the digits."""
    known = [name for name, p in inspect.signature(Trainer).parameters.items()
             if p.kind is p.POSITIONAL_OR_KEYWORD and name not in _TRAIN_ARGUMENTS]
    own = [n for n in inspect.signature(train).parameters if n not in ("net", "X", "Y", "options")]
    return known, own


# train's own parameters, which Trainer takes too (given once, by train)
_TRAIN_ARGUMENTS = frozenset({"net", "optimizer", "lr", "momentum", "batch_size", "epochs",
                              "seed", "verbose", "class_weight"})
