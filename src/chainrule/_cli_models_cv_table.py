"""What ``chainrule cv`` prints of its folds (see :mod:`chainrule._cli_models_cv`): the
mean and standard deviation of each score over the folds (:func:`summary`) and the table
of the folds' scores with them (:func:`print_table`), or as JSON (:func:`print_scores`)."""

from __future__ import annotations

import argparse
import json
import math

import numpy as np

from ._cli_groups import group_record
from ._cli_groups_logo import logo_words
from ._cli_models_data import _NAMES
from ._cli_time_order import folds_words, time_record


def summary(rows: list[dict]) -> tuple[dict, dict, dict]:
    """The mean and standard deviation of each score over the folds that have it.

    Parameters
    ----------
    rows : list of dict
        Each fold's scores, keyed as evaluate's (``accuracy``, ``log_loss``, ``mse``, ...);
        a score a fold has not (ROC AUC of held-out rows of one class, R^2 of one
        held-out row) is left out of its dict.

    Returns
    -------
    mean, std : dict
        NumPy's ``mean`` and ``std`` (ddof=0) of each score over the folds that have it.
    counts : dict
        How many folds each score is of.
    """
    keys = [key for key in _NAMES if any(key in row for row in rows)]
    keys.sort(key=lambda key: min(list(row).index(key) for row in rows if key in row))
    values = {key: [row[key] for row in rows if key in row] for key in keys}
    moments = {key: _mean_std(v) for key, v in values.items()}
    return ({key: m for key, (m, _) in moments.items()},
            {key: sd for key, (_, sd) in moments.items()},
            {key: len(v) for key, v in values.items()})


def _mean_std(values: list[float]) -> tuple[float, float]:
    """NumPy's ``mean`` and ``std`` (ddof=0) of ``values``; of finite scores too large for
    them (an MSE of 1e300: their sum, or their squared deviations, overflow), those of the
    scores scaled by their largest magnitude, times it: finite, not inf and a
    RuntimeWarning.  A score that is itself inf (an MSE past the largest float) gives NaN
    or inf, as NumPy does, without its warning."""
    v = np.asarray(values, dtype=float)
    with np.errstate(over="ignore", invalid="ignore"):
        mean, std = float(np.mean(v)), float(np.std(v))
    if (np.isfinite(mean) and np.isfinite(std)) or not np.isfinite(v).all():
        return mean, std
    scale = float(np.max(np.abs(v)))
    return scale * float(np.mean(v / scale)), scale * float(np.std(v / scale))


def json_text(value: object) -> str:
    """``value`` as strict JSON (RFC 8259), cv's and tune's ``--json``: a float that is not
    finite (an MSE past the largest float, its std NaN) is written ``null``, where
    Python's ``json.dumps`` writes ``Infinity`` or ``NaN``, which JSON lacks (and most
    languages' readers refuse)."""
    return json.dumps(_nulls(value), allow_nan=False)


def _nulls(value: object) -> object:
    """``value`` with every float that is not finite replaced by None."""
    if isinstance(value, float) and not math.isfinite(value):  # np.float64 included
        return None
    if isinstance(value, dict):
        return {k: _nulls(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_nulls(v) for v in value]
    return value


def print_table(table, task: str, splitter: str, seed: int, rows: list[dict], mean: dict,
                std: dict, counts: dict, folds: int | None = None, note: str = "",
                how: str | None = None, dtype: str | None = None) -> None:
    """Print the folds' scores, a line each, then their mean and standard deviation.

    Parameters
    ----------
    table : Table
        Every example (for its source, size and targets).
    task : {"classification", "regression"}
    splitter : str
        The scikit-learn splitter's name.
    seed : int
        Its ``random_state`` (and each fold's training seed).
    rows : list of dict
        Each fold's scores (``fold``, ``samples``, the scores).
    mean, std, counts : dict
        :func:`summary` of ``rows``.
    folds : int, optional
        The folds of the run (default: ``len(rows)``); more than ``rows`` holds when an
        interrupt stopped it, and the table is said to be partial.
    note : str, optional
        Said after the target on the first line: train's
        :func:`~chainrule._cli_models_train_task.whole_numbers_note`.
    how : str, optional
        The folds line's words after "K folds (", where they are not the shuffled
        splitter's (``--time-ordered``: ``_cli_time_order.folds_words``).
    dtype : str, optional
        A line said after the folds line: :func:`dtype_line`'s of ``--dtype float32``.
    """
    k = len(rows)
    folds = k if folds is None else folds
    from ._cli_models_report import _targets_line

    several = table.target_names
    print(f"{table.source}: {table.n_samples} examples, {task} of "
          + (f"{_targets_line(several, task)}; each target's: --json" if several else
             repr(table.target_name) + note))
    other = "fold" if folds == 2 else f"{folds - 1}"
    print(f"{folds} folds (" + (how or f"{splitter}, shuffled with seed {seed}): each fold "
                                f"scored by a model trained on the other {other}"))
    if dtype is not None:
        print(dtype)
    if k < folds:
        from ._cli_checkpoint import stopped_how

        print(f"partial: {stopped_how()[0]} during fold {k + 1} of {folds}: the {k} "
              f"fold{'s' if k > 1 else ''} finished, the mean and std over "
              f"{'them' if k > 1 else 'it'}")
    header = ["fold", "held out", *(_NAMES[key] for key in mean)]
    lines = [[str(row["fold"]), str(row["samples"]),
              *(f"{row[key]:.6g}" if key in row else "-" for key in mean)] for row in rows]
    lines.append(["mean", "", *(f"{v:.6g}" for v in mean.values())])
    lines.append(["std", "", *(f"{v:.6g}" for v in std.values())])
    widths = [max(len(line[j]) for line in [header, *lines]) for j in range(len(header))]
    for line in [header, *lines]:
        print("  ".join(cell.ljust(w) if j == 0 else cell.rjust(w)
                        for j, (cell, w) in enumerate(zip(line, widths, strict=True))).rstrip())
    for key, n in counts.items():
        if n < k:
            left = [row for row in rows if key not in row]
            why = ({row.get("roc_auc_left_out") for row in left}
                   if key in ("roc_auc", "average_precision") else
                   {"one held-out example"})
            print(f"{_NAMES[key]}: left out of fold{'s' if len(left) > 1 else ''} "
                  f"{', '.join(str(row['fold']) for row in left)} ({'; '.join(sorted(why))});"
                  f" the mean and std are of the {n} other{'s' if n != 1 else ''}")
    reasons = {row["roc_auc_left_out"] for row in rows if "roc_auc_left_out" in row}
    if reasons and "roc_auc" not in counts:
        print(f"ROC AUC and average precision: left out of every fold "
              f"({'; '.join(sorted(reasons))})")
    if task == "regression" and "r2" not in counts:
        print("r2: left out of every fold: each holds out one example, and R^2 needs two")
    print("std: the standard deviation over the folds (NumPy's, ddof=0)")


def print_scores(args: argparse.Namespace, table, task: str, splitter: str, folds: list,
                 rows: list[dict], baseline: dict | None = None) -> None:
    """Print the table (or ``--json``) of the scores of the folds in ``rows``: all of
    ``folds``, or those finished before an interrupt (marked as partial); a regression's
    ``baseline`` (:func:`~chainrule._cli_models_baseline.fold_baselines`' of the same
    folds; a classifier's: :func:`~chainrule._cli_models_baseline_logistic_cv.fold_logistic`'s)
    after the table (``--json``: its ``baseline``)."""
    mean, std, counts = summary(rows)
    grouped = group_record(args, table)
    ordered = time_record(args, folds)
    if args.json:
        names = table.target_names
        each = {name: dict(zip(("mean", "std", "folds_scored"),
                               summary([row["targets"][name] for row in rows]), strict=True))
                for name in names or ()}
        print(json_text({"folds": len(folds), "splitter": splitter,
                          "shuffle": ordered is None and splitter != "LeaveOneGroupOut",
                          "seed": args.seed, "samples": table.n_samples, "task": task,
                          **dtype_record(args), "per_fold": rows, "mean": mean, "std": std,
                          "folds_scored": counts, **({"targets": each} if names else {}),
                          **({"groups": grouped} if grouped else {}),
                          **({"time_ordered": ordered} if ordered else {}),
                          **({"baseline": baseline} if baseline else {}),
                          "partial": len(rows) < len(folds)}))
        return
    from ._cli_models_train_task import whole_numbers_note

    print_table(table, task, splitter + of_groups(grouped), args.seed, rows, mean, std,
                counts, len(folds), whole_numbers_note(table, task, args.task, args.loss),
                folds_how(splitter, grouped, ordered, args.seed),
                dtype_line(args, "each fold's network and features"))
    if baseline and "logistic" in baseline:  # a classifier's: LogisticRegression's
        from ._cli_models_baseline import remedies
        from ._cli_models_baseline_logistic_cv import logistic_lines

        print("\n".join(logistic_lines(baseline, mean, remedies(args, "classification"))))
    elif baseline:
        from ._cli_models_baseline import baseline_lines

        tried = bool(args.weight_decay) or args.patience is not None
        print("\n".join(baseline_lines(baseline, mean, tried)))


def folds_how(splitter: str, grouped: dict | None, ordered: dict | None,
              seed: int) -> str | None:
    """The words after "K folds (" of cv's and tune's folds line, and of info's line of a
    model of ``tune -o``, for the splitters that shuffle nothing: ``--time-ordered``'s
    ``TimeSeriesSplit`` (``ordered``: ``time_record``'s, with ``--gap`` and
    ``--max-train-rows``), ``--folds all``'s ``LeaveOneGroupOut`` (``grouped``:
    ``group_record``'s, the ``--groups`` column); None for a shuffled splitter."""
    if ordered:
        return folds_words(splitter, ordered, seed)
    if splitter == "LeaveOneGroupOut" and grouped:
        return logo_words(grouped, seed)
    return None


def of_groups(grouped: dict | None) -> str:
    """How the folds line names ``--groups`` after the splitter's name: " of 6 groups of
    'site'" (``grouped``: ``group_record``'s), or "" without it."""
    return "" if not grouped else f" of {grouped['count']} groups of {grouped['column']!r}"


def dtype_record(args: argparse.Namespace) -> dict:
    """``{"dtype": "float32"}`` of ``--dtype float32`` for cv's and tune's ``--json``;
    nothing of float64, the default, which their output did not say before ``--dtype``
    (as train's model records no float64)."""
    dtype = getattr(args, "dtype", None) or "float64"
    return {} if dtype == "float64" else {"dtype": dtype}


def dtype_line(args: argparse.Namespace, what: str) -> str | None:
    """The header's line of ``--dtype float32``: ``what`` is in float32; None of
    float64."""
    dtype = dtype_record(args).get("dtype")
    return None if dtype is None else f"{what} in {dtype} (--dtype {dtype})"
