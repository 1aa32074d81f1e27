"""Sparse autoencoder, softmax regression and stacked autoencoders (SPEC 9, UFLDL).

The sparse autoencoder is a chainrule :class:`~chainrule.Network`
``input -> hidden (sigmoid) -> reconstruction`` whose cost gets a sparsity
penalty on the hidden activations::

    J = (1/m) sum_i 1/2 ||x_hat_i - x_i||^2 + (lambda/2) sum W^2
        + beta * sum_j KL(rho || rho_hat_j)

    rho_hat_j = (1/m) sum_i a_ij      (mean activation of hidden unit j)
    KL(rho || r) = rho log(rho / r) + (1 - rho) log((1 - rho) / (1 - r))

Backpropagation changes in one place: the hidden layer's ``dJ/da`` gets
``beta * (-rho / rho_hat + (1 - rho) / (1 - rho_hat)) / m`` added before it
is multiplied by ``f'(z)``.  That is done here, with the layers' own
``forward``/``backward``, by :func:`penalized_cost`, which accepts an
activity penalty on any hidden layer of any Dense network; the network's own
code is not touched, so a penalty-free network behaves exactly as before.

The estimators follow scikit-learn: :class:`SparseAutoencoder` is a
transformer (``transform`` = hidden activations, ``inverse_transform`` =
reconstruction from them), :class:`SoftmaxRegression` a classifier (a network
with no hidden layer and a softmax output), :class:`StackedAutoencoder` a
classifier whose hidden layers are sparse autoencoders pretrained greedily,
then fine-tuned together with the softmax on top (and a transformer too:
``transform`` = the last hidden layer's activations).  All are trained by SciPy's
L-BFGS (or CG / BFGS) on the flat parameter vector.

The package's modules, each with one job: ``_penalty`` (the KL penalty and
:func:`penalized_cost`), ``_base`` (settings checks, the SciPy fit),
``_classifier`` (the classifiers' shared predict and save), ``_sparse``,
``_softmax`` and ``_stacked`` (the three estimators; the sparse autoencoder's fit,
its settings checks and the building and training of its network, in
``_sparse_fitting``; the stack's settings
checks, pretraining and softmax stage, in ``_stacked_fitting``; its features,
``transform``, in ``_stacked_features``), ``_sparse_terms`` (the cost term by
term, for students: ``SparseAutoencoder.cost_terms``), ``_io`` (save /
load, arrays + JSON) and ``_self_taught`` (the self-taught learning comparison).
Import from ``chainrule`` or ``chainrule.autoencoder``.
"""

from __future__ import annotations

from ._io import AUTOENCODER_FORMAT as AUTOENCODER_FORMAT  # the files' "format" key
from ._io import load_autoencoder
from ._penalty import KLSparsity, penalized_cost
from ._self_taught import SelfTaughtResult, self_taught_learning
from ._softmax import SoftmaxRegression
from ._sparse import SparseAutoencoder
from ._sparse_terms import SparseCostTerms
from ._stacked import StackedAutoencoder

__all__ = [
    "KLSparsity",
    "SelfTaughtResult",
    "SoftmaxRegression",
    "SparseAutoencoder",
    "SparseCostTerms",
    "StackedAutoencoder",
    "load_autoencoder",
    "penalized_cost",
    "self_taught_learning",
]
