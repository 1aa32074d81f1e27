"""argparse types of the command line: the optimizer, its schedule and its step settings.

``--optimizer``, ``--schedule``, ``--momentum`` and ``--batch-size`` are checked
together here (which rules take a momentum, what ``gd`` means for batches),
where they are parsed; importable from :mod:`chainrule.cli_args` as before.
"""

from __future__ import annotations

import argparse
from typing import TypedDict

#: The optimizers ``--optimizer`` takes: the names of
#: :data:`chainrule.optimizers.OPTIMIZERS` and "nesterov" (SGD with Nesterov momentum).
OPTIMIZER_NAMES = ("gd", "sgd", "nesterov", "adagrad", "rmsprop", "adam", "adamw", "nadam",
                   "radam", "adamax")


def optimizer_name(text: str) -> str:
    """An argparse type: the name of an optimizer (:data:`OPTIMIZER_NAMES`).

    Parameters
    ----------
    text : str
        What the user typed.

    Returns
    -------
    str
        ``text``, when it names an optimizer.

    Raises
    ------
    argparse.ArgumentTypeError
        Naming the valid optimizers and what was given.
    """
    return _one_of(text, OPTIMIZER_NAMES)


def _one_of(text: str, names: tuple[str, ...]) -> str:
    """``text`` when it is one of ``names``, else the argparse error listing them."""
    if text not in names:
        raise argparse.ArgumentTypeError(f"expected one of {', '.join(names)}, got {text!r}")
    return text


optimizer_name.__name__ = "optimizer name"

#: The optimizers ``chainrule train --optimizer`` takes: :data:`OPTIMIZER_NAMES` and
#: "lbfgs" (full-batch L-BFGS through :func:`chainrule.minimize`).
TRAIN_OPTIMIZER_NAMES = (*OPTIMIZER_NAMES, "lbfgs")


def train_optimizer_name(text: str) -> str:
    """An argparse type: the name of an optimizer of ``chainrule train``
    (:data:`TRAIN_OPTIMIZER_NAMES`).

    Raises
    ------
    argparse.ArgumentTypeError
        Naming the valid optimizers and what was given.
    """
    return _one_of(text, TRAIN_OPTIMIZER_NAMES)


train_optimizer_name.__name__ = "optimizer name"


# the run's length while --schedule is checked, before --epochs is known: longer than any
# warm-up given, so that a "cosine" after it gets a T_max to check (train sets the real one)
EPOCHS_STAND_IN = 2**62


def schedule_spec(text: str) -> str | dict:
    """An argparse type: a learning-rate schedule, by name or as a JSON object of settings.

    Parameters
    ----------
    text : str
        A name of :data:`chainrule.schedules.SCHEDULES` ("cosine" anneals over
        the run's ``--epochs``, and after a "warmup" over those after the
        warm-up), or ``{"name": ..., **settings}`` as JSON, e.g.
        ``{"name": "step", "step_size": 20, "gamma": 0.5}``.

    Returns
    -------
    str or dict
        What :func:`chainrule.train` takes as ``schedule``.

    Raises
    ------
    argparse.ArgumentTypeError
        For text that is neither, or settings the schedule refuses (the
        message is :func:`~chainrule.schedules.get_schedule`'s).
    """
    import json

    from .architecture import _KeyTwice, _unique_keys
    from .schedules import SCHEDULES, get_schedule

    spec: str | dict = text
    if text.lstrip().startswith("{"):
        try:  # a key given twice is refused: json.loads would keep the last without a word
            spec = json.loads(text, object_pairs_hook=_unique_keys)
        except _KeyTwice as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None
        except json.JSONDecodeError as exc:
            raise argparse.ArgumentTypeError(f"not valid JSON ({exc}): {text!r}") from None
        except RecursionError:  # json.loads' own limit: '{"a": ' * 100000
            raise argparse.ArgumentTypeError(
                f"not valid JSON (nested too deeply): {text:.40}...") from None
        if not isinstance(spec, dict):
            raise argparse.ArgumentTypeError(f"expected a JSON object, got {text!r}")
    elif text not in SCHEDULES:
        raise argparse.ArgumentTypeError(
            f"expected one of {', '.join(SCHEDULES)} or a JSON object such as "
            f"'{{\"name\": \"step\", \"step_size\": 20}}', got {text!r}")
    try:  # the run's epochs are not known yet: a stand-in for them, which the T_max of a
        # "cosine" (alone, or after a warm-up of any length) takes
        get_schedule(spec, epochs=EPOCHS_STAND_IN)
    except (TypeError, ValueError) as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return spec


schedule_spec.__name__ = "schedule"


def check_schedule_epochs(spec: str | dict | None, epochs: int) -> None:
    """Refuse, in the command's words, a ``--schedule`` that ``--epochs`` leaves no room for.

    A "cosine" without ``T_max`` after a "warmup" anneals over the epochs
    after the warm-up (``T_max = --epochs`` less the warm-up's): when the
    warm-up takes all of ``--epochs`` there are none.  :func:`schedule_spec`
    cannot know that (it checks with a stand-in for ``--epochs``), and the
    library's own message names ``epochs`` and ``max_iter``, not ``--epochs``.

    Parameters
    ----------
    spec : str, dict or None
        What :func:`schedule_spec` returned (None: no ``--schedule``).
    epochs : int
        ``--epochs``.

    Raises
    ------
    ValueError
        Naming ``--epochs`` and ``--schedule``, what the warm-up takes and
        what was given.
    """
    from .schedules import get_schedule, length_from_run

    if not isinstance(spec, dict) or spec.get("name") != "warmup":
        return
    try:
        get_schedule(dict(spec), epochs=epochs)
    except ValueError:
        warm, after = spec.get("epochs", 5), spec.get("after")
        key = length_from_run(after)
        name = after.get("name") if isinstance(after, dict) else after
        verb = "anneals over" if key == "T_max" else "spans"
        raise ValueError(
            f"--epochs {epochs}: the \"{name}\" after the warm-up of --schedule {verb} "
            f"the epochs after the warm-up's {warm} (its {key} is --epochs - {warm}), and "
            f"--epochs {epochs} leaves none; give --epochs above {warm}, or the {name} its "
            f"own {key} in --schedule") from None


def inferred_t_max(spec: str | dict | None, schedule: object) -> int | None:
    """The ``T_max`` a run's cosine took from its epochs, for the model's record.

    A "cosine" given without ``T_max`` (by its name, or after a "warmup")
    anneals over the first command's epochs (less the warm-up's); a run
    resumed to more ``--epochs`` keeps that ``T_max``, so the record's
    ``epochs`` no longer tells it.

    Parameters
    ----------
    spec : str, dict or None
        The run's ``--schedule``, as :func:`schedule_spec` returned it.
    schedule : Schedule
        The run's schedule (the trainer's).

    Returns
    -------
    int or None
        The cosine's ``T_max`` when it was inferred, else None (a ``T_max``
        given, another schedule, no ``--schedule``).
    """
    from .schedules import Cosine, Warmup, _anneals_over_run

    given = {"name": spec} if isinstance(spec, str) else spec
    if not isinstance(given, dict):
        return None
    if _anneals_over_run(given):
        return schedule.T_max if isinstance(schedule, Cosine) else None
    if given.get("name") == "warmup" and _anneals_over_run(given.get("after")):
        cosine = schedule.after if isinstance(schedule, Warmup) else None
        return cosine.T_max if isinstance(cosine, Cosine) else None
    return None


def inferred_lengths(spec: str | dict | None, trainer: object) -> dict[str, int]:
    """What a run's schedule took from its length, for the model's record (``info`` shows it).

    Parameters
    ----------
    spec : str, dict or None
        The run's ``--schedule``, as :func:`schedule_spec` returned it.
    trainer : Trainer
        The run's trainer, after its fit.

    Returns
    -------
    dict
        ``{"T_max": ...}`` for a cosine that took it from the first command's
        epochs (see :func:`inferred_t_max`), ``{"total_iters": ...}`` likewise for
        a "linear" or "polynomial" (after a "warmup" too), ``{"total_steps": ...}`` for a
        "onecycle" spanning the first command's ``--epochs`` times the steps of
        an epoch (``--resume`` keeps it), else empty.
    """
    from .schedules import Linear, OneCycle, Polynomial, length_from_run

    t_max = inferred_t_max(spec, trainer.schedule)
    if t_max is not None:
        return {"T_max": t_max}
    schedule, steps = trainer.schedule, getattr(trainer, "_n_batches", None)
    given = {"name": spec} if isinstance(spec, str) else spec
    decay = schedule
    if isinstance(given, dict) and given.get("name") == "warmup":
        given, decay = given.get("after"), getattr(schedule, "after", None)
    if (length_from_run(given) == "total_iters" and isinstance(decay, (Linear, Polynomial))
            and decay.total_iters is not None):  # a "linear", "polynomial" over the run
        return {"total_iters": decay.total_iters}
    if isinstance(schedule, OneCycle) and schedule.total_steps is None and steps is not None:
        return {"total_steps": schedule.total(steps)}
    return {}


_SGD_RULES = ("sgd", "gd", "nesterov")  # the rules whose momentum is 0.9 unless given
#: the rules that take a momentum: rmsprop's is PyTorch's RMSprop(momentum=), 0 unless given
_MOMENTUM_RULES = (*_SGD_RULES, "rmsprop")
#: the rules that take --amsgrad, --centered and --decoupled-decay (PyTorch's settings)
_FLAG_RULES = {"amsgrad": ("adam", "adamw"), "centered": ("rmsprop",),
               "decoupled_decay": ("adamw",)}
_FLAG_OPTIONS = {"amsgrad": "--amsgrad", "centered": "--centered",
                 "decoupled_decay": "--decoupled-decay"}
#: AdamW's decoupled weight_decay when --decoupled-decay is not given (PyTorch's default)
ADAMW_DECAY = 0.01


def add_rule_options(p: argparse.ArgumentParser) -> None:
    """``--amsgrad``, ``--centered`` and ``--decoupled-decay`` on train's parser (cv's and
    tune's too), each a setting of some rules only (:func:`optimizer_settings`)."""
    from .cli_args import nonnegative_float

    p.add_argument("--amsgrad", action="store_true", default=None,
                   help="adam, adamw: AMSGrad, PyTorch's amsgrad=True (the denominator takes "
                   "the largest second moment so far) (default: off)")
    p.add_argument("--centered", action="store_true", default=None,
                   help="rmsprop: divide by the running standard deviation of the gradients, "
                   "PyTorch's RMSprop(centered=True) (default: off)")
    p.add_argument("--decoupled-decay", type=nonnegative_float, default=None,
                   dest="decoupled_decay", metavar="WD",
                   help="adamw: its decoupled weight_decay, PyTorch's AdamW(weight_decay=WD): "
                   "each step shrinks the weights by lr_t * WD; --weight-decay is the "
                   f"network's L2 penalty, another thing (default: {ADAMW_DECAY})")


class OptimizerSettings(TypedDict):
    """What :func:`optimizer_settings` returns: a plain dict with these keys."""

    momentum: float | None
    batch_size: int | None
    amsgrad: bool | None
    centered: bool | None
    decoupled_decay: float | None


def optimizer_settings(optimizer: str, momentum: float | None, batch_size: int | None,
                       amsgrad: bool | None = None, centered: bool | None = None,
                       decoupled_decay: float | None = None) -> OptimizerSettings:
    """The rule's settings for :func:`chainrule.train`, from the options given.

    ``--momentum`` (default 0.9) is a setting of sgd, gd and nesterov, and of rmsprop
    (default 0: none; PyTorch's ``RMSprop(momentum=...)``), and
    ``--batch-size`` (default 32) of every rule but gd, which steps on the whole
    training set; ``--amsgrad`` of adam and adamw, ``--centered`` of rmsprop and
    ``--decoupled-decay`` of adamw: each given to a rule that does not use it is
    refused rather than ignored, as the library refuses it.  ``--optimizer nesterov
    --momentum 0`` is refused too (Nesterov's rule needs a momentum > 0).  All
    are checked before any data is read.  ``lbfgs`` (full batch, no momentum) gets
    None for both: the train command refuses its options (``_cli_models_train_lbfgs``).

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
    decoupled_decay : float or None
        ``--decoupled-decay``, None when not given.

    Returns
    -------
    OptimizerSettings
        The dict ``{"momentum": float or None, "batch_size": int or None, "amsgrad":
        True or None, "centered": True or None, "decoupled_decay": float or None}``
        (None: the rule has no such setting, or it is off; AdamW's decay is None at its
        default 0.01, as a run from before the option recorded it).

    Raises
    ------
    ValueError
        Naming the option and what to use instead.
    """
    if momentum is not None and optimizer not in _MOMENTUM_RULES:
        raise ValueError(f"--momentum: {optimizer} takes no momentum (a setting of "
                         f"{', '.join(_MOMENTUM_RULES)}), got {momentum:g}")
    flags = {"amsgrad": True if amsgrad else None, "centered": True if centered else None,
             "decoupled_decay": decoupled_decay}
    for name, value in flags.items():
        if value is not None and optimizer not in _FLAG_RULES[name]:
            rules = " and ".join(_FLAG_RULES[name])
            given = "" if value is True else f" {value:g}"
            raise ValueError(f"{_FLAG_OPTIONS[name]}{given}: a setting of {rules}, which "
                             f"--optimizer {optimizer} does not take; leave it out or use "
                             f"--optimizer {_FLAG_RULES[name][0]}")
    if flags["decoupled_decay"] == ADAMW_DECAY:  # the default: as a run from before it
        flags["decoupled_decay"] = None
    if optimizer == "nesterov" and momentum == 0:
        raise ValueError("--momentum: nesterov (SGD with Nesterov momentum) needs a momentum "
                         "> 0 (default: 0.9), got 0; use --optimizer sgd for SGD without "
                         "momentum")
    if optimizer == "lbfgs":  # its options are checked by the train command
        return {"momentum": None, "batch_size": None, "amsgrad": None, "centered": None,
                "decoupled_decay": None}
    if batch_size is not None and optimizer == "gd":
        raise ValueError(f"--batch-size: gd steps on the whole training set, got "
                         f"--batch-size {batch_size}; use --optimizer sgd for mini-batches")
    return {"momentum": (0.9 if momentum is None else momentum)
            if optimizer in _SGD_RULES else momentum if optimizer == "rmsprop" else None,
            "batch_size": None if optimizer == "gd" else (batch_size or 32),
            **flags}  # type: ignore[typeddict-item]


def rule_options(args: argparse.Namespace) -> dict:
    """``--amsgrad``, ``--centered`` and ``--decoupled-decay`` of ``args`` (None where a
    command has no such option), as :func:`optimizer_settings` takes them."""
    return {name: getattr(args, name, None) for name in _FLAG_RULES}


def trainer_rule(optimizer: str, lr: float | None, steps: OptimizerSettings | dict) -> dict:
    """``optimizer``, ``lr`` and ``momentum`` for a :class:`~chainrule.training.Trainer`
    (or :func:`~chainrule.experiments.lr_range_test`): the rule by name, as ever, or with
    ``--amsgrad``, ``--centered`` or ``--decoupled-decay`` an
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

    settings = {"amsgrad": steps.get("amsgrad"), "centered": steps.get("centered"),
                "weight_decay": steps.get("decoupled_decay")}
    if not any(value is not None for value in settings.values()):
        return {"optimizer": optimizer, "lr": lr, "momentum": steps.get("momentum")}
    rule = get_optimizer(optimizer, lr=lr, momentum=steps.get("momentum"), **settings)
    return {"optimizer": rule, "lr": None, "momentum": None}
