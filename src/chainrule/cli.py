"""Command line: parses, calls the library, prints.  Nothing else lives here.

``chainrule`` with no arguments runs the demo: train on the bundled digits,
print the held-out test accuracy and write a PNG of the loss per epoch.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import TextIO

import numpy as np

from ._cli_args_optimizer import add_rule_options, rule_options, trainer_rule
from ._cli_failures import _diverged, _out_of_memory, _too_large
from ._cli_parsing import CommandParser, Parser, no_command, parse_known
from .cli_args import (
    OPTIMIZER_NAMES,
    fraction,
    hidden_activation_name,
    optimizer_name,
    optimizer_settings,
    picture_path,
    positive_float,
    positive_int,
    print_written,
    seed_int,
)

__all__ = ["main"]


# Options of the demo given before any command (``chainrule --epochs 1``) are parsed by the
# top-level parser into these destinations: a subcommand's defaults would otherwise overwrite
# them unseen (``chainrule --epochs 3 train`` trained 100 epochs).
_BEFORE = "before command:"


def _add_demo_args(p: argparse.ArgumentParser, before_command: bool = False) -> None:
    """The demo's options; ``before_command``: the top-level copies (no defaults, own names)."""

    def add(*flags: str, **kwargs: object) -> None:
        if before_command:
            name = flags[-1].lstrip("-").replace("-", "_")
            kwargs.update(dest=_BEFORE + flags[-1], default=argparse.SUPPRESS)
            if kwargs.get("action") != "store_true":
                kwargs.setdefault("metavar", name.upper())
        p.add_argument(*flags, **kwargs)

    add("--hidden", type=positive_int, nargs="+", default=[100], metavar="N",
        help="hidden layer widths (default: 100)")
    add("--activation", type=hidden_activation_name, default="relu",
        help="hidden activation: identity, sigmoid, tanh, lecun_tanh, relu, leaky_relu, elu, "
             "gelu, silu, softplus, exp, square, or one registered with "
             "chainrule.register_activation before calling chainrule.cli.main from Python "
             "(default: relu)")
    add("--optimizer", type=optimizer_name, default="sgd", metavar="NAME",
        help=f"{', '.join(OPTIMIZER_NAMES)} (default: sgd)")
    add("--lr", type=positive_float, default=0.1, help="learning rate (default: 0.1)")
    add("--momentum", type=fraction, default=None,
        help="momentum of sgd/gd/nesterov (default: 0.9) or of rmsprop "
             "(PyTorch's RMSprop momentum; default: none)")
    add("--batch-size", type=positive_int, default=None,
        help="mini-batch size, for every optimizer but gd (default: 32); at least "
             "the training rows' count: one batch of all rows, full batch as gd's")
    add_rule_options(p, add)  # --amsgrad, --dampening ...: each of some rules only
    add("--epochs", type=positive_int, default=60, help="epochs (default: 60)")
    add("--seed", type=seed_int, default=0, help="random seed (default: 0)")
    add("--plot", type=picture_path, default="chainrule-loss.png", metavar="PNG",
        help="where to write the loss curve (default: chainrule-loss.png)")
    add("-q", "--quiet", action="store_true",
        help="no progress bar (no line per epoch when stderr is a file)")


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line; the demo's options without a command are the demo's.

    An option of the demo given before a command (``chainrule --epochs 3 train``) is
    refused: the command has its own, which would silently take its place.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parse_known(parser, argv)
    early = [k[len(_BEFORE):] for k in vars(args) if k.startswith(_BEFORE)]
    if args.command is None:
        return parse_known(parser, ["demo", *argv])
    if early:
        option = early[0]
        flags = ("-q", "--quiet") if option == "--quiet" else (option,)
        typed = next((a.partition("=")[0] for a in argv if a.partition("=")[0] in flags), option)
        value = getattr(args, _BEFORE + option)
        shown = "" if value is True else " " + " ".join(
            map(str, value if isinstance(value, list) else [value]))
        parser.error(f"{typed} must come after the command: chainrule {args.command} "
                     f"{typed}{shown} ...")
    return args


def _demo(args: argparse.Namespace) -> int:
    from ._cli_checkpoint import stopped_how
    from .datasets import load_digits_split
    from .network import mlp
    from .plots import plot_loss
    from .training import train

    steps = optimizer_settings(args.optimizer, args.momentum, args.batch_size,
                               **rule_options(args))
    data = load_digits_split(seed=args.seed)
    sizes = [data.n_features, *args.hidden, data.n_classes]
    net = mlp(sizes, hidden=args.activation, output="softmax", seed=args.seed)
    print(
        f"digits: {len(data.y_train)} training, {len(data.y_val)} validation, "
        f"{len(data.y_test)} held-out test images of 8x8 pixels"
    )
    print(net.summary())
    start = time.perf_counter()
    history = train(
        net, data.X_train, data.y_train, **trainer_rule(args.optimizer, args.lr, steps),
        batch_size=steps["batch_size"],
        epochs=args.epochs, seed=args.seed, verbose=0 if args.quiet else 1,
        validation_data=(data.X_val, data.y_val),
    )
    seconds = time.perf_counter() - start
    # Ctrl-C stopped the run before its last epoch: what was trained is shown, and the
    # status is 130 (128 + SIGINT), as chainrule train's, not that of a finished demo
    interrupted = history.stop_reason == "interrupted" and history.epochs < args.epochs
    how, status = stopped_how()  # Ctrl-C's words and status, or SIGTERM's
    if history.epochs == 0:  # not one epoch complete: no loss, no accuracy to report
        print(f"chainrule: {how} during epoch 1; no epoch to report", file=sys.stderr)
        return status
    accuracy = float(np.mean(net.predict(data.X_test).argmax(axis=1) == data.y_test))
    print(
        f"trained {history.epochs} epochs in {seconds:.2f} s: training loss "
        f"{history.loss[-1]:.4f}, validation loss {history.val_loss[-1]:.4f}, "
        f"validation accuracy {history.val_accuracy[-1]:.2%}"
    )
    print(f"test accuracy: {accuracy:.2%} ({len(data.y_test)} held-out images)")
    path = plot_loss(history, args.plot, title=f"chainrule on digits: {'-'.join(map(str, sizes))}")
    print_written(f"loss curve written to {path}", path)
    if interrupted:
        print(f"chainrule: {how} after epoch {history.epochs} of {args.epochs}",
              file=sys.stderr)
        return status
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="chainrule",
        description="Feed-forward networks trained by backpropagation. With no command, "
        "runs the demo: trains on the bundled digits, prints the test accuracy and "
        "writes a loss-curve PNG.",
    )
    _add_demo_args(parser, before_command=True)
    from . import __version__

    parser.add_argument("--version", action="version", version=f"chainrule {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandParser)
    demo = sub.add_parser("demo", help="train on the bundled digits (the default)",
                          description="Train an MLP on scikit-learn's digits, print the "
                          "held-out test accuracy, write a PNG of the loss per epoch. "
                          "Ctrl-C stops training after the mini-batch, reports the epochs "
                          "trained and exits with status 130 (SIGTERM: the same, 143).")
    _add_demo_args(demo)
    from ._cli_hessian import add_parser as add_hessian_parser
    from .cli_gradcheck import add_parser as add_gradcheck_parser
    from .cli_models import add_parsers as add_model_parsers
    from .cli_teaching import add_parsers as add_teaching_parsers

    add_gradcheck_parser(sub)  # gradcheck (sets args.handler)
    add_hessian_parser(sub)  # hessian: a model file's curvature (sets args.handler)

    add_model_parsers(sub)  # train, cv, evaluate, importance, predict, info, plot
    add_teaching_parsers(sub)  # trace, graph, perceptron, select, experiment (args.handler)
    # --hidden before a command takes every word up to the next option, the command's
    # name among them: that is the command, not a width the option was given
    hidden = next(a for a in parser._actions if a.dest == _BEFORE + "--hidden")
    hidden.type = no_command(hidden.type, sub.choices)
    return parser



class _Stdout:
    """Standard output (or error) that, once its reader has gone, drops what is printed.

    ``chainrule train ... | head -1`` closes the pipe after one line; the next
    write raises BrokenPipeError, which used to abort the command before it
    wrote its model (``2>&1 | head -1``: a write of the progress on stderr
    too).  Following Python's advice for SIGPIPE (the ``signal`` module's
    documentation), the descriptor is pointed at ``os.devnull`` so that nothing
    more fails, the flush at exit included; the command goes on with its real
    work and :func:`main` exits with status 1, as Python does on EPIPE.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.broken = False

    def write(self, text: str) -> int:
        if not self.broken:
            try:
                return self.stream.write(text)
            except BrokenPipeError:
                self._drop()
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if not self.broken:
            try:
                self.stream.flush()
            except BrokenPipeError:
                self._drop()

    def _drop(self) -> None:
        self.broken = True
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            try:
                os.dup2(devnull, self.stream.fileno())
            finally:
                os.close(devnull)
        except (OSError, ValueError):  # a stream without a descriptor: nothing to redirect
            pass

    @property
    def buffer(self) -> _StdoutBytes:
        """The byte stream beneath, with the same care (``predict -o -`` writes there);
        none (AttributeError) where the stream has none, an ``io.StringIO`` put in place
        of ``sys.stdout``, which is then written as text, as without this wrapper."""
        if getattr(self.stream, "buffer", None) is None:
            raise AttributeError(f"{type(self.stream).__name__!r} object has no byte buffer")
        return _StdoutBytes(self)

    def __getattr__(self, name: str) -> object:
        return getattr(self.stream, name)


class _StdoutBytes:
    """:class:`_Stdout`'s byte buffer: bytes written once the reader has gone are dropped
    as its text is (the command goes on, and exits with status 1)."""

    def __init__(self, owner: _Stdout) -> None:
        self.owner = owner

    def write(self, data: bytes) -> int:
        owner = self.owner
        if not owner.broken:
            try:
                return owner.stream.buffer.write(data)
            except BrokenPipeError:
                owner._drop()
        return len(data)

    def flush(self) -> None:
        owner = self.owner
        if not owner.broken:
            try:
                owner.stream.buffer.flush()
            except BrokenPipeError:
                owner._drop()


def _warning_line(message: Warning | str, category: type[Warning], filename: str,
                  lineno: int, line: str | None = None) -> str:
    """A warning as the command line shows it: ``chainrule: warning: MESSAGE``, one line.

    Python's default (``<frozen runpy>:88: UserWarning: ...``, or a path and a
    line number inside the library) speaks to a programmer; :func:`main` puts
    this one in place of :func:`warnings.formatwarning` for its call.  Nothing
    is filtered here: :func:`_once` leaves out a repeat of the same line.
    """
    return f"chainrule: warning: {' '.join(str(message).split())}\n"


def _once(show: Callable[..., None]) -> Callable[..., None]:
    """``show`` (:func:`warnings.showwarning`) saying each warning's text once per command.

    Python shows a warning once per place in the code (its "default" action), but the
    ``warnings.catch_warnings`` blocks of the scoring forget the places seen: cv's and
    tune's folds would repeat the same advice (weight averaging's decay too slow for the
    steps) once per fold and combination.  A line said before in this command is not
    said again; every other warning is shown as Python would show it.
    """
    said: set[str] = set()

    def showwarning(message, category, filename, lineno, file=None, line=None):
        text = f"{category.__name__}: {message}"
        if text not in said:
            said.add(text)
            show(message, category, filename, lineno, file, line)

    return showwarning


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``chainrule`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name; by default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 on success.
    """
    from ._tabular_text import stdin_read_once

    args = _parse(argv)
    formatwarning = warnings.formatwarning  # for this call only: a host's is given back
    showwarning = warnings.showwarning
    warnings.formatwarning, warnings.showwarning = _warning_line, _once(showwarning)
    try:
        with stdin_read_once():  # DATA - read again (predict --keep): the text read first
            return _run(args)
    finally:
        warnings.formatwarning, warnings.showwarning = formatwarning, showwarning


def _run(args: argparse.Namespace) -> int:
    """Run the parsed command; the exit code (errors: one line on stderr).

    SIGTERM does what Ctrl-C does, in every command (``train`` has its own
    handler, which takes over in its block): the command unwinds, so that the
    hidden temporary file of a write in progress is removed (the file there
    before stays), and the status is 143 (128 + SIGTERM) in place of Ctrl-C's 130.
    """
    from ._cli_checkpoint import EXIT_SIGINT, EXIT_SIGTERM, SigtermAsCtrlC

    command = getattr(args, "handler", None) or _demo
    stdout = sys.stdout = _Stdout(sys.stdout)
    # stderr too (train's progress, notes, the written line): "2>&1 | head -1" gone
    stderr = sys.stderr = sys.stderr if sys.stderr is None else _Stdout(sys.stderr)
    sigterm = SigtermAsCtrlC()
    try:
        with sigterm:
            code = command(args)
        stdout.flush()  # a reader gone before the end is found here, not at exit
        if sigterm.received and code in (0, EXIT_SIGINT):  # stopped (gracefully) by SIGTERM
            return EXIT_SIGTERM
        broken = stdout.broken or (stderr is not None and stderr.broken)
        return 1 if broken and code == 0 else code
    except (ValueError, TypeError, OSError, ArithmeticError, KeyError) as exc:
        # one line, no traceback: bad files, columns, values and options (exit 2, as argparse)
        message = str(exc) if not isinstance(exc, KeyError) else f"missing {exc}"
        if isinstance(exc, ArithmeticError):
            message = _diverged(exc, args) or message
        if isinstance(exc, ValueError):  # NumPy's "Maximum allowed dimension exceeded"
            message = _too_large(exc, args) or message
        if isinstance(exc, OSError) and exc.strerror and exc.filename:
            message = f"{exc.filename}: {exc.strerror}"
        print(f"chainrule: error: {' '.join(message.split())}", file=sys.stderr)
        return 1 if isinstance(exc, ArithmeticError) else 2
    except MemoryError as exc:
        # a size typed with a few zeros too many (--hidden 1000000000, a layer's fan_out):
        # one line, as for any other value the command cannot work with
        print(f"chainrule: error: {_out_of_memory(exc, args)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        if sigterm.received:
            print("chainrule: stopped by SIGTERM", file=sys.stderr)
            return EXIT_SIGTERM
        print("chainrule: interrupted", file=sys.stderr)
        return EXIT_SIGINT
    finally:
        sys.stdout = stdout.stream
        sys.stderr = stderr if stderr is None else stderr.stream


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
