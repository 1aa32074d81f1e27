"""Numbers courses ask students to watch while a network trains.

* per-layer gradient norms (vanishing gradients in deep sigmoid networks);
* the fraction of saturated units per layer: units whose local derivative
  ``f'(z)`` is below a threshold, through which almost no gradient flows
  (sigmoid near 0 or 1, tanh near +-1, ReLU switched off).
"""

from __future__ import annotations

import numpy as np

from .network import Network

__all__ = ["layer_grad_norms", "saturation"]


def _check_network(net: object) -> None:
    if not isinstance(net, Network):
        raise TypeError(f"net must be a chainrule Network (an estimator's is its network_), "
                        f"got {type(net).__name__}")


def layer_grad_norms(net: Network) -> list[float]:
    """Euclidean norm of each parameterised layer's gradient (all its parameters together).

    Reads the gradients of the last backward pass (:meth:`Network.loss_and_grad`,
    a training step).

    Parameters
    ----------
    net : Network

    Returns
    -------
    list of float, one per layer that has parameters, input side first.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`Network`.
    ValueError
        If no backward pass has run since the network was built, copied or
        loaded: its gradient buffer then holds zeros, which are no gradient
        (and would read as vanished ones).
    """
    _check_network(net)
    if not getattr(net, "_grad_computed", True):
        raise ValueError("net: no gradient has been computed yet (no backward pass since the "
                         "network was built, copied or loaded); run one first, e.g. "
                         "net.loss_and_grad(X, Y)")
    norms = []
    offset = 0
    for layer in net.layers:
        n = sum(int(np.prod(s.shape)) for s in layer.param_specs())
        if n:
            norms.append(float(np.linalg.norm(net.grads[offset : offset + n])))
        offset += n
    return norms


def saturation(net: Network, threshold: float = 0.01) -> list[float]:
    """Fraction of units with ``f'(z) < threshold``, per layer with an elementwise activation.

    Uses the net inputs and outputs of the last forward pass (every example in
    it).  After :func:`~chainrule.train` that is the run's last training batch,
    the one the history's last "saturation" describes: the validation pass
    keeps none of its arrays.  Layers with softmax, an underivable activation
    or no forward pass yet are skipped.

    Parameters
    ----------
    net : Network
    threshold : float, default 0.01
        A unit is saturated where ``|f'(z)|`` is below this finite number > 0.

    Returns
    -------
    list of float in [0, 1], one per qualifying layer, input side first.

    Raises
    ------
    TypeError
        If ``net`` is not a :class:`Network`, or ``threshold`` not a real number.
    ValueError
        If ``threshold`` is not finite and > 0.
    """
    from ._validation import check_positive_float

    _check_network(net)
    threshold = check_positive_float(threshold, "threshold")
    fractions = []
    for layer in net.layers:
        act = getattr(layer, "activation", None)
        Z, A = getattr(layer, "Z", None), getattr(layer, "A", None)
        if act is None or not act.elementwise or act.df is None or Z is None:
            continue
        fractions.append(float(np.mean(np.abs(act.derivative(Z, A)) < threshold)))
    return fractions
