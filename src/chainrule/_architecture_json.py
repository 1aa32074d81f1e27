"""Reading a list of layer dicts from JSON text or a .json file (private).

:func:`parse_layers` is public as :func:`chainrule.architecture.parse_layers`; the key
check :func:`_unique_keys` (and its error :class:`_KeyTwice`) is also used for other JSON
settings (optimizers, schedules).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

__all__ = ["parse_layers"]


def parse_layers(text: str | Path) -> list[dict]:
    """A list of layer dicts from JSON text, or from a file holding it (for the command line).

    Parameters
    ----------
    text : str or Path
        ``'[{"type": "Conv2D", "out_channels": 8, "kernel_size": 3}, ...]'``,
        or the path of a .json file with that content.

    Returns
    -------
    list of dict
        Checked only for its form here; :func:`network_from_layers` checks the rest.

    Raises
    ------
    TypeError
        If ``text`` is neither a str nor a path (bytes, an int, an already parsed list).
    ValueError
        If it is no JSON list of layer dicts, nor a file holding one.
    """
    if not isinstance(text, (str, os.PathLike)):  # Path() would say "expected str, ... not int"
        raise TypeError(f"layers must be JSON text (a str) or the path of a .json file, got "
                        f"{type(text).__name__}")
    source = "layers"
    if isinstance(text, Path) or not str(text).lstrip().startswith(("[", "{")):
        path = Path(text)
        try:  # a file, or a pipe (a shell's <(cat layers.json)), which is read once
            found = path.exists() and not path.is_dir()
        except OSError:  # a name longer than the system takes: no file
            found = False
        if not found:
            shown = str(text) if len(str(text)) <= 60 else str(text)[:57] + "..."
            what = ("empty" if not str(text).strip() else
                    "a directory" if _is_dir(path) else "no such file")
            raise ValueError(f"layers must be a JSON list of layer dicts (text starting with "
                             f"'[') or a .json file holding one; {shown!r}: {what}")
        try:
            source, text = str(path), path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:  # its message names no file
            raise ValueError(f"{path}: not a text file of JSON (not UTF-8: {exc.reason} at "
                             f"byte {exc.start})") from None
    try:
        layers = json.loads(text, object_pairs_hook=_unique_keys)
    except _KeyTwice as exc:
        raise ValueError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{source}: not valid JSON ({exc})") from None
    except RecursionError:  # json.loads' own limit: '[' * 100000
        raise ValueError(f"{source}: not valid JSON (nested too deeply)") from None
    example = '[{"type": "Dense", "fan_out": 10}]'
    if not isinstance(layers, list):
        raise ValueError(f"{source}: expected a JSON list of layer dicts like {example}, got "
                         f"a JSON {_JSON_NAMES.get(type(layers), type(layers).__name__)}")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict):
            raise ValueError(f"{source}: expected a JSON list of layer dicts like {example}, "
                             f"but item {i} is a JSON "
                             f"{_JSON_NAMES.get(type(layer), type(layer).__name__)}: "
                             f"{json.dumps(layer)}")
    return layers


class _KeyTwice(ValueError):
    """A key given twice in one object of a layer list (see :func:`_unique_keys`)."""


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    """``object_pairs_hook`` of :func:`parse_layers`: the object, refusing a key given twice
    (json.loads keeps the last value without a word: '"kernel_size": 3, ..., "kernel_size":
    5' built a 5x5 convolution)."""
    seen: dict = {}
    for key, value in pairs:
        if key in seen:
            kind = dict(pairs).get("type", dict(pairs).get("name"))  # a layer's, a schedule's
            where = f"a {kind} dict" if isinstance(kind, str) else "one object"
            raise _KeyTwice(f"the key {key!r} is given twice in {where} ({json.dumps(seen[key])} "
                            f"and {json.dumps(value)}); give it once")
        seen[key] = value
    return seen


# what JSON calls the types json.loads returns
_JSON_NAMES = {dict: "object", list: "list", str: "string", int: "number", float: "number",
               bool: "boolean", type(None): "null"}


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False
