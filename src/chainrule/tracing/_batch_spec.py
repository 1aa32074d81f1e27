"""The examples and targets of a description that holds a mini-batch (``m > 1`` rows)."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from ..network import Network
from ._spec_weights import _numbers

__all__ = ["batch_rows", "no_labels", "row_of"]


def no_labels(net: Network) -> str:
    """For a ``hinge`` network of k > 1 outputs, which takes no class label (its targets
    are -1 or +1, one-vs-rest), the words that say so and name ``multiclass_hinge``; else
    an empty string."""
    k = net.n_outputs
    if net.loss.name != "hinge" or k < 2:
        return ""
    row = ", ".join(["-1"] * (k - 1) + ["1"])
    return (f"; the hinge loss takes no class label: each of its {k} targets is -1 or +1 "
            f"([{row}] for class {k - 1}, one-vs-rest), and the multiclass_hinge loss "
            f"takes class labels 0..{k - 1}")


def row_of(key: str, options: Collection[str] | None) -> str:
    """How an example's row of ``key`` (``"input"`` or ``"target"``) is given: ``--input``
    when ``options`` (the keys given by command-line options) holds it, else a row of the
    description's key (``row of "input"``)."""
    return f"--{key}" if options is not None and key in options else f'row of "{key}"'


def _ragged(rows: Any) -> bool:
    """Whether ``rows`` is a list of rows (lists, or a number among lists) whose lengths
    differ, which NumPy refuses as an "inhomogeneous shape"."""
    if not isinstance(rows, (list, tuple)) or len(rows) < 2 or not any(
            isinstance(r, (list, tuple)) for r in rows):
        return False
    return len({len(r) if isinstance(r, (list, tuple)) else None for r in rows}) > 1


def batch_rows(spec: dict[str, Any], net: Network, options: Collection[str] | None = None
               ) -> tuple[np.ndarray, np.ndarray] | None:
    """The rows of ``input`` and ``target`` of a description of ``m > 1`` examples.

    Parameters
    ----------
    spec : dict
        A filled-in description (see :func:`.spec.load_spec`).
    net : Network
        Its network.
    options : collection of str or None
        The keys given by command-line options (``--input``, ``--target``), which messages
        name by their options; the others are named as the description's keys.

    Returns
    -------
    (X, Y) or None
        ``X`` of shape (m, n_inputs) and ``Y`` of shape (m, n_outputs) or (m,)
        class labels; None when ``input`` is one example.

    Raises
    ------
    ValueError
        Naming ``input`` or ``target``: rows of another width than the network
        takes, or another number of targets than examples.
    """
    rows, one_x, one_y = spec["input"], row_of("input", options), row_of("target", options)
    if _ragged(rows):
        raise ValueError(f"input: the {len(rows)} examples (one {one_x} each) must hold the "
                         f"same number of values, got {[len(r) for r in rows]}")
    X = _numbers(rows, "input")
    if X.ndim != 2 or X.shape[0] < 2:
        return None
    (m, n), n_in, k = X.shape, net.n_inputs, net.n_outputs
    if isinstance(n_in, int) and n != n_in:
        raise ValueError(f"input: the network has {n_in} input(s), so each of the {m} examples "
                         f"is {n_in} value(s) (one {one_x} per example); got rows of {n}")
    if _ragged(spec["target"]):  # else NumPy's "inhomogeneous shape" of an array
        sizes = [len(r) if isinstance(r, (list, tuple)) else 1 for r in spec["target"]]
        raise ValueError(
            f"target: the {m} examples' targets (one {one_y} each) must hold the same "
            f"number of values, {k} each"
            f"{f' (or one class label 0..{k - 1} each)' if k > 1 and not no_labels(net) else ''}"
            f", got {sizes}")
    T = _numbers(spec["target"], "target")
    # a flat list [2, 5] names its examples' labels as entries of "target", not rows
    one_label = one_y.replace("row of", "entry of") if T.ndim == 1 else one_y
    # one value per example: a target (k == 1) or a class label, [2, 5] read as [[2], [5]];
    # with as many outputs as examples it may as well be one example's row: refused below
    if T.ndim == 1 and T.size == m and (k == 1 or m != k):
        T = T.reshape(m, 1)
    if T.ndim != 2 or T.shape[0] != m:
        labels = (f" (or {m} class labels, [[0], [1], ...]{'' if m == k else ' or [0, 1, ...]'})"
                  if k > 1 and not no_labels(net) else "")
        raise ValueError(f"target: one target per example, {m} rows{labels} for the {m} rows "
                         f"of input (one {one_y} per {one_x}), got shape {T.shape}")
    if T.shape[1] != k and not (k > 1 and T.shape[1] == 1):
        raise ValueError(
            f"target: the network has {k} output(s) and the {net.loss.name} loss, so each "
            f"example's target is {k} value(s)"
            f"{f' or one class label 0..{k - 1}' if k > 1 and not no_labels(net) else ''}; "
            f"got rows of {T.shape[1]}{no_labels(net)}")
    Y = T[:, 0] if T.shape[1] != k else T  # one value per row: class labels
    if T.shape[1] != k and no_labels(net):
        raise ValueError(
            f"target: the network has {k} output(s) and the hinge loss, so each example's "
            f"target is {k} value(s); example 1 (its {one_label}) is one label, "
            f"{float(Y[0]):g}{no_labels(net)}")
    if T.shape[1] != k:
        _check_labels(net, Y, one_label)
    check_class_rows(net, T, one_y)
    net.prepare_targets(Y, m, "target")
    return X, Y


def _check_labels(net: Network, labels: np.ndarray, one_y: str) -> None:
    """Refuse a class label (one value per example, ``labels`` of shape (m,)) that is no
    whole number 0..k-1 of the network's k outputs, naming the example and its label in
    the words of one example's message (see :func:`.spec.spec_network`); ``one_y`` says
    where the label was given (``--target``, a row or an entry of ``"target"``)."""
    k = net.n_outputs
    ok = np.isfinite(labels) & (labels == np.round(labels)) & (labels >= 0) & (labels < k)
    if ok.all():
        return
    bad = np.flatnonzero(~ok)
    value = float(labels[bad[0]])
    more = f" ({bad.size} of the {labels.size} examples' labels are not)" if bad.size > 1 else ""
    raise ValueError(
        f"target: the network has {k} output(s) and the {net.loss.name} loss, so each "
        f"example's target is {k} value(s) or one class label 0..{k - 1}; example "
        f"{bad[0] + 1} (its {one_y}) has the label {value:g}{more}")


def check_class_rows(net: Network, T: np.ndarray, one_y: str) -> None:
    """Refuse ``multiclass_hinge`` target rows (``T`` of shape (m, n_outputs)) that are not
    one-hot, naming the two forms ``one_y`` (``--target`` or a description's row of
    ``"target"``) takes: a one-hot row, or one class label 0..k-1.

    (The library's message speaks of integer labels *arrays*; trace's targets are rows.)
    """
    k = net.n_outputs
    if net.loss.name != "multiclass_hinge" or T.ndim != 2 or T.shape[1] != k or k < 2:
        return
    ok = np.isin(T, (0.0, 1.0)).all(axis=1) & (np.count_nonzero(T == 1, axis=1) == 1)
    if ok.all():
        return
    bad = np.flatnonzero(~ok)
    hot, label = ["0"] * (k - 1) + ["1"], str(k - 1)
    if one_y.startswith("--"):
        forms = f"{one_y} {' '.join(hot)}", f"{one_y} {label}"
    else:
        forms = f"[{', '.join(hot)}]", f"[{label}]"
    which = "" if T.shape[0] == 1 else f" (example {bad[0] + 1}; {bad.size} of {T.shape[0]})"
    raise ValueError(
        f"target: loss 'multiclass_hinge' needs each example's target one-hot, {k} values "
        f"with one 1 and the rest 0 ({forms[0]} for class {label}), or one class label "
        f"0..{k - 1} ({forms[1]}); got {[float(v) for v in T[bad[0]]]}{which}")
