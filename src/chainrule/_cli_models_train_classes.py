"""The target that ``--task classification`` is given, checked as scikit-learn's
``type_of_target`` would judge it (see :func:`check_class_target`; called by
:func:`chainrule._cli_models_train_task._infer_task`, which train, cv and tune share).

``--task classification`` takes every distinct value for a class: a target of
continuous numbers (prices, ``exp`` of a regression's target) became as many softmax
outputs as rows, and trained for minutes without a word, where scikit-learn's
``MLPClassifier`` refuses it ("Unknown label type: continuous")."""

from __future__ import annotations

import warnings

import numpy as np

#: a target of fewer examples is not warned of classes of one example each
_MANY_CLASSES_MIN = 20


def check_class_target(table) -> None:
    """Refuse a classification target of non-integer numbers; warn of one whose classes
    are nearly as many as its examples.

    Parameters
    ----------
    table : Table
        The data read, of one target: ``y`` of shape (n_samples,), numbers or text.

    Raises
    ------
    ValueError
        Naming the target, a few of its values and ``--task regression``, where any
        finite value that reads as a number is not a whole number (scikit-learn's
        "continuous" target).

    Warns
    -----
    UserWarning
        Where more than half of at least 20 examples are each the only example of their
        class (whole numbers or text): the network gets an output per class, and a class
        seen once is not learnt.
    """
    y = np.asarray(table.y)
    if y.ndim != 1 or not len(y):
        return
    name = repr(table.target_name) if table.target_name else "column"
    try:
        values = y.astype(np.float64)
    except (TypeError, ValueError):  # text: class labels, whatever their number
        values = None
    if values is not None:
        with np.errstate(invalid="ignore"):
            fraction = np.isfinite(values) & (values != np.round(values))
        if fraction.any():
            shown = list(dict.fromkeys(str(v).strip() for v in y[fraction].tolist()))
            raise ValueError(
                f"{table.source}: --task classification: the target {name} holds numbers "
                f"that are not whole ({', '.join(shown[:4])}{', ...' if len(shown) > 4 else ''}"
                f": {int(fraction.sum())} of {len(y)} examples), continuous values, not class "
                "labels (scikit-learn's type_of_target: 'continuous'); --task regression "
                "fits them (or bin them into classes first)")
    cells = values[np.isfinite(values)] if values is not None else \
        np.array([str(c).strip() for c in y.tolist()])
    if len(cells) < _MANY_CLASSES_MIN:
        return
    _, counts = np.unique(cells, return_counts=True)
    alone = int(np.sum(counts == 1))
    if 2 * alone > len(cells):
        warnings.warn(
            f"{table.source}: --task classification: the target {name} holds {len(counts)} "
            f"classes in {len(cells)} examples, {alone} of them each the only example of its "
            f"class: the network gets {len(counts)} outputs and cannot learn a class it saw "
            "once" + (" (--task regression fits numbers)" if values is not None else ""),
            UserWarning, stacklevel=2)
