"""Training with SciPy's optimisers on the flat parameter vector (L-BFGS-B, CG, BFGS).

The network's ``(J, grad)`` function is handed to
``scipy.optimize.minimize(fun, theta0, jac=True, method=...)`` exactly as
scikit-learn's MLP does for L-BFGS; since the parameters already live in one
flat vector, nothing is packed or unpacked.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping

import numpy as np
import scipy  # already loaded (scipy.special); resolves the annotations, see minimize

from ._class_weight import (
    check_network_class_weight,
    target_class_weights,
    times_sample_weight,
)
from ._network_blocks import RowBlocks, block_rows
from ._scipy_fit_newton import (
    SECOND_ORDER,
    make_hessp,
    second_order_method,
    set_running_statistics,
    with_batch_statistics,
)
from ._scipy_fit_params import _full, _put, _put_result, _trainable_mask
from ._symmetry import choose_products
from ._threads import scipy_blas_single_thread
from ._training_data import _check_sparse, _is_sparse, _sparse_batch
from ._validation import check_nonneg_float, check_positive_float, check_positive_int
from .batchnorm import BatchNorm
from .callbacks import History
from .dropout import Dropout
from .layers import Dense
from .network import Network, _release_caches
from .training import TrainingDiverged, _check_verbose, _exact_one_hot

__all__ = ["minimize"]

# the methods by their names in lower case (SciPy's are case-insensitive): SciPy's name
_METHODS = {"l-bfgs-b": "L-BFGS-B", "lbfgs": "L-BFGS-B", "cg": "CG", "bfgs": "BFGS"}
_VALID = "L-BFGS-B (or lbfgs), CG, BFGS, in any case"

# BFGS keeps a dense n_params x n_params float64 estimate of the inverse Hessian (and
# makes n_params x n_params temporaries as it updates it): refused past this size of it
_BFGS_MAX_BYTES = 2**30


def _scipy_method(method: object) -> str:
    """SciPy's name of ``method``, given in any of :func:`minimize`'s spellings (any case,
    "lbfgs"), which the autoencoders take too; anything else refused naming them (and not
    the second-order methods of minimize alone, ``_scipy_fit_newton``)."""
    if not isinstance(method, str) or method.lower() not in _METHODS:  # a list is not hashable
        raise ValueError(f"method: unknown method {method!r}; valid methods are: {_VALID}")
    return _METHODS[method.lower()]


def _check_bfgs_size(method: str, n: int) -> None:
    """Refuse BFGS (``method`` in any spelling) for ``n`` parameters whose dense inverse
    Hessian estimate, n x n float64, passes ``_BFGS_MAX_BYTES``: SciPy would fail with a
    MemoryError naming no setting, or swap the machine."""
    if _scipy_method(method) == "BFGS" and 8 * n * n > _BFGS_MAX_BYTES:
        raise ValueError(
            f"method: {method!r} keeps a dense n_params x n_params inverse Hessian estimate: "
            f"{n} parameters need {8 * n * n / 2**30:.3g} GiB for it in float64 (and more as "
            f"it is updated), past the {_BFGS_MAX_BYTES / 2**30:g} GiB allowed for it; use "
            "method='L-BFGS-B' (or 'CG'), which keeps a few vectors of the parameters' size")


# the clock max_time is measured on (a name of this module, so that a test can advance it)
_clock = time.monotonic


def _objective(net: Network, X: np.ndarray, Y: np.ndarray, sample_weight: np.ndarray | None = None,
               fold_bias: bool = True, keep: np.ndarray | None = None, block: int | None = None,
               ) -> Callable[[np.ndarray], tuple[float, np.ndarray]]:
    """``theta -> (J, grad)`` on checked data: what SciPy's optimisers call.

    ``grad`` is a new float64 vector (SciPy keeps it); ``theta`` is written into
    the network's parameters.  Every call has the same shapes, so the layers
    reuse their buffers from call to call.  ``sample_weight`` (checked, or None)
    weights the examples' losses.  With ``fold_bias``, a first Dense layer adds
    its bias inside its product with ``[X, 1]`` (made once) and sums its ``delta``
    inside its weight-gradient product: the same cost and gradient to rounding
    (the last bits of the bias gradient, whose column sums BLAS orders differently).
    ``keep`` (a mask of the parameters, the trainable ones): ``theta`` and ``grad`` are
    those entries alone, the frozen ones staying as the network holds them.  ``block``: rows
    per block (0: one pass; None: as ``_network_blocks.block_rows`` chooses)."""
    pool: dict = {}
    one_hot = _exact_one_hot(Y, net)  # looked at once, not at every call
    # a network with equal hidden units (a zeros start): every call computes its Dense
    # layers' products in index order, so that the units stay equal (see _symmetry)
    choose_products(net)
    first = net.layers[0]
    # every call multiplies the same X: a first Dense layer gets [X, 1] once, and its bias
    # and bias gradient come out of its products (Dense._fold_bias), one pass over its Z
    # and one over its delta less per call (digits, 64-100-10: 4 % of a call).  Only where
    # the copy is no larger than one of the layer's own buffers of its outputs
    # (n_in + 1 <= n_out): on wide inputs (MNIST-shaped, 784-256) it saved nothing
    if (fold_bias and type(first) is Dense and isinstance(X, np.ndarray) and X.ndim == 2
            and first.n_in + 1 <= first.n_out):
        folded = first._fold_bias(X)
        if folded is not None:
            pool.setdefault(id(first), {})["bias folded"] = folded

    # the hidden ReLU layers write their A over their Z (DenseBuffers._forward_into): no
    # one reads a layer's Z between calls here (minimize releases the caches at its end)
    for layer in net.layers[:-1]:
        if type(layer) is Dense and layer.activation.builtin and layer.activation.name == "relu":
            pool.setdefault(id(layer), {})["relu over Z"] = True
    # large data a block of rows at a time, each block's arrays in the cache (_network_blocks)
    rows = block_rows(net, X, sample_weight) if block is None else block
    blocks = RowBlocks(net, X, Y, sample_weight, rows, pool) if rows else None

    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        _put(net, theta, keep)
        # overflow shows as a cost that is not finite: SciPy's line search steps back from
        # it, and minimize() stops with TrainingDiverged if the result is not finite
        with np.errstate(over="ignore", invalid="ignore"), net._workspace(pool):
            J, grad = (blocks(one_hot) if blocks is not None else
                       net._loss_and_grad(X, Y, False, sample_weight, one_hot))
        return J, (grad if keep is None else grad[keep]).astype(np.float64)

    return fun


def minimize(
    net: Network,
    X: object,
    Y: object,
    method: str = "L-BFGS-B",
    maxiter: int = 400,
    tol: float | None = None,
    verbose: int = 0,
    sample_weight: object = None,
    options: Mapping | None = None,
    callback: Callable[[np.ndarray, float], None] | None = None,
    class_weight: str | dict | None = None,
    max_time: float | None = None,
) -> scipy.optimize.OptimizeResult:
    """Train with ``scipy.optimize.minimize(fun, theta0, jac=True, method=...)``.

    Parameters
    ----------
    net : Network
        Its frozen parameters (a layer's ``trainable = False``, its ``frozen`` names) are
        left out of the vector SciPy minimises over and keep their values (``result.x``
        is still the whole vector); a network with everything frozen is refused.
    X, Y : as in :func:`train`
        A sparse ``X`` goes whole to a first Dense layer as it is (CSR); for any
        other first layer it is densified once.
    method : {"L-BFGS-B", "CG", "BFGS", "Newton-CG", "trust-ncg", "trust-krylov"}, optional
        SciPy's names, in any case as SciPy takes them ("l-bfgs-b", "cg",
        "bfgs"); "lbfgs" is L-BFGS-B.  The last three get SciPy's ``hessp=``, the exact
        Hessian-vector product of :func:`chainrule.hessian.hessian_vector_product`
        (the layers and losses it covers; others are refused), and
        report the number of products as ``result.nhev``.  Default "L-BFGS-B".
        With a BatchNorm layer these three minimise the training-mode cost (each
        BatchNorm normalising with the mean and variance of the whole ``X``, which that
        product differentiates), and set its running statistics at the end to those of
        ``X`` at ``result.x`` (as one training pass of momentum 0 would), for ``predict``.
        BFGS keeps a dense estimate of the inverse Hessian, ``n_params ** 2``
        float64 values: it is refused for networks whose estimate would pass
        1 GiB (more than 11585 parameters); L-BFGS-B keeps a few vectors instead.
    maxiter : int, default 400
    tol : float >= 0, optional
        Passed to SciPy.
    verbose : int >= 0 or bool, default 0
        Print SciPy's final message when > 0.
    sample_weight : array-like of shape (n_samples,), optional
        Example weights: the loss part of the cost is their weighted mean.
    options : dict or other mapping, optional
        Further SciPy solver options (e.g. ``{"gtol": 1e-5}``), added to ``maxiter``;
        a ``"maxiter"`` among them is refused (it is the argument above).
    callback : callable, optional
        Called after each iteration as ``callback(theta, J)`` with the iterate
        ``theta`` (float64 array of shape (n_params,), SciPy's: read it, do not
        keep or change it) and its cost ``J`` (the value appended to ``loss_curve``).
    class_weight : dict, "balanced" or None, optional
        Weights of the classes, as :func:`~chainrule.training.train` takes them
        (a network with softmax + "cross_entropy" or sigmoid + "log_loss"
        outputs; the integer labels of ``Y``): each example's weight is its
        class's, times its ``sample_weight`` when one is given, so that the
        fit is the fit with ``sample_weight=compute_sample_weight(class_weight,
        labels)``.  "balanced" counts the classes of ``Y``, by the sums of their
        ``sample_weight`` when one is given (as LogisticRegression does).
    max_time : float > 0, optional
        A time budget in seconds, counted from the solver's start (the data
        checks are not counted) and checked after each iteration, as
        :func:`~chainrule.training.train` checks its ``max_time`` after each
        batch: once spent, the run stops at that iterate, which the network
        keeps, as a ``maxiter`` stop would keep it (``result.x``, ``nit`` and
        ``loss_curve`` are of it).  The result then has ``timed_out`` True,
        ``success`` False and a ``message`` saying so (with ``verbose``, the
        line printed at the end).  After the ``maxiter``-th iteration there is
        nothing left to stop: the run ends as without it.

    Returns
    -------
    scipy.optimize.OptimizeResult
        SciPy's result, plus ``loss_curve`` (cost after each iteration) and
        ``timed_out`` (whether ``max_time`` stopped it).  The
        network holds the final parameters ``result.x``, and no longer the
        caches of the last evaluation (its layers' ``X``, ``Z``, ``A`` and
        ``delta`` are None, so the training data is not kept alive): call
        :meth:`Network.loss_and_grad` to look at them.

    Raises
    ------
    TrainingDiverged
        If the cost or the parameters end NaN or infinite; the network keeps
        the last iterate with a finite cost (or its initial parameters).
    KeyboardInterrupt
        On Ctrl-C, which SciPy's optimisers do not catch; the network keeps the
        last iterate with a finite cost (the last one ``callback`` saw), not the
        point being evaluated when it came (or its initial parameters).
    ValueError
        If the network has a :class:`Dropout` layer, or a :class:`BatchNorm` layer
        with a first-order method: the cost these solvers minimise is deterministic
        and computed in evaluation mode, where dropout does nothing and batch
        normalisation would use running statistics that no step updates (train them
        with :func:`train` and a stochastic optimizer, as the estimators do; or, for
        BatchNorm, a second-order method, see ``method``); also
        for an unknown ``method`` (or "BFGS" for a network of more than 11585
        parameters), a ``maxiter``, ``tol`` or ``max_time`` out of range, or
        ``options`` holding ``maxiter`` (an argument of this function); a
        ``class_weight`` for a network without class targets, naming a class
        it does not have, or giving every example weight 0; a parameter made NaN
        or infinite in place (``layer.W[0, 0] = np.nan``), named as
        :func:`~chainrule.training.train` names it, before SciPy starts.
    TypeError
        If ``net`` is not a :class:`~chainrule.Network`, ``callback`` not
        callable, ``options`` not a dict, or ``maxiter``, ``tol`` or ``max_time``
        not a number.

    Notes
    -----
    The cost and gradient are computed in the network's dtype: a float32
    network is trained in float32.  SciPy keeps its iterate in float64
    (``result.x``, ``result.fun``); each evaluation rounds it to float32 into
    the network, whose cost and gradient (float32, about 7 significant
    digits) SciPy then reads as float64, and the network ends with
    ``result.x`` rounded to float32 (``net.params`` stays float32).
    scikit-learn's ``MLPClassifier``/``MLPRegressor`` with ``solver="lbfgs"``
    end with float64 weights on float32 data instead; for a fit computed in
    float64, train ``net.astype("float64")`` (the estimators: ``dtype="float64"``).

    While SciPy optimises, SciPy's own BLAS (when its wheel brings a copy
    separate from NumPy's) runs on one thread, so that it never waits for
    NumPy's BLAS threads, which keep computing the cost and gradient; see
    :mod:`chainrule._threads`.
    """
    import scipy.optimize

    if not isinstance(net, Network):
        raise TypeError(f"net must be a chainrule Network (an estimator's is its network_), "
                        f"got {type(net).__name__}")
    # a parameter made NaN in place (layer.W[0, 0] = np.nan): named as train names it, not
    # a TrainingDiverged blaming X or Y for the NaN cost SciPy's first call would see
    net._check_params_finite("minimize")
    scipy_method = second_order_method(method, net)  # None: a first-order method
    if scipy_method is None:
        scipy_method = _scipy_method(method)
        _check_bfgs_size(method, net.params.size)
    maxiter = check_positive_int(maxiter, "maxiter")
    # the second-order methods minimise a BatchNorm network's training-mode cost (the
    # statistics of the whole X, as their Hessian-vector product differentiates it)
    second_order = scipy_method in SECOND_ORDER.values()
    for i, layer in enumerate(net.layers):
        if isinstance(layer, Dropout) or (isinstance(layer, BatchNorm) and not second_order):
            hint = ("; or method='Newton-CG', 'trust-ncg' or 'trust-krylov', which minimise "
                    "its training-mode cost (the batch statistics of the whole X)"
                    if isinstance(layer, BatchNorm) else "")
            raise ValueError(
                f"net.layers[{i}]: {method} minimises a deterministic cost in evaluation "
                f"mode, where a {type(layer).__name__} layer would be silently inactive or "
                "frozen; expected a network without BatchNorm and Dropout, got "
                f"{layer!r} (train it with chainrule.train and a stochastic optimizer{hint})"
            )
    batch_norm = second_order and any(isinstance(layer, BatchNorm) for layer in net.layers)
    if callback is not None and not callable(callback):
        raise TypeError(f"callback: expected a callable or None, got {callback!r}")
    if tol is not None:
        tol = check_nonneg_float(tol, "tol")
    if max_time is not None:
        max_time = check_positive_float(max_time, "max_time")
    if options is not None and not isinstance(options, Mapping):
        raise TypeError(f"options: expected a dict of SciPy solver options or None, got "
                        f"{type(options).__name__} {options!r}")
    if options is not None and "maxiter" in options:  # it was replaced without a word
        raise ValueError(f"options: maxiter is minimize's own argument; pass "
                         f"maxiter={options['maxiter']!r} instead of options={options!r}")
    verbose = _check_verbose(verbose)
    class_weight = check_network_class_weight(class_weight, net)
    if _is_sparse(X):  # evaluated whole at each step: kept sparse for a first Dense layer
        X = _sparse_batch(_check_sparse(X, net), net)
        Yt = net.prepare_targets(Y, X.shape[0])
    else:
        X, Yt = net._check_xy(X, Y)
    sw = net.check_sample_weight(sample_weight, X.shape[0])
    cw = target_class_weights(class_weight, net, Yt, sample_weight=sw)
    if cw is not None:  # as train weighs its examples (Trainer._data)
        cw = times_sample_weight(cw, sw, class_weight)
        sw = net.check_sample_weight(cw, X.shape[0])  # None for weights all 1
    # frozen parameters (the layers' trainable and frozen) are left out of the vector SciPy
    # minimises over, as PyTorch's optimizers leave tensors without requires_grad
    keep = _trainable_mask(net)
    theta0 = net.params.astype(np.float64)
    if keep is not None:
        theta0 = theta0[keep]
    if batch_norm:  # (the R-operator's modules: imported on first use)
        from ._hessian_rop_batchnorm import refuse_one_row

        refuse_one_row(net, X, f"method={method!r}")
    fun = _objective(net, X, Yt, sw, keep=keep, block=0 if batch_norm else None)
    if batch_norm:  # one pass over the whole X (blocks would have statistics of their own)
        fun = with_batch_statistics(net, fun)
    # Newton-CG, trust-ncg, trust-krylov: the exact H p (_scipy_fit_newton)
    second = ({"hessp": make_hessp(net, X, Yt, sw, keep)}
              if scipy_method in SECOND_ORDER.values() else {})
    curve: list[float] = []
    last_good = theta0  # the last iterate with a finite cost
    history = History()
    caller_errstate = np.geterr()  # the callback's, within the solver's (see below)
    deadline = math.inf  # set when SciPy starts, with max_time
    timed_out = False

    def on_iteration(intermediate_result: scipy.optimize.OptimizeResult) -> None:
        nonlocal last_good, timed_out
        J = float(intermediate_result.fun)
        curve.append(J)
        if math.isfinite(J):
            last_good = intermediate_result.x.copy()
            history.append(loss=J)
        if callback is not None:
            with np.errstate(**caller_errstate):
                callback(_full(net, intermediate_result.x, keep), J)
        # max_time, as train checks it after each batch: SciPy ends the run at this iterate
        # on StopIteration (result.x, nit and fun are of it); after the last allowed
        # iteration there is nothing left to stop
        if max_time is not None and len(curve) < maxiter and _clock() >= deadline:
            timed_out = True
            raise StopIteration

    try:
        if max_time is not None:
            deadline = _clock() + max_time
        # an infinite or NaN cost or gradient (from an overflowing start, say) is reported
        # as TrainingDiverged below: SciPy's own arithmetic on it (CG's and BFGS's line
        # search, gradient norms) would first print a screenful of overflow and invalid
        # value RuntimeWarnings from SciPy's and NumPy's lines, naming nothing of ours
        with scipy_blas_single_thread(), np.errstate(over="ignore", invalid="ignore"):
            result = scipy.optimize.minimize(
                fun, theta0, jac=True, method=scipy_method, tol=tol,
                options={**(options or {}), "maxiter": maxiter}, callback=on_iteration,
                **second,
            )
        if not (math.isfinite(result.fun) and np.all(np.isfinite(result.x))):
            _put(net, last_good, keep)
            if last_good is theta0:
                J0, _ = fun(theta0)
                _put(net, theta0, keep)
                where = (f"the cost at the initial parameters is {J0} (values too large in X or "
                         "Y overflow?)" if not math.isfinite(J0) else
                         "the cost or the parameters became NaN or infinite in the first iteration")
                keeps = "its initial parameters"
            else:
                where = "the cost or the parameters became NaN or infinite"
                keeps = f"the parameters of iteration {history.epochs}, the last with a finite cost"
            raise TrainingDiverged(
                f"{method} diverged: {where}; the network keeps {keeps}", history.epochs, 0,
                history, "cost",
            )
    except BaseException:
        # Ctrl-C (or an error) inside an evaluation: the network holds the point SciPy was
        # trying, perhaps one its line search rejects; it gets the last iterate instead
        _put(net, last_good, keep)
        raise
    finally:
        # the last evaluation's caches (the training X, the full-batch Z, A and delta in
        # the workspace's buffers) are of no use once SciPy is done: release them, and the
        # workspace with the objective, so that the network holds nothing data-sized
        _release_caches(net)
        fun = second = None
    _put_result(net, result, keep)
    if batch_norm:  # for predict: the statistics of the cost minimised, at result.x
        set_running_statistics(net, X)
    result["loss_curve"] = curve
    result["timed_out"] = timed_out
    if timed_out:  # SciPy's message names the StopIteration, not why it was raised
        result.message = f"stopped: max_time = {max_time:g} s spent"
    if verbose:
        print(f"{method}: {result.message} after {result.nit} iterations, J={result.fun:.6g}")
    return result
