"""What ``chainrule tune`` prints (see :mod:`chainrule._cli_models_tune`): a row per
combination with its mean, standard deviation, rank and seconds, then the ``chainrule
train`` line of the best, or all of it as JSON."""

from __future__ import annotations

import argparse
import shlex

from ._cli_models_cv_table import dtype_line, dtype_record, folds_how, json_text, of_groups
from ._cli_models_data import _NAMES


def best_of(results: list[dict], key: str) -> dict | None:
    """The best of ``results`` by the score ``key``: the first of rank 1; None where no
    combination has a mean of it (each diverged, or its score left out of every fold)."""
    from ._cli_models_tune import ranks

    best = results[int(ranks(results, key).argmin())]
    if key not in best["mean"] or best["mean"][key] != best["mean"][key]:  # none has it
        return None  # (diverged, or NaN): none to recommend, as every one ranks last
    return best


def print_results(args: argparse.Namespace, search: dict, results: list[dict],
                  partial: bool, baseline: dict | None = None, best_run=None) -> dict:
    """Print the combinations' results (``--json``: as JSON); return the best's.

    Parameters
    ----------
    args : argparse.Namespace
        tune's options (``--json``, ``--seed``, ``-o``).
    search : dict
        The grid, the task, the splitter, the folds and the scoring.
    results : list of dict
        Each combination's (``params``, ``train``, ``per_fold``, ``mean``, ``std``,
        ``folds_scored``, ``seconds``, ``failed``), in the order they were tried.
    partial : bool
        An interrupt stopped the search: ``results`` are those finished.
    baseline : dict, optional
        :func:`~chainrule._cli_models_tune_baseline.tune_baseline`'s linear model on the
        same folds, printed after the table (``--json``: its ``baseline``).
    best_run : argparse.Namespace, optional
        The best combination's options (the remedies the baseline's note names).

    Returns
    -------
    dict or None
        The best combination's result: the first of rank 1; None when no combination
        has a mean of the score (each diverged, or its score left out of every fold).
    """
    from ._cli_models_tune import LOWER_IS_BETTER, ranks
    from ._cli_models_tune_baseline import baseline_lines, json_record
    from ._cli_models_tune_grid import off_words, option_words, value_parser

    key = search["scoring"]
    rank = ranks(results, key)
    best = best_of(results, key)
    line = None if best is None else [
        "chainrule", "train", *best["train"],
        *(["-o", str(args.out)] if args.out is not None else [])]
    if args.json:
        shown = [{**{k: r[k] for k in ("params", "mean", "std", "folds_scored", "per_fold",
                                       "seconds")},
                  "rank": int(rk), "train": ["chainrule", "train", *r["train"]],
                  **({"failed": r["failed"]} if r["failed"] else {})}
                 for r, rk in zip(results, rank, strict=True)]
        print(json_text({
            "search": search["search"], "grid": search["grid"], "random": args.random,
            "folds": search["folds"], "splitter": search["splitter"],
            "shuffle": not search.get("time_ordered") and (
                search["splitter"] != "LeaveOneGroupOut"),
            **({"groups": search["groups"]} if search.get("groups") else {}),
            **({"time_ordered": search["time_ordered"]} if search.get("time_ordered") else {}),
            "seed": args.seed, "samples": search["samples"], "task": search["task"],
            **dtype_record(args),  # --dtype float32 outside --grid (in it: each's params)
            "scoring": key, "greater_is_better": key not in LOWER_IS_BETTER,
            "combinations": search["combinations"], "results": shown,
            "best_index": None if best is None else results.index(best),
            "best": None if best is None else best["params"],
            "best_command": None if line is None else shlex.join(line),
            **json_record(baseline), "partial": partial}))
        return best
    n = search["combinations"]
    table = search["table"]
    print(f"{search['source']}: {search['samples']} examples, {search['task']} of "
          + (", ".join(map(repr, table.target_names)) if table.target_names else
             repr(table.target_name) + search.get("note", "")))
    how = ("ParameterGrid" if search["search"] == "grid" else
           f"ParameterSampler of --random {args.random}, seed {args.seed}")
    print(f"{n} combination{'s' if n != 1 else ''} ({how}), each cross-validated on the same "
          f"{search['folds']} folds ("
          + (folds_how(search["splitter"], search.get("groups"), search.get("time_ordered"),
                       args.seed)
             or f"{search['splitter']}{of_groups(search.get('groups'))}, shuffled with seed "
                f"{args.seed})")
          + "; "
          f"ranked by the mean {_NAMES[key]} ("
          + ("the lowest first)" if key in LOWER_IS_BETTER else "the highest first)"))
    dtype = dtype_line(args, "every combination's networks and features")
    if dtype is not None:
        print(dtype)
    if partial:
        from ._cli_checkpoint import stopped_how

        print(f"partial: {stopped_how()[0]} during combination {len(results) + 1} of {n}: the "
              f"{len(results)} finished, ranked among themselves")
    names = list(search["grid"])
    header = [*names, "mean", "std", "rank", "seconds"]
    lines = [[*(r["params"][k] or "(none)" for k in names),
              *((f"{r['mean'][key]:.6g}", f"{r['std'][key]:.6g}") if key in r["mean"] else
                ("diverged", "-") if r["failed"] else ("-", "-")),
              str(rk), f"{r['seconds']:.2f}"]
             for r, rk in zip(results, rank, strict=True)]
    widths = [max(len(line[j]) for line in [header, *lines]) for j in range(len(header))]
    for line_ in [header, *lines]:
        print("  ".join(cell.ljust(w) if j < len(names) else cell.rjust(w)
                        for j, (cell, w) in enumerate(zip(line_, widths, strict=True))).rstrip())
    parser = value_parser()
    for r in results:
        if r["failed"]:  # the combination's options, in the words of the best: line
            words = [shlex.join(option_words(r["params"], parser)), *off_words(r["params"])]
            print(f"diverged: {' '.join(w for w in words if w)}: {r['failed']}")
    print(f"std: over the folds (NumPy's, ddof=0); seconds: training and scoring the "
          f"combination's {search['folds']} folds")
    if baseline is not None and best is not None:
        print("\n".join(baseline_lines(baseline, best, best_run)))
    print(f"best{' so far' if partial else ''}: " + (
        shlex.join(line) if line is not None else
        f"none: no combination {'finished ' if partial else ''}has a mean {_NAMES[key]}"))
    return best

