"""``chainrule train --class-weight``: "balanced", or a JSON object ``{label: weight}`` whose
keys are the class labels as the data file writes them.

JSON keys are text, while the classes of a data file may be numbers (an NPZ file's
integer ``y``, a bundled data set): a key names the class whose text it is (the text
``predict`` writes), else the one class of the same value (``"1.0"`` the class ``1``), as
``evaluate`` matches a target to a class.  :func:`chainrule.train` then takes the weights
by output unit (class index); the record and the checkpoint keep them in a form that
says what they mean, so that the same weights spelt otherwise are the same run.
"""

from __future__ import annotations

import json

import numpy as np

from ._class_weight import check_class_weight, label_weights
from ._table_labels import _value  # a label's text as a finite number, as evaluate reads it

__all__ = ["balanced_record", "class_weight_option", "class_weight_record",
           "resolve_class_weight"]

_OPTION = "--class-weight"
_FORMS = "'balanced' or a JSON object {label: weight} such as '{\"setosa\": 2}'"


def class_weight_option(text: str | None) -> str | dict | None:
    """``--class-weight`` as given: None, "balanced" or a dict {label text: weight}.

    Checked before the data are read: the form, the JSON, the weights (finite
    numbers >= 0) and keys given twice.  Whether the keys are classes of the
    data is :func:`resolve_class_weight`'s to say.

    Parameters
    ----------
    text : str or None
        The option's text (None: not given).

    Returns
    -------
    None, "balanced" or dict

    Raises
    ------
    ValueError
        Naming ``--class-weight``, what it takes and what it got.
    """
    if text is None:
        return None
    if text.strip() == "balanced":
        return "balanced"
    if not text.lstrip().startswith("{"):
        raise ValueError(f"{_OPTION}: expected {_FORMS}, got {text!r:.80}")

    def pairs(items: list) -> dict:
        keys = [key for key, _ in items]
        twice = sorted({key for key in keys if keys.count(key) > 1})
        if twice:
            raise ValueError(f"{_OPTION}: the class(es) {twice} are given more than once")
        return dict(items)

    try:
        spec = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{_OPTION}: not valid JSON ({exc}): {text!r:.80}") from None
    except RecursionError:  # json.loads' own limit: '{"a": ' * 100000
        raise ValueError(f"{_OPTION}: not valid JSON (nested too deeply): {text:.40}...") from None
    if not isinstance(spec, dict):  # '{}' followed by nothing else is an object
        raise ValueError(f"{_OPTION}: expected {_FORMS}, got {text!r:.80}")
    return check_class_weight(spec, _OPTION)


def _label_text(label: object) -> str:
    """A class label as ``predict`` writes it (the labels of ``fit_labels``: str, int, float)."""
    return label.strip() if isinstance(label, str) else str(label)


def resolve_class_weight(spec: str | dict | None, *, task: str, loss: str, labels: list | None,
                         y_train: np.ndarray | None, target: str | None
                         ) -> tuple[str | dict | None, str | dict | None]:
    """``--class-weight`` for the data read: the weights :func:`chainrule.train` takes, and
    what they mean.

    Parameters
    ----------
    spec : None, "balanced" or dict
        What :func:`class_weight_option` returned.
    task : str
        "classification" or "regression".
    loss : str
        The network's loss, resolved: class weights need "cross_entropy" or "log_loss".
    labels : list or None
        The classes, in the order of the output units (None for a regression).
    y_train : ndarray of shape (n_train,), int, or None
        The class index of each training example.
    target : str, list of str or None
        The target's name (the targets' of a multi-label classifier, whose
        "balanced" :func:`chainrule.train` takes as scikit-learn's
        ``compute_sample_weight`` of the indicator matrix), for the messages.

    Returns
    -------
    class_weight : None, "balanced" or dict
        For :func:`chainrule.train`: a dict maps class indices (ints) to weights;
        the classes of weight 1 are left out (so no dict at all when every weight
        is 1: the run is the unweighted one).
    meaning : None, "balanced" or dict
        The same with the class indices as text (a JSON object's keys): equal for
        the same weights however they were spelt.

    Raises
    ------
    ValueError
        Naming ``--class-weight``: for a regression, a loss that is not a
        classifier's, a key that names no class (or a class named twice), or
        weights that give every training example weight 0.
    """
    if spec is None:
        return None, None
    if task != "classification":
        which = (f"the targets {', '.join(map(repr, target))} are a multi-output regression"
                 if isinstance(target, list) else f"the target {target!r} is a regression")
        raise ValueError(
            f"{_OPTION}: class weights need a classification, but {which} (give --task "
            "classification if its values are class labels)")
    if loss not in ("cross_entropy", "log_loss"):
        raise ValueError(
            f"{_OPTION}: class weights need a classifier's loss, cross_entropy (softmax) or "
            f"log_loss (sigmoid), got --loss {loss}")
    if isinstance(spec, str):
        return spec, spec
    texts = [_label_text(label) for label in labels]
    weights: dict[int, float] = {}
    named_by: dict[int, str] = {}
    for key, weight in spec.items():
        index = _class_of(key, texts, target)
        if index in named_by:
            raise ValueError(f"{_OPTION}: {named_by[index]!r} and {key!r} both name the class "
                             f"{texts[index]!r}; give each class once")
        named_by[index] = key
        weights[index] = float(weight)
    present = np.unique(y_train).tolist()
    if all(weights.get(c, 1.0) == 0 for c in present):
        raise ValueError(f"{_OPTION}: every training example gets weight 0 (the classes of "
                         f"the training examples are {[texts[c] for c in present]}); at least "
                         "one of them must weigh more than 0")
    class_weight = {c: w for c, w in sorted(weights.items()) if w != 1.0} or None
    meaning = None if class_weight is None else {str(c): w for c, w in class_weight.items()}
    return class_weight, meaning


def _class_of(key: str, texts: list[str], target: str | None) -> int:
    """The class a JSON key names: by its text, else the one class of the same value."""
    text = key.strip()
    if text in texts:
        return texts.index(text)
    value = _value(text)
    same = [i for i, t in enumerate(texts) if value is not None and _value(t) == value]
    if len(same) == 1:
        return same[0]
    shown = ", ".join(texts[:20]) + (", ..." if len(texts) > 20 else "")
    why = (f"the classes {[texts[i] for i in same]} all have its value; give one of them "
           "as it is written" if same else f"the classes of the target {target!r} are {shown}")
    raise ValueError(f"{_OPTION}: no class {key!r}; {why}")


def class_weight_record(meaning: str | dict | None, labels: list | None) -> str | dict | None:
    """What the model file records: "balanced", or {label: weight} by the labels' text."""
    if not isinstance(meaning, dict):
        return meaning
    return {_label_text(labels[int(c)]): w for c, w in meaning.items()}


def balanced_record(meaning: str | dict | None, labels: list | None, y_train: np.ndarray,
                    sample_weight: np.ndarray | None = None,
                    target_names: list | None = None) -> dict | None:
    """The weights "balanced" gave each class of the training rows, as the model file
    records them: {label text: weight}, the classes present in ``y_train`` in their order
    (``n / (k * n_c)``, scikit-learn's ``compute_class_weight``; ``n`` and ``n_c`` sums of
    ``sample_weight`` where given, as training counted them); of a multi-label target
    (2-D ``y_train``, ``labels`` a pair per target), {target name: {label text: weight}},
    each target's own, an example weighing the product over its targets
    (``compute_sample_weight("balanced", Y)``); None for any other ``meaning``.

    Parameters
    ----------
    meaning : None, "balanced" or dict
        :func:`resolve_class_weight`'s second value.
    labels : list or None
        The classes, in the order of the output units.
    y_train : ndarray of shape (n_train,)
        The class index of each training example.
    sample_weight : ndarray of shape (n_train,) or None
        ``--sample-weight``'s weights of those examples.
    target_names : list or None
        A multi-label target's names, one per column of ``y_train``.
    """
    y_train = np.asarray(y_train)
    if (y_train.ndim == 2 and target_names is not None and labels is not None
            and len(target_names) == y_train.shape[1] == len(labels)):  # multi-label
        records = [balanced_record(meaning, list(pair), y_train[:, j], sample_weight)
                   for j, pair in enumerate(labels)]
        if any(r is None for r in records):
            return None
        return {str(name): r for name, r in zip(target_names, records, strict=True)}
    if meaning != "balanced" or labels is None or y_train.ndim != 1 or not len(y_train):
        return None
    each = label_weights("balanced", y_train, np.arange(len(labels)),
                         sample_weight=sample_weight)
    present, first = np.unique(y_train, return_index=True)
    return {_label_text(labels[int(c)]): float(each[i])
            for c, i in zip(present.tolist(), first.tolist(), strict=True)}
