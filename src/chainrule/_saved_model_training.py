"""The update rule's settings in a ``chainrule train`` model file's training record.

``metadata.training`` records the rule a run trained with: ``optimizer`` (its name),
``lr``, ``momentum`` and PyTorch's settings where given (``dampening``, ``lr_decay``,
``initial_accumulator_value``, ``momentum_decay``, ``decoupled_decay``, ``amsgrad``,
``centered``).  ``chainrule info`` shows them as the run's; a damaged file's ``lr = inf``
or ``momentum = 1.5`` was shown so, though no run could have trained with them.
:func:`rule_settings_problem` checks each by the rule's own constructor (a setting alone,
so that the words are its own), as the file is read.
"""

from __future__ import annotations

from typing import Any

# the record's keys of the rule's settings, by the constructor's keyword (train's
# --decoupled-decay is the decoupled rules' weight_decay; the record's "weight_decay" is
# the network's L2 term, --weight-decay, checked with the network)
_SETTINGS = {"lr": "lr", "momentum": "momentum", "dampening": "dampening",
             "lr_decay": "lr_decay", "initial_accumulator_value": "initial_accumulator_value",
             "momentum_decay": "momentum_decay", "decoupled_decay": "weight_decay",
             "amsgrad": "amsgrad", "centered": "centered"}


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
        for a setting the rule's constructor refuses; None where every one is taken, or
        the record names no built-in rule (lbfgs, whose line search has no rate; a name
        of a later version), whose settings are left as they are.
    """
    from .optimizers import OPTIMIZERS, _settings_of

    name = training.get("optimizer")
    rule = "sgd" if name == "nesterov" else name  # (SGD with nesterov=True: the same ranges)
    if not isinstance(rule, str) or rule not in OPTIMIZERS:
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
