"""The update rule's settings in a ``chainrule train`` model file's training record.

``metadata.training`` records the rule a run trained with: ``optimizer`` (its name),
``lr``, ``momentum`` and PyTorch's settings where given (``dampening``, ``lr_decay``,
``initial_accumulator_value``, ``momentum_decay``, ``decoupled_decay``, ``amsgrad``,
``centered``).  ``chainrule info`` shows them as the run's; a damaged file's ``lr = inf``
or ``momentum = 1.5`` was shown so, though no run could have trained with them.
:func:`rule_settings_problem` checks each by the rule's own constructor (a setting alone,
so that the words are its own), as the file is read, and ``optimizer`` against the names
train's ``--optimizer`` takes.
"""

from __future__ import annotations

from typing import Any

from ._cli_args_rule import FULL_BATCH_OPTIMIZERS

# the record's keys of the rule's settings, by the constructor's keyword (train's
# --decoupled-decay is the decoupled rules' weight_decay; the record's "weight_decay" is
# the network's L2 term, --weight-decay, checked with the network)
_SETTINGS = {"lr": "lr", "momentum": "momentum", "dampening": "dampening",
             "lr_decay": "lr_decay", "initial_accumulator_value": "initial_accumulator_value",
             "momentum_decay": "momentum_decay", "decoupled_decay": "weight_decay",
             "amsgrad": "amsgrad", "centered": "centered"}


# the names train's --optimizer takes besides those of OPTIMIZERS (its choices are
# _cli_args_optimizer.TRAIN_OPTIMIZER_NAMES, read there at parse time)
_OTHER_NAMES = ("nesterov", *FULL_BATCH_OPTIMIZERS)


def rule_settings_problem(training: dict[str, Any]) -> str | None:
    """What is wrong with the update rule's settings of a model file's training record.

    Parameters
    ----------
    training : dict
        ``metadata.training`` as read (a dict).

    Returns
    -------
    str or None
        ``"training.lr: lr must be a finite float > 0, got inf (the optimizer 'adam')"``
        for a setting the rule's constructor refuses, ``"training.optimizer: expected one
        of adagrad, adam, ... got 'adamm'"`` for a name train's ``--optimizer`` does not
        take; None where every one is taken, or the record names no rule of settings
        (lbfgs and the other full-batch methods, which have no rate; none recorded), left
        as they are.
    """
    from .optimizers import OPTIMIZERS, _settings_of

    name = training.get("optimizer")
    known = sorted([*OPTIMIZERS, *_OTHER_NAMES])
    if name is not None and (not isinstance(name, str) or name not in known):
        # info showed it as the run's rule, and --resume, --init-from met it later
        return (f"training.optimizer: expected one of {', '.join(known)} (train's "
                f"--optimizer), got {name!r:.60}")
    rule = "sgd" if name == "nesterov" else name  # (SGD with nesterov=True: the same ranges)
    if rule not in OPTIMIZERS:  # lbfgs, newton-cg ... (no rate), or none recorded
        return None
    cls = OPTIMIZERS[rule]
    for key, setting in _SETTINGS.items():
        value = training.get(key)
        if value is None:
            continue
        if setting not in _settings_of(cls):  # (one it has not: info shows it as written)
            continue
        try:
            cls(**{setting: value})
        except (TypeError, ValueError) as exc:
            return f"training.{key}: {exc} (the optimizer {name!r})"
    return None
