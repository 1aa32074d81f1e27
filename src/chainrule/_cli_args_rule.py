"""argparse settings of the command line's update rule: which rules take ``--momentum``,
``--batch-size`` and PyTorch's settings (``--amsgrad``, ``--centered``,
``--decoupled-decay``), checked before any data is read, and the rule a
:class:`~chainrule.training.Trainer` gets from them.

Importable from :mod:`chainrule._cli_args_optimizer` (and :func:`optimizer_settings` from
:mod:`chainrule.cli_args`) as before.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypedDict

_SGD_RULES = ("sgd", "gd", "nesterov")  # the rules whose momentum is 0.9 unless given
#: the rules that take a momentum: rmsprop's is PyTorch's RMSprop(momentum=), 0 unless given
_MOMENTUM_RULES = (*_SGD_RULES, "rmsprop")
#: the rules that take each of PyTorch's settings (--amsgrad, --dampening ...): --dampening
#: is sgd's only (PyTorch refuses it with nesterov; gd, full batch by name, keeps momentum
#: SGD's undamped rule); --decoupled-decay is AdamW's weight_decay, and NAdam's and RAdam's
#: with PyTorch's decoupled_weight_decay=True (their weight_decay without it, the L2 term
#: added to the gradient, is the network's --weight-decay, as for every rule)
_FLAG_RULES = {"amsgrad": ("adam", "adamw"), "centered": ("rmsprop",),
               "decoupled_decay": ("adamw", "nadam", "radam"), "dampening": ("sgd",),
               "lr_decay": ("adagrad",), "initial_accumulator_value": ("adagrad",),
               "momentum_decay": ("nadam",)}
_FLAG_OPTIONS = {"amsgrad": "--amsgrad", "centered": "--centered",
                 "decoupled_decay": "--decoupled-decay", "dampening": "--dampening",
                 "lr_decay": "--lr-decay",
                 "initial_accumulator_value": "--initial-accumulator-value",
                 "momentum_decay": "--momentum-decay"}
#: AdamW's decoupled weight_decay when --decoupled-decay is not given (PyTorch's default;
#: NAdam's and RAdam's is 0, none)
ADAMW_DECAY = 0.01
#: the rules whose --decoupled-decay is PyTorch's weight_decay with decoupled_weight_decay=True
_DECOUPLED_FLAG_RULES = ("nadam", "radam")
#: NAdam's momentum_decay when --momentum-decay is not given (PyTorch's default)
NADAM_MOMENTUM_DECAY = 0.004
#: each setting's value when not given: given so, it is recorded as not given (None), as a
#: run from before the option recorded it (the same steps)
_DEFAULTS = {"decoupled_decay": ADAMW_DECAY, "dampening": 0.0, "lr_decay": 0.0,
             "initial_accumulator_value": 0.0, "momentum_decay": NADAM_MOMENTUM_DECAY}
#: the settings a run's training record holds when given (info shows them, --json too)
RULE_SETTINGS = tuple(_FLAG_RULES)
#: train's full-batch optimizers, each a ``method`` of :func:`chainrule.minimize` by that
#: name: L-BFGS, and the second-order methods given the exact ``H v``
#: (``_scipy_fit_newton.SECOND_ORDER``); no momentum, batch size or rate of their own
FULL_BATCH_OPTIMIZERS = ("lbfgs", "newton-cg", "trust-ncg", "trust-krylov")


def add_rule_options(p: argparse.ArgumentParser, add: Callable[..., object] | None = None
                     ) -> None:
    """PyTorch's settings of some rules (``--amsgrad``, ``--centered``, ``--decoupled-decay``,
    ``--dampening``, ``--lr-decay``, ``--initial-accumulator-value``, ``--momentum-decay``)
    on train's parser (cv's and tune's too), each a setting of some rules only
    (:func:`optimizer_settings`); ``add`` (default ``p.add_argument``) adds each option
    (the demo's, which copies its options before a command)."""
    from .cli_args import nonnegative_float, real

    add = p.add_argument if add is None else add
    add("--amsgrad", action="store_true", default=None,
        help="adam, adamw: AMSGrad, PyTorch's amsgrad=True (the denominator takes "
        "the largest second moment so far) (default: off)")
    add("--centered", action="store_true", default=None,
        help="rmsprop: divide by the running standard deviation of the gradients, "
        "PyTorch's RMSprop(centered=True) (default: off)")
    add("--decoupled-decay", type=nonnegative_float, default=None,
        dest="decoupled_decay", metavar="WD",
        help="adamw, nadam, radam: the decoupled weight_decay, PyTorch's AdamW(weight_decay="
        "WD), NAdam and RAdam(weight_decay=WD, decoupled_weight_decay=True): each step "
        "shrinks the weights by lr_t * WD; --weight-decay is the network's L2 penalty "
        "(NAdam's and RAdam's weight_decay without the flag), another thing (default: "
        f"{ADAMW_DECAY} for adamw, none for nadam and radam)")
    add("--dampening", type=real(0, 1), default=None, metavar="D",
        help="sgd: PyTorch's SGD(dampening=D), the velocity v <- momentum v + (1 - D) g from "
        "the second step on (not with nesterov, as PyTorch) (default: 0)")
    add("--lr-decay", type=nonnegative_float, default=None, dest="lr_decay", metavar="D",
        help="adagrad: PyTorch's Adagrad(lr_decay=D), step t at the rate lr / (1 + (t - 1) "
        "D) (default: 0)")
    add("--initial-accumulator-value", type=nonnegative_float, default=None,
        dest="initial_accumulator_value", metavar="A",
        help="adagrad: PyTorch's Adagrad(initial_accumulator_value=A), the sum of squared "
        "gradients before the first step (default: 0)")
    add("--momentum-decay", type=nonnegative_float, default=None, dest="momentum_decay",
        metavar="PSI",
        help="nadam: PyTorch's NAdam(momentum_decay=PSI), of its momentum schedule "
        f"(default: {NADAM_MOMENTUM_DECAY})")


class OptimizerSettings(TypedDict):
    """What :func:`optimizer_settings` returns: a plain dict with these keys."""

    momentum: float | None
    batch_size: int | None
    amsgrad: bool | None
    centered: bool | None
    decoupled_decay: float | None
    dampening: float | None
    lr_decay: float | None
    initial_accumulator_value: float | None
    momentum_decay: float | None


def optimizer_settings(optimizer: str, momentum: float | None, batch_size: int | None,
                       amsgrad: bool | None = None, centered: bool | None = None,
                       decoupled_decay: float | None = None, dampening: float | None = None,
                       lr_decay: float | None = None,
                       initial_accumulator_value: float | None = None,
                       momentum_decay: float | None = None) -> OptimizerSettings:
    """The rule's settings for :func:`chainrule.train`, from the options given.

    ``--momentum`` (default 0.9) is a setting of sgd, gd and nesterov, and of rmsprop
    (default 0: none; PyTorch's ``RMSprop(momentum=...)``), and
    ``--batch-size`` (default 32) of every rule but gd, which steps on the whole
    training set; ``--amsgrad`` of adam and adamw, ``--centered`` of rmsprop,
    ``--decoupled-decay`` of adamw, nadam and radam (PyTorch's ``decoupled_weight_decay=True``
    for the last two), ``--dampening`` of sgd, ``--lr-decay`` and
    ``--initial-accumulator-value`` of adagrad, ``--momentum-decay`` of nadam: each given
    to a rule that does not use it is refused rather than ignored, as the library refuses
    it.  ``--optimizer nesterov --momentum 0`` is refused too (Nesterov's rule needs a
    momentum > 0).  All are checked before any data is read.  ``lbfgs`` (full batch, no
    momentum) and the other :data:`FULL_BATCH_OPTIMIZERS` get None for all: the train
    command refuses their options (``_cli_models_train_lbfgs``).

    Parameters
    ----------
    optimizer : str
        The ``--optimizer`` rule's name.
    momentum : float or None
        ``--momentum``, None when not given.
    batch_size : int or None
        ``--batch-size``, None when not given.
    amsgrad, centered : bool or None
        ``--amsgrad``, ``--centered`` (None or False: not given).
    decoupled_decay, dampening, lr_decay, initial_accumulator_value, momentum_decay : float \
or None
        ``--decoupled-decay``, ``--dampening``, ``--lr-decay``,
        ``--initial-accumulator-value``, ``--momentum-decay``, None when not given.

    Returns
    -------
    OptimizerSettings
        The dict ``{"momentum": float or None, "batch_size": int or None, "amsgrad":
        True or None, "centered": True or None, "decoupled_decay": float or None, ...}``
        (None: the rule has no such setting, or it is off; each float setting is None at
        its default, AdamW's decay 0.01 say (NAdam's and RAdam's 0), as a run from before
        the option recorded it).

    Raises
    ------
    ValueError
        Naming the option and what to use instead.
    """
    if momentum is not None and optimizer not in _MOMENTUM_RULES:
        raise ValueError(f"--momentum: {optimizer} takes no momentum (a setting of "
                         f"{', '.join(_MOMENTUM_RULES)}), got {momentum:g}")
    flags = {"amsgrad": True if amsgrad else None, "centered": True if centered else None,
             "decoupled_decay": decoupled_decay, "dampening": dampening, "lr_decay": lr_decay,
             "initial_accumulator_value": initial_accumulator_value,
             "momentum_decay": momentum_decay}
    for name, value in flags.items():
        if value is not None and optimizer not in _FLAG_RULES[name]:
            *others, last = _FLAG_RULES[name]
            rules = f"{', '.join(others)} and {last}" if others else last
            given = "" if value is True else f" {value:g}"
            # gd's full batch with another rule: its --batch-size at least the rows' count
            full = (" --batch-size N, N at least the training rows' count, for one batch "
                    "of all rows a step as gd's" if optimizer == "gd" else "")
            raise ValueError(f"{_FLAG_OPTIONS[name]}{given}: a setting of {rules}, which "
                             f"--optimizer {optimizer} does not take; leave it out or use "
                             f"--optimizer {_FLAG_RULES[name][0]}{full}")
    defaults = dict(_DEFAULTS)
    if optimizer in _DECOUPLED_FLAG_RULES:  # no decoupled decay unless given, as PyTorch's
        defaults["decoupled_decay"] = 0.0
    for name, default in defaults.items():
        if flags[name] == default:  # the default: as a run from before the option
            flags[name] = None
    if optimizer == "nesterov" and momentum == 0:
        raise ValueError("--momentum: nesterov (SGD with Nesterov momentum) needs a momentum "
                         "> 0 (default: 0.9), got 0; use --optimizer sgd for SGD without "
                         "momentum")
    if optimizer in FULL_BATCH_OPTIMIZERS:  # their options are checked by the train command
        return {"momentum": None, "batch_size": None,  # type: ignore[typeddict-item]
                **dict.fromkeys(_FLAG_RULES)}
    if batch_size is not None and optimizer == "gd":
        raise ValueError(f"--batch-size: gd steps on the whole training set, got "
                         f"--batch-size {batch_size}; use --optimizer sgd for mini-batches")
    return {"momentum": (0.9 if momentum is None else momentum)
            if optimizer in _SGD_RULES else momentum if optimizer == "rmsprop" else None,
            "batch_size": None if optimizer == "gd" else (batch_size or 32),
            **flags}  # type: ignore[typeddict-item]


def rule_options(args: argparse.Namespace) -> dict:
    """PyTorch's settings of ``args`` (``--amsgrad``, ``--centered``, ``--decoupled-decay``,
    ``--dampening`` ...; None where a command has no such option), as
    :func:`optimizer_settings` takes them."""
    return {name: getattr(args, name, None) for name in _FLAG_RULES}


def trainer_rule(optimizer: str, lr: float | None, steps: OptimizerSettings | dict) -> dict:
    """``optimizer``, ``lr`` and ``momentum`` for a :class:`~chainrule.training.Trainer`
    (or :func:`~chainrule.experiments.lr_range_test`): the rule by name, as ever, or with
    one of PyTorch's settings (``--amsgrad``, ``--dampening`` ...) an
    :class:`~chainrule.optimizers.Optimizer` of those settings (its rate ``lr``, and
    ``lr`` and ``momentum`` then None: the object brings them).

    Parameters
    ----------
    optimizer : str
        The ``--optimizer`` rule's name (not lbfgs).
    lr : float or None
        The rate (``--lr``, or ``--lr-min`` for the range test).
    steps : dict
        :func:`optimizer_settings`' dict.

    Returns
    -------
    dict
        ``{"optimizer": str or Optimizer, "lr": float or None, "momentum": float or None}``.
    """
    from .optimizers import get_optimizer

    settings = {"weight_decay" if name == "decoupled_decay" else name: steps.get(name)
                for name in _FLAG_RULES}
    if not any(value is not None for value in settings.values()):
        return {"optimizer": optimizer, "lr": lr, "momentum": steps.get("momentum")}
    if optimizer in _DECOUPLED_FLAG_RULES and settings["weight_decay"] is not None:
        settings["decoupled_weight_decay"] = True  # PyTorch's NAdam/RAdam flag
    rule = get_optimizer(optimizer, lr=lr, momentum=steps.get("momentum"), **settings)
    return {"optimizer": rule, "lr": None, "momentum": None}
