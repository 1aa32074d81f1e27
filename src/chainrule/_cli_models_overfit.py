"""The note ``chainrule train`` prints on stderr when a run without ``--patience`` ends
well past its best validation loss: the model written is the last epoch's, and the
options that help are named (``--patience``, which keeps the best epoch, and
``--weight-decay``) (see :mod:`chainrule._cli_models_train_run`);
``chainrule cv`` prints one such line for all its folds.

The defaults train every epoch, as scikit-learn's ``MLPClassifier`` (``early_stopping``
False) and Keras's ``fit`` do; a user who never looks at the history does not learn that
the validation rows preferred an earlier epoch, so the end of the run says it."""

from __future__ import annotations

import math
from collections.abc import Sequence

#: how far above its minimum the final validation loss must be, relative to the minimum
#: (10%: past the epoch-to-epoch wobble of a validation loss on a few hundred rows)
OVERFIT_RISE = 0.10
#: how many epochs the best must lie before the last one (fewer: a wobble at the end)
OVERFIT_EPOCHS = 5
#: the --patience the note suggests: scikit-learn's n_iter_no_change default
SUGGESTED_PATIENCE = 10
#: the --weight-decay the note suggests (the default is 0): on bundled diabetes, 5-fold
#: ``chainrule cv``, held-out R^2 0.20 by default, 0.48 with it, 0.43 with --patience 10
SUGGESTED_WEIGHT_DECAY = 0.1


def overfit(val_loss: Sequence[float]) -> tuple[int, float, float, int] | None:
    """Whether the validation loss ended clearly above its best, and where.

    Parameters
    ----------
    val_loss : sequence of float, shape (n_epochs,)
        The validation loss of each epoch (epoch ``i + 1`` at index ``i``).

    Returns
    -------
    tuple of (int, float, float, int) or None
        The best epoch (its first, on a tie: 1-based), its loss, the last loss and the
        number of epochs, when the last loss exceeds the smallest by more than
        ``OVERFIT_RISE`` of it and the smallest came at least ``OVERFIT_EPOCHS`` epochs
        before the last; None otherwise, and for a history with a non-finite loss.
    """
    losses = [float(v) for v in val_loss]
    if len(losses) <= OVERFIT_EPOCHS or not all(math.isfinite(v) for v in losses):
        return None
    best = min(range(len(losses)), key=losses.__getitem__)  # the first of equal minima
    low, last = losses[best], losses[-1]
    if len(losses) - (best + 1) < OVERFIT_EPOCHS or last - low <= OVERFIT_RISE * abs(low):
        return None
    return best + 1, low, last, len(losses)


_KEEP = (f"--patience {SUGGESTED_PATIENCE} stops once it has not improved for "
         f"{SUGGESTED_PATIENCE} epochs and keeps the best epoch's weights; "
         f"--weight-decay {SUGGESTED_WEIGHT_DECAY:g} (an L2 penalty on the weights, default "
         "0) curbs the overfitting itself; either or both may do better on new data")


def overfit_note(val_loss: Sequence[float]) -> str | None:
    """train's stderr line when :func:`overfit` finds the run's validation loss ended
    clearly above its best (``val_loss``: shape (n_epochs,)), or None."""
    found = overfit(val_loss)
    if found is None:
        return None
    epoch, low, last, n = found
    return (f"chainrule train: note: the validation loss was lowest at epoch {epoch} "
            f"({low:.4g}) and is {last:.4g} at epoch {n}, whose model is the one written; "
            f"{_KEEP}")


def folds_overfit_note(found: dict[int, tuple[int, float, float, int]],
                       n_folds: int) -> str | None:
    """cv's one stderr line for the folds whose validation loss ended clearly above its
    best (``found``: :func:`overfit`'s tuple by fold number), or None for none."""
    if not found:
        return None
    first = min(found)
    epoch, low, last, n = found[first]
    folds = ", ".join(map(str, sorted(found)))
    return (f"chainrule cv: note: in fold{'s' if len(found) > 1 else ''} {folds} of "
            f"{n_folds} the validation loss ended more than {OVERFIT_RISE:.0%} above its "
            f"lowest (fold {first}: epoch {epoch}, {low:.4g}; epoch {n}, {last:.4g}): the "
            f"scores are of the last epoch's models; {_KEEP}")
