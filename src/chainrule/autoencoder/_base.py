"""What the autoencoder estimators share: settings checks, the SciPy fit (the classifiers'
shared predict is in ``_classifier``)."""

from __future__ import annotations

import contextlib
import contextvars
import warnings
from collections.abc import Collection, Iterator
from typing import Any

import numpy as np
import scipy.optimize
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import validate_data

from .._symmetry import choose_products
from .._threads import scipy_blas_single_thread
from .._validation import (
    caller_outside_chainrule,
    check_finite_array,
    check_random_state_value,
)
from .._validation_arrays import check_readable, naming_conversion
from .._validation_labels import check_label_kinds
from ..callbacks import History
from ..initializers import make_rng
from ..layers import Dense
from ..network import Network, _release_caches
from ..scipy_fit import _check_bfgs_size, _full, _put, _put_result, _scipy_method, _trainable_mask
from ..training import TrainingDiverged
from ._penalty import _penalized_cost

#: True while a StackedAutoencoder trains its autoencoders and its softmax: a Ctrl-C there
#: ends the stack's fit (the KeyboardInterrupt goes on), since a stack without all its
#: stages predicts nothing, instead of ending one stage and going on to the next
_ABORT_ON_INTERRUPT = contextvars.ContextVar("chainrule_abort_on_interrupt", default=False)


@contextlib.contextmanager
def _interrupt_aborts() -> Iterator[None]:
    """A block in which a Ctrl-C in :func:`_fit_scipy` goes on to the caller (a fit of
    several stages, which one stage stopped by it would let go on to the next)."""
    token = _ABORT_ON_INTERRUPT.set(True)
    try:
        yield
    finally:
        _ABORT_ON_INTERRUPT.reset(token)


def _cost(net: Network, X: np.ndarray, Y: np.ndarray, penalties,
          sample_weight: np.ndarray | None,
          decay_layers: Collection[int] | None) -> tuple[float, np.ndarray]:
    """:func:`_penalized_cost`, ``decay_layers`` passed only when some layers are left out
    of the weight decay (the call of every other fit is as it was)."""
    if decay_layers is None:
        return _penalized_cost(net, X, Y, penalties, sample_weight)
    return _penalized_cost(net, X, Y, penalties, sample_weight, decay_layers=decay_layers)


def _fit_scipy(net: Network, X: np.ndarray, Y: np.ndarray, penalties, method: str,
               max_iter: int, who: str, keeps: bool = False,
               sample_weight: np.ndarray | None = None,
               decay_layers: Collection[int] | None = None) -> scipy.optimize.OptimizeResult:
    """Minimise :func:`penalized_cost` over ``net.params`` with SciPy; the net keeps the result.

    Frozen parameters (a layer's ``trainable = False``, its ``frozen`` names) are left
    out of the vector SciPy minimises over, as :func:`chainrule.minimize` leaves them,
    and keep their values bit for bit (``result.x`` and ``result.jac`` are still of the
    whole vector, ``jac`` 0 at the frozen entries); a network with everything frozen is
    refused.

    A Ctrl-C (KeyboardInterrupt) stops the optimiser, as one Ctrl-C stops the
    MLP estimators: the net keeps the last iterate with a finite cost (its
    parameters from before the call if no iteration completed), and the result
    says so (``interrupted`` True, ``success`` False, ``nit`` the iterations up
    to that iterate, ``fun`` its cost), with a
    ``UserWarning("Training interrupted by user.")``; while
    ``_ABORT_ON_INTERRUPT`` is set (a stack's pretraining) it goes on to the
    caller instead.  On any other error (and then) ``net.params`` are put back
    as they were before the call (where :func:`chainrule.minimize` keeps its
    last iterate: an estimator's fit changes nothing); when the cost or the
    parameters end NaN or infinite,
    :class:`~chainrule.TrainingDiverged` is raised and the net keeps the last
    iterate with a finite cost (or its parameters from before the call).

    Parameters
    ----------
    net : Network
    X : ndarray of shape (n_samples, n_inputs)
    Y : ndarray of shape (n_samples, n_outputs)
    penalties : mapping of int to KLSparsity, or None
    method : str
        One of :func:`chainrule.minimize`'s methods, in any of its spellings
        (:func:`_check_method`), shown as given in the messages.
    max_iter : int
    who : str
        The estimator (and stage) that runs it, for the TrainingDiverged message.
    keeps : bool, default False
        Whether the caller keeps the net after a divergence (fine-tuning a fitted
        stack) or discards it (a fit, which leaves the estimator as it was): what
        the TrainingDiverged message says.
    sample_weight : ndarray of shape (n_samples,), optional
        The examples' shares of the data term (``_data_shares``), or None.
    decay_layers : collection of int, optional
        The layers whose weights are decayed (:func:`_penalized_cost`); None: all.

    Returns
    -------
    scipy.optimize.OptimizeResult
        With ``interrupted`` (bool).

    Raises
    ------
    ValueError
        For BFGS where its n_params x n_params estimate would pass 1 GiB, as
        :func:`chainrule.minimize` refuses it, and for a network with every parameter
        frozen, led by ``who``.
    """
    try:  # before SciPy allocates BFGS's n_params x n_params matrix: a MemoryError
        _check_bfgs_size(method, net.params.size)
        # the trainable entries (None: all), as chainrule.minimize takes them
        keep = _trainable_mask(net)
    except ValueError as exc:
        raise ValueError(f"{who}: {exc}") from None
    theta0 = net.params.astype(np.float64)  # a copy: the parameters before the call
    x0 = theta0 if keep is None else theta0[keep]  # what SciPy minimises over
    last_good, good_iters = x0, 0  # the last iterate with a finite cost, and its number
    n_iter, history = 0, History()  # the costs of the iterations up to good_iters
    # equal hidden units (a zeros or constant start): each call's Dense products in index
    # order, so that they stay equal (see _symmetry); any other network as before (BLAS)
    products = net._workspace() if choose_products(net) else contextlib.nullcontext()

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        _put(net, theta, keep)  # the frozen entries stay as the network holds them
        # overflow shows as a cost that is not finite: SciPy's line search steps back from
        # it, and a result that is not finite raises TrainingDiverged below
        with np.errstate(over="ignore", invalid="ignore"), products:
            J, g = _cost(net, X, Y, penalties, sample_weight, decay_layers)
        return J, (g if keep is None else g[keep]).astype(np.float64)  # a copy: SciPy keeps it

    def on_iteration(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        nonlocal last_good, good_iters, n_iter
        n_iter += 1
        if np.isfinite(intermediate_result.fun) and np.all(np.isfinite(intermediate_result.x)):
            last_good, good_iters = intermediate_result.x.copy(), n_iter
            history.append(loss=float(intermediate_result.fun))

    try:
        with scipy_blas_single_thread():  # see _threads: the two BLAS pools would contend
            result = scipy.optimize.minimize(fun, x0, jac=True, method=_scipy_method(method),
                                             options={"maxiter": max_iter},
                                             callback=on_iteration)
    except KeyboardInterrupt:  # Ctrl-C: the last iterate (see above)
        net.params[...] = theta0
        if _ABORT_ON_INTERRUPT.get():
            raise
        result = _interrupted(net, X, Y, penalties, sample_weight,
                              _full(net, last_good, keep), good_iters, history, decay_layers)
        warnings.warn("Training interrupted by user.", UserWarning,
                      stacklevel=caller_outside_chainrule())
        return result
    except BaseException:  # an error inside the optimiser changes nothing
        net.params[...] = theta0
        raise
    finally:  # the last pass's arrays (the data among them) are not kept by the model
        _release_caches(net)
    result["interrupted"] = False
    if not (np.isfinite(result.fun) and np.all(np.isfinite(result.x))):
        _put(net, last_good, keep)
        if not keeps:
            kept = "the fit changes nothing"
        elif good_iters == 0:
            kept = "the network keeps its parameters from before the call"
        else:
            kept = (f"the network keeps the parameters of iteration {good_iters}, the last "
                    "with a finite cost")
        raise TrainingDiverged(
            f"{who}: {method} diverged: the cost or the parameters became NaN or infinite "
            f"(cost {float(result.fun):g} after {n_iter} iteration(s)); {kept}",
            good_iters, 0, history, "cost")
    _put_result(net, result, keep)
    return result


def _interrupted(net: Network, X: np.ndarray, Y: np.ndarray, penalties,
                 sample_weight: np.ndarray | None, last_good: np.ndarray, good_iters: int,
                 history: History,
                 decay_layers: Collection[int] | None = None) -> scipy.optimize.OptimizeResult:
    """The result of a run stopped by Ctrl-C: ``net`` gets ``last_good``, shape (n_params,).

    ``fun`` is the cost of iteration ``good_iters`` as SciPy's callback saw it, or
    the cost of the parameters from before the call when no iteration completed
    (computed now; another Ctrl-C then leaves those parameters and goes on).
    """
    if good_iters:
        cost = history["loss"][-1]
    else:
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                cost = float(_cost(net, X, Y, penalties, sample_weight, decay_layers)[0])
        finally:
            _release_caches(net)
    net.params[...] = last_good
    return scipy.optimize.OptimizeResult(
        x=last_good, fun=cost, nit=good_iters, success=False, interrupted=True,
        message="interrupted by the user (KeyboardInterrupt): the last iterate is kept")


def _warn_unconverged(result: scipy.optimize.OptimizeResult, who: str, method: str,
                      limit: str) -> None:
    """A ConvergenceWarning when SciPy's optimiser did not succeed, as the MLP estimators warn.

    ``result.success`` is False when the iteration (or evaluation) limit was reached
    or the line search failed; SciPy's ``message`` says which.

    Parameters
    ----------
    result : OptimizeResult
        What :func:`_fit_scipy` returned.
    who : str
        The estimator (and stage) that ran, e.g. "SparseAutoencoder".
    method : str
        The optimiser as the user named it.
    limit : str
        The setting that bounds the iterations, with its value, e.g. "max_iter=400".
    """
    if not result.success and not result.get("interrupted", False):  # that one warned
        warnings.warn(
            f"{who}: {method} failed to converge after {int(result.nit)} iteration(s) "
            f"({limit}): {result.message}", ConvergenceWarning,
            stacklevel=caller_outside_chainrule())  # a stack's stages: its fit's caller


def _check_method(method: str) -> str:
    """``method`` as given, where :func:`chainrule.minimize` takes it (its own lookup: the
    same spellings, "L-BFGS-B", "l-bfgs-b", "lbfgs", "CG", "BFGS" in any case, and the same
    message for any other)."""
    _scipy_method(method)
    return method


def _checked_X(est: BaseEstimator, X: object, reset: bool, dtype: np.dtype | type,
               y: object = "no_validation", name: str = "X") -> Any:
    """``X`` (and ``y``) checked as scikit-learn's estimators check them, then for NaN/inf.

    scikit-learn's ``validate_data`` requires a dense 2-D array of numbers (sparse,
    complex and 1-D input are refused with its messages, a DataFrame's values taken),
    records ``n_features_in_`` and ``feature_names_in_`` when ``reset`` and otherwise
    refuses another number of columns or other column names.  chainrule's own check
    then names the NaN and infinite values.

    Parameters
    ----------
    est : BaseEstimator
        The estimator fitting or predicting.
    X : array-like of shape (n_samples, n_features)
    reset : bool
        True in ``fit`` (record the features), False afterwards (check them).
    dtype : dtype or tuple of dtype
        The dtype of the returned array; of a tuple, the dtype of ``X`` where it is
        one of them, else the first (``_PREDICT_DTYPES``: float32 kept, anything
        else float64).
    y : array-like of shape (n_samples,), optional
        Labels, checked with ``X`` (1-D, one per row; a column vector is raveled
        with a warning; None is refused).  Not given: only ``X`` is checked.
    name : str, default "X"
        How chainrule's messages name ``X``.

    Returns
    -------
    ndarray of shape (n_samples, n_features), or the tuple ``(X, y)`` when ``y`` is given
    """
    only_X = isinstance(y, str) and y == "no_validation"
    check_readable(X, name)  # a mask, times: what validate_data would read wrong
    if only_X:
        with naming_conversion(X, name):
            X = validate_data(est, X, reset=reset, dtype=dtype, ensure_all_finite=False,
                              order="C")
    else:
        check_readable(y, "y", times=False)  # class labels
        check_label_kinds(y)  # mixed or missing labels: before NumPy's sort fails on them
        with naming_conversion(X, name, y):
            X, y = validate_data(est, X, y, reset=reset, dtype=dtype, ensure_all_finite=False,
                                 order="C")
    X = check_finite_array(X, name, dtype=X.dtype, ndim=2)  # validate_data's: one of dtype
    return X if only_X else (X, y)


# The dtypes SparseAutoencoder's transform keeps: its network is float64 (the fit is, see
# the class's Notes), and float32 data gets its outputs computed in float64 and rounded to
# float32 at the end, as scikit-learn's PCA keeps float32; any other data (integers,
# float16, lists) gets float64.  The classifiers answer in float64 (see their Notes).
_PREDICT_DTYPES = (np.float64, np.float32)


def _rng(random_state: object) -> np.random.Generator:
    """A Generator from ``random_state`` as scikit-learn takes it, or from a Generator.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        A RandomState gives one draw for the seed (and advances, as in
        scikit-learn); None, one draw from NumPy's global RandomState (the
        ``np.random`` functions' own, which ``np.random.seed`` seeds), as
        scikit-learn and the MLP estimators read None; a Generator is used as
        it is.
    """
    check_random_state_value(random_state)
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(
            check_random_state(random_state).randint(np.iinfo(np.int32).max))
    return make_rng(random_state)


def _ufldl_dense(fan_in: int, fan_out: int, activation: str, rng: np.random.Generator) -> Dense:
    return Dense(fan_in, fan_out, activation, init="ufldl", seed=rng)
