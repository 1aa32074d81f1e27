"""``chainrule graph``: backprop on a graph of scalars, every node shown.

``chainrule graph "q = x + y; f = q * z" --values x=-2,y=5,z=-4`` builds the graph of the
expression (:func:`chainrule.scalar.build`: Python's ast through a whitelist, never
eval), runs the backward pass and prints every node forward and backward
(:func:`chainrule.scalar.trace`).  The parser is built without importing
:mod:`chainrule.scalar`: ``chainrule --help`` does not load it.
"""

from __future__ import annotations

import argparse

from ._cli_args_files import picture_named
from .cli_args import print_written

__all__ = ["add_parser"]

_FORMATS = ("text", "markdown", "json")


def _digits(text: str) -> int:
    """argparse type of ``--digits``: an int from 1 to 17."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be an int from 1 to 17, got {text!r}") from None
    if not 1 <= value <= 17:
        raise argparse.ArgumentTypeError(f"must be an int from 1 to 17, got {value}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register ``graph`` on the main parser's subcommands (``handler`` default).

    Parameters
    ----------
    sub : argparse._SubParsersAction
        What the main parser's ``add_subparsers`` returned.
    """
    p = sub.add_parser(
        "graph", help="backprop on a graph of scalars: every node's value and gradient",
        description="Build the computational graph of EXPR from the named --values, run "
        "the backward pass, and print every node: its value forward, and backward each use's "
        "local gradient x upstream gradient, summed where a node is used several times "
        "(cs231n's 'Backpropagation, intuitions', micrograd's Value).  EXPR is parsed "
        "with Python's ast, never evaluated: numbers, the names given values, + - * / ** "
        "(a number exponent), unary -, exp, log, tanh, sigmoid, relu; 'name = ...' "
        "statements separated by ';' name intermediate nodes, the last is the root.",
        epilog="example: chainrule graph 'q = x + y; f = q * z' --values x=-2,y=5,z=-4")
    p.add_argument("expr", metavar="EXPR",
                   help="the expression, e.g. '(x + y) * z' or 'q = x + y; f = q * z'")
    p.add_argument("--values", required=True, metavar="NAME=NUMBER,...",
                   help="the inputs, e.g. x=-2,y=5,z=-4 (every name EXPR uses, each once)")
    p.add_argument("--format", choices=_FORMATS, default="text",
                   help="text (default), markdown or json (every number at full precision)")
    p.add_argument("--digits", type=_digits, default=6,
                   help="significant digits of text and markdown (default: 6)")
    p.add_argument("--plot", type=picture_named("graph.png"), metavar="PNG",
                   help="also draw the graph, each node with its data and grad")
    p.set_defaults(handler=_graph)


def _graph(args: argparse.Namespace) -> int:
    from .scalar import build, parse_values, trace

    values = parse_values(args.values)
    try:
        root = build(args.expr, values)
        t = trace(root, digits=args.digits)
    except ArithmeticError as exc:
        # x / y at y = 0, 0 ** -1, exp(1000): EXPR is undefined or overflows at the values
        # given, a refusal of the input (exit 2, as log of 0 is), not a failure of the run
        raise ValueError(f"--values {args.values}: {exc}") from None
    print({"text": t.text, "markdown": t.markdown, "json": t.to_json}[args.format]())
    if args.plot is not None:
        path = t.plot(args.plot)
        print_written(f"graph written to {path}", path)
    return 0
