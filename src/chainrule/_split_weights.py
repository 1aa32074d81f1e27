"""The check, right after a fit splits off its validation rows, that the training rows and
the held-out rows each have a positive weight: a weighted mean over rows that all weigh 0
(the training cost, the validation score or loss) is 0 / 0.  Called by the estimators'
``early_stopping`` split (``MLPClassifier``, ``MLPRegressor``) and the Trainer's
``validation_fraction`` split, before any training, so that nothing is lost; without the
check the fit failed after its first epoch with scikit-learn's "Sample weights must contain
at least one non-zero number." (or a ZeroDivisionError), naming no split."""

from __future__ import annotations

import numpy as np


def check_split_weights(argument: str, split: str, advice: str,
                        train_weights: np.ndarray | None, held_weights: np.ndarray | None,
                        weighted: str = "", held: str = "held-out",
                        held_use: str = "for the validation scores (means weighted by them)"
                        ) -> None:
    """Refuse a split whose training rows, or held-out rows, all weigh 0.

    Parameters
    ----------
    argument : str
        The weights' argument, as the message names it (``"sample_weight"``).
    split : str
        What held the rows out (``"early_stopping (validation_fraction=0.1)"``).
    advice : str
        What to change, ending the message.
    train_weights : ndarray of shape (n_train,) or None
        The training rows' weights (None: all 1).
    held_weights : ndarray of shape (n_held,) or None
        The held-out rows' weights (None: all 1, or not weighted).
    weighted : str, default ""
        Said after the training rows' weights (``" (times class_weight)"``).
    held : str, default "held-out"
        What the held-out rows are called (``"validation"``: the CLI's ``--val-fraction``).
    held_use : str
        What the held-out rows' weights are for, said where they all are 0.

    Raises
    ------
    ValueError
        Naming ``argument`` and ``split``, the part whose rows all weigh 0, and how many
        rows of each part weigh more.
    """
    n_train = 0 if train_weights is None else len(train_weights)
    n_held = 0 if held_weights is None else len(held_weights)
    train_pos = n_train if train_weights is None else int(np.count_nonzero(train_weights > 0))
    held_pos = n_held if held_weights is None else int(np.count_nonzero(held_weights > 0))
    for part, n, pos, use, other, other_n, other_pos in (
            ("training", n_train, train_pos, "to train on", held, n_held, held_pos),
            (held, n_held, held_pos, held_use, "training", n_train, train_pos)):
        if n and not pos:
            of = weighted if part == "training" else ""
            raise ValueError(
                f"{argument}: the {n} {part} rows of {split} all weigh 0{of}; expected a "
                f"positive weight on at least one {part} row, {use}; got {other_pos} of the "
                f"{other_n} {other} rows of a positive weight and none of the {n} {part} "
                f"rows. {advice}")
