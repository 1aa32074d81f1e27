"""What ``chainrule info`` says of the search that chose a model's settings (``chainrule
tune -o``): the options it chose (:func:`_chosen`) and how its folds were made
(:func:`_folds_words`), for the "chosen by chainrule tune" line of
:mod:`chainrule._cli_models_show` (:func:`search_lines`, with the line of a threshold
that ``chainrule tune-threshold -o`` chose)."""

from __future__ import annotations


def _chosen(tune: dict) -> str:
    """The options ``tune -o`` chose, as train's command line writes them, then ", "
    (``--hidden 6 3 --lr 0.01 (no --missing-indicator), ``); "" when the file holds none."""
    import shlex

    from ._cli_models_tune_grid import off_words, option_words, value_parser

    best = tune.get("best")
    if not isinstance(best, dict) or not best:
        return ""
    ordered = {k: best[k] for k in [*tune.get("grid", {}), *best] if k in best}
    try:
        words = shlex.join(option_words(ordered, value_parser()))
    except StopIteration:  # an option this chainrule's train no longer has: as recorded
        words = " ".join(f"{k}={v}" for k, v in ordered.items())
    off = off_words(ordered)
    return " ".join([words] * bool(words) + [f"({', '.join(off)})"] * bool(off)) + ", "


#: The splitters of tune's folds that draw nothing (--time-ordered, --folds all): their
#: folds are the same whatever --seed, which seeds each fold's training alone.
_UNSHUFFLED = ("TimeSeriesSplit", "LeaveOneGroupOut")


def _folds_words(tune: dict) -> str:
    """How the ``chosen by`` line names tune's folds after "K folds (", as tune's and cv's
    folds line does (``folds_how``): ``StratifiedKFold, seed 2)``, ``StratifiedGroupKFold
    of 6 groups of 'site', seed 2)`` (``--groups``), ``TimeSeriesSplit of the rows in
    DATA's order, --time-ordered, ...): each fold scored by a model trained on the rows
    before the 2 left out just before it (--gap), ...`` and ``LeaveOneGroupOut of 6 groups
    of 'site', --folds all, ...``.  A file of an older chainrule, whose record has no
    ``groups`` or ``time_ordered``: ``TimeSeriesSplit, not shuffled; seed 0 of each fold's
    training)``."""
    from ._cli_models_cv_table import folds_how, of_groups

    splitter, seed = tune.get("splitter"), tune.get("seed")
    grouped = _record(tune, "groups", {"column": str, "count": int})
    ordered = _record(tune, "time_ordered", {"never_held_out": int})
    how = folds_how(splitter, grouped, ordered, seed)
    if how is not None:
        return how
    if splitter in _UNSHUFFLED:
        return f"{splitter}, not shuffled; seed {seed} of each fold's training)"
    return f"{splitter}{of_groups(grouped)}, seed {seed})"


def _record(tune: dict, key: str, kinds: dict) -> dict | None:
    """``tune[key]`` (``groups``, ``time_ordered``) where it is a dict whose ``kinds``
    keys have those types; None where it is absent (an older file) or is not."""
    record = tune.get(key)
    if not isinstance(record, dict) or not all(
            isinstance(record.get(k), kind) and not isinstance(record.get(k), bool)
            for k, kind in kinds.items()):
        return None
    return record


def search_lines(meta: dict) -> list[str]:
    """info's lines of a model file's searches: ``chosen by chainrule tune`` (``tune
    -o``), and the decision threshold of ``tune-threshold -o``; none of a file without."""
    from types import SimpleNamespace

    from ._cli_models_threshold import stored_line

    lines = []
    tune = meta.get("tune")
    if tune:  # chainrule tune -o: the search that chose these settings
        lines.append(
            f"chosen by chainrule tune: {_chosen(tune)}the best of {tune['combinations']} "
            "combinations "
            f"({tune['search']} search of " + "; ".join(
                f"{k}={'|'.join(v)}" for k, v in tune["grid"].items())
            + "), " + (f"mean {tune['scoring']} {tune['mean']:.6g} (std {tune['std']:.6g})"
                       if tune.get("mean") is not None else
                       f"{tune['scoring']} left out of every fold")
            + f" over {tune['folds']} folds ({_folds_words(tune)}")
    threshold = stored_line(SimpleNamespace(metadata=meta))
    if threshold is not None:
        lines.append(threshold)
    return lines
