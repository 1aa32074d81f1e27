"""How a network description file is read: JSON and YAML, and what they may not hold.

:func:`chainrule.tracing.spec.load_spec` reads a description's text with these:
JSON refusing a key given twice (:func:`_unique_keys`), YAML through a
SafeLoader that reads ``1e-3`` as a number and refuses aliases and repeated keys
(:func:`_yaml_loader`), and a file that is not UTF-8 named by the byte that is not.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any


def _read_yaml(path: Path) -> Any:
    try:
        import yaml
    except ImportError:
        raise ValueError(
            f"{path}: reading YAML needs PyYAML, which is not installed; install the optional "
            "extra (pip install 'chainrule[yaml]') or write the network as JSON"
        ) from None
    try:
        with open(path, encoding="utf-8") as fh:
            return yaml.load(fh, Loader=_yaml_loader(yaml))  # a SafeLoader
    except UnicodeDecodeError as exc:
        raise ValueError(_not_utf8(path, exc)) from None
    except _Refused as exc:  # an alias, a key given twice
        raise ValueError(f"{path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise ValueError(f"{path}: not valid YAML: {' '.join(str(exc).split())}") from None


class _Refused(ValueError):
    """What a description file may not hold, found while it is parsed."""


class _AliasRefused(_Refused):
    """A YAML alias in a network description (see :func:`_yaml_loader`)."""


class _DuplicateKey(_Refused):
    """A key given twice in one mapping of a description (JSON or YAML)."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` of :func:`json.loads`: the object, refusing a key given twice
    (json.loads would keep the last value without a word: ``"lr": 0.5, ..., "lr": 1``)."""
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _DuplicateKey(f"the key {key!r} is given twice in one object")
        seen[key] = value
    return seen


# Numbers with an exponent but no decimal point (1e-3, -3E+2): floats in YAML 1.2 and in
# JSON, but strings for PyYAML, which follows YAML 1.1 ("lr: 1e-3" would read as '1e-3')
_EXPONENT_FLOAT = re.compile(r"^[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)[eE][-+]?[0-9]+$")


def _yaml_loader(yaml: Any) -> type:
    """PyYAML's SafeLoader, reading 1e-3 as the float 0.001 (as YAML 1.2 and JSON do).

    Aliases (``*name``) are refused: nine nested lists of ten aliases each
    are a file of a few hundred bytes that NumPy would expand into 10**9
    numbers (a "billion laughs" file), and a description has no use for them.
    """
    class Loader(yaml.SafeLoader):
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise _AliasRefused(
                    f"line {event.start_mark.line + 1}: the alias *{event.anchor} is not "
                    "supported in a network description; write the values out")
            return super().compose_node(parent, index)

        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen = set()
            for key, _ in node.value:  # PyYAML keeps the last of a key given twice
                if isinstance(key, yaml.ScalarNode) and key.value in seen:
                    raise _DuplicateKey(f"line {key.start_mark.line + 1}: the key "
                                        f"{key.value!r} is given twice in one mapping")
                seen.add(getattr(key, "value", None) if isinstance(key, yaml.ScalarNode)
                         else None)
            return super().construct_mapping(node, deep=deep)

    Loader.add_implicit_resolver("tag:yaml.org,2002:float", _EXPONENT_FLOAT,
                                 list("-+0123456789."))
    return Loader


def _not_utf8(path: Path, exc: UnicodeDecodeError) -> str:
    return (f"{path}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start} "
            "cannot be decoded); save the network description as UTF-8")


def _refuse_archive(path: Path) -> None:
    """Refuse a ZIP archive (an ``.npz`` model file) given as a description, by what it is.

    Read as text it was refused as "not UTF-8 text (byte 0xbe at offset 14 ...); save
    the network description as UTF-8", which sent the user who gave a model file to
    re-encode it.
    """
    try:
        with open(path, "rb") as fh:
            head = fh.read(4)
    except OSError:  # the reader below names what is wrong
        return
    if head in (b"PK\x03\x04", b"PK\x05\x06"):  # a ZIP archive's first (or only) record
        raise ValueError(
            f"{path}: a NumPy .npz archive (such as a chainrule model file), not a network "
            "description: trace reads the weights of a small Dense network as JSON or YAML "
            "(keys weights, input, target, ...); a saved MLP's matrices are "
            "chainrule.load(path).to_transfer_matrices(), and a convolutional network, "
            "which has no such form, is not traced")
