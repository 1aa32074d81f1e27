"""``chainrule plot calibration MODEL DATA``: the reliability diagram of a classifier's
probabilities on DATA, to see whether they can be taken at their word.

The examples are binned by a probability into ``--bins`` equal-width bins of ``[0, 1]``
(15 by default, as evaluate's ECE), and each bin's mean probability is drawn against the
share of its examples for which the event happened, with the diagonal on which a
calibrated model's points lie and a bar of each bin's count beneath.  Of two classes,
the probability of the second class against the share of its examples that are of it
(scikit-learn's ``calibration_curve(y, p, n_bins, strategy="uniform")``); of three or
more, the top-class confidence against the share of its examples classified right (the
figures evaluate's ECE sums).  The legend gives the ECE of the top-class confidence and
the Brier score, as ``chainrule evaluate`` prints them.  Points below the diagonal are
over-confidence.  A decision threshold (``--threshold``, tune-threshold's) is of the
decision, not of the probabilities: the diagram is the same, and its title says so.
``--sample-weight COLUMN`` weighs every figure as evaluate's does."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import numpy as np

_INCHES = (6.0, 6.4)


def calibration_figures(y: np.ndarray, proba: np.ndarray,
                        sample_weight: np.ndarray | None = None,
                        n_bins: int = 15) -> dict:
    """The figures ``plot calibration`` draws of one target's probabilities.

    Parameters
    ----------
    y : ndarray of shape (n_samples,), int
        Class indices into ``proba``'s columns.
    proba : ndarray of shape (n_samples, n_classes)
    sample_weight : ndarray of shape (n_samples,), optional
    n_bins : int, default 15

    Returns
    -------
    dict
        ``of``: ``"second class"`` (two classes: its probability against the share of
        examples of it, ``calibration_curve``'s ``prob_pred`` and ``prob_true`` in the
        non-empty bins) or ``"top class"`` (the top-class confidence against the share
        classified right); :func:`chainrule._calibration.reliability`'s ``edges``,
        ``count``, ``confidence``, ``accuracy`` (n_bins,; NaN in an empty bin) of that
        probability; ``ece``, the ECE of the top-class confidence, and ``brier``, as
        evaluate prints them.
    """
    from ._calibration import brier_score, expected_calibration_error, reliability, top_class

    proba = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y).astype(int)
    if proba.shape[1] == 2:
        figures = reliability(proba[:, 1], (y == 1).astype(float), sample_weight, n_bins)
        figures["of"] = "second class"
        figures["ece"] = expected_calibration_error(y, proba, sample_weight, n_bins)
    else:
        figures = reliability(*top_class(proba, y), sample_weight, n_bins)
        figures["of"] = "top class"
    figures["brier"] = brier_score(y, proba, sample_weight)
    return figures


def plot_calibration(figures: dict, path: str | os.PathLike, title: str,
                     positive: str | None = None) -> Path:
    """Draw :func:`calibration_figures`' reliability diagram and write ``path``.

    Parameters
    ----------
    figures : dict
        :func:`calibration_figures`' result.
    path : str or PathLike
        The picture to write (PNG by default).
    title : str
        The picture's title.
    positive : str, optional
        The second class's words (``diagnosis = malignant``) of a two-class model.

    Returns
    -------
    Path
        The file written.
    """
    from . import plots
    from .plots._canvas import _figure

    fig = _figure(_INCHES)
    ax = fig.add_axes((0.13, 0.36, 0.82, 0.56))
    bars = fig.add_axes((0.13, 0.08, 0.82, 0.18), sharex=ax)
    edges, count = figures["edges"], figures["count"]
    full = count > 0
    n_bins = len(count)
    ax.plot([0, 1], [0, 1], color="gray", linestyle="--", linewidth=1,
            label="calibrated (share = probability)", gid="diagonal")
    ax.plot(figures["confidence"][full], figures["accuracy"][full], marker="o",
            label=f"{n_bins} bins: ECE {figures['ece']:.4f} (top class), "
            f"Brier {figures['brier']:.4f}", gid="reliability")
    if figures["of"] == "second class":
        ax.set_xlabel(f"mean predicted probability of {positive or 'the second class'}")
        ax.set_ylabel("share of the bin's examples of it")
    else:
        ax.set_xlabel("mean top-class confidence")
        ax.set_ylabel("share of the bin's examples classified right")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=8)
    ax.set_title(title, fontsize=10)
    bars.bar(edges[:-1], count, width=np.diff(edges), align="edge", edgecolor="black",
             linewidth=0.5, gid="counts")
    bars.set_ylabel("examples")
    bars.set_xlabel("bin of the probability")
    return plots._save(fig, path)


def calibration_picture(args: argparse.Namespace, model, out: Path) -> Path:
    """plot calibration: check the model, read DATA as evaluate does, and draw it."""
    from ._calibration import DEFAULT_BINS
    from ._cli_models_plot_labelled import check_gives_probabilities, labelled_data
    from ._cli_models_proba_notes import not_probabilities_note
    from ._cli_models_threshold_decide import decision_threshold

    check_gives_probabilities(args, model, "calibration", "a reliability diagram",
                              "labelled examples to bin")
    if getattr(model, "multilabel", False):
        raise ValueError(f"plot calibration: {args.model} holds a multi-label classifier "
                         "(several labels per example); it needs one class per example "
                         "(evaluate prints each label's Brier score and ECE)")
    threshold = decision_threshold(model, args.threshold, args.model)  # checked, or None
    table, y, weights = labelled_data(args, model)
    proba = np.asarray(model.predict_proba(table.X), dtype=np.float64)
    note = not_probabilities_note(proba)
    if note is not None:
        raise ValueError(f"plot calibration: {args.model}: {note}")
    figures = calibration_figures(y, proba, weights, args.bins or DEFAULT_BINS)
    title = args.title or f"Reliability on {Path(table.source).name}"
    if threshold is not None and not args.title:
        title += (f"\nof the probabilities, not of the decision at threshold "
                  f"{threshold:g}")
    positive = (f"{table.target_name or 'class'} = {model.labels[1]}"
                if proba.shape[1] == 2 and model.labels else None)
    return plot_calibration(figures, out, title, positive)
