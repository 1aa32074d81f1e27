"""The check of a model file's decision threshold record (metadata ``threshold``, written
by ``chainrule tune-threshold -o``), one of those of
:func:`~chainrule._saved_model_file._metadata_problem`.

``predict``, ``evaluate``, ``importance`` and ``plot`` decide the second class where its
probability is at or above ``threshold.value``; ``info`` shows the record.  A damaged
record (a value of ``"0.3"``, NaN, 1.5 or -0.2, no value, a record that is no JSON object)
was passed over without a word: the most probable class was predicted instead of the
threshold the file was tuned for, and ``info`` said nothing of it.  Now such a file is
refused as corrupted, the field named, as every other field of the metadata is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ._io_records import finite_number
from ._table_labels import _text

if TYPE_CHECKING:
    from .saved_model import SavedModel

__all__ = ["threshold_problem"]


def threshold_problem(model: SavedModel) -> str | None:
    """What is wrong with ``model``'s metadata ``threshold``, or None (none, or a sound one).

    Sound: a JSON object whose ``value`` is a number in [0, 1] (the probability of the
    second class at or above which it is predicted, as ``stored_threshold`` reads it),
    of a classifier whose outputs are the probabilities of two classes (or of each label
    of a multi-label one); its ``positive`` class, where recorded, the model's second
    label; ``scoring`` a string, ``folds`` a whole number >= 1, ``minimum``, ``score`` and
    ``score_at_0.5`` numbers (or null), where recorded: what ``info`` shows.

    Parameters
    ----------
    model : SavedModel
        Its metadata's task and labels already checked against its network.

    Returns
    -------
    str or None
        ``"threshold.KEY: what is wrong"``, e.g. ``"threshold.value: expected a
        probability in [0, 1], got 1.5"``.
    """
    record = model.metadata.get("threshold")
    if record is None:  # (null: none, as the command line reads it)
        return None
    if not isinstance(record, dict):
        return (f"threshold: expected a JSON object (the record of chainrule tune-threshold "
                f"-o, with its value), got {record!r:.60}")
    if "value" not in record:
        return "threshold.value: missing (the decision threshold the record is of)"
    value = record["value"]
    if not (finite_number(value) and 0 <= value <= 1):
        return f"threshold.value: expected a probability in [0, 1], got {value!r:.40}"
    labels = model.labels or []
    if model.task != "classification" or model.margin or (
            not model.multilabel and len(labels) != 2):
        what = ("a regression model" if model.task != "classification" else
                f"trained with the margin loss {model.network.loss.name!r}" if model.margin
                else f"a classifier of {len(labels)} classes")
        return (f"threshold: the model is {what}; a decision threshold is of the "
                "probability of the second of two classes")
    positive = record.get("positive")  # (as predict writes a label: 1, 1.0 and "1" alike)
    if positive is not None and not model.multilabel and _text(positive) != _text(labels[1]):
        return (f"threshold.positive: expected the model's second class {labels[1]!r} (the "
                f"class the threshold decides), got {positive!r:.40}")
    scoring = record.get("scoring")
    if scoring is not None and not isinstance(scoring, str):
        return f"threshold.scoring: expected the name of a scoring, got {scoring!r:.40}"
    folds = record.get("folds")
    if folds is not None and (isinstance(folds, bool) or not isinstance(folds, int)
                              or folds < 1):
        return f"threshold.folds: expected a whole number >= 1, got {folds!r:.40}"
    for key in ("minimum", "score", "score_at_0.5"):
        got = record.get(key)  # (a float NaN is a number; an int past a float's range not)
        if got is not None and not (isinstance(got, float) or finite_number(got)):
            return f"threshold.{key}: expected a number, got {got!r:.40}"
    return None
