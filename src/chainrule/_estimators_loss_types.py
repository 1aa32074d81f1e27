"""The types of an estimator's recorded losses in its file (private): scikit-learn's
np.float32 for a float32 regressor, np.float64 else (``_checked_fit``'s ``_loss_type``),
which JSON's numbers do not keep.  :meth:`save` writes them as the ``fitted`` record's
``_loss_types``, :func:`chainrule.load_estimator` checks and restores them."""

from __future__ import annotations

from typing import Any

import numpy as np

_LOSS_TYPES = {"float32": np.float32, "float64": np.float64}


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v > 0


def _is_type_name(v: object) -> bool:
    """Whether ``v`` names a loss type: a JSON string only (a list or an object read as
    a key of ``_LOSS_TYPES`` raised "unhashable type" out of ``load_estimator``)."""
    return isinstance(v, str) and v in _LOSS_TYPES


def _type_name(v: object) -> str:
    return "float32" if isinstance(v, np.float32) else "float64"


def _loss_types_json(est: Any) -> dict[str, Any]:
    """The ``_loss_types`` record of a fitted estimator's file: ``loss_curve_``'s types as
    runs ``[["float32", 12], ["float64", 3]]`` (a fit, warm start or ``partial_fit`` call
    sets the type of the losses it appends) and ``best_loss_``'s (null where it is)."""
    runs: list[list] = []
    for v in est.loss_curve_:
        name = _type_name(v)
        if runs and runs[-1][0] == name:
            runs[-1][1] += 1
        else:
            runs.append([name, 1])
    best = est.best_loss_
    return {"loss_curve_": runs, "best_loss_": None if best is None else _type_name(best)}


def _loss_types_problem(record: object, fitted: dict) -> str | None:
    """What is wrong in a file's ``_loss_types`` record for its ``fitted`` losses, or None."""
    if not isinstance(record, dict) or set(record) != {"loss_curve_", "best_loss_"}:
        return ("_loss_types: expected an object of the keys 'loss_curve_' and 'best_loss_', "
                f"found {record!r}")
    runs, best = record["loss_curve_"], record["best_loss_"]
    if not isinstance(runs, list) or not all(
            isinstance(r, list) and len(r) == 2 and _is_type_name(r[0]) and _is_count(r[1])
            for r in runs):
        return (f"_loss_types: loss_curve_: expected runs [[type, count], ...] of the types "
                f"{sorted(_LOSS_TYPES)}, found {runs!r}")
    n = len(fitted["loss_curve_"])
    if sum(r[1] for r in runs) != n:
        return (f"_loss_types: loss_curve_: the runs count {sum(r[1] for r in runs)} losses, "
                f"loss_curve_ holds {n}")
    if (best is None) != (fitted["best_loss_"] is None) or (
            best is not None and not _is_type_name(best)):
        expected = "null" if fitted["best_loss_"] is None else sorted(_LOSS_TYPES)
        return f"_loss_types: best_loss_: expected {expected} (as best_loss_ is), found {best!r}"
    return None


def _typed_losses(curve: list, best: object, record: dict | None) -> tuple[list, Any]:
    """``loss_curve_`` and ``best_loss_`` as read from a file, in the types the saved
    estimator's were (``record``, checked by :func:`_loss_types_problem`); a file without
    the record (older) gives np.float64, as it did.  JSON's number of a float32 loss is
    its exact value, which np.float32 takes back unchanged."""
    if record is None:
        return ([np.float64(v) for v in curve],
                None if best is None else np.float64(best))
    types = [_LOSS_TYPES[name] for name, count in record["loss_curve_"] for _ in range(count)]
    return ([kind(v) for kind, v in zip(types, curve, strict=True)],
            None if best is None else _LOSS_TYPES[record["best_loss_"]](best))
