"""The check of a model file's record of the search that chose its settings (metadata
``tune``, written by ``chainrule tune -o``), one of those of
:func:`~chainrule._saved_model_file._metadata_problem`.

``chainrule info`` shows the record (``_cli_models_show_tune.search_lines``): the options
chosen, the grid, the scoring, the mean and standard deviation, the folds.  A damaged
record (``"tune": "x"``, a grid that is no object, a chosen value that is a number) made
``info`` fail with Python's own error (``AttributeError: 'str' object has no attribute
'get'``, ``missing 'combinations'``, ``expected string or bytes-like object, got
'float'``); now such a file is refused as corrupted, the field named, by every reader.
"""

from __future__ import annotations

from ._io_records import finite_number

__all__ = ["tune_problem"]

# the fields info reads as tune[...]: a record without one is no record of tune -o
_NEEDED = ("grid", "search", "folds", "scoring", "combinations")


def _strings(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def tune_problem(meta: dict) -> str | None:
    """What is wrong with the metadata's ``tune`` record, or None (none, or a sound one).

    Sound: null, or a JSON object with ``grid`` (an object of option names to lists of
    their values' texts), ``search`` and ``scoring`` (strings), ``folds`` and
    ``combinations`` (whole numbers >= 1), and where recorded ``best`` (an object of
    option names to value texts), ``splitter`` (a string), ``seed`` (an int or null),
    ``mean`` and ``std`` (numbers or null).

    Parameters
    ----------
    meta : dict
        A model file's metadata.

    Returns
    -------
    str or None
        ``"tune.KEY: what is wrong"``, e.g. ``"tune.folds: expected a whole number >= 1,
        got 'x'"``.
    """
    tune = meta.get("tune")
    if tune is None:
        return None
    if not isinstance(tune, dict):
        return (f"tune: expected a JSON object (the record of chainrule tune -o), got "
                f"{tune!r:.60}")
    missing = [key for key in _NEEDED if key not in tune]
    if missing:
        return f"tune: missing {', '.join(missing)}"
    grid = tune["grid"]
    if not isinstance(grid, dict) or not all(_strings(v) for v in grid.values()):
        return (f"tune.grid: expected an object of option names to lists of values, got "
                f"{grid!r:.60}")
    best = tune.get("best")
    if best is not None and not (isinstance(best, dict)
                                 and all(isinstance(v, str) for v in best.values())):
        return (f"tune.best: expected an object of option names to values (text), got "
                f"{best!r:.60}")
    for key in ("search", "scoring", "splitter"):
        if (key in _NEEDED or tune.get(key) is not None) and not isinstance(tune[key], str):
            return f"tune.{key}: expected a string, got {tune[key]!r:.40}"
    for key in ("folds", "combinations"):
        if not _count(tune[key]):
            return f"tune.{key}: expected a whole number >= 1, got {tune[key]!r:.40}"
    seed = tune.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        return f"tune.seed: expected an integer or null, got {seed!r:.40}"
    for key in ("mean", "std"):
        got = tune.get(key)  # (a float NaN or inf is a number; an int past a float's not)
        if got is not None and not (isinstance(got, float) or finite_number(got)):
            return f"tune.{key}: expected a number or null, got {got!r:.40}"
    if tune.get("mean") is not None and tune.get("std") is None:
        return "tune.std: missing, though tune.mean is there"
    return None
