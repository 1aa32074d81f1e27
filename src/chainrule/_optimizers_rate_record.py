"""An optimizer rate of ``inf`` in a file's record where no schedule could have set it.

:meth:`~chainrule.optimizers.Optimizer.from_config` takes ``lr = inf`` (and 0), the rate
a schedule may reach (an exponential decay with ``gamma > 1`` past the float range), so
that a checkpoint or an estimator file of such a run loads.  Where the file records no
schedule that could (an estimator file without ``training.schedule_run``; a checkpoint
whose schedule is the constant one), the next run steps at that rate from its first
batch and diverges, blaming the learning rate it was given: :func:`unscheduled_rate_problem`
says so at load instead, in the words of the rule's own constructor.
"""

from __future__ import annotations

import math


def unscheduled_rate_problem(config: object, where: str, why: str) -> str | None:
    """What is wrong with the rate of an optimizer record no schedule sets, or None.

    Parameters
    ----------
    config : object
        The record's optimizer config, ``{"name": ..., "lr": ..., ...}`` as read; one
        that is no dict, or names no built-in rule, is left to the reader's other checks.
    where : str
        The record's name in the file (``"optimizer.config"``), leading the message.
    why : str
        Why no schedule could have set the rate, in words, for the message.

    Returns
    -------
    str or None
        ``"optimizer.config: lr must be a finite float > 0, got inf (WHY)"`` for an
        infinite ``lr``; None for any other.
    """
    from .optimizers import OPTIMIZERS

    # (a name of a list or an object: no dict key, left to from_config, which names it)
    if not isinstance(config, dict) or not isinstance(config.get("name"), str) or (
            config["name"] not in OPTIMIZERS):
        return None
    rate = config.get("lr")
    if not (type(rate) in (int, float) and math.isinf(rate)):
        return None
    try:  # the rule's constructor takes no infinite rate: its words
        OPTIMIZERS[config["name"]](**{k: v for k, v in config.items() if k != "name"})
    except (TypeError, ValueError) as exc:
        return f"{where}: {exc} ({why})"
    return f"{where}: lr must be finite, got {rate} ({why})"  # (every rule refuses it)
