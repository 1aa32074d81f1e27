"""The checks of the records a saved run is read back from (private): a checkpoint's
optimizer state, schedule state, history and counts.

Each check compares a record with what the run itself would keep (the
optimizer's state vectors after one step, the schedule's own state, one
history value per epoch) and raises a ValueError that names the record, so
that a damaged file is refused instead of resuming a different run.
:func:`chainrule.checkpoints.trainer_from_checkpoint` calls them, and so does
``_mlp_state``, which reads an estimator file's training record the same way;
import them from :mod:`chainrule.checkpoints`.
"""

from __future__ import annotations

import math

import numpy as np

from . import io
from .callbacks import History
from .network import Network
from .optimizers import Optimizer
from .schedules import SCHEDULES, Linear, Polynomial, Schedule, get_schedule

# Settings a built-in schedule gained after files were written without them, by the
# schedule's name and in the groups they came in: the values that are those files' rule, and
# the state that came with them (ReduceOnPlateau's mode: "min", lower was better for every
# monitor before 6810cd2; its threshold_mode and cooldown: "abs" and 0 are its rule before
# them; then its eps, 0)
_LATER_SCHEDULE_SETTINGS = {
    "plateau": [({"mode": "min"}, {}),
                ({"threshold_mode": "abs", "cooldown": 0}, {"_cooldown_left": 0}),
                ({"eps": 0.0}, {})],
}


def _completed_schedule_record(record: object) -> object:
    """A schedule record (``{"config", "state", ...}``) of an older file, brought up to date.

    A record whose config has none of a group of settings its schedule
    gained since (:data:`_LATER_SCHEDULE_SETTINGS`) was written before them:
    those settings take the values that are its rule, and its state the
    values that go with them, so that the file resumes the run it recorded
    (a warm-up's ``after`` too, whose state is the warm-up's).  A record
    with some of a group and not others, or with a group but not one that
    came before it, is left so, for the checks of its keys to refuse.
    Anything else is returned as it is.
    """
    if (not isinstance(record, dict) or not isinstance(record.get("config"), dict)
            or record.get("class") is not None):
        return record
    config, state = record["config"], record.get("state")
    if config.get("name") == "warmup" and isinstance(config.get("after"), dict):
        inner = _completed_schedule_record({"config": config["after"], "state": state})
        config, state = {**config, "after": inner["config"]}, inner["state"]
    name = config.get("name")
    groups = _LATER_SCHEDULE_SETTINGS.get(name, []) if isinstance(name, str) else []
    have = [any(k in config for k in settings) for settings, _ in groups]
    if any(have[i] and not have[i - 1] for i in range(1, len(have))):
        return record  # a group that came later without an earlier one: no file wrote that
    for settings, values in groups:
        if any(k in config for k in settings):
            continue
        config = {**config, **settings}
        if isinstance(state, dict) and not any(k in state for k in values):
            state = {**state, **values}
    return {**record, "config": config, "state": state}


def _config_keys(config: dict, prefix: str = "") -> list[str]:
    """The keys of a schedule config, those of a nested one as ``"after.patience"``, sorted.

    Compared with those of the schedule built from it, they show a setting missing from
    the record, which would take its default silently (a warm-up's ``after`` too).
    """
    keys = []
    for key, value in config.items():
        keys.append(f"{prefix}{key}")
        if isinstance(value, dict):
            keys += _config_keys(value, f"{prefix}{key}.")
    return sorted(keys)


def _check_schedule_name(config: dict, where: str) -> None:
    """Refuse a schedule config without its ``name`` (a warm-up's ``after`` too), naming
    the record and the key: :func:`get_schedule` would say "unknown schedule None"."""
    if "name" not in config:
        raise ValueError(f"{where}: missing the key 'name' (the schedule's name, one of "
                         f"{', '.join(SCHEDULES)}); found the keys {sorted(config)}")
    if config["name"] == "warmup" and isinstance(config.get("after"), dict):
        _check_schedule_name(config["after"], f"{where}.after")


def _recorded_schedule(config: dict, where: str) -> Schedule:
    """The schedule a file's record ``config`` builds, refused naming the record.

    Parameters
    ----------
    config : dict
        The recorded config, ``{"name": ..., <its settings>}``.
    where : str
        The record's name in the file ("schedule.config" of a checkpoint,
        "training.schedule_run.config" of an estimator file), for the messages.

    Returns
    -------
    Schedule
        ``get_schedule(config)``.

    Raises
    ------
    ValueError
        For a config without its ``name`` (or a warm-up's ``after`` without
        one): the record and the key; for one whose keys are not the
        schedule's (a missing setting would take its default silently): the
        keys expected and found; for a "linear" or "polynomial" whose
        ``total_iters`` is null (a run records the length it took): the key.
    TypeError, ValueError
        As :func:`get_schedule`, the message led by the record's name.
    """
    _check_schedule_name(config, where)
    try:
        schedule = get_schedule(config)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"{where}: {exc}") from None
    expected, found = _config_keys(schedule.get_config()), _config_keys(config)
    if expected != found:  # a setting missing from the record: its default silently
        raise ValueError(f"{where}: expected the keys {expected}, found {found}")
    if isinstance(schedule, (Linear, Polynomial)) and schedule.total_iters is None:
        # a run records the length it took: without one the decay has no rate to give
        raise ValueError(f"{where}.total_iters: expected the epochs of the {schedule.name!r} "
                         f"decay (an int >= 1), found null")
    return schedule


def _checked_schedule_state(schedule: Schedule, state: object) -> dict:
    """A built-in schedule's recorded state, checked against the state it keeps itself.

    ``set_state`` takes any dict (it updates the object's attributes), so the
    record must hold exactly the keys of the schedule's own state, each a
    number of the kind it keeps (a count, or a float that is not NaN: a
    best value may be infinite).  A schedule of the user's own class keeps
    what it likes: its state is passed on as it is.

    Raises
    ------
    ValueError
        Naming the key and what was expected.
    """
    if _custom_schedule_class(schedule) is not None:
        return state  # type: ignore[return-value]
    own = schedule.get_state()
    if not isinstance(state, dict) or set(state) != set(own):
        raise ValueError(f"schedule.state: expected an object with the keys {sorted(own)}, "
                         f"found {state!r:.60}")
    for key, value in state.items():
        count = isinstance(own[key], int)
        if not (_is_real(value) and (isinstance(value, int) and value >= 0 if count
                                     else not math.isnan(value))):
            raise ValueError(f"schedule.state.{key}: expected "
                             f"{'a non-negative integer' if count else 'a number'}, found "
                             f"{value!r:.40}")
        if key == "_scale" and not 0 < value <= 1:  # ReduceOnPlateau: a product of factors
            raise ValueError(f"schedule.state._scale: expected a number in (0, 1], found "
                             f"{value!r:.40}")
        # ReduceOnPlateau (a warm-up's after, too): counts down from its cooldown
        cooldown = getattr(getattr(schedule, "after", schedule), "cooldown", None)
        if key == "_cooldown_left" and isinstance(cooldown, int) and value > cooldown:
            raise ValueError(f"schedule.state._cooldown_left: expected an integer in "
                             f"0..{cooldown} (the cooldown), found {value!r:.40}")
    return state


def _custom_schedule_class(schedule: Schedule) -> str | None:
    """``module.Class`` of a schedule that is not a built-in one; None for a built-in one."""
    from .schedules import SCHEDULES

    cls = type(schedule)
    return None if SCHEDULES.get(schedule.name) is cls else f"{cls.__module__}.{cls.__qualname__}"


def _is_real(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _checked_count(v: object, name: str) -> int:
    """``v`` if it is a non-negative integer, else a ValueError naming ``name``."""
    if not isinstance(v, int) or isinstance(v, bool) or v < 0:
        raise ValueError(f"{name}: expected a non-negative integer, found {v!r}")
    return v


_is_number = io.finite_number  # 10**400 too: a float cannot hold it


def _checked_history(record: object, epoch: int) -> History:
    """The run's history as a checkpoint recorded it, checked against its ``epoch``.

    ``metrics`` must map each metric's name to one value per completed epoch
    (a number, or a list of numbers for the per-layer diagnostics), ``loss``
    among them once an epoch is done, and ``best_epoch`` must be null or one
    of those epochs: resume appends to these lists and counts epochs by them.

    Raises
    ------
    ValueError
        Naming the record and what was expected.
    """
    metrics = record.get("metrics") if isinstance(record, dict) else None
    if not isinstance(metrics, dict):
        raise ValueError(f"history: expected an object with a 'metrics' object, found "
                         f"{record!r:.60}")
    if epoch and "loss" not in metrics:
        raise ValueError(f"history.metrics: expected 'loss' after {epoch} epochs, found "
                         f"{sorted(metrics)}")
    for key, values in metrics.items():
        if not isinstance(values, list) or len(values) != epoch or not (
                all(map(_is_number, values)) or all(  # per-layer lists of the same length
                    isinstance(v, list) and len(v) == len(values[0]) and all(map(_is_number, v))
                    for v in values)):
            raise ValueError(f"history.metrics.{key}: expected a list of {epoch} finite numbers "
                             f"(one per epoch trained), found {values!r:.60}")
    best = record.get("best_epoch")
    if best is not None and not (isinstance(best, int) and not isinstance(best, bool)
                                 and 1 <= best <= epoch):
        raise ValueError(f"history.best_epoch: expected null or an epoch 1..{epoch}, found "
                         f"{best!r:.40}")
    # as floats: a JSON int (10**30) would stay an int, which np.isfinite cannot take
    floats = {key: [[float(x) for x in v] if isinstance(v, list) else float(v) for v in values]
              for key, values in metrics.items()}
    return History.from_json({**record, "metrics": floats})


def _checked_optimizer(config: object, name: str) -> Optimizer:
    """The optimizer a file's record ``name`` (``"optimizer.config"``) describes, every key of
    the rule's configuration there (one missing would take its default silently), but
    Adam's ``eps_on``, which files written before it existed lack: ``"v_hat"``, their rule.

    Raises
    ------
    ValueError
        Naming ``name``, what was expected and what was found.
    """
    if isinstance(config, dict) and config.get("name") == "adam" and "eps_on" not in config:
        # written before Adam took eps_on (f3ab394), when it always added eps to sqrt(v_hat)
        config = {**config, "eps_on": "v_hat"}
    try:
        opt = Optimizer.from_config(config)
    except (TypeError, ValueError) as exc:  # "config...: expected ..., found ...", or a
        # setting's own message (a TypeError for a setting of the wrong type)
        text = str(exc)  # ("lr must be a finite float > 0, got -1.0")
        text = text.removeprefix("config") if text.startswith("config") else f": {text}"
        raise ValueError(f"{name}{text}") from None
    if set(config) != set(opt.get_config()):  # type: ignore[arg-type]  (a dict by now)
        raise ValueError(f"{name}: expected the keys {sorted(opt.get_config())}, found "
                         f"{sorted(config)}")  # type: ignore[arg-type]
    return opt


def _checked_optimizer_state(config: dict, t: int, arrays: dict[str, np.ndarray],
                             net: Network) -> dict[str, np.ndarray]:
    """The optimizer state stored in a checkpoint's ``arrays``, checked against its rule.

    The vectors the rule keeps are found by one step of a fresh optimizer of
    the same configuration on zeros; after ``t`` > 0 steps the checkpoint must
    hold exactly those, each of shape ``(n_params,)``, of the network's dtype
    and finite (the optimizer would otherwise replace them by zeros, silently),
    but for the squared gradients' sums and means (:data:`_SQUARES`), which
    are >= 0 and may be inf.

    Raises
    ------
    ValueError
        Naming the array and what was expected.
    """
    stored = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith("optimizer/")}
    if t == 0:
        expected: set[str] = set()
    else:
        probe = Optimizer.from_config(config)
        zeros = np.zeros(net.n_params, dtype=net.dtype)
        with np.errstate(invalid="ignore"):  # a rate of inf (a growing schedule): inf * 0
            probe.step(zeros.copy(), zeros)
        expected = set(probe.state)
    if set(stored) != expected:
        raise ValueError(
            f"optimizer state: expected the arrays {sorted(expected)} after {t} steps, found "
            f"{sorted(stored)}")
    for key, value in stored.items():
        if value.shape != (net.n_params,) or value.dtype != net.dtype:
            raise ValueError(
                f"optimizer/{key}: expected shape ({net.n_params},) and dtype {net.dtype}, "
                f"found shape {value.shape} and dtype {value.dtype}")
        if key in _SQUARES:
            if np.isnan(value).any() or (value < 0).any():
                raise ValueError(f"optimizer/{key}: expected values >= 0 (of squared "
                                 "gradients; inf where they overflowed), found NaN or "
                                 "negative values")
        elif not np.all(np.isfinite(value)):
            raise ValueError(f"optimizer/{key}: expected finite values, found NaN or inf")
    return {k: v.copy() for k, v in stored.items()}


# the state vectors that sum or average squared gradients (AdaGrad's, RMSProp's, Adam's
# second moment): inf where they overflowed (AdaGrad's and Adam's for float32 gradients
# from 1.8e19 on), in a run that goes on (those parameters' steps are then 0)
_SQUARES = {"sum_sq", "mean_sq", "v", "v_max"}  # v_max: AMSGrad's largest v
