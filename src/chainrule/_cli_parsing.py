"""How the command line is read where argparse alone falls short.

The parser classes (:class:`Parser`, and :class:`CommandParser` of the commands), the
refusal of what argparse leaves over by the parser it was given to (:func:`parse_known`),
and the top-level ``--hidden`` that takes no command's name for a width (:func:`no_command`).
Read by :mod:`chainrule.cli`.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable, Collection


class Parser(argparse.ArgumentParser):
    """An ArgumentParser to which a word that starts with a minus and a number is a value.

    argparse before Python 3.14 takes only ``-1`` and ``-.5`` (digits, a point) for
    negative numbers, and any other word that starts with ``-`` for an option:
    ``chainrule trace --input 0.5 -1e-3`` was refused as "unrecognized arguments: -1e-3",
    and ``--lr -1e-3`` as "expected one argument", not as a learning rate that is not
    > 0.  Here ``-`` followed by a digit, or by a point and a digit, is a value on every
    Python: no option of chainrule is spelt so.
    """

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-[.]?[0-9]")


class CommandParser(Parser):
    """A command's parser, which reads nothing while ``skip`` is set (see :func:`parse_known`)."""

    skip = False

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        if self.skip:
            return argparse.Namespace() if namespace is None else namespace, []
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
    if extras:
        if args.command is not None:
            parser = commands.choices[args.command]
        parser.error(f"unrecognized arguments: {' '.join(extras)}")
    return args


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
