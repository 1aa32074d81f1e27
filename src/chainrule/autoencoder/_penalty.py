"""The KL sparsity penalty and the cost of a Dense network with activity penalties."""

from __future__ import annotations

import numbers
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from .._symmetry import ordered_matmul, ordered_row_sum
from .._validation import (
    check_nonneg_float,
)
from ..batchnorm import BatchNorm
from ..dropout import Dropout
from ..network import Network


@dataclass(frozen=True)
class KLSparsity:
    """``beta * sum_j KL(rho || rho_hat_j)`` on a layer's activations (SPEC 9).

    Parameters
    ----------
    rho : float in (0, 1)
        Target mean activation of every unit.
    beta : float >= 0
        Weight of the penalty.

    Both are kept as Python floats (a NumPy ``float32`` given is converted), so
    the penalty is computed in float64 whatever type they were given in.

    Notes
    -----
    ``rho_hat_j`` is the mean of unit ``j``'s activations over the ``m`` examples:
    sparsity asks each unit to be active on few examples (about a fraction
    ``rho``), not weakly active on all, so the penalty constrains the average and
    leaves one example free to turn a unit fully on.  That mean couples the
    examples: ``d rho_hat_j / d a_ij = 1/m`` for every example ``i``, so
    ``dPenalty/da_ij = beta (-rho / rho_hat_j + (1 - rho) / (1 - rho_hat_j)) / m``
    is the same row for all of them (:meth:`grad`), and ``rho_hat`` needs a
    forward pass over the whole batch before any example's delta can be
    formed.  The autoencoders train on the whole data at once (L-BFGS), so
    ``rho_hat`` is the mean over the training set; the cost of a mini-batch
    would compare ``rho`` with that batch's mean, an estimate of it.
    """

    rho: float = 0.01
    beta: float = 3.0

    def __post_init__(self) -> None:
        rho = self.rho
        if not (isinstance(rho, numbers.Real) and not isinstance(rho, bool) and 0 < rho < 1):
            raise ValueError(f"rho must lie in (0, 1) (a target mean activation), got {rho!r}")
        # a float32 rho or beta would round 1 - rho and the penalty to float32
        object.__setattr__(self, "rho", float(rho))
        object.__setattr__(self, "beta", check_nonneg_float(self.beta, "beta"))

    @staticmethod
    def _limits() -> tuple[float, float]:
        """The range ``rho_hat`` is kept in: only means of exactly 0 or 1 are moved.

        The means are float64 whatever the activations' dtype (see
        :meth:`mean_activation`), and so are these limits: ``sqrt(tiny)`` below, so
        that ``beta * rho / rho_hat`` stays finite, about 1.5e-154 (under the
        smallest float32, so that a float32 mean other than 0 is kept); ``1 -
        epsneg`` above, the largest float64 below 1.
        """
        info = np.finfo(np.float64)
        return float(np.sqrt(info.tiny)), float(1 - info.epsneg)

    @staticmethod
    def _mean(A: np.ndarray, shares: np.ndarray | None, ordered: bool = False) -> np.ndarray:
        """The (weighted) mean of each unit, accumulated and returned in float64.

        ``ordered`` (a fit of a network with equal hidden units, see ``_symmetry``):
        each unit's sum is the same additions in the order of the rows, by
        construction (``shares @ A`` is a BLAS matrix-vector product otherwise,
        whose partial sums may round two equal columns apart).
        """
        if ordered:
            A = A.astype(np.float64, copy=False)
            if shares is None:
                return ordered_row_sum(A, np.empty(A.shape[1])) / A.shape[0]
            weights = shares.astype(np.float64, copy=False)[None, :]
            return ordered_matmul(weights, A, np.empty((1, A.shape[1])))[0]
        if shares is None:
            return A.mean(axis=0, dtype=np.float64)
        return shares.astype(np.float64, copy=False) @ A.astype(np.float64, copy=False)

    @staticmethod
    def mean_activation(A: np.ndarray) -> np.ndarray:
        """``rho_hat``: mean of each unit over the batch, in float64, kept inside (0, 1).

        A mean of 0 (every activation underflowed) or 1 (every one rounded to 1)
        would make the KL divergence infinite; such a mean is taken as
        ``sqrt(tiny)`` or ``1 - epsneg`` of float64 (about 1.5e-154 and
        1 - 1.1e-16).  Every other mean is kept exactly, float32 activations'
        included (whose means are taken in float64: a float32 mean of 1e-22, which
        a unit of net inputs near -50 gives, is no float32 ``sqrt(tiny)``, 1.1e-19),
        so the penalty is the formula's wherever it is finite.

        Parameters
        ----------
        A : ndarray of shape (n_samples, n_units)

        Returns
        -------
        ndarray of shape (n_units,), float64
        """
        return np.clip(KLSparsity._mean(A, None), *KLSparsity._limits())

    def value(self, A: np.ndarray, shares: np.ndarray | None = None) -> float:
        """The penalty for activations ``A`` of shape (n_samples, n_units).

        Parameters
        ----------
        A : ndarray of shape (n_samples, n_units)
            Activations in (0, 1) (sigmoid outputs).
        shares : ndarray of shape (n_samples,), optional
            The examples' weights divided by their sum (``_data_shares``):
            ``rho_hat`` is then the weighted mean ``shares @ A``, as repeating
            each row its (integer) weight's times gives.  None: the plain mean.

        Returns
        -------
        float
            ``beta * sum_j KL(rho || rho_hat_j)``.
        """
        return self._value(A, shares, False)

    def _value(self, A: np.ndarray, shares: np.ndarray | None, ordered: bool) -> float:
        """:meth:`value`, its means in index order when ``ordered`` (see :meth:`_mean`)."""
        r = np.clip(self._mean(A, shares, ordered), *self._limits())
        rho = self.rho
        kl = rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))
        return self.beta * float(kl.sum())

    def grad(self, A: np.ndarray, shares: np.ndarray | None = None) -> np.ndarray:
        """``dPenalty/dA``, shape (n_samples, n_units): the same row for every example.

        Zero for a unit whose mean was moved by :meth:`mean_activation` (the
        penalty is constant there), so that it is the derivative of :meth:`value`.

        Parameters
        ----------
        A : ndarray of shape (n_samples, n_units)
        shares : ndarray of shape (n_samples,), optional
            As in :meth:`value`: each example's row is then scaled by its share
            (in place of ``1 / n_samples``).

        Returns
        -------
        ndarray of shape (n_samples, n_units)
            A read-only broadcast view of one row (without ``shares``); computed in
            float64 and returned in ``A``'s float dtype (float64 for integers).
        """
        return self._grad(A, shares, False)

    def _grad(self, A: np.ndarray, shares: np.ndarray | None, ordered: bool) -> np.ndarray:
        """:meth:`grad`, its means in index order when ``ordered`` (see :meth:`_mean`)."""
        mean = self._mean(A, shares, ordered)
        low, high = self._limits()
        r, rho = np.clip(mean, low, high), self.rho
        row = self.beta * (-rho / r + (1 - rho) / (1 - r))  # float64, as in value
        if shares is None:
            row = row / A.shape[0]
        row = np.where((mean >= low) & (mean <= high), row, 0)
        # in the activations' dtype (float64 for integer ones); a float32 row past float32's
        # range (a mean near float32's subnormals, divided into beta * rho) is held at its
        # largest finite value, so that the backward pass multiplies no inf by f'(z)
        dtype = A.dtype if A.dtype.kind == "f" else np.dtype(np.float64)
        big = float(np.finfo(dtype).max)
        row = np.clip(row, -big, big).astype(dtype, copy=False)
        if shares is None:
            return np.broadcast_to(row, A.shape)
        return shares[:, None].astype(dtype, copy=False) * row


def penalized_cost(
    net: Network,
    X: object,
    Y: object,
    penalties: Mapping[int, KLSparsity] | None = None,
) -> tuple[float, np.ndarray]:
    """Cost and gradient of a Dense network with activity penalties on hidden layers.

    ``J = net's cost (mean loss + weight decay) + sum of penalty(a_l)`` over the
    layers ``l`` named in ``penalties``.  Backpropagation adds each penalty's
    ``dPenalty/da_l`` to the ``dJ/da_l`` coming from above, before the
    layer's ``f'(z)``.  Without penalties this is the network's own cost
    (:meth:`Network.loss_and_grad` in evaluation mode).

    Parameters
    ----------
    net : Network
        Layers with ``forward``/``backward`` (Dense layers).  A
        :class:`~chainrule.Dropout` or :class:`~chainrule.BatchNorm` layer is
        refused: the cost is computed in evaluation mode, where they would be
        silently inactive or frozen (as :func:`chainrule.minimize` refuses them).
    X : array-like of shape (n_samples, n_inputs)
        Converted to the network's dtype; NaN and inf are refused.
    Y : array-like of shape (n_samples, n_outputs), or 1-D
        Targets (``X`` itself for an autoencoder), taken as
        :meth:`Network.loss_and_grad` takes them (a 1-D vector: one output's
        values, or class labels 0..n_outputs-1).
    penalties : mapping of int to KLSparsity, optional
        Layer index (hidden layers only) -> penalty on that layer's output,
        whose values must lie in [0, 1] (a sigmoid layer).

    Returns
    -------
    J : float
    grad : ndarray of shape (n_params,)
        ``dJ/dtheta`` in the order of ``net.params``; the network's own
        gradient buffer ``net.grads`` (not a copy).
    """
    if not isinstance(net, Network):
        raise TypeError(f"net: expected a chainrule Network, got {type(net).__name__}")
    for i, layer in enumerate(net.layers):
        if isinstance(layer, (BatchNorm, Dropout)):
            raise ValueError(
                f"net.layers[{i}]: penalized_cost computes the cost in evaluation mode, where "
                f"a {type(layer).__name__} layer would be silently inactive or frozen; "
                f"expected a network without BatchNorm and Dropout, got {layer!r}")
    if penalties is not None and not isinstance(penalties, Mapping):
        raise TypeError(f"penalties: expected a dict of layer index -> KLSparsity or None, "
                        f"got {type(penalties).__name__}")
    n = len(net.layers)
    for i, penalty in (penalties or {}).items():
        if not isinstance(i, numbers.Integral) or isinstance(i, bool):
            raise TypeError(f"penalties: layer indices must be ints, got {i!r} "
                            f"({type(i).__name__})")
        if not 0 <= i < n - 1:
            raise ValueError(f"penalties: layer index {i} is not a hidden layer (0..{n - 2})")
        if not (callable(getattr(penalty, "value", None))
                and callable(getattr(penalty, "grad", None))):
            raise TypeError(f"penalties[{i}]: expected a KLSparsity (value and grad), got "
                            f"{penalty!r} ({type(penalty).__name__})")
    X, Y = net._check_xy(X, Y)
    return _penalized_cost(net, X, Y, {int(i): p for i, p in (penalties or {}).items()})


def _penalized_cost(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    penalties: Mapping[int, KLSparsity] | None = None,
    sample_weight: np.ndarray | None = None,
    decay_layers: Collection[int] | None = None,
) -> tuple[float, np.ndarray]:
    """:func:`penalized_cost` on arguments already checked (the estimators' calls).

    Parameters
    ----------
    net : Network
        Dense layers only.
    X : ndarray of shape (n_samples, n_inputs)
        In the network's dtype, finite.
    Y : ndarray of shape (n_samples, n_outputs)
    penalties : mapping of int to KLSparsity, optional
        Hidden-layer indices.
    sample_weight : ndarray of shape (n_samples,), optional
        Each example's share of the data term, summing to 1 (see
        :func:`_data_shares`): the mean loss becomes the weighted mean
        ``sum_i w_i L_i / sum_i w_i``, and each penalty's ``rho_hat`` the weighted
        mean of the activations (so integer weights are repeated rows); the weight
        decay is not weighted.  None: the plain means, computed as before.
    decay_layers : collection of int, optional
        The layers whose weights the weight decay applies to (UFLDL's fine-tuning decays
        the softmax's alone: the last layer's index).  None: every layer's.

    Returns
    -------
    J : float
    grad : ndarray of shape (n_params,)
        ``net.grads`` (not a copy).
    """
    penalties = penalties or {}
    n = len(net.layers)
    m = X.shape[0]
    A = X
    for layer in net.layers:
        A = layer.forward(A, False)
    out = net.layers[-1]
    act = getattr(out, "activation", None)
    path = net.loss.logit_paths.get(act.name) if act is not None and act.builtin else None
    w = None if sample_weight is None else sample_weight[:, None]
    if path is not None:  # exact from z (a - y for the canonical pairs)
        terms, delta = path.value(out.Z, Y), path.delta(out.Z, A, Y)
        J = float(np.mean(terms)) if w is None else float(np.dot(sample_weight, terms))
        grad_in = out.backward_delta(delta / m if w is None else delta * w,
                                     need_input_grad=n > 1)
    else:
        terms, grad_a = net.loss.value(A, Y), net.loss.grad(A, Y)
        J = float(np.mean(terms)) if w is None else float(np.dot(sample_weight, terms))
        grad_in = out.backward(grad_a / m if w is None else grad_a * w, need_input_grad=n > 1)
    for i in range(n - 2, -1, -1):
        layer = net.layers[i]
        if i in penalties:
            low, high = float(layer.A.min()), float(layer.A.max())
            if low < 0 or high > 1:  # rho_hat would be clipped into (0, 1): a wrong cost
                raise ValueError(
                    f"penalties: a KL sparsity penalty needs activations in [0, 1] (their "
                    f"means are compared with rho as probabilities); layer {i} "
                    f"({getattr(layer.activation, 'name', '?')}) gives values from {low:g} "
                    f"to {high:g}")
            penalty = penalties[i]
            # while a fit computes the products in index order (Dense._product), so are
            # the penalty's means: equal units keep equal means (see _symmetry)
            if (isinstance(penalty, KLSparsity) and getattr(layer, "_ordered", False)
                    and getattr(layer, "_work", None) is not None):
                J += penalty._value(layer.A, sample_weight, True)
                grad_in = grad_in + penalty._grad(layer.A, sample_weight, True)
            else:
                J += penalty.value(layer.A, sample_weight)
                grad_in = grad_in + penalty.grad(layer.A, sample_weight)
        grad_in = layer.backward(grad_in, need_input_grad=i > 0)
    lam = net.weight_decay
    if lam:
        c = lam / (m if net.decay == "per_sample" else 1)
        for i, layer in enumerate(net.layers):
            W = getattr(layer, "W", None)
            if W is not None and (decay_layers is None or i in decay_layers):
                J += 0.5 * c * float(np.sum(W * W))
                layer.dW += c * W
    net._grad_computed = True
    return J, net.grads


def _data_shares(sample_weight: np.ndarray | None) -> np.ndarray | None:
    """Each example's share ``w_i / sum_j w_j`` of the data term, or None for equal weights.

    Equal weights (all 1 among them) give None, so that the cost is the plain mean,
    exactly as without weights.  The weights are divided by the largest first, so
    that their sum neither overflows nor is subnormal.

    Parameters
    ----------
    sample_weight : ndarray of shape (n_samples,), or None
        Checked weights: finite, >= 0, at least one positive.

    Returns
    -------
    ndarray of shape (n_samples,), float64, summing to 1; or None
    """
    if sample_weight is None or np.all(sample_weight == sample_weight[0]):
        return None
    scaled = sample_weight / sample_weight.max()
    return scaled / np.sum(scaled)
