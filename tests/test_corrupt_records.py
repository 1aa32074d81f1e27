"""Damaged records of checkpoints and estimator files: the message names the record, what
was expected and what was found (not a bare KeyError or TypeError of the reader).

The records of a file's JSON metadata (optimizer, trainer, schedule, network settings,
generator states, early stopping, the training seed); its arrays (parameters, best
parameters, mean activations) are in tests/test_corrupt_records_arrays.py."""

from __future__ import annotations

import re

import pytest

import chainrule as cr
from chainrule.estimators import MLPClassifier, load_estimator
from chainrule.optimizers import OPTIMIZERS, Optimizer
from file_helpers import edit_saved_meta, saved_checkpoint, saved_estimator, saved_network
from file_helpers import small_data as _data

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture
def checkpoint(tmp_path):
    return saved_checkpoint(tmp_path / "run.npz")


@pytest.fixture
def estimator(tmp_path):
    return saved_estimator(tmp_path / "e.npz")


_NAMES = re.escape(str(sorted(OPTIMIZERS)))


def _set_name(record, value):
    def edit(meta):
        config = record(meta)["config"]
        if value is KeyError:
            del config["name"]
        else:
            config["name"] = value
    return edit


@pytest.mark.parametrize(("value", "shown"), [
    ("", "''"), (None, "None"), (1, "1"), ("lion", "'lion'"), (KeyError, "None")])
@pytest.mark.parametrize("kind", ["checkpoint", "estimator"])
def test_a_damaged_optimizer_name_is_named(checkpoint, estimator, kind, value, shown):
    if kind == "checkpoint":
        path, record, load = checkpoint, "optimizer.config", cr.Trainer.from_checkpoint
        edit_saved_meta(path, _set_name(lambda meta: meta["optimizer"], value))
    else:
        path, record, load = estimator, "training.optimizer.config", load_estimator
        edit_saved_meta(path, _set_name(lambda meta: meta["training"]["optimizer"], value))
    with pytest.raises(ValueError, match=re.escape(f"{record}['name']: expected one of ")
                       + _NAMES + re.escape(f", found {shown}")) as err:
        load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(("config", "match"), [
    ([1], r"config: expected an object \{'name': \.\.\., \*\*settings\}, found list"),
    ({"lr": 0.1}, r"config\['name'\]: expected one of .*, found None"),
    ({"name": "sgd", "beta1": 0.9}, r"config: \['beta1'\] are not settings of the 'sgd' "
                                     r"rule"),
])
def test_optimizer_from_config_names_what_is_wrong(config, match):
    with pytest.raises(ValueError, match=match):
        Optimizer.from_config(config)
    # the config of a rule still gives that rule, with its settings
    opt = Optimizer.from_config({"name": "adam", "lr": 0.01, "beta1": 0.8, "beta2": 0.99,
                                 "eps": 1e-7})
    assert (type(opt).__name__, opt.lr, opt.beta1, opt.beta2) == ("Adam", 0.01, 0.8, 0.99)


@pytest.mark.parametrize("key", ["trainer", "optimizer", "schedule", "early"])
@pytest.mark.parametrize(("value", "shown"), [
    (KeyError, "nothing"), (None, "None"), ([1], r"\[1\]"), ({}, r"\{\}")])
def test_a_checkpoint_record_of_the_wrong_kind_is_named(checkpoint, key, value, shown):
    def edit(meta):
        if value is KeyError:
            del meta[key]
        else:
            meta[key] = value
    edit_saved_meta(checkpoint, edit)
    if key == "trainer" and value == {}:  # an object, its settings missing: named as before
        shown, expected = r"missing setting\(s\) \['batch_size'", ""
    else:
        expected = r"expected an object (with the keys|of the run's settings).*, found "
    with pytest.raises(ValueError, match=re.escape(str(checkpoint)) + r": corrupted checkpoint "
                       rf"\({key}: {expected}{shown}" if expected else
                       rf"\(trainer: {shown}") as err:
        cr.Trainer.from_checkpoint(checkpoint)
    assert "KeyError" not in str(err.value) and "object is not" not in str(err.value)


@pytest.mark.parametrize("key", ["epoch", "rng", "history"])
def test_a_missing_checkpoint_value_is_named_without_keyerror(checkpoint, key):
    edit_saved_meta(checkpoint, lambda meta: meta.pop(key))
    with pytest.raises(ValueError, match=rf"corrupted checkpoint \(missing '{key}'\)$"):
        cr.Trainer.from_checkpoint(checkpoint)


@pytest.fixture
def network_file(tmp_path):
    return saved_network(tmp_path / "net.npz")


def _del(*keys):
    def edit(meta):
        record = meta
        for key in keys[:-1]:
            record = record[key]
        del record[keys[-1]]
    return edit


@pytest.mark.parametrize(("edit", "said"), [
    (lambda meta: meta.update(network={}), "network: missing the key(s) ['loss', "
     "'weight_decay', 'decay', 'dtype', 'layers']; expected an object with the keys"),
    (_del("network", "decay"), "network: missing the key(s) ['decay']"),
    (_del("network", "layers", 0, "fan_in"), "network.layers[0] (Dense): missing the setting "
     "'fan_in'"),
    (_del("network", "layers", 1, "eps"), "network.layers[1] (BatchNorm): missing the setting "
     "'eps'"),
    (_del("network", "layers", 2, "rate"), "network.layers[2] (Dropout): missing the setting "
     "'rate'"),
    (lambda meta: meta["network"]["layers"][2].update(type=None), "network.layers[2].type: "
     "expected one of ['Dense', 'Dropout', 'BatchNorm', 'Conv2D', 'MaxPool2D', 'AvgPool2D', "
     "'Flatten', 'LayerNorm', 'Embedding'], found None"),
    (_del("network"), "(missing 'network')"),
    (_del("states"), "(missing 'states')"),
])
def test_a_missing_network_setting_is_named_with_its_record(network_file, edit, said):
    edit_saved_meta(network_file, edit)
    with pytest.raises(ValueError, match=re.escape(said)) as err:
        cr.load(network_file)
    assert str(network_file) in str(err.value) and "KeyError" not in str(err.value)


@pytest.mark.parametrize(("full", "value", "shown"), [
    (False, None, "an int >= 1 (full_batch false), found None"),
    (True, 16, "null for a full-batch run (full_batch true), found 16"),
])
def test_a_checkpoint_batch_size_that_contradicts_full_batch_is_refused(tmp_path, full, value,
                                                                       shown):
    X, y = _data()
    path = tmp_path / "run.npz"
    cr.train(cr.mlp([3, 4, 2], output="softmax", seed=0), X, y, epochs=2, seed=0,
             checkpoint=path, **({} if full else {"optimizer": "sgd", "batch_size": 8}))
    edit_saved_meta(path, lambda meta: meta["trainer"].update(batch_size=value))
    # a mini-batch run whose batch_size reads null resumed with the default 32, silently
    with pytest.raises(ValueError, match=re.escape(f"trainer.batch_size: expected {shown}")):
        cr.Trainer.from_checkpoint(path)


_PCG64_KEYS = "['bit_generator', 'has_uint32', 'state.inc', 'state.state', 'uinteger']"


@pytest.mark.parametrize(("edit", "found"), [
    (lambda rng: rng["state"].pop("inc"), "['bit_generator', 'has_uint32', 'state.state', "
                                          "'uinteger']"),
    (lambda rng: rng.pop("uinteger"), "['bit_generator', 'has_uint32', 'state.inc', "
                                      "'state.state']"),
    (lambda rng: rng.update(state=None), "['bit_generator', 'has_uint32', 'state', "
                                         "'uinteger']"),
    (lambda rng: rng.update(state=[1]), "['bit_generator', 'has_uint32', 'state', "
                                        "'uinteger']"),
])
@pytest.mark.parametrize("kind", ["checkpoint", "estimator", "dropout"])
def test_a_generator_state_missing_a_key_names_the_keys(checkpoint, estimator, network_file,
                                                        kind, edit, found):
    path, where, load = {
        "checkpoint": (checkpoint, lambda meta: meta["rng"], cr.Trainer.from_checkpoint),
        "estimator": (estimator, lambda meta: meta["training"]["rng"], load_estimator),
        "dropout": (network_file, lambda meta: meta["states"][2]["rng"], cr.load),
    }[kind]
    edit_saved_meta(path, lambda meta: edit(where(meta)))
    name = {"checkpoint": "rng", "estimator": "training.rng", "dropout": "Dropout rng"}[kind]
    with pytest.raises(ValueError, match=re.escape(f"{name}: expected a PCG64 state with the "
                                                   f"keys {_PCG64_KEYS}, found the keys "
                                                   f"{found}")) as err:
        load(path)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(("patience", "wait", "most"), [(5, 6, 5), (5, 10**30, 5), (None, 1, 0)])
def test_a_checkpoint_wait_past_patience_is_refused(tmp_path, patience, wait, most):
    X, y = _data()
    path = tmp_path / "run.npz"
    cr.train(cr.mlp([3, 4, 2], output="softmax", seed=0), X, y, optimizer="sgd", epochs=3,
             seed=0, patience=patience, checkpoint=path)
    edit_saved_meta(path, lambda meta: meta["early"].update(wait=patience or 0))
    assert cr.Trainer.from_checkpoint(path).wait == (patience or 0)  # the most a run has
    # a wait of 6 with patience 5 ended the resumed run at its first epoch without improvement
    edit_saved_meta(path, lambda meta: meta["early"].update(wait=wait))
    with pytest.raises(ValueError, match=rf"early\.wait: expected at most {most} epochs "
                                         rf"without improvement \(patience {patience}\), "
                                         rf"found {wait}"):
        cr.Trainer.from_checkpoint(path)


@pytest.mark.parametrize("seed", ["3", 3.0, True, -1, [3]])
def test_a_model_files_damaged_training_seed_is_refused(tmp_path, capsys, seed):
    from chainrule.cli import main

    path = tmp_path / "m.npz"
    assert main(["train", "moons", "--seed", "3", "--epochs", "2", "-q", "-o", str(path)]) == 0
    assert cr.load_model(path).metadata["training"]["seed"] == 3
    capsys.readouterr()
    # evaluate scores the draw of moons the model was trained on (that of --seed 3) ...
    assert main(["evaluate", str(path), "moons"]) == 0
    assert "the data the model was trained on" in capsys.readouterr().out
    # ... and with the seed damaged, it read the draw of seed 0 without a word
    edit_saved_meta(path, lambda meta: meta["metadata"]["training"].update(seed=seed))
    shown = re.escape(repr(seed))
    with pytest.raises(ValueError, match=rf"training\.seed: expected null or an int >= 0 .*"
                                         rf"got {shown}"):
        cr.load_model(path)
    assert main(["evaluate", str(path), "moons"]) != 0
    assert "training.seed" in capsys.readouterr().err


_WARMUP_OF_NAMELESS = {"name": "warmup", "epochs": 1, "start_factor": 0.1,
                       "after": {"step_size": 1, "gamma": 0.5}}


@pytest.mark.parametrize(("record", "config", "said"), [
    ("schedule.config", {}, "schedule.config: missing the key 'name' (the schedule's name, "
     "one of {}); found the keys []"),
    ("schedule.config", {"step_size": 1}, "schedule.config: missing the key 'name' (the "
     "schedule's name, one of {}); found the keys ['step_size']"),
    ("schedule.config", _WARMUP_OF_NAMELESS, "schedule.config.after: missing the key 'name' "
     "(the schedule's name, one of {}); found the keys ['gamma', 'step_size']"),
    ("schedule.config", {"name": None}, "schedule.config: unknown schedule None"),
    ("training.schedule_run.config", {}, "training.schedule_run.config: missing the key "
     "'name' (the schedule's name, one of {}); found the keys []"),
    ("training.schedule_run.config", _WARMUP_OF_NAMELESS, "training.schedule_run.config."
     "after: missing the key 'name' (the schedule's name, one of {}); found the keys "
     "['gamma', 'step_size']"),
    ("params.schedule", {}, "params: schedule: missing the key 'name' (the schedule's name, "
     "one of {}); found the keys []"),
], ids=["checkpoint", "checkpoint-settings", "checkpoint-warmup", "checkpoint-null",
        "estimator-run", "estimator-run-warmup", "estimator-params"])
def test_a_schedule_record_without_its_name_is_named_with_the_key(checkpoint, tmp_path,
                                                                  record, config, said):
    """A checkpoint's or estimator file's schedule config of {} (or a warm-up's "after"
    without its name) was refused as "unknown schedule None", naming neither the record
    nor the key it lacks; the record, the key and the names are said."""
    from chainrule.schedules import SCHEDULES

    if record == "schedule.config":
        path, load = checkpoint, cr.Trainer.from_checkpoint
    else:
        X, y = _data()
        path = MLPClassifier((4,), max_iter=2, random_state=0, schedule={
            "name": "step", "step_size": 1}).fit(X, y).save(tmp_path / "e.npz")
        load = load_estimator
    *keys, last = record.split(".")

    def edit(meta):
        for key in keys:
            meta = meta[key]
        assert isinstance(meta[last], dict)  # the record is there to damage
        meta[last] = config

    edit_saved_meta(path, edit)
    with pytest.raises(ValueError, match=re.escape(said.format(", ".join(SCHEDULES)))) as err:
        load(path)
    assert str(path) in str(err.value)
