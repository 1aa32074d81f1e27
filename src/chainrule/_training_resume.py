"""The function :func:`~chainrule.training.resume`: a run continued from its checkpoint.

It reads the run's :class:`~chainrule.training.Trainer` back
(:meth:`~chainrule.training.Trainer.from_checkpoint`) and trains on to the run's
epochs.  Import it from :mod:`chainrule.training` (or :mod:`chainrule`), which also
holds :func:`~chainrule.training.train`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence

from ._training_trainer import Trainer
from .callbacks import Callback, History, TrainState
from .network import Network
from .schedules import Schedule

__all__ = ["resume"]


def resume(
    path: str | os.PathLike,
    X: object,
    Y: object,
    validation_data: tuple[object, ...] | None = None,
    epochs: int | None = None,
    verbose: int = 0,
    callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
    sample_weight: object = None,
    schedule: Schedule | None = None,
    max_time: float | None = None,
) -> tuple[Network, History]:
    """Continue a run from its checkpoint, on the same data (and the same weights).

    With float64 data this gives exactly the parameters the uninterrupted run
    would have given.  The checkpoint records the shape of each array the run
    trained on (``X``, ``Y``, ``validation_data``, ``sample_weight``) and a
    SHA-256 of its dtype and bytes: other data (other rows, or other values in
    the same shape, the rows in another order among them) is refused, as its
    shuffled epochs, running statistics and early stopping's best would not be
    the run's.  A checkpoint written before chainrule recorded the data is not
    checked.  A run that ended by a rule of its own (early stopping,
    ``loss_threshold``, ``grad_norm_threshold``, or a callback setting
    ``stop``) is finished: resuming it trains no further epochs, whatever
    ``epochs``, and gives back the network as that run ended (with its best
    parameters under ``patience``) and its history, whose ``stop_reason``
    says why it stopped (with ``verbose``, a line on stderr says so too).  A
    run interrupted (Ctrl-C, a callback raising KeyboardInterrupt, ``max_time``
    reached, a crash) continues; so does one from a checkpoint written before
    chainrule recorded how a run stopped.

    Parameters
    ----------
    path : str or PathLike
        The checkpoint written by ``train(..., checkpoint=path)``.
    X : array-like of shape (n_samples, n_inputs)
    Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
        The training data of the run.
    validation_data : (X_val, Y_val) or (X_val, Y_val, sample_weight_val), optional
        The run's validation data (and its weights, as the run had them), if
        it had some: required then (the history's ``val_loss`` says so),
        refused otherwise.
    epochs : int, optional
        Total number of epochs (default: the run's own); may extend the run
        (not one that stopped itself), not end it before the epochs the
        checkpoint has already trained.  The schedule keeps its settings: a
        cosine schedule keeps its ``T_max`` (by the name "cosine", the first
        run's epochs; after a warm-up, those the first run had after it), so
        past it the rate heads back to ``lr``, and a warning says so.
    verbose : int, default 0
    callbacks : sequence of Callback or callable, optional
    sample_weight : array-like of shape (n_samples,), optional
        The run's sample weights: required when the run was trained with
        weights, refused when the checkpoint records a run without them (see
        :meth:`Trainer.fit`).  The run's ``class_weight`` comes from the
        checkpoint, and multiplies them as it did.
    schedule : Schedule, optional
        The run's schedule, when it is of a class of your own (see
        :meth:`Trainer.from_checkpoint`); the built-in ones come from the
        checkpoint.
    max_time : float, optional
        A time budget in seconds for this call (see :func:`train`): the
        checkpoint does not keep the first call's, so each resumed part of a
        run that must fit a time slot gives its own.

    Returns
    -------
    net : Network
        The network, trained up to ``epochs``.
    history : History
        The whole history, earlier epochs included.

    Raises
    ------
    ValueError
        If the data is not the run's (naming the argument, with the shape the
        run was trained on and the one given), ``sample_weight`` does not match
        how the run was trained (given or not), ``epochs`` is below the epochs
        already trained, or the file is not a readable checkpoint.
    """
    trainer = Trainer.from_checkpoint(path, epochs=epochs, verbose=verbose, callbacks=callbacks,
                                      schedule=schedule, max_time=max_time)
    trainer._refit = False  # fit once, never handed out
    return trainer.net, trainer.fit(X, Y, validation_data, sample_weight)
