"""``chainrule plot pr MODEL DATA``: the precision-recall curve of a classifier on DATA,
the picture to choose a rare class's ``--threshold`` by.

Each curve is scikit-learn's ``precision_recall_curve`` of the model's ranking of the
positive class: of a classifier of two classes, its second class (``yes`` of
``no``/``yes``, as ``--threshold`` takes it); of a multi-label one, each target's second
label, one curve per target; of three or more classes, each class against the others.
The ranking is evaluate's (:func:`chainrule._cli_models_average_precision.ranking`): the
probabilities, or where they round to 1 the log-probabilities, so that the legend's
average precision of each curve (``average_precision_score`` of that ranking) is the one
``evaluate`` prints.  The legend also gives its base rate (the precision of a model that
ranks at random: the no-skill line), and the precision and recall of the model's own
decision (a probability above 0.5; of three or more classes, the most probable class),
of the threshold a model file of ``chainrule tune-threshold -o`` holds (predict's
decision then; ``--threshold none`` leaves it out) and of ``--threshold P`` (at or above
P), each marked on its curve; a decision that
predicts no example positive is drawn at precision 1, the curve's own end (scikit-learn's
``precision_score`` gives 0 there by default, ``zero_division=1.0`` gives 1), and the
legend says so.  ``--sample-weight COLUMN`` weighs everything as evaluate's does."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

_INCHES = (6.4, 5.2)


def precision_recall(y: np.ndarray, predicted: np.ndarray,
                     sample_weight: np.ndarray | None = None) -> tuple[float, float]:
    """Precision and recall of the 0/1 ``predicted`` (n_samples,) against 0/1 ``y``,
    weighted by ``sample_weight`` (n_samples,) where given: the point of a decision on the
    curve (no example predicted positive: precision 1, the curve's own end,
    ``precision_recall_curve``'s at recall 0, as ``precision_score(...,
    zero_division=1.0)``)."""
    w = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, float)
    tp = float(np.sum(w[predicted & y]))
    chosen, positive = float(np.sum(w[predicted])), float(np.sum(w[y]))
    return (tp / chosen if chosen else 1.0), (tp / positive if positive else float("nan"))


def plot_pr(Y: np.ndarray, P: np.ndarray, names: list[str], path: str | os.PathLike,
            title: str, decisions: list[tuple[str, np.ndarray]],
            sample_weight: np.ndarray | None = None) -> Path:
    """Draw one precision-recall curve per column of ``Y`` and write ``path``.

    Parameters
    ----------
    Y : ndarray of shape (n_samples, n_curves), 0/1
        Whether each example is of each curve's positive class.
    P : ndarray of shape (n_samples, n_curves)
        The model's ranking of each curve's positive class (evaluate's: its
        probability, or log-probabilities where those round to 1).
    names : list of str
        The n_curves curves' names, for the legend.
    path : str or PathLike
        The picture to write (PNG by default).
    title : str
        The picture's title.
    decisions : list of (str, ndarray of shape (n_samples, n_curves))
        Decisions to mark on each curve (three at most), each its legend's words and its
        0/1 predictions.
    sample_weight : ndarray of shape (n_samples,), optional
        Each example's weight (``--sample-weight``): the curves, average precisions,
        base rates and marked points weighted.

    Returns
    -------
    Path
        The file written.
    """
    from sklearn.metrics import average_precision_score, precision_recall_curve

    from . import plots
    from .plots._canvas import _figure

    fig = _figure(_INCHES)
    ax = fig.add_subplot(1, 1, 1)
    markers = ("o", "s", "^")
    for j, name in enumerate(names):
        y, p = Y[:, j].astype(bool), P[:, j]
        w = sample_weight
        precision, recall, _ = precision_recall_curve(y, p, sample_weight=w)
        ap = average_precision_score(y, p, sample_weight=w)
        (line,) = ax.plot(recall, precision, drawstyle="steps-post",
                          label=f"{name}: AP {ap:.3f}")
        line.set_gid(f"curve {j}")
        base = float(np.average(y, weights=w))
        ax.axhline(base, color=line.get_color(), linestyle=":", linewidth=1,
                   label=f"{name}: no skill (base rate {base:.3f})", gid=f"base {j}")
        for (words, predicted), marker in zip(decisions, markers, strict=False):
            chosen = predicted[:, j].astype(bool)
            prec, rec = precision_recall(y, chosen, w)
            none = ("" if np.sum(chosen if w is None else w[chosen]) else
                    " (none predicted positive: precision 1, the curve's end)")
            ax.plot([rec], [prec], marker=marker, linestyle="", color=line.get_color(),
                    markeredgecolor="black", gid=f"{words} {j}",
                    label=f"{name}: {words}: precision {prec:.3f}, recall {rec:.3f}{none}")
    ax.set_xlabel("recall")
    ax.set_ylabel("precision")
    ax.set_xlim(-0.02, 1.02)
    ax.set_ylim(-0.02, 1.05)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=7)
    ax.set_title(title)
    fig.tight_layout()
    return plots._save(fig, path)


def pr_picture(args: argparse.Namespace, model, out: Path) -> Path:
    """plot pr: check the model, read DATA as evaluate does, and draw its curves."""
    from ._cli_models_average_precision import _Column, ranking
    from ._cli_models_importance import _Outputs
    from ._cli_models_plot_labelled import check_gives_probabilities, labelled_data
    from ._cli_models_report import _pairs
    from ._cli_models_threshold import NONE, check_threshold, stored_threshold

    check_gives_probabilities(args, model, "pr", "a precision-recall curve",
                              "labelled examples to draw the curve on")
    check_threshold(model, args.threshold, args.model)  # 3+ classes: no single threshold
    multilabel = getattr(model, "multilabel", False)
    table, y, weights = labelled_data(args, model)
    outputs = _Outputs(model, table.X)  # evaluate's ranking: log-probabilities if they round
    proba = np.asarray(outputs.out, dtype=np.float64)
    if multilabel:
        names = list(table.target_names or [f"target {j}" for j in range(y.shape[1])])
        pairs = _pairs(model, y.shape[1])
        names = [f"{n} = {pair[1]}" for n, pair in zip(names, pairs, strict=True)]
        Y, P, own = y, proba, (proba > 0.5, "predicted (above 0.5)")
        cache: dict = {}  # each target ranked as evaluate's per-target scores rank it
        S = np.column_stack([ranking(_Column(outputs, j, cache), proba[:, [j]], True)[:, 0]
                             for j in range(y.shape[1])])
    elif proba.shape[1] == 2:
        target = table.target_name or "class"
        names, Y, P = [f"{target} = {model.labels[1]}"], (y == 1)[:, None], proba[:, 1:]
        own = ((proba.argmax(axis=1) == 1)[:, None], "predicted (above 0.5)")
        r = ranking(outputs, proba, False)
        S = r[:, None] if r.ndim == 1 else r[:, 1:]
    else:  # each class against the others; the decision: the most probable class
        k = proba.shape[1]
        names = [str(label) for label in model.labels]
        Y = y[:, None] == np.arange(k)
        P, own = proba, (proba.argmax(axis=1)[:, None] == np.arange(k),
                         "predicted (most probable)")
        S = ranking(outputs, proba, False)
    decisions = [(own[1], own[0])]
    stored = stored_threshold(model, None)  # the file's, None without one
    if stored is not None and args.threshold != NONE:  # tune-threshold's: predict's decision
        check_threshold(model, stored, args.model)
        decisions[0] = ("most probable (above 0.5)", own[0])
        decisions.append((f"file's threshold {stored:.4g} (tune-threshold)", P >= stored))
    if args.threshold is not None and args.threshold != NONE:
        decisions.append((f"--threshold {args.threshold:g}", P >= args.threshold))
    title = args.title or f"Precision-recall on {Path(table.source).name}"
    return plot_pr(Y, S, names, out, title, decisions, weights)
