"""``chainrule train --find-lr``: the learning-rate range test in place of the run.

:func:`add_find_lr_args` adds the options to train's parser; :func:`check_find_lr`
refuses, before any data is read, the options of a run that the test has no use
for; :func:`find_lr` runs the test (:func:`chainrule.experiments.lr_range_test`)
on the network and the training rows train has prepared, prints a short table
and the suggested rate, and writes the picture with ``--plot``.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ._cli_args_rule import FULL_BATCH_OPTIMIZERS
from .cli_args import positive_float, positive_int, print_written

# the options of a run (dest, option, why) that the range test does not take
_NOT_FIND_LR = (
    ("lr", "--lr", "the test sweeps the rate from --lr-min to --lr-max"),
    ("schedule", "--schedule", "the test sets the rate of every step itself"),
    ("patience", "--patience", "the test stops when its loss explodes"),
    ("ema", "--ema", "the test records the loss of each step's own weights, and writes no "
     "model to average"),
    ("checkpoint", "--checkpoint", "the test writes no model"),
    ("checkpoint_every", "--checkpoint-every", "the test writes no model"),
    ("max_time", "--max-time", "the test runs --lr-steps steps at most"),
    ("resume", "--resume", "the test is no run to continue"),
)
# the options of a run with a default (dest, option, why), refused when given (GivenOption)
_NOT_FIND_LR_GIVEN = (
    ("out", "-o/--out", "the test writes no model; leave -o out, or leave --find-lr out to "
     "train and write the model"),
    ("epochs", "--epochs", "the test runs --lr-steps mini-batch steps, over as many passes "
     "through the training rows as they take; give --lr-steps instead"),
)
# the test's own options (dest, option, default) that mean nothing without --find-lr
_FIND_LR_ONLY = (("lr_min", "--lr-min", 1e-7), ("lr_max", "--lr-max", 10.0),
                 ("lr_steps", "--lr-steps", 100))


class GivenOption(argparse.Action):
    """Store the option's value (its ``type`` applied) and add its ``dest`` to the set
    ``given`` of the namespace: an option with a default (``-o``, ``--epochs``) that
    :func:`check_find_lr` refuses only when it was typed."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        setattr(namespace, self.dest, values)
        namespace.given = {*getattr(namespace, "given", ()), self.dest}


def add_find_lr_args(p: argparse.ArgumentParser) -> None:
    """``--find-lr``, ``--lr-min``, ``--lr-max`` and ``--lr-steps`` on train's parser."""
    p.add_argument("--find-lr", action="store_true", dest="find_lr",
                   help="run the learning-rate range test instead of training: --lr-steps "
                   "mini-batch steps of the network, on the training rows, with the rate "
                   "growing exponentially from --lr-min to --lr-max (stopping once the "
                   "smoothed loss exceeds 4 times its lowest); print the rates with their "
                   "smoothed loss, the rates of three rules and the suggested one (two "
                   "thirds of the way down the longest valley of the smoothed loss), a "
                   "one-cycle max_lr (a ceiling for a constant --lr); --plot draws it; no "
                   "model is written, so -o is refused, and so is --epochs (the test's "
                   "length is --lr-steps)")
    p.add_argument("--lr-min", type=positive_float, default=None, dest="lr_min",
                   help="the first rate of --find-lr (default: 1e-7)")
    p.add_argument("--lr-max", type=positive_float, default=None, dest="lr_max",
                   help="the last rate of --find-lr (default: 10)")
    p.add_argument("--lr-steps", type=positive_int, default=None, dest="lr_steps",
                   help="the steps of --find-lr, at least 2 (default: 100)")


def check_find_lr(args: argparse.Namespace) -> None:
    """Refuse the options that do not go with ``--find-lr`` (or need it), before the data
    is read; fill in the test's defaults.

    Raises
    ------
    ValueError
        Naming the first such option and why.
    """
    if not getattr(args, "find_lr", False):
        for dest, option, _ in _FIND_LR_ONLY:
            if getattr(args, dest, None) is not None:
                raise ValueError(f"{option}: a setting of the learning-rate range test, which "
                                 f"runs with --find-lr; give --find-lr too, or leave {option} "
                                 "out")
        return
    if args.optimizer in FULL_BATCH_OPTIMIZERS:
        raise ValueError("--find-lr: the range test steps a mini-batch rule at growing rates; "
                         f"--optimizer {args.optimizer} has no learning rate: use a rule such "
                         "as adam or sgd")
    for dest, option, why in _NOT_FIND_LR:
        value = getattr(args, dest, None)
        if value is not None and value is not False:
            raise ValueError(f"{option}: --find-lr takes no {option} ({why}); leave it out")
    for dest, _, default in _FIND_LR_ONLY:
        if getattr(args, dest) is None:
            setattr(args, dest, default)
    if args.lr_steps < 2:
        raise ValueError(f"--lr-steps: the range test needs at least 2 steps, got "
                         f"{args.lr_steps}")
    if args.lr_max <= args.lr_min:
        raise ValueError(f"--lr-max must be greater than --lr-min ({args.lr_min:g}), got "
                         f"{args.lr_max:g}")
    for dest, option, why in _NOT_FIND_LR_GIVEN:  # their defaults are no choice of the user
        if dest in getattr(args, "given", ()):
            raise ValueError(f"{option}: --find-lr takes no {option} ({why})")


def find_lr(args: argparse.Namespace, net: object, X: np.ndarray, T: np.ndarray,
            steps: dict, class_weight: object, sample_weight: np.ndarray | None = None) -> int:
    """Run the range test on the prepared training rows, print it, plot it; the exit status.

    Parameters
    ----------
    args : argparse.Namespace
        train's options (checked by :func:`check_find_lr`).
    net : Network
        The network train built (left as it is).
    X : ndarray of shape (n_train, n_features)
    T : ndarray of shape (n_train, n_outputs) or (n_train,)
    steps : dict
        ``{"momentum": ..., "batch_size": ...}`` of ``optimizer_settings``.
    class_weight : dict, "balanced" or None
    sample_weight : ndarray of shape (n_train,), optional
        The training rows' weights (``--sample-weight``).

    Returns
    -------
    int
        0, or 1 when no rate can be suggested (too few steps recorded, or a smoothed
        loss that does not fall); 130 for a test stopped by Ctrl-C, 143 by SIGTERM
        (what it recorded printed all the same).
    """
    from ._cli_args_optimizer import trainer_rule
    from ._cli_checkpoint import stopped_how
    from .experiments import lr_range_test
    from .experiments.lr_range import _rules

    rule = trainer_rule(args.optimizer, args.lr_min, steps)  # --amsgrad ...: an object
    test = lr_range_test(net, X, T, optimizer=rule["optimizer"], lr_min=args.lr_min,
                         lr_max=args.lr_max, steps=args.lr_steps,
                         batch_size=steps["batch_size"], seed=args.seed,
                         momentum=rule["momentum"], class_weight=class_weight,
                         sample_weight=sample_weight,
                         clip_norm=getattr(args, "clip_norm", None))
    n = test.stopped_at
    print(f"learning-rate range test: {n} of {test.steps} steps of {args.optimizer}, rates "
          f"{args.lr_min:g} to {args.lr_max:g} ("
          + (stopped_how()[0] if test.stop_reason == "interrupted"  # Ctrl-C's, or SIGTERM's
             else _REASONS[test.stop_reason]) + ")")
    rows = sorted({*np.linspace(0, n - 1, min(n, 12)).round().astype(int).tolist()}) if n else []
    print(f"{'step':>6}  {'rate':>10}  {'smoothed loss':>13}")
    for i in rows:
        print(f"{i + 1:>6}  {test.lrs[i]:>10.3g}  {test.smoothed[i]:>13.5g}")
    for label, value in _rules(test):
        print(f"{label}: " + ("undefined" if value is None else f"{value:.3g}"))
    suggested = test.suggested_lr
    if suggested is None:
        hint = ("give more --lr-steps or a smaller --lr-min" if test.stopped_at < 2
                + test.skip_start else "check the data and the network, or widen --lr-min "
                "to --lr-max")
        print(f"chainrule train --find-lr: no rate suggested: {test.no_suggestion_reason}; "
              f"{hint}")
    else:
        print(f"suggested rate: {suggested:.3g} (the valley; a one-cycle max_lr: "
              f"'--schedule {{\"name\": \"onecycle\", \"max_lr\": {suggested:.3g}}}', "
              "or a ceiling for a constant --lr, which trains best lower)")
    if args.plot and n:
        path = test.plot(args.plot)
        print_written(f"range test written to {path}", path)
    elif args.plot:
        print(f"chainrule train --find-lr: no step recorded: {args.plot} not written")
    if test.stop_reason == "interrupted":  # as every command stopped by a signal: 130 or 143
        how, status = stopped_how()
        print(f"chainrule train --find-lr: {how} after {n} of {test.steps} steps; the table "
              "and the rates are of those steps", file=sys.stderr)
        return status
    return 0 if suggested is not None else 1


_REASONS = {"steps": "all run", "diverged": "stopped: the smoothed loss exceeded 4 times "
            "its lowest", "non_finite": "stopped: the loss became NaN or infinite",
            "interrupted": "interrupted"}
