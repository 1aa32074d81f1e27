"""The record of the data a run trains on, which a checkpoint keeps (private).

:func:`data_record` gives each argument's shape and a SHA-256 of its values
(:func:`fingerprint`, the digest ``train --resume`` compares too); a Trainer read
back from a checkpoint refuses other data (:func:`check_data_record`), since its
shuffled epochs, running statistics and early stopping's best assume the run's rows.
"""

from __future__ import annotations

import hashlib

import numpy as np


def fingerprint(*arrays: object) -> str:
    """SHA-256 of the arrays a run trains on: their dtypes, shapes and bytes (a sparse
    matrix's CSR arrays).  About 0.24 s for 60,000 x 784 float32 (179 MiB), once a fit."""
    digest = hashlib.sha256()
    for a in arrays:
        if hasattr(a, "tocsr") and not isinstance(a, np.ndarray):  # scipy.sparse
            a = a.tocsr()
            digest.update(f"sparse{a.shape}".encode())
            parts = (a.data, a.indices, a.indptr)
        else:
            parts = (a,)
        for part in parts:
            part = np.ascontiguousarray(part)
            digest.update(f"{part.dtype.str}{part.shape}".encode())
            digest.update(part.data)
    return digest.hexdigest()


def _fingerprint_as(X: np.ndarray, dtype: str) -> str | None:
    """:func:`fingerprint` of ``X`` cast to ``dtype`` (a NumPy dtype's ``str``, e.g.
    "<f4") where the cast keeps each value, a block of rows at a time (None where not:
    other numbers than any array of ``dtype`` holds)."""
    try:
        to = np.dtype(dtype)
    except TypeError:
        return None
    if to.kind not in "biuf":
        return None
    digest = hashlib.sha256(f"{to.str}{X.shape}".encode())
    for start in range(0, max(X.shape[0], 1), 8192):
        block = X[start:start + 8192]
        cast = np.ascontiguousarray(block, dtype=to)
        if not np.array_equal(cast, block):
            return None
        digest.update(cast.data)
    return digest.hexdigest()


def data_record(X: object, Y: np.ndarray, sample_weight: np.ndarray | None,
                val: tuple | None, digests: bool, run: dict | None = None) -> dict:
    """What a checkpoint records of the data its run trains on, by argument.

    Parameters
    ----------
    X : ndarray or scipy.sparse matrix of shape (n_samples, n_inputs)
        The training examples as checked (before ``validation_fraction``'s split).
    Y : ndarray of shape (n_samples, n_outputs)
        The prepared targets (by value: labels and their one-hot rows alike).
    sample_weight : ndarray of shape (n_samples,), or None
        The weights given (not times ``class_weight``'s).
    val : tuple of ndarray, or None
        ``validation_data`` as checked: (X_val, Y_val) or (X_val, Y_val, w_val), recorded
        as "validation_data" (its examples and targets) and "validation_data[2]".
    digests : bool
        Whether to record each argument's :func:`fingerprint` too (the shapes only
        otherwise).
    run : dict, optional
        The record of the checkpoint a run resumes from.  Where it gives the dtype of
        the run's ``X`` (a record since that was kept) and ``X`` has another, ``X`` is
        fingerprinted cast to the run's dtype when the cast keeps every value: the same
        numbers, a float32 array of them or a float64 one, are the same data (the network
        converts each batch to its own dtype), and the record goes on in the run's dtype.

    Returns
    -------
    dict
        By argument name, ``{"shape": [...], "sha256": str or None}``; a dense ``X``'s
        also its ``"dtype"`` (that of the values fingerprinted).
    """
    parts = {"X": (X,), "Y": (Y,)}
    if sample_weight is not None:
        parts["sample_weight"] = (sample_weight,)
    if val is not None:  # its weights apart: a resumed run may give them or not (val_weighted)
        parts["validation_data"] = tuple(val[:2])
        if len(val) > 2:
            parts["validation_data[2]"] = (val[2],)
    record = {name: {"shape": [int(n) for n in arrays[0].shape],
                     "sha256": fingerprint(*arrays) if digests else None}
              for name, arrays in parts.items()}
    if isinstance(X, np.ndarray):
        was = (run or {}).get("X")
        dtype = was.get("dtype") if isinstance(was, dict) else None
        record["X"]["dtype"] = X.dtype.str
        if digests and isinstance(dtype, str) and dtype != X.dtype.str:
            same = _fingerprint_as(X, dtype)  # the run's numbers in another dtype: its data
            if same is not None:
                record["X"].update(sha256=same, dtype=dtype)
    if digests and isinstance(Y, np.ndarray) and Y.dtype != np.float64:  # by value
        digest = hashlib.sha256(f"<f8{Y.shape}".encode())
        for start in range(0, Y.shape[0], 8192):
            digest.update(np.ascontiguousarray(Y[start:start + 8192], dtype=np.float64).data)
        record["Y"]["sha256"] = digest.hexdigest()
    return record


def _dtype_name(dtype: str) -> str:
    try:
        return np.dtype(dtype).name
    except TypeError:
        return repr(dtype)[:40]


def difference(was: dict, now: dict, same_shape: object = None) -> object:
    """How an argument's record ``now`` differs from a checkpoint's ``was`` (each
    ``{"shape": ..., "sha256": ..., "dtype": ...}``): None where it does not, "shape"
    where the shapes differ (``same_shape(was_shape, now_shape)`` where given, else
    equality), else, where the digests differ, the two dtypes' names where both are
    recorded and differ (a tuple of 2), or an empty tuple.  The one comparison of the
    library's refusal and the command line's (each says it in its own words)."""
    if not (same_shape(was.get("shape"), now["shape"]) if callable(same_shape)
            else was.get("shape") == now["shape"]):
        return "shape"
    if was.get("sha256") and now["sha256"] and was["sha256"] != now["sha256"]:
        if (isinstance(was.get("dtype"), str) and isinstance(now.get("dtype"), str)
                and was["dtype"] != now["dtype"]):
            return (_dtype_name(was["dtype"]), _dtype_name(now["dtype"]))
        return ()
    return None


def check_data_record(recorded: object, given: dict, origin: str) -> None:
    """Refuse to continue a run on other data than the checkpoint records.

    Parameters
    ----------
    recorded : dict or None
        The checkpoint's ``data`` record (None: an older checkpoint, not checked).
    given : dict
        :func:`data_record` of the data given now.
    origin : str
        Where the run comes from, e.g. "the checkpoint run.npz".

    Raises
    ------
    ValueError
        Naming the argument, the shape recorded and the one given (or their values).
    """
    if not isinstance(recorded, dict):
        return
    advice = ("the run's rows in the run's order: a resumed run replays its shuffled epochs, "
              "running statistics and best epoch on them. Pass the run's data to continue "
              "it, or start a new run with chainrule.train")
    for name, was in recorded.items():
        now = given.get(name)
        if not isinstance(was, dict) or now is None:  # weights, validation: checked apart
            continue
        found = difference(was, now)
        if found == "shape":
            raise ValueError(
                f"{name}: {origin} holds a run trained on {name} of shape "
                f"{tuple(was.get('shape') or ())}; got {name} of shape {tuple(now['shape'])}. "
                f"Continuing it needs {advice}")
        if found is not None:
            dtypes = (f"; the run's {name} was {found[0]}, this one is {found[1]} and holds "
                      "other numbers" if found else "")
            raise ValueError(
                f"{name}: {origin} holds a run trained on other values of {name} (the same "
                f"shape {tuple(now['shape'])}, another SHA-256 of its values{dtypes}). "
                f"Continuing it needs {advice}")


def check_steps_per_epoch(trainer: object, n_batches: int, fold: bool) -> None:
    """Refuse a checkpoint whose run took more optimizer steps per epoch than this one takes.

    Since the training loop folds a last one-row batch into the batch before for a
    network whose BatchNorm normalises one value per feature (``n_samples % batch_size ==
    1``), such a run takes ``n_batches = n_samples // batch_size`` steps per epoch; a
    checkpoint written before took one more (the lone row trained by the running
    statistics).  Continuing it exactly is impossible: the lone-row step is refused now,
    and a per-step schedule (OneCycle's ``epochs * steps_per_epoch``) would count the run's
    steps anew, a schedule the run did not follow, silently.  Read once, by the first fit
    after :meth:`~chainrule.training.Trainer.from_checkpoint`; a new optimizer given there
    starts its count again and is not checked.

    Parameters
    ----------
    trainer : Trainer
        The resumed Trainer (its ``_resumed_steps``: the checkpoint's epoch and step count).
    n_batches : int
        Optimizer steps per epoch of this run.
    fold : bool
        Whether this run folds a last one-row batch into the batch before.

    Raises
    ------
    ValueError
        Naming the checkpoint, both step counts and what to do.
    """
    recorded = getattr(trainer, "_resumed_steps", None)
    trainer._resumed_steps = None
    if recorded is None or not fold or getattr(trainer, "_restart_optimizer", False):
        return
    epoch, steps = recorded
    if epoch > 0 and steps > epoch * n_batches and trainer.epoch < trainer.epochs:
        raise ValueError(
            f"{trainer._origin} holds a run that took {steps} optimizer steps in {epoch} "
            f"epoch(s), {n_batches + 1} per epoch with a last batch of one row, as chainrule "
            f"trained it before a BatchNorm on vectors needed 2 rows a batch; this run folds "
            f"that row into the batch before and takes {n_batches} steps per epoch, so it "
            f"cannot continue the checkpoint's batches, step count or per-step schedule. "
            f"Start the run again with chainrule.train (or a batch_size that leaves no "
            f"last batch of one row)")
