"""The sparse autoencoder's cost term by term, for students (``SparseAutoencoder.cost_terms``).

``J`` is one number; what a student of UFLDL's exercise needs to see is which of its
three terms it is made of: the reconstruction error, the weight decay and the KL
sparsity penalty, with ``rho_hat``, each hidden unit's mean activation, which the
penalty compares with ``rho``.  At UFLDL's initial weights the hidden units are
about half on (``rho_hat`` near 0.5 against ``rho = 0.01``), so the sparsity penalty
is nearly all of ``J`` (``beta * KL(0.01 || 0.5) = 3 * 0.637`` per unit); after
training it is the reconstruction error that dominates.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..network import Network
from ._penalty import KLSparsity

__all__ = ["SparseCostTerms"]

_WHY_MEAN = ("rho_hat_j is a mean over the examples because sparsity asks each unit to be "
             "active on few of them, about a fraction rho, rather than weakly active on "
             "all: one example may turn a unit fully on, as long as most leave it off")


@dataclass(frozen=True, eq=False)
class SparseCostTerms:
    """The three terms of a sparse autoencoder's cost ``J`` on some data.

    Attributes
    ----------
    reconstruction : float
        ``(1/m) sum_i 1/2 ||x_hat_i - x_i||^2``, the mean squared reconstruction error.
    weight_decay : float
        ``(lambda/2) sum W^2`` over both weight matrices (no biases).
    sparsity : float
        ``beta * sum_j KL(rho || rho_hat_j)``.
    rho_hat : ndarray of shape (n_hidden,)
        Each hidden unit's mean activation over the ``m`` examples.
    rho, beta, lambda_ : float
        The settings the terms were computed with.
    n_samples : int
        ``m``.
    """

    reconstruction: float
    weight_decay: float
    sparsity: float
    rho_hat: np.ndarray
    rho: float
    beta: float
    lambda_: float
    n_samples: int

    @property
    def cost(self) -> float:
        """``J``, the sum of the three terms (what ``cost`` returns, to rounding)."""
        return self.reconstruction + self.weight_decay + self.sparsity

    def summary(self) -> str:
        """The terms as a student reads them: each with its formula and share of ``J``.

        Returns
        -------
        str
            Several lines: ``J`` as the sum of its terms, which term dominates, and the
            range of ``rho_hat`` against ``rho`` with why it is a mean.
        """
        terms = {"reconstruction error": self.reconstruction,
                 "weight decay": self.weight_decay,
                 "sparsity penalty": self.sparsity}
        J = self.cost
        share = {k: (v / J if J > 0 else 0.0) for k, v in terms.items()}
        big = max(terms, key=terms.get)
        r, m = self.rho_hat, self.n_samples
        examples = "example" if m == 1 else "examples"
        return "\n".join([
            f"J = {J:.6g} = reconstruction error {self.reconstruction:.6g} "
            f"[(1/m) sum_i 1/2 ||x_hat_i - x_i||^2, m = {m}]",
            f"    + weight decay {self.weight_decay:.6g} [(lambda/2) sum W^2 over both weight "
            f"matrices, no biases; lambda = {self.lambda_:g}]",
            f"    + sparsity penalty {self.sparsity:.6g} [beta sum_j KL(rho || rho_hat_j); "
            f"beta = {self.beta:g}, rho = {self.rho:g}]",
            "shares of J: " + ", ".join(f"{k} {100 * s:.3g}%" for k, s in share.items())
            + f" (the {big} dominates)",
            f"rho_hat_j, the mean activation of each of the {r.size} hidden units over the "
            f"{m} {examples}: {r.min():.4g} to {r.max():.4g} (their mean {r.mean():.4g}), "
            f"against rho = {self.rho:g}",
            _WHY_MEAN + ".",
        ])

    def __str__(self) -> str:
        return self.summary()


def _cost_terms(net: Network, X: np.ndarray, penalty: KLSparsity) -> SparseCostTerms:
    """The terms of the sparse cost of the autoencoder ``net`` on checked ``X``.

    Parameters
    ----------
    net : Network
        ``n_features -> n_hidden (sigmoid) -> n_features``, squared error, weight decay.
    X : ndarray of shape (n_samples, n_features)
        In the network's dtype, finite.
    penalty : KLSparsity
    """
    # by the block loop of predict: the layers keep what they held (gradient_check's pass)
    rows = net._block_rows(None)
    A = net._predict_rows(X, rows, slice(0, 1))
    out = net._predict_rows(A, rows, slice(1, 2))
    reconstruction = float(np.mean(0.5 * np.sum((out - X) ** 2, axis=1)))
    decay = net._decay_term(X.shape[0])
    sparsity = penalty.value(A)
    rho_hat = A.mean(axis=0, dtype=np.float64)
    return SparseCostTerms(reconstruction, float(decay), float(sparsity), rho_hat,
                           penalty.rho, penalty.beta, float(net.weight_decay), X.shape[0])
