"""Class labels of table targets: raw targets to class indices and back, and
regression targets as numbers (see :mod:`chainrule.saved_model`).

:func:`fit_labels` and :func:`encode_labels` turn raw targets (CSV cells,
string or number arrays) into class indices and back, keeping text labels
exactly as written; :func:`regression_targets` reads a table's targets as
finite floats.  Import from :mod:`chainrule.saved_model`.
"""

from __future__ import annotations

import numpy as np

from ._tabular_table import TARGET_GAP_ADVICE, Table, _parse_floats

__all__ = ["encode_labels", "fit_labels", "label_array", "regression_targets"]


def _json_label(v: float) -> int | float:
    return int(v) if float(v).is_integer() else float(v)


def _text(v: object) -> str:
    """A target or label as the text ``predict`` writes: strings as they are, 2.0 as "2"."""
    if isinstance(v, str):
        return v.strip()
    if isinstance(v, (float, np.floating)) and np.isfinite(v):
        return str(_json_label(v))
    return str(v.item() if isinstance(v, np.generic) else v)


def _value(text: str) -> float | None:
    """A label's text as a finite number, or None when it is not one."""
    try:
        value = float(text)
    except ValueError:
        return None
    return value if np.isfinite(value) else None


def label_array(labels: list) -> np.ndarray:
    """The class labels as an array that holds each of them exactly.

    ``np.asarray`` turns whole-number labels that reach past int64 but fit in
    uint64 (``[7, 2**63 + 5]``, from a uint64 target) into floats, which
    round 2**63 + 5 to 2**63; such labels get uint64.

    Parameters
    ----------
    labels : list of length n_classes
        Strings or numbers, as :func:`fit_labels` gives them.

    Returns
    -------
    ndarray of shape (n_classes,)
    """
    ints = [v for v in labels if isinstance(v, int) and not isinstance(v, bool)]
    if ints and len(ints) == len(labels) and min(ints) >= 0 and 2**63 <= max(ints) < 2**64:
        return np.array(labels, dtype=np.uint64)
    return np.asarray(labels)


def fit_labels(y: np.ndarray) -> tuple[list, np.ndarray]:
    """Class labels of raw targets and the class index of each example.

    Text targets (CSV cells, string arrays) keep their text exactly: ``"01"``,
    ``"1"`` and ``"1.0"`` are three classes, and ``predict`` writes them back as
    they were written.  Text that reads as numbers is sorted by value (then as
    text), so ``"2"`` comes before ``"10"``; other text is sorted as text.
    Numeric arrays (NPZ files, bundled data sets) give numbers, ints when whole.

    Parameters
    ----------
    y : ndarray of shape (n_samples,)

    Returns
    -------
    labels : list of length n_classes (JSON-serialisable)
    index : ndarray of shape (n_samples,), int
    """
    y = np.asarray(y)
    if y.dtype.kind in "biu":  # as they are: float64 would merge integers beyond 2**53
        classes, index = np.unique(y, return_inverse=True)
        return [int(v) for v in classes], index
    if y.dtype.kind == "f":
        values = y.astype(np.float64)
        if np.isfinite(values).all():
            classes, index = np.unique(values, return_inverse=True)
            return [_json_label(v) for v in classes], index
    texts, index = np.unique(np.char.strip(y.astype(str)), return_inverse=True)
    labels = [str(t) for t in texts]
    values = [_value(t) for t in labels]
    if all(v is not None for v in values):  # "2" before "10"; "01" before "1" before "1.0"
        order = sorted(range(len(labels)), key=lambda i: (values[i], labels[i]))
        rank = np.empty(len(order), dtype=np.intp)
        rank[order] = np.arange(len(order))
        return [labels[i] for i in order], rank[index]
    return labels, index


def encode_labels(y: np.ndarray, labels: list, table: Table | None = None) -> np.ndarray:
    """Class index of each raw target given the model's ``labels``.

    A target matches the label of the same text (numbers as ``predict``
    writes them: 2.0 as ``"2"``).  Failing that, a number matches the one
    label of the same value, if there is exactly one: ``"1.0"`` in a CSV file
    matches the label ``1`` (or ``"1"``), but not when the model has both
    ``"1"`` and ``"1.0"``; a boolean matches ``"True"``/``"False"``, else the
    label of value 1 or 0 (:func:`fit_labels` makes the classes 0 and 1 of
    boolean targets).

    Parameters
    ----------
    y : ndarray of shape (n_samples,)
        Raw targets (numbers or strings).
    labels : list
        The model's classes (strings or numbers), in the order of its output units.
    table : Table, optional
        Where ``y`` came from, to name the line of a bad value.

    Returns
    -------
    ndarray of shape (n_samples,), int

    Raises
    ------
    ValueError
        If a target is not one of ``labels``, naming where it is.
    """
    where = table.where if table is not None else (lambda i: f"row {i}")
    name = table.target_name if table is not None else "target"
    by_text: dict[str, int] = {}
    by_value: dict[float, list[int]] = {}
    for i, label in enumerate(labels):
        text = _text(label)
        by_text.setdefault(text, i)
        value = _value(text)
        if value is not None:
            by_value.setdefault(value, []).append(i)
    index = np.empty(len(y), dtype=np.intp)
    for i, cell in enumerate(np.asarray(y).tolist()):
        text = _text(cell)
        j = by_text.get(text)
        if j is None:
            # a boolean target (an NPZ array of dtype bool) trained as the classes 0 and 1
            value = float(cell) if isinstance(cell, bool) else _value(text)
            same = by_value.get(value, []) if value is not None else []
            if len(same) != 1:
                raise ValueError(
                    f"{where(i)}, target {name!r}: {text!r} is not one of the model's classes "
                    f"({', '.join(map(_text, labels))})"
                )
            j = same[0]
        index[i] = j
    return index


def regression_targets(table: Table) -> np.ndarray:
    """The table's targets as finite floats of shape (n_samples,) (or (n_samples,
    n_targets) of a table of several targets), naming a bad cell.

    Parameters
    ----------
    table : Table
        With targets (``table.y`` not None).

    Returns
    -------
    ndarray of shape (n_samples,) or (n_samples, n_targets), float64

    Raises
    ------
    ValueError
        If the table has no targets (``table.y`` is None, as an NPZ file of ``X``
        alone), or a target is missing, not a number or not finite; the
        message names its line (or row) and the target column.
    """
    if table.y is None:  # an assert would vanish under python -O, and iterate over None
        raise ValueError(f"table: {table.source} has no targets (table.y is None); "
                         "regression_targets needs a table read with its target")
    y = np.asarray(table.y)
    if y.ndim == 2:  # several targets (read_data(target=[...])): each column by its name
        names = table.target_names or [f"{table.target_name}_{j}" for j in range(y.shape[1])]
        return np.column_stack([_parse_floats(y[:, j], table.where, f"target {name!r}",
                                              advice=TARGET_GAP_ADVICE)
                                for j, name in enumerate(names)]).reshape(y.shape)
    return _parse_floats(y, table.where, f"target {table.target_name!r}",
                         advice=TARGET_GAP_ADVICE)
