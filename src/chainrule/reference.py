"""Backpropagation as a per-example, per-node loop: a readable oracle.

This module follows the textbook pseudo-code line by line, on Python floats,
with explicit loops over examples, layers and units.  It reads the network's
weights but shares no arithmetic with the vectorised engine, so tests (and
students) can check the engine against something they can follow::

    for each example (x, y):
        forward, unit by unit:    net_j = sum_i w_ij a_i + b_j,   out_j = f(net_j)
        output layer:             delta_k = dE/dout_k * f'(net_k)
        hidden layers, backwards: delta_j = f'(net_j) * sum_k w_jk delta_k
        accumulate:               Delta w_ij += a_i delta_j,   Delta b_j += delta_j
    grad = Delta / m + weight decay (lambda w, or lambda w / m; never on biases)
    w <- w - lr * grad

``w_ij`` is ``layer.W[i][j]``: from unit i of the layer below to unit j.
Softmax is the one activation that is not elementwise: out_k depends on every
net_j of its layer, so its delta goes through the Jacobian
dout_j/dnet_k = out_j (delta_jk - out_k).

Unlike the engine (which uses ``a - y`` for the canonical pairs), this takes
dE/dout from the loss formula (dividing by a and 1 - a for the log losses, by
a for ``poisson``) and then multiplies by f'(net): an output that saturates to
exactly 0 or 1 for the log losses (exactly 0 for ``cross_entropy`` and ``poisson``)
has no such dE/dout, and is refused (a ValueError naming the unit).  Use it on
small teaching networks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._reference_losses import _loss
from ._validation import check_data, check_finite_array, check_positive_float
from .activations import LEAKY_SLOPE, Activation
from .layers import Dense
from .network import Network
from .reference_conv import conv2d_backward, conv2d_forward  # loop versions (SPEC 12)
from .reference_pool import (  # of convolution and of pooling
    avgpool2d_backward,
    avgpool2d_forward,
    maxpool2d_backward,
    maxpool2d_forward,
)

__all__ = [
    "BackwardPass", "ForwardPass", "avgpool2d_backward", "avgpool2d_forward", "backprop",
    "conv2d_backward", "conv2d_forward", "forward", "loss_and_grad", "maxpool2d_backward",
    "maxpool2d_forward", "train_step",
]

Vector = list[float]


@dataclass
class ForwardPass:
    """Every net input and output of one example; index ``[l][j]`` is unit j of layer l.

    Attributes
    ----------
    x : list of float of length n_inputs
        The example.
    net : list of (list of float of length fan_out)
        ``net[l][j] = sum_i W[i][j] a_i + b[j]``, ``a`` the input of layer l.
    out : list of (list of float of length fan_out)
        ``out[l][j] = f(net[l][j])``; ``out[-1]`` is the prediction.
    """

    x: Vector
    net: list[Vector]
    out: list[Vector]


@dataclass
class BackwardPass:
    """Error terms and gradients of one example (not averaged, no weight decay).

    ``delta`` here is the example's own ``dE/dnet``; the engine's ``layer.delta``
    after ``net.loss_and_grad(X, Y)`` on m examples holds each example's divided
    by m (``dJ/dZ`` of the batch mean J), so that its sums over the batch are
    already the gradients.  With one example the two are the same.

    Attributes
    ----------
    forward : ForwardPass
    loss : float
        E of this example.
    delta : list of (list of float of length fan_out)
        ``delta[l][j] = dE/dnet_j`` of layer l.
    dW : list of (list of lists of shape (fan_in, fan_out))
        ``dW[l][i][j] = a_i delta[l][j]``.
    db : list of (list of float of length fan_out, or None)
        ``db[l][j] = delta[l][j]``; None for a layer without biases.
    """

    forward: ForwardPass
    loss: float
    delta: list[Vector]
    dW: list[list[Vector]]
    db: list[Vector | None]


# --- activations on one float: name -> (f(z), f'(z)) -------------------------------------
def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)  # same value, written so that exp never overflows
    return e / (1.0 + e)


def _softplus(z: float) -> float:
    return max(z, 0.0) + math.log1p(math.exp(-abs(z)))  # log(1 + e^z) without overflow


def _exp(z: float) -> float:
    try:
        return math.exp(z)
    except OverflowError:  # above z ~ 709.78, where the engine's exp gives inf too
        return math.inf


def _phi_cdf(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2.0))  # the standard normal CDF, Phi(z)


def _gelu_d(z: float) -> float:
    # Phi(z) + z phi(z); exp(-z^2/2) is 0 long before z^2 could overflow
    pdf = math.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi) if abs(z) < 40.0 else 0.0
    return _phi_cdf(z) + z * pdf


_SCALAR = {
    "identity": (lambda z: z, lambda z: 1.0),
    "sigmoid": (_sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z))),
    "tanh": (math.tanh, lambda z: 1.0 - math.tanh(z) ** 2),
    "lecun_tanh": (lambda z: 1.7159 * math.tanh(2.0 * z / 3.0),
                   lambda z: 1.7159 * 2.0 / 3.0 * (1.0 - math.tanh(2.0 * z / 3.0) ** 2)),
    "relu": (lambda z: max(z, 0.0), lambda z: 1.0 if z > 0 else 0.0),
    "leaky_relu": (
        lambda z: z if z > 0 else LEAKY_SLOPE * z,
        lambda z: 1.0 if z > 0 else LEAKY_SLOPE,
    ),
    "softplus": (_softplus, _sigmoid),
    "elu": (lambda z: z if z > 0 else math.expm1(z), lambda z: 1.0 if z > 0 else math.exp(z)),
    "gelu": (lambda z: z * _phi_cdf(z), _gelu_d),
    "silu": (lambda z: z * _sigmoid(z), lambda z: _sigmoid(z) * (1.0 + z * _sigmoid(-z))),
    "exp": (_exp, _exp),
    "square": (lambda z: z * z, lambda z: 2.0 * z),
    "step": (lambda z: 1.0 if z >= 0 else 0.0, None),
    "sign": (lambda z: 1.0 if z >= 0 else -1.0, None),
}


def _f(act: Activation, z: float) -> float:
    if act.builtin and act.name in _SCALAR:
        return _SCALAR[act.name][0](z)
    return float(act.f(np.array([[z]]))[0, 0])  # a user-registered activation


def _df(act: Activation, z: float, a: float) -> float:
    if act.builtin and act.name in _SCALAR:
        return _SCALAR[act.name][1](z)
    return float(act.derivative(np.array([[z]]), np.array([[a]]))[0, 0])


def _activate(act: Activation, net: Vector) -> Vector:
    """Outputs of one layer from its net inputs."""
    if act.name == "softmax":  # out_k = exp(net_k) / sum_j exp(net_j)
        top = max(net)  # subtracting the largest net input changes nothing but avoids overflow
        e = [math.exp(z - top) for z in net]
        total = sum(e)
        return [v / total for v in e]
    return [_f(act, z) for z in net]


def _deltas(layer: Dense, net: Vector, out: Vector, dout: Vector) -> Vector:
    """``delta_k = dE/dnet_k`` of one layer from ``dout_j = dE/dout_j``."""
    act = layer.activation
    if act.name == "softmax":  # sum_j dE/dout_j * out_j (delta_jk - out_k)
        return [
            sum(dout[j] * out[j] * ((j == k) - out[k]) for j in range(len(out)))
            for k in range(len(out))
        ]
    if act.df is None:
        raise ValueError(
            f"{layer!r}: activation {act.name!r} has no useful derivative, so "
            "backpropagation cannot pass through it"
        )
    return [dout[j] * _df(act, net[j], out[j]) for j in range(len(out))]


def _dense_layers(net: Network) -> list[Dense]:
    for i, layer in enumerate(net.layers):
        if not isinstance(layer, Dense):
            raise ValueError(f"reference supports Dense layers only; layers[{i}] is {layer!r}")
    return net.layers


# --- the public functions -----------------------------------------------------------------
def forward(net: Network, x: object) -> ForwardPass:
    """Forward pass of ONE example, node by node.

    Parameters
    ----------
    net : Network of Dense layers
    x : array-like of shape (n_inputs,)

    Returns
    -------
    ForwardPass
        ``net`` and ``out`` per layer, as lists of floats.
    """
    layers = _dense_layers(net)
    x = check_finite_array(x, "x", dtype=np.float64, ndim=1)
    if x.shape[0] != net.n_inputs:
        raise ValueError(f"x must have length {net.n_inputs} (n_inputs), got {x.shape[0]}")
    a = x.tolist()
    nets, outs = [], []
    for layer in layers:
        W = layer.W.tolist()
        b = layer.b.tolist() if layer.b is not None else [0.0] * layer.n_out
        z = []
        for j in range(layer.n_out):
            s = b[j]
            for i in range(layer.n_in):
                s += W[i][j] * a[i]
            z.append(s)
        a = _activate(layer.activation, z)
        nets.append(z)
        outs.append(a)
    return ForwardPass(x.tolist(), nets, outs)


def backprop(net: Network, x: object, y: object) -> BackwardPass:
    """Error terms and gradients of ONE example.

    Parameters
    ----------
    net : Network of Dense layers
    x : array-like of shape (n_inputs,)
    y : array-like of shape (n_outputs,), or a number
        The target; a number is the target of a network with one output, or
        with several a class label 0..n_outputs-1 (the one-hot row it stands
        for), as :func:`chainrule.trace` and :func:`loss_and_grad` read it.

    Returns
    -------
    BackwardPass
        Deltas per layer, ``dW[l][i][j] = a_i delta_j`` and ``db[l][j] = delta_j``.
    """
    layers = _dense_layers(net)
    fp = forward(net, x)
    k = net.n_outputs
    y = check_finite_array(y, "y")
    if y.size == 1 and y.ndim <= 1:  # one number: the target, or (k > 1) a class label
        y = y.reshape(1)
    elif y.shape in ((k,), (1, k)):  # the k targets of the example
        y = y.reshape(1, k)
    else:
        label = f", or one class label 0..{k - 1}" if k > 1 else ""
        raise ValueError(f"y must be the example's {k} target(s), shape ({k},){label}; got "
                         f"shape {y.shape}")
    y = net.prepare_targets(y, 1, "y")[0].tolist()
    # dout_k = dE/dout_k of the output layer (the loss's settings: delta, label_smoothing)
    E, dout = _loss(net.loss.name, fp.out[-1], y, **net.loss.params)
    L = len(layers)
    delta: list[Vector] = [[] for _ in range(L)]
    for l in range(L - 1, -1, -1):
        layer = layers[l]
        if l < L - 1:  # hidden layer: dE/dout_j = sum_k w_jk delta_k (k: units of layer l+1)
            W_up = layers[l + 1].W.tolist()
            dout = [
                sum(W_up[j][k] * delta[l + 1][k] for k in range(layers[l + 1].n_out))
                for j in range(layer.n_out)
            ]
        delta[l] = _deltas(layer, fp.net[l], fp.out[l], dout)
    inputs = [fp.x, *fp.out[:-1]]  # a_i: what each layer receives
    dW = [[[a_i * d_j for d_j in delta[l]] for a_i in inputs[l]] for l in range(L)]
    db = [list(delta[l]) if layers[l].b is not None else None for l in range(L)]
    return BackwardPass(fp, E, delta, dW, db)


def loss_and_grad(net: Network, X: object, Y: object) -> tuple[float, np.ndarray]:
    """Cost and gradient of a batch: accumulate over examples, average, add weight decay.

    Parameters
    ----------
    net : Network of Dense layers
    X : array-like of shape (n_samples, n_inputs)
    Y : array-like of shape (n_samples, n_outputs)
        Or 1-D: integer class labels (several outputs) or targets (one output).

    Returns
    -------
    J : float
        Mean loss plus weight decay.
    grad : ndarray of shape (n_params,), float64
        In the order of ``net.params``: each layer's ``W`` row by row, then ``b``.
    """
    layers = _dense_layers(net)
    X = check_data(X, net.n_inputs, np.float64)
    Y = net.prepare_targets(Y, X.shape[0])
    m = X.shape[0]
    total_E = 0.0
    Delta_W = [[[0.0] * layer.n_out for _ in range(layer.n_in)] for layer in layers]
    Delta_b = [[0.0] * layer.n_out for layer in layers]
    for x, y in zip(X, Y, strict=True):
        bp = backprop(net, x, y)
        total_E += bp.loss
        for l, layer in enumerate(layers):
            for j in range(layer.n_out):
                for i in range(layer.n_in):
                    Delta_W[l][i][j] += bp.dW[l][i][j]
                Delta_b[l][j] += bp.delta[l][j]

    lam = net.weight_decay
    c = lam / m if net.decay == "per_sample" else lam  # "ufldl": lambda, "per_sample": lambda/m
    J = total_E / m
    grad = []
    for l, layer in enumerate(layers):
        W = layer.W.tolist()
        for i in range(layer.n_in):
            for j in range(layer.n_out):
                J += 0.5 * c * W[i][j] ** 2
                grad.append(Delta_W[l][i][j] / m + c * W[i][j])
        if layer.b is not None:  # biases are never decayed
            grad.extend(Delta_b[l][j] / m for j in range(layer.n_out))
    return J, np.array(grad, dtype=np.float64)


def train_step(net: Network, X: object, Y: object, lr: float) -> tuple[float, np.ndarray]:
    """One batch gradient-descent update ``w <- w - lr * grad`` with the reference gradient.

    Parameters
    ----------
    net : Network of Dense layers
        Updated in place (through ``net.set_params``).
    X, Y : as in :func:`loss_and_grad`
    lr : float > 0
        Learning rate.

    Returns
    -------
    J, grad : as in :func:`loss_and_grad`, *before* the update.
    """
    lr = check_positive_float(lr, "lr")
    J, grad = loss_and_grad(net, X, Y)
    new = [w - lr * g for w, g in zip(net.params.tolist(), grad.tolist(), strict=True)]
    net.set_params(new)
    return J, grad
