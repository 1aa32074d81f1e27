"""Saved chainrule files in the tests: editing their JSON record (older and damaged files),
and a model's outputs computed from its bare network (the reference of the CLI tests)."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np

import chainrule as cr
from chainrule.io import load_metadata


def edit_saved_meta(path: object, edit: Callable[[dict], None]) -> None:
    """Rewrite the JSON record of a saved file (a model, an estimator, a checkpoint) after
    ``edit(record)`` changed it in place, the arrays kept as they are: an older or a
    damaged file, made from a real one."""
    with np.load(path, allow_pickle=False) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    edit(meta)
    with open(path, "wb") as fh:
        np.savez(fh, __meta__=np.array(json.dumps(meta)), **arrays)


def network_outputs(model: object, X: np.ndarray) -> np.ndarray:
    """The outputs (a classifier's class probabilities) of the model file ``model`` of
    ``chainrule train`` on raw features ``X``: its bare network on ``X`` standardised with
    the statistics the file records, not through the code that predict runs."""
    meta = load_metadata(model)
    return cr.load(model).forward((X - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"]))
