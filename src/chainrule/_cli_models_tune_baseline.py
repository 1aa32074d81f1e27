"""``chainrule tune``'s linear baseline: the linear model ``chainrule cv`` prints beside a
network (RidgeCV of a regression, LogisticRegression of a single-label classifier, on the
standardised features: :mod:`chainrule._cli_models_baseline`,
:mod:`chainrule._cli_models_baseline_logistic_cv`), cross-validated on the folds every
combination was scored on and by tune's ``--scoring``, printed beside the best
combination's mean with cv's note where the best network does worse than it.

It is fitted as the best combination's folds were: the same rows of each fold, its
categories encoded and missing cells filled as that combination's options read DATA,
``--sample-weight`` and that combination's ``--class-weight``.  A search whose best
network does no better than a line says so, as cv does, before its ``best:`` line
recommends training it.
"""

from __future__ import annotations

__all__ = ["baseline_lines", "json_record", "tune_baseline"]


def tune_baseline(set_up: tuple, scoring: str) -> dict | None:
    """The linear model's score ``scoring`` on each fold of the best combination
    (``set_up``: its ``_cli_models_tune_folds._set_up``), and their mean and standard
    deviation.

    Returns
    -------
    dict or None
        ``{"model": "RidgeCV" or "LogisticRegression", "scoring", "per_fold": [score or
        None per fold], "mean", "std", "folds_scored", "found"}`` (``found``: cv's
        baseline of the folds, every score, for the note); None where cv prints none
        (a multi-label classifier, an Embedding's indices, a fold without a fit) or none
        of the folds has the score (ROC AUC of held-out rows of one class each).
    """
    from ._cli_models_baseline import cv_baseline
    from ._cli_models_baseline_logistic_cv import cv_logistic
    from ._cli_models_cv_table import _mean_std

    _, run, table, task, several, _, _, _, folds = set_up
    found = cv_baseline(run, table, task, folds)
    model, kind = "RidgeCV", "ridge"
    if found is None:
        found = cv_logistic(run, table, task, several, folds, extra=scoring)
        model, kind = "LogisticRegression", "logistic"
    if found is None:
        return None
    per_fold = [fold.get(scoring) for fold in found[kind]["per_fold"]]
    scored = [v for v in per_fold if v is not None]
    if not scored:
        return None
    mean, std = _mean_std(scored)
    return {"model": model, "scoring": scoring, "per_fold": per_fold, "mean": mean,
            "std": std, "folds_scored": len(scored), "found": found}


def baseline_lines(baseline: dict, best: dict, run) -> list[str]:
    """tune's lines of :func:`tune_baseline`'s ``baseline`` beside the ``best``
    combination's result (its means over the folds), and cv's note where the best
    network does worse than the line (``run``: the best combination's options, whose
    remedies not given are named)."""
    from ._cli_models_data import _NAMES

    found = baseline["found"]
    kind = "ridge" if baseline["model"] == "RidgeCV" else "logistic"
    line = found[kind]
    subset = ("" if line["fitted_rows"] == line["training_rows"] else
              f", fitted on a random {max(line['fitted_rows'])} of each fold's "
              f"{max(line['training_rows'])} training rows at most")
    key = baseline["scoring"]
    of = ("" if baseline["folds_scored"] == len(baseline["per_fold"]) else
          f" of the {baseline['folds_scored']} folds that have it")
    head = (f"baseline, the same folds: a linear model ({baseline['model']} on the "
            f"standardised features{subset}) mean {_NAMES[key]} {baseline['mean']:.6g} "
            f"(std {baseline['std']:.6g}{of})")
    if key in best["mean"]:
        head += f"; the best combination's {best['mean'][key]:.6g}"
    lines = [head]
    if kind == "ridge":
        from ._cli_models_baseline import baseline_lines as ridge_lines

        tried = bool(run.weight_decay) or run.patience is not None
        return lines + ridge_lines(found, best["mean"], tried,
                                   who="the best combination")[1:]
    from ._cli_models_baseline import remedies
    from ._cli_models_baseline_logistic_cv import logistic_lines

    return lines + logistic_lines(found, best["mean"], remedies(run, "classification"),
                                  who="the best combination")[1:]


def json_record(baseline: dict | None) -> dict:
    """tune ``--json``'s ``baseline``: the model, the scoring, each fold's score (null of
    a fold without it), their mean and standard deviation; nothing without one."""
    if baseline is None:
        return {}
    return {"baseline": {k: baseline[k] for k in ("model", "scoring", "per_fold", "mean",
                                                  "std", "folds_scored")}}
