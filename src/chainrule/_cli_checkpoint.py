"""``chainrule train``'s checkpoints: ``--checkpoint``, ``--checkpoint-every``, ``--max-time``
and ``--resume``, for a run that must fit a cluster's time slots or survive an interruption.

A checkpoint (:mod:`chainrule.checkpoints`) holds the network and the trainer's state,
not how the command line prepared the data (columns, scaling, validation split).  The
command line keeps that in the checkpoint's notes (``checkpoint_notes`` of
:func:`chainrule.train`): the options that decide the run,
as they were resolved; the checkpoint itself records the arrays it trained on (their
shapes and SHA-256s, hashed once by the Trainer; older runs' notes hold one digest of
them all).  ``--resume``
prepares the data again from the same options and refuses to continue when an option
or the arrays differ, naming the option: a resumed run is then the uninterrupted one,
bit for bit (float64 data).  Those checks are in ``_cli_resume_checks`` and
``_cli_resume_data`` (importable from here).
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ._cli_args_files import refuse_stdout
from ._cli_args_rule import FULL_BATCH_OPTIMIZERS
from ._cli_resume_checks import check_options as check_options
from ._cli_resume_checks import check_resolved as check_resolved
from ._cli_resume_checks import fingerprint as fingerprint
from ._cli_resume_checks import resolved_loss as resolved_loss
from ._cli_resume_checks import resolved_options as resolved_options
from ._cli_resume_checks import run_options as run_options
from ._cli_resume_data import check_data as check_data
from .cli_args import _check_parent, _is_dir, _not_empty, positive_float, positive_int

if TYPE_CHECKING:
    from .training import Trainer

#: The exit status of ``chainrule train`` stopped by ``--max-time``: the run is not
#: finished, no model is written, and the same command with ``--resume`` continues it
#: (``--optimizer lbfgs``, which has no checkpoint: the model of its last iterate is).
EXIT_MAX_TIME = 3

#: The exit statuses of ``chainrule train`` (with or without ``--checkpoint``) stopped by
#: Ctrl-C (SIGINT) or SIGTERM before its last epoch: the shells' 128 + signal number.  The
#: model so far is written, but the run is not finished: a job loop must not take it for
#: one that is (with ``--checkpoint``, ``--resume`` continues it).
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM

# what a checkpoint's notes say they are, so that a checkpoint of a run started in
# Python (chainrule.train, which keeps no notes of the command line) is told apart
_NOTES_KIND = "chainrule train"


#: The :class:`SigtermAsCtrlC` whose block is running, the innermost last
#: (:func:`stopped_how`).
_ENTERED: list = []


class SigtermAsCtrlC:
    """For the block, SIGTERM does what Ctrl-C (SIGINT) does; the old handler is restored after.

    A cluster's scheduler ends a job with SIGTERM (then SIGKILL after a grace
    period), which by default kills the process at once.  Here, inside the
    training loop, it sets the loop's stop flag (stop after the batch,
    checkpoint the last complete epoch; a second one aborts), also where SIGINT
    is ignored (a background job of a shell script); elsewhere it calls the
    SIGINT handler in place at the time (a KeyboardInterrupt).  Installed by
    ``chainrule train`` only, in the main thread (where alone Python lets a
    handler be set); the library's
    :func:`chainrule.train` leaves a host program's SIGTERM alone.

    Attributes
    ----------
    received : bool
        Whether a SIGTERM arrived in the block.
    """

    def __init__(self) -> None:
        self.received = False
        self._old: object = None

    def __enter__(self) -> SigtermAsCtrlC:
        _ENTERED.append(self)
        # a SIGTERM the user chose to ignore (``trap '' TERM``) stays ignored, and one whose
        # handler was set from C (getsignal gives None) is left alone: it could not be put back
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) not in (signal.SIG_IGN, None)):
            self._old = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.received = True
        # the training loop's flag; none can be active before its module is imported (the
        # training modules are imported by the commands that train, not by every command)
        guards = sys.modules.get("chainrule._training_guards")
        flag = None if guards is None else guards._StopFlag.active
        if flag is not None:  # the training loop's, also where SIGINT is ignored or C's
            flag._handle(signal.SIGTERM, frame)  # it names the signal it got
            return
        handler = signal.getsignal(signal.SIGINT)
        if not callable(handler) or handler is signal.default_int_handler:
            raise KeyboardInterrupt
        handler(signal.SIGTERM, frame)  # the loop's flag names the signal it got

    def __exit__(self, *exc: object) -> None:
        if self in _ENTERED:
            _ENTERED.remove(self)
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
            self._old = None


def stopped_how() -> tuple[str, int]:
    """How a command stopped before its end says so, and its exit status: ``("stopped by
    SIGTERM", 143)`` where a SIGTERM arrived in a running :class:`SigtermAsCtrlC` block
    (the KeyboardInterrupt it raises is one of Ctrl-C's), else ``("interrupted", 130)``."""
    if any(s.received for s in _ENTERED):
        return "stopped by SIGTERM", EXIT_SIGTERM
    return "interrupted", EXIT_SIGINT


def checkpoint_path(text: str) -> Path:
    """argparse type of ``--checkpoint``: the file a run's checkpoints are written to.

    ``.npz`` is appended when missing (as :func:`chainrule.io.save` does).  A
    file already there must be a chainrule checkpoint: a model file, a data
    file or anything else would be overwritten by the first epoch's checkpoint.

    Returns
    -------
    Path
        The checkpoint file.

    Raises
    ------
    argparse.ArgumentTypeError
        For a directory, a folder that cannot be written in, a name the
        system refuses, or ``-`` (the standard output: a checkpoint is binary).
    """
    from . import io

    _not_empty(text, "run.ckpt.npz")
    refuse_stdout(text, "a checkpoint is an NPZ archive, written to a file every "
                  "--checkpoint-every epochs and read back by --resume", "run.ckpt.npz")
    given = Path(text)
    if text.endswith(("/", os.sep)) or _is_dir(given):
        raise argparse.ArgumentTypeError(
            f"{text} is a directory; give a file name, such as {given / 'run.ckpt.npz'}")
    path = io.file_path(given)
    if _is_dir(path):
        raise argparse.ArgumentTypeError(f"{path} is a directory; give a file name")
    _check_parent(path)
    return path


checkpoint_path.__name__ = "checkpoint"


class _CheckpointOption(argparse.Action):
    """``--checkpoint``: the file :func:`checkpoint_path` gives, and the name as given
    (``checkpoint_given``), whose content :func:`check_checkpoint_options` checks.

    A file that is there and is no checkpoint is a bad file, refused in one line as
    every other bad file is, not a bad option value shown under argparse's usage.
    """

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        try:
            path = checkpoint_path(str(values))
        except argparse.ArgumentTypeError as exc:
            raise argparse.ArgumentError(self, str(exc)) from None
        setattr(namespace, self.dest, path)
        namespace.checkpoint_given = Path(str(values))


def _check_existing(path: Path, given: Path) -> None:
    """Refuse ``--checkpoint`` when the file there (as given or with ``.npz``) is no
    checkpoint: the run's first checkpoint would overwrite it."""
    from . import io
    from .checkpoints import CHECKPOINT_FORMAT

    for existing in dict.fromkeys((given, path)):  # data.csv as well as data.csv.npz
        if existing.exists():
            try:
                io.read_file(existing, CHECKPOINT_FORMAT)
            except PermissionError:  # may be a sound checkpoint: "PATH: Permission denied"
                raise
            except (ValueError, OSError) as exc:
                raise ValueError(
                    f"--checkpoint {existing}: the file exists and is not a chainrule "
                    f"checkpoint ({exc}); the run's checkpoints would overwrite it: give "
                    "another file name") from None


def add_checkpoint_args(p: argparse.ArgumentParser) -> None:
    """``--checkpoint``, ``--checkpoint-every``, ``--max-time`` and ``--resume`` of train."""
    p.add_argument("--checkpoint", action=_CheckpointOption, metavar="PATH",
                   help="write the run's state (network, optimizer, epoch, random state, "
                   "history, and how the data were prepared) to PATH (.npz is appended) every "
                   "--checkpoint-every epochs and at the end; an existing checkpoint is "
                   "continued with --resume, never overwritten by a new run")
    p.add_argument("--checkpoint-every", type=positive_int, default=None, metavar="N",
                   dest="checkpoint_every",
                   help="epochs between checkpoints (default: 1)")
    p.add_argument("--max-time", type=positive_float, default=None, metavar="SECONDS",
                   dest="max_time",
                   help="time budget of this command's training, counted from its first "
                   "batch (reading the data and the checkpoint, and building the network, "
                   "are not counted: leave the slot a margin for them), checked after each "
                   "mini-batch (needs --checkpoint): once spent, training stops, no model "
                   "is written, the checkpoint holds the last complete epoch, and the "
                   "command exits with "
                   f"status {EXIT_MAX_TIME} (status 2 when not one epoch finished in it: "
                   "the same command could never go further); with --optimizer lbfgs "
                   "(no --checkpoint) checked after each iteration: once spent, L-BFGS "
                   "stops at that iterate, whose model is written, and the command exits "
                   f"with status {EXIT_MAX_TIME}")
    p.add_argument("--resume", action="store_true",
                   help="continue the run in --checkpoint PATH, with the data prepared as "
                   "at its start (the options must be the run's; --epochs may extend it); "
                   "without a checkpoint there yet, start a new run. So one command serves "
                   "the first time slot and every later one: repeat it while it exits "
                   f"with status {EXIT_MAX_TIME}")


def check_checkpoint_options(args: argparse.Namespace) -> dict | None:
    """Check the checkpoint options before any data are read; the run to continue, if any.

    Returns
    -------
    dict or None
        ``{"notes": ..., "epoch": int, "epochs": int}`` of the checkpoint that
        ``--resume`` continues; None for a new run.

    Raises
    ------
    ValueError
        For ``--resume``, ``--checkpoint-every`` or ``--max-time`` (but with
        ``--optimizer lbfgs``) without ``--checkpoint``, a file at
        ``--checkpoint`` that is no checkpoint (a model, data, a damaged
        checkpoint), an existing checkpoint without
        ``--resume``, a
        checkpoint the command line did not write, ``--epochs`` below the
        epochs it has trained, or ``-o/--out`` naming the checkpoint.
    """
    from . import io
    from .checkpoints import CHECKPOINT_FORMAT

    path = args.checkpoint
    if path is None:
        for option, given in (("--resume", args.resume),
                              ("--checkpoint-every", args.checkpoint_every is not None),
                              # lbfgs ...: a budget of its own run (no checkpoint)
                              ("--max-time", args.max_time is not None
                               and getattr(args, "optimizer", None)
                               not in FULL_BATCH_OPTIMIZERS)):
            if given:
                why = (" (a run stopped by it continues from its checkpoint)"
                       if option == "--max-time" else "")
                raise ValueError(f"{option} needs --checkpoint PATH{why}")
        return None
    _check_existing(path, getattr(args, "checkpoint_given", path))
    if os.path.realpath(args.out) == os.path.realpath(path):
        raise ValueError(f"-o/--out {args.out}: that is the --checkpoint file; the model "
                         "would overwrite the run's checkpoint: give another file name")
    if not path.exists():
        if args.resume:
            print(f"chainrule train: --resume: no checkpoint {path} yet; starting a new run",
                  file=sys.stderr)
        return None
    meta, _ = io.read_file(path, CHECKPOINT_FORMAT)  # checked by the type: a checkpoint
    record = meta.get("trainer")  # a damaged one is refused by Trainer.from_checkpoint
    epoch, epochs = meta.get("epoch"), record.get("epochs") if isinstance(record, dict) else None
    if not args.resume:
        raise ValueError(
            f"--checkpoint {path}: holds a run already (after epoch {epoch} of {epochs}); "
            "add --resume to continue it"
            + (", the same data piped to it again" if args.data == "-" else "")
            + ", or give another file name (or remove it) to start a new run")
    notes = meta.get("notes")
    if not (isinstance(notes, dict) and notes.get("kind") == _NOTES_KIND
            and isinstance(notes.get("options"), dict)):
        raise ValueError(
            f"--checkpoint {path}: a checkpoint of a run started in Python, which does not "
            "record how chainrule train prepares the data; continue it with "
            f"chainrule.resume({str(path)!r}, X, Y)")
    if isinstance(epoch, int) and args.epochs < epoch:
        raise ValueError(
            f"--epochs {args.epochs}: the run in {path} has already trained {epoch} epochs; "
            "--epochs is the total to reach and cannot be below that")
    return {"notes": notes, "epoch": epoch, "epochs": epochs}


def resumed_trainer(args: argparse.Namespace, resolved: dict) -> Trainer:
    """The :class:`~chainrule.training.Trainer` of the run that ``--resume`` continues.

    Its notes go on as the run wrote them (its options as it was started with
    them, which the model file records, and its data's name), with the resolved
    options added when the run had none recorded.

    Parameters
    ----------
    args : argparse.Namespace
        The command's options; ``--checkpoint`` names the run (checked by
        :func:`check_checkpoint_options`, :func:`check_options`,
        :func:`check_resolved` and :func:`check_data`).
    resolved : dict
        :func:`resolved_options` of the command.
    """
    from .training import Trainer

    trainer = Trainer.from_checkpoint(args.checkpoint, epochs=args.epochs,
                                      verbose=0 if args.quiet else 1, max_time=args.max_time)
    trainer._refit = False  # fit once: an interrupted run goes on from its checkpoint
    if (trainer.sample_weighted and trainer.class_weight is not None
            and getattr(args, "sample_weight", None) is None):
        # a run without --sample-weight: a class-weighted run's checkpoint of 10bb02a ..
        # dd47e90 recorded its class weights as such; the resumed run applies them again
        trainer.sample_weighted = False
    if args.checkpoint_every is not None:
        trainer.checkpoint_every = args.checkpoint_every
    notes = trainer.checkpoint_notes
    trainer.checkpoint_notes = {**notes, "resolved": notes.get("resolved", resolved)}
    return trainer


def train_options(args: argparse.Namespace, settings: dict, digest: str | None,
                  resolved: dict, val_sha256: str | None = None,
                  shape_from_data: bool = False) -> dict:
    """The checkpoint options of :func:`chainrule.train` for a new run ({} without one).

    Parameters
    ----------
    args : argparse.Namespace
    settings : dict
        :func:`run_options` of the options, which the checkpoint's notes record.
    digest : str or None
        What :func:`check_data` returned.
    resolved : dict
        :func:`resolved_options`, which the notes record too.
    val_sha256 : str or None
        The SHA-256 of the ``--val-data`` file (None without one), recorded for
        :func:`check_data`.
    shape_from_data : bool
        Whether ``--input-shape`` was taken from the images of DATA (none typed), which
        the notes record (``input_shape_from_data``) for the refusal of another shape.
    """
    if args.checkpoint is None:
        return {}
    return {"checkpoint": args.checkpoint, "checkpoint_every": args.checkpoint_every or 1,
            "max_time": args.max_time,
            "checkpoint_notes": {"kind": _NOTES_KIND, "options": settings,
                                 "resolved": resolved, "data": str(args.data),
                                 "val_fraction": args.val_fraction, "data_sha256": digest,
                                 **({"val_data_sha256": val_sha256} if val_sha256 else {}),
                                 **({"input_shape_from_data": shape_from_data}
                                    if settings.get("input_shape") is not None else {})}}
