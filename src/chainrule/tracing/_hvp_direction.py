"""The direction ``v`` of ``chainrule trace --hvp V`` (see :mod:`.hvp_trace`)."""

from __future__ import annotations

import numpy as np

from ..network import Network

__all__ = ["hvp_direction"]


def hvp_direction(text: str, network: Network, name: str = "--hvp") -> np.ndarray:
    """The ``v`` of ``chainrule trace --hvp``: ``random`` (standard normal, seed 0), a JSON
    list in the layout of ``net.params``, or the path of a JSON file holding one.

    Returns
    -------
    ndarray of shape (n_params,)
    """
    import json
    from pathlib import Path

    n = network.n_params
    if text == "random":
        return np.random.default_rng(0).standard_normal(n)
    source = text if text.lstrip().startswith("[") else None
    if source is None:
        try:
            source = Path(text).read_text(encoding="utf-8")
        except OSError as exc:
            raise ValueError(f"{name}: expected random, a JSON list of {n} numbers or a JSON "
                             f"file of one, got {text!r} ({exc.strerror})") from None
        except UnicodeDecodeError as exc:  # a model file, an image: Python's bare words
            byte = exc.object[exc.start:exc.start + 1]
            raise ValueError(f"{name}: expected a JSON file of a list of {n} numbers, got "
                             f"{text!r}, which is not UTF-8 text (byte {byte!r} at offset "
                             f"{exc.start}): a binary file?") from None
    try:
        v = np.asarray(json.loads(source), dtype=float)
    except (json.JSONDecodeError, TypeError, ValueError) as exc:
        raise ValueError(f"{name}: expected a JSON list of {n} numbers (the layout of "
                         f"net.params), got {text!r} ({exc})") from None
    if v.shape != (n,):
        raise ValueError(f"{name}: expected {n} numbers (the layout of net.params: each "
                         f"layer's W row by row, then b), got shape {v.shape}")
    return v
