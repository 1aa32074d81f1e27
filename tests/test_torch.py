"""The same networks in PyTorch (float64, autograd): cost and full flat gradient agree.

Skipped when torch is not installed.  Weights are copied into ``torch.nn.Linear``,
whose weight has the (out, in) orientation, i.e. chainrule's ``W.T``; torch's gradients
are copied back through the layers' ``W``/``b`` setters of a network copy, so the flat
vector order is the network's own.
"""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from chainrule import Dense, Network  # noqa: E402
from chainrule.activations import LEAKY_SLOPE  # noqa: E402

RTOL = 1e-10

TORCH_ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "leaky_relu": lambda z: F.leaky_relu(z, LEAKY_SLOPE),
    "softplus": F.softplus,
    "exp": torch.exp,
    "square": lambda z: z * z,
    "softmax": lambda z: torch.softmax(z, dim=1),
}


def torch_loss(name: str, output: str, z, a, y, labels):
    """Per-example losses averaged over the batch, written with torch's own primitives."""
    if name == "squared_error":  # 1/2 ||a - y||^2 per example
        return (0.5 * ((a - y) ** 2).sum(dim=1)).mean()
    if name == "mean_squared_error":  # mean over outputs, then over the batch
        return F.mse_loss(a, y)
    if name == "log_loss":
        if output == "sigmoid":  # summed over the outputs, averaged over the batch
            return F.binary_cross_entropy_with_logits(z, y, reduction="none").sum(dim=1).mean()
        return -(y * torch.log(a) + (1 - y) * torch.log(1 - a)).sum(dim=1).mean()
    if name == "poisson":  # half the Poisson deviance: torch's NLL plus its constant y log y - y
        nll = (F.poisson_nll_loss(z, y, log_input=True, reduction="none") if output == "exp"
               else F.poisson_nll_loss(a, y, log_input=False, eps=0.0, reduction="none"))
        return (nll + torch.xlogy(y, y) - y).sum(dim=1).mean()
    assert name == "cross_entropy"
    if output == "softmax":
        return F.cross_entropy(z, labels if labels is not None else y)
    return -(y * torch.log(a)).sum(dim=1).mean()


def build(sizes, acts, loss, weight_decay, decay, seed):
    rng = np.random.default_rng(seed)
    layers = []
    for fan_in, fan_out, act in zip(sizes[:-1], sizes[1:], acts, strict=True):
        layer = Dense(fan_in, fan_out, act, init=rng.normal(0, 0.8, (fan_in, fan_out)))
        layer.b = rng.normal(0, 0.5, fan_out)
        layers.append(layer)
    return Network(layers, loss=loss, weight_decay=weight_decay, decay=decay)


def torch_cost_and_grad(net: Network, X, Y, labels, weight_decay, decay):
    linears = []
    for layer in net.layers:
        lin = torch.nn.Linear(layer.n_in, layer.n_out, dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))  # (out, in)
            lin.bias.copy_(torch.from_numpy(layer.b.copy()))
        linears.append(lin)
    a = torch.from_numpy(X)
    z = None
    for lin, layer in zip(linears, net.layers, strict=True):
        z = lin(a)
        a = TORCH_ACTIVATIONS[layer.activation.name](z)
    y = torch.from_numpy(Y)
    lab = None if labels is None else torch.from_numpy(labels).long()
    J = torch_loss(net.loss.name, net.layers[-1].activation.name, z, a, y, lab)
    if weight_decay:
        m = X.shape[0]
        c = weight_decay / (m if decay == "per_sample" else 1)
        J = J + 0.5 * c * sum((lin.weight**2).sum() for lin in linears)  # never the biases
    J.backward()
    holder = net.copy()
    for lin, layer in zip(linears, holder.layers, strict=True):
        layer.W = lin.weight.grad.numpy().T  # back to (fan_in, fan_out)
        layer.b = lin.bias.grad.numpy()
    return float(J.detach()), holder.params.copy()


def make_targets(kind, rng, m, k):
    """(targets for chainrule, targets for torch as float, integer labels or None)."""
    if kind == "labels":
        labels = rng.integers(0, k, size=m)
        return labels, np.eye(k)[labels], labels
    if kind == "prob":
        Y = rng.dirichlet(np.ones(k), size=m)
    elif kind == "binary":
        Y = rng.integers(0, 2, size=(m, k)).astype(float)
    elif kind == "unit":
        Y = rng.uniform(size=(m, k))
    elif kind == "count":
        Y = rng.poisson(2.0, size=(m, k)).astype(float)
    else:
        Y = rng.normal(size=(m, k))
    return Y, Y, None


CASES = [
    # (hidden activations, output, loss, targets, weight_decay, decay)
    (["tanh", "tanh"], "softmax", "cross_entropy", "labels", 0.0, "ufldl"),
    (["relu"], "softmax", "cross_entropy", "prob", 0.0, "ufldl"),
    (["tanh"], "softmax", "cross_entropy", "labels", 0.3, "per_sample"),
    (["sigmoid", "sigmoid"], "sigmoid", "log_loss", "binary", 0.0, "ufldl"),
    (["sigmoid"], "sigmoid", "log_loss", "unit", 0.3, "ufldl"),
    ([], "sigmoid", "log_loss", "binary", 0.1, "per_sample"),  # a single layer of neurons
    (["tanh"], "softmax", "log_loss", "labels", 0.0, "ufldl"),
    (["softplus"], "identity", "squared_error", "real", 0.0, "ufldl"),
    (["relu", "relu", "relu"], "identity", "squared_error", "real", 0.2, "per_sample"),
    (["tanh"], "sigmoid", "squared_error", "unit", 0.1, "ufldl"),
    (["sigmoid"], "softmax", "squared_error", "prob", 0.0, "ufldl"),
    (["leaky_relu"], "identity", "mean_squared_error", "real", 0.0, "ufldl"),
    (["square"], "tanh", "mean_squared_error", "real", 0.05, "per_sample"),
    (["identity", "tanh"], "softplus", "mean_squared_error", "real", 0.4, "ufldl"),
    (["identity"], "sigmoid", "cross_entropy", "prob", 0.0, "ufldl"),
    (["softplus"], "softplus", "cross_entropy", "prob", 0.1, "per_sample"),
    (["tanh"], "exp", "poisson", "count", 0.0, "ufldl"),
    (["sigmoid"], "softplus", "poisson", "count", 0.2, "per_sample"),
]


@pytest.mark.parametrize("m", [1, 7])
@pytest.mark.parametrize(
    ("hidden", "output", "loss", "kind", "weight_decay", "decay"),
    CASES,
    ids=[f"{'-'.join(c[0]) or 'none'}-{c[1]}-{c[2]}-{c[3]}-{c[4]}-{c[5]}" for c in CASES],
)
def test_cost_and_gradient_match_torch(hidden, output, loss, kind, weight_decay, decay, m):
    seed = len(hidden) * 100 + len(loss) * 10 + m + int(weight_decay * 10)
    n_in, k = 4, 3
    sizes = [n_in, *[5, 4, 3][: len(hidden)], k]
    net = build(sizes, [*hidden, output], loss, weight_decay, decay, seed)
    rng = np.random.default_rng(seed + 1)
    X = rng.normal(size=(m, n_in))
    Y_net, Y_torch, labels = make_targets(kind, rng, m, k)
    if kind == "labels" and m == 1:
        Y_net = Y_torch  # a 1-D label vector needs k == 1 or m > 1; use the one-hot row

    J, grad = net.loss_and_grad(X, Y_net)
    J_t, grad_t = torch_cost_and_grad(net, X, Y_torch, labels, weight_decay, decay)

    assert J == pytest.approx(J_t, rel=RTOL)
    assert np.linalg.norm(grad - grad_t) <= RTOL * np.linalg.norm(grad_t)
    np.testing.assert_allclose(grad, grad_t, rtol=RTOL, atol=RTOL * np.abs(grad_t).max())


def test_flat_layout_is_w_then_b_per_layer():
    """The holder-based mapping above agrees with the documented flat order (W, b per layer)."""
    net = build([3, 4, 2], ["tanh", "softmax"], "cross_entropy", 0.1, "ufldl", seed=1)
    rng = np.random.default_rng(2)
    X, labels = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    _, grad_t = torch_cost_and_grad(net, X, np.eye(2)[labels], labels, 0.1, "ufldl")
    _, grad = net.loss_and_grad(X, labels)
    parts, off = [], 0
    for layer in net.layers:
        nW, nb = layer.n_in * layer.n_out, layer.n_out
        parts.append((grad[off : off + nW].reshape(layer.n_in, layer.n_out), grad[off + nW :][:nb]))
        off += nW + nb
    assert off == net.n_params
    holder = net.copy()
    holder.set_params(grad_t)
    for (gW, gb), layer in zip(parts, holder.layers, strict=True):
        np.testing.assert_allclose(gW, layer.W, rtol=RTOL, atol=1e-14)
        np.testing.assert_allclose(gb, layer.b, rtol=RTOL, atol=1e-14)
