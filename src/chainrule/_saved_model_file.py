"""The checks :meth:`chainrule.saved_model.SavedModel.load` makes on a model file's
metadata (:func:`_metadata_problem`): the task, labels, feature names, scaling and
records against the network read from the same file."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from ._impute import imputer_problem, n_indicators
from ._io_files import finite_number
from ._saved_model_range import range_problem
from ._saved_model_threshold import threshold_problem
from ._saved_model_training import rule_settings_problem
from ._saved_model_tune import tune_problem
from ._table_labels import _text
from ._tabular_categories import categories_problem

if TYPE_CHECKING:
    from .saved_model import SavedModel

_TASKS = ("classification", "regression")


_finite_number = finite_number  # a JSON int past int64 included (np.isfinite raises on it)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _metadata_problem(model: SavedModel) -> str | None:
    """What in a model's metadata disagrees with its network or with itself, or None.

    The one check of everything the command line reads from a model file: the
    task, the labels (one per output unit; a single sigmoid output has two),
    the feature names, the standardisation (one mean and one positive scale per
    feature; a regression target's mean and scale as numbers), and the types of
    the records ``info`` and ``plot loss`` show, and the decision threshold (``threshold``,
    :func:`~chainrule._saved_model_threshold.threshold_problem`) and search (``tune``,
    :func:`~chainrule._saved_model_tune.tune_problem`) records.

    Returns
    -------
    str or None
        ``"KEY: what is wrong"``, e.g. ``"labels: 3 labels for a network with 1 output"``.
    """
    meta, net = model.metadata, model.network
    n_in, n_out = model.n_features, net.n_outputs
    inputs = f"a network with {_plural(n_in, 'input')}"
    task = meta.get("task")
    if task not in _TASKS:
        return (f"task: {task!r}, expected 'classification' or 'regression'"
                if "task" in meta else "task: missing")
    labels = meta.get("labels")
    targets = meta.get("target_names")
    # a multi-label classifier (two labels per target): of a saved network of several
    # sigmoid outputs, which names no targets, too (not a file of chainrule train)
    pairs = (isinstance(labels, list) and bool(labels) and targets is None
             and meta.get("kind") != "chainrule.cli.model"
             and all(isinstance(pair, list) for pair in labels))
    if task == "classification" and isinstance(labels, list) and (
            isinstance(targets, list) or pairs):
        # a multi-label classifier: two labels per target, one sigmoid output each
        if len(labels) != n_out or not all(isinstance(pair, list) and len(pair) == 2 and all(
                isinstance(v, str) or _finite_number(v) for v in pair) for pair in labels):
            return (f"labels: expected {n_out} lists of two labels (one per target), got "
                    f"{labels!r}"[:200])
        same = next((pair for pair in labels if _text(pair[0]) == _text(pair[1])), None)
        if same is not None:
            return f"labels: {_text(same[0])!r} appears 2 times"
    elif task == "classification" or labels is not None:
        if labels is None:
            return "labels: missing for a classification model"
        if not isinstance(labels, list) or not all(
                isinstance(v, str) or _finite_number(v) for v in labels):
            return "labels: expected a list of strings or numbers"
        texts = [_text(v) for v in labels]
        counts = Counter(texts)  # not texts.count per label: quadratic in the labels
        dup = next((t for t in texts if counts[t] > 1), None)
        if dup is not None:
            return f"labels: {dup!r} appears {counts[dup]} times"
        if task == "classification" and len(labels) != (2 if n_out == 1 else n_out):
            return (f"labels: {_plural(len(labels), 'label')} for a network with "
                    f"{_plural(n_out, 'output')}")
    problem = imputer_problem(meta)  # --impute's record: before the widths it sets
    if problem:
        return problem
    names = meta.get("feature_names")
    if names is not None:
        if not isinstance(names, list) or not all(isinstance(v, str) for v in names):
            return "feature_names: expected a list of strings"
        counts = Counter(names)
        dup = next((n for n in names if counts[n] > 1), None)
        if dup is not None:
            return f"feature_names: {dup!r} appears {counts[dup]} times"
        if len(names) != n_in:
            return f"feature_names: {_plural(len(names), 'name')} for {inputs}"
    problem = categories_problem(meta, n_in)  # one-hot encoded categorical columns
    if problem:
        return problem
    n_net = n_in + n_indicators(meta)  # the network's inputs: the missing indicators too
    for mean, scale in (("x_mean", "x_scale"), ("y_mean", "y_scale")):
        if (mean in meta) != (scale in meta):
            present, absent = (mean, scale) if mean in meta else (scale, mean)
            return f"{absent}: missing, though {present} is there"
    for key in ("x_mean", "x_scale"):
        if key in meta:
            values = meta[key]
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                return f"{key}: expected a list of finite numbers"
            if len(values) != n_net:
                return (f"{key}: {_plural(len(values), 'value')} for a network with "
                        f"{_plural(n_net, 'input')}")
            if key == "x_scale" and not all(v > 0 for v in values):
                return "x_scale: expected positive numbers"
    problem = range_problem(meta, n_net)  # train's record of the training rows' range
    if problem:
        return problem
    for key in ("y_mean", "y_scale"):
        if key in meta:
            # a number, or one per output of a model of several targets (target_names)
            values = meta[key] if isinstance(meta[key], list) and n_out > 1 else [meta[key]]
            if not all(_finite_number(v) and (key != "y_scale" or v > 0) for v in values):
                return f"{key}: expected a {'positive' if key == 'y_scale' else 'finite'} " \
                       f"number, got {meta[key]!r}"
            if len(values) not in (1, n_out):
                return f"{key}: {_plural(len(values), 'value')} for a network with " \
                       f"{_plural(n_out, 'output')}"
    if targets is not None:
        if not isinstance(targets, list) or not all(isinstance(v, str) for v in targets):
            return "target_names: expected a list of strings"
        if len(set(targets)) != len(targets):
            return "target_names: a name appears twice"
        if len(targets) != n_out:
            return (f"target_names: {_plural(len(targets), 'name')} for a {task} network "
                    f"with {_plural(n_out, 'output')}")
    for key in ("target_name", "data", "kind", "data_path", "val_data", "val_data_path"):
        if meta.get(key) is not None and not isinstance(meta[key], str):
            return f"{key}: expected a string, got {meta[key]!r:.60}"
    for key in ("data_sha256", "val_data_sha256"):  # evaluate's provenance compares them
        if meta.get(key) is not None and not (
                isinstance(meta[key], str) and len(meta[key]) == 64
                and all(c in "0123456789abcdef" for c in meta[key])):
            return f"{key}: expected 64 lower-case hexadecimal digits, got {meta[key]!r:.80}"
    problem = _count_problem(meta, ("data_rows", "val_data_rows"), "")
    if problem:
        return problem
    if meta.get("training") is not None and not isinstance(meta["training"], dict):
        return f"training: expected a JSON object of settings, got {meta['training']!r}"
    problem = _count_problem(meta.get("training") or {}, ("epochs", "val_rows"), "training.")
    if problem:
        return problem
    stop = (meta.get("training") or {}).get("stop_reason")
    if stop is not None and not isinstance(stop, str):
        return f"training.stop_reason: expected a string, got {stop!r:.60}"
    seed = (meta.get("training") or {}).get("seed")  # null: a file from before it was kept
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        # evaluate, predict and plot draw a generated data set (moons) again from it: read
        # as 0 instead, they scored another draw than the model's, silently
        return (f"training.seed: expected null or an int >= 0 (the --seed train drew its "
                f"data and weights from), got {seed!r:.40}")
    # the update rule's settings: lr = inf, momentum = 1.5 were shown by info as the run's
    problem = rule_settings_problem(meta.get("training") or {})
    if problem:
        return problem
    history = meta.get("history")
    if history is not None:
        if not isinstance(history, dict):
            return f"history: expected a JSON object of lists, got {history!r}"
        for key, values in history.items():
            if not isinstance(values, list) or not all(_finite_number(v) for v in values):
                return f"history: {key!r} is not a list of finite numbers"
    # tune-threshold -o's record, which predict decides by, and tune -o's, which info shows
    return threshold_problem(model) or tune_problem(meta)


def _count_problem(record: dict, keys: tuple[str, ...], where: str) -> str | None:
    """What is wrong with ``record``'s counts under ``keys`` (each an int >= 0 where
    present, null allowed), ``where`` the record's name for the message, or None."""
    for key in keys:
        value = record.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 0):
            return f"{where}{key}: expected a whole number >= 0, got {value!r:.60}"
    return None
