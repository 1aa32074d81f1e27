"""The frozen parameters of a training run (private): which they are, and the step that
leaves them as they are.

A layer's ``trainable = False`` and its ``frozen`` names (:class:`~chainrule.layers.Layer`)
mark parameters that training keeps fixed, as PyTorch's ``requires_grad_(False)``.
:func:`frozen_slices` reads them from the network as a call of ``fit`` begins (None when
nothing is frozen: the training step is then the one it always was, untouched); with
some, :func:`frozen_step` makes the optimizer's step and puts the frozen entries of the
parameters and of the optimizer's state vectors back as they were, bit for bit, whatever
the rule (momentum's velocity, Adam's moments, the decoupled weight decay) did to them.
The rules being elementwise, the other parameters take the steps they would take with
the frozen ones left out of the optimizer, as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .network import Network
    from .optimizers import Optimizer


def frozen_slices(net: Network) -> list[slice] | None:
    """The slices of ``net.params`` that training keeps fixed, or None when none is.

    Raises
    ------
    ValueError
        Every parameter of the network is frozen: there is nothing to train.
    """
    slices = net._frozen_slices()
    if not slices:
        return None
    if sum(s.stop - s.start for s in slices) == net.n_params:
        raise ValueError(
            "nothing to train: every parameter of the network is frozen (layers "
            f"{[i for i, layer in enumerate(net.layers) if layer.param_specs()]} set "
            "trainable=False or name all their parameters in frozen); set trainable=True "
            "on a layer, or take names out of its frozen set")
    return slices


def zero_frozen(grad: np.ndarray, frozen: Sequence[slice]) -> None:
    """Zero the frozen entries of the gradient a step is made with (before clipping: as
    PyTorch's frozen tensors, which have no ``.grad``, they count in no norm)."""
    for sl in frozen:
        grad[sl] = 0


def frozen_step(opt: Optimizer, params: np.ndarray, grad: np.ndarray,
                decay: Sequence[slice], frozen: Sequence[slice]) -> None:
    """``opt.step(params, grad, decay)`` with the entries ``frozen`` of the parameters and
    of the optimizer's state vectors put back as they were before it.

    A state vector the step made (the run's first step) keeps there what the rule makes
    of the zero gradient :func:`zero_frozen` left: the value it starts from (zeros;
    AdaGrad's ``initial_accumulator_value``), Adamax's ``u`` its ``eps``.
    """
    kept = [params[sl].copy() for sl in frozen]
    states = {k: [v[sl].copy() for sl in frozen] for k, v in opt.state.items()}
    opt.step(params, grad, decay)
    for sl, values in zip(frozen, kept, strict=True):
        params[sl] = values
    for k, before in states.items():
        v = opt.state[k]
        for sl, values in zip(frozen, before, strict=True):
            v[sl] = values
