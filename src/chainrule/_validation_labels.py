"""Checks of class labels that NumPy cannot sort: missing labels and a mix of kinds.

The classifiers find their classes with ``np.unique``, which sorts the labels; in
an object array holding strings and numbers, or None, NaN or ``pd.NA`` among
strings, the sort fails inside NumPy (``TypeError: '<' not supported between
instances of 'int' and 'str'``, ``boolean value of NA is ambiguous``), a message
that names neither the argument nor the label.  :func:`check_label_kinds` says
which argument, which kinds and where.  Part of the checks of user input.
"""

from __future__ import annotations

import numbers

import numpy as np


def _is_missing(value: object) -> bool:
    """None, a float NaN (``float('nan')``, ``np.nan``) or pandas' ``NA`` / ``NaT``."""
    if value is None:
        return True
    if type(value).__name__ in ("NAType", "NaTType"):  # pandas' NA and NaT, without pandas
        return True
    return isinstance(value, (float, np.floating)) and value != value


def check_label_kinds(y: object, name: str = "y", rows: bool = True) -> None:
    """Refuse class labels with missing values or of mixed kinds; a ValueError naming ``name``.

    Only labels held as Python objects are looked at: a list or tuple with strings
    among its items (which ``np.asarray`` would turn all into strings, ``"1"`` for
    ``1`` and ``"nan"`` for a missing label) and an array of ``dtype=object``
    (a pandas column of strings with missing cells); an array of numbers or of
    strings passes at no cost.

    Parameters
    ----------
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Class labels as given (a list, an ndarray, a pandas Series, Categorical or
        extension array).
    name : str, default "y"
        How the messages name ``y``.
    rows : bool, default True
        Whether ``y`` holds one label per example (a missing one is named by its
        row); False for a list of the classes (``partial_fit``'s ``classes``).

    Raises
    ------
    ValueError
        When a label is missing (None, NaN, ``pd.NA``, ``pd.NaT``), naming the
        count and the first row; or when strings and numbers (or other objects)
        are mixed, naming the kinds found and an example of each.
    """
    if y is None or isinstance(y, (str, bytes)):
        return
    try:
        arr = np.asarray(y)
        if arr.dtype.kind == "U" and isinstance(y, (list, tuple)):
            # the items as they are: np.asarray(["a", 1, np.nan]) makes them the strings
            # "a", "1" and "nan", a class of its own for the missing label
            arr = np.array(y, dtype=object)
    except (TypeError, ValueError):  # ragged: left to the estimators' own checks
        return
    if arr.dtype != object or arr.size == 0:
        return
    flat = arr.reshape(-1)
    types = set(map(type, flat))  # one pass in C; the loops below only where needed
    if any(t is type(None) or issubclass(t, (float, np.floating))
           or t.__name__ in ("NAType", "NaTType") for t in types):
        missing = [i for i, v in enumerate(flat) if _is_missing(v)]
        if missing and not rows:
            raise ValueError(
                f"{name} has {len(missing)} missing label(s) (None, NaN, pd.NA or NaT), the "
                f"first at place {missing[0]} ({flat[missing[0]]!r}); every class needs a "
                f"label")
        if missing:
            row = missing[0] // (arr.shape[1] if arr.ndim == 2 else 1)
            raise ValueError(
                f"{name} has {len(missing)} missing label(s) (None, NaN, pd.NA or NaT), the "
                f"first in row {row} ({flat[missing[0]]!r}); every example needs a class "
                f"label: drop those rows or give them a label of their own")
    kinds = {_kind_of_type(t) for t in types}
    if len(kinds) > 1:
        examples = {}
        for v in flat:
            examples.setdefault(_kind_of_type(type(v)), v)
            if len(examples) == len(kinds):
                break
        found = ", ".join(f"{k} ({examples[k]!r})" for k in sorted(examples))
        raise ValueError(
            f"{name} must hold class labels of one kind, all strings or all numbers, got "
            f"a mix: {found}; convert them to one kind (e.g. y.astype(str))")


def _kind_of_type(t: type) -> str:
    """The kind of a label of type ``t``: "string", "number" or the type's name (tuple, ...)."""
    if issubclass(t, (str, np.str_)):
        return "string"
    if issubclass(t, numbers.Number):  # bool, int, float and NumPy's numbers
        return "number"
    return t.__name__


def check_class_targets(y: object, name: str = "y") -> None:
    """scikit-learn's ``check_classification_targets``, its refusal led by ``name``.

    Its "Unknown label type: continuous. Maybe you are trying to fit a classifier ..."
    names no argument; its own words are kept after the lead (scikit-learn's estimator
    checks look for them).

    Parameters
    ----------
    y : array-like
        Class labels.
    name : str
        The argument's name, for the message.
    """
    from sklearn.utils.multiclass import check_classification_targets

    try:
        check_classification_targets(y)
    except ValueError as exc:
        raise ValueError(f"{name} must hold class labels (integers or strings), not "
                         f"continuous values: {exc}") from None
