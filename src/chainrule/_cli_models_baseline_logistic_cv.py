"""cv's linear baseline of a classifier: LogisticRegression fitted on each fold's training
rows and scored on its held-out rows, as :mod:`._cli_models_baseline_logistic` fits it for
train (the same standardisation, weights, subset budget and rule of "worse"), and the
lines cv prints of it beside the network's means over the folds.
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from ._cli_models_baseline_logistic import (
    _float64_rows,
    _shown,
    logistic_fold,
    worse_than_line,
)

__all__ = ["cv_logistic", "fold_logistic", "logistic_lines"]


def fold_logistic(table, folds: list, y: np.ndarray, n_classes: int,
                  class_weight: object = None, fill_category: str | None = None,
                  seed: int = 0, extra: str | None = None) -> dict | None:
    """LogisticRegression's accuracy and log loss of each of ``folds`` of ``table`` (a
    single-label classifier's), fitted on the fold's training rows, and their means.

    Parameters
    ----------
    table : Table
        Every example.
    folds : list of (ndarray, ndarray)
        Each fold's training rows and held-out rows.
    y : ndarray of shape (n_samples,)
        Each example's class index.
    n_classes : int
        The classes.
    class_weight : None, "balanced" or dict
        ``--class-weight`` by class index ("balanced": of each fold's training rows).
    fill_category : str, optional
        ``--impute constant``'s fill category, as the network's folds encode it.
    seed : int, default 0
        cv's ``--seed`` (the subset of a fold over the budget).
    extra : str, optional
        One more of evaluate's scores of each fold (tune's ``--scoring``:
        ``balanced_accuracy``, ``f1_macro``, ``roc_auc``, ``average_precision``), its
        mean over the folds that have it.

    Returns
    -------
    dict or None
        ``{"logistic": {"mean": {"accuracy", "log_loss"}, "per_fold": [...],
        "fitted_rows": [...], "training_rows": [...], "one_row": float}}``: ``one_row``
        the most one held-out row moves the mean accuracy over the folds; None where a
        fold has no baseline (a fold's training rows of one class, features that
        cannot be standardised): no baseline rather than one of some folds.
    """
    done = []
    for tr, he in folds:
        try:
            found = logistic_fold(*_fold_rows(table, tr, he, y, fill_category), n_classes,
                                  class_weight, seed, overwrite=True, extra=extra)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):  # a refused fit
            found = None
        if found is None:
            return None
        done.append(found)
    keys = ["accuracy", "log_loss", *([extra] if extra not in (None, "accuracy",
                                                                "log_loss") else [])]
    per_fold = [{k: d[k] for k in keys if k in d} for d in done]
    return {"logistic": {
        "mean": {k: float(np.mean([r[k] for r in per_fold if k in r])) for k in keys
                 if any(k in r for r in per_fold)},
        "per_fold": per_fold, "fitted_rows": [d["rows"] for d in done],
        "training_rows": [d["of"] for d in done],
        "one_row": max(d["one_row"] for d in done) / len(done)}}


def _fold_rows(table, tr: np.ndarray, he: np.ndarray, y: np.ndarray,
               fill_category: str | None) -> tuple[SimpleNamespace, SimpleNamespace]:
    """A fold's training and held-out rows for :func:`logistic_fold`: their features in
    float64 (categories encoded over the training rows, as the network's fold), class
    indices and sample weights; of a table without categories, no float32 copy kept."""
    from ._cli_models_categorical import fold_tables
    from ._cli_models_cv_folds import _rows

    w = table.sample_weight
    if table.categories:
        X_tr, X_he = (np.asarray(t.X, dtype=np.float64) for t in fold_tables(
            _rows(table, tr), _rows(table, he), fill_category)[:2])
    else:  # the rows in float64, a few thousand at a time
        X_tr, X_he = (_float64_rows(table.X, rows) for rows in (tr, he))
    return tuple(SimpleNamespace(X=X, y=y[rows], sample_weight=None if w is None else w[rows])
                 for X, rows in ((X_tr, tr), (X_he, he)))


def logistic_lines(baseline: dict, mean: dict, remedy: str | None = None,
                   who: str = "the network") -> list[str]:
    """cv's lines of :func:`fold_logistic`'s ``baseline`` beside the network's ``mean``
    scores over the folds, and where the network does worse (:func:`worse_than_line`),
    a line that says so with ``remedy`` (the options that may close the gap); ``who``:
    whose means they are (tune's: "the best combination")."""
    line = baseline["logistic"]
    subset = ("" if line["fitted_rows"] == line["training_rows"] else
              f", fitted on a random {max(line['fitted_rows'])} of each fold's "
              f"{max(line['training_rows'])} training rows at most")
    shown = _shown(mean) or [("accuracy", "accuracy")]
    lines = ["baseline, the same folds: a linear model (LogisticRegression on the "
             f"standardised features{subset}) "
             + ", ".join(f"{name} {line['mean'][key]:.6g}" for name, key in
                         [("accuracy", "accuracy"), ("log loss", "log_loss")])]
    worse = worse_than_line(mean, line["mean"], line["one_row"])
    if worse:
        lines.append(f"{who}'s mean " + ", ".join(
            f"{name} {mean[key]:.6g}" for name, key in shown)
            + f": its {' and '.join(worse)} {'are' if len(worse) > 1 else 'is'} worse than "
            "the linear model's on these folds" + (f"; {remedy}" if remedy else ""))
    return lines


def cv_logistic(args, table, task: str, several: bool, folds: list,
                extra: str | None = None) -> dict | None:
    """:func:`fold_logistic` of a single-label classifier's ``folds`` (``args``: cv's
    options: ``--class-weight``, ``--impute constant``'s fill category, ``--seed``;
    ``extra``: one more score of each fold, tune's ``--scoring``); None for a
    regression, a multi-label classifier, an Embedding's indices, or where no baseline
    can be had."""
    from ._cli_class_weight import resolve_class_weight
    from ._cli_models_train_prepare import indices_first, missing_options
    from .saved_model import fit_labels

    if task != "classification" or several or indices_first(args) or table.y is None:
        return None
    labels, y = fit_labels(np.asarray(table.y))
    if len(labels) < 2:
        return None
    try:  # by class index, as each fold's network takes them (its loss already checked)
        class_weight = resolve_class_weight(
            args.class_weight, task=task, loss="cross_entropy", labels=list(labels),
            y_train=np.asarray(y), target=table.target_name)[0]
    except ValueError:
        return None
    return fold_logistic(table, folds, np.asarray(y), len(labels), class_weight,
                         missing_options(args).get("missing_category"), seed=args.seed,
                         extra=extra)
