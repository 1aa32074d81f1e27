"""``chainrule importance``: the permutation feature importance of a model file.

Breiman's permutation importance, as scikit-learn's
:func:`sklearn.inspection.permutation_importance` computes it: the score of the model on
DATA, then, feature by feature, the score with that feature's column shuffled, ``repeats``
times; a feature's importance is how much the score worsens, its mean and standard
deviation over the repeats.  The column is shuffled as DATA holds it, before the model's
own preparation (the standardisation ``chainrule train`` recorded); a categorical
column, one-hot encoded, is one feature, its 0/1 features shuffled together.  The data are read
and scored as ``chainrule evaluate`` reads and scores them (``_cli_models_data``,
``_cli_models_scores``, ``_cli_models_report``), a forward pass of the model per
shuffle (an MLP's from its first layer's net input, which a shuffle changes by a
low-rank term: :mod:`chainrule._importance_first_layer`); ``--sample-weight``'s column
weighs the baseline and every shuffled score, as evaluate's scores and
``permutation_importance(..., sample_weight=)``, and is not shuffled (the weights stay
with their rows).  The shuffles are :mod:`chainrule._cli_models_importance_shuffle`'s; a
Ctrl-C keeps the features finished, printed as partial.  Registered by :mod:`chainrule.cli_models`.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from ._cli_models_importance_metrics import direct_score, left_out
from ._cli_models_importance_shuffle import PartialScores, column_groups, permutation_scores
from ._cli_models_importance_text import _bar, _shuffles, _table_lines
from .cli_args import column_name, positive_int, seed_int

#: scores of which more is better, and those of which less is better (losses, errors)
_GREATER = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "average_precision", "r2")
_LOWER = ("log_loss", "hamming_loss", "mse", "rmse", "mae")
_DECIDED = ("accuracy", "balanced_accuracy", "f1_macro", "hamming_loss")  # by a threshold
_CLASS_SCORES = ("balanced_accuracy", "f1_macro", "roc_auc", "average_precision")  # further
#: an MLP's shuffled scores from its first layer's net input (False: the full pass of each)
_FIRST_LAYER = True

#: other spellings of a score's name: evaluate's printed names, and scikit-learn's
_ALIASES = {"mean_squared_error": "mse", "macro_f1": "f1_macro", "neg_log_loss": "log_loss",
            "neg_mean_squared_error": "mse", "neg_root_mean_squared_error": "rmse",
            "neg_mean_absolute_error": "mae", "roc_auc_ovr": "roc_auc"}


def _scoring(text: str) -> str:
    """``--scoring``'s value as a key of evaluate's scores (``log loss``, ``log-loss`` and
    ``log_loss`` alike; scikit-learn's ``neg_log_loss`` too); argparse's error otherwise."""
    key = "_".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    key = "r2" if key in ("r^2", "r_2") else _ALIASES.get(key, key)
    if key not in _GREATER + _LOWER:
        raise argparse.ArgumentTypeError(
            f"expected one of the scores evaluate prints: {', '.join(_GREATER + _LOWER)}, "
            f"got {text!r}")
    return key


def _scorings(model) -> tuple[str, ...]:
    """The scores of ``model``, the default first: accuracy of a classifier (subset
    accuracy of a multi-label one) and R^2 of a regression, scikit-learn's ``score``."""
    if model.task == "regression":
        return ("r2", "mse", "rmse", "mae")
    if getattr(model, "multilabel", False):
        return ("accuracy", "hamming_loss", "log_loss", *_CLASS_SCORES[1:])  # no balanced
    return ("accuracy", "log_loss", *_CLASS_SCORES)


class _Outputs:
    """The outputs of one forward pass of ``model`` over ``X``, standing for the model in
    evaluate's scores (``_scores``, ``_class_scores``): its ``predict_proba`` (a
    classifier) or ``predict`` (a regression) gives them back whatever it is given.
    :meth:`log_proba`, a classifier's ``predict_log_proba`` (what ROC AUC ranks by where
    the probabilities round to 1), is a second pass, made when it is first asked for."""

    def __init__(self, model, X: np.ndarray) -> None:
        self.task, self.labels = model.task, model.labels
        self.multilabel = getattr(model, "multilabel", False)
        self.margin = getattr(model, "margin", False)  # class scores, not probabilities
        self._model, self._X, self._log = model, X, None
        self.out = (model.class_scores(X) if self.margin and model.task == "classification"
                    else model.predict_proba(X) if model.task == "classification"
                    else model.predict(X))

    def class_scores(self, X: object) -> np.ndarray:
        return self.out

    def predict_proba(self, X: object) -> np.ndarray:
        return self.out

    def predict(self, X: object) -> np.ndarray:
        return self.out

    def log_proba(self) -> np.ndarray:
        if self._log is None:
            self._log = self._model.predict_log_proba(self._X)
        return self._log


def _score(model, X: np.ndarray, y: np.ndarray, name: str, given: bool = True,
           sample_weight: np.ndarray | None = None, source: str | None = None,
           via=None, threshold: float | None = None) -> float:
    """evaluate's score ``name`` of ``model`` on raw features ``X`` (n_samples, n_features)
    and targets ``y`` (as ``_targets`` encodes them), from one forward pass; ``given``:
    whether ``--scoring`` named it (else it is the default), for the message;
    ``sample_weight`` (n_samples,): the rows' weights (``--sample-weight``), the score
    weighted as evaluate weighs it (scikit-learn's metrics given ``sample_weight``);
    ``source``: DATA's name, given for the baseline alone, to say (as evaluate does) of a
    regression's predictions that are inf or NaN; ``via``: a
    :class:`~chainrule._importance_first_layer.FirstLayer` of DATA, whose model of the
    layers after the first gives the outputs of ``X`` from its first layer's activations.
    ``threshold``: the decision threshold of a classifier of two classes
    (``--threshold``, else the model file's of tune-threshold:
    :mod:`chainrule._cli_models_threshold_decide`), which accuracy, balanced accuracy
    and macro F1 decide by, as evaluate's; None: the most probable class.

    Raises
    ------
    ValueError
        When evaluate leaves the score out of these data (ROC AUC of data without a class,
        R^2 of one example), saying why.
    """
    from ._cli_models_report import _class_scores
    from ._cli_models_scores import _scores

    outputs_of, X = (model, X) if via is None else via(X)
    out, sw = _Outputs(outputs_of, X), sample_weight
    if source is not None and model.task == "regression":
        from ._cli_models_report import _say_not_finite

        _say_not_finite(out.out, source)
    if name in _CLASS_SCORES:
        scores, reason = _class_scores(out, out.out, y, sw, only=name, threshold=threshold)
    else:
        value = direct_score(out, y, name, sw)
        if value is not None:  # scikit-learn's number, without its call
            return value
        scores = _scores(out, X, y, sw, only=name, threshold=threshold)
    if name not in scores:
        if name not in _CLASS_SCORES:  # evaluate's scores' reason, said only when asked
            reason = left_out(out, sw)
        ranked = _CLASS_SCORES[2:]  # ROC AUC and average precision: left out together
        others = [o for o in _scorings(model) if o != name and {o, name} - set(ranked)]
        raise ValueError(f"{'--scoring ' if given else 'the default score, '}{name}: evaluate "
                         f"leaves it out of these data ({reason}); choose another with "
                         f"--scoring: {', '.join(others)}")
    return scores[name]


def _refuse_unmeasurable(table, y: np.ndarray, name: str, given: bool,
                         weights: np.ndarray | None, model) -> None:
    """Refuse DATA on which no shuffle can change the score: one example (its shuffled
    column is the same column), or, for R^2, a target of one value in every row (weighed
    rows: of a positive weight), where R^2 is 0 whatever the model predicts (scikit-learn's
    ``r2_score``): every importance would be 0, said as if measured."""
    if table.n_samples < 2:
        raise ValueError(f"{table.source}: 1 example; a shuffled column of one row is the "
                         "same column, so every importance would be 0: importance needs two "
                         "examples or more")
    if name != "r2":
        return
    rows = y if weights is None else y[np.asarray(weights) > 0]
    values = np.asarray(rows, dtype=np.float64).reshape(len(rows), -1)
    if len(values) > 1 and np.all(values == values[0]):
        others = [other for other in _scorings(model) if other != name]
        what = "target is" if values.shape[1] == 1 else "targets are"
        raise ValueError(f"{'--scoring ' if given else 'the default score, '}r2: the {what} "
                         f"the same in every row of {table.source} "
                         f"({', '.join(f'{v:g}' for v in values[0][:4])}), where R^2 is 0 "
                         "whatever the model predicts, so every importance would be 0; "
                         f"choose another with --scoring: {', '.join(others)}")


def _refuse_images(model, path: str, image_shape: tuple | None,
                   source: str | None = None) -> None:
    """Refuse a model that takes images (a convolutional network, the file ``path``) or
    DATA of images (``image_shape``, of DATA read from ``source``), naming which."""
    n_in = model.network.n_inputs
    recorded = getattr(model, "metadata", {}).get("image_shape")  # an MLP of images
    if isinstance(n_in, tuple) or isinstance(recorded, list):  # whatever DATA's layout
        shape = n_in if isinstance(n_in, tuple) else tuple(recorded)
        what, wanted = f"{path}: the model takes", "a model of table columns"
    elif image_shape is not None:
        shape, what, wanted = image_shape, f"{source}: DATA holds", "DATA of table columns"
    else:
        return
    pixels = int(np.prod(shape))
    raise ValueError(
        f"{what} images of {' x '.join(map(str, shape))} ({pixels} "
        "pixels); importance shuffles one feature at a time, and a pixel shuffled alone "
        "says little of what a model of images uses (its neighbours carry the same "
        f"signal, so that every pixel scores near 0), at the cost of {pixels} x --repeats "
        f"passes over DATA; it takes {wanted}")


def _add_importance(sub: argparse._SubParsersAction) -> None:
    from ._cli_models_data import _DATA_HELP
    from ._cli_models_threshold import add_threshold_arg
    from .cli_models import _MODEL_HELP

    p = sub.add_parser(
        "importance", help="permutation feature importance of a model: how much its score "
        "worsens when a feature's column is shuffled",
        description="Permutation feature importance (Breiman's), as scikit-learn's "
        "sklearn.inspection.permutation_importance computes it: the model's score on DATA, "
        "then, for each feature, the score with that feature's column shuffled among the "
        "examples, --repeats times; the importance is the worsening of the score (the "
        "baseline's minus the shuffled one's, or, for a score of which lower is better, "
        "such as log loss, the shuffled one's minus the baseline's: positive always means "
        "that the model relies on the feature), its mean and standard deviation (ddof=0) "
        "over the repeats. The column is shuffled as DATA holds it, before the model's own "
        "standardisation; a categorical column is one feature, its one-hot features "
        "shuffled together. DATA is read as evaluate reads it. A model of images is refused. "
        "Held-out data says what the model relies on to generalise; its training data, "
        "what it learnt. Features that carry the same information share their importance: "
        "shuffling one leaves the others. A Ctrl-C (or SIGTERM) while the features are "
        "shuffled prints those of the features finished, marked as partial, and exits "
        "with status 130 (143).",
        epilog="example: chainrule importance model.npz test.csv --scoring log_loss --top 5")
    p.add_argument("model", metavar="MODEL", nargs="?", help=_MODEL_HELP)
    p.add_argument("data", metavar="DATA", nargs="?",
                   help=f"{_DATA_HELP}; - reads a CSV file from standard input")
    p.add_argument("--target", nargs="+", metavar="NAME", type=column_name,
                   help="target column(s), as evaluate's --target (default: the model's)")
    p.add_argument("--scoring", type=_scoring, metavar="NAME",
                   help="the score: accuracy, log_loss, balanced_accuracy, f1_macro, roc_auc, "
                   "average_precision (hamming_loss of a multi-label classifier) of a "
                   "classifier; r2, mse, "
                   "rmse, mae of a regression, as evaluate prints them (default: accuracy, "
                   "or r2: scikit-learn's estimator.score)")
    p.add_argument("--repeats", type=positive_int, default=5, metavar="N",
                   help="shuffles of each feature (default: 5, scikit-learn's n_repeats); "
                   "the model makes features x N passes over DATA")
    p.add_argument("--seed", type=seed_int, default=0,
                   help="seed of the shuffles, as scikit-learn's random_state: the same "
                   "shuffles as permutation_importance(..., random_state=SEED) (default: 0)")
    p.add_argument("--data-seed", type=seed_int, default=None, metavar="SEED",
                   help="seed of a generated DATA set, as evaluate's --seed (default: the "
                   "seed the model was trained on, when DATA is that set, else 0; another "
                   "seed draws new data, held out; refused for any other DATA)")
    p.add_argument("--sample-weight", default=None, metavar="COLUMN", dest="sample_weight",
                   type=column_name,
                   help="a column of DATA (an array of an NPZ file) holding each example's "
                   "weight, a number >= 0 (their sum > 0), as evaluate's: the baseline and "
                   "every shuffled score weighted, as permutation_importance(..., "
                   "sample_weight=) scores them; the column is no feature and is not "
                   "shuffled. Not taken from the model: a model trained with "
                   "--sample-weight is scored unweighted without it, which the output then "
                   "says (default: none)")
    p.add_argument("--unknown-categories", choices=["error", "zeros"], default="error",
                   dest="unknown_categories",
                   help="a category of a categorical column that the training data did not "
                   "have: refused, naming the row, the column and the value (error, the "
                   "default), or encoded as all zeros (zeros: none of the column's 0/1 "
                   "features is on, and its rows' zeros move with the column when it is "
                   "shuffled), as evaluate's")
    add_threshold_arg(p, ": accuracy, balanced_accuracy and f1_macro decide by it, as "
                      "evaluate's; the other scores do not depend on it")
    p.add_argument("--top", type=positive_int, metavar="K",
                   help="show the K most important features alone (--json too)")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_importance)


def _importance(args: argparse.Namespace) -> int:
    from ._cli_checkpoint import stopped_how
    from ._cli_models_data import _evaluate_target, _load_predictor, _model_data, _targets
    from ._cli_models_provenance import _data_seed
    from ._cli_models_scores import _refuse_one_of_several, default_target_said
    from ._cli_models_threshold_decide import decision_threshold
    from ._cli_sample_weight import evaluation_weights
    from ._importance_first_layer import first_layer
    from .cli_models import _model_first, _npz_target_array, _say_by_position

    written = _npz_target_array(args)  # --target Y of an NPZ array (n, k): its k targets
    model = _model_first(_load_predictor, args, "importance")
    _refuse_images(model, args.model, None)
    name = args.scoring or _scorings(model)[0]
    if name not in _scorings(model):
        kind = "regression model" if model.task == "regression" else "classifier"
        raise ValueError(f"--scoring {name}: {args.model} is a {kind}; its scores are "
                         f"{', '.join(_scorings(model))}")
    threshold = decision_threshold(model, args.threshold, args.model)  # evaluate's
    target = _evaluate_target(model, args.model, args.target, written)
    seed = _data_seed(model, args.data, args.data_seed, "--data-seed")
    with default_target_said(model, args.model, target):  # an estimator's: the last column
        table = _model_data(model, args.data, target, True, seed, args.unknown_categories,
                            args.sample_weight)
        _refuse_one_of_several(model, args.model, target)
        _refuse_images(model, args.model, table.image_shape, table.source)
        weights = evaluation_weights(args, model, table, seed)  # --sample-weight's, or None
        y = _targets(model, table)
    _refuse_unmeasurable(table, y, name, args.scoring is not None, weights, model)
    _say_by_position(model, args.data, "importance")
    names, groups = column_groups(table)
    bar, stop = _bar(len(groups) * args.repeats, args.quiet), None
    given = args.scoring is not None
    via = first_layer(model, table.X) if _FIRST_LAYER else None  # an MLP's, or None

    def score(X: np.ndarray, columns: np.ndarray | None) -> float:  # columns: shuffled
        if columns is None:  # DATA as it is, the baseline, said as evaluate's
            return _score(model, X, y, name, given, weights, table.source,
                          threshold=threshold)
        return _score(model, X, y, name, given, weights, threshold=threshold,
                      via=None if via is None else lambda X: via(X, columns))

    try:
        baseline, scores = permutation_scores(
            score, table.X, args.repeats, args.seed,
            None if bar is None else lambda: bar.update(1), groups, told=True)
    except PartialScores as exc:  # Ctrl-C (or SIGTERM): the features finished are kept
        if not len(exc.scores):
            raise
        stop, baseline, scores = exc, exc.baseline, exc.scores
    finally:
        if bar is not None:
            bar.close()
    done = len(scores)  # the features scored: all, or those finished before an interrupt
    how, status = stopped_how()
    if stop is not None:
        print(f"chainrule importance: {how} during feature {done + 1} of {len(names)} "
              f"({names[done]!r}); the importances are of the {done} feature"
              f"{'s' if done > 1 else ''} finished", file=sys.stderr)
    args.decided_at = threshold  # said with the baseline
    _print_importances(args, model, table, name, weights, seed, baseline, scores, names)
    return 0 if stop is None else status


def _print_importances(args: argparse.Namespace, model, table, name: str,
                       weights: np.ndarray | None, seed: int, baseline: float,
                       scores: np.ndarray, names: list[str]) -> None:
    """Print the importances (``--json``: as JSON) of the features ``scores`` holds
    (n_scored, repeats): every one of ``names``, or the first, finished before an
    interrupt (said to be partial)."""
    from ._cli_models_provenance import _trained_on
    from ._cli_sample_weight import weights_line

    done, partial = len(scores), len(scores) < len(names)
    at, decides = getattr(args, "decided_at", None), name in _DECIDED
    lower = name in _LOWER
    with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: NaN, printed as such
        importances = scores - baseline if lower else baseline - scores  # scikit-learn's
        mean, std = np.mean(importances, axis=1), np.std(importances, axis=1)
    order = np.argsort(-mean, kind="stable")[:args.top]
    if args.json:
        from ._cli_models_cv_table import json_text

        print(json_text({  # strict JSON: a score past the largest float null
            "samples": table.n_samples, "scoring": name, "greater_is_better": not lower,
            "baseline": baseline, "repeats": args.repeats, "seed": args.seed,
            **({"sample_weight": args.sample_weight} if weights is not None else {}),
            **({"threshold": at} if at is not None and decides else {}),
            "n_features": len(names),
            "features": [{"feature": names[j], "importance_mean": float(mean[j]),
                          "importance_std": float(std[j]),
                          "importances": importances[j].tolist()} for j in order],
            "features_scored": done, "partial": partial}))
        return
    from ._cli_models_report import _targets_line
    from ._cli_models_scores import _NAMES

    print(f"{table.source}: {table.n_samples} example{'' if table.n_samples == 1 else 's'}"
          f"{_trained_on(model, args.data, seed, table.n_samples)}")
    if weights_line(args, model, weights):
        print(weights_line(args, model, weights))
    if table.target_names:  # several targets: what the one score is of them
        print(_targets_line(table.target_names, model.task))
    what = _NAMES[name]
    if at is not None and decides:  # evaluate's line, and whose threshold it is
        from ._cli_models_threshold import threshold_line

        print(threshold_line(model, at).split(";")[0] + ")" + (
            "" if args.threshold is not None else " (the model file's, of tune-threshold)"))
    print(f"baseline {what}: {baseline:.6g}")
    print(f"importance: the {'rise' if lower else 'drop'} in {what}"
          f"{' (lower is better)' if lower else ''} when a feature's column is shuffled, mean "
          f"and std over {_shuffles(args.repeats)} (seed {args.seed}); positive: the model "
          "relies on the feature")
    if partial:
        from ._cli_checkpoint import stopped_how

        print(f"partial: {stopped_how()[0]} during feature {done + 1} of {len(names)}: the "
              f"{done} feature{'s' if done > 1 else ''} finished, ranked among "
              f"{'themselves' if done > 1 else 'itself'}; {names[done]} and the "
              f"{len(names) - done - 1} after it not scored")
    for line in _table_lines([names[j] for j in order], mean[order], std[order]):
        print(line)
    if len(order) < done:
        print(f"({len(order)} of {done} features{' scored' if partial else ''} shown)")
