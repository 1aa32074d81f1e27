"""Checks of the values a saved record holds, shared by the loaders of saved models,
estimators, autoencoders and checkpoints: numbers (:func:`finite_number`) and class
labels with their dtype (:func:`label_dtype`, :func:`class_labels_problem`).
Import from :mod:`chainrule.io`."""

from __future__ import annotations

import math

import numpy as np


def finite_number(v: object) -> bool:
    """Whether a JSON value is a finite number: an int or float (not a boolean) that a float holds.

    ``np.isfinite`` would raise a TypeError on an int past int64 (``10**30``
    in a damaged record); such an int is a number, and finite when a float
    holds it (``10**400`` is not).
    """
    if not isinstance(v, (int, float)) or isinstance(v, bool):
        return False
    try:
        return math.isfinite(v)
    except OverflowError:  # an int too large for a float
        return False


_WIDE_LABELS = 2**24  # bytes: saved text labels wider than this are rebuilt narrower
_WIDE_LABEL = 2**12  # bytes (1024 characters): so is a label wider than this (predictions
# hold one per example: 150 of "<U1000000" take 572 MiB)


def label_dtype(classes: list, dtype: str) -> np.dtype:
    """The dtype to rebuild saved class labels with: ``dtype``, as the labels were fitted.

    A text dtype is kept as saved (``"<U50"`` labels that are all short come
    back ``"<U50"``, as fitted, and so do the predictions), unless one label
    at that width would take more than 4 KiB (1024 characters: the
    predictions hold one per example), or all of them more than 16 MiB: then
    it is narrowed to the longest label's width, so that a damaged width
    (``"<U1000000"``, ``"<U2000000000"``) sets aside no memory for characters
    no label has; the labels are the same.
    Compound dtypes (fields, sub-arrays) are refused: no labels are saved so.

    Raises
    ------
    TypeError, ValueError
        If ``dtype`` is no dtype name, or a compound one.
    """
    dt = np.dtype(dtype)
    if dt.fields is not None or dt.subdtype is not None:
        raise ValueError(f"{dtype!r} is a compound dtype")
    chars = dt.itemsize // (4 if dt.kind == "U" else 1)
    # "<U0": the width of the labels, as NumPy reads it
    if dt.kind in "SUV" and chars and (dt.itemsize > _WIDE_LABEL
                                       or len(classes) * dt.itemsize > _WIDE_LABELS):
        longest = max((len(v) for v in classes if isinstance(v, (str, bytes))), default=1)
        dt = np.dtype((dt.type, max(1, min(chars, longest))))
    return dt


def class_labels_problem(classes: list, dtype: object) -> str | None:
    """What is wrong with saved class labels and their dtype name, or None.

    Shared by the loaders of the estimators and of the autoencoder classifiers:
    the labels must be distinct and come back unchanged through ``dtype``
    (the dtype they were saved with, e.g. ``"<U3"`` or ``"<i8"``; see
    :func:`label_dtype`), and distinct there too: ``[true, 1, 2]`` compares
    equal to the ``"<i8"`` labels ``[1, 1, 2]``, which would give two outputs
    one label.
    """
    if len({(type(v).__name__, v) for v in classes}) != len(classes):
        return f"classes_: expected distinct labels, found {classes!r}"
    try:
        rebuilt = np.array(classes, dtype=label_dtype(classes, dtype)).tolist() if isinstance(
            dtype, str) else None
        ok = rebuilt == classes
    except (TypeError, ValueError, OverflowError):
        ok = False
    if not ok:
        return (f"classes_dtype: {dtype!r} cannot hold the labels {classes!r}; expected "
                "the dtype they were saved with")
    if len(set(rebuilt)) != len(classes):
        return (f"classes_: the labels {classes!r} are not distinct as {dtype!r} (the dtype "
                f"they were saved with): {rebuilt!r}")
    return None
