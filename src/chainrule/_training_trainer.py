"""The :class:`~chainrule.training.Trainer`: a training run's settings and state.

Its ``__init__`` checks and keeps the settings (see :func:`~chainrule.training.train`
for what each means) and starts the run's state (epoch, history, early stopping's
best loss and parameters, the random generator); :meth:`Trainer.from_checkpoint`
rebuilds a run from its checkpoint.  The methods come from mixin bases, each in a
module of its own: ``_training_data``, ``_training_loop`` (:meth:`Trainer.fit`; its base
in ``_training_stops``), ``_training_epochs`` (its base in ``_training_step``: each step
and the divergence guard), ``_training_checkpoints`` and ``_training_run_end`` (what a
call of fit leaves in the network); the checks of some settings are ``_training_settings``'s.
Import it from
``chainrule.training``, which also holds :func:`~chainrule.training.train` and
:func:`~chainrule.training.resume`.
"""

from __future__ import annotations

import math
import numbers
import os
import warnings
from collections.abc import Callable, Sequence

import numpy as np

from ._class_weight import check_network_class_weight
from ._names import naming
from ._optimizers_settings import check_settings
from ._schedules_span import past_end, span
from ._training_checkpoints import _Checkpoints
from ._training_data import _TrainingData
from ._training_ema import _Averaging, check_ema
from ._training_epochs import _EpochSteps
from ._training_guards import _say
from ._training_loop import _TrainingLoop
from ._training_run_end import _RunEnd
from ._training_settings import _check_batch_size, _check_bool, _check_notes, _check_verbose
from ._validation import (
    _check_real,
    caller_outside_chainrule,
    check_nonneg_float,
    check_path,
    check_positive_float,
    check_positive_int,
)
from .callbacks import Callback, History, TrainState, check_callbacks
from .checkpoints import trainer_from_checkpoint
from .network import Network
from .optimizers import Optimizer, get_optimizer
from .schedules import Schedule, get_schedule

__all__ = ["Trainer"]


class Trainer(_TrainingData, _TrainingLoop, _EpochSteps, _Checkpoints, _RunEnd, _Averaging):
    """A training run; see :func:`~chainrule.training.train` for the parameters.

    Parameters
    ----------
    net : Network
        The network to train, in place.
    **others : see :func:`~chainrule.training.train`
        ``optimizer`` to ``class_weight``, and ``ema``: its parameters and options of the same
        names (``X``, ``Y``, ``validation_data`` and ``sample_weight`` go to
        :meth:`fit`).
    """

    # Whether a classification run counts the training accuracy per batch (the history's
    # "accuracy" and "val_accuracy"); the estimators, which report neither, turn it off.
    _count_accuracy = True
    # Whether fit starts the optimizer afresh (its step count and state vectors dropped)
    # once its checks pass: train() asks it for an Optimizer object, which is a new run's.
    _restart_optimizer = False
    # The parameters and running statistics (BatchNorm) the run had reached when restore_best
    # put its best epoch's back at its last epoch: a later fit with more epochs goes on from
    # them, as resume does from the run's checkpoint (None: the network holds them).
    _reached: tuple[np.ndarray, list[dict[str, np.ndarray]]] | None = None
    # An epoch that a fit stopped within (Ctrl-C, max_time, an error): its start
    # (_EpochSteps._epoch_start) and the parameters the network had when it stopped; the
    # next fit trains the epoch again from its start, as resume does from the checkpoint
    # (which save_checkpoint writes of it).
    _cut: tuple[dict, np.ndarray] | None = None
    # Whether a later fit may follow, so that each epoch's start is kept for _cut (a copy of
    # the parameters and the optimizer's state per epoch).  False where the Trainer is fit
    # once and never handed out (train, resume, the estimators, the command line): those
    # runs pay nothing for it, in time or in peak memory.
    _refit = True
    # Whether the last fit ended by putting the best epoch's parameters into the network
    # (restore_best): a later call that trains nothing then leaves the network as it is.
    _restored = False
    # what the last fit's end put into the network (restore_best's best epoch, or the
    # moving average): parameters and running statistics; a later fit goes on from
    # _reached while the network still holds these
    _ended_with: tuple[np.ndarray, list[dict[str, np.ndarray]]] | None = None
    # Whether the loop keeps to itself its words on a run that Ctrl-C stopped ("training
    # stopped during epoch N ... the network keeps its current parameters"): True where the
    # network trained is a copy the caller never sees (the learning-rate range test), whose
    # result says that it was interrupted.
    _quiet_stop = False

    def __init__(
        self,
        net: Network,
        optimizer: str | Optimizer = "gd",
        lr: float | None = None,
        momentum: float | None = None,
        batch_size: int | str | None = None,
        epochs: int = 100,
        seed: int | np.random.Generator | None = None,
        verbose: int = 0,
        shuffle: bool = True,
        validation_fraction: float | None = None,
        schedule: str | dict | Schedule | None = None,
        clip_norm: float | None = None,
        patience: int | None = None,
        min_delta: float = 0.0,
        restore_best: bool = True,
        loss_threshold: float | None = None,
        grad_norm_threshold: float | None = None,
        divergence_threshold: float | None = None,
        diagnostics: bool = False,
        callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: int = 1,
        max_time: float | None = None,
        checkpoint_notes: dict | None = None,
        class_weight: str | dict | None = None,
        ema: float | None = None,
    ) -> None:
        if not isinstance(net, Network):
            raise TypeError(f"net must be a chainrule Network, got {type(net).__name__}")
        self.net = net
        self.full_batch, self.batch_size = _check_batch_size(batch_size, optimizer)
        if isinstance(optimizer, Optimizer):
            for name, value in (("lr", lr), ("momentum", momentum)):
                if value is not None:  # the object's own setting would win, silently
                    raise ValueError(
                        f"{name}: the optimizer object {optimizer!r} brings its own "
                        f"settings, got {name}={value!r} as well, which it would ignore; "
                        f"set it on the object, or give the optimizer by name")
        else:  # by name: the documented default rate, not the rule's own default
            lr = 0.1 if lr is None else lr
        with naming("optimizer"):
            self.optimizer = get_optimizer(optimizer, lr=lr, momentum=momentum)
        self.lr0 = self.optimizer.lr
        rate = self.lr0  # an object's lr may have been assigned since it was built: -5 climbed
        number = isinstance(rate, numbers.Real) and not isinstance(rate, bool)  # the loss
        if not (number and rate >= 0):
            raise (ValueError if number else TypeError)(
                f"optimizer.lr must be a number >= 0 (the rate of the "
                f"{type(self.optimizer).__name__} given), got {rate!r}")
        check_settings(self.optimizer)  # momentum = 1.5, beta1 = 1.0 assigned since
        self.epochs = check_positive_int(epochs, "epochs")
        if not (isinstance(seed, np.random.Generator) or seed is None):
            seed = check_positive_int(seed, "seed", minimum=0)
        self.verbose = _check_verbose(verbose)
        self.shuffle = _check_bool(shuffle, "shuffle")
        if validation_fraction is not None:
            validation_fraction = check_positive_float(validation_fraction, "validation_fraction")
            if validation_fraction >= 1:
                raise ValueError(
                    f"validation_fraction must be in (0, 1), got {validation_fraction}"
                )
        self.validation_fraction = validation_fraction
        with naming("schedule", whole=True):  # a dict's settings are the schedule's
            self.schedule = get_schedule(schedule, epochs=self.epochs)  # "cosine": over the run
        # the epochs the run was built for, over which a "cosine" by its name anneals: a fit
        # after trainer.epochs was raised past them warns (see _warn_past_t_max)
        self._built_epochs = self.epochs
        self.clip_norm = None if clip_norm is None else check_positive_float(clip_norm, "clip_norm")
        self.ema = check_ema(ema)
        self.patience = None if patience is None else check_positive_int(patience, "patience")
        self.min_delta = check_nonneg_float(min_delta, "min_delta")
        self.restore_best = _check_bool(restore_best, "restore_best")
        self.loss_threshold = None if loss_threshold is None else _check_real(
            loss_threshold, "loss_threshold", "a finite float")
        self.grad_norm_threshold = None if grad_norm_threshold is None else check_nonneg_float(
            grad_norm_threshold, "grad_norm_threshold")
        self.divergence_threshold = None if divergence_threshold is None else _check_real(
            divergence_threshold, "divergence_threshold", "a finite float > 0")
        if self.divergence_threshold is not None and self.divergence_threshold <= 0:
            raise ValueError(  # -1 or 0 stopped every run at its first batch: losses are >= 0
                f"divergence_threshold must be a finite float > 0 (a mini-batch loss above "
                f"it stops the run, and losses are >= 0), got {self.divergence_threshold:g}")
        self.diagnostics = _check_bool(diagnostics, "diagnostics")
        self.callbacks = check_callbacks(callbacks)
        self.checkpoint = None if checkpoint is None else check_path(checkpoint, "checkpoint")
        self.checkpoint_every = check_positive_int(checkpoint_every, "checkpoint_every")
        self.max_time = None if max_time is None else check_positive_float(max_time, "max_time")
        self.checkpoint_notes = _check_notes(checkpoint_notes)
        self.class_weight = check_network_class_weight(class_weight, net)
        # Every setting checked: only now are the objects given changed.  A Generator gives
        # the run's seed (one draw); a Schedule object given again (another run) starts
        # afresh, as Keras's callbacks do (from_checkpoint then puts back the state of the
        # run it continues).
        # whether fit seeds the Dropout layers without a seed of their own from the run's
        # seed (once, when the run starts): only a seed given by the user makes a run repeat
        self._seed_dropout = seed is not None
        if isinstance(seed, np.random.Generator) or seed is None:
            seed = int(np.random.default_rng(seed).integers(2**63))
        self.seed = seed
        self.rng = np.random.default_rng(self.seed)
        self.schedule.reset()
        # progress of the run
        self.epoch = 0
        self.history = History()
        self.best_value = math.inf
        self.best_params: np.ndarray | None = None
        # running statistics (BatchNorm) that belong with best_params, one dict per layer
        self.best_buffers: list[dict[str, np.ndarray]] = []
        self.wait = 0
        # the moving average of the parameters (ema): none until the first step
        self.ema_params = None
        self.ema_buffers = []
        self.ema_count = 0
        # whether the run trains with sample weights: None until the first fit (or for a
        # checkpoint that does not record it), then fixed for the rest of the run
        self.sample_weighted: bool | None = None
        # whether its validation rows are weighted: None until a fit with validation data
        # (or for a checkpoint that does not record it), then fixed as sample_weighted
        self.val_weighted: bool | None = None
        self._origin = "this Trainer's earlier fit"  # for the error message of _check_weighting
        # the data the run trains on (checkpoints._data_record): the last fit's, which its
        # checkpoints record, and the one a checkpoint read back records, which a fit of
        # the Trainer from it must match (None: an older checkpoint, not checked)
        self._data_record: dict | None = None
        self._resumed_data: dict | None = None
        # the stop reason of a run restored from a checkpoint that a rule of its own ended
        # (early stopping, a threshold, a callback): finished, fit trains no further
        self._stopped: str | None = None


    def _report_stop(self, text: str) -> None:
        """Say on stderr how the run was stopped, unless ``_quiet_stop``."""
        if not self._quiet_stop:
            _say(text)

    def _check_epochs(self) -> None:
        """Check ``trainer.epochs`` as set since the Trainer was made, before a fit uses it.

        The documented way to continue a run is to raise ``trainer.epochs``: a
        value that is no int >= 1 (``2.5`` trained 3 epochs, and the checkpoint
        it wrote was then refused as corrupted) or below the epochs already
        trained (a call that silently trained nothing) is refused by name, as
        :meth:`from_checkpoint` refuses such ``epochs``.
        """
        self.epochs = check_positive_int(self.epochs, "epochs")
        if self.epochs < self.epoch:
            raise ValueError(f"epochs: this Trainer's run has already trained {self.epoch} "
                             f"epochs; epochs is the total to reach and cannot be below "
                             f"that, got {self.epochs}")

    def _warn_past_t_max(self) -> None:
        """Warn when this fit goes past the epochs a schedule annealed or decayed over.

        A cosine whose ``T_max``, or a "linear" decay or "polynomial" whose
        ``total_iters`` (after a warm-up's epochs) is the epochs the Trainer was
        built for (given by name they take them) ends its change there; a
        ``trainer.epochs`` raised past them (to continue the run) runs the next
        epoch at ``eta_min`` and then heads back towards ``lr`` (a cosine), or
        stays at the decay's end rate (0 for a "polynomial"), as
        :func:`~chainrule.training.resume` warns for a checkpoint extended so.
        Fitted once and never handed out (``train``, ``resume``, the
        estimators, the command line), a Trainer has its own warnings.
        """
        found = span(self.schedule)
        if not (self._refit and found is not None and self._stopped is None
                and self.epoch <= found.end < self.epochs and found.end == self._built_epochs):
            return
        warnings.warn(
            f"epochs: fitting to {self.epochs} epochs goes past {found.where()}, where the "
            f"run ends its {found.noun}: "
            f"{past_end(found, f'epoch {found.end + 1}', 'its initial value')}.  To "
            f"{found.verb} over a longer run, build the Trainer with its epochs from the start",
            UserWarning, stacklevel=caller_outside_chainrule())

    @classmethod
    def from_checkpoint(
        cls, path: str | os.PathLike, epochs: int | None = None, verbose: int = 0,
        callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
        checkpoint: str | os.PathLike | None = None,
        schedule: Schedule | None = None,
        max_time: float | None = None,
    ) -> Trainer:
        """Rebuild a run from :meth:`save_checkpoint`; ``epochs`` may extend it.

        The checkpoint records whether the run trained with sample weights, and
        whether its validation rows were weighted (the third item of
        ``validation_data``), and :meth:`fit` then refuses a different weighting.
        Checkpoints written before those records existed resume with or without
        weights, as before.  It records the data too (each array's shape and a
        SHA-256 of its bytes), and :meth:`fit` refuses other data, naming the
        argument (an older checkpoint without the record is not checked).
        It also records (``"stopped"``) whether a rule of the run's own ended
        it (early stopping, a threshold, a callback's ``stop``): :meth:`fit`
        then trains no further epochs (see :func:`~chainrule.training.resume`).  The caller's
        record (``checkpoint_notes``) comes back as the Trainer held it (as
        JSON writes it: text keys, lists for tuples).

        Everything the run continues from is checked first: the optimizer's
        state (exactly the vectors its rule keeps, each of shape
        ``(n_params,)``, of the network's dtype and finite), the best
        parameters, the counters, the history (one value per epoch trained),
        every setting of the run (none left to its default), a built-in
        schedule's state and the generator state, so that a damaged checkpoint
        is refused instead of resuming a different run.

        Parameters
        ----------
        path : str or PathLike
            The checkpoint.
        epochs : int, optional
            Total number of epochs (default: the run's own); not below the
            epochs the checkpoint has already trained.
        verbose : int, default 0
        callbacks : sequence of Callback or callable, optional
        checkpoint : str or PathLike, optional
            Where to write further checkpoints (default: ``path``).
        schedule : Schedule, optional
            The run's schedule object, needed when it is of a class of your
            own (a subclass of :class:`~chainrule.schedules.Schedule` that is
            not one of the built-in schedules), which the checkpoint cannot
            rebuild; it must be of the same class with the same settings, and
            gets the state the checkpoint recorded.
        max_time : float, optional
            The time budget in seconds of this part of the run (see
            :func:`~chainrule.training.train`); not recorded in checkpoints, so each resumed part
            has its own.

        Returns
        -------
        Trainer

        Raises
        ------
        FileNotFoundError, IsADirectoryError, PermissionError
            If there is no such file, ``path`` is a directory, or the file may
            not be read (its permissions).
        ValueError
            If the file is not a readable checkpoint, or a value in it is
            missing, of the wrong type, shape or range (the message names the
            file and the value); if the run's schedule is of a class of your
            own and ``schedule`` does not give it, or ``schedule`` is not the
            run's.
        """
        return trainer_from_checkpoint(cls, path, epochs, verbose, callbacks, checkpoint,
                                       schedule, max_time)
