"""The baselines that ``chainrule cv`` prints beside a regression network's scores, on
the same folds: the training rows' mean (what R^2 = 0 means) and a linear model,
scikit-learn's ``RidgeCV`` on the standardised features, so that a user sees whether the
network does better than a line.

On the bundled diabetes data with train's defaults the network's mean R^2 over 5 folds
was 0.197 and RidgeCV's 0.487: without a linear model beside it, nothing said that the
network had overfitted (the README's "Regression: is the network better than a line?"
gives the figures and the options that close the gap).

Each fold's baselines are fitted on the fold's training rows alone (categories encoded
over them, as the network's; a missing cell filled with the training rows' mean of its
column; ``--sample-weight`` weighing the mean, the standardisation and the ridge fit)
and scored on its held-out rows by evaluate's scores, as the network's.
"""

from __future__ import annotations

import numpy as np

from ._cli_args_rule import FULL_BATCH_OPTIMIZERS

__all__ = ["ALPHAS", "baseline_lines", "cv_baseline", "fold_baselines", "remedies",
           "train_note"]

# RidgeCV's penalties tried on each fold (efficient leave-one-out, scikit-learn's default
# cv=None): 1e-3 to 1e3, two a decade
ALPHAS = np.logspace(-3, 3, 13)

# train's note compares R^2 on this many validation rows at least
_FEWEST = 20

# RidgeCV's leave-one-out costs about rows * features * min(rows, features) flops (an SVD
# of the rows, or the eigendecomposition of their Gram matrix): 14 s for 45,000 rows of
# 784 features on one core of the development machine, beside a network whose epoch of
# those rows takes under a second.  Above this budget (under half a second there) the
# line is fitted on a random subset of the training rows that fits it, said in its line,
# drawn from the run's --seed (as the split, the folds and the initial weights are).
_RIDGE_FLOPS = 1e9


def _ridge_rows(n_rows: int, n_features: int) -> int:
    """How many of ``n_rows`` training rows RidgeCV is fitted on: all of them where
    ``rows * features * min(rows, features)`` is within :data:`_RIDGE_FLOPS`, else the
    most that are (and at least 2)."""
    def cost(m: int) -> float:
        return float(m) * n_features * min(m, n_features)

    if cost(n_rows) <= _RIDGE_FLOPS:
        return n_rows
    lo, hi = 2, n_rows  # the largest m with cost(m) within the budget
    while lo < hi:
        mid = (lo + hi + 1) // 2
        lo, hi = (mid, hi) if cost(mid) <= _RIDGE_FLOPS else (lo, mid - 1)
    return lo


def _features(train: np.ndarray, held: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``train`` and ``held`` as 2-D float arrays (images flattened), each missing cell
    (NaN) filled with the training rows' mean of its column (0 for a column of none)."""
    train = np.asarray(train, dtype=np.float64).reshape(len(train), -1)
    held = np.asarray(held, dtype=np.float64).reshape(len(held), -1)
    if np.isnan(train).any() or np.isnan(held).any():
        counts = np.sum(~np.isnan(train), axis=0)
        fill = np.where(counts > 0, np.nansum(train, axis=0) / np.maximum(counts, 1), 0.0)
        train = np.where(np.isnan(train), fill, train)
        held = np.where(np.isnan(held), fill, held)
    return train, held


def _scored(y: np.ndarray, pred: np.ndarray, w: np.ndarray | None) -> dict[str, float]:
    """evaluate's regression scores of ``pred`` (of one target, or the mean of several's)."""
    from ._cli_models_scores import _regression_scores, _target_scores

    if np.ndim(y) == 2:
        each = _target_scores(y, pred, w)
        return {k: float(np.mean([s[k] for s in each])) for k in each[0]}
    return _regression_scores(y, pred, w)


def _fold(train, held, seed: int = 0) -> dict:
    """The two baselines' scores on one fold (``train`` and ``held``: its
    :class:`~chainrule.tabular.Table` s, categories already encoded), and RidgeCV's
    penalty; None where the standardisation overflows (values near the float64 limit).
    The mean is of every training row; the line's standardisation and fit are of the
    rows :func:`_ridge_rows` allows (all of them, or a random subset drawn from ``seed``,
    the run's ``--seed``: the same seed, the same subset)."""
    from sklearn.linear_model import RidgeCV
    from sklearn.preprocessing import StandardScaler

    n = len(train.X)
    rows = _ridge_rows(n, int(np.prod(np.shape(train.X)[1:], dtype=np.int64)))
    pick = (slice(None) if rows == n  # the run's seed: the same subset for the same seed
            else np.sort(np.random.default_rng(seed).choice(n, rows, replace=False)))
    X, X_held = _features(np.asarray(train.X)[pick], held.X)
    y_all = np.asarray(train.y, dtype=np.float64)
    y = y_all[pick]
    y_held = np.asarray(held.y, dtype=np.float64)
    w_all, w_held = train.sample_weight, held.sample_weight
    w = None if w_all is None else np.asarray(w_all)[pick]
    with np.errstate(all="ignore"):  # values near the float64 limit: said below, not warned
        mean = np.average(y_all, axis=0, weights=w_all)
        scaler = StandardScaler().fit(X, sample_weight=w)
        Z, Z_held = scaler.transform(X), scaler.transform(X_held)
    if not (np.all(np.isfinite(Z)) and np.all(np.isfinite(Z_held))
            and np.all(np.isfinite(mean))):
        return None  # features (or targets) whose standardisation overflows
    ridge = RidgeCV(alphas=ALPHAS).fit(Z, y, sample_weight=w)
    return {"mean": _scored(y_held, np.broadcast_to(mean, y_held.shape).copy(), w_held),
            "ridge": _scored(y_held, ridge.predict(Z_held), w_held),
            "alpha": float(ridge.alpha_), "rows": rows, "of": n}


def fold_baselines(table, folds: list, fill_category: str | None = None,
                   seed: int = 0) -> dict:
    """The training mean's and RidgeCV's scores of each of ``folds`` of ``table`` (a
    regression's), and their means over the folds.

    Parameters
    ----------
    table : Table
        Every example, its target(s) of shape (n_samples,) or (n_samples, n_targets).
    folds : list of (ndarray, ndarray)
        Each fold's training rows and held-out rows.
    fill_category : str, optional
        ``--impute constant``'s fill category, as the network's folds encode it.
    seed : int, default 0
        cv's ``--seed``: where a fold's rows exceed RidgeCV's budget, the random subset
        it is fitted on is drawn from it.

    Returns
    -------
    dict or None
        None where a fold's features cannot be standardised (values whose squares
        overflow) or its fit is refused: no baseline rather than one of some folds; else
        ``{"training_mean": {"mean": ..., "per_fold": [...]}, "ridge": {"mean": ...,
        "per_fold": [...], "alphas": [...]}}``: each fold's scores (mse, rmse, mae, r2;
        no r2 of a fold of one held-out example), their means (of the folds that have
        the score), and each fold's RidgeCV penalty, the number of training rows it
        was fitted on and the fold's number of training rows (fewer where the fit would
        exceed its budget: :func:`_ridge_rows`).
    """
    from ._cli_models_categorical import fold_tables
    from ._cli_models_cv_folds import _rows

    done = []
    for tr, he in folds:
        try:
            found = _fold(*fold_tables(_rows(table, tr), _rows(table, he), fill_category)[:2],
                          seed=seed)
        except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):  # a refused fit
            found = None
        if found is None:  # a baseline of some folds only would be of other rows
            return None
        done.append(found)

    def of(kind: str) -> dict:
        rows = [d[kind] for d in done]
        keys = [k for k in ("mse", "rmse", "mae", "r2") if any(k in r for r in rows)]
        return {"mean": {k: float(np.mean([r[k] for r in rows if k in r])) for k in keys},
                "per_fold": rows}

    return {"training_mean": of("mean"),
            "ridge": {**of("ridge"), "alphas": [d["alpha"] for d in done],
                      "fitted_rows": [d["rows"] for d in done],
                      "training_rows": [d["of"] for d in done]}}


def baseline_lines(baseline: dict, mean: dict, tried: bool = False,
                   who: str = "the network") -> list[str]:
    """cv's lines of :func:`fold_baselines`' ``baseline`` beside the network's ``mean``
    scores over the folds: R^2 and RMSE of each, and whether the network beats the line
    (``tried``: --weight-decay or --patience given, not suggested again; ``who``: whose
    means they are, tune's "the best combination")."""
    def words(scores: dict) -> str:
        shown = [f"{name} {scores[key]:.6g}" for key, name in (("r2", "r2"), ("rmse", "rmse"))
                 if key in scores]
        return ", ".join(shown)

    ridge = baseline["ridge"]
    subset = ("" if ridge.get("fitted_rows") == ridge.get("training_rows") else
              f", fitted on a random {max(ridge['fitted_rows'])} of each fold's "
              f"{max(ridge['training_rows'])} training rows at most")
    lines = [f"baseline, the same folds: the training rows' mean "
             f"{words(baseline['training_mean']['mean'])}; a linear model (RidgeCV on the "
             f"standardised features{subset}) {words(ridge['mean'])}"]
    net, line = mean.get("r2"), baseline["ridge"]["mean"].get("r2")
    if net is not None and line is not None and net < line:
        lines.append(f"{who}'s mean r2 {net:.6g} is below the linear model's "
                     f"{line:.6g}: on these data it does no better than a line"
                     + ("" if tried else "; where it overfits (stderr's note), a penalty "
                        "(--weight-decay) or early stopping (--patience) may close the gap"))
    return lines


def cv_baseline(args, table, task: str, folds: list) -> dict | None:
    """:func:`fold_baselines` of a regression's ``folds`` (``args``: cv's options, for
    ``--impute constant``'s fill category and ``--seed``); None for a classifier, or where
    no baseline can be had."""
    if task != "regression":
        return None
    from ._cli_models_train_prepare import missing_options

    return fold_baselines(table, folds, missing_options(args).get("missing_category"),
                          seed=args.seed)


#: the --weight-decay a classifier's note names, alone (a regression's: _cli_models_overfit's
#: SUGGESTED_WEIGHT_DECAY, 0.1, with --patience and --hidden).  ``python
#: benchmarks/bench_defaults.py --cv`` (cv's 5 folds, seeds 0 to 4; breast_cancer,
#: digits, iris, wine and moons): the defaults' note fired in 9 runs of 25
#: (breast_cancer 5, iris 2, wine 2); with 0.003 in 5 (4, 0, 0, and digits 1), the
#: fewest of every option tried: 0.01 8, 0.03 13, 0.1 21, --patience 10 13, --hidden
#: with no width 12 (breast_cancer 3, but iris 4 and digits 5), --lr 0.001 9, --epochs
#: 30 10 (README "Defaults" has the table)
CLASSIFIER_WEIGHT_DECAY = 0.003


def remedies(args, task: str = "regression") -> str | None:
    """The options train's baseline note names for a network below the linear model,
    those of them the run did not give (``args``: train's parsed options), or None.

    A regression's (``task`` "regression"): on the bundled diabetes data (``chainrule
    train diabetes``, seed 0: the network's validation R^2 0.206, RidgeCV's 0.349) each
    closes the gap: ``--weight-decay 0.1`` 0.355, with ``--patience 10`` too 0.364,
    ``--hidden`` with no width 0.352 (``benchmarks/bench_defaults.py`` has them over
    five seeds).

    A classifier's (``task`` "classification"): ``--weight-decay 0.003``
    (:data:`CLASSIFIER_WEIGHT_DECAY`) alone, the one option tried that made the note
    fire less often over cv's folds on every set where it fired and more often on none
    but digits' one run in five (``benchmarks/bench_defaults.py --cv``); the
    regression's ``--weight-decay 0.1`` made it fire in 21 runs of 25 against 9,
    ``--patience 10`` in 13, ``--hidden`` with no width in 12 (iris 4 of 5 against 2).
    """
    from ._cli_models_overfit import SUGGESTED_PATIENCE, SUGGESTED_WEIGHT_DECAY

    classifier = task == "classification"
    named = []
    if not getattr(args, "weight_decay", 0.0):
        decay = CLASSIFIER_WEIGHT_DECAY if classifier else SUGGESTED_WEIGHT_DECAY
        named.append(f"--weight-decay {decay:g} (an L2 penalty on the weights, default 0)")
    if not classifier and getattr(args, "patience", None) is None and (
            getattr(args, "optimizer", "adam") not in FULL_BATCH_OPTIMIZERS):
        named.append(f"--patience {SUGGESTED_PATIENCE} (keep the epoch of the lowest "
                     "validation loss)")
    if not classifier and getattr(args, "init_from", None) is None and getattr(
            args, "layers", None) is None and getattr(args, "hidden", None) != []:
        named.append("--hidden with no width (the linear model, the output layer alone)")
    if not named:
        return None
    return (", ".join(named[:-1]) + " or " + named[-1] if len(named) > 1 else named[0]) + \
        (" may close the gap" if len(named) > 1 else " may close it")


def train_note(X: np.ndarray, y: np.ndarray, train_idx: np.ndarray, val_idx: np.ndarray,
               sample_weight: np.ndarray | None, net_r2: float | None,
               seed: int = 0, remedy: str | None = None) -> str | None:
    """train's note where a linear model, RidgeCV fitted on the training rows, scores a
    higher R^2 than the network on the validation rows; None where it does not, or
    where there is nothing to compare (fewer than 20 validation rows, no R^2 of them, a
    baseline that cannot be had).

    Parameters
    ----------
    X : ndarray of shape (n_samples, ...)
        Every row's features as train's table holds them (categories encoded).
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        The regression target(s), in their units.
    train_idx, val_idx : ndarray of int
        The training and the validation rows.
    sample_weight : ndarray of shape (n_samples,), optional
        ``--sample-weight``'s.
    net_r2 : float or None
        The network's R^2 of the validation rows, as train's line prints it.
    seed : int, default 0
        train's ``--seed``: the random subset of the training rows RidgeCV is fitted on,
        where they exceed its budget, is drawn from it.
    remedy : str, optional
        :func:`remedies`' words, which the note adds (the options that may help).
    """
    from types import SimpleNamespace

    if net_r2 is None or len(val_idx) < _FEWEST or not len(train_idx):
        return None  # the R^2 of a handful of rows says little of either

    def part(idx: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(X=X[idx], y=np.asarray(y)[idx], sample_weight=(
            None if sample_weight is None else sample_weight[idx]))

    try:
        found = _fold(part(train_idx), part(val_idx), seed=seed)
    except (ValueError, ZeroDivisionError, np.linalg.LinAlgError):
        return None
    line = None if found is None else found["ridge"].get("r2")
    if line is None or not net_r2 < line:
        return None
    fitted = (f"the {len(train_idx)}" if found["rows"] == len(train_idx)
              else f"a random {found['rows']} of the {len(train_idx)}")
    return (f"chainrule train: note: on the {len(val_idx)} validation rows a linear model "
            f"(RidgeCV on the standardised features, fitted on {fitted} "
            f"training rows) scores r2 {line:.4g}, the network {net_r2:.4g}: it does no "
            "better than a line here; " + (f"{remedy}; " if remedy else "")
            + "chainrule cv with the same options compares them over folds")
