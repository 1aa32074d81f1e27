"""A first Embedding in a network description: ``"embedding": {"table": ..., "block_size": 2}``.

The description's ``weights`` stay the Dense layers' matrices; ``embedding`` puts an
:class:`~chainrule.Embedding` before them whose table is ``table`` (num_embeddings,
embedding_dim) and which takes ``block_size`` indices per example, so the first Dense
layer's fan_in must be ``block_size * embedding_dim`` (``block_size`` may be left out: it
is then that fan_in over embedding_dim).  ``input`` holds the indices, one example's
(block_size,) or ``m`` examples' (m, block_size).  Messages name the description's keys
(``embedding.table``, ``embedding.block_size``, ``input``).
"""

from __future__ import annotations

import numbers
from collections.abc import Collection
from typing import Any

import numpy as np

from .._layers_embedding import Embedding
from ..network import Network
from ._spec_weights import _numbers

_KEYS = ("table", "block_size")


def embedding_network(emb: Any, net: Network) -> Network:
    """``net`` (the description's Dense layers) after the Embedding that ``emb`` describes.

    Parameters
    ----------
    emb : dict
        The description's ``"embedding"``: ``table`` (num_embeddings, embedding_dim) and
        optional ``block_size``.
    net : Network
        The network of the description's ``weights``; its layers, loss and decay are kept.

    Returns
    -------
    Network
        ``Embedding -> net.layers``.

    Raises
    ------
    ValueError
        Naming the key: ``embedding`` not a mapping of ``table`` (and ``block_size``),
        a table that is not a matrix of numbers, a block_size that is not a positive whole
        number, or one whose ``block_size * embedding_dim`` is not the first Dense layer's
        fan_in.
    """
    if not isinstance(emb, dict):
        raise ValueError(f"embedding: expected a mapping with the table and block_size, "
                         f"e.g. {{\"table\": [[0, 1], [2, 3], [4, 5]], \"block_size\": 2}}, "
                         f"got {emb!r:.60}")
    unknown = sorted(set(emb) - set(_KEYS))
    if unknown:
        raise ValueError(f"embedding: unknown key(s) {unknown}; valid keys are "
                         f"{', '.join(_KEYS)}")
    if emb.get("table") is None:
        raise ValueError("embedding: missing the key 'table', the (num_embeddings, "
                         "embedding_dim) matrix whose rows the indices look up")
    table = _numbers(emb["table"], "embedding.table")
    if table.ndim != 2 or 0 in table.shape:
        raise ValueError(f"embedding.table must be a matrix (num_embeddings, embedding_dim), "
                         f"one row per index, got shape {table.shape}")
    n_rows, dim = table.shape
    fan_in = net.layers[0].n_in
    where = f"weights[0] takes {fan_in} input(s) (the first Dense layer's fan_in)"
    block = emb.get("block_size")
    if block is None:
        if fan_in % dim:
            raise ValueError(f"embedding: no block_size given, and {where}, which is no "
                             f"whole number of rows of embedding.table ({dim} values each: "
                             f"{dim} does not divide {fan_in}); the first Dense layer takes "
                             f"block_size * {dim} inputs")
        block = fan_in // dim
    elif (isinstance(block, bool) or not isinstance(block, numbers.Real)
          or not float(block).is_integer() or block < 1):
        raise ValueError(f"embedding.block_size must be a positive whole number (the indices "
                         f"per example), got {block!r:.40}")
    block = int(block)
    if block * dim != fan_in:
        raise ValueError(f"embedding.block_size: {block} indices of rows of {dim} values "
                         f"(embedding.table) give {block * dim} inputs, but {where}; "
                         f"block_size * {dim} must equal it"
                         + (f" (block_size {fan_in // dim})" if fan_in % dim == 0 else
                            f" ({dim} does not divide {fan_in})"))
    layer = Embedding(n_rows, dim, block_size=block, init=table)
    return Network([layer, *net.layers], loss=net.loss, weight_decay=net.weight_decay,
                   decay=net.decay)


def check_indices(x: Any, emb: Embedding, options: Collection[str] | None) -> None:
    """Refuse ``input`` (one example's indices, or ``m`` rows of them) that are not
    ``block_size`` whole numbers in ``[0, num_embeddings)`` each, naming ``input`` (or
    ``--input`` when that option gave it)."""
    key = "--input" if options is not None and "input" in options else "input"
    X = _numbers(x, key)
    k, n = emb.block_size, emb.num_embeddings
    if X.ndim == 2 and X.shape[0] == 1:
        X = X[0]
    if X.ndim == 0:
        X = X.reshape(1)
    if X.ndim > 2 or X.shape[-1] != k:
        raise ValueError(f"{key}: the network's first layer is an Embedding taking "
                         f"{k} indices per example (block_size), so input is {k} indices "
                         f"(or one row of {k} per example); got shape {X.shape}")
    bad = np.flatnonzero(~((X == np.round(X)) & (X >= 0) & (X < n)).ravel())
    if bad.size:
        value = X.ravel()[bad[0]]
        what = "no whole number" if value != round(value) else "out of range"
        raise ValueError(f"{key}: the Embedding's indices are whole numbers in [0, {n}) "
                         f"(embedding.table has {n} rows); got {value:g} ({what}, position "
                         f"{[int(i) for i in np.unravel_index(bad[0], X.shape)]})")
