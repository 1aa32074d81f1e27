"""The training state of a fitted estimator, as its file keeps it: what ``partial_fit`` and a
warm start go on from.

Besides the network, a stochastic estimator carries its optimizer (Adam's moments,
SGD's velocity, the rate the learning-rate rules reached), the counters of its
stopping rule, the best validation parameters, the validation split's seed, the
schedule of its last run and its random generator.  :meth:`_BaseMLP.save` writes
them as a ``"training"`` record (JSON) with arrays (``optimizer/...``,
``best_params``, ``best_buffer/...``), the way a checkpoint does
(:mod:`chainrule.checkpoints`), and :func:`chainrule.load_estimator` checks and
restores them, so that a reloaded estimator continues exactly as the saved one
would have.  Files written before the record existed still load: they continue
with a new optimizer and generator, as they always did.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ._mlp_ema import ema_record, restore_ema
from ._validation import set_generator_state
from .checkpoints import (
    _checked_count,
    _checked_optimizer,
    _checked_optimizer_state,
    _checked_schedule_state,
    _completed_schedule_record,
    _is_real,
    _recorded_schedule,
)
from .network import Network
from .optimizers import SGD, Optimizer

__all__ = ["link_rng_layers", "restore_training", "rng_layers", "training_record"]

# the keys of the "training" record; those after "rng_layers" are there only when the fits
# made them
_KEYS = ("rng", "rng_layers", "optimizer", "rule", "lr", "no_improvement_count", "best_loss",
         "best_score", "split_seed", "split_skip", "schedule_run", "ema_count")
_RULES = ("constant", "invscaling", "adaptive")


def training_record(est: Any) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The estimator's training state: JSON record and arrays (copies).

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        Fitted.

    Returns
    -------
    record : dict
        ``rng`` (the generator's state), ``rng_layers`` (:func:`rng_layers`)
        and, where the estimator has them, ``optimizer`` (``config`` and step count ``t``),
        ``rule`` (an SGD's ``learning_rate``, ``learning_rate_init`` and ``power_t`` as
        it was built, None for the other optimizers), ``lr``,
        ``no_improvement_count``, ``best_loss``, ``best_score``, ``split_seed``, ``split_skip``
        and ``schedule_run`` (the schedule's ``config``, ``state``, ``epoch`` and initial
        rate ``lr0``).
    arrays : dict of str to ndarray
        ``optimizer/<name>`` of shape (n_params,) per state vector; with early
        stopping, ``best_params`` of shape (n_params,) and ``best_buffer/<i>/<name>``.
    """
    from ._mlp_base import _schedule_config  # (that module imports this one)

    record: dict[str, Any] = {"rng": est._rng.bit_generator.state,
                              "rng_layers": rng_layers(est)}
    arrays: dict[str, np.ndarray] = {}
    opt = getattr(est, "_optimizer", None)
    if opt is not None:
        record["optimizer"] = {"config": opt.get_config(), "t": int(opt.t)}
        arrays.update({f"optimizer/{k}": v.copy() for k, v in opt.state.items()})
    if hasattr(est, "_optimizer_rule"):  # the SGD's learning-rate rule as it was built
        record["rule"] = est._optimizer_rule
    if hasattr(est, "_lr"):
        record["lr"] = float(est._lr)
    if hasattr(est, "_no_improvement_count"):
        record["no_improvement_count"] = int(est._no_improvement_count)
        record["best_loss"] = float(est._best_loss)
        record["best_score"] = float(est._best_score)
    if hasattr(est, "_split_seed"):
        record["split_seed"] = int(est._split_seed)
    if getattr(est, "_split_skip", None) is not None:  # scikit-learn's generator's draws
        record["split_skip"] = int(est._split_skip)
    run = getattr(est, "_schedule_run", None)
    if run is not None:
        record["schedule_run"] = {"config": _schedule_config(run[0]),
                                  "state": run[0].get_state(), "epoch": int(run[1]),
                                  "lr0": float(run[2])}
    best = getattr(est, "_best_params", None)
    if best is not None:
        arrays["best_params"] = best[0].copy()
        for i, values in enumerate(best[1]):
            arrays.update({f"best_buffer/{i}/{k}": v.copy() for k, v in values.items()})
    ema_record(est, record, arrays)  # ema: the steps reached and the average (_mlp_ema)
    return record, arrays


def restore_training(est: Any, record: object, arrays: dict[str, np.ndarray],
                     net: Network) -> None:
    """Give a loaded estimator the training state :func:`training_record` wrote.

    Everything is checked before anything is set.

    Parameters
    ----------
    est : MLPClassifier or MLPRegressor
        The estimator being loaded; its ``network_`` is ``net``.
    record : dict
        The file's ``"training"`` record.
    arrays : dict of str to ndarray
        The file's arrays.
    net : Network

    Raises
    ------
    ValueError, TypeError
        Naming the key and what was expected (the caller names the file).
    """
    if not isinstance(record, dict):
        raise ValueError(f"training: expected a JSON object, found {record!r:.60}")
    unknown = sorted(set(record) - set(_KEYS))
    if unknown or "rng" not in record:
        raise ValueError(f"training: expected the keys {list(_KEYS)} ('rng' at least), found "
                         f"{sorted(record)}")
    state: dict[str, Any] = {}
    rng = np.random.default_rng()
    set_generator_state(rng.bit_generator, record["rng"], "training.rng")
    state["_rng"] = rng
    shared = record.get("rng_layers", [])
    _check_rng_layers(shared, net, "training.rng_layers")
    # a schedule run's initial rate "lr0": in files written since it was recorded
    for key, keys in (("optimizer", {"config", "t"}), ("schedule_run", {"config", "state",
                                                                        "epoch", "lr0"})):
        value = record.get(key)
        if value is not None and not (isinstance(value, dict)
                                      and set(value) in (keys, keys - {"lr0"})
                                      and isinstance(value["config"], dict)):
            raise ValueError(f"training.{key}: expected an object with the keys "
                             f"{sorted(keys)} ('config' an object), found {value!r:.60}")
    opt_record = record.get("optimizer")
    if opt_record is not None:
        config, t = opt_record["config"], opt_record["t"]
        opt = _checked_optimizer(config, "training.optimizer.config")
        opt.t = _checked_count(t, "training.optimizer.t")
        opt.state = _checked_optimizer_state(config, opt.t, arrays, net)
        state["_optimizer"] = opt
    elif any(k.startswith("optimizer/") for k in arrays):
        raise ValueError("optimizer/...: state arrays without a training.optimizer record")
    if "rule" in record:
        state["_optimizer_rule"] = _checked_rule(record["rule"], state.get("_optimizer"))
    elif "_optimizer" in state:  # a file from before the record: its settings' rule, which
        # the saved estimator went on with; set_params after loading changes it no more
        state["_optimizer_rule"] = est._rule_settings(isinstance(state["_optimizer"], SGD))
    for key in ("lr", "best_loss", "best_score"):
        if key in record:
            value = record[key]
            # "lr" is the rate of the learning-rate rules (invscaling, adaptive), never 0:
            # adaptive divides it by 5 only while it is above 1e-6, and _set_rate divides
            # by it.  A schedule's rate, which may be 0, is the optimizer config's "lr".
            # "invscaling"'s rate is 0 once it underflows (learning_rate_init / (t + 1)
            # ** power_t below 2.5e-324); it never rises again, and _set_rate skips it.
            low_ok = value == 0 if key == "lr" and _invscaling(record) else False
            if not _is_real(value) or math.isnan(value) or (
                    key == "lr" and not (math.isfinite(value) and (value > 0 or low_ok))):
                raise ValueError(f"training.{key}: expected a "
                                 f"{'positive number' if key == 'lr' else 'number'}, found "
                                 f"{value!r:.40}")
            state[f"_{key}"] = float(value)
    counters = ("no_improvement_count", "best_loss", "best_score")
    if any(k in record for k in counters) and not all(k in record for k in counters):
        raise ValueError(f"training: the keys {list(counters)} go together, found "
                         f"{sorted(k for k in counters if k in record)}")
    if math.isfinite(state.get("_best_score", -math.inf)) and "best_params" not in arrays:
        # a validation score comes with the parameters that scored it (_EpochRules): a warm
        # start that never beats it ends with those, which would be missing, silently
        raise ValueError(f"best_params: missing, though training.best_score records the best "
                         f"validation score ({state['_best_score']!r}) of the parameters "
                         "that a warm-start fit with early_stopping ends with")
    if "no_improvement_count" in record:
        state["_no_improvement_count"] = _checked_count(record["no_improvement_count"],
                                                        "training.no_improvement_count")
    if "split_seed" in record:  # drawn from 0..2**31 - 1 (_BaseMLP._checked_fit); a larger
        # one would be refused by train_test_split only at the next fit, as a bad split
        seed = _checked_count(record["split_seed"], "training.split_seed")
        # with split_skip, an integer random_state (scikit-learn's RandomState's seed)
        high = 2**32 if "split_skip" in record else 2**31
        if seed >= high:
            raise ValueError(f"training.split_seed: expected an integer in 0..{high - 1}, "
                             f"found {seed}")
        state["_split_seed"] = seed
    if "split_skip" in record:
        if "split_seed" not in record:
            raise ValueError("training.split_skip: found without training.split_seed")
        state["_split_skip"] = _checked_count(record["split_skip"], "training.split_skip")
    # an older file: settings added since take its rule's values
    run = _completed_schedule_record(record.get("schedule_run"))
    if run is not None:
        schedule = _recorded_schedule(run["config"], "training.schedule_run.config")
        schedule.set_state(_checked_schedule_state(schedule, run["state"]))
        # an older file: the learning_rate_init it was saved with
        lr0 = run["lr0"] if "lr0" in run else float(est.learning_rate_init)
        if not _is_real(lr0) or not (math.isfinite(lr0) and lr0 >= 0):
            raise ValueError(f"training.schedule_run.lr0: expected a number >= 0, found "
                             f"{lr0!r:.40}")
        state["_schedule_run"] = (schedule, _checked_count(run["epoch"],
                                                           "training.schedule_run.epoch"),
                                  float(lr0))
    best = arrays.get("best_params")
    if best is not None:
        if best.dtype != net.dtype:  # _check_theta would cast float16 silently
            raise ValueError(f"best_params: expected dtype {net.dtype}, found {best.dtype}")
        buffers = []
        for i, layer in enumerate(net.layers):
            values = {}
            for k, current in layer.buffers().items():
                value = arrays[f"best_buffer/{i}/{k}"]
                if value.shape != np.shape(current) or value.dtype != current.dtype:
                    raise ValueError(f"best_buffer/{i}/{k}: expected shape {np.shape(current)} "
                                     f"and dtype {current.dtype}, found shape {value.shape} "
                                     f"and dtype {value.dtype}")
                values[k] = value.copy()
            buffers.append(values)
        state["_best_params"] = (net._check_theta(best, "best_params").copy(), buffers)
    run = restore_ema(record, arrays, net, _checked_count)  # ema: what a fit goes on from
    if run is not None:
        state["_ema_run"] = run
    vars(est).update(state)
    link_rng_layers(est, shared)


def _checked_rule(rule: object, opt: Optimizer | None) -> dict[str, Any] | None:
    """The record's ``rule``: None, or an SGD optimizer's learning-rate rule."""
    if rule is None and not isinstance(opt, SGD):
        return None
    if not (isinstance(opt, SGD) and isinstance(rule, dict) and set(rule) == {
            "learning_rate", "learning_rate_init", "power_t"}
            and rule["learning_rate"] in _RULES
            and _is_real(rule["learning_rate_init"]) and _is_real(rule["power_t"])
            and math.isfinite(rule["learning_rate_init"]) and rule["learning_rate_init"] > 0
            and math.isfinite(rule["power_t"]) and rule["power_t"] >= 0):
        expected = ("an object of 'learning_rate' (one of "
                    f"{list(_RULES)}), 'learning_rate_init' (> 0) and 'power_t' (>= 0)"
                    if isinstance(opt, SGD) else f"null (optimizer: {type(opt).__name__})")
        raise ValueError(f"training.rule: expected {expected}, found {rule!r:.80}")
    return {"learning_rate": rule["learning_rate"],
            "learning_rate_init": float(rule["learning_rate_init"]),
            "power_t": float(rule["power_t"])}


def rng_layers(est: Any) -> list[int]:
    """Indices of the layers (Dropout) that draw from the estimator's own generator.

    The network is built with the estimator's generator, which its Dropout layers
    keep: their masks and the estimator's draws (each run's shuffling seed) come
    from one stream.  A copy must share it again to continue as the original.
    """
    return [i for i, layer in enumerate(est.network_.layers)
            if getattr(layer, "rng", None) is est._rng]


def _check_rng_layers(indices: object, net: Network, name: str) -> None:
    """Raise a ValueError naming ``name`` unless ``indices`` lists layers holding a generator."""
    if not isinstance(indices, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) and 0 <= i < len(net.layers)
            and isinstance(getattr(net.layers[i], "rng", None), np.random.Generator)
            for i in indices):
        raise ValueError(f"{name}: expected a list of the indices of layers with a random "
                         f"generator (Dropout), found {indices!r:.60}")


def link_rng_layers(est: Any, indices: list[int]) -> None:
    """Make the layers at ``indices`` draw from ``est._rng`` again (see :func:`rng_layers`)."""
    for i in indices:
        est.network_.layers[i].rng = est._rng


def _invscaling(record: dict) -> bool:
    """Whether a ``training`` record's SGD rule is "invscaling" (whose rate may be 0)."""
    rule = record.get("rule")
    return isinstance(rule, dict) and rule.get("learning_rate") == "invscaling"
