"""The numbers of one gradient-descent step on a mini-batch of ``m`` examples.

SPEC section 4: ``J = (1/m) sum_i E_i + decay``, the decay ``(lambda/2) sum W^2``
("ufldl") or ``(1/m)(lambda/2) sum W^2`` ("per_sample"), biases never decayed.
:func:`compute_batch_step` keeps each example's own step (its forward values,
``dE_i/d(out)``, deltas and gradient ``dE_i/dW``, from :func:`.compute_step`
on that example alone, without the decay), and the engine's batch pass on all
``m`` rows together: its ``J`` and its gradient, which the update uses.  The
batch gradient is the mean of the examples' gradients plus the decay's
gradient, ``lambda W`` or ``(lambda/m) W``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .._validation import check_finite_array, check_positive_float
from ..network import Network
from ._frozen import layer_frozen, sgd_update
from ._sparsity import check_sparsity, delta_term, kl_divergence, sparse_examples
from .compute import StepTrace, compute_step

__all__ = ["BatchLayer", "BatchStepTrace", "compute_batch_step"]


@dataclass(frozen=True, eq=False)
class BatchLayer:
    """One Dense layer's parameters during a mini-batch step (chainrule's orientation).

    Attributes
    ----------
    activation : str
    W, W_new : ndarray of shape (fan_in, fan_out)
        Weights before and after the update.
    b, b_new : ndarray of shape (fan_out,) or None
    dW_mean : ndarray of shape (fan_in, fan_out)
        ``(1/m) sum_i dE_i/dW``: the mean of the examples' gradients.
    db_mean : ndarray of shape (fan_out,) or None
    dW : ndarray of shape (fan_in, fan_out)
        ``dJ/dW`` of the batch as the engine computes it: the mean plus the
        decay's gradient.
    db : ndarray of shape (fan_out,) or None
        ``dJ/db``, the mean of the examples' (biases are not decayed).
    frozen : frozenset of str, default frozenset()
        The parameters ("W", "b") the step keeps, as training does (the layer's
        ``trainable = False`` or ``frozen``): new value = old, gradient still shown.
    """

    activation: str
    W: np.ndarray
    b: np.ndarray | None
    dW_mean: np.ndarray
    db_mean: np.ndarray | None
    dW: np.ndarray
    db: np.ndarray | None
    W_new: np.ndarray
    b_new: np.ndarray | None
    frozen: frozenset[str] = frozenset()

    @property
    def n_out(self) -> int:
        """The layer's units (fan_out)."""
        return self.W.shape[1]


@dataclass(frozen=True, eq=False)
class BatchStepTrace:
    """One gradient-descent step of a network on ``m`` examples.

    Attributes
    ----------
    examples : list of StepTrace
        Each example's own step, computed on it alone without weight decay: its
        ``x``, ``y`` (as the loss sees it), forward values, deltas
        ``dE_i/d(net)`` and gradients ``dE_i/dW`` (its ``cost`` is its ``E_i``;
        its own update is not the batch's, which :attr:`layers` holds).
    layers : list of BatchLayer
        Input side first.
    lr : float
    loss : str
    weight_decay : float
    decay : {"ufldl", "per_sample"}
    cost : float
        ``J`` of the batch before the update, as the engine computed it.
    cost_new : float
        ``J`` after the update.
    outputs_new : ndarray of shape (m, n_outputs)
        The outputs for the examples after the update.
    network_after : Network
        A float64 copy holding the updated parameters.
    dtype : str, default "float64"
        The dtype of the network traced (the step is computed in float64).
    loss_params : dict of str to float
    rho, beta : float or None
        The sparse autoencoder's penalty ``beta * sum_j KL(rho || rho_hat_j)`` on the
        hidden layer, included in :attr:`cost`, :attr:`cost_new` and the gradient, its
        row ``beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat))`` in each example's
        hidden ``dE_da``, delta and gradient; None: no penalty.
    """

    examples: list[StepTrace]
    layers: list[BatchLayer]
    lr: float
    loss: str
    weight_decay: float
    decay: str
    cost: float
    cost_new: float
    outputs_new: np.ndarray
    network_after: Network
    dtype: str = "float64"
    loss_params: dict[str, float] = field(default_factory=dict)
    rho: float | None = None
    beta: float | None = None

    @property
    def rho_hat(self) -> np.ndarray:
        """The hidden units' mean activations ``(1/m) sum_i a_ij``, shape (n_hidden,)."""
        return np.mean([e.layers[0].a for e in self.examples], axis=0)

    @property
    def kl(self) -> np.ndarray:
        """``KL(rho || rho_hat_j)`` of each hidden unit, shape (n_hidden,) (with a penalty)."""
        return kl_divergence(self.rho, self.rho_hat)

    @property
    def sparsity_penalty(self) -> float:
        """``beta * sum_j KL(rho || rho_hat_j)``; 0 without a penalty."""
        return 0.0 if self.rho is None else self.beta * float(np.sum(self.kl))

    @property
    def sparsity_delta(self) -> np.ndarray:
        """``beta (-rho / rho_hat + (1 - rho) / (1 - rho_hat))``, shape (n_hidden,)."""
        return delta_term(self.rho, self.beta, self.rho_hat)

    @property
    def m(self) -> int:
        """The number of examples."""
        return len(self.examples)

    @property
    def X(self) -> np.ndarray:
        """The examples, shape (m, n_inputs)."""
        return np.stack([e.x for e in self.examples])

    @property
    def Y(self) -> np.ndarray:
        """Their targets as the loss sees them, shape (m, n_outputs)."""
        return np.stack([e.y for e in self.examples])

    @property
    def outputs(self) -> np.ndarray:
        """The outputs before the update, shape (m, n_outputs)."""
        return np.stack([e.output for e in self.examples])

    @property
    def example_losses(self) -> np.ndarray:
        """Each example's loss ``E_i``, shape (m,)."""
        return np.array([e.example_loss for e in self.examples])

    @property
    def mean_loss(self) -> float:
        """``(1/m) sum_i E_i``."""
        return float(np.mean(self.example_losses))

    @property
    def decay_scale(self) -> float:
        """The ``c`` of the decay ``(c/2) sum W^2``: lambda, or lambda/m ("per_sample")."""
        return self.weight_decay / (self.m if self.decay == "per_sample" else 1)

    @property
    def decay_term(self) -> float:
        """``(c/2) sum W^2`` of the weights before the update (see :attr:`decay_scale`)."""
        return 0.5 * self.decay_scale * sum(float(np.sum(ls.W * ls.W)) for ls in self.layers)


def _rows(value: object, name: str) -> np.ndarray:
    arr = check_finite_array(value, name)
    if arr.ndim != 2:
        raise ValueError(f"{name}: a mini-batch trace takes one row per example, shape "
                         f"(m, n), got shape {arr.shape}")
    return arr


def compute_batch_step(net: Network, x: object, y: object, lr: float = 1.0, *,
                       rho: float | None = None, beta: float | None = None) -> BatchStepTrace:
    """Run one gradient-descent step on ``m`` examples, keeping every number.

    Parameters
    ----------
    net : Network
        Dense layers only, with differentiable activations (not changed).
    x : array-like of shape (m, n_inputs)
    y : array-like of shape (m, n_outputs), or (m,) class labels / targets
    lr : float, default 1.0
    rho : float in (0, 1), optional
        The sparse autoencoder's target average activation: the cost gets
        ``beta * sum_j KL(rho || rho_hat_j)`` on the hidden layer of a network with one
        hidden layer (sigmoid), computed as
        :meth:`chainrule.autoencoder.SparseAutoencoder.cost` computes it. None: no
        penalty.
    beta : float >= 0, optional
        The penalty's weight (with ``rho``; default 3.0, as SparseAutoencoder's).

    Returns
    -------
    BatchStepTrace

    Raises
    ------
    ValueError
        As :func:`.compute_step`, naming the example; or if ``x`` and ``y``
        do not hold the same number of rows.
    TypeError
        If ``net`` is not a :class:`Network`.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a chainrule Network, got {type(net).__name__}")
    lr = check_positive_float(lr, "lr")
    X = _rows(x, "x")
    m = X.shape[0]
    Yraw = check_finite_array(y, "y")
    if Yraw.ndim == 0 or Yraw.shape[0] != m:
        raise ValueError(f"y: one target (row or class label) per example, {m} for the {m} "
                         f"rows of x, got shape {Yraw.shape}")
    if rho is None and beta is not None:
        raise ValueError("beta: the weight of the sparsity penalty goes with rho, its target "
                         "average activation; got beta without rho")
    if rho is not None:
        rho, beta = check_sparsity(rho, 3.0 if beta is None else beta, len(net.layers), m)
    work = net.astype(np.float64)  # a copy
    Y = work.prepare_targets(Yraw, m, "y")  # labels become one-hot rows, checked here
    plain = net.astype(np.float64)
    plain.weight_decay = 0.0  # each example's own gradient dE_i/dW, without the decay
    examples = []
    for i in range(m):
        try:
            examples.append(compute_step(plain, X[i], Y[i], lr))
        except ValueError as exc:
            raise ValueError(f"example {i + 1} of {m}: {exc}") from None
    if rho is not None:  # the sparsity row in each example's hidden dE_i/da and delta
        examples = sparse_examples(examples, rho, beta)
    Ys = np.stack([e.y for e in examples])  # label smoothing applied, as the plain loss sees
    smoothed_loss = work.loss
    if "label_smoothing" in smoothed_loss.params:
        from ..losses import LOSSES

        work.loss = LOSSES[smoothed_loss.name]
    before = [(layer.W.copy(), None if layer.b is None else layer.b.copy())
              for layer in work.layers]
    with np.errstate(over="ignore", invalid="ignore"):
        cost, grad = work.loss_and_grad(X, Ys) if rho is None else _sparse_cost(
            work, X, Ys, rho, beta)
        theta_new = sgd_update(work, grad, lr)  # frozen parameters kept (gradients shown)
    if not np.isfinite(cost) or not np.all(np.isfinite(theta_new)):
        raise ValueError(f"lr: the batch step overflows float64 (cost {cost:g}) with lr = "
                         f"{lr:g}; expected a smaller learning rate (or smaller weights, "
                         "inputs and targets)")
    grads = [(layer.dW.copy(), None if layer.db is None else layer.db.copy())
             for layer in work.layers]
    work.set_params(theta_new)
    with np.errstate(over="ignore", invalid="ignore"):
        cost_new = work.loss_value(X, Ys) if rho is None else _sparse_cost(
            work, X, Ys, rho, beta)[0]
        outputs_new = work.forward(X).copy()
    if not np.isfinite(cost_new) or not np.all(np.isfinite(outputs_new)):
        raise ValueError(f"lr: after the update with lr = {lr:g} the forward pass overflows "
                         "float64; expected a smaller learning rate")
    layers = []
    for k, layer in enumerate(work.layers):
        (W, b), (dW, db) = before[k], grads[k]
        dW_mean = np.mean([e.layers[k].dW for e in examples], axis=0)
        db_mean = None if b is None else np.mean([e.layers[k].db for e in examples], axis=0)
        layers.append(BatchLayer(
            activation=examples[0].layers[k].activation, W=W, b=b, dW_mean=dW_mean,
            db_mean=db_mean, dW=dW, db=db, W_new=layer.W.copy(),
            b_new=None if layer.b is None else layer.b.copy(), frozen=layer_frozen(layer)))
    work.loss = smoothed_loss
    return BatchStepTrace(
        examples=examples, layers=layers, lr=lr, loss=work.loss.name,
        weight_decay=work.weight_decay, decay=work.decay, cost=float(cost),
        cost_new=float(cost_new), outputs_new=outputs_new, network_after=work,
        dtype=str(np.dtype(net.dtype)), loss_params=dict(work.loss.params), rho=rho,
        beta=beta)


def _sparse_cost(net: Network, X: np.ndarray, Y: np.ndarray, rho: float,
                 beta: float) -> tuple[float, np.ndarray]:
    """``(J, grad)`` with the KL penalty on the hidden layer, by the sparse autoencoder's
    own cost (:func:`chainrule.autoencoder.penalized_cost`)."""
    from ..autoencoder import KLSparsity, penalized_cost

    cost, grad = penalized_cost(net, X, Y, {0: KLSparsity(rho, beta)})
    return cost, grad.copy()
