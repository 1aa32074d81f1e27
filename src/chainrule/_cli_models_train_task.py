"""``chainrule train``'s reading of the data: the task inferred from the target, and the
validation split (see :mod:`chainrule._cli_models_train`)."""

from __future__ import annotations

import argparse

import numpy as np

from ._tabular_table import TARGET_GAP_ADVICE

#: The losses of a regression only (of residuals y - a, or of counts): ``--task auto`` makes
#: a regression of any target with one of them
REGRESSION_LOSSES = ("poisson", "huber", "mean_absolute_error")


def regression_loss(loss: str | None) -> bool:
    """Whether ``--loss`` (a name or an alias: ``mae``) is one of :data:`REGRESSION_LOSSES`."""
    from .losses import ALIASES

    return loss is not None and ALIASES.get(loss, loss) in REGRESSION_LOSSES


def _infer_task(table, requested: str, loss: str | None = None) -> str:
    # refused where continuous, warned of many classes (a regression loss: refused as such)
    if requested == "classification" and not regression_loss(loss):
        from ._cli_models_train_classes import check_class_target

        check_class_target(table)
    if requested != "auto":
        return requested
    if table.task is not None:
        return table.task
    # counts: whole numbers, often few distinct ones, yet a regression (huber: a regression
    # loss, of residuals y - a)
    if regression_loss(loss):
        return "regression"
    y = np.asarray(table.y)
    try:
        values = y.astype(np.float64)
    except ValueError:
        _refuse_stray_text(table)
        _refuse_marked_gaps(table)
        _refuse_label_per_row(table)
        return "classification"
    whole = np.all(np.isfinite(values)) and np.all(values == np.round(values))
    return "classification" if whole and len(np.unique(values)) <= 20 else "regression"


#: The most distinct whole numbers of a target that ``--task auto`` makes a regression
#: and :func:`whole_numbers_note` names as classes that ``--task classification`` takes
#: (beyond ``--max-categories``' default, 100, a count is rarely a class label).
_NOTED_CLASSES = 100


def whole_numbers_note(table, task: str, requested: str, loss: str | None = None) -> str:
    """`` (K distinct whole numbers: ...)`` where ``--task auto`` made a regression of a
    target of 21 to 100 distinct whole numbers (integer class codes, 30 of them, become a
    regression without a word otherwise), else ``""``."""
    if task != "regression" or requested != "auto" or regression_loss(loss):
        return ""
    try:
        values = np.asarray(table.y).astype(np.float64)
    except ValueError:
        return ""
    if values.ndim != 1 or not (np.all(np.isfinite(values))
                                and np.all(values == np.round(values))):
        return ""
    k = len(np.unique(values))
    if not 20 < k <= _NOTED_CLASSES:
        return ""
    return (f" ({k} distinct whole numbers, more than the 20 that --task auto takes as "
            "classes; --task classification if they are class labels)")


def _refuse_stray_text(table) -> None:
    """Refuse a target of numbers with a few text cells, which would become classes.

    Text makes a target a classification, but a column of more than 20 distinct
    numbers in which at most half of the cells are text ("NA", "?", "n/a") is a
    numeric target with missing or bad values: as classes, every number would
    be a class of its own.  ``--task classification`` still takes it as labels.
    """
    numbers, text = [], []
    for i, cell in enumerate(np.asarray(table.y).tolist()):
        try:
            numbers.append(float(cell))
        except (TypeError, ValueError):
            text.append((i, cell))
    distinct = len(set(numbers))
    if distinct > 20 and len(text) <= len(numbers):
        shown = ", ".join(f"{cell!r} (example {i + 1})" for i, cell in text[:5])
        more = f" and {len(text) - 5} more" if len(text) > 5 else ""
        raise ValueError(
            f"{table.source}: the target {table.target_name or 'column'!s} holds "
            f"{distinct} distinct numbers and {len(text)} cell(s) that are not numbers: "
            f"{shown}{more}; remove or fill those examples for a regression, or pass --task "
            "classification to take every value as a class label"
        )


def _marked_gap(cells: np.ndarray) -> int | None:
    """The first of a target column's ``cells`` (shape (n,)) that is a marker of a missing
    value ("NA", "?": :data:`~chainrule._tabular_table.MISSING_MARKERS`) where the
    others are numbers, or None (no marker, markers alone, or other text: classes)."""
    from ._tabular_table import MISSING_MARKERS

    y = np.char.strip(np.asarray(cells).astype(str))
    marked = np.isin(y, list(MISSING_MARKERS))
    if not marked.any() or marked.all():
        return None
    try:
        y[~marked].astype(np.float64)
    except ValueError:  # other text: classes
        return None
    return int(np.flatnonzero(marked)[0])


def _refuse_marked_gaps(table) -> None:
    """Refuse a target of numbers whose other cells are the markers of a missing value.

    "NA" or "?" (:data:`~chainrule._tabular_table.MISSING_MARKERS`) beside 0 and 1 is a
    gap, as in a feature column of numbers, not a third class "NA"; the first is named
    by its line.  ``--task classification`` still takes it as a class label, and among
    classes of text it is one as written ("NA", North America).
    """
    i = _marked_gap(np.asarray(table.y))
    if i is None:
        return
    cell = str(table.y[i]).strip()
    raise ValueError(
        f"{table.where(i)}, target {table.target_name or 'column'!r}: missing value "
        f"(written {cell!r}; the target's other cells are numbers): fill it in or "
        "drop the row (--impute fills features only), or pass --task classification to "
        f"take {cell!r} as a class label")


def _refuse_marked_gaps_several(table, classes: bool = False) -> None:
    """Refuse a target of several whose other cells are numbers where a cell is a marker
    of a missing value ("NA" beside 0 and 1, or beside numbers of a regression), naming
    the first by its line and column: a multi-label target has two classes, so "NA" is
    no class of it, and targets are never imputed.  ``classes`` (``--task
    classification``): only where the marker would be a third class."""
    y = np.asarray(table.y)
    for j, name in enumerate(table.target_names):
        column = np.char.strip(y[:, j].astype(str))
        i = None if classes and len(np.unique(column)) <= 2 else _marked_gap(column)
        if i is not None:
            raise ValueError(
                f"{table.where(i)}, target {name!r}: missing value (written "
                f"{str(y[i, j]).strip()!r}; the target's other cells are numbers): "
                f"{TARGET_GAP_ADVICE}")


#: A text target of at least this many examples, most of them the only one of their
#: class, is refused as classes (the rule of an ID column among the features).
_LABEL_PER_ROW_MIN = 20


def _refuse_label_per_row(table) -> None:
    """Refuse a text target of which most examples are each the only one of their class.

    Such a column is no set of classes but numbers written as text (``"35,103"`` with a
    thousands separator, ``"$35103"``) or an ID: taken as classes, the network would get
    an output per row and the validation accuracy would be 0.  ``--task classification``
    still takes it as labels.  Cells that read as numbers once ``,``, currency signs,
    ``%`` and spaces are taken out are named as such.
    """
    cells = [str(c).strip() for c in np.asarray(table.y).tolist()]
    n = len(cells)
    if n < _LABEL_PER_ROW_MIN:
        return
    _, counts = np.unique(cells, return_counts=True)
    alone = int(np.sum(counts == 1))
    if 2 * alone <= n:
        return
    name = repr(table.target_name) if table.target_name else "column"
    plain = [c.translate(str.maketrans("", "", ",$\u20ac\u00a3% ")) for c in cells]
    numeric = sum(_reads_as_number(c) for c in plain)
    why = ("numbers written with thousands separators or a currency sign (such as "
           f"{cells[0]!r}): write them as plain numbers ({plain[0]}) for a regression"
           if 2 * numeric > n else "an ID or free text: name another --target")
    raise ValueError(
        f"{table.source}: the target {name} holds {len(counts)} distinct text values in "
        f"{n} examples, {alone} of them each the only example of its class, so it is not "
        f"class labels but {why}; or pass --task classification to take every value as a "
        "class label")


def _reads_as_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return bool(text)


def _split(n: int, fraction: float, seed: int, stratify: np.ndarray | None):
    from sklearn.model_selection import train_test_split

    index = np.arange(n)
    if not fraction:
        return index, index[:0]
    if not 0 < fraction < 1:
        raise ValueError(f"--val-fraction must be in [0, 1), got {fraction}")
    n_val = int(np.ceil(fraction * n))
    if n_val >= n:
        raise ValueError(f"--val-fraction {fraction} leaves no training examples of {n}")
    if stratify is not None:  # only where each side can hold every class
        counts = np.unique(stratify, return_counts=True)[1]  # of the classes present
        if counts.min() < 2 or min(n_val, n - n_val) < len(counts):
            stratify = None
    return train_test_split(index, test_size=n_val, random_state=seed, stratify=stratify)


def _infer_task_several(table, requested: str, loss: str | None = None) -> str:
    """The task of several targets (``--target a b ...``).

    A multi-output regression (one identity output per target, as
    :class:`~chainrule.MLPRegressor` fits a 2-D target) or a multi-label
    classification (one sigmoid output per target, each of two classes, as
    :class:`~chainrule.MLPClassifier` fits an indicator matrix).  ``--task
    auto``: a classification when every column is class-like, as one target
    would be (text, or whole numbers with at most 20 distinct ones), and holds
    two distinct values (0/1, yes/no, true/false); a regression when every
    column holds numbers and one at least is not class-like.  Columns that are
    class-like but of more than two classes somewhere, or text among numbers,
    are refused: several targets of three or more classes each are not
    supported (train one model per target).
    """
    if requested == "classification":  # "NA" as a third class of 0/1: a missing value
        _refuse_marked_gaps_several(table, classes=True)
    if requested != "auto":
        return requested  # a classification's columns are checked by their classes
    if regression_loss(loss):
        return "regression"
    _refuse_marked_gaps_several(table)  # "NA" among 0/1 or numbers: no class, no text
    names = table.target_names
    y = np.asarray(table.y)
    text, classlike, distinct = [], [], []
    for j, name in enumerate(names):
        column = np.char.strip(y[:, j].astype(str)) if y.dtype.kind in "SUO" else y[:, j]
        distinct.append(len(np.unique(column)))
        try:
            values = y[:, j].astype(np.float64)
        except ValueError:
            text.append(name)
            classlike.append(name)
            continue
        whole = np.all(np.isfinite(values)) and np.all(values == np.round(values))
        if whole and len(np.unique(values)) <= 20:
            classlike.append(name)
    if len(classlike) == len(names):
        many = [f"{name}: {k} distinct value{'' if k == 1 else 's'}"
                for name, k in zip(names, distinct, strict=True) if k != 2]
        if many:
            raise ValueError(
                f"{table.source}: the targets {', '.join(names)} look like class labels, "
                f"but not of two classes each ({', '.join(many)}); several "
                "targets are classified as two classes each (multi-label: 0/1, yes/no); "
                "train one model per target, or give --task regression to fit numbers")
        return "classification"
    if text:
        numbers = ", ".join(n for n in names if n not in text)
        raise ValueError(
            f"{table.source}: the target{'s' if len(text) > 1 else ''} {', '.join(text)} "
            f"hold{'' if len(text) > 1 else 's'} text, and {numbers} numbers; several "
            "targets are all numbers (a regression) or all labels of two classes "
            "(multi-label: 0/1, yes/no)")
    return "regression"


def _multilabel_targets(table, output: str | None, loss: str | None):
    """Several targets of two classes each as a multi-label classifier's targets.

    Returns
    -------
    labels : list of n_targets lists of 2 labels
        Each target's classes, sorted as :func:`~chainrule.saved_model.fit_labels`
        sorts them (0 before 1, "no" before "yes"); the output unit of a target is
        the probability of its second label.
    index : ndarray of shape (n_samples, n_targets), int
        0 or 1: the index of each example's label of each target.
    output : str
        The output activation: sigmoid (one unit per target), the only one taken.

    Raises
    ------
    ValueError
        For a target of one class or of more than two (named, with its classes),
        another ``--output``, and a ``--loss`` other than log_loss.
    """
    from .activations import get_activation
    from .losses import get_loss
    from .saved_model import fit_labels

    y = np.asarray(table.y)
    labels, index = [], []
    for j, name in enumerate(table.target_names):
        classes, idx = fit_labels(y[:, j])
        if len(classes) != 2:
            shown = ", ".join(map(str, classes[:6])) + (", ..." if len(classes) > 6 else "")
            raise ValueError(
                f"{table.source}: the target {name!r} has {len(classes)} "
                f"class{'' if len(classes) == 1 else 'es'} ({shown}); several classification "
                "targets are each of two classes (multi-label: 0/1, yes/no): train one model "
                "per target, or give --task regression to fit numbers")
        labels.append(classes)
        index.append(idx)
    output = output or "sigmoid"
    if get_activation(output).name != "sigmoid":
        raise ValueError(f"--output: a multi-label classifier (several targets of two classes) "
                         f"needs a sigmoid output, one unit per target, got {output!r}")
    if loss is not None and get_loss(loss).name != "log_loss":
        raise ValueError(f"--loss {loss}: a multi-label classifier's loss is log_loss, each "
                         "sigmoid unit the probability of its target's second label")
    return labels, np.column_stack(index), output


def _several_words(task: str, labels: list | None, names: list[str]) -> str:
    """What train says of several targets: "multi-output regression", or "multi-label
    classification (a: no/yes, b: 0/1)"."""
    if task == "regression":
        return "multi-output regression"
    pairs = ", ".join(f"{name}: {'/'.join(map(str, pair))}"
                      for name, pair in zip(names, labels, strict=True))
    return f"multi-label classification ({pairs})"


def _check_huber(args, task: str) -> None:
    """Refuse --huber-delta without --loss huber, and --loss huber (or mean_absolute_error)
    for a classification."""
    from .losses import get_loss

    huber = args.loss is not None and get_loss(args.loss).name == "huber"
    if args.huber_delta is not None and not huber:
        raise ValueError(f"--huber-delta {args.huber_delta:g}: the threshold of --loss huber, "
                         f"but the loss is {args.loss or 'the default of the output'}; give "
                         "--loss huber too, or leave --huber-delta out")
    absolute = args.loss is not None and get_loss(args.loss).name == "mean_absolute_error"
    if (huber or absolute) and task == "classification":
        raise ValueError(f"--loss {args.loss}: a regression loss (of the residuals y - a), but "
                         "the task is classification; use the default loss (cross_entropy or "
                         "log_loss), or --task regression for a numeric target")


def _check_label_smoothing(args, task: str, output: str) -> None:
    """Refuse --label-smoothing for a regression, or with a loss that has no labels."""
    from ._cli_resume_checks import resolved_loss

    eps = args.label_smoothing
    if eps is None:
        return
    if task == "regression":
        raise ValueError(f"--label-smoothing {eps:g}: softens the class labels of a "
                         "classification, but the task is regression; leave it out")
    loss = resolved_loss(output, args.loss)
    if loss not in ("cross_entropy", "log_loss"):
        raise ValueError(f"--label-smoothing {eps:g}: smooths the targets of cross_entropy or "
                         f"log_loss, but the loss is {loss}; leave --loss out (the output's "
                         "default), or leave --label-smoothing out")


def loss_settings(net) -> dict:
    """The settings of the network's loss as train's options name them in its record:
    ``{"huber_delta": 0.5}``, ``{"label_smoothing": 0.1}`` or ``{}``."""
    return {("huber_delta" if k == "delta" else k): v for k, v in net.loss.params.items()}


def _numeric_targets(table, args: argparse.Namespace) -> np.ndarray:
    """The targets of a regression as numbers; a text cell names what made it a regression
    (text would be classes otherwise): --task regression, or a regression --loss."""
    from .saved_model import regression_targets

    try:
        return regression_targets(table)
    except ValueError as e:
        why = ("--task regression" if args.task == "regression" else
               f"--loss {args.loss}, a regression loss," if regression_loss(args.loss)
               else None)
        if why is None or "not a number" not in str(e):
            raise
        raise ValueError(f"{e}; {why} needs numeric targets (leave it out to classify text "
                         "labels)") from None
