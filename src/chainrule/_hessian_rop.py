"""Pearlmutter's R-operator on a network of Dense layers (private; see :mod:`chainrule.hessian`).

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
two products at the same point).
"""

from __future__ import annotations

import numpy as np

from ._activations_second import PIECEWISE_LINEAR, SECOND_DERIVATIVES
from ._scipy_special import lazy_special
from .layers import Dense

expit = lazy_special(globals(), "expit")[0]  # SciPy's, on first call

# the (output activation, loss) pairs whose output delta is a - y: H_out, elementwise, from z
_CANONICAL = {("identity", "squared_error"), ("sigmoid", "log_loss"), ("exp", "poisson"),
              ("softmax", "cross_entropy")}
# the losses sum_j c (a_j - y_j)^2 / 2 of any elementwise output f: c by the number of outputs
_SQUARED = {"squared_error": lambda k: 1.0, "mean_squared_error": lambda k: 2.0 / k}
SUPPORTED = ("Dense layers whose activations are " + ", ".join(sorted(SECOND_DERIVATIVES))
             + " (softmax at the output only); losses: identity + squared_error, "
             "softmax + cross_entropy, sigmoid + log_loss, exp + poisson, or squared_error / "
             "mean_squared_error after any of those elementwise outputs")


def check_network(net: object, what: str) -> None:
    """Refuse a network the R-operator does not cover, naming the layer or the loss."""
    n = len(net.layers)
    for i, layer in enumerate(net.layers):
        if type(layer) is not Dense:
            raise ValueError(f"{what}: net.layers[{i}] is a {type(layer).__name__} layer "
                             f"({layer!r}); supported: {SUPPORTED}")
        act = layer.activation
        output_softmax = i == n - 1 and act.builtin and act.name == "softmax"
        if not output_softmax and not (act.builtin and act.name in SECOND_DERIVATIVES):
            note = "" if act.builtin else " (a registered activation gives f and f' only)"
            raise ValueError(f"{what}: net.layers[{i}] has activation {act.name!r}, which has "
                             f"no second derivative here{note}; supported: {SUPPORTED}")
    act, loss = net.layers[-1].activation.name, net.loss
    built = getattr(loss, "_built_in", False)
    if not built or ((act, loss.name) not in _CANONICAL and (
            loss.name not in _SQUARED or act == "softmax")):
        raise ValueError(f"{what}: the output {act!r} with loss {loss.name!r} has no "
                         f"second-order path here; supported: {SUPPORTED}")


class Point:
    """The passes at one ``theta`` that every product there shares.

    ``X``, ``Y``, ``sample_weight``: checked as :meth:`Network._loss_and_grad` takes them.
    Runs that method (so ``J``, ``grad`` and the deltas are chainrule's own), outside any
    workspace so that the arrays kept here are new ones.
    """

    def __init__(self, net: object, X: object, Y: np.ndarray,
                 sample_weight: np.ndarray | None) -> None:
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
        layers = net.layers
        self.X = [layer.X for layer in layers]
        self.A = [layer.A for layer in layers]
        self.delta = [layer.delta for layer in layers]
        self.W = [layer.W.copy() for layer in layers]
        self.has_b = [layer.b is not None for layer in layers]
        self.fp = [layer.activation.derivative(layer.Z, layer.A) for layer in layers[:-1]]
        # g_l f''(Z_l) of the hidden layers (None where f'' = 0): g_l = delta_{l+1} W_{l+1}^T
        self.gfpp: list[np.ndarray | None] = []
        for i, layer in enumerate(layers[:-1]):
            name = layer.activation.name
            if name in PIECEWISE_LINEAR:
                self.gfpp.append(None)
            else:
                g = self.delta[i + 1] @ self.W[i + 1].T
                self.gfpp.append(g * SECOND_DERIVATIVES[name](layer.Z, layer.A))
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
        n = len(self.W)
        views, offset = [], 0
        for W, has_b in zip(self.W, self.has_b, strict=True):
            V = v[offset:offset + W.size].reshape(W.shape)
            offset += W.size
            c = None
            if has_b:
                c = v[offset:offset + W.shape[1]]
                offset += W.shape[1]
            views.append((V, c))
        # forward: R{Z_l}, R{A_l}
        RZ, RA, prev = [], [], None
        for i, (V, c) in enumerate(views):
            rz = np.asarray(self.X[i] @ V)  # (a sparse first X gives a dense product)
            if prev is not None:
                rz += prev @ self.W[i]
            if c is not None:
                rz += c
            RZ.append(rz)
            prev = self.fp[i] * rz if i < n - 1 else None
            RA.append(prev)
        # backward: R{delta_L}, then each layer's R{dW}, R{db} and the R{delta} before it
        rz = RZ[-1]
        if self.D is None:  # softmax: s r p * (R{Z} - <p, R{Z}>)
            p = self.A[-1]
            rd = self.softmax_scale * p * (rz - np.sum(p * rz, axis=1, keepdims=True))
        else:
            rd = (self.D_gn if gauss_newton else self.D) * rz
        parts: list[np.ndarray] = []
        for i in range(n - 1, -1, -1):
            V, c = views[i]
            hw = np.asarray(self.X[i].T @ rd)
            if i > 0 and not gauss_newton:
                hw += RA[i - 1].T @ self.delta[i]
            layer_parts = [hw.ravel()]
            if c is not None:
                layer_parts.append(np.add.reduce(rd, axis=0))
            parts[:0] = layer_parts
            if i > 0:
                rg = rd @ self.W[i].T  # R{g}: a new array, multiplied in place from here
                if not gauss_newton:
                    rg += self.delta[i] @ V.T
                rg *= self.fp[i - 1]
                if not gauss_newton and self.gfpp[i - 1] is not None:
                    rz = RZ[i - 1]  # not read again: g f'' R{Z} over it
                    rz *= self.gfpp[i - 1]
                    rg += rz
                rd = rg
        hv = np.concatenate(parts).astype(v.dtype, copy=False)
        if self.c:
            for s in self.decay_slices:
                hv[s] += self.c * v[s]
        return hv
