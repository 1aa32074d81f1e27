"""Training loops: gradient descent by epochs and mini-batches, and SciPy's optimisers.

:func:`train` runs epochs of (shuffled) mini-batches through an optimizer from
:mod:`chainrule.optimizers`; :func:`minimize` hands the flat parameter vector
and :meth:`Network.cost`'s ``(J, grad)`` to ``scipy.optimize.minimize``.
Both return the loss per epoch / iteration.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import scipy.optimize

from ._validation import check_positive_int
from .initializers import make_rng
from .network import Network
from .optimizers import Optimizer, get_optimizer

__all__ = ["History", "TrainingDiverged", "minimize", "train"]


class History(dict):
    """Metrics per epoch: ``history["loss"]``, ``history["val_loss"]``, ...

    A dict of lists with attribute access (``history.loss``) and ``epochs``,
    the number of completed epochs.
    """

    def __getattr__(self, key: str) -> list[float]:
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    @property
    def epochs(self) -> int:
        return len(self.get("loss", []))

    def append(self, **metrics: float) -> None:
        for key, value in metrics.items():
            self.setdefault(key, []).append(float(value))


class TrainingDiverged(FloatingPointError):
    """The loss or the parameters became NaN or infinite; the network keeps its last finite ones.

    Attributes
    ----------
    epoch, batch : int
        Where it happened (1-based epoch, 0-based batch within the epoch).
    history : History
        The metrics of the completed epochs.
    """

    def __init__(self, message: str, epoch: int, batch: int, history: History) -> None:
        super().__init__(message)
        self.epoch, self.batch, self.history = epoch, batch, history


def _validation_arrays(net: Network, validation_data: object) -> tuple[np.ndarray, np.ndarray]:
    if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
        raise TypeError(
            "validation_data must be a pair (X_val, Y_val), got "
            f"{type(validation_data).__name__}"
        )
    from ._validation import check_data

    Xv = check_data(validation_data[0], net.n_inputs, net.dtype, name="validation_data[0]")
    Yv = net.prepare_targets(validation_data[1], Xv.shape[0], name="validation_data[1]")
    return Xv, Yv


def _accuracy(A: np.ndarray, Y: np.ndarray) -> float:
    """Fraction of examples whose predicted class matches the target's."""
    if A.shape[1] == 1:
        return float(np.mean((A[:, 0] > 0.5) == (Y[:, 0] > 0.5)))
    return float(np.mean(np.argmax(A, axis=1) == np.argmax(Y, axis=1)))


def train(
    net: Network,
    X: object,
    Y: object,
    optimizer: str | Optimizer = "gd",
    lr: float = 0.1,
    momentum: float = 0.0,
    batch_size: int | None = None,
    epochs: int = 100,
    seed: int | np.random.Generator | None = None,
    verbose: int = 0,
    validation_data: tuple[object, object] | None = None,
    shuffle: bool = True,
) -> History:
    """Train ``net`` by gradient descent on the flat parameter vector.

    Parameters
    ----------
    net : Network
    X : array-like of shape (n_samples, n_inputs)
    Y : array-like of shape (n_samples, n_outputs), or 1-D targets / integer labels
    optimizer : str or Optimizer, default "gd"
        "gd" updates once per epoch on the whole training set (batch gradient
        descent); "sgd" updates once per mini-batch of ``batch_size`` examples
        (``batch_size=1``: stochastic gradient descent).  "nesterov",
        "adagrad", "rmsprop" and "adam" are mini-batch rules too; an
        :class:`~chainrule.optimizers.Optimizer` object brings its own settings.
    lr : float, default 0.1
        Learning rate ``eta`` (ignored when an Optimizer object is given).
    momentum : float, default 0
        ``mu`` in ``Delta <- mu Delta + grad``, ``W <- W - eta Delta``.
    batch_size : int, optional
        Examples per update: all of them for "gd", 32 otherwise.
    epochs : int, default 100
    seed : int, Generator or None
        Seeds the shuffling, so a run can be repeated exactly.
    verbose : int, default 0
        0: silent; 1: a progress bar on a terminal; 2: also a line per epoch.
    validation_data : (X_val, Y_val), optional
        Evaluated after every epoch into ``history["val_loss"]``.
    shuffle : bool, default True
        Reshuffle the examples before each epoch.

    Returns
    -------
    History
        ``loss`` (mean cost of the batches of each epoch, each taken before its
        update), ``val_loss`` and, for classification losses, ``accuracy`` and
        ``val_accuracy`` per epoch.

    Raises
    ------
    TrainingDiverged
        If the loss or parameters become NaN or infinite; the network is left
        with the last finite parameters.
    """
    X, Yt = net._check_xy(X, Y)
    m = X.shape[0]
    epochs = check_positive_int(epochs, "epochs")
    if optimizer == "gd":
        if batch_size not in (None, m):
            raise ValueError(
                f"batch_size: optimizer 'gd' uses the whole training set ({m} examples) per "
                f"update, got batch_size={batch_size}; use optimizer='sgd' for mini-batches"
            )
        batch_size = m
    batch_size = check_positive_int(32 if batch_size is None else batch_size, "batch_size")
    batch_size = min(batch_size, m)
    if isinstance(optimizer, Optimizer):
        opt = optimizer
    else:
        opt = get_optimizer(optimizer, lr=lr, momentum=momentum or None)
    val = _validation_arrays(net, validation_data) if validation_data is not None else None
    rng = make_rng(seed)
    classify = net.loss.name in ("cross_entropy", "log_loss")
    history = History()

    bar = None
    if verbose:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs, desc="training", unit="epoch", disable=None, leave=False)
    last_good = net.params.copy()
    n_batches = math.ceil(m / batch_size)
    try:
        for epoch in range(1, epochs + 1):
            order = rng.permutation(m) if shuffle and batch_size < m else None
            total = 0.0
            for batch in range(n_batches):
                if order is None and batch_size == m:
                    Xb, Yb = X, Yt
                else:
                    idx = (order if order is not None else np.arange(m))[
                        batch * batch_size : (batch + 1) * batch_size
                    ]
                    Xb, Yb = X[idx], Yt[idx]
                J, grad = net._loss_and_grad(Xb, Yb, training=True)
                np.copyto(last_good, net.params)
                opt.step(net.params, grad)
                if not (math.isfinite(J) and np.isfinite(net.params).all()):
                    net.params[...] = last_good
                    raise TrainingDiverged(
                        f"training diverged at epoch {epoch}, batch {batch}: the "
                        f"{'loss' if not math.isfinite(J) else 'parameters'} became "
                        f"NaN or infinite; the network keeps its last finite parameters. "
                        f"Try a smaller learning rate (lr={opt.lr:g}).",
                        epoch, batch, history,
                    )
                total += J * Xb.shape[0]
            metrics = {"loss": total / m}
            if classify:
                metrics["accuracy"] = _accuracy(net._forward(X, False), Yt)
            if val is not None:
                metrics["val_loss"] = net.loss_value(*val)
                if classify:
                    metrics["val_accuracy"] = _accuracy(net.layers[-1].A, val[1])
            history.append(**metrics)
            if bar is not None:
                bar.update(1)
                bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()}, refresh=False)
            if verbose >= 2:
                text = ", ".join(f"{k} {v:.5g}" for k, v in metrics.items())
                print(f"epoch {epoch}/{epochs}: {text}", file=sys.stderr)
    finally:
        if bar is not None:
            bar.close()
    return history


_METHODS = {"L-BFGS-B": "L-BFGS-B", "lbfgs": "L-BFGS-B", "CG": "CG", "cg": "CG", "BFGS": "BFGS"}


def minimize(
    net: Network,
    X: object,
    Y: object,
    method: str = "L-BFGS-B",
    maxiter: int = 400,
    tol: float | None = None,
    verbose: int = 0,
) -> scipy.optimize.OptimizeResult:
    """Train with ``scipy.optimize.minimize(fun, theta0, jac=True, method=...)``.

    Parameters
    ----------
    net : Network
    X, Y : as in :func:`train`
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"
    maxiter : int, default 400
    tol : float, optional
        Passed to SciPy.
    verbose : int, default 0
        Print SciPy's final message when > 0.

    Returns
    -------
    scipy.optimize.OptimizeResult
        SciPy's result, plus ``loss_curve`` (cost after each iteration).  The
        network holds the final parameters ``result.x``.
    """
    if method not in _METHODS:
        raise ValueError(f"unknown method {method!r}; valid methods are: {sorted(_METHODS)}")
    maxiter = check_positive_int(maxiter, "maxiter")
    X, Yt = net._check_xy(X, Y)
    theta0 = net.params.astype(np.float64)

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        net.params[...] = theta
        J, grad = net._loss_and_grad(X, Yt, False)
        return J, grad.astype(np.float64)  # a copy: SciPy keeps it

    curve: list[float] = []

    def callback(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        curve.append(float(intermediate_result.fun))

    result = scipy.optimize.minimize(
        fun, theta0, jac=True, method=_METHODS[method], tol=tol,
        options={"maxiter": maxiter}, callback=callback,
    )
    if not np.all(np.isfinite(result.x)):
        net.params[...] = theta0
        raise TrainingDiverged(
            f"{method} produced non-finite parameters; the network keeps its initial ones",
            0, 0, History(),
        )
    net.params[...] = result.x
    result["loss_curve"] = curve
    if verbose:
        print(f"{method}: {result.message} after {result.nit} iterations, J={result.fun:.6g}")
    return result
