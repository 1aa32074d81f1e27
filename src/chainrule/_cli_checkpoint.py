"""``chainrule train``'s checkpoints: ``--checkpoint``, ``--checkpoint-every``, ``--max-time``
and ``--resume``, for a run that must fit a cluster's time slots or survive an interruption.

A checkpoint (:mod:`chainrule.checkpoints`) holds the network and the trainer's state,
not how the command line prepared the data (columns, scaling, validation split).  The
command line keeps that in the checkpoint's notes (``checkpoint_notes`` of
:func:`chainrule.train`): the options that decide the run,
as they were resolved, and a SHA-256 of the arrays it trained on.  ``--resume``
prepares the data again from the same options and refuses to continue when an option
or the arrays differ, naming the option: a resumed run is then the uninterrupted one,
bit for bit (float64 data).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .callbacks import Callback
from .cli_args import _check_parent, _is_dir, _not_empty, positive_float, positive_int

if TYPE_CHECKING:
    from .training import Trainer

#: The exit status of ``chainrule train`` stopped by ``--max-time``: the run is not
#: finished, no model is written, and the same command with ``--resume`` continues it.
EXIT_MAX_TIME = 3

#: The exit statuses of ``chainrule train --checkpoint`` stopped by Ctrl-C (SIGINT) or
#: SIGTERM: the shells' 128 + signal number.  The model so far is written, but the run
#: is not finished: a job loop must not take it for one that is (``--resume`` continues).
EXIT_SIGINT, EXIT_SIGTERM = 128 + signal.SIGINT, 128 + signal.SIGTERM

# what a checkpoint's notes say they are, so that a checkpoint of a run started in
# Python (chainrule.train, which keeps no notes of the command line) is told apart
_NOTES_KIND = "chainrule train"

# the options that decide a run (--epochs aside, which --resume may change), by their
# attribute in the parsed arguments, as the notes record them once resolved
_RUN_OPTIONS = {
    "target": "--target", "features": "--features", "task": "--task",
    "hidden": "--hidden", "activation": "--activation", "dropout": "--dropout",
    "layers": "--layers", "input_shape": "--input-shape", "output": "--output",
    "loss": "--loss", "init": "--init", "optimizer": "--optimizer", "lr": "--lr",
    "momentum": "--momentum", "batch_size": "--batch-size", "weight_decay": "--weight-decay",
    "schedule": "--schedule", "patience": "--patience", "scale": "--scale", "seed": "--seed",
    "class_weight": "--class-weight",
}


class SigtermAsCtrlC:
    """For the block, SIGTERM does what Ctrl-C (SIGINT) does; the old handler is restored after.

    A cluster's scheduler ends a job with SIGTERM (then SIGKILL after a grace
    period), which by default kills the process at once.  Here it calls the
    SIGINT handler in place at the time: inside the training loop its stop
    flag (stop after the batch, checkpoint the last complete epoch), elsewhere
    a KeyboardInterrupt.  Installed by ``chainrule train`` only, in the main
    thread (where alone Python lets a handler be set); the library's
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
        # a SIGTERM the user chose to ignore (``trap '' TERM``) stays ignored, and one whose
        # handler was set from C (getsignal gives None) is left alone: it could not be put back
        if (threading.current_thread() is threading.main_thread()
                and signal.getsignal(signal.SIGTERM) not in (signal.SIG_IGN, None)):
            self._old = signal.signal(signal.SIGTERM, self._handle)
        return self

    def _handle(self, signum: int, frame: object) -> None:
        self.received = True
        handler = signal.getsignal(signal.SIGINT)
        if not callable(handler) or handler is signal.default_int_handler:
            raise KeyboardInterrupt
        handler(signal.SIGTERM, frame)  # the loop's flag names the signal it got

    def __exit__(self, *exc: object) -> None:
        if self._old is not None:
            signal.signal(signal.SIGTERM, self._old)
            self._old = None


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
        For a directory, an existing file that is no checkpoint, a folder that
        cannot be written in, or a name the system refuses.
    """
    from . import io
    from .checkpoints import CHECKPOINT_FORMAT

    _not_empty(text, "run.ckpt.npz")
    given = Path(text)
    if text.endswith(("/", os.sep)) or _is_dir(given):
        raise argparse.ArgumentTypeError(
            f"{text} is a directory; give a file name, such as {given / 'run.ckpt.npz'}")
    path = io.file_path(given)
    if _is_dir(path):
        raise argparse.ArgumentTypeError(f"{path} is a directory; give a file name")
    for existing in dict.fromkeys((given, path)):  # data.csv as well as data.csv.npz
        if existing.exists():
            try:
                io.read_file(existing, CHECKPOINT_FORMAT)
            except (ValueError, OSError) as exc:
                raise argparse.ArgumentTypeError(
                    f"{existing} exists and is not a chainrule checkpoint ({exc}); the run's "
                    "checkpoints would overwrite it: give another file name") from None
    _check_parent(path)
    return path


checkpoint_path.__name__ = "checkpoint"


def add_checkpoint_args(p: argparse.ArgumentParser) -> None:
    """``--checkpoint``, ``--checkpoint-every``, ``--max-time`` and ``--resume`` of train."""
    p.add_argument("--checkpoint", type=checkpoint_path, metavar="PATH",
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
                   "the same command could never go further)")
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
        For ``--resume``, ``--checkpoint-every`` or ``--max-time`` without
        ``--checkpoint``, an existing checkpoint without ``--resume``, a
        checkpoint the command line did not write, ``--epochs`` below the
        epochs it has trained, or ``-o/--out`` naming the checkpoint.
    """
    from . import io
    from .checkpoints import CHECKPOINT_FORMAT

    path = args.checkpoint
    if path is None:
        for option, given in (("--resume", args.resume),
                              ("--checkpoint-every", args.checkpoint_every is not None),
                              ("--max-time", args.max_time is not None)):
            if given:
                why = (" (a run stopped by it continues from its checkpoint)"
                       if option == "--max-time" else "")
                raise ValueError(f"{option} needs --checkpoint PATH{why}")
        return None
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
            "add --resume to continue it, or give another file name (or remove it) to start "
            "a new run")
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


def run_options(args: argparse.Namespace, steps: dict) -> dict:
    """The options that decide a run, resolved (``steps``: :func:`optimizer_settings`)."""
    options = {name: getattr(args, name) for name in _RUN_OPTIONS}
    options.update(steps)  # the momentum and batch size the rule uses (defaults filled in)
    return json.loads(json.dumps(options))  # as the checkpoint's JSON gives them back


def _shown(option: str, value: object) -> str:
    if value is None:
        return f"no {option}"
    if isinstance(value, list) and not any(isinstance(v, (dict, list)) for v in value):
        return f"{option} {' '.join(map(str, value))}"
    if isinstance(value, (dict, list)):
        return f"{option} '{json.dumps(value)}'"
    return f"{option} {value}"


def _refuse(path: Path, option: str, recorded: object, given: object) -> ValueError:
    return ValueError(
        f"{option}: the run in {path} was started with {_shown(option, recorded)}, got "
        f"{_shown(option, given)}; give the run's options again to continue it (--epochs "
        "may extend it), or another --checkpoint to start a new run")


def _schedule(spec: object) -> object:
    """A --schedule as it decides the run: every setting, defaults filled in (no
    --schedule, "constant" and '{"name": "constant"}' are one schedule)."""
    from .schedules import get_schedule

    if spec is None:
        spec = "constant"
    given = {"name": spec} if isinstance(spec, str) else spec
    if not isinstance(given, dict):
        return spec
    try:  # the run's epochs are not known here: "cosine" without T_max anneals over them
        config = get_schedule(dict(given), epochs=1).get_config()
    except (TypeError, ValueError):
        return spec
    if config.get("name") == "cosine" and "T_max" not in given:
        config["T_max"] = "epochs"
    return config


def _decisive(options: dict) -> dict:
    """``options`` (:func:`run_options`) as they decide the run: --activation of an MLP
    without hidden layers (a linear model) has none to apply to, one name per hidden
    layer, all the same, is that one name for every layer, and a --schedule is its
    settings, defaults filled in."""
    options = dict(options)
    activation = options.get("activation")
    if options.get("layers") is None and isinstance(activation, list):
        if options.get("hidden") == []:
            options["activation"] = None
        elif activation and activation.count(activation[0]) == len(activation):
            options["activation"] = activation[:1]
    options["schedule"] = _schedule(options.get("schedule"))
    return options


# the options whose meaning only the data tell (the task and output by the target, the
# loss by the output, the last column as target, a batch of all the training rows, the
# classes that the keys of --class-weight name): compared once resolved, by
# check_resolved, when the run recorded them so
_RESOLVED = ("task", "output", "loss", "target", "batch_size", "class_weight")


def check_options(run: dict | None, options: dict, path: Path) -> None:
    """Refuse to continue ``run`` (:func:`check_checkpoint_options`) with other options.

    Only what decides the run is compared (:func:`_decisive`): an option that has no
    effect may change (``--activation`` without hidden layers), one that has may not.
    The options of ``_RESOLVED`` are left to :func:`check_resolved` (the batch size
    always; the others when the run recorded them resolved).
    """
    if run is None:
        return
    recorded = run["notes"]["options"]
    later = {"batch_size", *(_RESOLVED if "resolved" in run["notes"] else ())}
    old, new = _decisive(recorded), _decisive(options)
    for name, option in _RUN_OPTIONS.items():
        if name not in later and old.get(name) != new[name]:
            raise _refuse(path, option, recorded.get(name), options[name])


def resolved_options(options: dict, *, task: str, output: str, loss: str | None,
                     target: str | None, n_train: int, class_weight: object = None) -> dict:
    """What the options of ``_RESOLVED`` mean once the data are read.

    Parameters
    ----------
    options : dict
        :func:`run_options`.
    task, output : str
        The task and output activation in force.
    loss : str or None
        --loss (None: the output's canonical loss).
    target : str or None
        The name of the target column or array.
    n_train : int
        The number of training rows: a batch of at least that many is all of them.
    class_weight : None, "balanced" or dict
        What --class-weight means (``meaning`` of
        :func:`~chainrule._cli_class_weight.resolve_class_weight`).
    """
    from .activations import get_activation

    output = get_activation(output).name
    batch = options.get("batch_size")
    return {"task": task, "output": output, "loss": resolved_loss(output, loss),
            "target": target, "batch_size": None if batch is None else min(batch, n_train),
            "class_weight": class_weight}


def resolved_loss(output: str, loss: str | None) -> str:
    """The name of the loss in force: ``loss``'s, or the ``output`` activation's canonical."""
    from .activations import get_activation
    from .losses import get_loss
    from .network import _DEFAULT_LOSS

    return (get_loss(loss).name if loss is not None
            else _DEFAULT_LOSS.get(get_activation(output).name, "squared_error"))


def check_resolved(run: dict | None, options: dict, resolved: dict, path: Path,
                   n_train: int) -> None:
    """Refuse to continue ``run`` whose options of ``_RESOLVED`` mean another run.

    ``--task classification`` where the run inferred it, ``--output softmax`` or
    ``--loss cross_entropy`` where they were its defaults, ``--target`` naming the
    last column, or two batch sizes of at least ``n_train`` rows (one batch of all
    of them, in their order) are the same run.

    Parameters
    ----------
    run : dict or None
        What :func:`check_checkpoint_options` returned (None: a new run).
    options : dict
        :func:`run_options` of the command.
    resolved : dict
        :func:`resolved_options` of the command.
    path : Path
        The checkpoint.
    n_train : int
        The number of training rows.
    """
    if run is None:
        return
    recorded = run["notes"]["options"]
    before = run["notes"].get("resolved")
    for name in _RESOLVED:
        if recorded.get(name) == options[name]:  # as given: the data may differ (check_data)
            continue
        if name == "batch_size":
            old, new = (None if b is None else min(b, n_train)
                        for b in (recorded.get(name), options[name]))
        elif before is None:  # compared as given, by check_options
            continue
        else:
            old, new = before.get(name), resolved[name]
        if old != new:
            raise _refuse(path, _RUN_OPTIONS[name], recorded.get(name), options[name])


def fingerprint(*arrays: np.ndarray) -> str:
    """SHA-256 of the arrays a run trains on: their dtypes, shapes and bytes."""
    digest = hashlib.sha256()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.data)
    return digest.hexdigest()


def check_data(run: dict | None, args: argparse.Namespace, X: np.ndarray, T: np.ndarray,
               val: tuple[np.ndarray, np.ndarray] | None) -> str | None:
    """Refuse to continue ``run`` on other data than it started on (after the same options).

    Parameters
    ----------
    run : dict or None
        What :func:`check_checkpoint_options` returned (None: a new run).
    args : argparse.Namespace
        The command's options (``--val-fraction`` resolved).
    X : ndarray of shape (n_train, n_features)
    T : ndarray of shape (n_train, n_outputs)
        The prepared training examples and targets.
    val : (ndarray, ndarray) or None
        The prepared validation examples and targets.

    Returns
    -------
    str or None
        The arrays' :func:`fingerprint` (None without ``--checkpoint``).
    """
    if args.checkpoint is None:
        return None
    digest = fingerprint(X, T, *(val or ()))
    if run is None:
        return digest
    path, recorded = args.checkpoint, run["notes"]
    if recorded.get("val_fraction") != args.val_fraction:
        raise _refuse(path, "--val-fraction", recorded.get("val_fraction"), args.val_fraction)
    if recorded.get("data_sha256") != digest:
        source, data = recorded.get("data"), str(args.data)
        what = (f"the contents of {data} have changed since" if source == data else
                f"{data} holds other examples than {source}, on which")
        raise ValueError(
            f"DATA: {what} the run in {path} started (its prepared training and validation "
            "arrays differ); give the run's data to continue it, or another --checkpoint to "
            "start a new run")
    return digest


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
    if args.checkpoint_every is not None:
        trainer.checkpoint_every = args.checkpoint_every
    notes = trainer.checkpoint_notes
    trainer.checkpoint_notes = {**notes, "resolved": notes.get("resolved", resolved)}
    return trainer


class TrainingClock(Callback):
    """Keeps in the run's checkpoint notes (``"seconds"``) its training time so far.

    At the end of each epoch, before the checkpoint of that epoch is written,
    the notes get the seconds of the earlier commands of the run (what the
    checkpoint it resumed from recorded) plus those of this command's training
    so far: so the checkpoint a slot ends with counts the training of the epochs
    it keeps, and the model file of the last slot the whole run's (an epoch
    cut short by --max-time or Ctrl-C, and trained again, counts once).

    Parameters
    ----------
    trainer : Trainer
        The run; its ``checkpoint_notes`` are replaced (never changed in place:
        the state of an epoch's start, written when the epoch is cut short, keeps
        its own).

    Attributes
    ----------
    before : float
        The seconds of training of the epochs the run had when this command started.
    """

    def __init__(self, trainer: Trainer) -> None:
        seconds = (trainer.checkpoint_notes or {}).get("seconds", 0.0)
        valid = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
        self.before = float(seconds) if valid and seconds >= 0 else 0.0
        self.trainer = trainer
        self._start = time.perf_counter()

    def on_train_begin(self, state: object) -> None:
        self._start = time.perf_counter()

    def on_epoch_end(self, state: object) -> None:
        self.trainer.checkpoint_notes = {
            **self.trainer.checkpoint_notes,
            "seconds": self.before + time.perf_counter() - self._start}


def train_options(args: argparse.Namespace, settings: dict, digest: str | None,
                  resolved: dict) -> dict:
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
    """
    if args.checkpoint is None:
        return {}
    return {"checkpoint": args.checkpoint, "checkpoint_every": args.checkpoint_every or 1,
            "max_time": args.max_time,
            "checkpoint_notes": {"kind": _NOTES_KIND, "options": settings,
                                 "resolved": resolved, "data": str(args.data),
                                 "val_fraction": args.val_fraction, "data_sha256": digest}}
