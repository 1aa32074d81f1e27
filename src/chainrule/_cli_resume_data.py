"""The check that ``chainrule train --resume`` continues its run on the same data (after the
same options, :mod:`chainrule._cli_resume_checks`).  Import from :mod:`chainrule._cli_checkpoint`.

A checkpoint records, per argument of the run's fit, the shape and a SHA-256 of the
arrays (its ``data``, :func:`chainrule._checkpoints_data.data_record`): the resumed
Trainer works that record out for the prepared arrays once, ahead of its fit, which
takes it as it is, and the command compares it here, in its own words, before it
prints a line.  A checkpoint from before that record (its notes' ``data_sha256`` of
all the arrays together) is compared by that digest, as it always was.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

import numpy as np

from ._checkpoints_data import difference, fingerprint
from ._cli_resume_checks import _refuse

if TYPE_CHECKING:
    from .training import Trainer

# the arguments of the run's fit, as DATA's prepared arrays
_PARTS = {"X": "training examples", "Y": "training targets",
          "sample_weight": "training rows' weights (--sample-weight)",
          "validation_data": "validation examples",
          "validation_data[2]": "validation rows' weights (--sample-weight)"}


def _digested(record: object) -> bool:
    """Whether a checkpoint's data record holds the digests to compare with."""
    return isinstance(record, dict) and any(
        isinstance(entry, dict) and entry.get("sha256") for entry in record.values())


def _rows_and_size(shape: object) -> tuple:
    shape = list(shape) if isinstance(shape, (list, tuple)) else []
    return (shape[:1], int(np.prod(shape[1:], dtype=np.int64)) if shape else None)


def _same_rows_and_size(was: object, now: object) -> bool:
    return _rows_and_size(was) == _rows_and_size(now)


def _differing(recorded: dict, given: dict, loose: bool = False) -> str | None:
    """What differs between the checkpoint's record and the given data's, in words (None:
    nothing): the argument, the checkpoint's shape and the given one.  ``loose``: the
    shapes as the command has the arrays, compared by their rows and values per row (the
    Trainer's record has an image's rows as the network takes them, (n, 1, 8, 8))."""
    for name, was in recorded.items():
        now = given.get(name)
        if not isinstance(was, dict) or now is None:
            continue
        part = _PARTS.get(name, name)
        found = difference(was, now, _same_rows_and_size if loose else None)
        if found == "shape":
            return (f"its {part}, {name}, were of shape {tuple(was.get('shape') or ())}; "
                    f"these are of shape {tuple(now['shape'])}")
        if found is not None:
            dtypes = f"; the run's were {found[0]}, these {found[1]}" if found else ""
            return (f"its {part}, {name}, hold other values: the same shape "
                    f"{tuple(now['shape'])}, another SHA-256{dtypes}")
    return None


def check_data(run: dict | None, args: argparse.Namespace, X: np.ndarray, T: np.ndarray,
               val: tuple[np.ndarray, np.ndarray] | None,
               val_sha256: str | None = None,
               weights: tuple[np.ndarray, ...] = (),
               trainer: Trainer | None = None) -> str | None:
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
    val_sha256 : str or None
        The SHA-256 of the ``--val-data`` file's bytes (None without one), which the
        checkpoint's notes record: a resumed run's must be the same.
    weights : tuple of ndarray
        The training and validation rows' weights (``--sample-weight``; none without).
    trainer : Trainer, optional
        The resumed run's (``run`` given): the one that fits these arrays, as
        ``trainer.fit(X, T, val + (weights[1],), sample_weight=weights[0])``.

    Returns
    -------
    str or None
        An older checkpoint's digest of the arrays (:func:`fingerprint`), which its notes
        go on with; None otherwise (a new run's checkpoint records its data itself).
    """
    if args.checkpoint is None or run is None:
        return None
    path, recorded = args.checkpoint, run["notes"]
    if recorded.get("val_fraction") != args.val_fraction:
        raise _refuse(path, "--val-fraction", recorded.get("val_fraction"), args.val_fraction)
    if recorded.get("val_data_sha256") != val_sha256:  # before the arrays: said of the file
        given = getattr(args, "val_data", None)
        name = "standard input" if given == "-" else given
        what = (f"the run in {path} was started without --val-data, got --val-data {given}"
                if recorded.get("val_data_sha256") is None else
                f"the run in {path} was started with a validation file, got no --val-data"
                if given is None else
                f"the contents of {name} differ from the validation file the run in {path} "
                "started with")
        raise ValueError(
            f"--val-data: {what}; a resumed run validates on the run's examples: give its "
            "validation file again to continue it, or another --checkpoint to start a new run")
    by_record = trainer is not None and _digested(trainer._resumed_data)
    digest = differs = None
    if by_record:  # hashed once: the fit takes the record worked out here
        w_fit, w_val = weights if weights else (None, None)
        shapes = {name: {"shape": list(a.shape), "sha256": None} for name, a in (
            ("X", X), ("validation_data", None if val is None else val[0]),
            ("sample_weight", w_fit), ("validation_data[2]", w_val)) if a is not None}
        # the shapes first, as given: the fit's own checks would refuse other columns first
        differs = _differing(trainer._resumed_data, shapes, loose=True) or _differing(
            trainer._resumed_data, trainer._data_ahead(
                X, T, val if val is None or w_val is None else (*val, w_val), w_fit))
    else:  # a checkpoint from before the record: its notes' digest of all the arrays
        digest = fingerprint(X, T, *(val or ()), *weights)  # --sample-weight's too
        if recorded.get("data_sha256") != digest:
            differs = "its prepared training and validation arrays differ"
    if differs is not None:
        source, data = recorded.get("data"), str(args.data)
        # DATA - (train reads standard input): said in words, "-" names no file
        name, was = (("standard input" if n == "-" else n) for n in (data, source))
        what = (f"the contents of {name} have changed since" if source == data else
                f"{name} holds other examples than {was}, on which")
        raise ValueError(
            f"DATA: {what} the run in {path} started ({differs}); give the run's data to "
            "continue it, or another --checkpoint to start a new run")
    return digest
