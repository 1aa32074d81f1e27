"""Command-line glue for ``chainrule gradcheck``: backprop against central differences.

Three things can be checked (SPEC 8: "usable on any network, loss and
regulariser, including the sparsity penalty, from Python and from the command
line"):

* a random multilayer perceptron built from ``--sizes`` (the default);
* a sparse autoencoder's cost (``--sparse-autoencoder``): reconstruction error,
  weight decay and the KL sparsity penalty, through the very
  :meth:`chainrule.SparseAutoencoder.cost` that its training minimises, on random
  inputs or on the bundled natural-image patches (``--patches``);
* a saved model file (``--model FILE``): a network written by ``chainrule
  train`` or :meth:`chainrule.Network.save`, or an estimator's or autoencoder's
  file (their ``save``), an autoencoder through its own ``cost``; on random
  inputs or on the first examples of ``--data`` (a SparseAutoencoder's: its
  inputs, every column a feature, no target).

All go through :func:`chainrule.gradient_check` in float64; the exit status is 0
when the relative difference is below ``--tolerance``, 1 when it is not, and 3
(inconclusive) when it is not but is rounding, where the gradient is too small
for central differences (a model that fits the examples it is checked on):
either every entry of both gradients is below ``1e-10 x max(1, |J|)`` (the
central differences extrapolated to ``eps -> 0`` once those at ``eps/2`` and
``eps/4`` ran: at an exact fit they hold only their truncation error), or the
difference grows by more than 1.4 at each of two halvings of ``eps`` (rounding
grows as ``1 / eps``; a wrong gradient's difference stays).  A difference that
falls by 3 to 5 at each of the two halvings looks like the truncation error of
the central differences, which goes as ``eps**2``, but a wrong gradient can
hide under it; so the central differences are extrapolated to ``eps -> 0``
(Richardson, ``(4 g(eps/2) - g(eps)) / 3``, which cancels the ``eps**2``
term) and that is judged: PASS below the tolerance, inconclusive (3) while it
still falls by more than 4 from ``(eps, eps/2)`` to ``(eps/2, eps/4)``, FAIL
when it does not.  The
parameters whose steps of ``+-eps`` move a net input of a ReLU or leaky ReLU
across its kink (``exclude_kinks``) are listed apart as not comparable and left
out of that figure: the central difference straddles the corner there (and
an ELU's 0, where f'' jumps: the difference is only first-order accurate).
"""

from __future__ import annotations

import argparse
import math

import numpy as np

from ._cli_gradcheck_model import _count, _random_targets, _saved_model

# the model-file path; _load_model stays importable from here (_cli_models_data imports it)
from ._cli_gradcheck_model import _load_model as _load_model
from .cli_args import (
    backprop_activation_name,
    check_loss_output,
    column_name,
    initializer_name,
    loss_name,
    nonnegative_float,
    positive_float,
    positive_int,
    real,
    seed_int,
)

__all__ = ["add_parser"]

# options of one mode only: (dest, flag, the modes it belongs to)
_ONLY = (
    ("activation", "--activation", ("mlp",)),
    ("init", "--init", ("mlp",)),
    ("loss", "--loss", ("mlp",)),
    ("decay", "--decay", ("mlp",)),
    ("sizes", "--sizes", ("mlp", "sae")),
    ("output", "--output", ("mlp", "sae")),
    ("weight_decay", "--weight-decay", ("mlp", "sae")),
    ("rho", "--rho", ("sae",)),
    ("beta", "--beta", ("sae",)),
    ("patches", "--patches", ("sae",)),
    ("data", "--data", ("model",)),
    ("target", "--target", ("model",)),
    ("training", "--training", ("model",)),
)
_MODE_FLAG = {"mlp": "a random MLP (no --model or --sparse-autoencoder)",
              "sae": "--sparse-autoencoder", "model": "--model"}


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``gradcheck`` on the main parser's subcommands.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What the main parser's ``add_subparsers`` returned.
    """
    gc = sub.add_parser(
        "gradcheck", help="compare backprop with central differences",
        description="Compare backpropagation's gradient with central differences (float64): "
        "of a random network (the default), of a sparse autoencoder's cost with its sparsity "
        "penalty (--sparse-autoencoder), or of a saved model file (--model). Exit status 0: "
        "PASS, 1: FAIL, 3: inconclusive (the difference is rounding error, where the gradient "
        "is too small for central differences, as for a model that fits the examples it is "
        "checked on: every entry below 1e-10 x max(1, |J|) (the central differences "
        "extrapolated to eps -> 0), or a difference that grows as eps "
        "is halved). A difference that falls by about 4 as eps is halved (truncation) is "
        "judged on the central differences extrapolated to eps -> 0 (Richardson): PASS "
        "below --tolerance, inconclusive while it still falls, FAIL when it stays.",
        epilog="examples: chainrule gradcheck --sizes 4 5 3 --activation tanh; chainrule "
        "gradcheck --sparse-autoencoder --patches; chainrule gradcheck --model iris.npz "
        "--data iris")
    mode = gc.add_mutually_exclusive_group()
    mode.add_argument("--sparse-autoencoder", action="store_true", dest="sparse_autoencoder",
                      help="check SparseAutoencoder.cost: squared reconstruction error + "
                      "weight decay + beta * sum KL(rho || rho_hat), at UFLDL's initial "
                      "weights; J is printed term by term, with rho_hat")
    mode.add_argument("--model", metavar="FILE",
                      help="check a model file: one chainrule train or Network.save wrote, "
                      "or an estimator's or autoencoder's save")
    gc.add_argument("--sizes", type=positive_int, nargs="+", default=None, metavar="N",
                    help="layer widths, input first (default: 4 5 3); with "
                    "--sparse-autoencoder: inputs and hidden units (default: 64 25)")
    gc.add_argument("--activation", type=backprop_activation_name, default=None,
                    help="hidden activation (default: sigmoid)")
    gc.add_argument("--init", type=initializer_name, default=None,
                    help="initialiser (default: ufldl)")
    gc.add_argument("--output", type=backprop_activation_name, default=None,
                    help="output activation (default: softmax; identity with --loss "
                    "multiclass_hinge or hinge; sparse autoencoder: sigmoid)")
    gc.add_argument("--loss", type=loss_name, default=None,
                    help="loss (default: by the output: cross_entropy for softmax, log_loss "
                    "for sigmoid, squared_error for every other output, exp included; "
                    "poisson, exp's canonical loss, only when given)")
    gc.add_argument("--weight-decay", type=nonnegative_float, default=None, dest="weight_decay",
                    help="lambda (default: 0.1; sparse autoencoder: 1e-4)")
    gc.add_argument("--decay", default=None, choices=["ufldl", "per_sample"],
                    help="weight decay convention: (lambda/2) sum W^2 (ufldl, the default) "
                    "or that divided by the number of examples (per_sample); not with "
                    "--weight-decay 0")
    gc.add_argument("--rho", type=real(0, 1, low_open=True, high_open=True), default=None,
                    help="sparse autoencoder: target mean activation (default: 0.01)")
    gc.add_argument("--beta", type=nonnegative_float, default=None,
                    help="sparse autoencoder: weight of the sparsity penalty (default: 3)")
    gc.add_argument("--patches", action="store_true",
                    help="sparse autoencoder: check on normalised natural-image patches "
                    "(scikit-learn's photographs; --sizes' first number must be a square) "
                    "instead of random inputs in [0.1, 0.9]")
    gc.add_argument("--data", metavar="DATA",
                    help="--model: check on the first --samples examples of this data (as "
                    "chainrule evaluate takes it) instead of random inputs; an estimator's "
                    "network on the raw features (the estimators scale nothing); a "
                    "SparseAutoencoder's cost on its rows, features only, no --target; - "
                    "reads a CSV file from standard input")
    gc.add_argument("--target", metavar="NAME", type=column_name,
                    help="--model --data: the target column")
    gc.add_argument("--training", action="store_true", help="--model: check BatchNorm in "
                    "training mode, with the statistics of the examples checked (default: "
                    "evaluation mode, the running statistics); Dropout stays off")
    gc.add_argument("--samples", type=positive_int, default=5,
                    help="examples the cost is averaged over (default: 5)")
    gc.add_argument("--eps", type=positive_float, default=1e-4,
                    help="step of the central differences (J(theta + eps) - J(theta - eps)) "
                    "/ 2 eps (default: 1e-4)")
    gc.add_argument("--tolerance", type=positive_float, default=1e-7,
                    help="largest relative difference that passes (default: 1e-7; float64 "
                    "networks give about 1e-10 to a few 1e-8 with eps 1e-4, depending on "
                    "the cost's curvature, a wrong gradient 1e-2 or more; more from rounding "
                    "shows as a --scaling ratio below 1)")
    gc.add_argument("--measure", default="ufldl",
                    choices=["ufldl", "dlai", "cs231n", "cs231n_notes"],
                    help="also print a course's figure: dlai ||a-b||/(||a||+||b||), cs231n's "
                    "rel_error; the verdict reads ufldl's ||a-b||/||a+b|| (default: ufldl)")
    gc.add_argument("--scaling", action="store_true",
                    help="also check with eps/2 and print how the difference falls: by "
                    "about 4 while the central differences' eps^2 truncation error "
                    "dominates, not at all once rounding error does")
    gc.add_argument("--seed", type=seed_int, default=None,
                    help="random seed of the weights and random examples, and of a generated "
                    "--data set such as moons (default: 0; --model --data of the generated "
                    "set the model was trained on: the seed train recorded, as chainrule "
                    "evaluate takes it)")
    gc.set_defaults(handler=_gradcheck)


def _mode(args: argparse.Namespace) -> str:
    mode = "sae" if args.sparse_autoencoder else "model" if args.model is not None else "mlp"
    for dest, flag, modes in _ONLY:
        value = getattr(args, dest)  # not given: None or False, by identity (0 == False)
        if mode not in modes and value is not None and value is not False:
            where = " or ".join(_MODE_FLAG[m] for m in modes)
            raise ValueError(f"{flag} applies only to {where}, not to {_MODE_FLAG[mode]}")
    if args.target is not None and args.data is None:
        raise ValueError(f"--target names the target column of --data, but no --data was "
                         f"given (got --target {args.target!r} alone); give --data too")
    return mode


def _random_mlp(args: argparse.Namespace, rng: np.random.Generator):
    from .losses import get_loss
    from .network import mlp

    sizes = args.sizes or [4, 5, 3]
    if args.decay is not None and args.weight_decay == 0:  # refused, as train refuses it
        raise ValueError(f"--decay {args.decay}: a convention of the weight decay, but "
                         "--weight-decay is 0: there is no penalty to apply it to; give "
                         "--weight-decay LAMBDA > 0 (default: 0.1), or leave --decay out")
    if len(sizes) < 2:
        raise ValueError(f"--sizes: give the input width, any hidden widths and the output "
                         f"width (two or more), got {len(sizes)}")
    # a margin loss's outputs are scores: an identity output by default, as in the courses
    output = args.output or ("identity" if args.loss is not None and get_loss(args.loss).name
                             in ("multiclass_hinge", "hinge") else "softmax")
    check_loss_output(args.loss, output, output_given=args.output is not None,
                      default="the default of a random MLP")
    net = mlp(sizes, hidden=args.activation or "sigmoid", output=output,
              loss=args.loss, init=args.init or "ufldl", seed=rng,
              weight_decay=0.1 if args.weight_decay is None else args.weight_decay,
              decay=args.decay or "ufldl")
    X = rng.uniform(size=(args.samples, sizes[0]))
    return net, net.summary(), X, _random_targets(net, rng, args.samples)


def _sparse_autoencoder(args: argparse.Namespace, rng: np.random.Generator):
    from .autoencoder import SparseAutoencoder

    sizes = args.sizes or [64, 25]
    if len(sizes) != 2:
        raise ValueError(f"--sizes: a sparse autoencoder takes two numbers, its inputs and its "
                         f"hidden units (e.g. --sizes 64 25), got {len(sizes)}: "
                         f"{' '.join(map(str, sizes))}")
    n_in, n_hidden = sizes
    ae = SparseAutoencoder(
        n_hidden, rho=0.01 if args.rho is None else args.rho,
        beta=3.0 if args.beta is None else args.beta,
        weight_decay=1e-4 if args.weight_decay is None else args.weight_decay,
        output=args.output or "sigmoid", random_state=rng)
    try:  # what SparseAutoencoder refuses to fit (a softmax decoder), refused here too
        ae._check_settings()
    except ValueError as exc:
        message = str(exc)
        raise ValueError(f"--{message}" if message.startswith("output:") else message) from None
    if args.patches:
        side = math.isqrt(n_in)
        if side * side != n_in:
            raise ValueError(f"--patches: square patches of side s have s*s pixels; --sizes' "
                             f"first number must be a square (such as 64 for 8x8), got {n_in}")
        from .images import natural_patches

        X = natural_patches(args.samples, side, seed=_seed(args))
        where = _count(args.samples, f"normalised {side}x{side} natural-image patch",
                       f"normalised {side}x{side} natural-image patches")
    else:
        X = rng.uniform(0.1, 0.9, size=(args.samples, n_in))
        where = f"{_count(args.samples, 'random input')} in [0.1, 0.9]"
    # the untrained autoencoder: its initial weights, and the cost its fit minimises
    ae = ae.initialized(X)
    about = (f"sparse autoencoder {n_in} -> {n_hidden} (sigmoid) -> {n_in} ({ae.output}), "
             f"rho={ae.rho:g}, beta={ae.beta:g}, weight decay {ae.weight_decay:g}; on {where}")
    return ae, about, X, None


def _constant_softmax_notes(model: object) -> list[str]:
    """A note per hidden softmax over one unit: it is always 1, so no gradient of the loss
    reaches it or the layers below, and the check compares nothing there but the weight
    decay's gradient (the Network refuses such an output layer; a hidden one is legal)."""
    net = getattr(model, "network_", model)
    layers = getattr(net, "layers", [])[:-1]
    return [f"note: layers[{i}] is a softmax over 1 unit, which is always 1: no gradient of "
            f"the loss reaches it or the layers below it (their gradient is the weight "
            f"decay's alone, 0 without it), so the check says nothing about backpropagation "
            f"through them; give it 2 units or more"
            for i, layer in enumerate(layers)
            if getattr(getattr(layer, "activation", None), "name", None) == "softmax"
            and getattr(layer, "n_out", 0) == 1]


def _seed(args: argparse.Namespace) -> int:
    """--seed, 0 when not given (a model's generated --data: see ``_cli_gradcheck_model``)."""
    return 0 if args.seed is None else args.seed


# what the verdicts advise, in this command's options (gradcheck._judgement words them)
_ADVICE = {
    "eps": "a smaller --eps",
    "larger_eps": "a larger --eps (1e-4 to 1e-6 suit float64; the default is 1e-4)",
    "examples": "other examples (more --samples, or another --seed for random inputs)",
    "elsewhere": "on random examples (leave out --data), or on other examples",
}
_EXIT = {"PASS": 0, "FAIL": 1, "INCONCLUSIVE": 3}


def _gradcheck(args: argparse.Namespace) -> int:
    from ._cli_gradcheck_autoencoder import cost_terms_text
    from ._cli_gradcheck_mode import check_mode
    from .gradcheck import _judgement, gradient_check

    mode = _mode(args)
    rng = np.random.default_rng(_seed(args))
    build = {"mlp": _random_mlp, "sae": _sparse_autoencoder, "model": _saved_model}[mode]
    model, about, X, Y = build(args, rng)
    mode_line, in_mode = check_mode(args, model, X)  # BatchNorm's statistics, Dropout off
    about += f"\n{mode_line}" if mode_line else ""
    # parameters whose +-eps steps cross a ReLU kink are reported apart, not judged: there
    # the central difference is no derivative (smooth networks have none); the verdict is
    # the result's own (GradientCheck.verdict), worded with this command's options
    # the verdict names NaN or infinite central differences (a step of a huge --eps that
    # overflowed): NumPy's overflow warnings from inside the steps would only repeat it
    with np.errstate(over="ignore", invalid="ignore"):
        result = gradient_check(model, X, Y, eps=args.eps, exclude_kinks=True,
                                tolerance=args.tolerance, measure=args.measure, **in_mode)
    print(about)
    for note in _constant_softmax_notes(model):
        print(note)
    print(f"cost J = {result.cost:.15g} at these parameters")
    # a sparse autoencoder's J, or a network's with weight decay, term by term
    terms = cost_terms_text(model, X, Y, in_mode.get("training", False))
    if terms is not None:
        print(terms)
    print(result.summary())
    if args.scaling and result.compared:
        half = result.series[0] if result.series else gradient_check(
            model, X, Y, eps=args.eps / 2, exclude_kinks=True, tolerance=args.tolerance,
            **in_mode)
        if result.rel_diff == half.rel_diff == 0:
            ratio = "undefined (both 0)"
        else:
            ratio = f"{result.rel_diff / half.rel_diff if half.rel_diff > 0 else math.inf:.2f}"
        print(f"with eps/2 = {half.eps:g}: relative difference {half.rel_diff:.3e}; "
              f"ratio {ratio} (about 4 = 2^2 while the truncation error, which falls as "
              "eps^2, dominates; about 1 or less once rounding error does)")
    verdict, text = _judgement(result, _ADVICE)
    print(text)
    return _EXIT[verdict]
