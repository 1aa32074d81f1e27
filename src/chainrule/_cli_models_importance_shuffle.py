"""The shuffles of ``chainrule importance`` (:mod:`chainrule._cli_models_importance`):
the score of a model's features and of each feature shuffled, ``repeats`` times, drawn as
scikit-learn's ``permutation_importance`` draws them (:func:`permutation_scores`), the
features as read, a categorical column's 0/1 features one (:func:`column_groups`), and
the scores finished before a Ctrl-C (:class:`PartialScores`)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class PartialScores(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM, as ``chainrule`` turns it into one) during
    :func:`permutation_scores` after its baseline: the baseline and the scores of the
    groups finished, every repeat of each, so that the caller can report them.

    Attributes
    ----------
    baseline : float
    scores : ndarray of shape (n_finished, repeats)
        The first ``n_finished`` groups' scores, in the order they were shuffled.
    """

    def __init__(self, baseline: float, scores: np.ndarray) -> None:
        super().__init__()
        self.baseline, self.scores = baseline, scores


def permutation_scores(score: Callable[[np.ndarray], float], X: np.ndarray, repeats: int,
                       seed: int, step: Callable[[], None] | None = None,
                       groups: list[np.ndarray] | None = None,
                       told: bool = False) -> tuple[float, np.ndarray]:
    """The score of ``X`` and of ``X`` with each column shuffled, ``repeats`` times.

    The shuffles are those of scikit-learn's ``permutation_importance(...,
    random_state=seed, n_repeats=repeats)``: a ``RandomState(seed)`` draws one seed below
    2**31; each column starts a ``RandomState`` of that seed, whose ``shuffle`` reorders
    an index of the rows again before each repeat, the column (as last shuffled) taken
    in that order.  A group of columns (the 0/1 features of one categorical column) is
    shuffled as one column: its rows move together, as the column's cells would before
    their encoding.

    Parameters
    ----------
    score : callable
        The score of features of shape (n_samples, n_features).
    X : ndarray of shape (n_samples, n_features)
        Left as it is (a copy is shuffled, a column at a time).
    repeats : int
        Shuffles of each column, 1 or more.
    seed : int
    step : callable, optional
        Called after each shuffled score (a progress bar's update).
    groups : list of int arrays, optional
        The columns shuffled together, one array per feature as read (default: each
        column alone).
    told : bool, default False
        Call ``score(X, columns)``: ``columns`` the int array of the columns shuffled
        (those in which ``X`` differs from the ``X`` given), None for the baseline.

    Returns
    -------
    baseline : float
        ``score(X)``.
    scores : ndarray of shape (n_groups, repeats)
        The score with each group (each column, by default) shuffled, each repeat.

    Raises
    ------
    PartialScores
        A KeyboardInterrupt after the baseline, holding it and the groups finished
        (a Ctrl-C during the baseline is the plain KeyboardInterrupt).
    """
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    baseline = score(X, None) if told else score(X)
    if groups is None:
        groups = [np.array([j]) for j in range(X.shape[1])]
    shuffled = X.copy()
    scores = np.empty((len(groups), repeats))
    g = 0
    try:
        for g, j in enumerate(groups):
            rng = np.random.RandomState(column_seed)
            order = np.arange(X.shape[0])
            for r in range(repeats):
                rng.shuffle(order)
                shuffled[:, j] = shuffled[np.ix_(order, j)]  # the group's columns alone
                scores[g, r] = score(shuffled, j) if told else score(shuffled)
                if step is not None:
                    step()
            shuffled[:, j] = X[:, j]  # the column as read, before the next is shuffled
    except KeyboardInterrupt:  # the groups before g are finished: kept
        raise PartialScores(baseline, scores[:g].copy()) from None
    return baseline, scores


def column_groups(table) -> tuple[list[str], list[np.ndarray]]:
    """The features as read and the columns of ``table.X`` that each one is.

    A categorical column of a CSV file is one-hot encoded in place (its 0/1 features
    ``"column=category"``, one per category): shuffling one of them alone would make rows
    of two categories or none, which no example has; it is one feature, its columns
    shuffled together.

    Returns
    -------
    names : list of str
        One per feature as read (a categorical column by its name).
    groups : list of int arrays
        The columns of ``table.X`` of each.
    """
    if not table.categories:
        return list(table.feature_names), [np.array([j]) for j in range(table.X.shape[1])]
    names, groups, at = [], [], 0
    for column in table.columns:
        width = len(table.categories.get(column, [None]))
        names.append(column)
        groups.append(np.arange(at, at + width))
        at += width
    if at != table.X.shape[1]:  # the table's own record disagrees with its array
        raise ValueError(f"{table.source}: its categorical columns make {at} features, "
                         f"but it has {table.X.shape[1]}")
    return names, groups
