"""The trace of a network whose first layer is an Embedding (makemore's ``C[X]``).

The Embedding is shown as the first step: the rows it looks up, joined, are its output and
the Dense layers' input; the Dense layers' step follows in the trace's notation, as for a
network of Dense layers given those rows (:func:`.compute_step`, or
:func:`.compute_batch_step` for ``m > 1`` examples); then the gradient reaches the table:
``dJ/dA`` is the first Dense layer's weights times its delta (each example's, over ``m``),
and each row of ``dW`` the sum of the ``dJ/dA`` slices of the positions that looked it up
(:func:`.trace_embedding`), before the update ``W - lr dW``.  The new cost and outputs are
those of the whole network after the step (the table updated too).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._validation import check_positive_float
from ..layers import Dense
from ..network import Network
from .batch import BatchStepTrace, compute_batch_step
from .compute import StepTrace, compute_step
from .embedding_trace import EmbeddingTrace, trace_embedding
from .render import Arr, Block, Heading, Line, Note, Sym

__all__ = ["EmbeddingFirstStep", "compute_embedding_step", "embedding_blocks",
           "embedding_dict"]


@dataclass(frozen=True, eq=False)
class EmbeddingFirstStep:
    """One step of a network ``Embedding -> Dense ...``: the table's part and the rest's.

    Attributes
    ----------
    embedding : EmbeddingTrace
        The indices ``X`` (m, block_size), the table ``W`` (num_embeddings, D), the output
        ``A`` (m, block_size * D), ``dout = dJ/dA`` and the table's gradient ``dW``.
    W_new : ndarray of shape (num_embeddings, D)
        The table after the update (``W`` where the layer keeps it: frozen).
    frozen : bool
        Whether the step keeps the table (``trainable = False`` or ``frozen = {"W"}``).
    dense : StepTrace or BatchStepTrace
        The Dense layers' step on the rows looked up (``m = 1`` or more); its
        ``cost_new``, outputs after and ``network_after`` are the whole network's.
    """

    embedding: EmbeddingTrace
    W_new: np.ndarray
    frozen: bool
    dense: StepTrace | BatchStepTrace

    @property
    def loss(self) -> str:
        """The loss's name."""
        return self.dense.loss

    @property
    def cost(self) -> float:
        """``J`` before the update."""
        return self.dense.cost

    @property
    def cost_new(self) -> float:
        """``J`` of the whole network after the update."""
        return self.dense.cost_new

    @property
    def network_after(self) -> Network:
        """A float64 copy of the whole network after the step."""
        return self.dense.network_after


def compute_embedding_step(net: Network, x: object, y: object, lr: float = 1.0,
                           digits: int = 6) -> EmbeddingFirstStep:
    """Trace one step of ``net`` (``net.layers[0]`` an Embedding, Dense layers after it).

    Parameters
    ----------
    net : Network
        Not changed (the step runs on a float64 copy).
    x : array-like of int of shape (block_size,) or (m, block_size)
        The indices of one example, or of ``m`` examples.
    y : array-like
        The target(s), as :func:`.compute_step` / :func:`.compute_batch_step` take them.
    lr : float, default 1.0
    digits : int, default 6

    Returns
    -------
    EmbeddingFirstStep

    Raises
    ------
    ValueError
        Bad indices (named as the layer names them), a layer after the Embedding that is
        not Dense, or weight decay (the table's decay term is not traced).
    """
    lr = check_positive_float(lr, "lr")
    if net.weight_decay:
        raise ValueError(f"weight_decay: a trace of a network with an Embedding takes none "
                         f"(the table's decay term is not shown), got {net.weight_decay:g}; "
                         "trace it with weight_decay=0")
    for i, layer in enumerate(net.layers[1:], 1):  # named by their place in net
        if not isinstance(layer, Dense):
            raise ValueError(f"net.layers[{i}]: a trace shows an Embedding followed by Dense "
                             f"layers only, got {layer!r}")
    work = net.astype(np.float64)  # a copy
    emb = work.layers[0]
    idx = np.asarray(x)
    one = idx.ndim <= 1
    A = emb.forward(idx.reshape(1, -1) if one else idx)  # checks the indices, naming X
    idx = np.array(emb.X)
    # the Dense layers alone, given the rows looked up (copies: the layers belong to work)
    rest = Network(work.layers[1:], loss=work.loss, decay=work.decay)
    dense: Any = (compute_step(rest, A[0], y, lr) if one else
                  compute_batch_step(rest, A, y, lr))
    m = idx.shape[0]
    steps = [dense] if one else dense.examples
    # dJ/dA: each example's dE_i/dA = W1 delta1_i, over m (J the batch's mean)
    dout = np.stack([s.layers[0].W @ s.layers[0].delta for s in steps]) / m
    table = trace_embedding(emb, idx, dout, digits=digits)
    frozen = "W" in emb._frozen_names()
    W_new = table.W if frozen else table.W - lr * table.dW
    # the whole network after the step: the new table and the Dense layers' new parameters
    after = work.copy()
    after.layers[0].W = W_new
    for ours, theirs in zip(after.layers[1:], dense.network_after.layers, strict=True):
        for name in ("W", "b"):
            if getattr(ours, name, None) is not None:
                setattr(ours, name, getattr(theirs, name))
    Y = np.stack([s.y for s in steps])  # the targets as the loss reads them
    plain = after.copy()
    if "label_smoothing" in plain.loss.params:  # y is already the smoothed target
        from ..losses import LOSSES

        plain.loss = LOSSES[plain.loss.name]
    with np.errstate(over="ignore", invalid="ignore"):
        cost_new = plain.loss_value(idx, Y)
        out_new = after.forward(idx)
    if one:
        dense = dataclasses.replace(dense, cost_new=cost_new, output_new=out_new[0].copy(),
                                    network_after=after)
    else:
        dense = dataclasses.replace(dense, cost_new=cost_new, outputs_new=out_new.copy(),
                                    network_after=after)
    return EmbeddingFirstStep(embedding=table, W_new=W_new, frozen=frozen, dense=dense)


def embedding_blocks(step: EmbeddingFirstStep, dense_blocks: list[Block]) -> list[Block]:
    """The trace's blocks: the lookup, the Dense layers' ``dense_blocks``, then the table's
    gradient, each row a sum of ``dJ/dA`` slices, and its update."""
    t = step.embedding
    D = t.W.shape[1]
    head = [Heading(f"Layer 0: {t.layer}, the lookup", 2),
            Note(f"indices x of shape {t.X.shape}, table W of shape {t.W.shape}: each "
                 "example's output is the rows its indices look up, joined (|); it is the "
                 "input of the Dense layers below")]
    for n in range(t.X.shape[0]):
        joined = " | ".join(f"W[{int(v)}]" for v in t.X[n])
        head.append(Line((Sym(f"A[{n}]", f"A_{{{n}}}"), f" = {joined} = ", Arr(t.A[n]))))
    tail = [Heading(f"Layer 0: {t.layer}, the table's gradient and update", 2),
            Note("dJ/dA = the first Dense layer's weights (no biases) times its delta"
                 + ("" if t.X.shape[0] == 1 else " (each example's, over m)") + "; dW[v] is "
                 f"the sum of the slices dJ/dA[n, t*{D}:(t+1)*{D}] of the positions (n, t) "
                 "that looked v up (a row no index used stays 0; indices have no gradient)")]
    for n in range(t.X.shape[0]):
        tail.append(Line((Sym(f"dJ/dA[{n}]", f"\\partial J/\\partial A_{{{n}}}"), " = ",
                          Arr(t.dout[n]))))
    for v, where in t.rows.items():
        parts = " + ".join(f"dJ/dA[{n},{k * D}:{(k + 1) * D}]" for n, k in where) or "0"
        tail.append(Line((Sym(f"dW[{v}]", f"dW_{{{v}}}"), f" = {parts} = ", Arr(t.dW[v]))))
    tail.append(Note("the table is frozen: the step keeps it" if step.frozen else
                     "update: new W = W - lr dW"))
    tail.append(Line((Sym("new W", "W_{new}"), " = ", Arr(step.W_new))))
    return [*dense_blocks[:1], *head, *dense_blocks[1:], *tail]  # under the title


def embedding_dict(step: EmbeddingFirstStep, dense_dict: dict[str, Any]) -> dict[str, Any]:
    """The JSON of the step: the Dense layers' ``dense_dict`` (its ``input`` the rows
    looked up; ``cost_after`` and the outputs after the whole network's) and
    ``embedding``, the table's numbers (indices, rows looked up, ``dout = dJ/dA``, ``dW``,
    each row's positions, ``W_new``, ``frozen``)."""
    return {**dense_dict, "embedding": {**step.embedding.to_dict(),
                                        "W_new": np.asarray(step.W_new, float).tolist(),
                                        "frozen": step.frozen}}
