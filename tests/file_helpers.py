"""Editing the JSON record of a saved chainrule file, for the tests of older and damaged files."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np


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
