"""Step-by-step trace of one training step, in the notation of a course.

>>> import chainrule as cr
>>> t = cr.trace_preset("transfer-example")
>>> print(t.text())                                   # doctest: +SKIP
>>> t.to_dict()["output_after"]                       # doctest: +ELLIPSIS
[0.72187...]

The package keeps computing and formatting apart:

* :mod:`.compute` runs the library's own forward pass, backward pass and
  update on a copy of the network and keeps every number (:class:`StepTrace`);
  :mod:`.batch` does so for a mini-batch of ``m`` examples (:class:`BatchStepTrace`:
  each example's numbers, their mean gradient, the decay added once), laid out
  by :mod:`._batch_blocks`;
* :mod:`.notations` and :mod:`.netout` name and lay those numbers out in the
  transfer-matrix, UFLDL or net/out notation;
* :mod:`.render` prints the layout as a text report or Markdown with LaTeX;
  :meth:`Trace.to_json` gives every number as JSON;
* :mod:`.spec` reads small networks from presets, inline JSON or JSON/YAML files
  (the parsing of the files, JSON and YAML, in :mod:`._spec_files`);
* :mod:`.conv_trace` and :mod:`.pool_trace` trace one Conv2D or MaxPool2D layer
  (:func:`trace_conv2d`, :func:`trace_maxpool2d`): every output, gradient and input
  gradient as the explicit sum of the entries that make it; :mod:`.avgpool_trace` one
  AvgPool2D layer (:func:`trace_avgpool2d`, LeNet's subsampling without its coefficient
  and bias): each window's sum over its size, each pixel's share of the windows covering
  it; :mod:`.embedding_trace`
  one Embedding layer (:func:`trace_embedding`): each lookup, and which rows of ``dW``
  receive which slices of ``dout`` (the scatter-add); :mod:`.batchnorm_trace` one
  BatchNorm layer in training mode (:func:`trace_batchnorm`): the batch statistics,
  and ``dx`` both through the graph's steps and by the compact formula;
  :mod:`.layernorm_trace` one LayerNorm layer (:func:`trace_layernorm`): each example's
  statistics, ``dx`` through the graph and by the compact formula; :mod:`.dropout_trace`
  one Dropout layer in training (:func:`trace_dropout`): the draws, the mask, ``out`` and
  ``dx``;
  :mod:`.hvp_trace` an exact Hessian-vector product (:func:`trace_hvp`): the forward,
  backward, R-forward and R-backward passes of Pearlmutter's R-operator.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from .._validation_digits import check_digits
from ..network import Network
from . import render
from ._batch_blocks import batch_blocks, batch_dict, check_batch_notation
from ._embedding_first import (
    EmbeddingFirstStep,
    compute_embedding_step,
    embedding_blocks,
    embedding_dict,
)
from ._sparsity import check_sparsity
from .avgpool_trace import AvgPoolTrace, trace_avgpool2d
from .batch import BatchStepTrace, compute_batch_step
from .batchnorm_trace import BatchNormTrace, trace_batchnorm
from .compute import LayerStep, StepTrace, compute_step
from .conv_trace import ConvTrace, trace_conv2d
from .dropout_trace import DropoutTrace, trace_dropout
from .embedding_trace import EmbeddingTrace, trace_embedding
from .hvp_trace import HvpTrace, trace_hvp
from .layernorm_trace import LayerNormTrace, trace_layernorm
from .notations import NOTATIONS, blocks, to_dict
from .pool_trace import PoolTrace, trace_maxpool2d
from .spec import PRESETS, TraceSpec, load_spec, spec_network

__all__ = [
    "FORMATS",
    "NOTATIONS",
    "PRESETS",
    "AvgPoolTrace",
    "BatchNormTrace",
    "BatchStepTrace",
    "ConvTrace",
    "DropoutTrace",
    "EmbeddingTrace",
    "HvpTrace",
    "LayerNormTrace",
    "LayerStep",
    "PoolTrace",
    "StepTrace",
    "Trace",
    "TraceSpec",
    "compute_batch_step",
    "compute_step",
    "load_spec",
    "spec_network",
    "trace",
    "trace_avgpool2d",
    "trace_batchnorm",
    "trace_conv2d",
    "trace_dropout",
    "trace_embedding",
    "trace_hvp",
    "trace_layernorm",
    "trace_maxpool2d",
    "trace_preset",
]

FORMATS = ("text", "markdown", "json")


class Trace:
    """A computed step and the notation to show it in.

    ``str(trace)`` is the text report; :meth:`markdown` gives Markdown with
    LaTeX (Jupyter shows it rendered); :meth:`to_dict` / :meth:`to_json` give
    every number.

    Attributes
    ----------
    step : StepTrace or BatchStepTrace
        The numbers (see :func:`compute_step`, and :func:`compute_batch_step`
        for ``m > 1`` examples).
    notation : {"transfer", "ufldl", "netout"}
    digits : int
        Significant digits of the printed numbers (JSON keeps full precision).
    """

    def __init__(self, step: StepTrace | BatchStepTrace | EmbeddingFirstStep,
                 notation: str = "transfer", digits: int = 6) -> None:
        if notation not in NOTATIONS:
            raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, got {notation!r}")
        if isinstance(getattr(step, "dense", step), BatchStepTrace):
            check_batch_notation(notation)
        digits = check_digits(digits)
        self.step, self.notation, self.digits = step, notation, digits

    def text(self) -> str:
        """The step as an ASCII report: equations and aligned tables, layer by layer.

        Returns
        -------
        str
        """
        return render.text(self._blocks(), self.digits)

    def markdown(self) -> str:
        """The step as Markdown, formulas and matrices in LaTeX (``$$...$$``).

        Returns
        -------
        str
        """
        return render.markdown(self._blocks(), self.digits)

    def _blocks(self) -> list:
        if isinstance(self.step, EmbeddingFirstStep):  # the lookup first, the table last
            dense = Trace(self.step.dense, self.notation, self.digits)._blocks()
            return embedding_blocks(self.step, dense)
        if isinstance(self.step, BatchStepTrace):
            return batch_blocks(self.step, self.notation, self.digits)
        return blocks(self.step, self.notation, self.digits)

    def to_dict(self) -> dict[str, Any]:
        """Every number of the step (full precision), laid out in the notation.

        Returns
        -------
        dict
            JSON-serialisable: numbers, names, and matrices as nested lists.
        """
        if isinstance(self.step, EmbeddingFirstStep):
            return embedding_dict(self.step, Trace(self.step.dense, self.notation).to_dict())
        if isinstance(self.step, BatchStepTrace):
            return batch_dict(self.step, self.notation)
        return to_dict(self.step, self.notation)

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as a JSON string.

        Parameters
        ----------
        indent : int or None, default 2
            As for :func:`json.dumps` (None: one line).

        Returns
        -------
        str
        """
        return json.dumps(self.to_dict(), indent=indent)

    def render(self, format: str = "text") -> str:
        """The step in ``format``: "text", "markdown" or "json".

        Parameters
        ----------
        format : {"text", "markdown", "json"}, default "text"

        Returns
        -------
        str

        Raises
        ------
        ValueError
            If ``format`` is not one of these.
        """
        if format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
        return {"text": self.text, "markdown": self.markdown, "json": self.to_json}[format]()

    def plot(self, path: str | os.PathLike | None = None, title: str | None = None, *,
             ax: object = None) -> Path | object:
        """Draw the network with every number of the step on it; see
        :func:`~chainrule.tracing.diagram.plot_step`.

        Parameters
        ----------
        path : str or PathLike, optional
            The file to write (PNG); with ``ax``, the file of its whole figure.
            None: nothing is written.
        title : str, optional
        ax : matplotlib Axes, optional
            The caller's Axes to draw into; by default a new figure, sized to
            the network.

        Returns
        -------
        Path or Axes
            The file written when ``path`` is given; else ``ax`` (or the new Axes).
        """
        from .diagram import plot_step

        if isinstance(self.step, EmbeddingFirstStep):
            raise ValueError("plot: the picture draws Dense layers' connections; this trace "
                             "starts with an Embedding's lookup (print it instead)")
        if isinstance(self.step, BatchStepTrace):
            raise ValueError(f"plot: the picture shows the numbers of one example on the "
                             f"network's graph; this trace has m = {self.step.m} examples "
                             "(trace one example to draw it)")
        return plot_step(self.step, path, title, ax=ax)

    def with_notation(self, notation: str) -> Trace:
        """The same numbers in another notation.

        Parameters
        ----------
        notation : {"transfer", "ufldl", "netout"}

        Returns
        -------
        Trace

        Raises
        ------
        ValueError
            If ``notation`` is not one of these.
        """
        return Trace(self.step, notation, self.digits)

    def __str__(self) -> str:
        return self.text()

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def __repr__(self) -> str:
        return (f"Trace(notation={self.notation!r}, loss={self.step.loss!r}, "
                f"cost={self.step.cost:.6g}, cost_after={self.step.cost_new:.6g})")


def trace(net: Network, x: object, y: object, lr: float = 1.0, notation: str = "transfer",
          digits: int = 6, *, rho: float | None = None, beta: float | None = None) -> Trace:
    """Trace one gradient-descent step of ``net`` on one example, or on a mini-batch.

    Runs the library's forward pass, backward pass and update
    ``theta <- theta - lr * grad`` on a copy of ``net`` (``net`` itself is not
    changed) and keeps every number: net inputs, outputs, ``dE/d(out)``,
    ``f'(net)``, deltas, each weight's gradient and its new value.  The parameters the
    layers freeze (``layer.trainable = False``, ``layer.frozen = {"b"}``) keep their
    values, as in training (one step of :func:`chainrule.train` with ``SGD(lr)``, bit
    for bit); their gradients are shown, and their lines say "(frozen)".

    Parameters
    ----------
    net : Network
        Dense layers with differentiable activations, after an optional first
        Embedding: its lookup is then the first step shown (the rows looked up, the
        Dense layers' input), and its table's gradient (each row the sum of the
        ``dJ/dA`` slices that looked it up) and update the last
        (:mod:`._embedding_first`; no weight decay, no picture).
    x : array-like of shape (n_inputs,), or (m, n_inputs)
        (Of int indices, (block_size,) or (m, block_size), after an Embedding.)
        The example, or ``m`` examples, one per row: with ``m > 1`` the trace
        shows each example's forward values, deltas and gradient ``dE_i/dW``,
        their mean ``(1/m) sum_i``, the decay added once, the update and the
        cost ``J`` of the batch (SPEC section 4), in the "transfer" or "ufldl"
        notation (not "netout", which writes one example's sums out).
    y : array-like of shape (n_outputs,), or a class label; with m rows (m, n_outputs)
        or (m,)
        Its target (one per example).
    lr : float, default 1.0
        Learning rate.
    notation : {"transfer", "ufldl", "netout"}, default "transfer"
        Transfer matrices (augmented bias, ``W^T`` forward), UFLDL (``z, a,
        delta``, rows of ``W`` = destination units) or net/out node by node.
    digits : int, default 6
        Significant digits printed (exact values print exactly: 0.7, -34).
    rho : float in (0, 1), optional
        UFLDL's sparse autoencoder: the cost gets ``beta * sum_j KL(rho || rho_hat_j)``,
        ``rho_hat_j`` the mean activation of hidden unit ``j`` over the ``m > 1``
        examples of a network with one (sigmoid) hidden layer, and each hidden delta
        the term ``beta (-rho / rho_hat_j + (1 - rho) / (1 - rho_hat_j))`` before
        ``f'(z)`` (as :meth:`chainrule.autoencoder.SparseAutoencoder.cost`).  None: no
        penalty.
    beta : float >= 0, optional
        The penalty's weight, with ``rho`` (default 3.0, as SparseAutoencoder's).

    Returns
    -------
    Trace
        ``print(trace)`` shows the text report; ``.markdown()``, ``.to_json()``.

    Examples
    --------
    >>> import chainrule as cr
    >>> net = cr.Network.from_transfer_matrices(
    ...     [[[0.4, 0.6], [0.7, -0.4], [-0.2, 0.3]], [[-0.3], [0.5], [0.1]]],
    ...     activation="sigmoid", loss="log_loss")
    >>> t = cr.trace(net, [0, 1], [1], lr=1.0)
    >>> print(round(float(t.step.output_new[0]), 6))
    0.721874
    """
    if not isinstance(notation, str) or notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, got {notation!r}")
    if isinstance(net, Network) and getattr(net.layers[0], "takes_indices", False):
        if rho is not None or beta is not None:
            raise ValueError("rho, beta: the sparse autoencoder's penalty is not traced "
                             "through an Embedding; leave them out")
        if _batch(x):
            check_batch_notation(notation)
        return Trace(compute_embedding_step(net, x, y, lr, digits), notation, digits)
    if _batch(x):  # m examples, one per row
        check_batch_notation(notation)
        return Trace(compute_batch_step(net, x, y, lr, rho=rho, beta=beta), notation, digits)
    if rho is not None or beta is not None:  # refused by name: rho_hat needs the batch
        check_sparsity(0.5 if rho is None else rho, 3.0 if beta is None else beta,
                       len(net.layers), 1, ("rho" if rho is not None else "beta", "beta"))
    return Trace(compute_step(net, x, y, lr), notation, digits)


def _batch(x: object) -> bool:
    """Whether ``x`` is a batch, m > 1 examples as rows; ragged rows (NumPy's "setting an
    array element with a sequence" from ``np.ndim``) are no batch: the single step's
    check of ``x`` refuses them by name."""
    try:
        shape = np.shape(x)
    except ValueError:
        return False
    return len(shape) == 2 and shape[0] > 1


def trace_preset(source: str | os.PathLike | dict = "transfer-example",
                 notation: str | None = None, lr: float | None = None,
                 digits: int = 6) -> Trace:
    """Trace a described network: a preset name, inline JSON, a JSON/YAML file or a dict.

    Parameters
    ----------
    source : str, path or dict, default "transfer-example"
        See :mod:`chainrule.tracing.spec` for the keys; presets are
        "transfer-example" and "integer-example" (SPEC section 10 A and B).
    notation : str, optional
        Overrides the description's notation (default "transfer").
    lr : float, optional
        Overrides the description's learning rate.
    digits : int, default 6
        Significant digits of the printed numbers, 1 to 17 (JSON keeps full
        precision).

    Returns
    -------
    Trace
        ``print(trace)`` shows the text report; ``.markdown()``, ``.to_json()``.

    Examples
    --------
    >>> import chainrule as cr
    >>> t = cr.trace_preset("transfer-example", digits=3)
    >>> for line in t.text().splitlines()[-2:]:
    ...     print(line)
      new x^(2) = [0.722]
      new E = 0.326
    """
    spec = spec_network(load_spec(source))
    if notation is None:  # an array is named by trace's check, not taken for its truth
        notation = spec.notation or "transfer"
    return trace(spec.network, spec.x, spec.y, spec.lr if lr is None else lr, notation, digits,
                 rho=spec.rho, beta=spec.beta)
