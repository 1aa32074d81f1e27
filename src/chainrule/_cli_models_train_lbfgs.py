"""``chainrule train --optimizer lbfgs``: full-batch L-BFGS through :func:`chainrule.minimize`,
and the second-order methods newton-cg, trust-ncg and trust-krylov the same way (what they
add: :mod:`chainrule._cli_models_train_newton`).

The options of the mini-batch optimizers that these have no use for are refused
by name before any data is read (:func:`refuse_lbfgs_options`), and
:func:`fit_lbfgs` trains with ``--epochs`` as the most iterations, recording a
:class:`~chainrule.callbacks.History` as the other optimizers' runs do.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

import numpy as np

from ._class_weight import check_network_class_weight, target_class_weights, times_sample_weight
from ._cli_models_train_newton import (
    STEP_CHOOSER,
    refuse_network,
    second_order_converged,
    stop_reason,
)

if TYPE_CHECKING:  # the network's modules: imported by a run, not by the parser
    from .callbacks import History
    from .network import Network

# (dest, the option as typed, why L-BFGS (or {steps}: another full-batch method's step
# chooser) has no use for it): refused when given
_NOT_LBFGS = (
    ("lr", "--lr", "{steps} chooses each step's length"),
    ("momentum", "--momentum", "a setting of sgd, gd, nesterov and rmsprop"),
    ("batch_size", "--batch-size", "it steps on the whole training set"),
    ("schedule", "--schedule", "it has no learning rate to schedule"),
    ("clip_norm", "--clip-norm", "{steps} chooses each step's length, whatever "
     "the gradient's norm"),
    ("ema", "--ema", "it has no steps of a learning rate to average; its iterates descend"),
    ("divergence_threshold", "--divergence-threshold", "{steps} takes no step that "
     "raises the cost"),
    ("dropout", "--dropout", "it minimises a deterministic cost, where dropout is inactive"),
    ("patience", "--patience", "it has no early stopping; --epochs bounds its iterations"),
    ("checkpoint", "--checkpoint", "a run of it cannot be checkpointed and resumed"),
    ("checkpoint_every", "--checkpoint-every", "a run of it cannot be checkpointed"),
    ("resume", "--resume", "a run of it cannot be checkpointed and resumed"),
)


def refuse_lbfgs_options(args: argparse.Namespace) -> None:
    """Refuse, for ``--optimizer lbfgs`` (or newton-cg, trust-ncg, trust-krylov), the
    options that mean nothing to it.

    Checked before any data is read: ``--lr``, ``--momentum``, ``--batch-size``,
    ``--schedule``, ``--clip-norm``, ``--ema``, ``--dropout`` (and Dropout layers in
    ``--layers``, and for lbfgs BatchNorm layers: newton-cg, trust-ncg and trust-krylov
    minimise a BatchNorm network's training-mode cost, as :func:`chainrule.minimize`
    does), ``--patience``, ``--checkpoint``, ``--checkpoint-every``
    and ``--resume`` (``--max-time`` it takes: :func:`fit_lbfgs`).

    Raises
    ------
    ValueError
        Naming the first such option given, and why the optimizer has no use for it.
    """
    name = args.optimizer
    for dest, option, why in _NOT_LBFGS:
        value = getattr(args, dest, None)
        if value is not None and value is not False:  # --momentum 0 is given, too
            why = why.format(steps=STEP_CHOOSER[name])
            raise ValueError(f"{option}: --optimizer {name} takes no {option} ({why}); "
                             f"leave {option} out, or use a mini-batch optimizer such as adam")
    for i, spec in enumerate(args.layers or []):
        kind = spec.get("type") if isinstance(spec, dict) else None
        if kind == "Dropout" or (kind == "BatchNorm" and name == "lbfgs"):
            hint = (" (or --optimizer newton-cg, trust-ncg or trust-krylov, which minimise "
                    "its training-mode cost: the statistics of the whole training set)"
                    if kind == "BatchNorm" else "")
            raise ValueError(
                f"--layers: --optimizer {name} minimises a deterministic cost in evaluation "
                f"mode, where a {kind} layer would be silently inactive or frozen; got one "
                f"as layer {i}: leave it out, or use a mini-batch optimizer such as "
                f"adam{hint}")


# SciPy's L-BFGS-B tolerances by default (gtol, and ftol = factr * eps with factr 1e7)
_GTOL = 1e-5
_FTOL = 1e7 * np.finfo(float).eps


def _training_weights(net: Network, X: np.ndarray, T: np.ndarray,
                      class_weight: str | dict | None,
                      sample_weight: np.ndarray | None = None) -> np.ndarray | None:
    """The example weights of shape (n_samples,) that :func:`~chainrule.minimize` trains
    with for ``class_weight`` and ``sample_weight`` (None for none)."""
    class_weight = check_network_class_weight(class_weight, net)
    cw = target_class_weights(class_weight, net, net._check_xy(X, T)[1],
                              sample_weight=sample_weight)
    return sample_weight if cw is None else times_sample_weight(cw, sample_weight,
                                                                class_weight)


def _iterate_accuracy(net: Network, theta: np.ndarray, X: np.ndarray, T: np.ndarray,
                      Y: np.ndarray, sample_weight: np.ndarray | None = None) -> float:
    """The training accuracy of the iterate ``theta`` of shape (n_params,) that L-BFGS-B
    calls back with, ``Y`` of shape (n_samples, n_outputs) the prepared targets ``T``;
    with ``sample_weight`` of shape (n_samples,) the weighted fraction classified right
    (scikit-learn's ``accuracy_score(sample_weight=)``), as ``val_accuracy``.

    L-BFGS-B's last evaluation before it calls back is of that iterate (the point its
    line search accepts): the output layer's arrays of that pass are its outputs on the
    training rows, so the accuracy costs no pass of its own.  Where the network holds
    another point (or no outputs of all the rows), it takes a forward pass at ``theta``.
    """
    A = getattr(net.layers[-1], "A", None)
    if (A is None or A.shape != Y.shape
            or not np.array_equal(net.params, theta.astype(net.params.dtype, copy=False))):
        net.params[...] = theta
        return net.evaluate(X, T, sample_weight=sample_weight)["accuracy"]
    from ._network_inference import _accuracy_rule, _correct_rows, _weighted_mean

    _, labels, cut = _accuracy_rule(net)  # as Network.evaluate counts the examples right
    right = _correct_rows(A, Y, labels, cut)
    if sample_weight is None:
        return int(np.count_nonzero(right)) / X.shape[0]
    return _weighted_mean(right, sample_weight)[0]


def fit_lbfgs(net: Network, X: np.ndarray, T: np.ndarray,
              val: tuple[np.ndarray, np.ndarray] | None, iterations: int,
              class_weight: str | dict | None, verbose: bool = False,
              max_time: float | None = None, sample_weight: np.ndarray | None = None,
              val_weight: np.ndarray | None = None, optimizer: str = "lbfgs") -> History:
    """Train ``net`` with :func:`chainrule.minimize` (L-BFGS-B, or the second-order method
    ``optimizer``) for at most ``iterations``.

    Parameters
    ----------
    net : Network
        Trained in place (its weight decay is part of the cost).
    X : ndarray of shape (n_samples, n_features)
    T : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        The training targets, as :func:`chainrule.train` takes them.
    val : (X_val, T_val) or None
        Its cost (and accuracy) is recorded after each iteration as ``val_loss``
        (and ``val_accuracy``), from one forward pass.
    iterations : int
        ``maxiter`` of :func:`~chainrule.minimize` (``--epochs``).
    class_weight : None, "balanced" or dict
        As :func:`~chainrule.minimize` takes it.
    verbose : bool, default False
        Show the progress on stderr as the mini-batch runs do (``Trainer``'s
        ``verbose=1``): a progress bar of the iterations where one shows, else
        a line per iteration ("iteration 3/100: loss 0.41, val_loss 0.45").
    max_time : float > 0, optional
        ``--max-time``: the time budget of :func:`~chainrule.minimize`, checked
        after each iteration; once spent, the run stops at that iterate.
    sample_weight : ndarray of shape (n_samples,), optional
        The training rows' weights (``--sample-weight``): the cost's, times
        ``class_weight``'s, and the history's ``accuracy``'s (by themselves).
    val_weight : ndarray of shape (n_val,), optional
        The validation rows' weights: ``val_loss`` and ``val_accuracy`` weighted, as
        the Trainer's history weighs them.
    optimizer : {"lbfgs", "newton-cg", "trust-ncg", "trust-krylov"}, default "lbfgs"
        :func:`~chainrule.minimize`'s ``method``; the last three take the exact ``H v``
        of :mod:`chainrule.hessian`, and a network it does not cover is refused before
        the first iteration.  With BatchNorm layers they minimise the training-mode cost
        (each normalising with the statistics of the whole ``X``; the history's ``loss``
        is that cost), and each iterate's running statistics are set to ``X``'s at it
        before its accuracy and ``val_loss`` are taken, so that they are the scores of
        the model that iterate makes (the final one's, as ``chainrule evaluate`` gives).

    Returns
    -------
    History
        ``loss`` (the training cost after each iteration), ``val_loss`` with
        ``val``, and for a classifier (loss "cross_entropy", "log_loss" or a margin loss)
        ``accuracy`` and ``val_accuracy``, of each iterate as
        :meth:`~chainrule.Network.evaluate` gives them; ``stop_reason`` "epochs"
        when the iterations ran out,
        "converged" when SciPy's tolerances stopped it before (``result.success``),
        "max_time" when ``max_time`` was spent before either,
        "line_search" when SciPy's line search found no lower cost before either
        (status 2, "ABNORMAL", the result not converged; its ``message`` is kept
        as ``history.message``; the second-order methods': "line_search", "trust_region"
        or "solver", :func:`~chainrule._cli_models_train_newton.stop_reason`), or
        "interrupted"
        on Ctrl-C (or SIGTERM), which stops the run once the iteration under way
        ends, the network keeping that iterate (a second one aborts: the
        KeyboardInterrupt goes on to the caller); one that comes in the last
        iteration, or in the one SciPy then finds converged, stops nothing: the run
        ends as it would have ("epochs" or "converged").

    Raises
    ------
    TrainingDiverged
        As :func:`~chainrule.minimize` does (the cost or the parameters end NaN
        or infinite).
    ValueError
        For a second-order ``optimizer`` and a network its exact ``H v`` does not
        cover (:func:`~chainrule._cli_models_train_newton.refuse_network`).
    """
    from ._network_inference import _accuracy_rule
    from ._training_epochs import _bar_drawn, _epoch_line
    from ._training_guards import _say, _StopFlag
    from .callbacks import History
    from .scipy_fit import minimize

    refuse_network(net, optimizer)  # before the first iteration: hessian's words
    # a second-order method minimises a BatchNorm network's training-mode cost (the
    # statistics of the whole X); each iterate's scores are its model's, whose running
    # statistics are X's at that iterate, as minimize sets them at the end
    batch_norm = optimizer != "lbfgs" and any(type(layer).__name__ == "BatchNorm"
                                              for layer in net.layers)
    history = History()
    bar = None
    if verbose and _bar_drawn():
        from tqdm.auto import tqdm

        bar = tqdm(total=iterations, desc="training", unit="iteration", leave=False,
                   file=sys.stderr)

    classify = _accuracy_rule(net)[0]  # as the mini-batch runs
    Y = net._check_xy(X, T)[1] if classify else None  # the prepared training targets

    def record(theta: np.ndarray, J: float) -> None:
        metrics = {"loss": J}
        if batch_norm:  # the model of this iterate (a Ctrl-C keeps it): its statistics
            from ._scipy_fit_newton import set_running_statistics

            net.params[...] = theta
            set_running_statistics(net, X)  # (no layer arrays left: evaluate's accuracy)
        if classify:  # first: net.evaluate may leave the layers' arrays of their last pass
            metrics["accuracy"] = _iterate_accuracy(net, theta, X, T, Y, sample_weight)
        if val is not None:  # one pass of the validation rows: its cost and its accuracy
            net.params[...] = theta  # (as a rule, it holds them already)
            scores = net.evaluate(val[0], val[1], sample_weight=val_weight)
            metrics["val_loss"] = scores["loss"]
            if classify:  # weighted as val_loss, as the Trainer's
                metrics["val_accuracy"] = scores["accuracy"]
        history.append(**metrics)
        if bar is not None:
            bar.update(1)
            bar.set_postfix({k: f"{v:.4g}" for k, v in metrics.items()}, refresh=False)
        elif verbose:
            _say(_epoch_line(history.epochs, iterations, metrics, unit="iteration"))
        # one Ctrl-C (or SIGTERM): stop at this iterate, which minimize keeps; after the
        # last iteration, or at an iterate SciPy then finds converged, there is nothing
        # left to stop, and the run ends as it would have
        stop = ctrl_c.set and history.epochs < iterations and not converged(theta, J)
        previous[0] = theta.copy()  # Newton-CG's test: the step from it to the next
        if stop:
            raise KeyboardInterrupt

    theta0 = net.params.astype(np.float64)  # the cost before the first iteration: its fold
    previous = [theta0]  # the iterate before the one called back with
    weights: list = []  # the training weights of class_weight, made once when needed

    def converged(theta: np.ndarray, J: float) -> bool:
        # L-BFGS-B tests convergence after it calls back with an iterate, before the next
        # iteration: the largest |gradient| at most gtol, or a relative decrease of the cost
        # (from fold, the previous iterate's) at most ftol; SciPy's defaults, which
        # minimize is given here (tol None)
        if not weights:
            weights.append(_training_weights(net, X, T, class_weight, sample_weight))
        _, grad = net.cost(theta, X, T, training=batch_norm, sample_weight=weights[0])
        if optimizer != "lbfgs":  # the second-order methods' own tests
            return second_order_converged(optimizer, net, theta, previous[0], grad)
        if float(np.max(np.abs(grad))) <= _GTOL:
            return True
        fold = (history["loss"][-2] if history.epochs > 1 else
                float(net.cost(theta0, X, T, sample_weight=weights[0])[0]))
        return fold - J <= _FTOL * max(abs(fold), abs(J), 1.0)

    # as the mini-batch runs and the estimators' lbfgs: the first Ctrl-C finishes the
    # iteration under way, so that the history and the parameters are of the same iterate;
    # a second one aborts (no model is written)
    with _StopFlag("iteration") as ctrl_c:
        try:
            # --epochs is the run's one bound: SciPy's maxfun (15000 evaluations by
            # default) would end a long run early, as if it had converged
            # (the second-order methods have no such bound)
            result = minimize(net, X, T, method=optimizer, maxiter=iterations,
                              callback=record, class_weight=class_weight,
                              sample_weight=sample_weight, options={"maxfun": sys.maxsize}
                              if optimizer == "lbfgs" else None, max_time=max_time)
        except KeyboardInterrupt:  # minimize has put the last iterate back into the network
            if ctrl_c.aborted:
                raise
            history.stop_reason = "interrupted"
            return history
        finally:
            if bar is not None:
                bar.close()
    # SciPy tests convergence before each iteration but the first: an iterate that is
    # both the last allowed and converged has status 1 (the limit), stop_reason "epochs"
    history.stop_reason = stop_reason(optimizer, result, iterations)
    history.message = str(result.message)  # SciPy's reason, said when it is not ours
    return history
