"""``chainrule plot``: its parser and handler (see :mod:`chainrule.cli_models`), which draw
a model file as a PNG: its loss curve, its first layer's weights as image tiles, or, on
labelled data, its confusion matrix, its decision regions on 2 features or the images it
gets wrong (the kinds in the README's order: the model's own pictures, then DATA's).

The pictures themselves are :mod:`chainrule.plots`'; here are the command's checks of its
options (an option of another kind of picture is refused) and of the model, worded for
the command line. Model files are read as ``chainrule info`` reads them
(:func:`chainrule._cli_models_show._load_any`)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

from ._cli_args_files import picture_named
from ._cli_models_data import (
    _DATA_HELP,
    _history_unit,
    _loss_title,
    _model_data,
    _refuse_overwriting_inputs,
    _targets,
)
from ._cli_models_provenance import _data_seed
from ._cli_models_scores import default_target_said
from ._cli_models_show import _SHOW_MODEL_HELP, _load_any
from ._cli_models_threshold import threshold_or_none
from .cli_args import column_name, positive_int, print_written, seed_int

# --- chainrule plot --------------------------------------------------------------------------
_KINDS = ("loss", "weights", "confusion", "regions", "misclassified", "predicted", "pr",
          "calibration")
# (as README lists them) what only some kinds of picture take: (dest, as typed, those kinds)
_WITH_DATA = ("regions", "confusion", "misclassified", "predicted", "pr", "calibration")
_KIND_ONLY = (("data", "DATA", _WITH_DATA), ("target", "--target", _WITH_DATA),
              ("shape", "--shape", ("weights",)), ("max_units", "--max-units", ("weights",)),
              ("tiles", "--tiles", ("weights",)),
              ("normalize", "--normalize", ("confusion",)),
              ("unknown_categories", "--unknown-categories", ("confusion", "predicted", "pr",
                                                              "calibration")),
              ("seed", "--seed", ("regions", "confusion", "predicted", "pr", "calibration")),
              ("threshold", "--threshold", ("regions", "confusion", "misclassified", "pr",
                                            "calibration")),
              ("sample_weight", "--sample-weight", ("pr", "calibration")),
              ("bins", "--bins", ("calibration",)),
              ("max_images", "--max-images", ("misclassified",)))


def _add_plot(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "plot", help="draw a model: loss, weights, confusion, regions, misclassified, "
        "predicted, pr or calibration (PNG)",
        description="loss: training and validation cost per epoch (the loss the network "
        "minimised, recorded by chainrule train); weights: first-layer weights as image tiles "
        "(square inputs, or --shape); confusion: confusion matrix on DATA; regions: decision "
        "regions of a classifier on 2 features, with the points of DATA; misclassified: the "
        "images of DATA that a model of images gets wrong, each with its row, true and "
        "predicted class; predicted: a regression model's predictions on DATA against its "
        "true targets, one panel per target, with the diagonal and each target's R^2 and "
        "RMSE (as evaluate's); pr: a classifier's precision-recall curve on DATA (of "
        "the second class, each label of a multi-label model, or each class against the "
        "others), its average precision, base rate, and the precision and recall of its "
        "decision, of the threshold a model file of chainrule tune-threshold -o holds and "
        "of --threshold (regions, confusion and misclassified decide by that threshold, "
        "as predict does; --threshold none: the most probable class); calibration: a "
        "classifier's reliability diagram on DATA (per equal-width bin of a probability, "
        "its mean against the share of the bin's examples it came true for: of two "
        "classes the second class's probability, as scikit-learn's "
        "calibration_curve(strategy='uniform'), of three or more the top-class confidence "
        "against the share classified right), the diagonal, a bar of each bin's count "
        "beneath, and evaluate's ECE and Brier score in the legend; of the probabilities, "
        "not of a --threshold decision. An estimator's file "
        "(MLPClassifier.save() ...): loss draws its loss_curve_, and the others as for a "
        "model file. An option of another kind of picture is refused, not ignored.",
        epilog="examples: chainrule plot loss model.npz; chainrule plot regions moons.npz "
        "moons -o regions.png; chainrule plot confusion digits.npz digits; chainrule plot "
        "misclassified cnn.npz test.npz; chainrule plot predicted house.npz test.csv; "
        "chainrule plot pr rare.npz validation.csv --threshold 0.3; chainrule plot "
        "calibration bc.npz test.csv --bins 10")
    p.add_argument("kind", choices=_KINDS, help="the picture, described above")
    p.add_argument("model", metavar="MODEL",
                   help=_SHOW_MODEL_HELP + " (loss: a model of chainrule train, or an "
                   "MLPClassifier's or MLPRegressor's file, which record the loss per epoch)")
    p.add_argument("data", metavar="DATA", nargs="?",
                   help="labelled data for confusion, regions, misclassified, "
                   "predicted, pr and calibration: " + _DATA_HELP
                   + "; - reads a CSV file from standard input")
    p.add_argument("--target", metavar="NAME", type=column_name,
                   help="confusion, regions, misclassified, predicted, pr and calibration: "
                   "target column of DATA (default: the model's)")
    p.add_argument("-o", "--out", type=picture_named("picture.png"), metavar="PNG",
                   help="picture to write (default: chainrule-KIND.png)")
    p.add_argument("--title", help="picture title")
    p.add_argument("--shape", type=positive_int, nargs=2, metavar=("H", "W"),
                   help="weights: image shape of the inputs of a Dense first layer "
                   "(default: the images a Flatten before it takes, channels stacked top to "
                   "bottom; else square)")
    p.add_argument("--max-units", type=positive_int, default=None, dest="max_units",
                   help="weights: at most this many units, a kernel being one tile per "
                        "input channel (default: 100)")
    p.add_argument("--tiles", choices=("each", "all", "ufldl"), default=None,
                   help="weights: the grays of the tiles: each (its own minimum black, "
                   "maximum white; the default), all (one range, symmetric about 0, for "
                   "every tile) or ufldl (as UFLDL's display_network: the mean of all the "
                   "weights removed, each tile divided by its largest absolute value, so "
                   "0 is mid-gray in every tile)")
    p.add_argument("--threshold", type=threshold_or_none, default=None, metavar="P",
                   help="regions, confusion, misclassified: decide the classes at this "
                   "threshold (of a classifier of two classes: the second class where its "
                   "probability is at or above P), as predict's --threshold P; pr: also "
                   "mark its precision and recall. Without it, these decide, and pr marks, "
                   "the threshold a model file of chainrule tune-threshold -o holds, as "
                   "predict does; none: the most probable class, that threshold left aside; "
                   "calibration: said in the title to be of the decision, not of the "
                   "probabilities the diagram bins")
    p.add_argument("--sample-weight", default=None, metavar="COLUMN", dest="sample_weight",
                   type=column_name,
                   help="pr, calibration: a column of DATA (an array of an NPZ file) holding "
                   "each example's weight, as evaluate's --sample-weight: the curve, average "
                   "precision, base rate and marked points weighted; the bins' means, "
                   "counts, ECE and Brier score weighted")
    p.add_argument("--bins", type=positive_int, default=None, metavar="N",
                   help="calibration: the number of equal-width bins of [0, 1] (default: "
                   "15, as evaluate's ECE)")
    p.add_argument("--max-images", type=positive_int, default=None, dest="max_images",
                   help="misclassified: at most this many images, the first wrong ones in "
                   "the order of DATA (default: 36)")
    p.add_argument("--normalize", action="store_true",
                   help="confusion: colour by fraction of each true class")
    p.add_argument("--unknown-categories", choices=["error", "zeros"], default=None,
                   dest="unknown_categories",
                   help="confusion, predicted, pr, calibration: a category of a categorical "
                   "column that "
                   "the training "
                   "data did not have: refused, naming the row (error, the default), or "
                   "encoded as all zeros (zeros), as evaluate takes it")
    p.add_argument("--seed", type=seed_int, default=None,
                   help="regions, confusion, predicted, pr and calibration: seed of a "
                   "generated DATA set "
                   "(moons, circles, "
                   "sinusoid; default: the seed chainrule train drew the model's own data "
                   "from, when DATA is that set, else 0; refused for any other DATA)")
    p.set_defaults(handler=_plot)
    p.words_check = _refuse_model_first  # plot ct.npz confusion: the kind comes first


def _refuse_model_first(parser: argparse.ArgumentParser, words: list[str]) -> None:
    """Refuse ``plot MODEL KIND ...`` (an existing file, then a kind of picture) saying the
    order, ``plot KIND MODEL DATA``; argparse said only "invalid choice: 'MODEL'"."""
    free, k = [], 0
    while k < len(words):
        word = words[k]
        if word == "--":
            free += words[k + 1:]
            break
        if word.startswith("-") and len(word) > 1 and not word[1:2].isdigit():
            name, eq, _ = word.partition("=")
            found = [a for o, a in parser._option_string_actions.items()
                     if o == name or (name.startswith("--") and o.startswith(name))]
            nargs = found[0].nargs if len(found) == 1 and not eq else 0
            k += 1 + (nargs if isinstance(nargs, int) else 1 if nargs is None else 0)
            continue
        free.append(word)
        k += 1
    if (len(free) >= 2 and free[0] not in _KINDS and free[1] in _KINDS
            and Path(free[0]).is_file()):
        order = " ".join([free[1], free[0], *free[2:]])
        more = " (and your options)" if len(free) < len(words) else ""
        parser.error(f"argument kind: {free[0]!r} is a file, not a kind of picture: the kind "
                     f"comes first, then the model, then the data: chainrule plot {order}"
                     + more)


def _flattened_image(net: object, layer: object) -> tuple[int, int, int] | None:
    """The (C, H, W) image whose flat pixels a Dense first ``layer`` takes, or None.

    The input of the last layer before it that takes images (a Flatten: the layers
    between, Dropout or BatchNorm, keep each pixel in its place); None for a network
    of flat rows.
    """
    shapes = net.layer_shapes()
    image = None
    for candidate, (in_shape, _) in zip(net.layers, shapes, strict=True):
        if candidate is layer:
            return image
        if isinstance(in_shape, tuple):
            image = in_shape
    return None


def _plot(args: argparse.Namespace) -> int:
    from . import plots

    for dest, flag, kinds in _KIND_ONLY:  # refused rather than ignored, as gradcheck does
        # not given: None, or --normalize's False; by identity, as --seed 0 == False
        value = getattr(args, dest)
        if args.kind not in kinds and value is not None and value is not False:
            named = " and ".join(kinds) if len(kinds) < 3 else (
                ", ".join(kinds[:-1]) + " and " + kinds[-1])
            raise ValueError(f"plot {args.kind}: {flag} is for plot {named} only; leave it out")
    out = Path(args.out or f"chainrule-{args.kind}.png")
    _refuse_overwriting_inputs(out, args)
    from .cli_models import _model_first
    from .saved_model import EstimatorModel, label_array

    model = _model_first(_load_any, args, f"plot {args.kind}")
    estimator = isinstance(model, EstimatorModel)
    if args.kind == "loss" and estimator:
        curve = getattr(model.estimator, "loss_curve_", None)
        if not curve:
            raise ValueError(f"plot loss: {args.model} holds a {type(model.estimator).__name__}, "
                             "which records no loss_curve_ (an MLPClassifier or MLPRegressor "
                             "does)")
        # validation_scores_ are scores (accuracy, R^2), not losses: not drawn on this axis
        title = args.title or f"Training loss of the {type(model.estimator).__name__} (loss_curve_)"
        # the SciPy solvers record one loss per iteration, the mini-batch solvers one per epoch
        from ._mlp_second_order import SECOND_ORDER_SOLVERS
        solver = getattr(model.estimator, "solver", None)
        per_iteration = solver in ("lbfgs", "cg") or solver in SECOND_ORDER_SOLVERS
        xlabel = f"iteration ({solver})" if per_iteration else "epoch"
        path = plots.plot_loss({"loss": list(curve)}, out, title=title, xlabel=xlabel)
    elif args.kind == "loss":
        history = model.metadata.get("history") or {}
        if not history.get("loss"):
            raise ValueError(f"{args.model}: no loss history recorded (train the model with "
                             "chainrule train)")
        title = args.title or _loss_title(model)
        path = plots.plot_loss(history, out, title=title, xlabel=_history_unit(model))
    elif args.kind == "weights":
        # the checks of plots.first_layer_tiles, worded for the option (it names shape=)
        from .layers import Dense

        layer = plots._first_weight_layer(model.network)
        n_in = layer.W.shape[0] if isinstance(layer, Dense) else None  # Conv2D: kernels
        if n_in is None and args.shape is not None:  # drawn at their own size: not used
            h, w = args.shape
            raise ValueError(f"plot weights: --shape {h} {w}: the model's first layer is a "
                             f"{type(layer).__name__}, whose kernels are drawn at their own "
                             "size (kh x kw); --shape is for a Dense first layer: leave it out")
        shape, title = args.shape, args.title
        image = _flattened_image(model.network, layer) if n_in is not None else None
        recorded = (getattr(model, "metadata", None) or {}).get("image_shape")  # an MLP of images
        if image is None and n_in is not None and isinstance(recorded, list) and (
                math.prod(recorded) == n_in):
            image = tuple(recorded)
        if image is not None and shape is None:  # the model knows its pixels' places:
            # not the square default (a 1x4x16 image drawn as 8x8), its channels stacked
            c, h, w = image
            shape = (c * h, w)
            if c > 1 and title is None:  # the words of plot_first_layer's own title
                units, drawn = layer.W.shape[1], min(args.max_units or 100, layer.W.shape[1])
                count = f"first {drawn} of {units}" if drawn < units else f"{units}"
                title = f"first-layer weights ({count} units, {c} channels stacked top to bottom)"
        if n_in is not None and shape is None and math.isqrt(n_in) ** 2 != n_in:
            raise ValueError(f"plot weights: the model's {n_in} inputs are not a square "
                             f"image; give --shape H W with H * W = {n_in}")
        if n_in is not None and args.shape is not None and math.prod(args.shape) != n_in:
            h, w = args.shape
            raise ValueError(f"plot weights: --shape {h} {w} makes {h * w} pixels, the "
                             f"model's first layer has {n_in} inputs; give --shape H W "
                             f"with H * W = {n_in}")
        path = plots.plot_first_layer(model.network, out, shape=shape,
                                      max_units=args.max_units or 100, title=title,
                                      normalize=args.tiles or "each")
    elif args.kind == "predicted":
        path = _predicted(args, model, out)
    elif args.kind == "pr":
        from ._cli_models_plot_pr import pr_picture

        path = pr_picture(args, model, out)
    elif args.kind == "calibration":
        from ._cli_models_plot_calibration import calibration_picture

        path = calibration_picture(args, model, out)
    else:
        if args.data is None:
            raise ValueError(f"plot {args.kind} needs DATA (labelled examples to draw)")
        if estimator and not hasattr(model.estimator, "predict"):
            raise ValueError(f"plot {args.kind}: {args.model} holds a "
                             f"{type(model.estimator).__name__}, which predicts no classes; "
                             "it needs a classifier")
        if model.task != "classification":
            # named by its file, as the refusals above and below name theirs
            raise ValueError(f"plot {args.kind}: {args.model} holds a regression model (it "
                             "predicts numbers, not classes); it needs a classifier (plot "
                             "loss and plot weights draw any model)")
        if model.multilabel:
            raise ValueError(f"plot {args.kind}: {args.model} holds a multi-label classifier "
                             "(several labels per example); it needs one class per example")
        shape = model.network.n_inputs
        if args.kind == "regions" and isinstance(shape, tuple) and model.n_features != 2:
            raise ValueError(f"plot regions draws a classifier of 2 features on the plane; "
                             f"this model takes images of {'x'.join(map(str, shape))} values "
                             "(plot confusion shows how it classifies DATA)")
        categories = model.metadata.get("categories") if args.kind == "regions" else None
        if categories:  # 0/1 features of a category: no axis of a plane, whatever their count
            columns = model.metadata.get("columns") or []
            raise ValueError(
                f"plot regions draws a classifier of 2 numeric features on the plane; this "
                f"model reads the column{'s' if len(columns) > 1 else ''} "
                f"{', '.join(map(repr, columns))} and one-hot "
                f"encodes {', '.join(map(repr, categories))} into {model.n_features} "
                "features in all (plot confusion shows how it classifies DATA)")
        if args.kind == "misclassified" and not isinstance(shape, tuple) and isinstance(
                model.metadata.get("image_shape"), list):  # an MLP trained on images
            shape = tuple(model.metadata["image_shape"])
        if args.kind == "misclassified" and not isinstance(shape, tuple):
            raise ValueError(f"plot misclassified draws DATA's examples as images; this model "
                             f"takes {model.n_features} features, not images (a model of "
                             "--layers with --input-shape C H W, or any model trained on an NPZ "
                             "file of images, takes images; plot confusion shows how it classifies "
                             "DATA)")
        if args.kind == "regions" and model.n_features != 2:  # before the data is read
            raise ValueError(f"plot regions needs a model of 2 features, this one has "
                             f"{model.n_features}")
        from ._cli_models_threshold_decide import deciding, decision_threshold, threshold_words

        threshold = decision_threshold(model, args.threshold, args.model)  # predict's
        decider, said = deciding(model, threshold), threshold_words(args.threshold, threshold)
        with default_target_said(model, args.model, args.target):  # an estimator's
            table = _model_data(model, args.data, args.target, True,
                                _data_seed(model, args.data, args.seed, "--seed"),
                                args.unknown_categories or "error")
            labels = label_array(model.labels)  # uint64 labels past 2**63 stay exact
            y = labels[_targets(model, table)]
        if args.kind == "regions":  # 2 features: checked above, and _model_data matched them
            # the file name: a whole path may be wider than the 400-pixel panel
            title = args.title or (f"decision regions on {Path(table.source).name}"
                                   + (f"\nat {said}" if said else ""))
            try:
                path = plots.plot_decision_regions([(title, decider, table.X, y)], out,
                                                   feature_names=list(table.feature_names))
            except ValueError as exc:  # the one panel is the command's: no "panels[0]"
                text = str(exc)
                if not text.startswith("panels[0]: "):
                    raise
                raise ValueError(f"plot regions: {text.removeprefix('panels[0]: ')}") from None
        elif args.kind == "misclassified":  # the pixels as DATA holds them, not scaled
            from .plots._misclassified import misclassified_rows

            pred, title = decider.predict(table.X), args.title
            if title is None and said:  # plot_misclassified's own title, and the threshold
                wrong, most = len(misclassified_rows(y, pred)), args.max_images or 36
                title = (f"misclassified: {wrong} of {len(y)} examples"
                         + (f" (first {most} shown)" if most < wrong else "")
                         + f"\nat {said}")
            path = plots.plot_misclassified(
                table.X.reshape(len(table.X), *shape), y, pred, out,
                max_images=args.max_images or 36, title=title)
        else:
            title = args.title or (f"Confusion matrix on {Path(table.source).name}"
                                   + (f"\nat {said}\n" if said else ""))
            path = plots.plot_confusion_matrix(
                y, decider.predict(table.X), out, labels=list(labels), normalize=args.normalize,
                title=title)
    print_written(f"{args.kind} picture written to {path}", path)
    return 0


def _predicted(args: argparse.Namespace, model, out: Path) -> Path:
    """plot predicted: a regression model's predictions on DATA against its targets."""
    from ._cli_models_plot_predicted import plot_predicted

    if args.data is None:
        raise ValueError("plot predicted needs DATA (examples with their true targets)")
    if model.task != "regression":
        raise ValueError(f"plot predicted: {args.model} holds a classifier (it predicts "
                         "classes, not numbers); it needs a regression model (plot "
                         "confusion shows how a classifier does on DATA)")
    with default_target_said(model, args.model, args.target):  # an estimator's
        table = _model_data(model, args.data, args.target, True,
                            _data_seed(model, args.data, args.seed, "--seed"),
                            args.unknown_categories or "error")
        y = np.asarray(_targets(model, table), dtype=np.float64)
    pred = np.asarray(model.predict(table.X), dtype=np.float64)
    n = len(y)
    names = list(table.target_names or [table.target_name or "target"])
    title = args.title or f"Predicted against true on {Path(table.source).name}"
    return plot_predicted(y.reshape(n, -1), pred.reshape(n, -1), names, out, title)
