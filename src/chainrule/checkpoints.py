"""Checkpoints of a training run: what :class:`~chainrule.training.Trainer` writes and reads back.

A checkpoint is one ``.npz`` file (arrays + JSON, never pickle): the network,
the optimizer's state vectors, the schedule, the epoch, the random
generator's state, the history, the early-stopping state, the run's
``class_weight`` (when it has one), and whether a rule of the run's own ended it
(``"stopped"``: such a run is finished).  Everything a
run continues from is checked when it is read, so that a damaged checkpoint
is refused instead of resuming a different run.

This module writes the record (:func:`checkpoint_payload`) and rebuilds a run
from it (:func:`trainer_from_checkpoint`); the checks of its parts (the
optimizer state, the schedule state, the history, the counts), which the
estimator files share, are in ``_checkpoints_checks`` and re-exported here.
"""

from __future__ import annotations

import json
import math
import os
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import io
from ._checkpoints_checks import (
    _checked_count,
    _checked_history,
    _checked_optimizer,
    _checked_optimizer_state,
    _checked_schedule_state,
    _completed_schedule_record,
    _custom_schedule_class,
    _is_real,
    _recorded_schedule,
)
from ._class_weight import class_weight_from_json, class_weight_to_json
from ._optimizers_rate_record import unscheduled_rate_problem
from ._rng_links import network_states
from ._schedules_span import past_end, span
from ._training_ema import averaged_payload, read_averaged, read_buffers
from ._validation import (
    caller_outside_chainrule,
    check_path,
    check_positive_float,
    check_positive_int,
    set_generator_state,
)
from .callbacks import Callback, TrainState, check_callbacks
from .schedules import Schedule

if TYPE_CHECKING:
    from .training import Trainer

CHECKPOINT_FORMAT = "chainrule.checkpoint"
# the settings of the "trainer" record, as checkpoint_payload writes them
_TRAINER_KEYS = ("full_batch", "batch_size", "epochs", "seed", "shuffle", "validation_fraction",
                 "clip_norm", "patience", "min_delta", "restore_best", "loss_threshold",
                 "grad_norm_threshold", "diagnostics", "checkpoint_every")
# the records of a checkpoint that hold others, and the keys each must have (the
# trainer's settings are checked against _TRAINER_KEYS)
_RECORDS: dict[str, tuple[str, ...]] = {
    "trainer": (), "optimizer": ("config", "t", "lr0"), "schedule": ("config", "state"),
    "early": ("best_value", "wait"),
}
# the stop reasons of a run that ended by a rule of its own: such a run is finished, and
# resuming it trains no further epochs (the checkpoint's "stopped" record)
SELF_STOPS = ("early_stopping", "loss_threshold", "grad_norm_threshold", "callback")


def checkpoint_payload(trainer: Trainer) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """What a checkpoint holds now: JSON record and arrays (copies, not views).

    Parameters
    ----------
    trainer : Trainer

    Returns
    -------
    meta : dict
        The JSON-serialisable record.
    arrays : dict of str to ndarray
        By name: the network's parameters and buffers, the optimizer's state
        and, with ``restore_best``, the best epoch's parameters and buffers.
    """
    opt = trainer.optimizer
    meta = {
        "format": CHECKPOINT_FORMAT,
        "network": io.network_config(trainer.net),
        "states": network_states(trainer.net.layers),
        "trainer": {
            "full_batch": trainer.full_batch, "batch_size": trainer.batch_size,
            "epochs": trainer.epochs, "seed": trainer.seed, "shuffle": trainer.shuffle,
            "validation_fraction": trainer.validation_fraction, "clip_norm": trainer.clip_norm,
            "patience": trainer.patience, "min_delta": trainer.min_delta,
            "restore_best": trainer.restore_best, "loss_threshold": trainer.loss_threshold,
            "grad_norm_threshold": trainer.grad_norm_threshold,
            "diagnostics": trainer.diagnostics, "checkpoint_every": trainer.checkpoint_every,
            # only when set: the checkpoints of before it (and their readers) have none
            **({} if getattr(trainer, "divergence_threshold", None) is None else
               {"divergence_threshold": trainer.divergence_threshold}),
        },
        "optimizer": {"config": opt.get_config(), "t": opt.t, "lr0": trainer.lr0},
        "schedule": {"config": trainer.schedule.get_config(),
                     "state": trainer.schedule.get_state(),
                     # a schedule class of the user's own, which resume cannot rebuild
                     # from the config: its name, so that resume asks for it
                     "class": _custom_schedule_class(trainer.schedule)},
        "epoch": trainer.epoch,
        "sample_weighted": trainer.sample_weighted,
        "val_weighted": trainer.val_weighted,  # the validation rows' weights (val_loss)
        # why the run ended, when a rule of its own ended it (null: it may continue); a
        # finished run read back from a checkpoint stays finished before its fit too
        "stopped": (trainer.history.stop_reason
                    if trainer.history.stop_reason in SELF_STOPS else trainer._stopped),
        "rng": trainer.rng.bit_generator.state,
        "history": trainer.history.to_json(),
        "early": {"best_value": trainer.best_value if math.isfinite(trainer.best_value) else None,
                  "wait": trainer.wait},
    }
    if trainer._data_record is not None:  # the data's shapes and digests (check_data_record)
        meta["data"] = trainer._data_record
    if trainer.checkpoint_notes is not None:  # the caller's own record, written as it is
        meta["notes"] = trainer.checkpoint_notes
    if trainer.class_weight is not None:  # left out unless set, as older versions wrote
        meta["trainer"]["class_weight"] = class_weight_to_json(trainer.class_weight)
    arrays = {k: v.copy() for k, v in io.network_arrays(trainer.net).items()}
    arrays.update({f"optimizer/{k}": v.copy() for k, v in opt.state.items()})
    if trainer.best_params is not None:
        arrays["best_params"] = trainer.best_params.copy()
        for i, values in enumerate(trainer.best_buffers):
            arrays.update({f"best_buffer/{i}/{k}": v.copy() for k, v in values.items()})
    averaged_payload(trainer, meta, arrays)  # ema: the moving average (nothing without it)
    return meta, arrays


def trainer_from_checkpoint(
    cls: type[Trainer], path: str | os.PathLike, epochs: int | None = None, verbose: int = 0,
    callbacks: Sequence[Callback | Callable[[TrainState], None]] = (),
    checkpoint: str | os.PathLike | None = None,
    schedule: Schedule | None = None,
    max_time: float | None = None,
) -> Trainer:
    """Rebuild a run of ``cls`` from :meth:`Trainer.save_checkpoint`; ``epochs`` may extend it.

    The body of :meth:`Trainer.from_checkpoint`, whose docstring gives the
    parameters, what is checked and what is raised.

    Parameters
    ----------
    cls : type of Trainer
        The class to build (a subclass of :class:`~chainrule.Trainer`).
    path, epochs, verbose : see :meth:`Trainer.from_checkpoint`
    callbacks, checkpoint, schedule, max_time : see :meth:`Trainer.from_checkpoint`

    Returns
    -------
    Trainer
    """
    from .training import _check_verbose  # (training imports this module)

    # the caller's own arguments first: refused by the Trainer made below, inside the
    # checks of the file's record, they were reported as a corrupted checkpoint
    check_path(path, "path")
    if epochs is not None:
        check_positive_int(epochs, "epochs")
    _check_verbose(verbose)
    callbacks = check_callbacks(callbacks)  # a list: a generator is read once, here
    if checkpoint is not None:
        check_path(checkpoint, "checkpoint")
    if max_time is not None:
        check_positive_float(max_time, "max_time")
    if schedule is not None and not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be a Schedule object (the run's own), got "
                        f"{type(schedule).__name__}")
    meta, arrays = io.read_file(path, CHECKPOINT_FORMAT)
    net = io.restore_network(meta, arrays, path)
    if "schedule" in meta:  # an older file: settings added since take its rule's values
        meta["schedule"] = _completed_schedule_record(meta["schedule"])
    _check_resumed_schedule(meta.get("schedule"), schedule, path)

    def bad(what: str) -> ValueError:
        return ValueError(f"{path}: corrupted checkpoint ({what})")

    try:
        for key, needed in _RECORDS.items():  # each a JSON object, before any is read
            record = meta.get(key)
            if not isinstance(record, dict) or not set(needed) <= set(record):
                what = (f"with the keys {list(needed)}" if needed else "of the run's settings")
                found = "nothing" if key not in meta else f"{record!r:.60}"
                raise ValueError(f"{key}: expected an object {what}, found {found}")
        t = dict(meta["trainer"])
        # every setting save writes: a missing one would fall back to its default silently
        missing = sorted(set(_TRAINER_KEYS) - set(t))
        if missing:
            raise ValueError(f"trainer: missing setting(s) {missing}")
        full = t.pop("full_batch")
        # the run's own length, checked even when ``epochs`` replaces it: the same file is
        # read alike by every caller (and the cosine warning below compares with it)
        check_positive_int(t.pop("epochs"), "trainer.epochs")
        # missing in older checkpoints and in those of runs without it; a dict as pairs
        class_weight = class_weight_from_json(t.pop("class_weight", None))
        ema = t.pop("ema", None)  # missing in older checkpoints and in runs without it
        record = meta["optimizer"]
        if (meta["schedule"].get("config") == {"name": "constant"}  # its rate: lr0's
                and meta["schedule"].get("class") is None):  # (not a class of one's own)
            problem = unscheduled_rate_problem(record["config"], "optimizer.config",
                                               "the run's schedule is 'constant'")
            if problem is not None:  # lr = inf: a divergence at the resumed run's 1st step
                raise ValueError(problem)
        opt = _checked_optimizer(record["config"], "optimizer.config")
        opt.t = _checked_count(record["t"], "optimizer.t")
        opt.state = _checked_optimizer_state(record["config"], opt.t, arrays, net)
        lr0 = record["lr0"]
        # 0: a run given an optimizer object whose lr was set to 0, which Trainer takes
        if not (_is_real(lr0) and math.isfinite(lr0) and lr0 >= 0):
            raise ValueError(f"optimizer.lr0: expected a finite number >= 0, found {lr0!r}")
        if not isinstance(meta["schedule"]["config"], dict):
            raise ValueError(f"schedule.config: expected a dict, found "
                             f"{meta['schedule']['config']!r}")
        custom = meta["schedule"].get("class")
        if custom is not None and not isinstance(custom, str):
            raise ValueError(f"schedule.class: expected a class name or null, found "
                             f"{custom!r}")
        if schedule is None:
            schedule = _recorded_schedule(meta["schedule"]["config"], "schedule.config")
        if not isinstance(full, bool):
            raise TypeError(f"trainer.full_batch: expected true or false, found {full!r}")
        if (t["batch_size"] is None) != full:  # null: the Trainer's default 32, silently
            raise ValueError(f"trainer.batch_size: expected "
                             f"{'null for a full-batch run' if full else 'an int >= 1'} "
                             f"(full_batch {str(full).lower()}), found {t['batch_size']!r:.40}")
        try:
            trainer = cls(net, optimizer="gd" if full else opt,
                          batch_size=None if full else t.pop("batch_size"),
                          epochs=epochs if epochs is not None else meta["trainer"]["epochs"],
                          verbose=verbose, callbacks=callbacks, schedule=schedule,
                          checkpoint=checkpoint if checkpoint is not None else path,
                          max_time=max_time, class_weight=class_weight, ema=ema,
                          **{k: v for k, v in t.items()
                             if k not in ("batch_size", "epochs")})
        except (TypeError, ValueError) as exc:
            raise ValueError(f"the 'trainer' record: {exc}") from None
        if full:
            trainer.optimizer = opt
        trainer._seed_dropout = False  # the layers' generators continue from the checkpoint
        trainer.schedule.set_state(_checked_schedule_state(trainer.schedule,
                                                           meta["schedule"]["state"]))
        trainer.lr0 = float(lr0)
        trainer.epoch = _checked_count(meta["epoch"], "epoch")
        weighted = meta.get("sample_weighted")  # missing in older checkpoints
        if weighted is not None and not isinstance(weighted, bool):
            raise TypeError(f"sample_weighted is {weighted!r}, not a bool")
        trainer.sample_weighted = weighted
        val_weighted = meta.get("val_weighted")  # missing in older checkpoints
        if val_weighted is not None and not isinstance(val_weighted, bool):
            raise TypeError(f"val_weighted is {val_weighted!r}, not a bool")
        trainer.val_weighted = val_weighted
        stopped = meta.get("stopped")  # missing in older checkpoints: a run that continues
        if stopped is not None and stopped not in SELF_STOPS:
            raise ValueError(f"stopped: expected null or one of {list(SELF_STOPS)}, found "
                             f"{stopped!r:.40}")
        trainer._stopped = stopped
        notes = meta.get("notes")  # missing when the run's caller kept none
        if notes is not None and not isinstance(notes, dict):
            raise ValueError(f"notes: expected an object or nothing, found {notes!r:.40}")
        trainer.checkpoint_notes = notes
        data = meta.get("data")  # missing in older checkpoints: their data is not checked
        if data is not None and not isinstance(data, dict):
            raise ValueError(f"data: expected an object or nothing, found {data!r:.40}")
        trainer._data_record = trainer._resumed_data = data
        trainer._origin = f"the checkpoint {path}"
        # epochs and optimizer steps the run had taken: a checkpoint from before the
        # BatchNorm one-row fold took one more step per epoch (check_steps_per_epoch)
        trainer._resumed_steps = (trainer.epoch, opt.t)
        set_generator_state(trainer.rng.bit_generator, meta["rng"], "rng")
        trainer.history = _checked_history(meta["history"], trainer.epoch)
        trainer.history.stop_reason = None
        monitored = getattr(trainer.schedule, "_value", None)  # ReduceOnPlateau's metric
        if monitored is not None and trainer.epoch > 0:  # the run's metrics: its history's
            try:
                monitored({k: v[-1] for k, v in trainer.history.items() if v})
            except ValueError as exc:  # else refused only after the first resumed epoch
                raise ValueError(f"schedule.config.monitor: {exc}") from None
        best = meta["early"]["best_value"]
        if best is not None and not (_is_real(best) and math.isfinite(best)):
            raise ValueError(f"early.best_value: expected a finite number or null, found "
                             f"{best!r}")
        trainer.best_value = math.inf if best is None else float(best)
        trainer.wait = _checked_count(meta["early"]["wait"], "early.wait")
        most = 0 if trainer.patience is None else trainer.patience  # a run stops there
        if trainer.wait > most:  # the resumed run would end at its first epoch not improving
            raise ValueError(f"early.wait: expected at most {most} epochs without improvement "
                             f"(patience {trainer.patience}), found {trainer.wait}")
        best_params = arrays.get("best_params")
        if (best_params is None and best is not None and trainer.patience is not None
                and trainer.restore_best):
            # the run's end would keep its last parameters, not its best epoch's, silently
            raise ValueError(f"best_params: missing, though early.best_value records a best "
                             f"epoch ({best!r}) whose parameters restore_best puts back")
        trainer.best_params = None
        if best_params is not None:
            if best_params.dtype != net.dtype:  # _check_theta would cast float16 silently
                raise ValueError(f"best_params: expected dtype {net.dtype}, found "
                                 f"{best_params.dtype}")
            trainer.best_params = net._check_theta(best_params, "best_params").copy()
            trainer.best_buffers = read_buffers(net, arrays, "best_buffer")
        read_averaged(trainer, meta, arrays, _checked_count)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        what = (str(exc) if isinstance(exc, (ValueError, TypeError))
                else f"missing {exc.args[0]!r}" if isinstance(exc, KeyError) else repr(exc))
        raise bad(what) from None
    if epochs is not None and epochs < trainer.epoch:
        raise ValueError(
            f"epochs: the run in {path} has already trained {trainer.epoch} epochs; "
            f"epochs is the total to reach and cannot be below that, got {epochs}"
        )
    found = span(trainer.schedule)
    if (found is not None and trainer._stopped is None and epochs is not None
            and epochs > found.end == meta["trainer"]["epochs"]):
        # the run annealed or decayed over its own epochs (a "cosine", "linear" or
        # "polynomial" by name takes them, after a warm-up those after it): past them the
        # cosine heads back to lr0 and a decay stays at its end rate (0 for a "polynomial"),
        # which a user extending the run rarely means
        warm, key = found.warm, found.key
        warnings.warn(
            f"epochs: resuming to {epochs} epochs goes past {found.where()}, where the run "
            f"ended its {found.noun}: "
            f"{past_end(found, f'epoch {found.end + 1}', 'its initial value')}.  To "
            f"{found.verb} over a longer run, train it from the start "
            + (f"with {key} set to its epochs less the warm-up's {warm} (the default of a "
               f"{found.schedule.name!r} after a warm-up given by name or dict)" if warm else
               f"with {key} set to its epochs"),
            UserWarning, stacklevel=caller_outside_chainrule())
    return trainer

def _check_resumed_schedule(record: object, schedule: Schedule | None,
                            path: str | os.PathLike) -> None:
    """Refuse to resume a run whose schedule the checkpoint cannot give back.

    A schedule of the user's own class is recorded by its class name only: resuming needs
    the object again (``schedule=``), of that class and with the recorded settings.
    """
    if not isinstance(record, dict) or not isinstance(record.get("config"), dict):
        return  # a damaged record: from_checkpoint says so
    recorded = record.get("class")
    if recorded is not None and not isinstance(recorded, str):
        return
    if schedule is None:
        if recorded is not None:
            raise ValueError(
                f"schedule: the run in {path} used a schedule of its own class ({recorded}), "
                "which a checkpoint cannot rebuild; pass the same schedule again, "
                f"resume(..., schedule={recorded.rsplit('.', 1)[-1]}(...))"
            )
        return
    given = _custom_schedule_class(schedule) or schedule.name
    expected = recorded or record["config"].get("name")
    config = json.loads(json.dumps(schedule.get_config(), default=str))
    if given != expected or config != record.get("config"):
        raise ValueError(
            f"schedule: the run in {path} used {expected} with the settings "
            f"{record.get('config')}; got {given} with {config}"
        )
