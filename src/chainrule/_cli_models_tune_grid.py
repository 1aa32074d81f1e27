"""``chainrule tune``'s grid (see :mod:`chainrule._cli_models_tune`): ``--grid``'s
entries read and each value checked by train's own parser (:func:`parse_grid`), the
combinations in scikit-learn's order (:func:`combinations`), each combination's options
(:func:`combination_args`) and the ``chainrule train`` command line of a combination
(:func:`train_argv`)."""

from __future__ import annotations

import argparse
import copy
import difflib
import functools
import json
import warnings

from ._cli_parsing import Parser

GRID_HELP = (
    "OPTION=V1,V2,...: the values of one of train's options to try, named as train names "
    "it without its dashes (hidden, lr, weight-decay, batch-size, activation, ...); each "
    "option given once, several options to try every combination of their values. Values "
    "are separated by commas, or by | when the text holds one (then commas are part of a "
    "value, as in a JSON --schedule); an option of several words takes each value's "
    "words, split at spaces: --grid 'hidden=64 32|128' lr=0.01,0.1 tries --hidden 64 32 "
    "and --hidden 128, each with --lr 0.01 and --lr 0.1. A flag of train's takes on and "
    "off (or true/false, yes/no, 1/0): --grid missing-indicator=on,off tries each "
    "combination with --missing-indicator and without it (the best line has the flag only "
    "when on). Each value is checked by train's parser before anything trains")

#: The values of a flag's --grid entry (any case), to "on" and "off".
FLAG_VALUES = {"on": "on", "true": "on", "yes": "on", "1": "on",
               "off": "off", "false": "off", "no": "off", "0": "off"}

# train's options that tune refuses in --grid, and why (cv's refusals are cv's: _REFUSED)
_OWNED = {
    "seed": "the seed of the folds, which must be the same for every combination, and of "
            "each fold's training: give --seed S once",
    "quiet": "tune's own: no line on stderr as each combination finishes",
    "target": "each combination must be scored on the same target for the scores to be "
              "compared: give --target once",
    "task": "each combination must be scored on the same task: give --task once",
    "sample_weight": "each combination's scores must be weighted alike to be compared: "
                     "give --sample-weight once",
    "groups": "every combination is cross-validated on the same folds: give --groups once",
    "time_ordered": "every combination is cross-validated on the same folds: give "
                    "--time-ordered once",
    "gap": "every combination is cross-validated on the same folds: give --gap once",
    "max_train_rows": "every combination is cross-validated on the same folds: give "
                      "--max-train-rows once",
}
_TUNE_OPTIONS = ("folds", "grid", "random", "scoring", "json", "n-jobs")


class _Refusing(Parser):
    """A parser whose error is a ValueError (its message), not an exit."""

    def error(self, message: str):  # type: ignore[override]
        raise ValueError(message)


def value_parser() -> argparse.ArgumentParser:
    """train's options (DATA left out) on a parser that raises ValueError on a bad one."""
    from ._cli_models_train import add_train_options

    p = _Refusing(prog="chainrule train", add_help=False)
    add_train_options(p)
    p._actions = [a for a in p._actions if a.option_strings]  # no DATA
    p._positionals._group_actions = []
    return p


def is_flag(action: argparse.Action) -> bool:
    """Whether ``action`` is a flag of train's (``store_true``: ``--missing-indicator``),
    which takes no value: in ``--grid``, on or off."""
    return action.nargs == 0 and isinstance(action.const, bool)


@functools.cache
def flag_keys() -> frozenset[str]:
    """train's flags as ``--grid`` names them (``missing-indicator``)."""
    return frozenset(s[2:] for a in value_parser()._actions if is_flag(a)
                     for s in a.option_strings if s.startswith("--"))


def off_words(combination: dict[str, str]) -> list[str]:
    """The flags ``combination`` leaves off, as messages say it: ``["no
    --missing-indicator"]`` (:func:`option_words` leaves them out)."""
    return [f"no --{k}" for k, v in combination.items() if k in flag_keys() and v == "off"]


def _flag_values(entry: str, key: str, values: list[str]) -> list[str]:
    """A flag's ``--grid`` values as "on" and "off", one not of :data:`FLAG_VALUES`
    refused naming it."""
    for value in values:
        if value.lower() not in FLAG_VALUES:
            raise ValueError(f"--grid {entry}: the value {value!r} of {key}: --{key} is a "
                             f"flag, which a combination has or not: give {key}=on,off "
                             "(or true/false, yes/no, 1/0)")
    return [FLAG_VALUES[v.lower()] for v in values]


def _option(parser: argparse.ArgumentParser, name: str, entry: str) -> argparse.Action:
    """train's option of the ``--grid`` name ``name`` (``lr``, ``--lr``, ``weight_decay``),
    refused naming it when it is none, or tune's own."""
    from ._cli_models_cv import _REFUSED

    flag = "--" + name.lstrip("-").replace("_", "-")
    actions = {s: a for a in parser._actions for s in a.option_strings if s.startswith("--")}
    bare = flag[2:]
    if bare in _TUNE_OPTIONS or bare == "out":
        raise ValueError(f"--grid {entry}: --{bare} is an option of chainrule tune itself, "
                         "not one of train's to try: give it once, outside --grid")
    action = actions.get(flag)
    if action is None:
        refused = {dest for dest, _, _ in _REFUSED} | set(_OWNED) | {"out"}
        # the names as --grid takes them, without dashes: "--" shared by every flag would
        # lift unrelated names past difflib's cutoff (--bogus: "did you mean loss?")
        close = difflib.get_close_matches(
            bare, [s[2:] for s, a in actions.items() if a.dest not in refused], n=1)
        raise ValueError(f"--grid {entry}: {flag} is not an option of chainrule train"
                         + (f" (did you mean {close[0]}?)" if close else "")
                         + "; name one of train's options without its dashes, such as "
                         "hidden, lr or weight-decay")
    why = _OWNED.get(action.dest) or next(
        (w for dest, _, w in _REFUSED if dest == action.dest), None)
    if why is not None:
        raise ValueError(f"--grid {entry}: {flag} cannot be tried in a grid: "
                         + why.replace("cv ", "tune "))
    return action


def refuse_dashed_entry(parser: argparse.ArgumentParser, words: list[str]) -> None:
    """Refuse ``--grid --lr=0.1`` (an entry typed with its option's dashes) naming the entry
    as ``--grid`` takes it, ``lr=0.1``; argparse reads ``--lr=0.1`` as an option and said
    only "expected at least one argument".  An entry never starts with ``-`` (a negative
    value follows its name, ``lr=-1``), so a word after ``--grid`` that starts with
    ``--`` is no entry; the ``--name`` of ``--grid --lr 0.1`` takes the word after it.
    """
    for i, word in enumerate(words[:-1]):
        after = words[i + 1]
        if word != "--grid" or not after.startswith("--") or len(after) < 3:
            continue
        name, eq, values = after[2:].partition("=")
        if not eq:
            values = (words[i + 2] if i + 2 < len(words)
                      and not words[i + 2].startswith("--") else "V1,V2,...")
        parser.error(f"argument --grid: {after} is an option, not a --grid entry: an entry "
                     f"names train's option without its dashes, as --grid {name}={values}")


def parse_grid(entries: list[str], base: argparse.Namespace,
               parser: argparse.ArgumentParser) -> dict[str, list[str]]:
    """``--grid``'s entries as ``{option: [value, ...]}``, every value checked by train's
    parser.

    Parameters
    ----------
    entries : list of str
        ``OPTION=V1,V2,...`` each.
    base : argparse.Namespace
        The command's options, to refuse an option given both outside ``--grid`` and in it:
        one not None (tune's parser leaves train's defaults None until then).
    parser : argparse.ArgumentParser
        :func:`value_parser`.

    Returns
    -------
    dict
        Each option's name as train's long option without its dashes (``weight-decay``),
        to its values as typed (the words of each, for an option of several).
    """
    grid: dict[str, list[str]] = {}
    for entry in entries:
        name, eq, text = entry.partition("=")
        if not eq or not name.strip("-"):
            raise ValueError(f"--grid {entry}: expected OPTION=V1,V2,... (such as "
                             "lr=0.01,0.1 or 'hidden=64 32|128')")
        action = _option(parser, name, entry)
        key = next(s for s in action.option_strings if s.startswith("--"))[2:]
        if key in grid:
            raise ValueError(f"--grid {entry}: {key} is given twice in --grid; give all its "
                             f"values in one entry ({key}=V1,V2,...)")
        outside = getattr(base, action.dest, None)  # (see _cli_models_tune); a flag: True
        if outside is not None and not (is_flag(action) and outside == action.default):
            raise ValueError(f"--grid {entry}: --{key} is given outside --grid too; give its "
                             "values in --grid alone")
        several = action.nargs not in (None, "?")
        values = [v.strip() for v in text.split("|" if "|" in text else ",")]
        if not any(values) and action.nargs != "*":
            raise ValueError(f"--grid {entry}: no value of {key} to try (an empty grid); "
                             f"give {key}=V1,V2,...")
        parsed: list[object] = []  # each value as train reads it, to find two spellings
        for value in values:
            if not value and action.nargs != "*":
                raise ValueError(f"--grid {entry}: an empty value of {key} (two separators "
                                 "in a row, or one at an end)")
            if is_flag(action):  # on or off: no value of train's parser to check
                parsed.append(FLAG_VALUES.get(value.lower()))
                continue
            words = value.split() if several else [value]
            try:
                parsed.append(getattr(parser.parse_args(
                    [action.option_strings[-1], *words], namespace=argparse.Namespace()),
                    action.dest, None))
            except ValueError as exc:
                split = ("|" not in text and "," in text and len(values) > 1
                         and text.lstrip()[:1] in "{[\"'")  # a JSON value cut at its commas
                hint = (f" (values were split at commas, as the text holds no |: a value "
                        f"holding commas is separated from the others by |, as "
                        f"{key}=V1|V2, and one value alone is given outside --grid, as "
                        f"--{key} V)" if split else "")
                raise ValueError(f"--grid {entry}: the value {value!r} of {key}: "
                                 f"{exc}{hint}") from None
        typed = (_flag_values(entry, key, values) if is_flag(action) else
                 [" ".join(v.split()) if several else v for v in values])
        spelt = values if is_flag(action) else typed  # as typed: a flag's off and no apart
        twice = [v for i, v in enumerate(spelt) if v in spelt[:i]]
        if twice:
            raise ValueError(f"--grid {entry}: the value {twice[0]!r} of {key} is given twice")
        _refuse_same_values(entry, key, spelt, _canonical_names(action, parsed))
        grid[key] = typed
    return grid


def _canonical_names(action: argparse.Action, parsed: list[object]) -> list[object]:
    """``parsed`` with each name of an activation, loss or initialiser (an argparse type of
    :mod:`chainrule.cli_args`, which keeps the name as typed) as the name of what it looks
    up: two names of one function (``linear`` and ``identity``, ``mae`` and
    ``mean_absolute_error``) are one value of the grid."""
    look_up = {"activation name": "activations.get_activation",
               "loss name": "losses.get_loss",
               "initializer name": "initializers.get_initializer"}.get(
                   getattr(action.type, "__name__", ""))
    if look_up is None:
        return parsed
    import importlib

    module, getter = look_up.split(".")
    get = getattr(importlib.import_module(f"chainrule.{module}"), getter)

    def name(value: object) -> object:
        try:
            found = get(value)
        except (ValueError, TypeError, KeyError):  # a name of the option's own ("auto")
            return value
        return getattr(found, "name", None) or getattr(found, "__name__", value)

    return [[name(v) for v in value] if isinstance(value, list) else name(value)
            for value in parsed]


def _refuse_same_values(entry: str, key: str, spelt: list[str], parsed: list[object]) -> None:
    """Refuse two spellings of one value (``lr=0.1,0.10``, ``hidden=32,032``,
    ``missing-indicator=off,no``): train reads them alike, so the grid would train the same
    combinations twice, ranked apart on equal scores."""
    for i, value in enumerate(parsed):
        j = next((j for j in range(i) if parsed[j] == value), None)
        if j is None:
            continue
        items = value if isinstance(value, list) else [value]
        numbers = bool(items) and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                                      for v in items)
        words = numbers or all(isinstance(v, str) for v in items)  # (names: --activation)
        shown = (" ".join(map(str, items)) if words and items else value if isinstance(
            value, str) else json.dumps(value, default=str))  # a JSON --schedule, as JSON
        same = (f"are the same number{'s' if len(items) > 1 else ''} ({shown})" if numbers
                else f"mean the same ({shown})")
        raise ValueError(f"--grid {entry}: the values {spelt[j]!r} and {spelt[i]!r} of {key} "
                         f"{same}, which would train each combination twice: give one of them")


def combinations(grid: dict[str, list[str]], n_random: int | None,
                 seed: int) -> tuple[list[dict[str, str]], str | None]:
    """The combinations to try, in scikit-learn's order, and a note (or None).

    ``ParameterGrid(grid)`` (every combination, as ``GridSearchCV``), or with ``n_random``
    ``ParameterSampler(grid, n_random, random_state=seed)`` (as ``RandomizedSearchCV``:
    drawn without replacement); more than the grid's combinations runs them all, in the
    sampler's order, and says so, as scikit-learn warns.  A grid of one combination
    (every option one value) compares nothing: it runs, as ``GridSearchCV`` runs it, and
    the note says so, as tune says of a ``--random`` larger than the grid.
    """
    from sklearn.model_selection import ParameterGrid, ParameterSampler

    if n_random is None:
        every = list(ParameterGrid(grid))
        if len(every) != 1:
            return every, None
        given = " ".join(f"{key}={values[0]}" for key, values in grid.items())
        return every, (f"note: --grid {given}: one combination, so nothing is compared: its "
                       "scores are those of chainrule cv with these options; give an "
                       "option two values or more to compare them (as "
                       f"{next(iter(grid))}=V1,V2)")
    size = len(ParameterGrid(grid))
    with warnings.catch_warnings():  # said below, in the command's words
        warnings.simplefilter("ignore", UserWarning)
        drawn = list(ParameterSampler(grid, n_random, random_state=seed))
    note = None
    if n_random > size:
        note = (f"--random {n_random}: the grid has {size} combination"
                f"{'s' if size != 1 else ''}, fewer than {n_random}: each is tried once, in "
                "ParameterSampler's order (as RandomizedSearchCV, which warns and runs the "
                "whole grid)")
    return drawn, note


def combination_args(base: argparse.Namespace, combination: dict[str, str],
                     parser: argparse.ArgumentParser) -> argparse.Namespace:
    """``base`` with the options of ``combination`` parsed by train's parser in place."""
    args = copy.deepcopy(base)
    for key, value in combination.items():
        parser.parse_args(option_words({key: value}, parser), namespace=args)
    return args


def option_words(combination: dict[str, str], parser: argparse.ArgumentParser) -> list[str]:
    """The words of ``combination``'s options on train's command line, as the ``best:``
    line writes them once quoted by ``shlex.join``: each option's long name, then its
    value's words (an option of several words: each, none of an empty value; else the
    value whole, a JSON ``--schedule`` with its spaces one word); a flag alone when on,
    nothing when off."""
    words: list[str] = []
    for key, value in combination.items():
        action = next(a for a in parser._actions if f"--{key}" in a.option_strings)
        if is_flag(action):  # a flag: there when on, left out when off
            words += [f"--{key}"] if value == "on" else []
            continue
        words += [f"--{key}", *(value.split() if action.nargs not in (None, "?")
                                else [value])]
    return words


def train_argv(args: argparse.Namespace, parser: argparse.ArgumentParser,
               out: str | None = None) -> list[str]:
    """The words of ``chainrule train`` (after ``train``) with the options of ``args``.

    DATA, then each of train's options whose value is not its default, as the option's
    long name and its value's words (a list's items; a JSON object's text), then
    ``-o out`` when given.
    """
    words = [str(args.data)]
    for action in parser._actions:
        if action.dest in ("out", "quiet") or not action.option_strings:
            continue
        value = getattr(args, action.dest, action.default)
        if value == action.default or value is None:
            continue
        flag = next(s for s in action.option_strings if s.startswith("--"))
        if value is True:
            words.append(flag)
        elif isinstance(value, list) and action.nargs is None and not any(
                isinstance(v, (dict, list)) for v in value):  # one word of several
            words += [flag, ",".join(map(_word, value))]  # entries: --freeze 0:b,1:W
        elif isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
            words += [flag, *map(_word, value)]
        else:
            words += [flag, _word(value)]
    return [*words, *(["-o", str(out)] if out is not None else [])]


def _word(value: object) -> str:
    """A value as a word train's parser reads back: a number as Python writes it, a JSON
    object or list as JSON."""
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return repr(value) if isinstance(value, float) else str(value)
