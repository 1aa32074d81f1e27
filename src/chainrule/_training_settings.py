"""The checks of a :class:`~chainrule.training.Trainer`'s settings (private): its
``checkpoint_notes``, ``verbose``, a bool and the batch size a rule takes.

Importable from :mod:`chainrule._training_trainer` and :mod:`chainrule.training` as before.
"""

from __future__ import annotations

import json

import numpy as np

from ._validation import check_positive_int


def _check_notes(notes: object) -> dict | None:
    """``checkpoint_notes`` as a checkpoint gives it back (JSON), or an error.

    JSON writes a key 1 or True as the text "1" or "true" and a tuple as a list:
    the Trainer keeps the notes in that form from the start, so that they are
    the same before and after a checkpoint.  Two keys that JSON would write
    alike (1 and "1") are refused: one of them would be lost.
    """
    if notes is None:
        return None
    if not isinstance(notes, dict):
        raise TypeError(f"checkpoint_notes must be a dict (a JSON object) or None, got "
                        f"{type(notes).__name__}")
    try:
        text = json.dumps(notes)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"checkpoint_notes must hold only what JSON writes (dicts with "
                         f"text keys, lists, text, numbers, booleans, None): {exc}"
                         ) from None
    return json.loads(text, object_pairs_hook=_distinct_keys)


def _distinct_keys(pairs: list[tuple[str, object]]) -> dict:
    """A JSON object of ``checkpoint_notes``, refusing a key written twice."""
    keys = [key for key, _ in pairs]
    for key in keys:
        if keys.count(key) > 1:
            raise ValueError(f"checkpoint_notes: two keys of one dict are both written as "
                             f"the JSON key {key!r} (as 1 and '1', or True and 'true'), and "
                             "one would be lost; give them distinct text keys")
    return dict(pairs)


def _check_bool(value: object, name: str) -> bool:
    """``value`` if it is True or False (NumPy's included), else a TypeError naming ``name``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return bool(value)


def _check_verbose(value: object) -> int:
    """``verbose`` as an int >= 0 (True and False count as 1 and 0)."""
    if isinstance(value, (bool, np.bool_)):
        return int(value)
    return check_positive_int(value, "verbose", minimum=0)


def _check_batch_size(batch_size: object, optimizer: object) -> tuple[bool, int | None]:
    """``(full_batch, batch_size)`` of a run: "full" (any rule) or None with "gd" is one
    update per epoch on the whole training set (batch_size None); an int is the mini-batch
    size, and None with any other rule its default, 32 (as ever)."""
    if isinstance(batch_size, str):
        if batch_size != "full":
            raise ValueError(f"batch_size must be an int >= 1, None or \"full\" (the whole "
                             f"training set per update), got {batch_size!r:.40}")
        return True, None
    if isinstance(optimizer, str) and optimizer == "gd":  # an array: named by get_optimizer
        if batch_size is not None:
            raise ValueError(
                f"batch_size: optimizer 'gd' uses the whole training set per update, got "
                f"batch_size={batch_size}; use optimizer='sgd' for mini-batches"
            )
        return True, None
    return False, check_positive_int(32 if batch_size is None else batch_size, "batch_size")
