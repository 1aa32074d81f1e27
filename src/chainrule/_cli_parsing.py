"""How the command line is read where argparse alone falls short.

The parser classes (:class:`Parser`, and :class:`CommandParser` of the commands), the
refusal of what argparse leaves over by the parser it was given to (:func:`parse_known`),
the positional arguments of train, evaluate and predict given their free words in order
wherever they stand, after ``--target a b``, ``--features a b`` or ``--keep a b`` too
(:func:`_place_positionals`),
and the top-level ``--hidden`` that takes no command's name for a width (:func:`no_command`).
Read by :mod:`chainrule.cli`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection

_VALUE = re.compile(r"^-([.]?[0-9]|(inf|infinity|nan)$)", re.IGNORECASE)
"""A word that starts with ``-`` and is a value, not an option (see :class:`Parser`):
``-1``, ``-.5``, ``-1e-3``, and ``-inf``, ``-infinity``, ``-nan`` (float's words)."""


class Parser(argparse.ArgumentParser):
    """An ArgumentParser to which a word that starts with a minus and a number is a value.

    argparse before Python 3.14 takes only ``-1`` and ``-.5`` (digits, a point) for
    negative numbers, and any other word that starts with ``-`` for an option:
    ``chainrule trace --input 0.5 -1e-3`` was refused as "unrecognized arguments: -1e-3",
    and ``--lr -1e-3`` as "expected one argument", not as a learning rate that is not
    > 0.  Here ``-`` followed by a digit, or by a point and a digit, is a value on every
    Python: no option of chainrule is spelt so.  So are ``-inf``, ``-infinity`` and
    ``-nan`` (any case): ``--lr -inf`` was "expected one argument", and ``evaluate -inf
    iris`` "the following arguments are required: DATA"; they now reach the option's
    check ("argument --lr: expected a finite number > 0, got '-inf'") or the file's.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = _VALUE


class CommandParser(Parser):
    """A command's parser, which reads nothing while ``skip`` is set (see :func:`parse_known`)."""

    skip = False
    #: Called with the parser and the command's words before argparse reads them, to
    #: refuse with a clearer message what argparse would refuse in its own words.
    words_check: Callable[[argparse.ArgumentParser, list[str]], None] | None = None

    def _get_formatter(self) -> argparse.HelpFormatter:
        """The formatter, showing :data:`POSITIONALS_AFTER_NAMES`' positionals as required."""
        command = self.prog.rpartition(" ")[2]
        names = POSITIONALS_AFTER_NAMES.get(command, ((), ()))[0]
        optional = OPTIONAL_POSITIONALS.get(command, ())
        return _required_words(self.formatter_class,
                               tuple(n for n in names if n not in optional))(prog=self.prog)

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self.skip:
            return argparse.Namespace() if namespace is None else namespace, []
        if self.words_check is not None and args is not None:
            self.words_check(self, list(args))
        return super().parse_known_args(args, namespace)


def parse_known(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """``parser.parse_args(argv)``, with an unknown argument refused by the parser it was given to.

    One given before the command (``chainrule --bogus train iris``) is the top-level
    parser's: its usage and ``chainrule: error: unrecognized arguments: --bogus``, before
    anything of the command is read (a missing DATA included).  argparse reports what a
    command did not recognise from the top-level parser too, whose usage lists the demo's
    options: ``chainrule train iris --bogus`` is refused here with ``train``'s usage and
    ``chainrule train: error: unrecognized arguments: --bogus``.
    """
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for command in commands.choices.values():
        command.skip = True
    try:  # the command's parser reads nothing: what is left was before the command
        _, before = parser.parse_known_args(argv)
    finally:
        for command in commands.choices.values():
            command.skip = False
    if before:
        parser.error(f"unrecognized arguments: {' '.join(before)}")
    args, extras = parser.parse_known_args(argv)
    names, lists = POSITIONALS_AFTER_NAMES.get(args.command, (None, ()))
    if names is not None:  # again, each word tagged with its place in argv
        args, extras = parser.parse_known_args([_Word(w, i) for i, w in enumerate(argv)])
        dashes = argv.index("--") if "--" in argv else None  # a word after it is no option
        extras = _place_positionals(args, extras, names, lists, dashes)
        for key, value in vars(args).items():
            setattr(args, key, _plain(value))
        missing = [name.upper() for name in names if getattr(args, name) is None
                   and name not in OPTIONAL_POSITIONALS.get(args.command, ())]
        if missing:  # in argparse's words, with the command's usage, as before
            commands.choices[args.command].error(
                f"the following arguments are required: {', '.join(missing)}")
    if extras:
        if args.command is not None:
            parser = commands.choices[args.command]
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


POSITIONALS_AFTER_NAMES = {"train": (("data",), ("target", "features", "categorical")),
                           "cv": (("data",), ("target", "features", "categorical")),
                           "tune": (("data",), ("target", "features", "categorical", "grid")),
                           "tune-threshold": (("data",), ("target", "features",
                                                          "categorical")),
                           "evaluate": (("model", "data"), ("target",)),
                           "importance": (("model", "data"), ("target",)),
                           "predict": (("model", "data"), ("keep",)),
                           "plot": (("data",), ())}
"""The commands whose positional arguments may follow the names of an option that takes
several (``--target NAME [NAME ...]``, ``--features NAME [NAME ...]``, ``--categorical
NAME [NAME ...]``), or another option
(``plot regions MODEL --target y DATA``): the positionals' names, in order (optional to
argparse: see :func:`_place_positionals`), and those options, in the order in which they
give their last names back."""

OPTIONAL_POSITIONALS = {"plot": ("data",)}
"""The positionals of :data:`POSITIONALS_AFTER_NAMES` that a command line may leave out
(plot loss and weights take no DATA): placed as the others, never refused as missing."""


def _required_words(formatter_class: type, names: tuple[str, ...]) -> type:
    """``formatter_class`` writing the positionals ``names`` (optional to argparse only so
    that they may follow a list option's names) as required ones: ``MODEL DATA`` in the
    usage, not argparse's ``[MODEL] [DATA]``, which said they may be left out."""
    class Formatter(formatter_class):  # type: ignore[misc, valid-type]
        def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
            if not action.option_strings and action.dest in names and action.nargs == "?":
                return str(self._metavar_formatter(action, default_metavar)(1)[0])
            return super()._format_args(action, default_metavar)

    return Formatter


class _Word(str):
    """A word of the command line that knows its place in it (``at``)."""

    at: int

    def __new__(cls, text: str, at: int) -> _Word:
        word = super().__new__(cls, text)
        word.at = at
        return word


def _plain(value: object) -> object:
    """``value`` with every :class:`_Word` in it (in lists and tuples) a plain str."""
    if isinstance(value, _Word):
        return str.__str__(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(v) for v in value)
    return value


def _place_positionals(args: argparse.Namespace, extras: list, names: tuple[str, ...],
                       lists: tuple[str, ...] = ("target",), dashes: int | None = None) -> list:
    """Give the positional arguments ``names`` the command's free words in their order.

    argparse takes the optional positionals (``nargs="?"``, so that ``--target a b``
    may swallow DATA) from the first run of free words only: ``evaluate MODEL --json
    DATA`` left DATA over ("unrecognized arguments"), and ``evaluate --target t MODEL
    --json DATA`` gave MODEL to --target and DATA to MODEL.  The words are the ones
    argparse gave the positionals, the free words it left over, and, where those are too
    few, the last names of the options ``lists`` (:func:`_last_names`), each at its place
    in the command line.  The free words are those argparse reads as values: "-", a word
    that does not start with ``-``, one that is a number or a value to :class:`Parser`
    (``-1.csv``), and every word after the ``--`` at ``dashes`` (its place in argv), which
    goes with the words after it that are taken.

    Returns
    -------
    list
        What is still left over (refused as unrecognized).
    """
    given = [getattr(args, name) for name in names if getattr(args, name) is not None]
    free = [w for w in extras if isinstance(w, _Word) and w.at != dashes and (
        w == "-" or not w.startswith("-") or _VALUE.match(w)
        or (dashes is not None and w.at > dashes))]
    taken = free[:len(names) - len(given)]
    tail = _last_names(args, lists, len(names) - len(given) - len(taken))
    words = sorted([*given, *taken, *tail], key=lambda w: getattr(w, "at", -1))
    for i, name in enumerate(names):
        setattr(args, name, words[i] if i < len(words) else None)
    if dashes is not None and any(w.at > dashes for w in taken):  # argparse's own "--"
        taken += [w for w in extras if getattr(w, "at", None) == dashes]
    return [w for w in extras if not any(w is t for t in taken)]


def _last_names(args: argparse.Namespace, lists: tuple[str, ...], short: int) -> list:
    """The (at most ``short``) words that the options ``lists`` swallowed from the
    positionals: the last names of the first of them (``--target``), then of the next
    (``--features``), each option keeping at least one name.  Where fewer than ``short``
    are there, those there are given back: ``evaluate --target y model.npz`` reads MODEL
    and is refused for its missing DATA alone, as when --target took one name.

    ``train --features a b DATA`` gave DATA to --features.  Where several options could
    give a name back (``train --target y1 y2 --features a b DATA``, ``train --target y1 y2
    DATA --features a b``: the same shape), an option whose last name is a file or a
    bundled data set gives first, then the options in their order, so that every command
    line read before --features gave any names back reads as it did.
    """
    values = [v for v in (getattr(args, name, None) for name in lists)
              if isinstance(v, list) and v]
    short = min(short, sum(len(v) - 1 for v in values))
    if short <= 0:
        return []
    if sum(len(v) > 1 for v in values) > 1:
        values.sort(key=lambda v: not _names_data(v[-1]))  # stable: the order of lists
    tail: list = []
    for v in values:
        n = min(short - len(tail), len(v) - 1)
        if n > 0:
            tail, v[-n:] = [*tail, *v[-n:]], []
    return tail


def _names_data(word: str) -> bool:
    """Whether ``word`` can be DATA: a path that is there, a bundled data set's name, or "-"
    (standard input, which train, predict and evaluate read a CSV file from)."""
    import os

    from .tabular import BUNDLED

    return word == "-" or word in BUNDLED or os.path.exists(word)


def no_command(width: Callable[[str], int], commands: Collection[str]) -> Callable[[str], int]:
    """``width`` (the type of the top-level --hidden), refusing the name of a command:
    ``chainrule --hidden 3 train iris`` was refused as "expected an integer >= 1, got
    'train'"."""
    def check(text: str) -> int:
        if text in commands:
            raise argparse.ArgumentTypeError(
                f"must come after the command: chainrule {text} --hidden N ...")
        return width(text)

    return check
