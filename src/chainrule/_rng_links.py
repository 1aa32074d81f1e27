"""Dropout layers that draw from one generator stay one stream in copies, pickles and files.

A network may give several Dropout layers one ``numpy.random.Generator``
(``Dropout(rate, seed=rng)`` with the same ``rng``, as :func:`~chainrule.mlp`
passes one generator to its Dense layers, and as the estimators' networks
do): their masks are successive draws of that one stream.  A layer's state
(``get_state``) holds its generator's state alone, so a copy, a pickle, a model
file or a checkpoint would rebuild each layer with a generator of its own at
that same state: the layers would then draw the same masks as one another (for
inputs of one shape), and the copy, or a resumed run, would train otherwise
than the original.  The states written for a network name, for a layer whose
generator is an earlier layer's, that layer (``"rng_of"``: its index), and a
rebuilt network gives it that layer's generator again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

__all__ = ["copy_rng_links", "link_rngs", "network_states"]


def _first_holders(layers: Sequence[Any]) -> dict[int, int]:
    """For each layer whose generator an earlier layer holds: its index -> that layer's."""
    first: dict[int, int] = {}  # id of a generator -> the first layer holding it
    links = {}
    for i, layer in enumerate(layers):
        rng = getattr(layer, "rng", None)
        if isinstance(rng, np.random.Generator):
            j = first.setdefault(id(rng), i)
            if j != i:
                links[i] = j
    return links


def network_states(layers: Sequence[Any]) -> list[dict]:
    """Each layer's ``get_state()``, with ``"rng_of": j`` where layer ``j`` < i holds its generator.

    Parameters
    ----------
    layers : sequence of Layer

    Returns
    -------
    list of dict, one per layer
    """
    links = _first_holders(layers)
    states = []
    for i, layer in enumerate(layers):
        state = layer.get_state()
        states.append({**state, "rng_of": links[i]} if i in links else state)
    return states


def link_rngs(layers: Sequence[Any], states: Sequence[dict]) -> None:
    """Give each layer whose state names ``"rng_of": j`` the generator of layer ``j``.

    Parameters
    ----------
    layers : sequence of Layer
        The rebuilt network's layers, their states already set.
    states : sequence of dict
        The states they were given (see :func:`network_states`).

    Raises
    ------
    ValueError
        ``"states[i].rng_of: expected the index of an earlier layer ..."``.
    """
    for i, state in enumerate(states):
        if "rng_of" not in state:
            continue
        j = state["rng_of"]
        if not (isinstance(j, int) and not isinstance(j, bool) and 0 <= j < i
                and isinstance(getattr(layers[j], "rng", None), np.random.Generator)
                and isinstance(getattr(layers[i], "rng", None), np.random.Generator)):
            raise ValueError(f"states[{i}].rng_of: expected the index of an earlier layer with "
                             f"a random generator (Dropout), found {j!r:.40}")
        layers[i].rng = layers[j].rng


def copy_rng_links(source: Sequence[Any], copies: Sequence[Any]) -> None:
    """Make ``copies`` (of the layers ``source``, in order) share generators as they do."""
    for i, j in _first_holders(source).items():
        copies[i].rng = copies[j].rng
