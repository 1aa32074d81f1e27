"""What :meth:`Trainer.fit <chainrule.training.Trainer.fit>` sets up before its first epoch.

Moved out of ``_training_loop`` unchanged (to keep that module under ~400 lines):
:func:`_begin_run`, the run's state that a call changes once its arguments are
checked (the optimizer's restart and first rate, the dropout seeds, the weighting
flags, the parameters an earlier call reached, the history's stop reason and
metric lists); and :func:`_accuracy_counting`, how its epochs count their
accuracy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ._network_inference import _accuracy_rule
from ._training_data import _argmax_rows
from ._training_guards import _say
from ._training_run_end import _set_parameters
from .callbacks import History
from .dropout import Dropout
from .network import Network
from .optimizers import Optimizer
from .schedules import Schedule

if TYPE_CHECKING:
    from ._training_loop import _TrainingLoop


def _begin_run(trainer: _TrainingLoop, net: Network, opt: Optimizer, history: History,
               step_lr: Callable[[int, float, int], float] | None, n_batches: int,
               given: np.ndarray | None, val: tuple[Any, ...] | None,
               classify: bool) -> tuple[float, bool, tuple | None]:
    """The run's state at the start of a call whose arguments are all checked.

    Returns
    -------
    lr0 : float
        The optimizer's base rate.
    restored : bool
        Whether the network holds what the last call's ``restore_best`` put in.
    reached : tuple or None
        The parameters (and running statistics) the run had reached, now the
        network's, when the last call ended with its best epoch's; else None.
    """
    # everything checked: only now does the run's state change
    if trainer._restart_optimizer:
        opt.reset()
        trainer._restart_optimizer = False
    lr0 = trainer.lr0
    if step_lr is not None:  # the next step's rate (a per-step schedule's first_lr and
        if trainer.epoch < trainer.epochs:  # lr are never asked)
            opt.lr = step_lr(trainer.epoch * n_batches, lr0, n_batches)
    elif trainer.epoch == 0 and type(trainer.schedule).first_lr is not Schedule.first_lr:
        opt.lr = trainer.schedule.first_lr(lr0)  # a warm-up's first rate
    if trainer._seed_dropout:
        trainer._seed_dropout = False  # a second fit continues the run, and its masks
        for i, layer in enumerate(net.layers):
            if isinstance(layer, Dropout) and not layer.own_seed:
                layer.rng = np.random.default_rng([trainer.seed, 2, i])
    trainer.sample_weighted = given is not None  # class_weight is recorded apart
    if val is not None:  # (validation_fraction's rows weighted as the training rows)
        trainer.val_weighted = len(val) > 2
    # whether the network holds what the last fit's restore_best put in (see the end)
    restored, trainer._restored = trainer._restored, False
    reached = None
    if trainer._reached is not None and trainer.epoch < trainer.epochs and trainer._stopped is None:
        # the last fit ended at its last epoch with the best epoch's parameters: the run
        # goes on from those it had reached (its checkpoint holds them too), unless the
        # network was changed since
        reached, trainer._reached = trainer._reached, None
        if trainer._ended_with is not None and np.array_equal(net.params, trainer._ended_with[0]):
            _set_parameters(net, *reached)
        else:
            reached = None
    # a second fit() continues up to trainer.epochs; a run that stopped itself is finished
    history.stop_reason = trainer._stopped
    if trainer._stopped is not None and trainer.verbose:
        _say(f"chainrule: {trainer._origin} holds a run that stopped itself after epoch "
             f"{trainer.epoch} ({trainer._stopped}); it is finished and trains no further "
             "epochs")
    # the run's metrics are there from the start, empty until an epoch ends, so that a
    # run stopped during its first epoch has history["loss"] == [] (in the order the
    # epochs write them: a completed run's history is the same); an earlier fit that
    # completed no epoch left only its own empty lists, which are not this run's (its
    # "val_loss" would say that a run without validation data had some)
    if not history.epochs:
        for name in [k for k, v in history.items() if not v]:
            del history[name]
    for name in trainer._metric_names(classify, val is not None):
        history.setdefault(name, [])
    return lr0, restored, reached


def _accuracy_counting(trainer: _TrainingLoop, net: Network, Y: np.ndarray, m: int,
                       classify: bool, given: np.ndarray | None) -> tuple[
                           bool, bool, np.ndarray | None, np.ndarray | None, np.ndarray | None]:
    """How a call's epochs count their accuracy (sets ``trainer._labels`` and ``_label_cut``).

    Returns
    -------
    labels : bool
        Whether each output is a label of its own (log loss on sigmoids).
    by_epoch : bool
        Whether the predicted classes are compared with the targets' once per epoch.
    target_class, predicted : ndarray of shape (m,), or None
        The targets' classes and the epoch's predicted ones (``by_epoch`` only).
    right_rows : ndarray of shape (m,) of bool, or None
        Whether each row was classified right, for a weighted accuracy.
    """
    target_class = predicted = None
    # With several classes, each batch only writes its predicted classes into `predicted`
    # (in the order of the epoch's rows); they are compared with the targets' classes
    # once per epoch.  One output (log loss on a sigmoid) is counted batch by batch.
    # log loss on outputs other than a softmax (sigmoids): each output is a label of its
    # own (multi-label targets), not a class; a softmax's outputs are classes whatever
    # the loss
    # the margin losses' scores: each hinge output's class is its sign (cut at 0)
    _, labels, trainer._label_cut = _accuracy_rule(net)
    trainer._labels = labels
    by_epoch = classify and not labels and Y.ndim == 2 and Y.shape[1] > 1
    if by_epoch:  # class numbers in the smallest integer type (one byte for up to 256)
        small = np.min_scalar_type(Y.shape[1] - 1)
        target_class, predicted = np.empty(m, dtype=small), np.empty(m, dtype=small)
        for start in range(0, m, 8192):  # without an intp array of all the rows
            _argmax_rows(Y[start:start + 8192], target_class[start:start + 8192])
    # sample_weight (not class_weight's, as val_accuracy and Network.evaluate): the
    # accuracy is the weighted fraction of the epoch's rows classified right
    # (accuracy_score's sample_weight); without, the rows right are only counted
    right_rows = (np.empty(m, dtype=bool) if classify and given is not None
                  and not by_epoch else None)
    return labels, by_epoch, target_class, predicted, right_rows
