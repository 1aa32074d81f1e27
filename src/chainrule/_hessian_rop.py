"""Pearlmutter's R-operator on a network (private; see :mod:`chainrule.hessian`).

``R{x} = d/dr x(theta + r v)`` at ``r = 0``: the directional derivative of every quantity of
the forward and backward passes along ``v``.  Applied to backpropagation's equations it gives
two more passes, each as cheap as the one it follows:

forward (``R{A_0} = 0``, ``V_l``, ``c_l``: the parts of ``v`` at ``W_l``, ``b_l``)::

    R{Z_l} = R{A_{l-1}} W_l + A_{l-1} V_l + c_l        R{A_l} = f'(Z_l) * R{Z_l}

backward (``g_l = delta_{l+1} W_{l+1}^T``, ``dJ/dA_l``, so ``delta_l = g_l * f'(Z_l)``)::

    R{delta_L} = H_out R{Z_L}      (H_out: d delta_L / d Z_L, the loss's curvature in z)
    R{delta_l} = (R{delta_{l+1}} W_{l+1}^T + delta_{l+1} V_{l+1}^T) * f'(Z_l)
                 + g_l * f''(Z_l) * R{Z_l}
    R{dW_l} = R{A_{l-1}}^T delta_l + A_{l-1}^T R{delta_l}     R{db_l} = sum_rows R{delta_l}

and ``H v`` is ``R{grad}``: these, plus the weight decay's ``c v`` on the weights.  Dropping
the terms that carry first-order error (``delta V^T``, ``R{A}^T delta``, ``g f''``) leaves
Schraudolph's Gauss-Newton product ``G v = J^T H_out J v`` (positive semi-definite).

:class:`Point` holds what the products at one ``theta`` share: the forward pass, the deltas,
``f'`` and ``g f''``, and copies of the weights (an optimiser may move the network's between
two products at the same point).  Each layer's part of the two passes is an object of its
class's R-operator (:func:`_handlers`): the equations above for Dense and Conv2D
(``_hessian_rop_affine``, a convolution being bilinear in input and kernels as a matrix
product is), the layers' own passes for those linear in their input (Flatten, the pools,
Dropout in evaluation mode) and the table's rows for Embedding (``_hessian_rop_linear``),
LayerNorm's per-example normalisation (``_hessian_rop_norm``) and BatchNorm's per-feature one
through the batch's mean and variance (``_hessian_rop_batchnorm``: a network with a
BatchNorm layer is differentiated as training computes its cost, the layer normalising with
the statistics of the ``X`` given, see :func:`_hessian_rop_batchnorm.batch_statistics`).
"""

from __future__ import annotations

import functools
import math

import numpy as np

from ._activations_second import SECOND_DERIVATIVES
from ._scipy_special import lazy_special
from .layers import Dense

expit = lazy_special(globals(), "expit")[0]  # SciPy's, on first call

# the (output activation, loss) pairs whose output delta is a - y: H_out, elementwise, from z
_CANONICAL = {("identity", "squared_error"), ("sigmoid", "log_loss"), ("exp", "poisson"),
              ("softmax", "cross_entropy")}
# the losses sum_j c (a_j - y_j)^2 / 2 of any elementwise output f: c by the number of outputs
_SQUARED = {"squared_error": lambda k: 1.0, "mean_squared_error": lambda k: 2.0 / k}
_LAYERS_TEXT = ("Dense layers, Conv2D, LayerNorm and BatchNorm (training mode: the batch's "
                "statistics) with elementwise activations that have a second derivative ("
                + ", ".join(sorted(SECOND_DERIVATIVES))
                + "; softmax on a Dense output), Flatten, MaxPool2D, AvgPool2D, Dropout "
                "(evaluation mode, the identity) and a first Embedding; the last layer Dense")
SUPPORTED = (_LAYERS_TEXT + "; losses: identity + squared_error, "
             "softmax + cross_entropy, sigmoid + log_loss, exp + poisson, or squared_error / "
             "mean_squared_error after any of those elementwise outputs")


@functools.cache
def _handlers() -> dict[type, type]:
    """The R-operator of each layer class (imported on first use: conv, pooling; built
    once, as every set-up reads it twice)."""
    from ._hessian_rop_affine import RConv2D, RDense
    from ._hessian_rop_batchnorm import RBatchNorm
    from ._hessian_rop_linear import REmbedding, RLinear, RMaxPool2D
    from ._hessian_rop_norm import RLayerNorm
    from ._layers_embedding import Embedding
    from .batchnorm import BatchNorm
    from .conv import Conv2D
    from .dropout import Dropout
    from .layernorm import LayerNorm
    from .pooling import AvgPool2D, Flatten, MaxPool2D

    return {Dense: RDense, Conv2D: RConv2D, Flatten: RLinear, Dropout: RLinear,
            AvgPool2D: RLinear, MaxPool2D: RMaxPool2D, Embedding: REmbedding,
            LayerNorm: RLayerNorm, BatchNorm: RBatchNorm}


def check_network(net: object, what: str, dense_only: bool = False) -> None:
    """Refuse a network the R-operator does not cover, naming the layer or the loss.

    ``dense_only``: Dense layers alone (the step-by-step trace of ``tracing.hvp_trace``).
    A layer of another class (a subclass of one of these included) has no R-operator here.
    """
    n = len(net.layers)
    handlers = {Dense: None} if dense_only else _handlers()
    supported = ("Dense layers only (the trace writes their formulas)" if dense_only
                 else SUPPORTED)
    for i, layer in enumerate(net.layers):
        kind = type(layer).__name__
        if type(layer) not in handlers:
            raise ValueError(f"{what}: net.layers[{i}] is a {kind} layer ({layer!r}): it has "
                             f"no R-operator here; supported: {supported}")
        if i == n - 1 and type(layer) is not Dense:
            raise ValueError(f"{what}: net.layers[{i}] is a {kind} layer ({layer!r}); the "
                             f"output layer must be Dense; supported: {supported}")
        if not hasattr(layer, "activation"):
            continue
        act = layer.activation
        output_softmax = i == n - 1 and act.builtin and act.name == "softmax"
        if not output_softmax and not (act.builtin and act.name in SECOND_DERIVATIVES):
            note = "" if act.builtin else " (a registered activation gives f and f' only)"
            raise ValueError(f"{what}: net.layers[{i}] has activation {act.name!r}, which has "
                             f"no second derivative here{note}; supported: {supported}")
    act, loss = net.layers[-1].activation.name, net.loss
    built = getattr(loss, "_built_in", False)
    if not built or ((act, loss.name) not in _CANONICAL and (
            loss.name not in _SQUARED or act == "softmax")):
        raise ValueError(f"{what}: the output {act!r} with loss {loss.name!r} has no "
                         f"second-order path here; supported: {supported}")


class Point:
    """The passes at one ``theta`` that every product there shares.

    ``X``, ``Y``, ``sample_weight``: checked as :meth:`Network._loss_and_grad` takes them.
    Runs that method (so ``J``, ``grad`` and the deltas are chainrule's own), outside any
    workspace so that the arrays kept here are new ones; in evaluation mode, but for
    BatchNorm layers, which normalise with the statistics of ``X`` (``batch_statistics``;
    the running statistics are left as they were).
    """

    def __init__(self, net: object, X: object, Y: np.ndarray,
                 sample_weight: np.ndarray | None) -> None:
        from ._hessian_rop_batchnorm import batch_statistics

        with batch_statistics(net):
            J, grad = net._loss_and_grad(X, Y, False, sample_weight)
        self.J, self.grad = J, grad.copy()
        self.theta = net.params.copy()
        m = Y.shape[0]
        dt = net.dtype
        if sample_weight is None:
            r = np.full((m, 1), 1.0 / m, dtype=dt)
            m_decay = m
        else:  # w_i / sum(w) as _loss_and_grad scales (the weights divided by the largest)
            w = sample_weight / sample_weight.max()
            r = (w / np.sum(w)).astype(dt)[:, None]
            with np.errstate(over="ignore"):
                m_decay = float(np.sum(sample_weight))
        self.c = net.weight_decay / (m_decay if net.decay == "per_sample" else 1)
        self.decay_slices = net._decay_slices
        layers, n = net.layers, len(net.layers)
        table = _handlers()
        self.rop = [table[type(layer)](layer, i == n - 1) for i, layer in enumerate(layers)]
        self.slots: list[dict] = []  # per layer {name: (slice of v, shape)}
        offset = 0
        for layer in layers:
            slots = {}
            for spec in layer.param_specs():
                size = int(math.prod(spec.shape))
                slots[spec.name] = (slice(offset, offset + size), spec.shape)
                offset += size
            self.slots.append(slots)
        # g = dJ/dA of each hidden layer (for g f''): the gradient's backward pass again,
        # from the deltas kept, down to the lowest layer whose f'' is not 0 and that has
        # parameters at or below it (none in a ReLU network: no product at all)
        lowest = next((i for i, slots in enumerate(self.slots) if slots), n)
        stop = max(lowest, next((i for i, h in enumerate(self.rop) if h.needs_grad), n))
        g = None
        for i in range(n - 1, stop - 1, -1):
            self.rop[i].set_grad(g)
            if i > stop:
                g = self.rop[i].input_grad(g)
        # what the step-by-step trace (tracing.hvp_trace) reads of a Dense network
        self.X = [getattr(layer, "X", None) for layer in layers]
        self.A = [getattr(layer, "A", None) for layer in layers]
        self.delta = [getattr(layer, "delta", None) for layer in layers]
        self.W = [getattr(h, "W", None) for h in self.rop]
        self.has_b = ["b" in slots for slots in self.slots]
        self.fp = [getattr(h, "fp", None) for h in self.rop[:-1]]
        # H_out: R{delta_L} = r * (d out / d z) R{Z_L}; elementwise D, or softmax's rows
        out = layers[-1]
        act, loss = out.activation.name, net.loss
        Z, A = out.Z, out.A
        self.softmax_scale = None
        if act == "softmax":  # delta = s p - y, s the row sums of the (smoothed) targets
            y = Y
            if loss.params.get("label_smoothing", 0.0):
                from ._loss_smoothing import smoothed_targets
                y = smoothed_targets(loss, Y)
            self.softmax_scale = (r * np.sum(y, axis=1, keepdims=True)).astype(dt)
            self.D = None
        elif (act, loss.name) in _CANONICAL:  # delta = a - y
            D = {"identity": lambda: np.ones_like(A), "exp": lambda: A,
                 "sigmoid": lambda: expit(Z) * expit(-Z)}[act]()
            self.D = r * D
        else:  # dL/da = c (a - y): delta = c (a - y) f', R{delta} = c (f'^2 + (a - y) f'') R{Z}
            cl = _SQUARED[loss.name](A.shape[1])
            fp = out.activation.derivative(Z, A)
            self.D = (r * cl) * (fp * fp + (A - Y) * SECOND_DERIVATIVES[act](Z, A))
        self.D_gn = self.D
        if self.D is not None and (act, loss.name) not in _CANONICAL:  # no (a - y) f'' in G
            fp = out.activation.derivative(Z, A)
            self.D_gn = (r * _SQUARED[loss.name](A.shape[1])) * fp * fp

    def product(self, v: np.ndarray, gauss_newton: bool = False) -> np.ndarray:
        """``H v`` (or ``G v``) at this point: ``v`` of shape (n_params,) in the net's dtype."""
        views = [{name: v[s].reshape(shape) for name, (s, shape) in slots.items()}
                 for slots in self.slots]
        R = None  # R{A} layer by layer (None: no parameter below, R{A} = 0)
        for rop, P in zip(self.rop, views, strict=True):
            R = rop.forward(R, P)
        rz = R  # the output layer's R{Z}
        if self.D is None:  # softmax: s r p * (R{Z} - <p, R{Z}>)
            p = self.A[-1]
            R = self.softmax_scale * p * (rz - np.sum(p * rz, axis=1, keepdims=True))
        else:
            R = (self.D_gn if gauss_newton else self.D) * rz
        hv = np.empty(v.shape, dtype=v.dtype)
        for i in range(len(self.rop) - 1, -1, -1):
            parts, R = self.rop[i].backward(R, views[i], gauss_newton)
            for name, part in parts.items():
                hv[self.slots[i][name][0]] = part.ravel()
        if self.c:
            for s in self.decay_slices:
                hv[s] += self.c * v[s]
        return hv
