"""The cost and gradient of one mini-batch of a plain Dense stack, as straight-line code.

While a network trains, :meth:`Network._loss_and_grad
<chainrule._network_cost._CostAndGradient._loss_and_grad>` goes through each layer's
``forward`` and ``backward``, which are general: they check their arguments, find
the batch's buffers by name, shape and dtype in the layer's workspace (a dict
look-up per buffer), and choose between sparse input, products in index order,
the bias folded into the product and the activations' variants.  For a network
of Dense layers only (ReLU or another built-in hidden activation, a softmax
output trained with cross-entropy on one-hot targets, the usual classifier) the
training loop knows all those answers once per call.  :class:`_DenseStep` is that
case's forward and backward pass written out: the buffers of a batch size are
looked up once (the layers' own, from the same workspace) and kept in a list per
batch size, and each step makes the same NumPy calls on the same buffers in the
same order as the general path, so the cost and the gradient are the same to the
bit (``tests/test_perf31_dense_step.py``).  What this leaves out was 10 to 14 % of
a digits epoch (64-100-10 float32, batch 64, SGD momentum; README "Performance").

Anything else (another layer, a sample weight, a sparse or other-dtype batch,
products in index order, ``_loss_and_grad`` replaced on the network) takes the
general path.  A loss or an activation assigned during the run (a callback's) is read
again at the next step, as the general path's layers read theirs at each pass
(``_network_settings.VERSION`` moved: one comparison per step).
"""

from __future__ import annotations

import numpy as np

from . import _network_settings as _settings
from ._activations_inplace import _DELTA_INTO, _DELTA_OVER_GRAD, _FORWARD_INTO, _softmax_lse_into
from ._network_cost import _CostAndGradient
from .layers import Dense

_BOOL = np.dtype(bool)


class _DenseStep:
    """``(J, grad)`` of one mini-batch of a plain Dense stack (see the module); build it with
    :meth:`for_run`, which says None where the network is not one."""

    #: Whether the training loop uses this path where it can (a switch the tests turn off
    #: to compare with the general path).
    enabled = True

    def __init__(self, net: object) -> None:
        self.net = net
        self.layers = net.layers
        self.acts: list | None = None
        self.sizes: dict[int, list[dict]] = {}  # the buffers of each batch size (rows)
        self._read()

    def _read(self) -> None:
        """Read the loss's path and the hidden layers' activations, as they are now: at the
        start, and again at a step after one was assigned (a callback's ``activation =
        "tanh"`` mid-run, which the general path's layers read at each pass); ``acts``
        None where the network no longer takes this path."""
        self.version = _settings.VERSION
        net = self.net
        if not self._fits(net):
            self.acts = None
            return
        path = net._logit_path()
        self.value, self.delta = path._value_lse_one_hot, path._delta_one_hot
        # each hidden layer's in-place activation and its derivative, as Dense uses them
        acts = [(_FORWARD_INTO[layer.activation.name], _DELTA_INTO[layer.activation.name],
                 layer.activation.name in _DELTA_OVER_GRAD) for layer in self.layers[:-1]]
        if acts != self.acts:  # (which layers keep a delta buffer follows them)
            self.sizes.clear()
        self.acts = acts

    @classmethod
    def for_run(cls, net: object, one_hot: bool, sparse: bool,
                ordered: bool) -> _DenseStep | None:
        """The step of a call of fit on ``net`` (targets exactly ``one_hot``, inputs
        ``sparse`` or not, products in index order or not), or None where the general
        path must run: a layer other than Dense, a hidden activation with no in-place
        twin, an output other than softmax with cross-entropy, a network whose
        ``_loss_and_grad`` is not the library's own."""
        layers = net.layers
        if (not cls.enabled or not one_hot or sparse or ordered or not layers
                or "_loss_and_grad" in net.__dict__
                or type(net)._loss_and_grad is not _CostAndGradient._loss_and_grad
                or any(type(layer) is not Dense for layer in layers)):
            return None
        return cls(net) if cls._fits(net) else None

    @staticmethod
    def _fits(net: object) -> bool:
        """Whether the loss and the activations of ``net``'s Dense layers are this path's."""
        layers = net.layers
        out = layers[-1]
        path = net._logit_path()
        if (path is None or path._delta_one_hot is None or path._value_lse_one_hot is None
                or not out.activation.builtin or out.activation.name != "softmax"):
            return False
        for layer in layers[:-1]:
            act = layer.activation
            if not (act.builtin and act.name in _FORWARD_INTO and act.name in _DELTA_INTO
                    and act.name != "softmax"):
                return False
        return True

    def _buffers(self, m: int) -> list[dict]:
        """The buffers of a batch of ``m`` rows, per layer: the layers' own (the same names,
        shapes and dtypes as their ``forward`` and ``backward`` use), from the workspace
        the loop is in, looked up once per batch size instead of at every step."""
        dtype = self.net.dtype
        kept = []
        for i, layer in enumerate(self.layers):
            shape = (m, layer.n_out)
            hidden = i < len(self.layers) - 1
            kept.append({
                "Z": layer._buffer("Z", shape, dtype), "A": layer._buffer("A", shape, dtype),
                # the output's delta (a - y); a hidden layer's where its derivative cannot
                # be written over the input gradient of the layer above (see Dense.backward)
                "delta": (None if hidden and self.acts[i][2]
                          else layer._buffer("delta", shape, dtype)),
                "mask": layer._buffer("mask", shape, _BOOL) if hidden else None,
                "dX": layer._buffer("dX", (m, layer.n_in), dtype) if i else None,
                "ones": layer._constant("ones", (m,), dtype, 1),  # db = ones @ delta
            })
        self.sizes[m] = kept
        return kept

    def __call__(self, X: np.ndarray, Y: np.ndarray,
                 sample_weight: np.ndarray | None) -> tuple[float, np.ndarray]:
        """The batch's cost ``J`` and the network's gradient vector (its own, filled), as
        ``net._loss_and_grad(X, Y, True, sample_weight, True)`` gives them, to the bit.

        Parameters
        ----------
        X : ndarray of shape (m, n_inputs)
        Y : ndarray of shape (m, n_outputs), exact one-hot rows
        sample_weight : ndarray of shape (m,) or None (then the general path)
        """
        net = self.net
        if self.version != _settings.VERSION:  # a loss or an activation assigned since
            self._read()
        if (self.acts is None or sample_weight is not None or type(X) is not np.ndarray
                or net.layers is not self.layers  # (layers replaced since the call began)
                or X.dtype != net.dtype or Y.dtype != net.dtype):
            return net._loss_and_grad(X, Y, True, sample_weight, True)
        m = X.shape[0]
        work = self.sizes.get(m) or self._buffers(m)
        layers = self.layers
        last = len(layers) - 1
        # forward: Z = A_prev @ W + b and A = f(Z), into the batch size's buffers; the layers
        # keep X, Z, A as their forward would (the accuracy reads the output's A)
        A = X
        for i, layer in enumerate(layers):
            buf = work[i]
            layer.X = A
            Z = np.matmul(A, layer._W, out=buf["Z"])
            if layer._b is not None:
                Z += layer._b
            layer.Z = Z
            if i < last:  # (no log-sum-exp: None, as Dense.forward leaves it)
                A = layer.A = self.acts[i][0](Z, buf["A"])
                layer._lse = None
            else:  # softmax, with its rows' log-sum-exp for the cross-entropy (one exp)
                A, lse = _softmax_lse_into(Z, buf["A"])
                layer.A, layer._lse = A, lse
        # the cost: the mean of the examples' cross-entropies, plus the weight decay's term
        out = layers[last]
        terms = self.value(out.Z, Y, lse)
        net._last_decay = term = net._decay_term(m)
        J = float(np.add.reduce(terms) / m) + term
        # backward: the output's delta dJ/dZ = (a - y) / m, then for each layer from the
        # top: dW = X.T @ delta, db = ones @ delta, and (but for the first) dJ/dX =
        # delta @ W.T, which the layer below turns into its delta with its derivative
        delta = self.delta(out.Z, A, Y, work[last]["delta"])
        delta /= m
        for i in range(last, -1, -1):
            layer, buf = layers[i], work[i]
            layer.delta = delta
            np.matmul(layer.X.T, delta, out=layer.dW)
            if layer.db is not None:
                np.matmul(buf["ones"], delta, out=layer.db)
            if i:  # the layer below's delta dJ/dZ = dJ/dA * f'(Z), from dJ/dA = delta @ W.T,
                # written over dJ/dA where the derivative allows it (ReLU: times its mask)
                grad_in = np.matmul(delta, layer._W.T, out=buf["dX"])
                below, (_, into, over) = work[i - 1], self.acts[i - 1]
                delta = into(layers[i - 1].Z, layers[i - 1].A, grad_in,
                             grad_in if over else below["delta"], below["mask"])
        if net.weight_decay:
            net._add_decay_grad(m)
        net._grad_computed = True
        return J, net._grad
