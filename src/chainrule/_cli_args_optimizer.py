"""argparse types of the command line: the optimizer, its schedule and its step settings.

``--optimizer`` and ``--schedule`` are parsed and checked here; the rule's settings
(``--momentum``, ``--batch-size``, which rules take which, and PyTorch's settings) in
:mod:`chainrule._cli_args_rule`, whose names are importable from here (and from
:mod:`chainrule.cli_args`) as before.
"""

from __future__ import annotations

import argparse

# the rule's settings (--momentum, --batch-size, --amsgrad ...), importable from here as before
from ._cli_args_rule import ADAMW_DECAY as ADAMW_DECAY
from ._cli_args_rule import FULL_BATCH_OPTIMIZERS as FULL_BATCH_OPTIMIZERS
from ._cli_args_rule import RULE_SETTINGS as RULE_SETTINGS
from ._cli_args_rule import OptimizerSettings as OptimizerSettings
from ._cli_args_rule import add_rule_options as add_rule_options
from ._cli_args_rule import optimizer_settings as optimizer_settings
from ._cli_args_rule import rule_options as rule_options
from ._cli_args_rule import trainer_rule as trainer_rule

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
#: :data:`FULL_BATCH_OPTIMIZERS` ("lbfgs", "newton-cg", "trust-ncg", "trust-krylov": the
#: full-batch methods of :func:`chainrule.minimize`).
TRAIN_OPTIMIZER_NAMES = (*OPTIMIZER_NAMES, *FULL_BATCH_OPTIMIZERS)


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
