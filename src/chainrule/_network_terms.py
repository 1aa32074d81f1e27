"""A network's cost term by term, for students (:meth:`Network.cost_terms`).

Every course writes the regularised cost as a sum, ``J = data term + penalty``: Ng's
ex4 ``(1/m) sum_i sum_k [...] + lambda/(2m) sum Theta^2``, deeplearning.ai's
``cross_entropy_cost + L2_regularization_cost``, Nielsen's ``C0 + (lambda/2n) sum w^2``,
UFLDL's ``(1/m) sum_i 1/2 ||h - y||^2 + (lambda/2) sum W^2``.  :meth:`Network.cost`
gives the sum; :class:`NetworkCostTerms` gives both numbers, the formula of each in
the network's convention (``decay="ufldl"`` or ``"per_sample"``, sample weights),
which arrays the penalty covers, and each term's share of ``J``.

The terms are computed as :meth:`~chainrule.network.Network.loss_and_grad` computes
``J`` (one forward pass in evaluation mode, the same sums in the same order), so
``data + penalty`` is its ``J`` bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["NetworkCostTerms"]

# each example's loss L(a_i, y_i), as chainrule.losses defines it (j: the outputs)
_LOSS_FORMULAS = {
    "squared_error": "1/2 ||a_i - y_i||^2",
    "mean_squared_error": "mean_j (a_ij - y_ij)^2",
    "log_loss": "-sum_j [y_ij log a_ij + (1 - y_ij) log(1 - a_ij)]",
    "cross_entropy": "-sum_j y_ij log a_ij",
    "poisson": "sum_j [y_ij log(y_ij / a_ij) - y_ij + a_ij]",
    "huber": "sum_j h(a_ij - y_ij)",
    "mean_absolute_error": "mean_j |a_ij - y_ij|",
    "multiclass_hinge": "sum_(j != y_i) max(0, s_ij - s_(i,y_i) + 1)",
    "hinge": "max(0, 1 - y_i s_i)",
}


@dataclass(frozen=True, eq=False)
class NetworkCostTerms:
    """The two terms of a network's cost ``J`` on a batch: data term and weight decay.

    Attributes
    ----------
    data : float
        The mean loss ``(1/m) sum_i L(a_i, y_i)``, or with sample weights the weighted
        mean ``sum_i w_i L_i / sum_i w_i``.
    penalty : float
        The weight decay: ``(lambda/2) sum W^2`` (``decay="ufldl"``) or
        ``(lambda/(2m)) sum W^2`` (``decay="per_sample"``, ``m`` the number of examples,
        or the sum of their weights); 0.0 without weight decay.
    total : float
        ``J``, what :meth:`~chainrule.network.Network.cost` and
        :meth:`~chainrule.network.Network.loss_and_grad` return at these parameters,
        bit for bit.
    data_formula, penalty_formula : str
        Each term written in the network's convention.
    decayed : tuple of str
        The arrays the penalty sums over, such as ``"layers[0].W"`` (never biases; a
        frozen array is still decayed, as training's cost decays it, and is marked
        ``" (frozen)"``).
    loss : str
        The loss's name.
    lambda_ : float
        ``weight_decay``.
    decay : str
        The convention: ``"ufldl"`` or ``"per_sample"``.
    n_samples : int
        ``m``, the rows of the batch.
    m_decay : float
        What the per-sample decay divides by: ``m``, or the sum of the sample weights.
    weighted : bool
        Whether sample weights other than all 1 entered the data term.
    """

    data: float
    penalty: float
    total: float
    data_formula: str
    penalty_formula: str
    decayed: tuple[str, ...]
    loss: str
    lambda_: float
    decay: str
    n_samples: int
    m_decay: float
    weighted: bool

    def shares(self) -> dict[str, float]:
        """Each term's fraction of ``J`` (both 0.0 when ``J`` is 0).

        Returns
        -------
        dict
            ``{"data": ..., "penalty": ...}``.
        """
        J = self.total
        if J == 0 or not math.isfinite(J):
            return {"data": 0.0, "penalty": 0.0}
        return {"data": self.data / J, "penalty": self.penalty / J}

    def to_dict(self) -> dict[str, object]:
        """The terms as plain Python values (for JSON).

        Returns
        -------
        dict
            Every attribute, ``decayed`` as a list, and ``"shares"``.
        """
        return {"data": self.data, "penalty": self.penalty, "total": self.total,
                "data_formula": self.data_formula, "penalty_formula": self.penalty_formula,
                "decayed": list(self.decayed), "loss": self.loss, "lambda": self.lambda_,
                "decay": self.decay, "n_samples": self.n_samples, "m_decay": self.m_decay,
                "weighted": self.weighted, "shares": self.shares()}

    def summary(self) -> str:
        """The terms as a course writes them, each with its formula and share of ``J``.

        Returns
        -------
        str
            Three or four lines.
        """
        share = self.shares()
        arrays = ", ".join(self.decayed) if self.decayed else "none"
        lines = [
            f"J = {self.total:.6g} = data term {self.data:.6g} [{self.data_formula}]",
            f"    + weight decay {self.penalty:.6g} [{self.penalty_formula}]",
            f"shares of J: data term {100 * share['data']:.3g}%, weight decay "
            f"{100 * share['penalty']:.3g}%",
            f"decayed: {arrays} (biases never)",
        ]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _data_formula(loss: str, m: int, weighted: bool) -> str:
    L = _LOSS_FORMULAS.get(loss, f"{loss}(a_i, y_i)")
    if weighted:
        return f"sum_i w_i L_i / sum_i w_i, L_i = {L} ({loss}); m = {m}"
    return f"(1/m) sum_i {L} ({loss}); m = {m}"


def _penalty_formula(lam: float, decay: str, m: int, m_decay: float, weighted: bool) -> str:
    if lam == 0:
        return "no weight decay (weight_decay = 0)"
    if decay == "per_sample":
        over = "sum_i w_i = " if weighted else ""
        return (f"(lambda/(2 m)) sum W^2, decay=\"per_sample\"; lambda = {lam:g}, "
                f"m = {over}{m_decay:g}")
    return f"(lambda/2) sum W^2, decay=\"ufldl\"; lambda = {lam:g}"


def _decayed_names(net) -> tuple[str, ...]:
    names = []
    for i, layer in enumerate(net.layers):
        frozen = layer._frozen_names()
        for spec in layer.param_specs():
            if spec.decayed:
                mark = " (frozen)" if spec.name in frozen else ""
                names.append(f"layers[{i}].{spec.name}{mark}")
    return tuple(names)


def _weighted_data(terms: np.ndarray, sw: np.ndarray, dtype: np.dtype) -> tuple[float, float]:
    """The weighted data term and ``m_decay``, in the order of ``_loss_and_grad``'s sums."""
    m = terms.shape[0]
    with np.errstate(over="ignore"):
        total = float(np.sum(sw))
    m_decay: float = total if total > 0 else m
    factor = m / total if total > 0 else 0.0
    scale = None
    if 0 < total and not 0 < factor < math.inf and not np.all(sw == sw[0]):
        scaled = sw / sw.max()  # a sum past the float range, or of subnormal weights
        scale = (scaled * (m / float(np.sum(scaled)))).astype(dtype, copy=False)
    elif not np.all(sw == sw[0]) or total == 0:
        scale = (sw * factor).astype(dtype, copy=False)
    if scale is not None:
        return float(np.dot(scale, terms)) / m, m_decay
    return float(np.add.reduce(terms) / m), m_decay


class _CostTerms:
    """The mixin base of :class:`~chainrule.network.Network` that gives :meth:`cost_terms`."""

    def cost_terms(self, X: object, Y: object,
                   sample_weight: object = None) -> NetworkCostTerms:
        """The cost ``J`` of a batch term by term: the data term and the weight decay.

        ``J = data + penalty`` as the courses write it (deeplearning.ai's
        ``cross_entropy_cost + L2_regularization_cost``), at the current parameters,
        in evaluation mode; ``total`` is :meth:`loss_and_grad`'s ``J`` (and
        :meth:`cost`'s at :attr:`params`) bit for bit.  The layers keep what they
        held, and the gradient is not touched.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        Y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
        sample_weight : array-like of shape (n_samples,), optional
            As in :meth:`loss_and_grad`: the weighted mean loss, and with
            ``decay="per_sample"`` the decay divided by the sum of the weights.

        Returns
        -------
        NetworkCostTerms
            ``data``, ``penalty``, ``total``, their formulas, the decayed arrays;
            ``print`` it for the terms with their shares of ``J``.

        Examples
        --------
        >>> import numpy as np, chainrule as cr
        >>> net = cr.mlp([2, 3, 1], output="sigmoid", weight_decay=0.1, seed=0)
        >>> t = net.cost_terms(np.zeros((4, 2)), np.ones(4))
        >>> t.total == t.data + t.penalty
        True
        """
        return _cost_terms(self, X, Y, sample_weight)


def _cost_terms(net, X: object, Y: object, sample_weight: object = None) -> NetworkCostTerms:
    """The terms of :meth:`_CostTerms.cost_terms` for ``net``."""
    X, Y = net._check_xy(X, Y)
    sw = net.check_sample_weight(sample_weight, X.shape[0])
    m = X.shape[0]
    if m == 0:
        raise ValueError("X has no rows: the data term (1/m) sum_i L_i needs 1 example or more")
    # one block of all the rows: the forward pass of loss_and_grad, the layers left as they were
    terms, _ = net._pass_terms(X, Y, m, False)
    if sw is None:
        data, m_decay = float(np.add.reduce(terms) / m), float(m)
    else:
        data, m_decay = _weighted_data(terms, sw, net.dtype)
    penalty = float(net._decay_term(m_decay))
    lam, decay, weighted = float(net.weight_decay), net.decay, sw is not None
    return NetworkCostTerms(
        data=data, penalty=penalty, total=data + penalty,
        data_formula=_data_formula(net.loss.name, m, weighted),
        penalty_formula=_penalty_formula(lam, decay, m, m_decay, weighted),
        decayed=_decayed_names(net), loss=net.loss.name, lambda_=lam, decay=decay,
        n_samples=m, m_decay=m_decay, weighted=weighted)
