"""The sparse autoencoder (SPEC 9): a scikit-learn transformer.

:class:`SparseAutoencoder` is its public face: ``fit``, the sparse ``cost``, the
outputs (``transform``, ``inverse_transform``, ``reconstruct``), its pictures
(``filters_``) and ``save``.  How a fit checks the settings, builds the network and
trains it is its mixin base :class:`~._sparse_fitting._SparseFitting`, in
``_sparse_fitting``.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils import metadata_routing

from .._validation import (
    check_data,
    check_finite_array,
    check_nonneg_float,
    restored_on_error,
)
from ..network import Network
from ._base import _PREDICT_DTYPES, _checked_X
from ._penalty import _penalized_cost
from ._sparse_fitting import _check_reachable, _SparseFitting
from ._sparse_terms import SparseCostTerms, _cost_terms


def _layer_outputs(net: Network, i: int, X: np.ndarray) -> np.ndarray:
    """Outputs of ``net.layers[i]`` alone for checked ``X``, in blocks of rows.

    The block loop of :meth:`Network.predict` over that layer alone (under the
    network's lock; its layers hold afterwards what they held before): no net input or
    output of all the rows is made, only the result of shape (n_samples, n_out).
    """
    return net._predict_rows(X, net._block_rows(None), slice(i, i + 1))


class SparseAutoencoder(_SparseFitting, ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                        BaseEstimator):
    """Sparse autoencoder ``x -> a = sigmoid(x W1 + b1) -> x_hat = f(a W2 + b2)`` (SPEC 9).

    Parameters
    ----------
    n_hidden : int, default 25
        Hidden units.
    rho : float in (0, 1), default 0.01
        Target mean activation of the hidden units.
    beta : float, default 3.0
        Weight of the sparsity penalty (0 switches it off).
    weight_decay : float, default 1e-4
        ``lambda`` of ``(lambda/2) sum W^2`` (both weight matrices, never biases).
    max_iter : int, default 400
        Iterations of the optimiser.  An optimiser that stops without converging
        (this limit reached, or a failed line search) gives a ConvergenceWarning
        with SciPy's message, as scikit-learn's estimators do.
    random_state : int, RandomState, Generator or None
        Seed of the initial weights (UFLDL's uniform ``+-sqrt(6/(fan_in+fan_out+1))``):
        an int in [0, 2**32 - 1] (not a bool), one draw from a RandomState (None:
        from NumPy's global one, as in scikit-learn), or a Generator used as it
        is; anything else raises a ValueError naming ``random_state`` before the
        fit changes anything.
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"
        SciPy optimiser on the flat parameter vector, named in any case
        ("lbfgs" for L-BFGS-B), as :func:`chainrule.minimize` takes it.
    output : str, default "sigmoid"
        Activation of the reconstruction: "sigmoid" for data in [0, 1]
        (normalised patches, pixels), "identity" for a linear decoder.  A
        bounded decoder refuses data it cannot reach: outside [0, 1] for
        "sigmoid", outside [-1, 1] for "tanh", below 0 for "relu",
        "softplus" and "exp", below -1 for "elu", below their minima -0.16997...
        and -0.27846... for "gelu" and "silu"; "softmax" (rows that sum to 1) is refused, and so
        are "step" and "sign" (no derivative to train them by).

    Attributes
    ----------
    network_ : Network
        ``n_features -> n_hidden -> n_features``, squared-error loss, weight decay.
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The columns of a DataFrame ``X`` (only then); ``transform`` refuses other
        names or another order.
    n_iter_ : int
        Iterations the optimiser ran.
    loss_ : float
        Final cost (with weight decay and sparsity).
    mean_activation_ : ndarray of shape (n_hidden,)
        ``rho_hat`` on the training data after fitting.

    Notes
    -----
    The autoencoder trains in float64 whatever the dtype of ``X`` (float32 and integer
    data are converted), as UFLDL's minFunc does in double: SciPy's L-BFGS compares
    costs to a relative 2e-9 (its default ``ftol``), finer than float32 can hold. The
    network stays float64 after fitting (and so in the saved file).  ``transform``,
    ``inverse_transform`` and ``reconstruct`` compute in float64 and return float32
    for float32 input, rounded at the end, as scikit-learn's ``PCA`` and
    ``BernoulliRBM`` keep float32 (whose outputs follow the fitted model's dtype, these
    the input's); float64 for any other input (integers included).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> X = np.random.default_rng(0).uniform(0.1, 0.9, size=(50, 16))
    >>> with warnings.catch_warnings():  # 20 iterations: short of convergence, on purpose
    ...     warnings.simplefilter("ignore", ConvergenceWarning)
    ...     ae = SparseAutoencoder(5, max_iter=20, random_state=0).fit(X)
    >>> ae.transform(X).shape, ae.inverse_transform(ae.transform(X)).shape
    ((50, 5), (50, 16))
    """

    def __init__(
        self,
        n_hidden: int = 25,
        rho: float = 0.01,
        beta: float = 3.0,
        weight_decay: float = 1e-4,
        max_iter: int = 400,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        method: str = "L-BFGS-B",
        output: str = "sigmoid",
    ) -> None:
        self.n_hidden = n_hidden
        self.rho = rho
        self.beta = beta
        self.weight_decay = weight_decay
        self.max_iter = max_iter
        self.random_state = random_state
        self.method = method
        self.output = output

    # -- the fitted network and the cost (the fit itself: _SparseFitting) ------------------------
    def _check_fitted(self) -> Network:
        if not hasattr(self, "network_"):
            raise NotFittedError(
                "this SparseAutoencoder is not fitted yet; call fit(X) first")
        return self.network_

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector of :attr:`network_` (``W1, b1, W2, b2``).

        ndarray of shape (n_params,), ``n_params = 2 * n_inputs * n_hidden + n_hidden
        + n_inputs``.
        """
        return self._check_fitted().params

    def cost(self, theta: object, X: object) -> tuple[float, np.ndarray]:
        """``(J, grad)`` of the whole sparse cost at a flat parameter vector.

        Reconstruction error + weight decay + ``beta * sum KL(rho || rho_hat)``,
        for ``scipy.optimize.minimize(jac=True)`` and
        :func:`chainrule.gradient_check`, with the settings as they are now
        (``rho``, ``beta`` and ``weight_decay`` changed by ``set_params`` after the
        fit included).  The autoencoder's parameters and settings are left as
        they were; its layers keep the net inputs and activations of this
        evaluation, which ``gradient_check(..., exclude_kinks=True)`` reads to
        find the steps that cross a kink of the decoder (``output="relu"``).
        ``X`` outside the values the fitted decoder can reach is refused, as
        ``fit`` refuses it.

        Parameters
        ----------
        theta : array-like of shape (n_params,)
            In the order of ``network_.params``.
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        J : float
        grad : ndarray of shape (n_params,)
        """
        net = self._check_fitted()
        theta = net._check_theta(theta)
        X = check_data(X, net.n_inputs, net.dtype,
                       sparse_note="SparseAutoencoder takes dense data only")
        decoder = net.layers[1].activation.name  # the fitted one, whatever output says now
        _check_reachable(X, decoder, decoder)  # what fit refuses
        penalty = self._penalty()
        decay = check_nonneg_float(self.weight_decay, "weight_decay")
        saved, saved_decay = net.params.copy(), net.weight_decay
        try:
            net.params[...] = theta
            net.weight_decay = decay  # the settings as they are now, rho and beta too
            J, grad = _penalized_cost(net, X, X, {0: penalty})
            return J, grad.copy()
        finally:
            net.params[...] = saved
            net.weight_decay = saved_decay

    def cost_terms(self, X: object) -> SparseCostTerms:
        """The cost on ``X`` at the fitted parameters, term by term, and ``rho_hat``.

        Reconstruction error, weight decay and ``beta * sum KL(rho || rho_hat)``
        (their sum is :meth:`cost`'s ``J``), with the settings as they are now;
        ``print(ae.cost_terms(X))`` shows each with its formula and share of ``J``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Checked as :meth:`cost` checks it.

        Returns
        -------
        SparseCostTerms
        """
        net = self._check_fitted()
        X = check_data(X, net.n_inputs, net.dtype,
                       sparse_note="SparseAutoencoder takes dense data only")
        decoder = net.layers[1].activation.name
        _check_reachable(X, decoder, decoder)
        saved = net.weight_decay
        try:
            net.weight_decay = check_nonneg_float(self.weight_decay, "weight_decay")
            return _cost_terms(net, X, self._penalty())
        finally:
            net.weight_decay = saved

    # -- scikit-learn interface ------------------------------------------------------------------
    def fit(self, X: object, y: object = None) -> SparseAutoencoder:
        """Train on ``X`` (``y`` is ignored).

        A fit that fails (bad data or parameters) leaves a fitted model as it was.
        A Ctrl-C (KeyboardInterrupt) stops the optimiser, as one stops the MLP
        estimators: the model keeps the last iterate (``n_iter_`` iterations), is
        fitted, and warns ``UserWarning("Training interrupted by user.")``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            With a sigmoid output the values must lie in [0, 1] (up to
            ``RANGE_ROUNDING``, 9.5e-7: a rescaler's rounding).  Dense only
            (a sparse matrix is refused; pass ``X.toarray()``).
        y : ignored

        Returns
        -------
        self
        """
        with restored_on_error(self):
            return self._fit(X)

    def transform(self, X: object) -> np.ndarray:
        """Hidden activations ``sigmoid(X W1 + b1)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The features of ``fit`` (same number; a DataFrame's columns by the same
            names, in the same order).

        Returns
        -------
        ndarray of shape (n_samples, n_hidden)
            Float32 for float32 ``X`` (computed by the float64 network, see the
            class's Notes, and rounded at the end), float64 for any other.  A
            DataFrame with ``set_output(transform="pandas")``, its columns
            :meth:`get_feature_names_out`.
        """
        net = self._check_fitted()
        X = _checked_X(self, X, False, _PREDICT_DTYPES)
        return _layer_outputs(net, 0, X).astype(X.dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]  # see transform
        return tags

    @property
    def _n_features_out(self) -> int:
        """Number of transformed features (hidden units), for ``get_feature_names_out``."""
        return self._check_fitted().layers[0].n_out

    # H, the deprecated name of inverse_transform's X, is no metadata for scikit-learn's
    # routing (which takes any other parameter for metadata, and would give the class a
    # set_inverse_transform_request method)
    __metadata_request__inverse_transform: ClassVar[dict[str, str]] = {
        "H": metadata_routing.UNUSED}

    def inverse_transform(self, X: object = None, *, H: object = None) -> np.ndarray:
        """Reconstruction ``f(X W2 + b2)`` from hidden activations ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_hidden)
            Hidden activations, as :meth:`transform` gives them (scikit-learn's
            name for the argument of ``inverse_transform``).
        H : array-like of shape (n_samples, n_hidden), optional
            Deprecated: the earlier name of ``X``, still taken as a keyword
            with a ``FutureWarning``; it will be removed in the next release.

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Float32 for float32 ``X``, float64 for any other, as :meth:`transform`.

        Raises
        ------
        TypeError
            If both ``X`` and ``H`` are given, or neither (``X`` None).
        ValueError
            If ``X`` is not 2-D, has not ``n_hidden`` columns, or holds values that are
            not finite.
        """
        name = "X"
        if H is not None:
            if X is not None:
                raise TypeError("inverse_transform: got both X and H (the deprecated name of "
                                "X); pass X only")
            warnings.warn("inverse_transform(H=...) is deprecated: the argument is named X, "
                          "as in scikit-learn's transformers; pass inverse_transform(X) "
                          "(H will be removed in the next release)", FutureWarning,
                          stacklevel=2)
            X, name = H, "H"
        elif X is None:
            raise TypeError("inverse_transform: X is required (the hidden activations, of "
                            "shape (n_samples, n_hidden)), got None")
        net = self._check_fitted()
        n_hidden = net.layers[1].n_in
        X = check_finite_array(X, name, ndim=2,
                               sparse_note="SparseAutoencoder takes dense data only")
        if X.shape[1] != n_hidden:
            raise ValueError(f"{name} must have {n_hidden} columns (one per hidden unit), got "
                             f"shape {X.shape}")
        dtype = X.dtype if X.dtype in _PREDICT_DTYPES else np.dtype(np.float64)
        return _layer_outputs(net, 1, X.astype(dtype, copy=False)).astype(dtype, copy=False)

    def reconstruct(self, X: object) -> np.ndarray:
        """``inverse_transform(transform(X))``, shape (n_samples, n_features).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
            Float32 for float32 ``X``, float64 for any other, as :meth:`transform`;
            computed in float64 throughout (the hidden activations are not rounded).
        """
        net = self._check_fitted()
        X = _checked_X(self, X, False, _PREDICT_DTYPES)
        H = _layer_outputs(net, 0, X)
        return _layer_outputs(net, 1, H).astype(X.dtype, copy=False)

    @property
    def filters_(self) -> np.ndarray:
        """Input weights of each hidden unit, shape (n_hidden, n_features) (``W1.T``)."""
        return self._check_fitted().layers[0].W.T.copy()

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted autoencoder to ``path`` (.npz of arrays + JSON; never pickle).

        A container chosen with :meth:`set_output` (``transform="pandas"``, ...)
        is kept in the JSON record and set again by :func:`load_autoencoder`.

        ``random_state`` is saved when it is an int (or None); a RandomState or
        Generator object is not (the file records None, and a UserWarning says
        so): a fit of the loaded estimator then draws its seed from NumPy's
        global generator.

        Parameters
        ----------
        path : str or PathLike
            ``.npz`` is appended if missing.

        Returns
        -------
        Path
            The file written; :func:`load_autoencoder` reads it back.
        """
        from ._io import _save  # _io imports the estimator classes

        return _save(self, path)

    def _fitted_record(self, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({"n_features_in_": int(self.n_features_in_), "n_iter_": int(self.n_iter_),
                 "loss_": float(self.loss_)},
                {f"{prefix}mean_activation_": np.asarray(self.mean_activation_)})
