"""The command line's one-line words for two failures of a command: a training run that
diverged (:func:`_diverged`) and a MemoryError (:func:`_out_of_memory`), with advice that
fits the command and its options (see :func:`chainrule.cli.main`, which prints them)."""

from __future__ import annotations

import argparse
import math
import os

from .cli_args import optimizer_settings

__all__ = ["_SIZE_OPTIONS", "_diverged", "_out_of_memory", "_too_large"]


def _diverged(exc: ArithmeticError, args: argparse.Namespace) -> str | None:
    """The command line's words for TrainingDiverged in train, cv, tune (a combination's
    fold) or demo (None: another error).

    The library's message says the network keeps its last finite parameters and
    suggests ``clip_norm``; the command writes nothing (a network that has just
    blown up is no model to keep; cv prints no scores), so this says that and
    suggests the options it has (``--clip-norm`` for train, cv and tune; the demo has
    none).  cv's run names its fold (``exc.fold``, set by ``_cli_models_cv``).
    """
    from .training import TrainingDiverged

    if (not isinstance(exc, TrainingDiverged)
            or args.command not in (None, "demo", "train", "cv", "tune", "tune-threshold")):
        return None
    lost = {"train": "no model was written", "cv": "no scores were printed",
            "tune": "the combination has no score",
            "tune-threshold": "no threshold was chosen"}.get(
        args.command, "no loss curve was written")
    fold = getattr(exc, "fold", None)  # cv: "fold 2 of 5"
    diverged = f"training diverged{f' in {fold}' if fold else ''}"
    from ._cli_models_train_newton import SCIPY_NAMES

    full = SCIPY_NAMES.get(getattr(args, "optimizer", None))  # L-BFGS, Newton-CG ...
    if full is not None:  # no step size to shrink: no hint
        return (f"{diverged}: {full.removesuffix('-B')}'s cost or parameters became NaN or "
                "infinite "
                + (f"after iteration {exc.epoch}" if exc.epoch else
                   "at the initial parameters or in the first iteration")
                + f"; {lost}.")
    what = getattr(exc, "what", "loss")
    where = (f"after epoch {exc.epoch}" if what == "validation loss"
             else f"in epoch {exc.epoch}, batch {exc.batch + 1}")
    if what == "running statistics":  # a huge input row (no rate or clipping changes it)
        layer = getattr(exc, "layer", None)
        scaled = ("--scale standard (this run: --scale none)"
                  if getattr(args, "scale", None) == "none" else "standardised inputs")
        return (f"{diverged}: the running statistics of BatchNorm layer "
                f"{'' if layer is None else f'{layer} '}became NaN or infinite {where} (an "
                f"input row of a huge scale, whose square overflows); {lost}. Train on "
                f"{scaled}, or find and remove that row.")
    threshold = getattr(exc, "threshold", None)  # --divergence-threshold's stop
    became = ("became NaN or infinite" if threshold is None else
              f"{exc.loss:.4g} was above --divergence-threshold {threshold:g}")
    if not getattr(exc, "stepped", True):  # the starting parameters' loss: no step to blame
        decay = getattr(args, "weight_decay", None)  # its penalty is part of that loss
        decay = f", or a smaller --weight-decay (this run: {decay:g})" if decay else ""
        return (f"{diverged}: the {what} {became} at the parameters the run started from, "
                f"before any step; {lost}. "
                + ("Give a --divergence-threshold above that loss (a smaller --lr or "
                   "--clip-norm would not change it)." if threshold is not None else
                   "No step was taken (a smaller --lr or --clip-norm would not change it): "
                   f"look for huge or non-finite values in the data{decay}."))
    hints = [*_rule_hints(args, getattr(exc, "lr", None))]
    if args.command in ("train", "cv", "tune", "tune-threshold"):  # the demo: no clipping
        clip = getattr(args, "clip_norm", None)
        hints.append("--clip-norm MAX (gradient clipping)" if clip is None
                     else f"a smaller --clip-norm ({clip:g})")
    if threshold is not None:  # the run's own limit stopped it, the loss still finite
        hints.append(f"a larger --divergence-threshold ({threshold:g})")
    return (f"{diverged}: the {what} {became} {where}; {lost}. "
            f"Try {' or '.join(hints)}.")


def _rule_hints(args: argparse.Namespace, rate: float | None) -> list[str]:
    """The settings of the run's rule and schedule that make its steps smaller, each as the
    run gave it (a setting the rule ignores is not named).

    The rate is ``--lr`` (the peak of a one-cycle or of a warm-up), or a one-cycle's
    ``max_lr`` when ``--schedule`` gives it (``--lr`` is not used then); ``rate``, the
    rate in force when the run diverged, is named where a schedule made it another.
    The momentum is sgd's, gd's and nesterov's (0.9 unless given) and rmsprop's (when
    given); ``--centered`` (rmsprop), ``--lr-decay`` and ``--initial-accumulator-value``
    (adagrad) are named when given.
    """
    spec = getattr(args, "schedule", None)
    name = spec.get("name") if isinstance(spec, dict) else spec
    lr = getattr(args, "lr", None)
    if name == "onecycle" and isinstance(spec, dict) and spec.get("max_lr") is not None:
        hints = [f"a smaller max_lr in --schedule (this run: {spec['max_lr']:g}, the "
                 f"one-cycle's peak rate; --lr is not used)"]
    elif lr is None:  # (no rate option: none to name)
        hints = []
    else:
        peak = {"onecycle": ", the one-cycle's peak rate",
                "warmup": ", the rate after the warm-up"}.get(name, "")
        note = ""
        if rate is not None and name is not None and not math.isclose(rate, lr):
            note = (f", which --schedule {name} raised to {rate:g} by then" if rate > lr
                    else f"; the rate was {rate:g} then, --schedule {name}'s")
        hints = [f"a smaller --lr (this run: {lr:g}{peak}{note})"]
    optimizer = getattr(args, "optimizer", None)
    momentum = optimizer_settings(optimizer, getattr(args, "momentum", None),
                                  getattr(args, "batch_size", None))["momentum"]
    if momentum:
        hints.append(f"a smaller --momentum ({momentum:g})")
    if optimizer == "rmsprop" and getattr(args, "centered", None):
        hints.append("no --centered (its denominator, the gradients' running standard "
                     "deviation, is at most their root mean square)")
    if optimizer == "adagrad":
        for option, attr in (("--lr-decay", "lr_decay"),
                             ("--initial-accumulator-value", "initial_accumulator_value")):
            value = getattr(args, attr, None)
            if value:
                hints.append(f"a larger {option} ({value:g})")
    return hints


# the options of each command whose values size what it holds in memory, for the advice
# of the out-of-memory line (a command not here sizes nothing: its files may be too large).
# select's --max-hidden x --starts runs size its tables of errors and the plot of every run
_SIZE_OPTIONS = {
    "demo": ("--hidden", "--batch-size"), "train": ("--hidden", "--layers", "--batch-size"),
    "cv": ("--hidden", "--layers", "--batch-size"),
    "tune": ("--hidden", "--layers", "--batch-size"),
    "tune-threshold": ("--hidden", "--layers", "--batch-size", "--thresholds"),
    "gradcheck": ("--sizes", "--samples"), "perceptron": ("--n", "--hidden"),
    "importance": ("--repeats",),
    "select": ("--max-hidden", "--starts", "--n-train", "--n-val"),
    "trace": ("--network", "--weights"),
}


def _out_of_memory(exc: MemoryError, args: argparse.Namespace) -> str:
    """The one line of a MemoryError, with advice that fits the command.

    ``train`` and the others that take sizes point at their options, and at the
    files they read (``train DATA``, ``gradcheck --model FILE --data DATA``);
    ``predict``, ``evaluate``, ``plot`` and ``info`` have no sizes, and point at
    their files.  A bundled data set (``iris``) is no file to blame.
    """
    message = f"not enough memory ({' '.join(str(exc).split()) or 'no detail'})"
    files = [str(f) for f in (getattr(args, "model", None), getattr(args, "data", None),
                              getattr(args, "val_data", None),
                              getattr(args, "network", None))
             if f and os.path.isfile(f)]
    options = _SIZE_OPTIONS.get(args.command)
    if options:
        sizes = f"a size among the options ({', '.join(options)})"
        if files:
            return f"{message}; is {sizes}, or {' or '.join(files)}, too large?"
        return f"{message}; is {sizes} too large?"
    if files:
        return f"{message}; is {' or '.join(files)} too large for this machine's memory?"
    return f"{message}; this machine has too little free memory for chainrule {args.command}"


# NumPy's words for an array whose shape or byte count no machine could hold (a ValueError,
# raised before any memory is asked for): "Maximum allowed dimension exceeded" (np.empty
# of a 10**30 rows), "Maximum allowed size exceeded" (np.linspace), "array is too big"
# and chainrule.datasets' own refusal of such a number of rows (robust31), which names its
# Python argument n, not the option that set it
_TOO_LARGE = ("maximum allowed dimension exceeded", "maximum allowed size exceeded",
              "array is too big", "n must be a number of examples an array holds")


def _too_large(exc: ValueError, args: argparse.Namespace) -> str | None:
    """The one line of NumPy's refusal of an array too large to exist, naming the options
    that size it as :func:`_out_of_memory` does (None: another ValueError).

    ``chainrule gradcheck --samples 10**30`` said only "Maximum allowed dimension
    exceeded", naming no option.
    """
    words = str(exc).strip().lower()
    if not words.startswith(_TOO_LARGE):
        return None
    options = _SIZE_OPTIONS.get(args.command)
    said = f"an array too large to exist ({str(exc).strip()})"
    if options:
        return f"{said}; is a size among the options ({', '.join(options)}) too large?"
    return f"{said}; is a size given on the command line too large?"
