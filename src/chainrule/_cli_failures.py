"""The command line's one-line words for two failures of a command: a training run that
diverged (:func:`_diverged`) and a MemoryError (:func:`_out_of_memory`), with advice that
fits the command and its options (see :func:`chainrule.cli.main`, which prints them)."""

from __future__ import annotations

import argparse
import os

from .cli_args import optimizer_settings

__all__ = ["_SIZE_OPTIONS", "_diverged", "_out_of_memory"]


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
            or args.command not in (None, "demo", "train", "cv", "tune")):
        return None
    lost = {"train": "no model was written", "cv": "no scores were printed",
            "tune": "the combination has no score"}.get(
        args.command, "no loss curve was written")
    fold = getattr(exc, "fold", None)  # cv: "fold 2 of 5"
    diverged = f"training diverged{f' in {fold}' if fold else ''}"
    if getattr(args, "optimizer", None) == "lbfgs":  # no step size to shrink: no hint
        return (f"{diverged}: L-BFGS's cost or parameters became NaN or infinite "
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
    hints = [f"a smaller --lr (this run: {args.lr:g})"]
    threshold = getattr(exc, "threshold", None)  # --divergence-threshold's stop
    became = ("became NaN or infinite" if threshold is None else
              f"{exc.loss:.4g} was above --divergence-threshold {threshold:g}")
    momentum = optimizer_settings(args.optimizer, args.momentum, args.batch_size)["momentum"]
    if momentum:
        hints.append(f"a smaller --momentum ({momentum:g})")
    if args.command in ("train", "cv", "tune"):  # the demo has no gradient clipping
        clip = getattr(args, "clip_norm", None)
        hints.append("--clip-norm MAX (gradient clipping)" if clip is None
                     else f"a smaller --clip-norm ({clip:g})")
    return (f"{diverged}: the {what} {became} {where}; {lost}. "
            f"Try {' or '.join(hints)}.")


# the options of each command whose values size what it holds in memory, for the advice
# of the out-of-memory line (a command not here sizes nothing: its files may be too large).
# select's --max-hidden x --starts runs size its tables of errors and the plot of every run
_SIZE_OPTIONS = {
    "demo": ("--hidden", "--batch-size"), "train": ("--hidden", "--layers", "--batch-size"),
    "cv": ("--hidden", "--layers", "--batch-size"),
    "tune": ("--hidden", "--layers", "--batch-size"),
    "gradcheck": ("--sizes", "--samples"), "perceptron": ("--n", "--hidden"),
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
