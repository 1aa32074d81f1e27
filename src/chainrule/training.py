"""The training loop: epochs of shuffled mini-batches through an optimizer.

:func:`train` is the one-call interface; :class:`Trainer` holds the run's
state (optimizer, schedule, random generator, epoch, history, best
parameters), which is exactly what a checkpoint saves and :func:`resume`
restores, so a resumed run gives the same parameters as an uninterrupted one
(given the same data, and the same sample weights: the checkpoint records
whether the run was weighted, and resuming with a different weighting is refused).

Safety: a loss or parameter that becomes NaN or infinite stops the run with
:class:`TrainingDiverged` (saying where) and the network keeps its last
finite parameters; Ctrl-C stops after the current batch and keeps the
parameters and history so far (after an epoch's last batch, that epoch
complete: recorded, and checkpointed, like the others).
"""

from __future__ import annotations

import contextlib
import math
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import io
from ._validation import (
    _check_real,
    check_data,
    check_nonneg_float,
    check_path,
    check_positive_float,
    check_positive_int,
)
from .callbacks import Callback, History, TrainState, check_callbacks
from .checkpoints import CHECKPOINT_FORMAT as CHECKPOINT_FORMAT  # defined here before
from .checkpoints import checkpoint_payload, trainer_from_checkpoint
from .diagnostics import layer_grad_norms, saturation
from .dropout import Dropout
from .network import Network, _accuracy_count, _EvaluationPass
from .optimizers import Optimizer, _blas_updates, get_optimizer
from .schedules import Schedule, get_schedule

__all__ = ["Trainer", "TrainingDiverged", "resume", "train"]


class TrainingDiverged(FloatingPointError):
    """The loss or the parameters became NaN or infinite; the network keeps its last finite ones.

    Attributes
    ----------
    epoch, batch : int
        Where it happened (epoch from 1, batch within the epoch from 0).
    history : History
        The metrics of the completed epochs.
    what : str
        What stopped being finite: "loss", "parameters", "validation loss", or
        "cost" (SciPy's optimisers).
    """

    def __init__(self, message: str, epoch: int, batch: int, history: History,
                 what: str = "loss") -> None:
        super().__init__(message)
        self.epoch, self.batch, self.history, self.what = epoch, batch, history, what


class _StopFlag:
    """Ctrl-C sets a flag (checked after each batch); a second Ctrl-C interrupts at once."""

    def __init__(self) -> None:
        self.set = False
        self._old: Any = None

    def __enter__(self) -> _StopFlag:
        if threading.current_thread() is threading.main_thread():
            self._old = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.set:
            raise KeyboardInterrupt
        self.set = True
        print("\nchainrule: stopping after the current batch (Ctrl-C again to abort)",
              file=sys.stderr)

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGINT, self._old)


def _is_sparse(X: object) -> bool:
    """Whether ``X`` is a scipy.sparse matrix or array (without importing scipy.sparse)."""
    sparse = sys.modules.get("scipy.sparse")  # not imported: X cannot be one
    return sparse is not None and sparse.issparse(X)


def _check_sparse(X: Any, net: Network, name: str = "X") -> Any:
    """A sparse ``X`` as CSR of the network's dtype, its shape and values checked.

    Training densifies it a mini-batch at a time (the layers compute on dense arrays).
    """
    if X.dtype.kind not in "biuf":  # astype would drop an imaginary part with a mere warning
        raise TypeError(f"{name} must hold numbers, got a sparse matrix of dtype {X.dtype}")
    X = X.tocsr().astype(_storage_dtype(X.dtype, net.dtype), copy=False)
    shape = net.n_inputs  # features, or the image shape (channels, height, width)
    if X.ndim != 2 or X.shape[1] != int(np.prod(shape)):
        what = (f"{shape} features (columns)" if isinstance(shape, int) else
                f"rows of {int(np.prod(shape))} pixel values (images of shape {shape})")
        raise ValueError(
            f"{name} must have {what} to match the network's input layer, got shape {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {X.shape}); at least one row is needed")
    if not np.all(np.isfinite(X.data)):
        n = int(X.data.size - np.count_nonzero(np.isfinite(X.data)))
        raise ValueError(f"{name} contains {n} NaN or infinite value(s); all must be finite")
    return X


def _storage_dtype(dtype: np.dtype, net_dtype: np.dtype) -> np.dtype:
    """The dtype in which training keeps data of ``dtype`` for a network of ``net_dtype``.

    Its own when converting it a mini-batch at a time gives the numbers that
    converting it whole would (integers and booleans, float32 for a float64
    network: no value can overflow), so that the data is not copied whole;
    the network's otherwise (float64 data for a float32 network is converted
    whole, where a value beyond float32's range is refused).
    """
    dtype = np.dtype(dtype)
    if dtype.kind in "biu" or (dtype.kind == "f" and np.can_cast(dtype, net_dtype, "safe")):
        return dtype
    return np.dtype(net_dtype)


def _densify(X: Any, net: Network) -> np.ndarray:
    """Rows of a checked sparse ``X`` as a dense array the network's first layer takes.

    Returns
    -------
    ndarray of shape (n_rows, n_inputs), or (n_rows, channels, height, width) for a
    network on images (the rows are its pixels in (channel, row, column) order), in
    the network's dtype
    """
    dense = X.astype(net.dtype, copy=False).toarray()  # the rows' values only, converted
    shape = net.n_inputs
    return dense if isinstance(shape, int) else dense.reshape(dense.shape[0], *shape)


def _argmax_rows(A: np.ndarray, out: np.ndarray) -> None:
    """The column of each row's largest entry of ``A`` (n, k), written into ``out`` (n,)."""
    try:
        A.argmax(axis=1, out=out)
    except (TypeError, ValueError):  # a NumPy that writes argmax only into intp arrays
        out[...] = A.argmax(axis=1)


def _check_not_overwriting(path: str | os.PathLike) -> None:
    """Refuse a checkpoint path where a file that is no checkpoint already lies.

    The first epoch's checkpoint would replace it: a saved model, or data,
    given as ``checkpoint`` by mistake would be lost.  An earlier checkpoint
    (the one a resumed run goes on writing) is replaced, as it should be.
    """
    target = io.file_path(path)
    if not target.is_file():
        return
    try:
        io.read_file(target, CHECKPOINT_FORMAT)
    except (ValueError, OSError) as exc:
        raise FileExistsError(
            f"checkpoint: {target} exists and is not a chainrule checkpoint ({exc}); the "
            "run's checkpoints would overwrite it: give another path, or remove the file"
        ) from None


def _epoch_line(epoch: int, epochs: int, metrics: dict[str, Any]) -> str:
    """The line ``verbose=2`` prints after an epoch: "epoch 3/10: loss 0.5, lr 0.01"."""
    text = ", ".join(f"{k} {v:.5g}" for k, v in metrics.items() if not isinstance(v, list))
    return f"epoch {epoch}/{epochs}: {text}"


def _params_finite(params: np.ndarray) -> bool:
    """:func:`all_finite` for the flat parameter vector, inside the loop's errstate block.

    The sum of squares ``p . p`` (one BLAS pass) is finite only if every entry is;
    only when it is not (or overflowed) are the entries looked at one by one.
    """
    return math.isfinite(np.dot(params, params)) or bool(np.isfinite(params).all())


def _exact_one_hot(Y: np.ndarray, net: Network) -> bool:
    """Whether every row of the targets ``Y`` is exactly one-hot, where the loss can use it.

    Only the softmax + cross-entropy output has a shortcut for such targets (see
    ``Network._loss_and_grad``); for other outputs this is False without a look.
    One-hot rows made from class labels come as uint8 (``prepare_targets(compact=True)``)
    and are one-hot by construction; other targets are checked once per run.
    """
    path = net._logit_path()
    if path is None or path._delta_one_hot is None or _is_sparse(Y) or Y.ndim != 2:
        return False
    if Y.dtype == np.uint8:
        return True
    return bool(np.all((Y == 0) | (Y == 1)) and np.all(np.count_nonzero(Y, axis=1) == 1))


class _Blocks:
    """NumPy's overflow and invalid warnings off, and the layers' reused buffers, in one block."""

    def __init__(self, workspace: Any) -> None:
        self.workspace = workspace
        self.errstate: Any = None

    def __enter__(self) -> _Blocks:
        self.errstate = np.errstate(over="ignore", invalid="ignore")
        self.errstate.__enter__()
        try:
            self.workspace.__enter__()
        except BaseException:  # pragma: no cover - the workspace only sets attributes
            self.errstate.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.workspace.__exit__(*exc)
        finally:
            self.errstate.__exit__(*exc)


_NO_BLOCK = contextlib.nullcontext()
# the metrics of the history that are lists, one value per layer (diagnostics)
_PER_LAYER = ("grad_norms", "saturation")


class _Gather:
    """Rows ``A[idx]`` of the shuffled mini-batches, written into one reused buffer per shape.

    The buffer of a batch is overwritten by the next batch of the same size, which is
    all the training loop needs (the layers keep the inputs of the last batch only).
    """

    def __init__(self) -> None:
        self._buffers: dict[tuple, np.ndarray] = {}

    def __call__(self, A: np.ndarray, idx: np.ndarray) -> np.ndarray:
        key = (id(A), idx.shape[0])
        out = self._buffers.get(key)
        if out is None:
            out = self._buffers[key] = np.empty((idx.shape[0], *A.shape[1:]), dtype=A.dtype)
        if not A.flags.c_contiguous:
            # take() would first copy all of A to C order, on every call: a DataFrame's
            # values are Fortran-ordered (a copy of the data and 33 ms per batch for
            # 100,000 x 200 float32); indexing gathers the batch's rows only
            out[...] = A[idx]
            return out
        # mode="clip": the rows of a permutation are always in range, and NumPy buffers
        # ``out`` (an extra copy) under the default mode="raise"
        return A.take(idx, axis=0, out=out, mode="clip")  # np.take without its wrapper

    def as_dtype(self, A: np.ndarray, dtype: np.dtype, name: str) -> np.ndarray:
        """``A`` (a batch of inputs or of compact one-hot targets, ``name`` "X" or "Y") in
        ``dtype``, in one reused buffer per name and shape."""
        key = ("as_dtype", name, A.shape, dtype)
        out = self._buffers.get(key)
        if out is None:
            out = self._buffers[key] = np.empty(A.shape, dtype=dtype)
        np.copyto(out, A)
        return out


class Trainer:
    """A training run; see :func:`train` for the parameters."""

    # Whether a classification run counts the training accuracy per batch (the history's
    # "accuracy" and "val_accuracy"); the estimators, which report neither, turn it off.
    _count_accuracy = True
    # Weights of the validation_data rows, shape (n_val,), for val_loss (None: unweighted);
    # the estimators set them for the rows their early stopping holds out.
    _validation_weight: np.ndarray | None = None
    # Whether fit starts the optimizer afresh (its step count and state vectors dropped)
    # once its checks pass: train() asks it for an Optimizer object, which is a new run's.
    _restart_optimizer = False

    def __init__(
        self,
        net: Network,
        optimizer: str | Optimizer = "gd",
        lr: float = 0.1,
        momentum: float | None = None,
        batch_size: int | None = None,
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
        diagnostics: bool = False,
        callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
        checkpoint: str | os.PathLike | None = None,
        checkpoint_every: int = 1,
    ) -> None:
        if not isinstance(net, Network):
            raise TypeError(f"net must be a chainrule Network, got {type(net).__name__}")
        self.net = net
        self.full_batch = optimizer == "gd"
        if self.full_batch and batch_size is not None:
            raise ValueError(
                f"batch_size: optimizer 'gd' uses the whole training set per update, got "
                f"batch_size={batch_size}; use optimizer='sgd' for mini-batches"
            )
        self.batch_size = None if self.full_batch else check_positive_int(
            32 if batch_size is None else batch_size, "batch_size")
        self.optimizer = get_optimizer(optimizer, lr=lr, momentum=momentum)
        self.lr0 = self.optimizer.lr
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
        self.schedule = get_schedule(schedule)
        self.clip_norm = None if clip_norm is None else check_positive_float(clip_norm, "clip_norm")
        self.patience = None if patience is None else check_positive_int(patience, "patience")
        self.min_delta = check_nonneg_float(min_delta, "min_delta")
        self.restore_best = _check_bool(restore_best, "restore_best")
        self.loss_threshold = None if loss_threshold is None else _check_real(
            loss_threshold, "loss_threshold", "a finite float")
        self.grad_norm_threshold = None if grad_norm_threshold is None else check_nonneg_float(
            grad_norm_threshold, "grad_norm_threshold")
        self.diagnostics = _check_bool(diagnostics, "diagnostics")
        self.callbacks = check_callbacks(callbacks)
        self.checkpoint = None if checkpoint is None else check_path(checkpoint, "checkpoint")
        self.checkpoint_every = check_positive_int(checkpoint_every, "checkpoint_every")
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
        # whether the run trains with sample weights: None until the first fit (or for a
        # checkpoint that does not record it), then fixed for the rest of the run
        self.sample_weighted: bool | None = None
        self._origin = "this Trainer's earlier fit"  # for the error message of _check_weighting
        # the stop reason of a run restored from a checkpoint that a rule of its own ended
        # (early stopping, a threshold, a callback): finished, fit trains no further
        self._stopped: str | None = None

    # -- data --------------------------------------------------------------------------------
    def _data(self, X: object, Y: object, validation_data: object, sample_weight: object = None):
        net = self.net
        # one-hot targets made from class labels are kept as uint8 (a quarter of float32,
        # an eighth of float64; 2.3 against 0.6 MiB for 60,000 labels of 10 classes) and
        # converted a mini-batch at a time in the loop
        # X is kept in its own dtype where converting it a mini-batch at a time gives the
        # same numbers (float32 or integers for a float64 network: no whole copy)
        if _is_sparse(X):
            X = _check_sparse(X, net)
        else:
            dtype = getattr(X, "dtype", None)
            keep = (net.dtype if not isinstance(dtype, np.dtype) or dtype.kind not in "biuf"
                    else _storage_dtype(dtype, net.dtype))
            X = check_data(X, net.n_inputs, keep)
        Y = net.prepare_targets(Y, X.shape[0], compact=True)
        sw = net.check_sample_weight(sample_weight, X.shape[0])
        val = None
        if validation_data is not None and self.validation_fraction:
            raise ValueError(
                f"validation_data and validation_fraction={self.validation_fraction}: give "
                "one of them (a held-out fraction of X, or your own validation set), not both"
            )
        if validation_data is not None:
            if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
                raise TypeError(
                    "validation_data must be a pair (X_val, Y_val), got "
                    f"{type(validation_data).__name__}"
                )
            Xv = validation_data[0]
            if _is_sparse(Xv):  # evaluated whole every epoch: densified once
                Xv = _densify(_check_sparse(Xv, net, "validation_data[0]"), net)
            Xv = check_data(Xv, net.n_inputs, net.dtype, "validation_data[0]")
            val = (Xv, net.prepare_targets(validation_data[1], Xv.shape[0], "validation_data[1]",
                                           x_name="validation_data[0]"))
            swv = net.check_sample_weight(self._validation_weight, Xv.shape[0])
            if swv is not None:  # val_loss weighted as the training loss is
                val = (*val, swv)
        elif self.validation_fraction:
            m = X.shape[0]
            n_val = round(m * self.validation_fraction)
            if n_val < 1 or n_val >= m:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of {m} examples leaves "
                    f"{n_val} for validation and {m - n_val} for training; both need >= 1"
                )
            order = np.random.default_rng([self.seed, 1]).permutation(m)  # fixed across resumes
            Xv = X[order[:n_val]]
            val = (_densify(Xv, net) if _is_sparse(Xv) else Xv.astype(net.dtype, copy=False),
                   Y[order[:n_val]].astype(net.dtype, copy=False))  # evaluated whole
            if sw is not None:  # the held-out examples keep their weights (val_loss)
                val = (*val, sw[order[:n_val]])
            X, Y = X[order[n_val:]], Y[order[n_val:]]
            sw = None if sw is None else sw[order[n_val:]]
        return X, Y, val, sw

    def _check_weighting(self, sw: np.ndarray | None) -> None:
        """Refuse to continue a run with a different weighting than it was trained with."""
        weighted = sw is not None
        if self.sample_weighted is None or self.sample_weighted == weighted:
            return
        if self.sample_weighted:
            raise ValueError(
                f"sample_weight: {self._origin} holds a run trained with sample weights (up to "
                f"epoch {self.epoch}); continuing it without them would silently train another, "
                "unweighted run. Pass the same sample_weight (resume(..., sample_weight=w) or "
                "Trainer.fit(..., sample_weight=w)); got none (or weights that are all 1)"
            )
        raise ValueError(
            f"sample_weight: {self._origin} holds a run trained without sample weights (up to "
            f"epoch {self.epoch}); continuing it with weights would not continue that run. Leave "
            "sample_weight out, or start a new run on the network with "
            f"chainrule.train(..., sample_weight=w); got weights from {sw.min():g} to "
            f"{sw.max():g}"
        )

    def _check_validation(self, validated: bool) -> None:
        """Refuse to continue a run with validation data it did not have, or without its own.

        Early stopping and a schedule watching "val_loss" would otherwise switch
        silently to the training loss (compared with the best validation loss so
        far), and the history's "val_loss" would stop matching its epochs.
        """
        if not self.history.epochs:
            return
        had = "val_loss" in self.history
        if had and not validated:
            raise ValueError(
                f"validation_data: {self._origin} holds a run evaluated on validation data "
                f"(val_loss for its {self.history.epochs} epochs); continuing it needs the "
                "same validation data: pass validation_data=(X_val, Y_val) again; got none"
            )
        if validated and not had:
            raise ValueError(
                f"validation_data: {self._origin} holds a run trained without validation data "
                f"({self.history.epochs} epochs, no val_loss); continuing it with some would "
                "not continue that run. Leave validation_data out; got validation data"
            )

    # -- the loop ----------------------------------------------------------------------------
    def fit(self, X: object, Y: object, validation_data: tuple[object, object] | None = None,
            sample_weight: object = None) -> History:
        """Run the remaining epochs on ``(X, Y)``; returns the history (also ``self.history``).

        Parameters
        ----------
        X : array-like or scipy.sparse matrix of shape (n_samples, n_inputs)
            A sparse matrix is densified one mini-batch at a time; integer data,
            and float32 data for a float64 network, are converted to the
            network's dtype a mini-batch at a time (see :func:`train`).
        Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
        validation_data : (X_val, Y_val), optional
            Evaluated after every epoch.
        sample_weight : array-like of shape (n_samples,), optional
            Weights each example's loss; each batch's cost is the weighted mean
            over its examples, and a per-sample weight decay divides by the
            batch's weight sum (by its row count when all its weights are zero:
            that batch moves only the decay); see :meth:`Network.loss_and_grad`.
            A run keeps its weighting: once a fit (or the checkpoint it was
            restored from) trained with weights, continuing it needs the
            weights again, and one trained without them refuses weights
            (weights all 1 count as none).

        Raises
        ------
        ValueError
            If ``sample_weight`` is left out when continuing a weighted run, or
            given when continuing an unweighted one; the same for
            ``validation_data`` when continuing a run that had (or had not)
            validation data.
        """
        X, Y, val, sw = self._data(X, Y, validation_data, sample_weight)
        self._check_weighting(sw)
        self._check_validation(val is not None)
        net, opt, history = self.net, self.optimizer, self.history
        m = X.shape[0]
        sparse = _is_sparse(X)
        bs = m if self.full_batch else min(self.batch_size, m)
        if bs == m and Y.dtype != net.dtype:  # one batch of all rows: converted once
            Y = Y.astype(net.dtype)
        if bs == m and not sparse and X.dtype != net.dtype:
            X = X.astype(net.dtype)
        n_batches = math.ceil(m / bs)
        classify = self._count_accuracy and net.loss.name in ("cross_entropy", "log_loss")
        monitored = getattr(self.schedule, "_value", None)  # ReduceOnPlateau's metric
        if monitored is not None:  # an unknown one: refused now, not after a trained epoch
            monitored({k: [] if k in _PER_LAYER else 0.0  # an epoch's metrics, in kind
                       for k in self._metric_names(classify, val is not None)})
        if self.checkpoint is not None:  # now, not when the first epoch's checkpoint fails;
            _check_not_overwriting(self.checkpoint)
            # the last check, as it makes the missing folders of the path
            io.check_writable(self.checkpoint, "checkpoint")
        # everything checked: only now does the run's state change
        if self._restart_optimizer:
            opt.reset()
            self._restart_optimizer = False
        if self._seed_dropout:
            self._seed_dropout = False  # a second fit continues the run, and its masks
            for i, layer in enumerate(net.layers):
                if isinstance(layer, Dropout) and not layer.own_seed:
                    layer.rng = np.random.default_rng([self.seed, 2, i])
        self.sample_weighted = sw is not None
        # a second fit() continues up to self.epochs; a run that stopped itself is finished
        history.stop_reason = self._stopped
        if self._stopped is not None and self.verbose:
            print(f"chainrule: {self._origin} holds a run that stopped itself after epoch "
                  f"{self.epoch} ({self._stopped}); it is finished and trains no further "
                  "epochs", file=sys.stderr)
        # the run's metrics are there from the start, empty until an epoch ends, so that a
        # run stopped during its first epoch has history["loss"] == [] (in the order the
        # epochs write them: a completed run's history is the same); an earlier fit that
        # completed no epoch left only its own empty lists, which are not this run's (its
        # "val_loss" would say that a run without validation data had some)
        if not history.epochs:
            for name in [k for k, v in history.items() if not v]:
                del history[name]
        for name in self._metric_names(classify, val is not None):
            history.setdefault(name, [])
        one_hot = _exact_one_hot(Y, net)
        # With several classes, each batch only writes its predicted classes into `predicted`
        # (in the order of the epoch's rows); they are compared with the targets' classes
        # once per epoch.  One output (log loss on a sigmoid) is counted batch by batch.
        # log loss on outputs other than a softmax (sigmoids): each output is a label of its
        # own (multi-label targets), not a class; a softmax's outputs are classes whatever
        # the loss
        out_act = net.output_activation
        labels = self._labels = net.loss.name == "log_loss" and (
            out_act is None or out_act.name != "softmax")
        by_epoch = classify and not labels and Y.ndim == 2 and Y.shape[1] > 1
        if by_epoch:  # class numbers in the smallest integer type (one byte for up to 256)
            small = np.min_scalar_type(Y.shape[1] - 1)
            target_class, predicted = np.empty(m, dtype=small), np.empty(m, dtype=small)
            for start in range(0, m, 8192):  # without an intp array of all the rows
                _argmax_rows(Y[start:start + 8192], target_class[start:start + 8192])
        state = TrainState(net, opt, history, epoch=self.epoch)
        last_good = self._last_good = net.params.copy()
        # the running statistics (BatchNorm) that go with last_good: per layer, the name of
        # each buffer with its copy, taken with last_good after each step's forward pass
        self._good_buffers = [{k: v.copy() for k, v in layer.buffers().items()}
                              for layer in net.layers]
        self._buffered = [(layer, copies) for layer, copies in
                          zip(net.layers, self._good_buffers, strict=True) if copies]
        gather, workspace = _Gather(), net._workspace()
        # Overflow is detected after each step (the divergence guard), so the loop runs with
        # NumPy's overflow and invalid warnings off, and the layers write into reused buffers
        # (the workspace).  Both blocks are entered once per epoch, unless a callback runs
        # after each batch: then once per batch, so that the callback's own NumPy code and
        # its calls to forward() run outside them.
        blocks = _Blocks(workspace)
        batch_hooks = self._batch_hooks()
        epoch_blocks, batch_blocks = (_NO_BLOCK, blocks) if batch_hooks else (blocks, _NO_BLOCK)
        self._n_batches = n_batches
        bar = None
        if self.verbose and self.epoch < self.epochs and self._stopped is None:
            from tqdm.auto import tqdm

            bar = tqdm(total=self.epochs, initial=self.epoch, desc="training", unit="epoch",
                       disable=None, leave=False, file=sys.stderr)
        try:
            self._hook("on_train_begin", state)
            if state.stop and self._stopped is None:  # a callback stops before the first batch
                history.stop_reason = "callback"
            with _StopFlag() as ctrl_c, _blas_updates(opt):
                while self.epoch < self.epochs and history.stop_reason is None:
                    epoch = self.epoch + 1
                    if self.checkpoint is not None:  # what an interrupt mid-epoch writes
                        epoch_start = self._checkpoint_payload()
                    order = self.rng.permutation(m) if self.shuffle and bs < m else None
                    total, correct, grad_sq = 0.0, 0, []
                    keep_grad_sq = self.diagnostics or self.grad_norm_threshold is not None
                    completed = 0  # batches run to their end (callbacks included)
                    with epoch_blocks:
                        for batch in range(n_batches):
                            state.epoch, state.batch = epoch, batch
                            try:
                                if order is None and bs == m:
                                    Xb, Yb, swb = X, Y, sw
                                else:
                                    idx = slice(batch * bs, (batch + 1) * bs)
                                    if order is None:
                                        Xb, Yb = X[idx], Y[idx]  # views, no copy
                                        swb = None if sw is None else sw[idx]
                                    else:
                                        rows = order[idx]
                                        # the rows of a sparse X, densified below
                                        Xb = X[rows] if sparse else gather(X, rows)
                                        Yb = gather(Y, rows)
                                        swb = None if sw is None else sw[rows]
                                if sparse:  # one mini-batch at a time
                                    Xb = _densify(Xb, net)
                                elif Xb.dtype != net.dtype:  # float32 or integer data
                                    Xb = gather.as_dtype(Xb, net.dtype, "X")
                                if Yb.dtype != net.dtype:  # compact one-hot targets
                                    Yb = gather.as_dtype(Yb, net.dtype, "Y")
                                with batch_blocks:
                                    J, grad = net._loss_and_grad(Xb, Yb, True, swb, one_hot)
                                    if by_epoch:
                                        start = batch * bs
                                        _argmax_rows(net.layers[-1].A,
                                                     predicted[start:start + Xb.shape[0]])
                                    elif classify:
                                        correct += _accuracy_count(net.layers[-1].A, Yb,
                                                                   labels)
                                    if keep_grad_sq:
                                        grad_sq.append(float(np.dot(grad, grad)))
                                    self._step(J, grad, last_good, epoch, batch)
                                total += J * Xb.shape[0]
                                if batch_hooks:
                                    state.logs = {"batch_loss": J}
                                    self._hook("on_batch_end", state)
                                completed += 1
                            except KeyboardInterrupt:
                                if not np.isfinite(net.params).all():
                                    self._restore_last_good(last_good)
                                ctrl_c.set = True
                            if ctrl_c.set or state.stop:
                                break
                    # A Ctrl-C (or a stop) after the epoch's last batch leaves a complete
                    # epoch: it is recorded (and checkpointed) like any other before stopping.
                    if completed < n_batches and (ctrl_c.set or state.stop):
                        history.stop_reason = "interrupted" if ctrl_c.set else "callback"
                        print(f"chainrule: training stopped during epoch {epoch} "
                              f"({history.epochs} complete epochs kept in the history; the "
                              "network keeps its current parameters)", file=sys.stderr)
                        if self.checkpoint is not None:
                            # The checkpoint gets the state at the end of the last complete
                            # epoch, from which resume repeats the run exactly (a half-done
                            # epoch cannot be continued in the middle of its permutation).
                            if history.stop_reason == "callback":  # the run's own end
                                epoch_start[0]["stopped"] = "callback"
                            written = io.write_file(self.checkpoint, *epoch_start)
                            print(f"chainrule: checkpoint {written} holds the state "
                                  f"after epoch {self.epoch}", file=sys.stderr)
                        break
                    self.epoch = epoch
                    if by_epoch:
                        correct = int(np.count_nonzero(
                            predicted == (target_class if order is None else target_class[order])))
                    metrics = self._epoch_end(total / m, correct / m if classify else None,
                                              grad_sq, val)
                    state.logs = metrics
                    if bar is not None:
                        bar.update(1)
                        bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()
                                         if not isinstance(v, list)}, refresh=False)
                    if self.verbose >= 2:
                        print(_epoch_line(epoch, self.epochs, metrics), file=sys.stderr)
                    try:
                        self._hook("on_epoch_end", state)
                    except KeyboardInterrupt:
                        history.stop_reason = "interrupted"
                        print(f"chainrule: training interrupted after epoch {epoch}; the "
                              "network and the history so far are kept", file=sys.stderr)
                    if ctrl_c.set and history.stop_reason is None:
                        history.stop_reason = "interrupted"
                        print(f"chainrule: training interrupted after epoch {epoch}; the "
                              "network and the history so far are kept", file=sys.stderr)
                    if state.stop and history.stop_reason is None:
                        history.stop_reason = "callback"
                    if self.checkpoint is not None and (  # every n epochs, and the last
                        epoch % self.checkpoint_every == 0 or history.stop_reason
                        or epoch == self.epochs
                    ):
                        self.save_checkpoint(self.checkpoint)
                if history.stop_reason is None:
                    history.stop_reason = "epochs"
        finally:
            if bar is not None:
                bar.close()
            self._hook("on_train_end", state)
        if self.best_params is not None and self.restore_best and (
            history.stop_reason == "early_stopping"
            or (self.patience is not None and history.stop_reason == "epochs")
        ):
            net.params[...] = self.best_params
            for layer, values in zip(net.layers, self.best_buffers, strict=False):
                if values:
                    layer.set_buffers(values)
        return history

    def _step(self, J: float, grad: np.ndarray, last_good: np.ndarray, epoch: int,
              batch: int) -> None:
        """One optimizer update, with clipping and the divergence guard."""
        net = self.net
        if self.clip_norm is not None:
            norm = float(np.linalg.norm(grad))
            # the factor the step's gradient was scaled by (in place), which the
            # diagnostics take back out: they report the gradient backprop computed
            self._clip_scale = 1.0
            if norm > self.clip_norm:
                self._clip_scale = self.clip_norm / norm
                grad *= self._clip_scale
        # last_good always holds parameters whose loss was finite: the loss J of this
        # batch belongs to the parameters *before* this step.
        if math.isfinite(J):
            np.copyto(last_good, net.params)
            for layer, copies in self._buffered:  # none without BatchNorm
                for k, live in layer.buffers().items():
                    np.copyto(copies[k], live)
            self.optimizer.step(net.params, grad, net._decay_slices)
            if _params_finite(net.params):
                return
        self._diverged("loss" if not math.isfinite(J) else "parameters", last_good, epoch, batch)

    def _restore_last_good(self, last_good: np.ndarray) -> None:
        """Put back the last parameters with a finite loss, and their running statistics.

        The running statistics (BatchNorm's ``running_mean`` and ``running_var``)
        are the ones the forward pass of those parameters left, so a forward pass
        that overflowed, which updated them before its loss was found to be
        infinite, leaves no trace in the network.
        """
        self.net.params[...] = last_good
        for layer, copies in self._buffered:
            for k, live in layer.buffers().items():
                np.copyto(live, copies[k])

    def _diverged(self, what: str, last_good: np.ndarray, epoch: int, batch: int) -> None:
        """Restore the last parameters with a finite loss and stop with TrainingDiverged."""
        self._restore_last_good(last_good)
        self.history.stop_reason = "diverged"
        raise TrainingDiverged(
            f"training diverged at epoch {epoch}, batch {batch}: the {what} became NaN or "
            f"infinite; the network keeps its last parameters with a finite loss. Try a "
            f"smaller learning rate (lr={self.optimizer.lr:g}) or clip_norm.",
            epoch, batch, self.history, what,
        )

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
            # the layers keep none of this pass's arrays (the last training batch's stay,
            # which the diagnostics read); see network._EvaluationPass
            with np.errstate(over="ignore", invalid="ignore"), _EvaluationPass(net) as pass_:
                A = pass_.forward(val[0])
                metrics["val_loss"] = _weighted_cost(net, val[1], val[2] if len(val) > 2 else None)
                if accuracy is not None:
                    metrics["val_accuracy"] = (_accuracy_count(A, val[1], self._labels)
                                               / val[0].shape[0])
                del A
            if not math.isfinite(metrics["val_loss"]):  # the epoch's last step went too far
                self.epoch -= 1
                self._diverged("validation loss", self._last_good, self.epoch + 1,
                               self._n_batches - 1)
        metrics["lr"] = self.optimizer.lr
        history.append(**metrics)
        if type(self.schedule).lr is not Schedule.lr:
            # the next epoch's rate; a constant schedule leaves the rate as it is, so that
            # a callback's change (state.optimizer.lr = ...) lasts, not only one epoch
            self.optimizer.lr = self.schedule.lr(self.epoch, self.lr0, metrics)
        # stopping rules
        if self.patience is not None:
            value = metrics.get("val_loss", loss)
            if value < self.best_value - self.min_delta:
                self.best_value, self.wait = value, 0
                if val is None and self._n_batches == 1:
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

    def _batch_hooks(self) -> bool:
        """Whether a callback has an ``on_batch_end`` of its own (not the base class's no-op)."""
        return any(
            isinstance(cb, Callback) and (
                type(cb).on_batch_end is not Callback.on_batch_end
                or "on_batch_end" in getattr(cb, "__dict__", {}))
            for cb in self.callbacks
        )

    def _hook(self, name: str, state: TrainState) -> None:
        for cb in self.callbacks:
            if isinstance(cb, Callback):
                getattr(cb, name)(state)
            elif name == "on_epoch_end":
                cb(state)

    # -- checkpoints -------------------------------------------------------------------------
    def save_checkpoint(self, path: str | os.PathLike) -> os.PathLike:
        """Write network, optimizer state, schedule, epoch, generator state and history."""
        return io.write_file(path, *checkpoint_payload(self))

    def _checkpoint_payload(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """What a checkpoint holds now: JSON record and arrays (copies, not views)."""
        return checkpoint_payload(self)

    @classmethod
    def from_checkpoint(
        cls, path: str | os.PathLike, epochs: int | None = None, verbose: int = 0,
        callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
        checkpoint: str | os.PathLike | None = None,
        schedule: Schedule | None = None,
    ) -> Trainer:
        """Rebuild a run from :meth:`save_checkpoint`; ``epochs`` may extend it.

        The checkpoint records whether the run trained with sample weights, and
        :meth:`fit` then refuses a different weighting.  Checkpoints written
        before that record existed resume with or without weights, as before.
        It also records (``"stopped"``) whether a rule of the run's own ended
        it (early stopping, a threshold, a callback's ``stop``): :meth:`fit`
        then trains no further epochs (see :func:`resume`).

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

        Returns
        -------
        Trainer

        Raises
        ------
        ValueError
            If the file is not a readable checkpoint, or a value in it is
            missing, of the wrong type, shape or range (the message names the
            file and the value); if the run's schedule is of a class of your
            own and ``schedule`` does not give it, or ``schedule`` is not the
            run's.
        """
        return trainer_from_checkpoint(cls, path, epochs, verbose, callbacks, checkpoint,
                                       schedule)


def _weighted_cost(net: Network, Y: np.ndarray, w: np.ndarray | None) -> float:
    """Cost of the last forward pass against ``Y`` (n, k), weighted by ``w`` (n,) if given.

    As in training: the weighted mean of the examples' losses, and a per-sample
    weight decay divided by the sum of the weights (by the row count, with no
    loss part, when the weights are all zero).
    """
    if w is None:
        return net._cost_value(Y)
    total = float(w.sum())
    if total == 0:
        return net._decay_term(Y.shape[0])
    return float(np.dot(net._output_terms(Y), w)) / total + net._decay_term(total)


def _check_bool(value: object, name: str) -> bool:
    """``value`` if it is True or False (NumPy's included), else a TypeError naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def _check_verbose(value: object) -> int:
    """``verbose`` as an int >= 0 (True and False count as 1 and 0)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return check_positive_int(value, "verbose", minimum=0)


def train(
    net: Network,
    X: object,
    Y: object,
    optimizer: str | Optimizer = "gd",
    lr: float = 0.1,
    momentum: float | None = None,
    batch_size: int | None = None,
    epochs: int = 100,
    seed: int | np.random.Generator | None = None,
    verbose: int = 0,
    validation_data: tuple[object, object] | None = None,
    sample_weight: object = None,
    **options: Any,
) -> History:
    """Train ``net`` by gradient descent on its flat parameter vector.

    Parameters
    ----------
    net : Network
    X : array-like or scipy.sparse matrix of shape (n_samples, n_inputs)
        A sparse matrix is densified one mini-batch at a time; for a network
        on images its rows are the pixels, (n_samples, channels * height * width).
        Integer data, and float32 data for a float64 network, are converted to
        the network's dtype one mini-batch at a time too (never copied whole;
        the same numbers); float64 data for a float32 network is converted
        once, refusing values beyond float32's range.
    Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
    optimizer : str or Optimizer, default "gd"
        "gd": one update per epoch on the whole training set (batch gradient
        descent).  "sgd": one update per mini-batch of ``batch_size`` examples
        (``batch_size=1`` is stochastic gradient descent).  "nesterov",
        "adagrad", "rmsprop", "adam": mini-batch rules too.  An
        :class:`~chainrule.optimizers.Optimizer` object brings its own settings;
        each call is a new run for it, as for a Schedule object: it starts
        without the step count and state vectors (velocities, moments) of an
        earlier run, and is given back with the learning rate it came with
        (a schedule changes it during the run).
    lr : float, default 0.1
        Learning rate ``eta`` (ignored when an Optimizer object is given).
    momentum : float, optional
        ``mu`` in ``Delta <- mu Delta + grad``, ``W <- W - eta Delta``: by
        default 0, and 0.9 for "nesterov" (which refuses 0: Nesterov's step
        without momentum is plain SGD).
    batch_size : int, optional
        Examples per update for the mini-batch rules (default 32).
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
        0: silent; 1: a progress bar with the running metrics (on a terminal
        only); 2: also a line per epoch on stderr.
    validation_data : (X_val, Y_val), optional
        Evaluated after every epoch.
    sample_weight : array-like of shape (n_samples,), optional
        Non-negative example weights; each batch's cost is the weighted mean of
        its examples' losses, and with ``decay="per_sample"`` the weight decay
        of a batch divides by the sum of its weights instead of its row count
        (a batch whose weights are all zero has no loss part and its decay
        divides by its row count).  Weights all 1: exactly the unweighted run;
        other equal weights: the same loss part, a per-sample decay divided by
        their sum.  With ``validation_fraction`` the held-out examples keep
        their weights: ``val_loss`` is weighted the same way (the accuracies
        are not weighted).
    **options
        ``shuffle`` (True), ``validation_fraction`` (hold out this fraction of
        the training data instead of ``validation_data``), ``schedule``
        ("constant", "step", "exponential", "invscaling", "plateau", a dict
        ``{"name": ..., **settings}`` or a Schedule), ``clip_norm`` (clip the
        gradient's norm), ``patience`` (early stopping on the validation loss,
        or the training loss without validation, restoring the best
        parameters unless ``restore_best=False``; an epoch's training loss is
        taken before its updates, so with one batch per epoch ("gd") and no
        validation these are the parameters the best epoch started from,
        whose cost that loss is), ``min_delta``,
        ``loss_threshold`` and ``grad_norm_threshold`` (stop when the epoch's
        loss / root-mean-square gradient norm falls to it), ``diagnostics``
        (record per-layer gradient norms and saturated fractions per epoch),
        ``callbacks`` (Callback objects, or callables run at each epoch end
        with the TrainState), ``checkpoint`` (path written every
        ``checkpoint_every`` epochs, and after the run's last epoch; see
        :func:`resume`; a file already there that is no checkpoint, such as a
        saved model, is refused rather than overwritten).

    Returns
    -------
    History
        Per epoch: ``loss`` (mean cost of the epoch's batches, each taken before
        its update), ``lr``, and as they apply ``accuracy`` (for cross-entropy
        the row's argmax is the class; for log loss each output is a label
        thresholded at 0.5, and a multi-label example counts when all its
        labels are right, as scikit-learn scores it), ``val_loss``,
        ``val_accuracy``, ``grad_norm``, ``grad_norms``, ``saturation``; plus
        ``stop_reason`` and ``best_epoch``.

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

    Raises
    ------
    TrainingDiverged
        If the loss or parameters become NaN or infinite; the network keeps
        the last finite parameters.
    """
    trainer = Trainer(net, optimizer, lr, momentum, batch_size, epochs, seed, verbose, **options)
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


def resume(
    path: str | os.PathLike,
    X: object,
    Y: object,
    validation_data: tuple[object, object] | None = None,
    epochs: int | None = None,
    verbose: int = 0,
    callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
    sample_weight: object = None,
    schedule: Schedule | None = None,
) -> tuple[Network, History]:
    """Continue a run from its checkpoint, on the same data (and the same weights).

    With float64 data this gives exactly the parameters the uninterrupted run
    would have given.  A run that ended by a rule of its own (early stopping,
    ``loss_threshold``, ``grad_norm_threshold``, or a callback setting
    ``stop``) is finished: resuming it trains no further epochs, whatever
    ``epochs``, and gives back the network as that run ended (with its best
    parameters after early stopping) and its history, whose ``stop_reason``
    says why it stopped (with ``verbose``, a line on stderr says so too).  A
    run interrupted (Ctrl-C, a callback raising KeyboardInterrupt, a crash)
    continues; so does one from a checkpoint written before chainrule
    recorded how a run stopped.

    Parameters
    ----------
    path : str or PathLike
        The checkpoint written by ``train(..., checkpoint=path)``.
    X : array-like of shape (n_samples, n_inputs)
    Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
        The training data of the run.
    validation_data : (X_val, Y_val), optional
        The run's validation data, if it had some: required then (the
        history's ``val_loss`` says so), refused otherwise.
    epochs : int, optional
        Total number of epochs (default: the run's own); may extend the run
        (not one that stopped itself), not end it before the epochs the
        checkpoint has already trained.
    verbose : int, default 0
    callbacks : sequence of Callback or callable, optional
    sample_weight : array-like of shape (n_samples,), optional
        The run's sample weights: required when the run was trained with
        weights, refused when the checkpoint records a run without them (see
        :meth:`Trainer.fit`).
    schedule : Schedule, optional
        The run's schedule, when it is of a class of your own (see
        :meth:`Trainer.from_checkpoint`); the built-in ones come from the
        checkpoint.

    Returns
    -------
    net : Network
        The network, trained up to ``epochs``.
    history : History
        The whole history, earlier epochs included.

    Raises
    ------
    ValueError
        If ``sample_weight`` does not match how the run was trained (given or
        not), ``epochs`` is below the epochs already trained, or the file is
        not a readable checkpoint.
    """
    trainer = Trainer.from_checkpoint(path, epochs=epochs, verbose=verbose, callbacks=callbacks,
                                      schedule=schedule)
    return trainer.net, trainer.fit(X, Y, validation_data, sample_weight)
