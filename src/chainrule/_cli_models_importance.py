"""``chainrule importance``: the permutation feature importance of a model file.

Breiman's permutation importance, as scikit-learn's
:func:`sklearn.inspection.permutation_importance` computes it: the score of the model on
DATA, then, feature by feature, the score with that feature's column shuffled, ``repeats``
times; a feature's importance is how much the score worsens, its mean and standard
deviation over the repeats.  The column is shuffled as DATA holds it, before the model's
own preparation (the standardisation ``chainrule train`` recorded); a categorical
column, one-hot encoded, is one feature, its 0/1 features shuffled together.  The data are read
and scored as ``chainrule evaluate`` reads and scores them (``_cli_models_data``,
``_cli_models_scores``, ``_cli_models_report``), one forward pass of the model per
shuffle; ``--sample-weight``'s column weighs the baseline and every shuffled score, as
evaluate's scores and ``permutation_importance(..., sample_weight=)``, and is not
shuffled (the weights stay with their rows).  Registered by :mod:`chainrule.cli_models`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable

import numpy as np

from .cli_args import positive_int, seed_int

#: scores of which more is better, and those of which less is better (losses, errors)
_GREATER = ("accuracy", "balanced_accuracy", "f1_macro", "roc_auc", "r2")
_LOWER = ("log_loss", "hamming_loss", "mse", "rmse", "mae")
_CLASS_SCORES = ("balanced_accuracy", "f1_macro", "roc_auc")  # evaluate's further scores

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
        return ("accuracy", "hamming_loss", "log_loss", "f1_macro", "roc_auc")
    return ("accuracy", "log_loss", "balanced_accuracy", "f1_macro", "roc_auc")


class _Outputs:
    """The outputs of one forward pass of ``model`` over ``X``, standing for the model in
    evaluate's scores (``_scores``, ``_class_scores``): its ``predict_proba`` (a
    classifier) or ``predict`` (a regression) gives them back whatever it is given."""

    def __init__(self, model, X: np.ndarray) -> None:
        self.task, self.labels = model.task, model.labels
        self.multilabel = getattr(model, "multilabel", False)
        self.out = (model.predict_proba(X) if model.task == "classification"
                    else model.predict(X))

    def predict_proba(self, X: object) -> np.ndarray:
        return self.out

    def predict(self, X: object) -> np.ndarray:
        return self.out


def _score(model, X: np.ndarray, y: np.ndarray, name: str, given: bool = True,
           sample_weight: np.ndarray | None = None) -> float:
    """evaluate's score ``name`` of ``model`` on raw features ``X`` (n_samples, n_features)
    and targets ``y`` (as ``_targets`` encodes them), from one forward pass; ``given``:
    whether ``--scoring`` named it (else it is the default), for the message;
    ``sample_weight`` (n_samples,): the rows' weights (``--sample-weight``), the score
    weighted as evaluate weighs it (scikit-learn's metrics given ``sample_weight``).

    Raises
    ------
    ValueError
        When evaluate leaves the score out of these data (ROC AUC of data without a class,
        R^2 of one example), saying why.
    """
    from ._cli_models_report import _class_scores
    from ._cli_models_scores import _scores

    out, sw = _Outputs(model, X), sample_weight
    if name in _CLASS_SCORES:
        scores, reason = _class_scores(out, out.out, y, sw, only=name)
    else:
        scores = _scores(out, X, y, sw, only=name)
        reason = "R^2 needs two examples or more" + ("" if sw is None else
                                                    " of a positive weight")
    if name not in scores:
        others = [other for other in _scorings(model) if other != name]
        raise ValueError(f"{'--scoring ' if given else 'the default score, '}{name}: evaluate "
                         f"leaves it out of these data ({reason}); choose another with "
                         f"--scoring: {', '.join(others)}")
    return scores[name]


def permutation_scores(score: Callable[[np.ndarray], float], X: np.ndarray, repeats: int,
                       seed: int, step: Callable[[], None] | None = None,
                       groups: list[np.ndarray] | None = None) -> tuple[float, np.ndarray]:
    """The score of ``X`` and of ``X`` with each column shuffled, ``repeats`` times.

    The shuffles are those of scikit-learn's ``permutation_importance(...,
    random_state=seed, n_repeats=repeats)``: a ``RandomState(seed)`` draws one seed below
    2**31; each column starts a ``RandomState`` of that seed, whose ``shuffle`` reorders
    an index of the rows again before each repeat, the column (as last shuffled) taken
    in that order.  A group of columns (the 0/1 features of one categorical column) is
    shuffled as one column: its rows move together, as the column's cells would before
    their encoding.

    Parameters
    ----------
    score : callable
        The score of features of shape (n_samples, n_features).
    X : ndarray of shape (n_samples, n_features)
        Left as it is (a copy is shuffled, a column at a time).
    repeats : int
        Shuffles of each column, 1 or more.
    seed : int
    step : callable, optional
        Called after each shuffled score (a progress bar's update).
    groups : list of int arrays, optional
        The columns shuffled together, one array per feature as read (default: each
        column alone).

    Returns
    -------
    baseline : float
        ``score(X)``.
    scores : ndarray of shape (n_groups, repeats)
        The score with each group (each column, by default) shuffled, each repeat.
    """
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    baseline = score(X)
    if groups is None:
        groups = [np.array([j]) for j in range(X.shape[1])]
    shuffled = X.copy()
    scores = np.empty((len(groups), repeats))
    for g, j in enumerate(groups):
        rng = np.random.RandomState(column_seed)
        order = np.arange(X.shape[0])
        for r in range(repeats):
            rng.shuffle(order)
            shuffled[:, j] = shuffled[np.ix_(order, j)]  # the group's columns alone
            scores[g, r] = score(shuffled)
            if step is not None:
                step()
        shuffled[:, j] = X[:, j]  # the column as read, before the next is shuffled
    return baseline, scores


def column_groups(table) -> tuple[list[str], list[np.ndarray]]:
    """The features as read and the columns of ``table.X`` that each one is.

    A categorical column of a CSV file is one-hot encoded in place (its 0/1 features
    ``"column=category"``, one per category): shuffling one of them alone would make rows
    of two categories or none, which no example has; it is one feature, its columns
    shuffled together.

    Returns
    -------
    names : list of str
        One per feature as read (a categorical column by its name).
    groups : list of int arrays
        The columns of ``table.X`` of each.
    """
    if not table.categories:
        return list(table.feature_names), [np.array([j]) for j in range(table.X.shape[1])]
    names, groups, at = [], [], 0
    for column in table.columns:
        width = len(table.categories.get(column, [None]))
        names.append(column)
        groups.append(np.arange(at, at + width))
        at += width
    if at != table.X.shape[1]:  # the table's own record disagrees with its array
        raise ValueError(f"{table.source}: its categorical columns make {at} features, "
                         f"but it has {table.X.shape[1]}")
    return names, groups


def _refuse_images(model, path: str, image_shape: tuple | None,
                   source: str | None = None) -> None:
    """Refuse a model that takes images (a convolutional network, the file ``path``) or
    DATA of images (``image_shape``, of DATA read from ``source``), naming which."""
    n_in = model.network.n_inputs
    if isinstance(n_in, tuple):
        shape, what, wanted = n_in, f"{path}: the model takes", "a model of table columns"
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
        "shuffling one leaves the others.",
        epilog="example: chainrule importance model.npz test.csv --scoring log_loss --top 5")
    p.add_argument("model", metavar="MODEL", nargs="?", help=_MODEL_HELP)
    p.add_argument("data", metavar="DATA", nargs="?",
                   help=f"{_DATA_HELP}; - reads a CSV file from standard input")
    p.add_argument("--target", nargs="+", metavar="NAME",
                   help="target column(s), as evaluate's --target (default: the model's)")
    p.add_argument("--scoring", type=_scoring, metavar="NAME",
                   help="the score: accuracy, log_loss, balanced_accuracy, f1_macro, roc_auc "
                   "(hamming_loss of a multi-label classifier) of a classifier; r2, mse, "
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
                   "seed draws new data, held out)")
    p.add_argument("--sample-weight", default=None, metavar="COLUMN", dest="sample_weight",
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
    p.add_argument("--top", type=positive_int, metavar="K",
                   help="show the K most important features alone (--json too)")
    p.add_argument("--json", action="store_true", help="print every figure as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(handler=_importance)


def _importance(args: argparse.Namespace) -> int:
    from ._cli_models_data import _evaluate_target, _load_predictor, _model_data, _targets
    from ._cli_models_provenance import _data_seed, _trained_on
    from ._cli_models_scores import _refuse_one_of_several
    from ._cli_sample_weight import evaluation_weights, weights_line
    from .cli_models import _npz_target_array

    written = _npz_target_array(args)  # --target Y of an NPZ array (n, k): its k targets
    model = _load_predictor(args.model)
    _refuse_images(model, args.model, None)
    name = args.scoring or _scorings(model)[0]
    if name not in _scorings(model):
        kind = "regression model" if model.task == "regression" else "classifier"
        raise ValueError(f"--scoring {name}: {args.model} is a {kind}; its scores are "
                         f"{', '.join(_scorings(model))}")
    target = _evaluate_target(model, args.model, args.target, written)
    seed = _data_seed(model, args.data, args.data_seed)
    table = _model_data(model, args.data, target, True, seed, args.unknown_categories,
                        args.sample_weight)
    _refuse_one_of_several(model, args.model, target)
    _refuse_images(model, args.model, table.image_shape, table.source)
    weights = evaluation_weights(args, model, table, seed)  # --sample-weight's, or None
    y = _targets(model, table)
    names, groups = column_groups(table)
    bar = _bar(len(groups) * args.repeats, args.quiet)
    try:
        baseline, scores = permutation_scores(
            lambda X: _score(model, X, y, name, args.scoring is not None, weights), table.X,
            args.repeats, args.seed, None if bar is None else lambda: bar.update(1), groups)
    finally:
        if bar is not None:
            bar.close()
    lower = name in _LOWER
    importances = scores - baseline if lower else baseline - scores  # scikit-learn's order
    mean, std = np.mean(importances, axis=1), np.std(importances, axis=1)
    order = np.argsort(-mean, kind="stable")[:args.top]
    if args.json:
        print(json.dumps({
            "samples": table.n_samples, "scoring": name, "greater_is_better": not lower,
            "baseline": baseline, "repeats": args.repeats, "seed": args.seed,
            **({"sample_weight": args.sample_weight} if weights is not None else {}),
            "n_features": len(names),
            "features": [{"feature": names[j], "importance_mean": float(mean[j]),
                          "importance_std": float(std[j]),
                          "importances": importances[j].tolist()} for j in order]}))
        return 0
    from ._cli_models_report import _targets_line
    from ._cli_models_scores import _NAMES

    print(f"{table.source}: {table.n_samples} examples"
          f"{_trained_on(model, args.data, seed, table.n_samples)}")
    if weights_line(args, model, weights):
        print(weights_line(args, model, weights))
    if table.target_names:  # several targets: what the one score is of them
        print(_targets_line(table.target_names, model.task))
    what = _NAMES[name]
    print(f"baseline {what}: {baseline:.6g}")
    print(f"importance: the {'rise' if lower else 'drop'} in {what}"
          f"{' (lower is better)' if lower else ''} when a feature's column is shuffled, mean "
          f"and std over {args.repeats} shuffles (seed {args.seed}); positive: the model "
          "relies on the feature")
    for line in _table_lines([names[j] for j in order], mean[order], std[order]):
        print(line)
    if len(order) < len(names):
        print(f"({len(order)} of {len(names)} features shown)")
    return 0


def _table_lines(names: list[str], mean: np.ndarray, std: np.ndarray) -> list[str]:
    """The rows of features, their mean and std, in columns."""
    width = max(len("feature"), *(len(n) for n in names))
    cells = [(f"{m:.6g}", f"{s:.6g}") for m, s in zip(mean, std, strict=True)]
    a = max(len("importance"), *(len(m) for m, _ in cells))
    b = max(len("std"), *(len(s) for _, s in cells))
    return [f"{'feature':<{width}}  {'importance':>{a}}  {'std':>{b}}",
            *(f"{n:<{width}}  {m:>{a}}  {s:>{b}}" for n, (m, s) in zip(names, cells,
                                                                   strict=True))]


def _bar(total: int, quiet: bool):
    """A progress bar of ``total`` shuffled scores on stderr, shown after a second (none
    with ``quiet``, or where stderr shows none: a log file, a pipe)."""
    from ._training_epochs import _bar_drawn

    if quiet or not _bar_drawn():
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc="importance", unit="pass", leave=False, file=sys.stderr,
                delay=1.0)
