"""A structured fuzz of the JSON records of the three file kinds (robust28).

For each field of a ``chainrule train`` model file, a checkpoint and an estimator file
(every key to a depth of 4, the first item of a list), a seeded handful of edits (a
string, NaN, inf, -1, 0, "", [], {}, 1e308, 10**30, true, null, the key removed): each
damaged file either loads and predicts exactly as the file did, or is refused with the
project's corrupted-file ValueError naming the field (it or its record) -- never a raw
KeyError or TypeError.  A few refusals are no corruption and are worded their own way,
naming the field still: another ``format`` or ``version``, an ``activation`` not
registered in this session, a checkpoint's ``schedule.class`` of one's own.

Found by it: an optimizer config ``name`` of a list or an object raised "unhashable type:
'list'" from load_estimator (a raw TypeError) and was refused by from_checkpoint with
those words only, naming no field.
"""

from __future__ import annotations

import copy
import json
import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule.cli import main
from chainrule.estimators import MLPClassifier, load_estimator
from chainrule.saved_model import load_model
from file_helpers import small_data

EDITS = [("str", "x"), ("nan", float("nan")), ("inf", float("inf")), ("neg", -1),
         ("zero", 0), ("empty str", ""), ("empty list", []), ("empty object", {}),
         ("huge", 1e308), ("bigint", 10**30), ("bool", True), ("null", None),
         ("missing", KeyError)]
PER_FIELD = 4  # edits drawn per field
CHUNKS = 3  # tests per file kind (each well under 2 s)
# refusals that are no corruption: (a key of the path, the words of the refusal)
OWN_WORDS = {"format": "expected a 'chainrule.", "version": "file format version",
             "activation": "not registered in this session",
             "class": "a schedule of its own class"}


def _read(path):
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    return json.loads(str(arrays.pop("__meta__"))), arrays


def _fields(record, prefix=(), depth=0):
    if depth >= 4:
        return
    if isinstance(record, dict):
        for key, value in record.items():
            yield (*prefix, key)
            yield from _fields(value, (*prefix, key), depth + 1)
    elif isinstance(record, list) and record:
        yield (*prefix, 0)
        yield from _fields(record[0], (*prefix, 0), depth + 1)


def _edited(meta, field, value):
    meta = copy.deepcopy(meta)
    parent = meta
    for key in field[:-1]:
        parent = parent[key]
    if value is KeyError:
        del parent[field[-1]]
    else:
        parent[field[-1]] = value
    return meta


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    X, y = small_data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # (3 epochs: not converged)
        est = MLPClassifier((4,), max_iter=3, random_state=0, early_stopping=True).fit(X, y)
    cr.train(cr.mlp([3, 4, 2], seed=0), X, y, optimizer="adam", epochs=2, seed=0,
             patience=3, validation_data=(X[:5], y[:5]), checkpoint=folder / "ck.npz")
    np.savetxt(folder / "d.csv", np.c_[X, y], delimiter=",", header="a,b,c,y",
               comments="", fmt="%.6g")
    assert main(["train", str(folder / "d.csv"), "--target", "y", "--hidden", "4",
                 "--epochs", "2", "-q", "-o", str(folder / "m.npz")]) == 0
    return {"estimator": (est.save(folder / "est.npz"), load_estimator,
                          lambda e: e.predict_proba(X)),
            "checkpoint": (folder / "ck.npz", cr.Trainer.from_checkpoint,
                           lambda t: t.net.forward(X)),
            "model": (folder / "m.npz", load_model, lambda m: m.predict(X))}


def _check(path, out, load, predict, before, field, name):
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # (a Python network's file: load_model's)
            after = predict(load(out))
    except ValueError as exc:
        message = str(exc)
        keys = [str(k) for k in field if not isinstance(k, int)][-2:]
        assert message.startswith(str(out)), (field, name, message)
        assert any(k in message for k in keys), (field, name, message)
        own = [OWN_WORDS[k] for k in keys if k in OWN_WORDS]
        assert "corrupted" in message or any(w in message for w in own), (field, name, message)
        return "refused"
    # loaded: as before, bit for bit (a value of the field's own domain: labels, x_mean)
    if field in (("metadata",),) or (len(field) == 3 and field[1] in ("labels", "x_mean",
                                                                       "x_scale")):
        return "loaded"  # (a Network's file without metadata; other labels, other scaling)
    np.testing.assert_array_equal(after, before, err_msg=f"{field} {name}")
    return "same"


@pytest.mark.parametrize("chunk", range(CHUNKS))
@pytest.mark.parametrize("kind", ["estimator", "checkpoint", "model"])
def test_each_damaged_field_loads_as_before_or_is_refused_by_name(files, tmp_path, kind, chunk):
    path, load, predict = files[kind]
    meta, arrays = _read(path)
    before = predict(load(path))
    rng = np.random.default_rng([2028, chunk])
    outcomes = {"refused": 0, "same": 0, "loaded": 0}
    for field in list(_fields(meta))[chunk::CHUNKS]:
        for i in rng.choice(len(EDITS), PER_FIELD, replace=False):
            name, value = EDITS[i]
            out = tmp_path / f"{kind}.npz"
            with open(out, "wb") as fh:
                np.savez(fh, __meta__=np.array(json.dumps(_edited(meta, field, value))),
                         **arrays)
            outcomes[_check(path, out, load, predict, before, field, name)] += 1
    assert outcomes["refused"] > 0


@pytest.mark.parametrize("value", [[], {}, ["adam"]])
def test_an_optimizer_name_of_a_list_or_an_object_is_refused_by_name(files, tmp_path, value):
    for kind, record in (("estimator", ("training", "optimizer", "config", "name")),
                         ("checkpoint", ("optimizer", "config", "name"))):
        path, load, _ = files[kind]
        meta, arrays = _read(path)
        out = tmp_path / f"{kind}.npz"
        with open(out, "wb") as fh:
            np.savez(fh, __meta__=np.array(json.dumps(_edited(meta, record, value))),
                     **arrays)
        with pytest.raises(ValueError) as info:
            load(out)
        assert "corrupted" in str(info.value)
        assert "config['name']: expected one of " in str(info.value)
        assert f"found {value!r}" in str(info.value)
