"""Command-line glue for the teaching tools: ``trace``, ``graph``, ``perceptron``, ``select``,
``experiment``.

Each subcommand is one parser-setup function and one handler; the handlers
parse nothing themselves and only call the library and print.  :func:`add_parsers`
registers them on the main parser's subcommands (``handler`` default); ``trace``'s,
the largest, are in :mod:`chainrule._cli_teaching_trace`, ``trace-conv``'s in
:mod:`chainrule._cli_teaching_trace_conv`, ``graph``'s in :mod:`chainrule._cli_scalar`.
"""

from __future__ import annotations

import argparse

from ._cli_args_files import picture_named
from ._cli_scalar import add_parser as _add_graph
from ._cli_teaching_trace import _add_trace
from ._cli_teaching_trace_conv import _add_trace_conv
from .cli_args import (
    integer,
    nonnegative_float,
    nonzero_int,
    picture_path,
    positive_int,
    print_written,
    seed_int,
)

__all__ = ["add_parsers"]


# --- chainrule perceptron ----------------------------------------------------------------------
def _add_perceptron(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "perceptron", help="perceptron rule on separable data and on XOR, vs a 2-layer network",
        description="Run the perceptron learning rule on linearly separable points (it "
        "converges) and on XOR (it cycles; the cycle is detected), train a two-layer network "
        "on XOR, and draw the decision regions of all three.")
    p.add_argument("--n", type=integer(2), default=40, help="separable points (default: 40)")
    p.add_argument("--hidden", type=positive_int, default=2,
                   help="hidden units for XOR (default: 2)")
    p.add_argument("--seed", type=seed_int, default=0,
                   help="random seed of the data and the XOR network (default: 0)")
    p.add_argument("--plot", type=picture_named("perceptron.png"),
                   default="chainrule-perceptron.png",
                   metavar="PNG", help="picture to write (default: chainrule-perceptron.png)")
    p.set_defaults(handler=_perceptron)


def _perceptron(args: argparse.Namespace) -> int:
    from .experiments import perceptron_vs_mlp

    result = perceptron_vs_mlp(n=args.n, hidden=args.hidden, seed=args.seed)
    print(result.summary())
    path = result.plot(args.plot)
    print_written(f"decision regions written to {path}", path)
    return 0


# --- chainrule select ------------------------------------------------------------------------
def _add_select(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "select", help="choose the number of hidden units by validation (sinusoid regression)",
        description="Train networks with M = 1..N tanh hidden units, several random starts "
        "each, on noisy samples of sin(2 pi x); print the validation error of every size and "
        "the chosen model, and plot every run.")
    p.add_argument("--max-hidden", type=positive_int, default=10,
                   help="largest M (default: 10); --max-hidden x --starts runs, at most "
                   "1,000,000")
    p.add_argument("--starts", type=positive_int, default=30,
                   help="random starts per M (default: 30)")
    p.add_argument("--n-train", type=positive_int, default=10, help="training points (default: 10)")
    p.add_argument("--n-val", type=positive_int, default=200,
                   help="validation points (default: 200)")
    p.add_argument("--noise", type=nonnegative_float, default=0.3,
                   help="standard deviation of the noise on sin(2 pi x) (default: 0.3)")
    p.add_argument("--n-jobs", type=nonzero_int, default=None,
                   help="parallel workers (default: 1; -1: all cores)")
    p.add_argument("--seed", type=seed_int, default=0,
                   help="random seed of the samples and the starts (default: 0)")
    p.add_argument("--plot", type=picture_named("model-selection.png"),
                   default="chainrule-model-selection.png",
                   metavar="PNG",
                   help="picture to write (default: chainrule-model-selection.png)")
    p.set_defaults(handler=_select)


def _select(args: argparse.Namespace) -> int:
    import numpy as np

    from .datasets import sinusoid
    from .model_selection import MAX_RUNS, select_hidden_units
    from .plots import plot_model_selection

    if args.max_hidden * args.starts > MAX_RUNS:  # before any sample is drawn
        raise ValueError(f"--max-hidden x --starts must make at most {MAX_RUNS:,} runs, got "
                         f"{args.max_hidden:,} x {args.starts:,} = "
                         f"{args.max_hidden * args.starts:,}; give a smaller --max-hidden "
                         "or --starts")
    X, y = sinusoid(args.n_train, args.noise, seed=args.seed, grid=True)
    Xv, yv = sinusoid(args.n_val, args.noise, seed=args.seed + 1000)
    result = select_hidden_units(X, y, Xv, yv, range(1, args.max_hidden + 1), args.starts,
                                 n_jobs=args.n_jobs, seed=args.seed)
    if not np.isfinite(result.val_errors).any():  # was the plot's words, naming no option
        raise ValueError(f"--noise {args.noise:g}: every run's validation error is inf or "
                         "NaN (targets with noise of that scale overflow the sum of squared "
                         "errors); give a smaller --noise")
    print(result.summary())
    # the data in the title, as examples/model_selection.py gives it
    title = (f"sin(2 pi x) + noise {args.noise:g}, {args.n_train} training points: "
             f"{args.starts} starts per M")
    path = plot_model_selection(result.hidden_units, result.val_errors, args.plot,
                                result.train_errors, (result.best_hidden, result.best_error),
                                title=title)
    print_written(f"plot written to {path}", path)
    return 0


# --- chainrule experiment --------------------------------------------------------------------
_EXPERIMENTS = ("vanishing-gradients", "saturation", "overfitting", "free-fall")


def _add_experiment(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "experiment", help="run a classic experiment: " + ", ".join(_EXPERIMENTS),
        description="vanishing-gradients: gradient norm per layer of a 10-layer sigmoid vs "
        "ReLU network; saturation: saturated units vs initial weight scale; overfitting: "
        "training vs validation error with and without weight decay; free-fall: learn "
        "h = g t^2 / 2 and find how many hidden units it needs.")
    p.add_argument("name", choices=_EXPERIMENTS, help="the experiment, described above")
    p.add_argument("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    p.add_argument("--plot", type=picture_named("experiment.png"), metavar="PNG",
                   help="picture to write (default: chainrule-NAME.png)")
    p.set_defaults(handler=_experiment)


def _experiment(args: argparse.Namespace) -> int:
    from . import experiments

    plot = args.plot
    if plot is None:  # checked before the run, as a --plot given is while it is parsed
        try:
            plot = picture_path(f"chainrule-{args.name}.png")
        except argparse.ArgumentTypeError as exc:
            raise ValueError(f"--plot (default: chainrule-{args.name}.png): {exc}") from None
    run = {
        "vanishing-gradients": lambda: experiments.vanishing_gradients(epochs=15,
                                                                       seed=args.seed),
        "saturation": lambda: experiments.saturation_vs_scale(seed=args.seed),
        "overfitting": lambda: experiments.overfitting(seed=args.seed),
        "free-fall": lambda: experiments.free_fall(seed=args.seed),
    }[args.name]
    result = run()
    print(result.summary())
    path = result.plot(plot)
    print_written(f"picture written to {path}", path)
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Register trace, trace-conv, graph, perceptron, select and experiment as subcommands.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What the main parser's ``add_subparsers`` returned.
    """
    for add in (_add_trace, _add_trace_conv, _add_graph, _add_perceptron, _add_select,
                _add_experiment):
        add(sub)
