"""``chainrule hessian MODEL DATA``: the curvature of a trained model's cost at its parameters.

Reads DATA as ``chainrule evaluate`` does (the model's feature columns, its target column,
its scaling: a regression model's standardised targets, those it was trained on), then
prints the cost ``J`` that :meth:`~chainrule.Network.loss_and_grad` computes there (the
model's weight decay included), the gradient's norm, the ``k`` extreme eigenvalues of the
Hessian (or of the Gauss-Newton matrix) by :func:`chainrule.hessian_eigenvalues`, and
LeCun's bound ``2 / lambda_max`` on the learning rate of full-batch gradient descent near a
minimum beside the model's own optimizer and ``lr`` (LeCun, Bottou, Orr & Mueller 1998,
"Efficient BackProp", sections 5 and 9).  ``--trace`` adds Hutchinson's estimate of the
trace (:func:`chainrule.hessian_trace`).  ``--sample-weight COLUMN`` weighs the rows, read
as ``chainrule evaluate`` reads them: every figure is then of the weighted cost (the
weighted mean loss, as training with ``--sample-weight`` minimises it).
A model with BatchNorm layers: every figure is of its training-mode cost, each BatchNorm
normalising with DATA's mean and variance (the cost training minimises, which the exact
``H v`` differentiates), not with its running statistics; the report says so.
Nothing here imports SciPy or the hessian module until the command runs (``chainrule
--help`` stays light).
"""

from __future__ import annotations

import argparse

import numpy as np

from ._cli_args_rule import FULL_BATCH_OPTIMIZERS
from ._cli_sample_weight_evaluate import EVALUATE_HELP
from .cli_args import column_name, positive_int, seed_int

__all__ = ["add_parser"]


def _probes(text: str) -> int:
    """``--probes``: an integer of at least 2 (the standard error needs two probes)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 2, got {text!r}") from None
    if value < 2:
        raise argparse.ArgumentTypeError(f"expected an integer >= 2 (the standard error "
                                         f"needs two probes), got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``hessian`` on the main parser's subcommands.

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What the main parser's ``add_subparsers`` returned.
    """
    p = sub.add_parser(
        "hessian", help="the cost's curvature at a model's parameters: top Hessian "
        "eigenvalues, LeCun's lr < 2/lambda_max",
        description="Read DATA as evaluate does and print, at the model file's parameters, "
        "the cost J that training minimises (the mean loss plus the model's weight decay; a "
        "regression model's on its standardised targets), the gradient's norm, the K "
        "extreme eigenvalues of the exact Hessian (Pearlmutter's R-operator, ARPACK's "
        "Lanczos iteration), and LeCun's bound 2/lambda_max beside the model's own "
        "optimizer and lr: full-batch gradient descent converges near a minimum iff lr < "
        "2/lambda_max (LeCun et al. 1998, Efficient BackProp). A negative eigenvalue means "
        "the parameters are not at a minimum. Models of Dense, Conv2D, LayerNorm, BatchNorm, "
        "MaxPool2D, AvgPool2D, Flatten, Dropout and Embedding layers (the hessian module's); "
        "with BatchNorm every figure is of the training-mode cost (DATA's mean and variance, "
        "not the running statistics).",
        epilog="example: chainrule hessian model.npz train.csv --k 3 --trace")
    p.add_argument("model", metavar="MODEL", help="model file written by chainrule train "
                   "or Network.save")
    p.add_argument("data", metavar="DATA", help="data with the model's feature columns and "
                   "its target column, as evaluate reads it")
    p.add_argument("--target", metavar="NAME", type=column_name, default=None,
                   help="target column (default: the model's)")
    p.add_argument("--k", type=positive_int, default=1, metavar="K",
                   help="how many eigenvalues, at most the parameters' count less one "
                   "(default: 1)")
    p.add_argument("--which", choices=["LA", "SA", "LM"], default="LA",
                   help="LA: the largest, SA: the smallest (negative curvature), LM: the "
                   "largest in magnitude (default: LA)")
    p.add_argument("--gauss-newton", action="store_true", dest="gauss_newton",
                   help="of the Gauss-Newton matrix G (positive semi-definite) instead of H")
    p.add_argument("--trace", action="store_true",
                   help="add Hutchinson's estimate of the trace, with its standard error")
    p.add_argument("--probes", type=_probes, default=100, metavar="N",
                   help="Rademacher probes of --trace (default: 100)")
    p.add_argument("--seed", type=seed_int, default=0,
                   help="seeds ARPACK's starting vector and the probes (default: 0)")
    p.add_argument("--sample-weight", default=None, metavar="COLUMN", dest="sample_weight",
                   type=column_name, help="weigh the cost's examples by this column, read "
                   "as evaluate reads it: J, the gradient, the eigenvalues and the trace "
                   "are then of the weighted cost (the weighted mean loss, plus the weight "
                   "decay), as training with --sample-weight minimises it. evaluate's "
                   + EVALUATE_HELP[EVALUATE_HELP.index("Not taken"):])
    p.add_argument("--json", action="store_true", help="print the figures as JSON")
    p.set_defaults(handler=_hessian)


def model_point(args: argparse.Namespace):
    """The model file's network and the ``X``, ``Y`` (and weights) its cost takes on DATA.

    Returns
    -------
    model : SavedModel
    network : Network
    X : ndarray of shape (n_samples, n_inputs)
        DATA's features, scaled as the model scales them.
    Y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        Class indices, 0/1 columns, or the standardised regression targets.
    source : str
    weights : ndarray of shape (n_samples,) or None
        ``--sample-weight``'s column (None without the option), as evaluate reads it.
    """
    from ._cli_gradcheck_model import trained_targets
    from ._cli_models_load import _load
    from ._cli_models_provenance import _data_seed
    from ._cli_models_scores import (
        _evaluate_target,
        _refuse_one_of_several,
        default_target_said,
    )
    from ._cli_sample_weight_evaluate import evaluation_weights
    from ._hessian_rop import check_network
    from .cli_models import _model_data, _model_first, _targets

    model = _model_first(_load, args, "hessian")
    net = model.network
    check_network(net, "hessian")  # a huber loss ...: refused before DATA is read
    target = _evaluate_target(model, args.model, None if args.target is None
                              else [args.target])
    seed = _data_seed(model, args.data, None)
    with default_target_said(model, args.model, target):
        table = _model_data(model, args.data, target, True, seed,
                            weight_column=args.sample_weight)
        _refuse_one_of_several(model, args.model, target)
        weights = evaluation_weights(args, model, table, seed)  # evaluate's, or None
        X = model._inputs(table.X)
        y = _targets(model, table)
    Y = trained_targets(model, net, y)  # a regression's standardised, as trained
    return model, net, X, Y, table.source, weights


def _hessian(args: argparse.Namespace) -> int:
    from ._hessian_rop_batchnorm import batch_statistics, refuse_one_row
    from .hessian import hessian_eigenvalues, hessian_trace

    model, net, X, Y, source, w = model_point(args)
    n = net.n_params
    if args.k > n - 1:
        raise ValueError(f"--k: expected an integer from 1 to {n - 1} (the model's {n} "
                         f"parameters less one, ARPACK's limit), got {args.k}")
    refuse_one_row(net, X, "hessian")  # (one row through a BatchNorm: no batch variance)
    with batch_statistics(net) as batch_norm:  # J of the cost the products are of
        J, grad = net.loss_and_grad(X, Y, sample_weight=w)
    common = dict(gauss_newton=args.gauss_newton, seed=args.seed, sample_weight=w)
    vals = hessian_eigenvalues(net, X, Y, k=args.k, which=args.which, **common)
    lam_max = float(vals[0]) if args.which == "LA" else float(
        hessian_eigenvalues(net, X, Y, k=1, which="LA", **common)[0])
    bound = 2.0 / lam_max if lam_max > 0 else None
    trace = hessian_trace(net, X, Y, n_probes=args.probes, **common) if args.trace else None
    training = model.metadata.get("training") or {}
    figures = {
        "model": args.model, "data": source, "samples": int(X.shape[0]), "n_params": n,
        "loss": net.loss.name, "weight_decay": float(net.weight_decay),
        "J": float(J), "grad_norm": float(np.linalg.norm(grad)),
        "matrix": "gauss_newton" if args.gauss_newton else "hessian", "which": args.which,
        "eigenvalues": [float(v) for v in vals], "lambda_max": lam_max, "lr_bound": bound,
        "optimizer": training.get("optimizer"), "lr": training.get("lr"),
        "batch_size": training.get("batch_size"),
        "sample_weight": args.sample_weight,  # the weight column: the cost is weighted
        # BatchNorm layers normalise with DATA's statistics (training mode) in every figure
        "batch_statistics": batch_norm,
    }
    if w is not None:
        figures["weights_sum"] = float(np.sum(w))
    if training.get("sample_weight") is not None:  # the column the model was trained with
        figures["trained_sample_weight"] = training["sample_weight"]
    if trace is not None:
        figures["trace"] = {"estimate": trace.trace, "stderr": trace.stderr,
                            "probes": trace.n_probes}
    if args.json:
        from ._cli_models_cv_table import json_text

        print(json_text(figures))
        return 0
    for line in _lines(figures, vals):
        print(line)
    return 0


def _lines(f: dict, vals: np.ndarray) -> list[str]:
    """The text report of :func:`_hessian`'s figures."""
    name = "Gauss-Newton matrix" if f["matrix"] == "gauss_newton" else "Hessian"
    decay = f" + weight decay {f['weight_decay']:g}" if f["weight_decay"] else ""
    which = {"LA": "largest", "SA": "smallest", "LM": "largest in magnitude"}[f["which"]]
    weighted = ("" if f["sample_weight"] is None else
                f" weighted by the column {f['sample_weight']!r} (--sample-weight; the "
                f"weights sum to {f['weights_sum']:.6g})")
    lines = [f"{f['data']}: {f['samples']} example{'' if f['samples'] == 1 else 's'}, "
             f"{f['n_params']} parameters",
             f"cost J: {f['J']:.6g} (mean {f['loss']}{weighted}{decay}, as training "
             "computes it)"]
    if f["batch_statistics"]:
        lines.append("BatchNorm layers normalise with this data's mean and variance (training "
                     "mode), not their running statistics: J, the gradient and the "
                     f"{name} are of that cost, the one training minimises")
    lines += [
             f"gradient norm: {f['grad_norm']:.6g}",
             f"{name} eigenvalues, {which}: " + ", ".join(f"{v:.6g}" for v in vals)]
    if f["which"] != "LA":
        lines.append(f"lambda_max: {f['lambda_max']:.6g}")
    trained = (f"the model was trained with {f['optimizer']} at lr {f['lr']:g}"
               + (f", batch size {f['batch_size']}" if f["batch_size"] else "")
               if f["optimizer"] and f["lr"] is not None else
               f"the model was trained with {f['optimizer']}, which has no lr (full batch)"
               if f["optimizer"] in FULL_BATCH_OPTIMIZERS else
               "the model file records no training lr")
    if f["lr_bound"] is None:
        lines.append(f"2/lambda_max: none (lambda_max {f['lambda_max']:.6g} <= 0); {trained}")
    else:
        lines.append(f"LeCun's bound 2/lambda_max: {f['lr_bound']:.6g}; {trained}")
    lines.append("note: the bound is for full-batch gradient descent near a minimum (on a "
                 "quadratic cost it converges iff lr < 2/lambda_max); mini-batch sgd follows "
                 "it only roughly, and adam's, rmsprop's and adagrad's per-parameter steps "
                 "are not bounded by it")
    if np.min(vals) < 0:
        lines.append(f"a negative eigenvalue ({np.min(vals):.6g}): the parameters are not "
                     "at a minimum of J on this data")
    trained_weights = f.get("trained_sample_weight")
    if trained_weights is not None and f["sample_weight"] is None:
        lines.append(f"note: J is unweighted, but the model was trained with --sample-weight "
                     f"{trained_weights}: give --sample-weight {trained_weights} for the "
                     "curvature of its training cost")
    if "trace" in f:
        t = f["trace"]
        lines.append(f"trace (Hutchinson, {t['probes']} probes): {t['estimate']:.6g} "
                     f"+- {t['stderr']:.3g} (standard error)")
    return lines
