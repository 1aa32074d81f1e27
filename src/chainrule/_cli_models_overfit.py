"""The note ``chainrule train`` prints on stderr when a run without ``--patience`` ends
well past its best validation loss: the model written is the last epoch's, and the
option that keeps the best one is named (see :mod:`chainrule._cli_models_train_run`).

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


def overfit_note(val_loss: Sequence[float], command: str = "chainrule train") -> str | None:
    """The stderr line saying that the validation loss ended clearly above its best, or
    None when it did not.

    Parameters
    ----------
    val_loss : sequence of float, shape (n_epochs,)
        The validation loss of each epoch (epoch ``i + 1`` at index ``i``).
    command : str
        The command named at the start of the line.

    Returns
    -------
    str or None
        The line when the last loss exceeds the smallest by more than ``OVERFIT_RISE`` of
        it and the smallest (its first epoch, on a tie) came at least ``OVERFIT_EPOCHS``
        epochs before the last; None otherwise, and for a history with a non-finite loss.
    """
    losses = [float(v) for v in val_loss]
    if len(losses) <= OVERFIT_EPOCHS or not all(math.isfinite(v) for v in losses):
        return None
    best = min(range(len(losses)), key=losses.__getitem__)  # the first of equal minima
    low, last = losses[best], losses[-1]
    if len(losses) - (best + 1) < OVERFIT_EPOCHS or last - low <= OVERFIT_RISE * abs(low):
        return None
    return (f"{command}: note: the validation loss was lowest at epoch {best + 1} "
            f"({low:.4g}) and is {last:.4g} at epoch {len(losses)}, whose model is the one "
            f"written; --patience {SUGGESTED_PATIENCE} stops once it has not improved for "
            f"{SUGGESTED_PATIENCE} epochs and keeps the best epoch's weights")
