"""The linear baseline of a classifier, beside the network's scores in ``chainrule train``
and ``chainrule cv``: scikit-learn's ``LogisticRegression`` (its defaults, C = 1 and lbfgs,
at most 1000 iterations) on the standardised features, fitted on the training rows with
the network's weights (``--sample-weight`` times ``--class-weight``'s, as train weighs
its cost) and scored on the held-out rows by train's scores: accuracy and log loss.

On the bundled breast_cancer data with train's defaults (seed 0) the network's
validation accuracy was 0.9474 and its log loss 0.3037, LogisticRegression's 0.9649 and
0.1104 on the same 57 rows; nothing said that the network did worse than a linear model.
``LogisticRegressionCV`` (ten values of C, five folds) was measured too: 0.14 s a fit on
breast_cancer against 0.006 s (and 18 s against 0.52 s on a two-core machine busy with
tests, 2026-12-07): 24 to 35 times the cost for a baseline; C = 1 it is.

When train says so (:func:`classifier_note`): on 20 validation rows or more, where the
network's accuracy is below the line's by more than one row can make (two rows of
equal weight; of weighted rows, more than the heaviest row's share of their weight), or
where its log loss is above the line's by more than 10 % of it and 0.01, and the
other score is not better by as much: one row of 57 is 1.75 points of accuracy, which
says nothing of either model, and on iris's five folds (``chainrule cv iris --hidden 16
--epochs 50``) a network two rows of 150 below the line's accuracy had a log loss of
0.112 against its 0.155.  cv compares the means over its folds by the same
rule, one row being of the mean over the folds.

Left out: a multi-label classifier (its scores, subset accuracy and hamming loss, would
need one model per label), and features that are an Embedding layer's indices (a linear
model of token numbers means nothing).
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np

__all__ = ["LOGISTIC_FLOPS", "LOG_LOSS_MARGIN", "baseline_note", "classifier_note",
           "logistic_fold", "logistic_rows", "worse_than_line"]

# lbfgs's pass over the rows costs about rows * features * classes (times a few, for the
# gradient); most standardised fits take 10 to 100 passes.  45,000 rows of 784 features
# and 10 classes took 10 s and more on one core of the development machine; within this
# budget (3188 of those rows) a fit takes about half a second.  Above it the model is
# fitted on a random subset of the training rows, drawn from the run's --seed, said.
LOGISTIC_FLOPS = 2.5e7

# the note compares the network with the line on this many validation rows at least
_FEWEST = 20

# a log loss worse than the line's by more than this fraction of it, and this much (nats)
LOG_LOSS_MARGIN = (0.1, 0.01)


def logistic_rows(n_rows: int, n_features: int, n_classes: int) -> int:
    """How many of ``n_rows`` training rows LogisticRegression is fitted on: all of them
    where ``rows * features * classes`` is within :data:`LOGISTIC_FLOPS`, else the most
    that are (and at least 2)."""
    per_row = max(n_features, 1) * max(n_classes, 2)
    return n_rows if n_rows * per_row <= LOGISTIC_FLOPS else max(2, int(LOGISTIC_FLOPS
                                                                       // per_row))


def logistic_fold(train, held, n_classes: int, class_weight: object = None,
                  seed: int = 0, overwrite: bool = False,
                  extra: str | None = None) -> dict | None:
    """LogisticRegression's accuracy and log loss of the ``held`` rows, fitted on the
    ``train`` rows (each with ``X``, ``y`` of class indices and ``sample_weight``;
    categories already encoded).

    Parameters
    ----------
    train, held : object
        ``X`` of shape (n, ...) (images flattened), ``y`` of shape (n,): class indices
        into the ``n_classes`` labels, ``sample_weight`` of shape (n,) or None.
    n_classes : int
        The classes there are (the network's outputs of a softmax).
    class_weight : None, "balanced" or dict
        ``--class-weight`` as :func:`chainrule.train` takes it (class index: weight).
    seed : int, default 0
        Where the training rows exceed :func:`logistic_rows`' budget, the random subset
        fitted on is drawn from it (the same seed, the same subset).
    overwrite : bool, default False
        Whether ``train.X`` and ``held.X``, where they are float64, may be standardised
        in place (the callers' own copies of the rows: no second copy of them).
    extra : str, optional
        One more of evaluate's scores of a classifier (``balanced_accuracy``,
        ``f1_macro``, ``roc_auc``, ``average_precision``: tune's ``--scoring``), computed
        by evaluate's own code of the held-out probabilities; left out where evaluate
        leaves it out (ROC AUC of held-out rows of one class).

    Returns
    -------
    dict or None
        ``{"accuracy", "log_loss", "rows", "of", "one_row"}`` (and ``extra``): the
        scores, the training rows fitted on and the training rows there were, and the
        most one held-out row moves the accuracy (its weight's share); None where the
        standardisation overflows, or the rows fitted on hold one class only.
    """
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    from ._class_weight import label_weights, times_sample_weight
    from ._cli_models_scores import _log_loss_of

    n = len(train.y)
    rows = logistic_rows(n, int(np.prod(np.shape(train.X)[1:], dtype=np.int64)), n_classes)
    pick = (slice(None) if rows == n
            else np.sort(np.random.default_rng(seed).choice(n, rows, replace=False)))
    y = np.asarray(train.y).astype(np.intp)[pick]
    y_held = np.asarray(held.y).astype(np.intp)
    w = _weights(None if train.sample_weight is None else np.asarray(train.sample_weight)[pick])
    if len(np.unique(y)) < 2:
        return None  # LogisticRegression needs two classes
    Z, Z_held = _copies(np.asarray(train.X)[pick], np.asarray(held.X), overwrite)
    if not _standardised(Z, Z_held, w):
        return None
    cw = label_weights(class_weight, y, np.arange(max(n_classes, 2)), sample_weight=w)
    weights = w if cw is None else times_sample_weight(cw, w, class_weight)
    with warnings.catch_warnings():  # a fit short of convergence is still the baseline
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = LogisticRegression(max_iter=1000).fit(Z, y, sample_weight=_mean_one(weights))
    proba = np.zeros((len(y_held), max(n_classes, 2)))
    proba[:, model.classes_] = model.predict_proba(Z_held)  # classes the rows lack: 0
    w_held = _weights(held.sample_weight)
    one_row = (1.0 / len(y_held) if w_held is None
               else float(np.max(w_held) / np.sum(w_held)))
    more = ({} if extra in (None, "accuracy", "log_loss")
            else _more_scores(model, Z_held, proba, y_held, w_held, extra))
    return {"accuracy": float(np.average(proba.argmax(axis=1) == y_held, weights=w_held)),
            "log_loss": _log_loss_of(y_held, proba, max(n_classes, 2), w_held),
            **more, "rows": rows, "of": n, "one_row": one_row}


def _more_scores(model, Z_held: np.ndarray, proba: np.ndarray, y_held: np.ndarray,
                 w_held: np.ndarray | None, name: str) -> dict[str, float]:
    """evaluate's score ``name`` (:func:`~chainrule._cli_models_report._class_scores`) of
    the fitted LogisticRegression ``model``'s probabilities ``proba`` of the held-out
    rows ``Z_held`` (a class the training rows lacked: probability 0); ``{}`` where
    evaluate leaves it out."""
    from ._cli_models_report import _class_scores

    def log_proba() -> np.ndarray:  # what ROC AUC ranks by where probabilities round to 1
        from scipy.special import log_softmax

        # the log-softmax of the decision function: finite where predict_log_proba, the
        # log of the rounded probabilities, gives -inf
        d = model.decision_function(Z_held)
        logits = np.column_stack([np.zeros_like(d), d]) if d.ndim == 1 else d
        out = np.full(proba.shape, -np.inf)
        out[:, model.classes_] = log_softmax(logits, axis=1)
        return out

    outputs = SimpleNamespace(task="classification", labels=None, multilabel=False,
                              margin=False, log_proba=log_proba)
    with warnings.catch_warnings():  # evaluate's warnings of a fold are not the line's
        warnings.simplefilter("ignore")
        scores, _ = _class_scores(outputs, proba, y_held, w_held, only=name)
    return {k: float(v) for k, v in scores.items()}


def _weights(w: np.ndarray | None) -> np.ndarray | None:
    """``w`` in float64, or None where every weight is the same: train's cost weighs row
    i by ``w_i m / sum(w)``, so equal weights are no weights, bit for bit (scikit-learn's
    weighted fit and scores would give them another rounding)."""
    if w is None:
        return None
    w = np.asarray(w, dtype=np.float64)
    return None if not w.size or np.all(w == w.flat[0]) else w


def _mean_one(w: np.ndarray | None) -> np.ndarray | None:
    """The fit's weights (sample times class) scaled to a mean of 1, as train's cost
    divides by their sum: LogisticRegression adds ``w_i`` times each loss, so with the
    weights as given its C = 1 would be another strength for each scale of them."""
    return None if w is None else w * (w.size / w.sum())


def _copies(train: np.ndarray, held: np.ndarray,
            overwrite: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``train`` and ``held`` as 2-D float64 arrays (images flattened; lbfgs fits float64),
    each missing cell (NaN) filled with the training rows' mean of its column (0 for a
    column of none), as the regression baseline's features: copies, or with
    ``overwrite`` the arrays themselves where they are float64 already."""
    train = np.array(train, dtype=np.float64, copy=None if overwrite else True)
    held = np.array(held, dtype=np.float64, copy=None if overwrite else True)
    train, held = train.reshape(len(train), -1), held.reshape(len(held), -1)
    if np.isnan(train).any() or np.isnan(held).any():
        counts = np.sum(~np.isnan(train), axis=0)
        fill = np.where(counts > 0, np.nansum(train, axis=0) / np.maximum(counts, 1), 0)
        for rows in (train, held):
            gaps = np.isnan(rows)
            rows[gaps] = np.broadcast_to(fill, rows.shape)[gaps]
    return train, held


def _standardised(Z: np.ndarray, Z_held: np.ndarray, w: np.ndarray | None) -> bool:
    """Standardise ``Z`` and ``Z_held`` in place by scikit-learn's ``StandardScaler``
    fitted on ``Z`` (weighted by ``w``), an eighth of the columns at a time: its fit
    copies what it is given, and a copy of every training row would be the baseline's
    largest array (cv of 20,000 rows of 20 float32 features, 3 folds: the run's peak
    5.47 times the features with it, 4.54 without the baseline, 4.56 as here with
    :func:`_float64_rows`).  False where a value is not finite after (an overflow)."""
    from sklearn.preprocessing import StandardScaler

    step = max(1, -(-Z.shape[1] // 8))
    with np.errstate(all="ignore"):  # values near the float64 limit: False, not warned
        for j in range(0, Z.shape[1], step):
            scaler = StandardScaler().fit(Z[:, j:j + step], sample_weight=w)
            for rows in (Z, Z_held):
                rows[:, j:j + step] -= scaler.mean_
                rows[:, j:j + step] /= scaler.scale_
    return bool(np.isfinite(Z).all() and np.isfinite(Z_held).all())


def worse_than_line(net: dict, line: dict, one_row: float) -> list[str]:
    """The scores of the network (``net``: ``accuracy``, and ``log_loss`` but for a
    margin loss) that are worse than the linear model's (``line``) by more than a few
    rows' chance makes, where the other score is not clearly better: accuracy lower by
    more than ``one_row`` (the most one held-out row moves it), log loss higher by more
    than :data:`LOG_LOSS_MARGIN` (10 % of the line's, and 0.01).  A network whose
    accuracy is two rows below the line's but whose log loss is lower by more than that
    margin is not said to be worse, nor is one of a higher log loss but an accuracy
    more than one row above.

    Returns
    -------
    list of str
        ``"accuracy"``, ``"log loss"``, both or neither.
    """
    slack = one_row * (1 + 1e-9)  # a gap of exactly one row, in floating point, is one
    acc, line_acc = net.get("accuracy"), line["accuracy"]
    loss, line_loss = net.get("log_loss"), line["log_loss"]
    relative, absolute = LOG_LOSS_MARGIN
    margin = max(relative * line_loss, absolute)
    acc_worse = acc is not None and line_acc - acc > slack
    acc_better = acc is not None and acc - line_acc > slack
    loss_worse = loss is not None and loss - line_loss > margin
    loss_better = loss is not None and line_loss - loss > margin
    return ((["accuracy"] if acc_worse and not loss_better else [])
            + (["log loss"] if loss_worse and not acc_better else []))


def _shown(net: dict) -> list[tuple[str, str]]:
    """The scores a note shows of both: those the network has of accuracy and log loss."""
    return [(name, key) for name, key in (("accuracy", "accuracy"), ("log loss", "log_loss"))
            if key in net]


def classifier_note(X: np.ndarray, y: np.ndarray, train_idx: np.ndarray,
                    val_idx: np.ndarray, sample_weight: np.ndarray | None, net: dict,
                    n_classes: int, class_weight: object = None, seed: int = 0,
                    remedy: str | None = None) -> str | None:
    """train's note where LogisticRegression, fitted on the training rows, scores the
    validation rows better than the network (:func:`worse_than_line`: by more than one
    row's accuracy, or a log loss lower by more than 10 %); None where it does not, or
    where there is nothing to compare (fewer than 20 validation rows, no baseline to be
    had).

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Every row's features as train's table holds them (categories encoded).
    y : ndarray of shape (n_samples,)
        Each row's class index.
    train_idx, val_idx : ndarray of int
        The training and the validation rows.
    sample_weight : ndarray of shape (n_samples,), optional
        ``--sample-weight``'s.
    net : dict
        The network's validation scores as train's line prints them (``accuracy``, and
        ``log_loss`` but for a margin loss).
    n_classes : int
        The classes.
    class_weight : None, "balanced" or dict
        ``--class-weight`` by class index, as the network's training takes it.
    seed : int, default 0
        train's ``--seed`` (the subset of a training set over the budget).
    remedy : str, optional
        :func:`~chainrule._cli_models_baseline.remedies`' words, which the note adds.
    """
    if "accuracy" not in net or len(val_idx) < _FEWEST or not len(train_idx):
        return None

    def part(idx: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(X=_float64_rows(X, idx), y=np.asarray(y)[idx], sample_weight=(
            None if sample_weight is None else sample_weight[idx]))

    try:
        found = logistic_fold(part(train_idx), part(val_idx), n_classes, class_weight, seed,
                              overwrite=True)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
        return None
    worse = [] if found is None else worse_than_line(net, found, found["one_row"])
    if not worse:
        return None
    fitted = (f"the {len(train_idx)}" if found["rows"] == len(train_idx)
              else f"a random {found['rows']} of the {len(train_idx)}")
    weighted = ", weighted as the network's" if (
        sample_weight is not None or class_weight is not None) else ""
    shown = _shown(net)
    return (f"chainrule train: note: on the {len(val_idx)} validation rows a linear model "
            f"(LogisticRegression on the standardised features, fitted on {fitted} "
            f"training rows{weighted}) scores "
            + ", ".join(f"{name} {found[key]:.4g}" for name, key in shown)
            + ", the network " + ", ".join(f"{name} {net[key]:.4g}" for name, key in shown)
            + f": its {' and '.join(worse)} {'are' if len(worse) > 1 else 'is'} worse than "
            "the linear model's here; " + (f"{remedy}; " if remedy else "")
            + "chainrule cv with the same options compares them over folds")


def baseline_note(args, task: str, several: bool, X: np.ndarray, y: np.ndarray,
                  train_idx: np.ndarray, val_idx: np.ndarray,
                  sample_weight: np.ndarray | None, net: dict, n_classes: int,
                  class_weight: object = None) -> str | None:
    """train's note of a network below the linear model fitted on its training rows:
    RidgeCV's for a regression (:func:`~chainrule._cli_models_baseline.train_note`),
    LogisticRegression's for a single-label classifier (:func:`classifier_note`; not of
    an Embedding's indices); None where it does no worse, or there is no baseline.
    ``args``: train's options (``--seed``, and those
    :func:`~chainrule._cli_models_baseline.remedies` reads); ``net``: the network's
    validation scores."""
    from ._cli_models_baseline import remedies, train_note
    from ._cli_models_train_prepare import indices_first

    if not len(val_idx):
        return None
    if task == "regression":
        return train_note(X, y, train_idx, val_idx, sample_weight, net.get("r2"),
                          seed=args.seed, remedy=remedies(args))
    if several or indices_first(args):
        return None
    return classifier_note(X, y, train_idx, val_idx, sample_weight, net, n_classes,
                           class_weight, seed=args.seed,
                           remedy=remedies(args, "classification"))


def _float64_rows(X: np.ndarray, rows: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """``X[rows]`` in float64, taken ``chunk`` rows at a time: no whole copy of them in
    ``X``'s own dtype (float32) beside the float64 one."""
    out = np.empty((len(rows), *np.shape(X)[1:]), dtype=np.float64)
    for i in range(0, len(rows), chunk):
        out[i:i + chunk] = X[rows[i:i + chunk]]
    return out
