"""PyTorch twins of chainrule networks and optimizers, for the parity tests (torch is an
optional reference: the callers skip without it)."""

from __future__ import annotations

import numpy as np


def torch_twin(torch, net):
    """A ``torch.nn.Sequential`` of Linear layers with Tanh between them holding the weights
    of ``net``, a chainrule network of Dense layers with tanh hidden units (torch's weight is
    our ``W.T``: (out, in)), in ``net``'s dtype."""
    tdtype = torch.float64 if net.dtype == np.float64 else torch.float32
    modules = []
    for i, layer in enumerate(net.layers):
        lin = torch.nn.Linear(*layer.W.shape, dtype=tdtype)
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
            lin.bias.copy_(torch.from_numpy(layer.b.copy()))
        modules += [lin] if i == len(net.layers) - 1 else [lin, torch.nn.Tanh()]
    return torch.nn.Sequential(*modules)


def steps_match_torch(torch, ours, make_theirs, w0, grads, tol):
    """Step our optimizer ``ours`` on the flat vector ``w0`` and torch's (``make_theirs``
    of a list of one Parameter) with the same ``grads`` (shape (n_steps, size)); assert the
    weights agree after the first and the 50th step; return ours at the end."""
    p = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    theirs = make_theirs([p])
    w = w0.copy()
    for i, g in enumerate(grads):
        p.grad = torch.from_numpy(g.copy())
        theirs.step()
        ours.step(w, g.copy())
        if i in (0, 49):
            np.testing.assert_allclose(w, p.detach().numpy(), rtol=tol, atol=tol * 1e-2)
    assert w.dtype == w0.dtype
    return w


def _linears(model):
    return [m for m in model if hasattr(m, "weight")]


def decay_groups(model, wd):
    """torch parameter groups of ``model``'s Linear layers: the weights decayed by ``wd``,
    the biases not (as chainrule's training loop decays weights only)."""
    lins = _linears(model)
    return [{"params": [lin.weight for lin in lins], "weight_decay": wd},
            {"params": [lin.bias for lin in lins], "weight_decay": 0.0}]


def torch_run(torch, model, opt, X, Y, epochs, batch_size, per_epoch=None, per_step=None):
    """Train ``model`` with ``opt`` on half the squared error, mean over the rows of each
    batch of ``batch_size`` in order, for ``epochs`` epochs (a ``per_step`` scheduler
    stepped after each batch, a ``per_epoch`` one after each epoch); return its parameters
    as chainrule's flat vector (each layer's W of shape (in, out) row by row, then b)."""
    dt = _linears(model)[0].weight.dtype
    Xt, Yt = torch.from_numpy(X).to(dt), torch.from_numpy(Y).to(dt)
    for _ in range(epochs):
        for s in range(0, len(X), batch_size):
            cost = 0.5 * ((model(Xt[s:s + batch_size]) - Yt[s:s + batch_size]) ** 2).sum(1)
            opt.zero_grad()
            cost.mean().backward()
            opt.step()
            if per_step is not None:
                per_step.step()
        if per_epoch is not None:
            per_epoch.step()
    return np.concatenate([np.concatenate([lin.weight.detach().numpy().T.ravel(),
                                           lin.bias.detach().numpy()])
                           for lin in _linears(model)])


def l2_epoch(torch, net, w0, X, y, make_opt, batch_size, alpha):
    """One epoch of the torch.optim rule ``make_opt(model)`` (given the twin of ``net``
    holding ``w0``) on the batches of ``batch_size`` rows in order, loss ``mean_i (a_i -
    y_i)^2 / 2 + alpha / (2 m) sum W^2`` (scikit-learn's L2 term, m the batch's rows);
    return the parameters as chainrule's flat vector."""
    net = net.copy()
    net.params[...] = w0
    model = torch_twin(torch, net)
    lins = _linears(model)
    opt = make_opt(model)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(y[:, None])
    for s in range(0, len(X), batch_size):
        a, t = model(Xt[s:s + batch_size]), Yt[s:s + batch_size]
        cost = (0.5 * ((a - t) ** 2).sum(1)).mean() + alpha / (2 * len(t)) * sum(
            (lin.weight ** 2).sum() for lin in lins)
        opt.zero_grad()
        cost.backward()
        opt.step()
    return np.concatenate([np.concatenate([lin.weight.detach().numpy().T.ravel(),
                                           lin.bias.detach().numpy()]) for lin in lins])
