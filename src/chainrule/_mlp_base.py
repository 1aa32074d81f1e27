"""The shared machinery of :mod:`chainrule.estimators`: parameters, network building,
training through :class:`chainrule.Trainer` / :func:`chainrule.minimize`, saving, pickling."""

from __future__ import annotations

import copy
import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from . import io
from ._mlp_state import link_rng_layers, rng_layers, training_record
from ._validation import check_finite_array, check_random_state_value, restored_on_error
from .activations import Activation, get_activation
from .batchnorm import BatchNorm
from .callbacks import Callback, TrainState
from .dropout import Dropout
from .layers import Dense, Layer
from .network import Network, _release_caches
from .optimizers import SGD, AdaGrad, Adam, Optimizer, RMSProp
from .schedules import SCHEDULES, Schedule, get_schedule
from .scipy_fit import minimize
from .training import Trainer, TrainingDiverged, _epoch_line, _storage_dtype

__all__ = ["ESTIMATOR_FORMAT", "SOLVERS", "_BaseMLP"]

SOLVERS = ("sgd", "adam", "rmsprop", "adagrad", "lbfgs", "cg")
_STOCHASTIC = ("sgd", "adam", "rmsprop", "adagrad")
_SCIPY_METHOD = {"lbfgs": "L-BFGS-B", "cg": "CG"}
# scikit-learn's names for the output activations (out_activation_)
_SK_NAME = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity", "exp": "exp"}
ESTIMATOR_FORMAT = "chainrule.estimator"


def _finite_real(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def _set_rate(optimizer: Optimizer, lr_used: float, lr_new: float) -> None:
    """Set ``optimizer.lr`` to ``lr_new`` so that SGD's momentum goes on as scikit-learn's.

    chainrule's SGD keeps ``v <- mu v + g`` and steps ``lr v`` (SPEC 7, PyTorch's
    form); scikit-learn keeps ``u <- mu u - lr g`` and steps ``u``.  The two are the
    same while ``u = -lr v``, that is while the rate is constant.  When the rate changes
    from ``lr_used`` to ``lr_new``, scaling the stored ``v`` by ``lr_used / lr_new``
    keeps ``u = -lr_new v`` for the next step, so the estimators' learning-rate rules
    ("invscaling", "adaptive") give scikit-learn's steps, with Nesterov's too (both
    step ``-lr (g + mu v) = mu u - lr g``).  Other optimizers only take the new rate.

    Parameters
    ----------
    optimizer : Optimizer
    lr_used : float
        The rate of the steps just taken (> 0).
    lr_new : float
        The rate of the next steps (> 0).
    """
    velocity = optimizer.state.get("velocity") if isinstance(optimizer, SGD) else None
    if velocity is not None and lr_new != lr_used:
        velocity *= lr_used / lr_new
    optimizer.lr = lr_new


def _loss_changed(loss: str, trained: str) -> str:
    """The message for a ``loss`` set after the fit that trained the network with ``trained``.

    Parameters
    ----------
    loss : str
        The estimator's ``loss`` now.
    trained : str
        The loss of the fitted network (``network_.loss.name``).
    """
    return (f"loss: the fitted network was trained with loss={trained!r}, got loss={loss!r}; "
            f"a warm start, partial_fit or save goes on with the fitted network, so set "
            f"loss={trained!r} again, or fit a new network (warm_start=False)")


def _checked_values(value: object, name: str, shape: tuple[int, ...],
                    dtype: np.dtype) -> np.ndarray:
    """``value`` as an array of ``shape`` and ``dtype`` with finite numbers, or a clear error.

    Parameters
    ----------
    value : array-like
        What is assigned.
    name : str
        How the message names it, e.g. ``"coefs_[1]"``.
    shape : tuple of int
        The shape of the parameter it replaces.
    dtype : dtype
        The network's dtype: the values must be finite once converted to it
        (1e300 is finite in float64 but infinite in float32).
    """
    arr = np.asarray(value)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {arr.dtype}")
    if arr.shape != shape:
        raise ValueError(
            f"{name} must have shape {shape} (the network's layer), got shape {arr.shape}"
        )
    with np.errstate(over="ignore"):  # values beyond dtype's range become inf: refused below
        converted = arr.astype(dtype, copy=False)
    if not np.all(np.isfinite(converted)):
        limit = np.finfo(dtype).max
        raise ValueError(f"{name} must hold finite numbers within the network's {dtype} "
                         f"(|value| <= {limit:.4g}), got NaN, infinity or a larger value")
    return converted


class _ParameterList(list):
    """The Dense layers' weight matrices or biases: views, and assignment writes through.

    ``est.coefs_[i] = W`` copies ``W`` into layer ``i``'s view of
    ``network_.params`` (shape- and finite-checked), so that it changes the
    model as it does in scikit-learn.  The number of layers is the network's:
    methods that would add or remove items raise TypeError.
    """

    def __init__(self, views: list[np.ndarray], name: str) -> None:
        super().__init__(views)
        self._name = name

    def __setitem__(self, index: Any, value: object) -> None:
        if not isinstance(index, numbers.Integral):
            raise TypeError(
                f"{self._name}[{index!r}] = ...: assign one layer's array at a time "
                f"({self._name}[i] = array) or the whole list ({self._name} = [...])"
            )
        view = list.__getitem__(self, index)
        i = index % len(self)
        view[...] = _checked_values(value, f"{self._name}[{i}]", view.shape, view.dtype)

    def _fixed(self, *args: object, **kwargs: object) -> None:
        raise TypeError(f"{self._name} has one item per Dense layer of the network; its "
                        "length cannot change")

    append = extend = insert = pop = remove = clear = __delitem__ = __iadd__ = __imul__ = _fixed

    def __reduce_ex__(self, protocol: Any) -> tuple:
        # copies and pickles are plain lists (copy.deepcopy(est.coefs_) gives copies)
        return (list, (list(self),))


def _reported_loss(cost: float, decay: float, k: int) -> float:
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
    return cost if k == 1 else (cost - decay) / k + decay


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
        what ``loss_curve_`` and ``validation_scores_`` record.
    scores : list of float, optional
        The estimator's ``validation_scores_`` (with early stopping).
    """

    def __init__(self, rule: Callable[[TrainState, float], None], verbose: int = 0,
                 scores: list[float] | None = None) -> None:
        self.rule = rule
        self.losses: list[float] = []
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
            print(_epoch_line(state.epoch, self.epochs, metrics), file=sys.stderr)


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


def _json_value(value: object) -> object:
    """``value`` for JSON: arrays and tuples as lists, NumPy scalars as Python's, in depth.

    An :class:`Activation` is written as its name, in a list too (``activation``).
    """
    if isinstance(value, Activation):
        return value.name
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    return value.item() if isinstance(value, np.generic) else value


def _schedule_config(schedule: Schedule) -> dict[str, Any]:
    """A built-in Schedule object as the dict that makes it again: ``{"name": ..., **settings}``.

    Raises
    ------
    ValueError
        If ``schedule`` is of a class of your own, which a JSON record cannot make again.
    """
    if SCHEDULES.get(schedule.name) is not type(schedule):
        raise ValueError(
            f"schedule: a {type(schedule).__name__} object (a class of your own) cannot be "
            f"saved as JSON; pass the name or a dict of a built-in one ({', '.join(SCHEDULES)})"
        )
    return _json_value(schedule.get_config())


def _seed(random_state: object) -> int:
    """The seed of the estimator's Generator: one draw from ``random_state``.

    As scikit-learn reads it (None, an int, a RandomState, which advances), or
    from a ``numpy.random.Generator`` (one draw, which advances it too).
    """
    high = np.iinfo(np.int32).max
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(high))
    return int(check_random_state(random_state).randint(high))


def _solver_is_stochastic(est: _BaseMLP) -> bool:
    """``partial_fit`` exists only for the mini-batch solvers (as in scikit-learn)."""
    if est.solver not in _STOCHASTIC:
        raise AttributeError(
            f"partial_fit is only available for the stochastic solvers {_STOCHASTIC}, "
            f"got solver={est.solver!r}"
        )
    return True


# A prediction runs through the network in blocks of rows whose widest layer is about this
# size (2 MiB: 2560 rows of 100 float64 units), so that it needs a few MiB beyond its result
# however many rows it has; see _evaluate.  Of the blocks of 0.5 to 8 MiB that
# benchmarks/bench_predict.py timed (100 and 784 inputs, one BLAS thread), 2 MiB was within
# 3 % of the fastest for both; one block of all rows was the slowest (data-sized Z and A).
_EVAL_BLOCK_BYTES = 2 * 2**20


def _evaluate(net: Network, X: np.ndarray) -> np.ndarray:
    """``net.forward(X)`` in evaluation mode, computed in blocks of rows into one array.

    Evaluation is row by row (BatchNorm normalises with its running statistics,
    Dropout passes its input through), so the blocks give the same rows as one
    pass, but the layers' net inputs and outputs exist for one block at a time.
    ``X`` (floats, integers or booleans; an array, a memory map, or a sparse
    matrix with rows to slice, e.g. CSR) is made dense and converted to the
    network's dtype block by block, never as a whole; a value that the
    conversion would make infinite (beyond float32's range) raises a
    ValueError.  Afterwards no layer keeps any array of the pass (nor a
    reference to ``X``).
    """
    dtype = net.dtype
    widest = max([X.shape[1], *(getattr(layer, "n_out", None) or 0 for layer in net.layers)])
    # whole multiples of 64 rows: with OpenBLAS's Haswell kernels on one thread the float64
    # rows then come out bit for bit as from one product of all rows (measured); with other
    # kernels, threads or float32 a row may differ in its last bits (measured: <= 8e-16
    # relative in float64), as it does between runs on different numbers of threads
    rows = max(64, _EVAL_BLOCK_BYTES // (widest * dtype.itemsize) // 64 * 64)
    n = X.shape[0]

    def block(start: int) -> np.ndarray:
        rows_of_x = X[start:start + rows]
        if not isinstance(rows_of_x, np.ndarray):  # a sparse matrix: dense a block at a time
            rows_of_x = rows_of_x.toarray()
        if rows_of_x.dtype == dtype:
            return rows_of_x
        with np.errstate(over="ignore"):  # float64 beyond float32's range: inf, refused here
            rows_of_x = rows_of_x.astype(dtype)
        if not np.all(np.isfinite(rows_of_x)):
            bad = int(rows_of_x.size - np.count_nonzero(np.isfinite(rows_of_x)))
            raise ValueError(
                f"X contains {bad} value(s) too large for the network's {dtype} (|x| > "
                f"{np.finfo(dtype).max:.4g}) in rows {start} to {start + len(rows_of_x) - 1}; "
                f"they would become infinite")
        return rows_of_x

    try:
        first = net._forward(block(0), False)
        if n <= rows:
            return first
        out = np.empty((n, *first.shape[1:]), dtype=first.dtype)
        out[:rows] = first
        del first
        for start in range(rows, n, rows):
            _release_caches(net)  # the last block's arrays go before the next block's come
            out[start:start + rows] = net._forward(block(start), False)
        return out
    finally:
        _release_caches(net)


class _BaseMLP(BaseEstimator):
    """Shared parameters, network building and training of the two estimators."""

    _is_classifier = False

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Activation | Sequence[str | Activation] = "relu",
        *,
        solver: str = "adam",
        alpha: float = 1e-4,
        batch_size: int | str = "auto",
        learning_rate: str = "constant",
        learning_rate_init: float = 1e-3,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
        dropout: float | Sequence[float] = 0.0,
        batch_norm: bool = False,
        init: str | Callable = "glorot_uniform",
        schedule: str | dict | None = None,
        dtype: str | type | None = None,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.dropout = dropout
        self.batch_norm = batch_norm
        self.init = init
        self.schedule = schedule
        self.dtype = dtype

    # -- checking the parameters (at fit, as scikit-learn does) ----------------------------------
    def _hidden_sizes(self) -> list[int]:
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, numbers.Integral) and not isinstance(sizes, bool):
            sizes = [sizes]
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, (Sequence, np.ndarray)):
            raise TypeError(
                "hidden_layer_sizes must be an int or a sequence of ints, got "
                f"{type(self.hidden_layer_sizes).__name__}"
            )
        out = []
        for s in sizes:
            if not isinstance(s, numbers.Integral) or isinstance(s, bool) or s < 1:
                raise ValueError(
                    f"hidden_layer_sizes must contain positive ints, got {list(sizes)}"
                )
            out.append(int(s))
        return out

    def _per_layer(self, value: object, name: str, n: int) -> list:
        """One value per hidden layer from a single value or a list of ``n``."""
        if isinstance(value, (str, Activation, numbers.Real)) or value is None:
            return [value] * n
        value = list(value)  # type: ignore[call-overload]
        if len(value) != n:
            raise ValueError(
                f"{name} must be one value or one per hidden layer ({n}), got {len(value)}: "
                f"{value}"
            )
        return value

    def _activations(self, n: int) -> list[Activation]:
        acts = []
        for a in self._per_layer(self.activation, "activation", n):
            try:
                act = get_activation(a)
            except (ValueError, TypeError) as exc:
                raise ValueError(f"activation: {exc}") from None
            if not act.differentiable or not act.elementwise:
                raise ValueError(
                    f"activation: {act.name!r} cannot be a hidden activation (it has no "
                    "usable derivative or is not elementwise)"
                )
            acts.append(act)
        return acts

    def _dropouts(self, n: int) -> list[float]:
        rates = []
        for r in self._per_layer(self.dropout, "dropout", n):
            if not isinstance(r, numbers.Real) or not 0 <= r < 1:
                raise ValueError(f"dropout must be a rate in [0, 1) (or one per layer), got {r!r}")
            rates.append(float(r))
        return rates

    def _dtype(self, data: np.dtype | None = None) -> np.dtype:
        """The network's dtype: ``self.dtype``, or with None the data's (float32 or float64).

        ``data`` is the dtype of the checked training data (float32 or float64);
        ``None`` only checks the setting.
        """
        if self.dtype is None:
            return np.dtype(np.float32 if data == np.float32 else np.float64)
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            raise ValueError(
                f"dtype must be 'float32', 'float64' or None (the data's), got {self.dtype!r}"
            )
        return dtype

    def _validate_params(self) -> None:
        check_random_state_value(self.random_state, bools=True)  # scikit-learn takes bools
        for name in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping",
                     "batch_norm"):
            v = getattr(self, name)
            if not isinstance(v, (bool, np.bool_)):  # "False" or 1 would be read as true
                raise ValueError(f"{name} must be True or False, got {v!r}")
        if self.solver not in SOLVERS:
            raise ValueError(f"solver must be one of {SOLVERS}, got {self.solver!r}")
        for name in ("learning_rate_init", "epsilon"):
            v = getattr(self, name)
            if not _finite_real(v) or not v > 0:
                raise ValueError(f"{name} must be a finite number > 0, got {v!r}")
        for name in ("alpha", "tol"):
            v = getattr(self, name)
            if not _finite_real(v) or not v >= 0:
                raise ValueError(f"{name} must be a finite number >= 0, got {v!r}")
        if self.learning_rate not in ("constant", "invscaling", "adaptive"):
            raise ValueError(
                "learning_rate must be 'constant', 'invscaling' or 'adaptive', got "
                f"{self.learning_rate!r}"
            )
        if self.learning_rate != "constant" and self.schedule is not None:
            raise ValueError(
                f"learning_rate={self.learning_rate!r} and schedule={self.schedule!r} both set "
                "the learning rate; give one of them"
            )
        if not _finite_real(self.power_t) or not self.power_t >= 0:  # < 0: a growing rate
            raise ValueError(f"power_t must be a finite number >= 0, got {self.power_t!r}")
        try:  # a schedule that cannot be built fails here, before the fit changes anything
            get_schedule(self.schedule)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"schedule={self.schedule!r} is not a valid schedule: {exc}") from None
        for name in ("max_iter", "n_iter_no_change", "max_fun"):
            v = getattr(self, name)
            if name == "n_iter_no_change" and isinstance(v, numbers.Real) and v == math.inf:
                continue  # never stop on the tolerance, as scikit-learn takes it
            if not isinstance(v, numbers.Integral) or isinstance(v, bool) or v < 1:
                extra = " or inf" if name == "n_iter_no_change" else ""
                raise ValueError(f"{name} must be a positive int{extra}, got {v!r}")
        bs = self.batch_size
        if bs != "auto" and (not isinstance(bs, numbers.Integral) or isinstance(bs, bool)
                             or bs < 1):
            raise ValueError(f"batch_size must be 'auto' or a positive int, got {bs!r}")
        if not isinstance(self.momentum, numbers.Real) or not 0 <= self.momentum < 1:
            raise ValueError(f"momentum must be in [0, 1), got {self.momentum!r}")
        for name in ("beta_1", "beta_2"):
            v = getattr(self, name)
            if not isinstance(v, numbers.Real) or not 0 <= v < 1:
                raise ValueError(f"{name} must be in [0, 1), got {v!r}")
        vf = self.validation_fraction
        if not isinstance(vf, numbers.Real) or isinstance(vf, bool) or not 0 <= vf < 1:
            raise ValueError(f"validation_fraction must be in [0, 1), got {vf!r}")
        if self.early_stopping and self.solver in _STOCHASTIC and vf == 0:  # else unused
            raise ValueError("validation_fraction must be > 0 with early_stopping=True (the "
                             "fraction held out for validation), got 0")
        n = len(self._hidden_sizes())
        self._activations(n)
        drops = self._dropouts(n)
        if self.solver not in _STOCHASTIC and (any(drops) or self.batch_norm):
            raise ValueError(
                f"dropout and batch_norm need a stochastic solver {_STOCHASTIC}; solver="
                f"{self.solver!r} minimises one fixed cost function"
            )
        self._dtype()

    # -- the network -----------------------------------------------------------------------------
    def _layer_init(self, act: Activation) -> object:
        if self.init == "auto":
            return "he_normal" if act.name in ("relu", "leaky_relu") else "glorot_uniform"
        return self.init

    def _build_network(self, n_in: int, n_out: int, out_act: str, loss: str,
                       rng: np.random.Generator, dtype: np.dtype) -> Network:
        sizes = self._hidden_sizes()
        acts, drops = self._activations(len(sizes)), self._dropouts(len(sizes))
        layers: list[Layer] = []
        fan_in = n_in
        try:
            for width, act, rate in zip(sizes, acts, drops, strict=True):
                init = self._layer_init(act)
                if self.batch_norm:
                    layers.append(Dense(fan_in, width, "identity", init, seed=rng, dtype=dtype))
                    layers.append(BatchNorm(width, act, dtype=dtype))
                else:
                    layers.append(Dense(fan_in, width, act, init, seed=rng, dtype=dtype))
                if rate > 0:
                    layers.append(Dropout(rate, seed=rng))
                fan_in = width
            out_init = "glorot_uniform" if self.init == "auto" else self.init
            layers.append(Dense(fan_in, n_out, out_act, out_init, seed=rng, dtype=dtype))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"init: {exc}") from None
        return Network(layers, loss=loss, weight_decay=float(self.alpha), decay="per_sample")

    def _make_optimizer(self) -> Optimizer:
        lr = float(self.learning_rate_init)
        if self.solver == "sgd":
            nesterov = bool(self.nesterovs_momentum) and self.momentum > 0
            return SGD(lr, momentum=float(self.momentum), nesterov=nesterov)
        if self.solver == "adam":
            return Adam(lr, float(self.beta_1), float(self.beta_2), float(self.epsilon),
                        eps_on="v")  # where scikit-learn adds epsilon
        if self.solver == "rmsprop":
            return RMSProp(lr, eps=float(self.epsilon))
        return AdaGrad(lr, eps=float(self.epsilon))

    # -- fitted attributes read from the network -------------------------------------------------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Weight matrices of the Dense layers, ``coefs_[i]`` of shape (fan_in, fan_out).

        Views into ``network_.params``: writing to them changes the model, and so
        do ``coefs_[i] = W`` and ``coefs_ = [W0, W1, ...]`` (copied in; the
        shapes must be the layers' and the values finite), as in scikit-learn.
        """
        check_is_fitted(self, "network_")
        return _ParameterList(
            [layer.W for layer in self.network_.layers if isinstance(layer, Dense)], "coefs_")

    @coefs_.setter
    def coefs_(self, value: Sequence[np.ndarray]) -> None:
        self._set_parameters("coefs_", value)

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Bias vectors of the Dense layers, ``intercepts_[i]`` of shape (fan_out,) (views).

        ``intercepts_[i] = b`` and ``intercepts_ = [b0, b1, ...]`` copy into
        the network, as for :attr:`coefs_`.
        """
        check_is_fitted(self, "network_")
        return _ParameterList(
            [layer.b for layer in self.network_.layers if isinstance(layer, Dense)],
            "intercepts_")

    @intercepts_.setter
    def intercepts_(self, value: Sequence[np.ndarray]) -> None:
        self._set_parameters("intercepts_", value)

    def _set_parameters(self, name: str, value: Sequence[np.ndarray]) -> None:
        """Copy a whole list of weight matrices or biases into the network (all checked first)."""
        if not hasattr(self, "network_"):
            raise AttributeError(
                f"{name} can only be assigned to a fitted {type(self).__name__} (fit builds "
                "the network whose parameters it replaces)"
            )
        views = getattr(self, name)
        if isinstance(value, (str, bytes, np.ndarray)) or not isinstance(value, Sequence):
            raise TypeError(
                f"{name} must be a list of {len(views)} arrays (one per Dense layer), got "
                f"{type(value).__name__}"
            )
        if len(value) != len(views):
            raise ValueError(
                f"{name} must be a list of {len(views)} arrays (one per Dense layer), got "
                f"{len(value)}"
            )
        # copies: an item may be a view of another layer's parameters (coefs_ = [c[1], c[0]]),
        # which the writes below would overwrite before it is read
        checked = [_checked_values(v, f"{name}[{i}]", view.shape, view.dtype).copy()
                   for i, (v, view) in enumerate(zip(value, views, strict=True))]
        for view, arr in zip(views, checked, strict=True):  # nothing changes unless all pass
            view[...] = arr

    @property
    def n_layers_(self) -> int:
        """Number of layers counting the input layer (as scikit-learn counts them)."""
        check_is_fitted(self, "network_")
        return len(self.coefs_) + 1

    # -- fitting ---------------------------------------------------------------------------------
    def _targets(self, y: np.ndarray, first: bool, classes: object) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - per subclass

    def _output(self) -> tuple[str, str]:
        raise NotImplementedError  # pragma: no cover - per subclass

    def _score_output(self, out: np.ndarray, y: np.ndarray, sw: np.ndarray | None) -> float:
        raise NotImplementedError  # pragma: no cover - per subclass

    def _fit(self, X: object, y: object, sample_weight: object, incremental: bool,
             classes: object = None) -> _BaseMLP:
        """Check everything, then train; a fit that fails on its input loses nothing.

        The parameters and the data are checked before the fitted state
        changes, but scikit-learn's ``validate_data`` records ``n_features_in_``
        as it checks, and a bad ``y`` or ``sample_weight`` comes to light after
        that: so any error other than a divergence (which keeps the run's last
        good parameters and its record) puts back the estimator as it was.
        Whatever happened, the network keeps no arrays of the last batch (with
        ``batch_size`` the size of the data they would be data-sized).
        """
        try:
            with restored_on_error(self, keep=(TrainingDiverged,)):
                return self._checked_fit(X, y, sample_weight, incremental, classes)
        finally:
            if hasattr(self, "network_"):
                _release_caches(self.network_)

    def _fitted_architecture(self) -> dict[str, Any]:
        """The architecture parameters that the fitted network was built with.

        Read from ``network_`` (so a loaded estimator has them too), in the form
        of :meth:`_asked_architecture`: hidden widths, hidden activation names,
        ``batch_norm`` and the dropout rate after each hidden layer.
        """
        sizes: list[int] = []
        acts: list[str] = []
        drops: list[float] = []
        batch_norm = False
        for layer in self.network_.layers[:-1]:
            if isinstance(layer, Dense):
                sizes.append(int(layer.n_out))
                acts.append(layer.activation.name)
                drops.append(0.0)
            elif isinstance(layer, BatchNorm):  # the hidden layer's activation is here
                batch_norm = True
                acts[-1] = layer.activation.name
            elif isinstance(layer, Dropout):
                drops[-1] = float(layer.rate)
        return {"hidden_layer_sizes": tuple(sizes), "activation": acts,
                "batch_norm": batch_norm, "dropout": drops}

    def _asked_architecture(self) -> dict[str, Any]:
        """The architecture the parameters ask for now (checked by ``_validate_params``)."""
        sizes = self._hidden_sizes()
        return {"hidden_layer_sizes": tuple(sizes),
                "activation": [a.name for a in self._activations(len(sizes))],
                "batch_norm": bool(self.batch_norm), "dropout": self._dropouts(len(sizes))}

    def _continuing(self, incremental: bool) -> str:
        """How the message names what goes on with the fitted network, and the way out."""
        if incremental:
            return ("partial_fit goes on with the fitted network; to train another architecture "
                    "fit a new network (fit with warm_start=False)")
        return ("a warm start (warm_start=True) goes on with the fitted network; to train "
                "another architecture fit a new network (warm_start=False)")

    def _check_architecture(self, incremental: bool) -> None:
        """Refuse parameters that ask for another network than the fitted one (warm start,
        ``partial_fit``): it cannot be continued with other layers, and would be used as
        it is, silently ignoring them.  Raised before anything changes."""
        fitted, asked = self._fitted_architecture(), self._asked_architecture()
        for name in ("hidden_layer_sizes", "activation", "batch_norm", "dropout"):
            if fitted[name] != asked[name]:
                old = fitted[name]
                if isinstance(old, list) and len(set(old)) == 1:  # one value for every layer
                    old = old[0]
                raise ValueError(
                    f"{name}: the fitted network has {name}={old!r}, got "
                    f"{name}={getattr(self, name)!r}; {self._continuing(incremental)}, or "
                    f"set {name}={old!r} again"
                )

    def _checked_fit(self, X: object, y: object, sample_weight: object, incremental: bool,
                     classes: object) -> _BaseMLP:
        self._validate_params()
        fitted = hasattr(self, "network_")
        first = not fitted or not (incremental or self.warm_start)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        if not first:
            self._check_architecture(incremental)
        # integers and booleans are kept as they are (see _forward), for the mini-batch
        # solvers to convert a batch at a time
        kind = getattr(getattr(X, "dtype", None), "kind", None)
        try:
            X, y = validate_data(self, X, y, reset=first, multi_output=True, accept_sparse="csr",
                                 dtype=("numeric" if kind in ("b", "i", "u")
                                        else (np.float64, np.float32)),
                                 y_numeric=not self._is_classifier)
        except ValueError as exc:  # scikit-learn's "X has 3 features, but ... expecting 4"
            if first or "features, but" not in str(exc):
                raise
            hint = self._continuing(incremental)
            raise ValueError(f"X: {exc} {hint[0].upper()}{hint[1:]}.") from None
        if scipy.sparse.issparse(X) and self.solver not in _STOCHASTIC:
            X = X.toarray()  # lbfgs, cg: the whole set each evaluation, so densified once
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        # a new network takes the data's dtype (float32 data is not copied to float64)
        # unless dtype says otherwise; a network being trained further keeps its own
        dtype = self._dtype(X.dtype) if first else self.network_.dtype
        # the mini-batch solvers convert integer data, and float32 data for a float64
        # network, a batch at a time (the same numbers; no copy of all of X); L-BFGS and CG
        # evaluate all of X at every step
        X = X.astype(_storage_dtype(X.dtype, dtype) if self.solver in _STOCHASTIC else dtype,
                     copy=False)
        sw = None
        if sample_weight is not None:
            # numbers only (strings, dicts, complex refused by name), NaN and inf too
            sw = check_finite_array(sample_weight, "sample_weight", dtype=np.float64)
            if sw.ndim == 0:  # one number for every row, as scikit-learn takes it
                sw = np.full(X.shape[0], sw)
            if sw.shape != (X.shape[0],):
                raise ValueError(
                    f"sample_weight must have shape ({X.shape[0]},) (one weight per row of "
                    f"X), got shape {sw.shape}"
                )
            if not np.all(np.isfinite(sw)) or sw.min() < 0:
                raise ValueError("sample_weight must be finite and non-negative")
            if sw.sum() <= 0:
                raise ValueError("sample_weight: all weights are zero; at least one must be "
                                 "positive")
        Y = self._targets(y, first, classes).astype(dtype, copy=False)
        if first:
            self._rng = np.random.default_rng(_seed(self.random_state))
            out_act, loss = self._output()
            self.network_ = self._build_network(X.shape[1], Y.shape[1], out_act, loss,
                                                self._rng, dtype)
            self.n_outputs_ = Y.shape[1]
            self.out_activation_ = _SK_NAME[out_act]
            self.loss_curve_: list[float] = []
            self.n_iter_ = 0
            self.t_ = 0
            self.best_loss_: float | None = None
            self.validation_scores_: list[float] | None = None
            self.best_validation_score_: float | None = None
            for stale in ("_optimizer", "_no_improvement_count", "_lr", "_best_params",
                          "_split_seed", "_schedule_run"):
                if hasattr(self, stale):
                    delattr(self, stale)
        elif Y.shape[1] != self.n_outputs_:
            raise ValueError(
                f"y has {Y.shape[1]} output(s) but the fitted network has {self.n_outputs_}; "
                f"{self._continuing(incremental)}"
            )
        # alpha may change between fits, as in scikit-learn (it is no architecture); put
        # back if the fit fails other than by diverging, as the estimator's attributes are
        net, decay = self.network_, self.network_.weight_decay
        net.weight_decay = float(self.alpha)
        try:
            if self.solver in _STOCHASTIC:
                self._fit_stochastic(X, Y, y, sw, incremental)
            else:
                self._fit_scipy(X, Y, sw)
        except TrainingDiverged:
            raise
        except BaseException:
            net.weight_decay = decay
            raise
        return self

    def _fit_stochastic(self, X: np.ndarray, Y: np.ndarray, y: np.ndarray,
                        sw: np.ndarray | None, incremental: bool) -> None:
        net = self.network_
        val_score, validation = None, None
        if self.early_stopping:
            stratify = y if self._is_classifier and y.ndim == 1 else None
            idx = np.arange(X.shape[0])
            if not hasattr(self, "_split_seed"):
                # drawn once per model: warm starts score on the same validation rows, so
                # that best_validation_score_ compares like with like (as scikit-learn's
                # split does with an integer random_state)
                self._split_seed = int(self._rng.integers(2**31))
            # stratified where every class can be split (a class of one example cannot, nor
            # can fewer validation rows than classes); else a plain random split, as
            # scikit-learn's is for every multiclass target, rather than refusing the data
            for strata in (stratify, None) if stratify is not None else (None,):
                try:
                    tr, va = train_test_split(idx, test_size=float(self.validation_fraction),
                                              stratify=strata, random_state=self._split_seed)
                    break
                except ValueError as exc:
                    error = exc
            else:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of {X.shape[0]} examples "
                    f"cannot be split off for early_stopping: {error}"
                ) from None
            if va.size < 2:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves {va.size} example(s) "
                    "for validation; increase it or the size of the data set (need >= 2)"
                )
            Xv, yv, swv = X[va], y[va], None if sw is None else sw[va]
            if scipy.sparse.issparse(Xv):  # scored whole every epoch: densified once
                Xv = Xv.toarray()
            if self.schedule is not None:  # "val_loss", "val_accuracy": these rows' metrics
                validation = (Xv, Y[va])
            X, Y, sw = X[tr], Y[tr], None if sw is None else sw[tr]
            if self.validation_scores_ is None:
                self.validation_scores_ = []

            def val_score() -> float:
                return self._score_output(_evaluate(net, Xv), yv, swv)

        n = X.shape[0]
        bs = min(200, n) if self.batch_size == "auto" else int(min(self.batch_size, n))
        if not incremental or not hasattr(self, "_optimizer"):
            # a new optimizer starts at learning_rate_init, as scikit-learn's does on every
            # fit (partial_fit goes on with the rate the rules have reached)
            self._optimizer = self._make_optimizer()
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
        # verbose=2: the epoch's line is printed by the rule, with the loss on
        # scikit-learn's scale (loss_curve_'s) rather than the Trainer's
        verbose = int(self.verbose)
        scores = self.validation_scores_ if val_score is not None else None
        epoch_rule = (_EpochRule(rule, verbose, scores) if k == 1
                      else _AveragedEpochRule(rule, net, k, n, bs, verbose, scores))
        # a Schedule object given as `schedule` is a parameter: the run changes a copy of it
        # (its state: a plateau's best value and reductions), as fit changes no parameter
        trainer = Trainer(
            net, optimizer=self._optimizer, batch_size=bs, epochs=epochs,
            seed=int(self._rng.integers(2**31)), verbose=min(verbose, 1),
            shuffle=bool(self.shuffle), schedule=copy.deepcopy(self.schedule),
            callbacks=[epoch_rule],
        )
        # the training accuracy is counted only for a schedule, which may read it ("plateau"
        # with monitor="accuracy" or "val_accuracy"); nothing else here does
        trainer._count_accuracy = self.schedule is not None
        if validation is not None:
            trainer._validation_weight = swv
        if (self.schedule is not None and incremental and kept is not None
                and kept[0].get_config() == trainer.schedule.get_config()):
            # partial_fit goes on with the schedule where the last call left it (its state,
            # its epoch count, its initial rate), as one run of many epochs would; a
            # schedule changed by set_params starts afresh
            trainer.schedule, done = kept
            trainer.schedule.set_state(kept_state)
            trainer.epoch, trainer.epochs = done, done + 1
            trainer.lr0 = float(self.learning_rate_init)
        elif self.schedule is not None and incremental and kept is not None:
            self._optimizer.lr = trainer.lr0 = float(self.learning_rate_init)
        epoch_rule.epochs = trainer.epochs
        try:
            history = trainer.fit(X, Y, validation, sample_weight=sw)
        except TrainingDiverged as exc:  # record the completed epochs, then say it as ours
            self._record(exc.history, epoch_rule.losses, n)
            raise TrainingDiverged(
                f"{type(self).__name__}: training diverged at epoch {exc.epoch}, batch "
                f"{exc.batch}: the {exc.what} became NaN or infinite; the network keeps its "
                f"last parameters with a finite loss. Try a smaller learning_rate_init (now "
                f"{self.learning_rate_init:g}).", exc.epoch, exc.batch, exc.history, exc.what,
            ) from None
        if self.early_stopping and self._best_params is not None:  # the best validation score
            net.params[...] = self._best_params[0]
            for layer, values in zip(net.layers, self._best_params[1], strict=True):
                if values:
                    layer.set_buffers(values)
        self._record(history, epoch_rule.losses, n)
        if self.schedule is not None:
            self._schedule_run = (trainer.schedule, trainer.epoch)
        if self.early_stopping:
            self.best_loss_ = None
            if self.validation_scores_:
                self.best_validation_score_ = float(max(self.validation_scores_))
        elif self.loss_curve_:
            self.best_loss_ = float(min(self.loss_curve_))
        if not incremental and history.stop_reason == "epochs":
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and the "
                "optimization hasn't converged yet.", ConvergenceWarning, stacklevel=5)

    def _record(self, history: Any, losses: list[float], n: int) -> None:
        """The run's epochs into the fitted attributes.

        ``losses`` holds the loss of each completed epoch on scikit-learn's scale
        (see :class:`_EpochRule`), ``n`` the training examples per epoch.  As in
        scikit-learn, ``n_iter_`` counts the epochs of this call, while
        ``loss_curve_`` and ``t_`` go on over warm starts and ``partial_fit`` calls.
        """
        self.loss_curve_.extend(float(v) for v in losses)
        self.n_iter_ = history.epochs
        self.t_ += n * history.epochs
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.history_ = history

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
        at ``learning_rate_init``, as in scikit-learn.  Stopping: an epoch counts
        as no improvement when the training loss is not below the best so far
        minus ``tol`` (with ``early_stopping``: the validation score is not above
        the best plus ``tol``); training stops after more than
        ``n_iter_no_change`` such epochs in a row.  ``partial_fit`` counts its
        epochs too and, as in scikit-learn, never stops but lowers an "adaptive"
        rate.  With early stopping the parameters of the best validation score
        are restored afterwards.
        """
        net, tol = self.network_, float(self.tol)
        rule_lr = self.solver == "sgd" and self.learning_rate != "constant"
        if rule_lr and not hasattr(self, "_lr"):
            self._lr = float(self.learning_rate_init)
        t0 = self.t_

        def rule(state: Any, loss: float) -> None:
            lr_used = float(state.logs["lr"])  # the rate of the epoch just run
            if rule_lr and self.learning_rate == "invscaling":
                self._lr = float(self.learning_rate_init) / (
                    t0 + n * state.epoch + 1) ** float(self.power_t)
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
                if rule_lr and self.learning_rate == "adaptive" and self._lr > 1e-6:
                    self._lr /= 5.0
                    self._no_improvement_count = 0
                elif not incremental:  # partial_fit runs its one epoch whatever the count
                    state.stop = True

        return rule

    def _outputs_averaged(self) -> int:
        """How many outputs the reported loss averages over: k squared-error outputs, else 1.

        See :func:`_reported_loss`: scikit-learn reports the squared error of
        several outputs as their mean, the network's cost (SPEC 3) as their sum.
        """
        net = self.network_
        return int(net.n_outputs) if net.loss.name == "squared_error" else 1

    def _fit_scipy(self, X: np.ndarray, Y: np.ndarray, sw: np.ndarray | None) -> None:
        method = _SCIPY_METHOD[self.solver]
        options = {"gtol": float(self.tol)}
        if self.solver == "lbfgs":
            options["maxfun"] = int(self.max_fun)
        net, k = self.network_, self._outputs_averaged()
        # the per-sample decay of the whole set: (alpha / 2 m) sum W^2, m the rows or the
        # sum of the weights (Network._loss_and_grad)
        c = 0.5 * float(self.alpha) / (X.shape[0] if sw is None else float(sw.sum()))

        def decay(theta: np.ndarray) -> float:
            return c * sum(float(np.dot(theta[s], theta[s])) for s in net._decay_slices)

        curve: list[float] = []

        def record(theta: np.ndarray, cost: float) -> None:
            curve.append(_reported_loss(float(cost), decay(theta) if k > 1 else 0.0, k))

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # SciPy's L-BFGS-B iprint/disp
            result = minimize(net, X, Y, method=method, maxiter=int(self.max_iter),
                              verbose=int(self.verbose), sample_weight=sw, options=options,
                              callback=record)
        self.loss_curve_.extend(curve)
        self.__dict__.pop("history_", None)  # a mini-batch run's, from before a warm start
        self.n_iter_ = int(result.nit)
        self.t_ += X.shape[0] * int(result.nit)
        self.loss_ = _reported_loss(float(result.fun), decay(result.x) if k > 1 else 0.0, k)
        self.best_loss_ = self.loss_
        if not result.success:  # the iteration or evaluation limit, or a failed line search
            limits = f"max_iter={self.max_iter}" + (
                f", max_fun={self.max_fun}" if self.solver == "lbfgs" else "")
            warnings.warn(
                f"{self.solver} failed to converge after {result.nit} iteration(s) ({limits}): "
                f"{result.message}", ConvergenceWarning, stacklevel=5)

    # -- prediction ------------------------------------------------------------------------------
    def _forward(self, X: object) -> np.ndarray:
        check_is_fitted(self, "network_")
        # integers and booleans are kept as they are (as float32 and float64 are; a memory
        # map stays mapped), then made dense (when sparse) and converted to the network's
        # dtype a block of rows at a time; anything else (lists, text of numbers) is float64
        kind = getattr(getattr(X, "dtype", None), "kind", None)
        X = validate_data(self, X, reset=False, accept_sparse="csr",
                          dtype="numeric" if kind in ("b", "i", "u") else (np.float64, np.float32))
        return _evaluate(self.network_, X)

    # -- saving: arrays + JSON, never pickle -----------------------------------------------------
    def _json_params(self) -> dict[str, Any]:
        params = {}
        for key, value in self.get_params().items():
            if isinstance(value, Activation):
                value = value.name
            elif isinstance(value, Schedule):
                value = _schedule_config(value)
            elif isinstance(value, (list, tuple, np.ndarray, dict)):  # a schedule's dict too
                value = _json_value(value)
            elif key == "dtype" and value is not None:
                value = np.dtype(value).name
            elif key == "random_state" and isinstance(value, numbers.Integral):
                value = int(value)  # NumPy's integers and bools too: the seed they stand for
            elif key == "random_state" and value is not None:
                value = None  # a RandomState: its state is not saved
            elif callable(value):
                raise ValueError(
                    f"{key}: a callable ({value!r}) cannot be saved as JSON; pass a name"
                )
            if isinstance(value, np.generic):  # NumPy's ints, floats and bools (np.False_)
                value = value.item()
            params[key] = value
        return params

    def _fitted_json(self) -> dict[str, Any]:
        return {}

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted estimator to ``path`` (.npz of arrays + JSON; never pickle).

        Returns the file written; :func:`load_estimator` reads it back.  The file
        keeps the training state too (the optimizer's moments or velocity, the
        rate the learning-rate rules reached, the stopping rule's counters, the
        random generator), so that ``partial_fit`` or a warm-start ``fit`` of the
        loaded estimator gives exactly what the saved one would have given.
        """
        check_is_fitted(self, "network_")
        net = self.network_
        loss = getattr(self, "loss", net.loss.name)  # MLPRegressor's, set after the fit?
        if loss != net.loss.name:  # load_estimator would refuse the record
            raise ValueError(_loss_changed(loss, net.loss.name))
        meta = {
            "format": ESTIMATOR_FORMAT,
            "estimator": type(self).__name__,
            "params": self._json_params(),
            "network": io.network_config(net),
            "states": [layer.get_state() for layer in net.layers],
            "fitted": {
                "n_features_in_": int(self.n_features_in_), "n_outputs_": int(self.n_outputs_),
                "out_activation_": self.out_activation_, "n_iter_": int(self.n_iter_),
                "t_": int(self.t_), "loss_curve_": list(self.loss_curve_),
                "best_loss_": self.best_loss_, "validation_scores_": self.validation_scores_,
                "best_validation_score_": self.best_validation_score_,
                **self._fitted_json(),
            },
        }
        names = getattr(self, "feature_names_in_", None)
        if names is not None:  # a DataFrame's columns: checked again at predict time
            meta["fitted"]["feature_names_in_"] = [str(name) for name in names]
        # what partial_fit and a warm start go on from: the optimizer's state, the rules'
        # counters, the generator (see _mlp_state), so that a reloaded estimator continues
        # exactly as this one would
        meta["training"], training_arrays = training_record(self)
        return io.write_file(path, meta, {**io.network_arrays(net), **training_arrays})

    # -- pickling (scikit-learn's clone-by-copy, joblib workers): the network as arrays ----------
    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state = dict(state)
        net = state.pop("network_", None)
        if net is not None:
            state["_network_record"] = (
                {"network": io.network_config(net),
                 "states": [layer.get_state() for layer in net.layers],
                 # the Dropout layers drawing from the estimator's own generator
                 "rng_layers": rng_layers(self) if hasattr(self, "_rng") else []},
                {k: v.copy() for k, v in io.network_arrays(net).items()},
            )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        record = state.pop("_network_record", None)
        super().__setstate__(state)
        if record is not None:
            self.network_ = io.restore_network(record[0], record[1], "<pickled estimator>")
            link_rng_layers(self, record[0].get("rng_layers", []))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags
