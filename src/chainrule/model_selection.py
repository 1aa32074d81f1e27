"""Choosing the number of hidden units by validation, with several random starts each.

The classic experiment: networks with ``M = 1..N`` hidden units are trained
on a small noisy regression set from several random initial weights each
(30 in the textbook figure); the error of every run on a separate
validation set is recorded.  Training error keeps falling as ``M`` grows;
validation error falls, then rises or flattens, and the runs of one size
spread out because each start ends in its own local minimum.  The model
chosen is the run with the smallest validation error.

Every run is independent (its initial weights come from the seed
``[seed, M, start]``), so the result is the same whatever ``n_jobs`` is; runs
go through :class:`joblib.Parallel`.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from ._names import naming
from ._validation import (
    check_finite_array,
    check_int_sequence,
    check_nonneg_float,
    check_positive_float,
    check_positive_int,
)
from .activations import _check_hidden_activation, get_activation
from .layers import Dense
from .network import Network
from .scipy_fit import minimize
from .training import TrainingDiverged

__all__ = ["MAX_RUNS", "SelectionResult", "select_hidden_units"]

#: The most runs (sizes x starts) one selection makes: their errors alone take 16
#: bytes each, and each trains a network (the textbook figure makes 300).
MAX_RUNS = 10**6


@dataclass(eq=False)
class SelectionResult:
    """Errors of every run of a hidden-unit selection.

    Attributes
    ----------
    hidden_units : ndarray of shape (n_sizes,)
        The values of M tried.
    train_errors, val_errors : ndarray of shape (n_sizes, n_starts)
        Mean squared error of each run on the training and the validation set
        (``inf`` for a run whose optimiser diverged).
    best_hidden, best_start : int
        Size and start (an index, from 0; :meth:`summary` counts from 1) of the
        run with the smallest validation error.
    best_network : Network
        That run's trained network.
    """

    hidden_units: np.ndarray
    train_errors: np.ndarray
    val_errors: np.ndarray
    best_hidden: int
    best_start: int
    best_network: Network

    @property
    def best_error(self) -> float:
        """Validation error of the chosen run."""
        i = int(np.flatnonzero(self.hidden_units == self.best_hidden)[0])
        return float(self.val_errors[i, self.best_start])

    def best_per_size(self) -> np.ndarray:
        """Smallest validation error over the starts, per size.

        Returns
        -------
        ndarray of shape (n_sizes,)
            ``inf`` for a size whose every run diverged; a NaN error counts as
            diverged, as :func:`select_hidden_units` never chooses it.
        """
        return _diverged_as_inf(self.val_errors).min(axis=1)

    def summary(self) -> str:
        """A table: per M the best, median and worst validation error, and the training
        error of the run with the best (the one that M's row chooses, not the smallest
        training error of any start).

        A run whose error is not finite (inf or NaN: it diverged, or its output
        overflowed float64) counts as the worst; its cells read "diverged", its row
        says how many of its runs diverged, and when every run diverged the last
        line says that none could be chosen.

        Returns
        -------
        str
        """
        # the error is named: the runs train on squared_error, 1/2 (o - t)^2 summed over the
        # k outputs, and the mean over the examples and the outputs is 2/k times that
        k = self.best_network.n_outputs
        factor = {1: "twice", 2: "equal to"}.get(k, f"2/{k} times")
        over = "" if k == 1 else f" over the examples and the {k} outputs"
        lines = [f"error of each run: the mean of (output - target)^2{over} ({factor} the "
                 "squared_error loss the networks train on)",
                 f"{'M':>3} {'best val':>10} {'median val':>11} {'worst val':>10} "
                 f"{'its train':>10}"]
        n = self.val_errors.shape[1]
        n_diverged = 0
        for i, m in enumerate(self.hidden_units):
            # a run whose error is not finite (inf, or NaN) diverged: it is worst, and its
            # number is no error; the row says how many and prints "diverged" for them
            v = _diverged_as_inf(self.val_errors[i])
            best = int(np.argmin(v))
            gone = int(np.sum(~np.isfinite(v)))
            n_diverged += gone
            lines.append(f"{m:>3} {_cell(v.min()):>10} {_cell(np.median(v)):>11} "
                         f"{_cell(v.max()):>10} "
                         f"{_cell(self.train_errors[i, best] if gone < n else np.inf):>10}"
                         + (f"   ({gone} of {n} runs diverged)" if gone else ""))
        i_best = int(np.flatnonzero(self.hidden_units == self.best_hidden)[0])
        # counted from 1 in the printout ("start 1 of 30"); best_start is the index
        if np.isfinite(self.best_error):
            lines.append(f"chosen: M = {self.best_hidden} (start {self.best_start + 1} of "
                         f"{n}), validation error {self.best_error:.4g}, training error "
                         f"{_cell(self.train_errors[i_best, self.best_start])}")
        else:
            lines.append(f"chosen: none: all {self.val_errors.size} runs diverged, so no "
                         "validation error chooses between them (best_hidden = "
                         f"{self.best_hidden} and best_start = {self.best_start} name one "
                         "of them)")
        lines.append("(its train: the training error of the run with the best validation "
                     "error of its M)")
        if n_diverged:
            lines.append("(diverged: a run whose error is not a finite number in float64, its "
                         "training or its output having overflowed; it is never chosen over "
                         "a run with an error)")
        return "\n".join(lines)

    __str__ = summary


def _diverged_as_inf(errors: np.ndarray) -> np.ndarray:
    """``errors`` with NaN (a run that diverged, as inf marks one) made inf."""
    errors = np.asarray(errors, dtype=np.float64)
    return np.where(np.isnan(errors), np.inf, errors)


def _cell(value: float) -> str:
    """An error of the summary: 4 significant digits, or "diverged" when not finite."""
    return f"{value:.4g}" if np.isfinite(value) else "diverged"


def _network(n_in: int, m: int, n_out: int, activation: str, rng: np.random.Generator,
             scale: float, seed: list[int] | None = None) -> Network:
    """A 1-hidden-layer regression network with weights and biases drawn from N(0, scale^2).

    A draw past float64's largest (``init_scale=1e308``) is refused naming init_scale and
    the run ``seed`` ``[seed, M, start]``; the bias was refused as "b contains NaN".
    """
    def draw(r: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
        values = r.normal(0.0, scale, size=shape)
        if not np.isfinite(values).all():
            raise ValueError(
                f"init_scale: the initial weights of the run of M = {m} hidden units drawn "
                f"from the seed {seed} hold values past float64's largest "
                f"({np.finfo(np.float64).max:.4g}): N(0, init_scale^2) draws reach several "
                f"init_scale, got init_scale={scale!r}; take one far smaller (the default "
                "is 1.0)")
        return values

    def init(r: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        return draw(r, (fan_in, fan_out))

    hidden = Dense(n_in, m, activation, init=init, seed=rng)
    out = Dense(m, n_out, "identity", init=init, seed=rng)
    hidden.b = draw(rng, (m,))
    out.b = draw(rng, (n_out,))
    return Network([hidden, out], loss="squared_error")


def _fit_one(X: np.ndarray, Y: np.ndarray, Xv: np.ndarray, Yv: np.ndarray, m: int,
             activation: str, seed: list[int], scale: float, weight_decay: float,
             maxiter: int) -> tuple[float, float, np.ndarray]:
    """Train one network from one start; (train error, validation error, parameters)."""
    net = _network(X.shape[1], m, Y.shape[1], activation, np.random.default_rng(seed), scale,
                   seed)
    net.weight_decay = weight_decay
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            minimize(net, X, Y, method="L-BFGS-B", maxiter=maxiter)
    except TrainingDiverged:
        return np.inf, np.inf, net.params.copy()
    with np.errstate(over="ignore", invalid="ignore"):  # predict: in blocks, keeping nothing
        train = float(np.mean((net.predict(X) - Y) ** 2))
        val = float(np.mean((net.predict(Xv) - Yv) ** 2))
    return (train if np.isfinite(train) else np.inf, val if np.isfinite(val) else np.inf,
            net.params.copy())


def _as_2d_targets(y: object, n: int, name: str) -> np.ndarray:
    y = check_finite_array(y, name, dtype=np.float64)
    y = y.reshape(-1, 1) if y.ndim == 1 else y
    if y.ndim != 2 or y.shape[0] != n:
        raise ValueError(f"{name} must have {n} rows (one per example), got shape {y.shape}")
    return y


def select_hidden_units(
    X_train: object,
    y_train: object,
    X_val: object,
    y_val: object,
    hidden_units: Iterable[int] = range(1, 11),
    n_starts: int = 30,
    activation: str = "tanh",
    init_scale: float = 1.0,
    weight_decay: float = 0.0,
    maxiter: int = 1000,
    n_jobs: int | None = None,
    seed: int = 0,
) -> SelectionResult:
    """Train 1-hidden-layer networks of every size from several starts; choose by validation.

    Each run is a network ``n_in -> M (activation) -> n_out (identity)`` with
    squared error, initial weights and biases from ``N(0, init_scale^2)``,
    trained by L-BFGS (:func:`chainrule.minimize`).

    Parameters
    ----------
    X_train : array-like of shape (n_train, n_features)
    y_train : array-like of shape (n_train,) or (n_train, n_outputs)
    X_val : array-like of shape (n_val, n_features)
    y_val : array-like of shape (n_val,) or (n_val, n_outputs)
    hidden_units : iterable of int, default 1..10
        The sizes M to try; a size given twice is trained once (and listed once
        in the result, at its first place).
    n_starts : int, default 30
        Random starts per size; at most :data:`MAX_RUNS` runs (distinct sizes
        x starts) in all.
    activation : str, default "tanh"
        Hidden activation: differentiable and elementwise (not step, sign or
        softmax, which is an output layer's).
    init_scale : float, default 1.0
        Standard deviation of the initial weights and biases; one whose draws pass
        float64's largest (such as 1e308) is refused, naming it.
    weight_decay : float, default 0.0
        L2 penalty (lambda/2) sum W^2 during training (0: none, so that large
        networks can overfit).
    maxiter : int, default 1000
        L-BFGS iterations per run.
    n_jobs : int or None
        Parallel workers for joblib (None: 1; -1: every core).
    seed : int, default 0
        Run ``(M, start)`` draws its weights from the seed ``[seed, M, start]``.

    Returns
    -------
    SelectionResult

    Raises
    ------
    TypeError
        For an argument of a wrong type, such as ``n_jobs=1.5``.
    ValueError
        Before any run, for bad data or settings, among them an ``activation``
        a hidden layer cannot have (``"activation: 'softmax' cannot be a hidden
        activation ..."``) and more than :data:`MAX_RUNS` runs.
    """
    from joblib import Parallel, delayed

    X = check_finite_array(X_train, "X_train", dtype=np.float64, ndim=2)
    Xv = check_finite_array(X_val, "X_val", dtype=np.float64, ndim=2)
    if Xv.shape[1] != X.shape[1]:
        raise ValueError(f"X_val must have {X.shape[1]} features like X_train, got {Xv.shape}")
    Y = _as_2d_targets(y_train, X.shape[0], "y_train")
    Yv = _as_2d_targets(y_val, Xv.shape[0], "y_val")
    if Yv.shape[1] != Y.shape[1]:
        raise ValueError(f"y_val must have {Y.shape[1]} outputs like y_train, got {Yv.shape}")
    n_starts = check_positive_int(n_starts, "n_starts")
    if isinstance(hidden_units, range):  # distinct sizes, counted before they are listed
        r = hidden_units  # (len() of a range past sys.maxsize raises OverflowError)
        _check_runs(max(0, -((r.start - r.stop) // r.step)), n_starts)
    # a size given twice would train the same runs again (each seeded [seed, M, start])
    sizes = list(dict.fromkeys(check_int_sequence(hidden_units, "hidden_units",
                                                  "range(1, 11)")))
    _check_runs(len(sizes), n_starts)
    scale = check_positive_float(init_scale, "init_scale")
    maxiter = check_positive_int(maxiter, "maxiter")
    seed = check_positive_int(seed, "seed", minimum=0)
    weight_decay = check_nonneg_float(weight_decay, "weight_decay")
    # an unknown name, a step or a softmax fails here, not in a worker
    with naming("activation"):
        _check_hidden_activation(get_activation(activation), "activation")
    if n_jobs is not None:  # joblib itself takes 1.5 and True; 0 workers do nothing
        integer = isinstance(n_jobs, numbers.Integral) and not isinstance(n_jobs, bool)
        if not integer or n_jobs == 0:
            raise (ValueError if integer else TypeError)(
                "n_jobs must be None, a number of workers >= 1, or -1 (every core; -2 all "
                f"but one, ...), got {n_jobs!r}")
        # a worker per run at most: n_jobs=10**30 failed in C ("too large to convert")
        n_jobs = min(int(n_jobs), max(len(sizes) * n_starts, 2))
    runs = Parallel(n_jobs=n_jobs, return_as="generator")(  # in order, one at a time
        delayed(_fit_one)(X, Y, Xv, Yv, m, activation, [seed, m, s], scale, weight_decay,
                          maxiter)
        for m in sizes for s in range(n_starts)
    )
    train = np.empty((len(sizes), n_starts))
    val = np.empty((len(sizes), n_starts))
    best = None  # the parameters of the first run of the smallest validation error alone
    for k, (train_error, val_error, params) in enumerate(runs):
        train.flat[k], val.flat[k] = train_error, val_error
        # a run whose error is NaN (it diverged) is chosen only while no other has a number
        if best is None or val_error < val.flat[best[0]] or (
                np.isnan(val.flat[best[0]]) and not np.isnan(val_error)):
            best = (k, params)
    i, s = np.unravel_index(best[0], val.shape)
    m = sizes[i]
    # the layout only: its weights are the chosen run's (a draw at init_scale would be
    # one more chance of a value past float64 that no run drew)
    net = _network(X.shape[1], m, Y.shape[1], activation, np.random.default_rng(0), 1.0)
    net.weight_decay = weight_decay
    net.set_params(best[1])
    return SelectionResult(np.array(sizes), train, val, m, int(s), net)


def _check_runs(n_sizes: int, n_starts: int) -> None:
    """Refuse more than :data:`MAX_RUNS` runs, before any is made or listed."""
    if n_sizes * n_starts > MAX_RUNS:
        raise ValueError(
            f"hidden_units x n_starts must make at most {MAX_RUNS:,} runs, got {n_sizes:,} "
            f"distinct sizes x {n_starts:,} starts = {n_sizes * n_starts:,}; try fewer sizes "
            "or starts")
