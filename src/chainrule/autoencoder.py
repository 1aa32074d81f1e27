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
then fine-tuned together with the softmax on top.  All are trained by SciPy's
L-BFGS (or CG / BFGS) on the flat parameter vector.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.optimize
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    TransformerMixin,
)
from sklearn.exceptions import NotFittedError
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import validate_data

from . import io
from ._threads import scipy_blas_single_thread
from ._validation import (
    check_data,
    check_finite_array,
    check_int_sequence,
    check_nonneg_float,
    check_positive_int,
    check_random_state_value,
    restored_on_error,
)
from .activations import get_activation
from .initializers import make_rng
from .layers import Dense
from .network import Network

__all__ = [
    "KLSparsity",
    "SelfTaughtResult",
    "SoftmaxRegression",
    "SparseAutoencoder",
    "StackedAutoencoder",
    "load_autoencoder",
    "penalized_cost",
    "self_taught_learning",
]

_METHODS = {"L-BFGS-B": "L-BFGS-B", "lbfgs": "L-BFGS-B", "CG": "CG", "cg": "CG",
            "BFGS": "BFGS"}


# --- the sparsity penalty ----------------------------------------------------------------------
@dataclass(frozen=True)
class KLSparsity:
    """``beta * sum_j KL(rho || rho_hat_j)`` on a layer's activations (SPEC 9).

    Parameters
    ----------
    rho : float in (0, 1)
        Target mean activation of every unit.
    beta : float >= 0
        Weight of the penalty.
    """

    rho: float = 0.01
    beta: float = 3.0

    def __post_init__(self) -> None:
        rho = self.rho
        if not (isinstance(rho, numbers.Real) and not isinstance(rho, bool) and 0 < rho < 1):
            raise ValueError(f"rho must lie in (0, 1) (a target mean activation), got {rho!r}")
        check_nonneg_float(self.beta, "beta")

    @staticmethod
    def mean_activation(A: np.ndarray) -> np.ndarray:
        """``rho_hat``: mean of each unit over the batch, kept inside (0, 1)."""
        return np.clip(A.mean(axis=0), 1e-12, 1 - 1e-12)

    def value(self, A: np.ndarray) -> float:
        """The penalty for activations ``A`` of shape (n_samples, n_units)."""
        r, rho = self.mean_activation(A), self.rho
        kl = rho * np.log(rho / r) + (1 - rho) * np.log((1 - rho) / (1 - r))
        return self.beta * float(kl.sum())

    def grad(self, A: np.ndarray) -> np.ndarray:
        """``dPenalty/dA``, shape (n_samples, n_units): the same row for every example."""
        r, rho = self.mean_activation(A), self.rho
        row = self.beta * (-rho / r + (1 - rho) / (1 - r)) / A.shape[0]
        return np.broadcast_to(row, A.shape)


def penalized_cost(
    net: Network,
    X: np.ndarray,
    Y: np.ndarray,
    penalties: Mapping[int, KLSparsity] | None = None,
) -> tuple[float, np.ndarray]:
    """Cost and gradient of a Dense network with activity penalties on hidden layers.

    ``J = net's cost (mean loss + weight decay) + sum of penalty(a_l)`` over the
    layers ``l`` named in ``penalties``.  Backpropagation adds each penalty's
    ``dPenalty/da_l`` to the ``dJ/da_l`` coming from above, before the
    layer's ``f'(z)``.  Without penalties this is the network's own cost.

    Parameters
    ----------
    net : Network
        Layers with ``forward``/``backward`` (Dense layers).
    X : ndarray of shape (n_samples, n_inputs)
        Already checked, in the network's dtype.
    Y : ndarray of shape (n_samples, n_outputs)
        Targets (``X`` itself for an autoencoder).
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
    penalties = dict(penalties or {})
    n = len(net.layers)
    for i in penalties:
        if not 0 <= i < n - 1:
            raise ValueError(f"penalties: layer index {i} is not a hidden layer (0..{n - 2})")
    m = X.shape[0]
    A = X
    for layer in net.layers:
        A = layer.forward(A, False)
    out = net.layers[-1]
    act = getattr(out, "activation", None)
    path = net.loss.logit_paths.get(act.name) if act is not None and act.builtin else None
    if path is not None:  # exact from z (a - y for the canonical pairs)
        J = float(np.mean(path.value(out.Z, Y)))
        grad_in = out.backward_delta(path.delta(out.Z, A, Y) / m, need_input_grad=n > 1)
    else:
        J = float(np.mean(net.loss.value(A, Y)))
        grad_in = out.backward(net.loss.grad(A, Y) / m, need_input_grad=n > 1)
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
            J += penalties[i].value(layer.A)
            grad_in = grad_in + penalties[i].grad(layer.A)
        grad_in = layer.backward(grad_in, need_input_grad=i > 0)
    lam = net.weight_decay
    if lam:
        c = lam / (m if net.decay == "per_sample" else 1)
        for layer in net.layers:
            W = getattr(layer, "W", None)
            if W is not None:
                J += 0.5 * c * float(np.sum(W * W))
                layer.dW += c * W
    return J, net.grads


def _fit_scipy(net: Network, X: np.ndarray, Y: np.ndarray, penalties, method: str,
               max_iter: int) -> scipy.optimize.OptimizeResult:
    """Minimise :func:`penalized_cost` over ``net.params`` with SciPy; the net keeps the result."""
    def fun(theta: np.ndarray) -> tuple[float, np.ndarray]:
        net.params[...] = theta
        J, g = penalized_cost(net, X, Y, penalties)
        return J, g.astype(np.float64)  # a copy: SciPy keeps it

    with scipy_blas_single_thread():  # see _threads: the two BLAS pools would contend
        result = scipy.optimize.minimize(fun, net.params.astype(np.float64), jac=True,
                                         method=_METHODS[method], options={"maxiter": max_iter})
    if not np.all(np.isfinite(result.x)):
        raise FloatingPointError(f"{method} produced non-finite parameters")
    net.params[...] = result.x
    return result


def _check_method(method: str) -> str:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {sorted(_METHODS)}, got {method!r}")
    return method


def _checked_X(est: BaseEstimator, X: object, reset: bool, dtype: np.dtype | type,
               y: object = "no_validation", name: str = "X") -> Any:
    """``X`` (and ``y``) checked as scikit-learn's estimators check them, then for NaN/inf.

    scikit-learn's ``validate_data`` requires a dense 2-D array of numbers (sparse,
    complex and 1-D input are refused with its messages, a DataFrame's values taken),
    records ``n_features_in_`` and ``feature_names_in_`` when ``reset`` and otherwise
    refuses another number of columns or other column names.  chainrule's own check
    then names the NaN and infinite values.

    Parameters
    ----------
    est : BaseEstimator
        The estimator fitting or predicting.
    X : array-like of shape (n_samples, n_features)
    reset : bool
        True in ``fit`` (record the features), False afterwards (check them).
    dtype : dtype
        The dtype of the returned array.
    y : array-like of shape (n_samples,), optional
        Labels, checked with ``X`` (1-D, one per row; a column vector is raveled
        with a warning; None is refused).  Not given: only ``X`` is checked.
    name : str, default "X"
        How chainrule's messages name ``X``.

    Returns
    -------
    ndarray of shape (n_samples, n_features), or the tuple ``(X, y)`` when ``y`` is given
    """
    only_X = isinstance(y, str) and y == "no_validation"
    if only_X:
        X = validate_data(est, X, reset=reset, dtype=dtype, ensure_all_finite=False)
    else:
        X, y = validate_data(est, X, y, reset=reset, dtype=dtype, ensure_all_finite=False)
    X = check_finite_array(X, name, dtype=dtype, ndim=2)
    return X if only_X else (X, y)


def _rng(random_state: object) -> np.random.Generator:
    """A Generator from ``random_state`` as scikit-learn takes it, or from a Generator.

    Parameters
    ----------
    random_state : None, int, numpy.random.RandomState or numpy.random.Generator
        A RandomState gives one draw for the seed (and advances, as in
        scikit-learn); a Generator is used as it is.
    """
    check_random_state_value(random_state)
    if isinstance(random_state, np.random.RandomState):
        return np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
    return make_rng(random_state)


def _ufldl_dense(fan_in: int, fan_out: int, activation: str, rng: np.random.Generator) -> Dense:
    return Dense(fan_in, fan_out, activation, init="ufldl", seed=rng)


# the values a bounded decoder can reconstruct (the others reach any real number, or at
# least any number >= 0, which data seldom leave)
# the values each decoder can reconstruct; data outside them is refused (see fit)
_OUTPUT_RANGES = {"sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, np.inf),
                  "softplus": (0.0, np.inf), "exp": (0.0, np.inf)}


# --- the sparse autoencoder --------------------------------------------------------------------
class SparseAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
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
        Iterations of the optimiser.
    random_state : int, RandomState, Generator or None
        Seed of the initial weights (UFLDL's uniform ``+-sqrt(6/(fan_in+fan_out+1))``):
        an int in [0, 2**32 - 1] (not a bool), one draw from a RandomState, or a
        Generator used as it is; anything else raises a ValueError naming
        ``random_state`` before the fit changes anything.
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"
        SciPy optimiser on the flat parameter vector.
    output : str, default "sigmoid"
        Activation of the reconstruction: "sigmoid" for data in [0, 1]
        (normalised patches, pixels), "identity" for a linear decoder.  A
        bounded decoder refuses data it cannot reach: outside [0, 1] for
        "sigmoid", outside [-1, 1] for "tanh", below 0 for "relu",
        "softplus" and "exp"; "softmax" (rows that sum to 1) is refused.

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

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).uniform(0.1, 0.9, size=(50, 16))
    >>> ae = SparseAutoencoder(5, max_iter=20, random_state=0).fit(X)
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

    # -- building and the cost -------------------------------------------------------------------
    def _penalty(self) -> KLSparsity:
        return KLSparsity(self.rho, self.beta)

    def _build(self, n_features: int) -> Network:
        n_hidden = check_positive_int(self.n_hidden, "n_hidden")
        weight_decay = check_nonneg_float(self.weight_decay, "weight_decay")
        self._penalty()  # checks rho and beta
        rng = _rng(self.random_state)
        return Network(
            [_ufldl_dense(n_features, n_hidden, "sigmoid", rng),
             _ufldl_dense(n_hidden, n_features, self.output, rng)],
            loss="squared_error", weight_decay=weight_decay,
        )

    def _check_settings(self) -> None:
        """Check every setting by its own name (``random_state`` apart)."""
        check_positive_int(self.n_hidden, "n_hidden")
        self._penalty()  # rho and beta
        check_nonneg_float(self.weight_decay, "weight_decay")
        check_positive_int(self.max_iter, "max_iter")
        _check_method(self.method)
        try:
            output = get_activation(self.output)
        except (TypeError, ValueError) as exc:
            raise type(exc)(f"output: expected the name of an activation, such as 'sigmoid' "
                            f"or 'identity', got {self.output!r} ({exc})") from None
        if output.name == "softmax":  # each reconstruction would be a row of probabilities
            raise ValueError(
                "output: 'softmax' makes every reconstructed row sum to 1, which the inputs "
                "of an autoencoder do not; use 'sigmoid' for data in [0, 1], 'tanh' for "
                "[-1, 1], 'relu' or 'softplus' for data >= 0, or 'identity'")

    def _check_fitted(self) -> Network:
        if not hasattr(self, "network_"):
            raise NotFittedError(
                "this SparseAutoencoder is not fitted yet; call fit(X) first")
        return self.network_

    @property
    def params(self) -> np.ndarray:
        """The flat parameter vector of :attr:`network_` (``W1, b1, W2, b2``)."""
        return self._check_fitted().params

    def cost(self, theta: object, X: object) -> tuple[float, np.ndarray]:
        """``(J, grad)`` of the whole sparse cost at a flat parameter vector.

        Reconstruction error + weight decay + ``beta * sum KL(rho || rho_hat)``,
        for ``scipy.optimize.minimize(jac=True)`` and
        :func:`chainrule.gradient_check`.  The autoencoder is left as it was.

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
        X = check_data(X, net.n_inputs, net.dtype)
        saved = net.params.copy()
        try:
            net.params[...] = theta
            J, grad = penalized_cost(net, X, X, {0: self._penalty()})
            return J, grad.copy()
        finally:
            net.params[...] = saved

    # -- scikit-learn interface ------------------------------------------------------------------
    def fit(self, X: object, y: object = None) -> SparseAutoencoder:
        """Train on ``X`` (``y`` is ignored).

        A fit that fails (bad data or parameters) leaves a fitted model as it was.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            With a sigmoid output the values must lie in [0, 1].  Dense only
            (a sparse matrix is refused; pass ``X.toarray()``).
        y : ignored

        Returns
        -------
        self
        """
        with restored_on_error(self):
            return self._fit(X)

    def _fit(self, X: object) -> SparseAutoencoder:
        check_random_state_value(self.random_state)  # before anything changes
        X = _checked_X(self, X, True, np.float64)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        method = _check_method(self.method)
        self._check_settings()
        output = get_activation(self.output)
        net = self._build(X.shape[1])
        low, high = _OUTPUT_RANGES.get(output.name, (-np.inf, np.inf))  # "logistic" too
        if X.min() < low or X.max() > high:
            raise ValueError(
                f"X: with output={self.output!r} the data must lie in [{low:g}, {high:g}] (it "
                f"is reconstructed by a {output.name}), got values from {X.min():g} to "
                f"{X.max():g}; rescale it (chainrule.preprocessing.normalize_patches) or use "
                "output='identity'")
        result = _fit_scipy(net, X, X, {0: self._penalty()}, method, max_iter)
        self.network_ = net
        self.n_iter_ = int(result.nit)
        self.loss_ = float(result.fun)
        self.mean_activation_ = net.layers[0].forward(X).mean(axis=0)
        return self

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
            A DataFrame with ``set_output(transform="pandas")``, its columns
            :meth:`get_feature_names_out`.
        """
        net = self._check_fitted()
        return net.layers[0].forward(_checked_X(self, X, False, net.dtype)).copy()

    @property
    def _n_features_out(self) -> int:
        """Number of transformed features (hidden units), for ``get_feature_names_out``."""
        return self._check_fitted().layers[0].n_out

    def inverse_transform(self, H: object) -> np.ndarray:
        """Reconstruction ``f(H W2 + b2)`` from hidden activations.

        Parameters
        ----------
        H : array-like of shape (n_samples, n_hidden)

        Returns
        -------
        ndarray of shape (n_samples, n_features)
        """
        net = self._check_fitted()
        n_hidden = net.layers[1].n_in
        H = check_finite_array(H, "H", dtype=net.dtype, ndim=2)
        if H.shape[1] != n_hidden:
            raise ValueError(f"H must have {n_hidden} columns (one per hidden unit), got shape "
                             f"{H.shape}")
        return net.layers[1].forward(H).copy()

    def reconstruct(self, X: object) -> np.ndarray:
        """``inverse_transform(transform(X))``, shape (n_samples, n_features)."""
        return self.inverse_transform(self.transform(X))

    @property
    def filters_(self) -> np.ndarray:
        """Input weights of each hidden unit, shape (n_hidden, n_features) (``W1.T``)."""
        return self._check_fitted().layers[0].W.T.copy()

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted autoencoder to ``path`` (.npz of arrays + JSON; never pickle).

        A container chosen with :meth:`set_output` (``transform="pandas"``, ...)
        is kept in the JSON record and set again by :func:`load_autoencoder`.

        Parameters
        ----------
        path : str or PathLike
            ``.npz`` is appended if missing.

        Returns
        -------
        Path
            The file written; :func:`load_autoencoder` reads it back.
        """
        return _save(self, path)

    def _fitted_record(self, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({"n_features_in_": int(self.n_features_in_), "n_iter_": int(self.n_iter_),
                 "loss_": float(self.loss_)},
                {f"{prefix}mean_activation_": np.asarray(self.mean_activation_)})


# --- softmax regression ------------------------------------------------------------------------
class _NetClassifier(ClassifierMixin, BaseEstimator):
    """Shared predict / predict_proba / score of the network classifiers."""

    def _check_fitted(self) -> Network:
        if not hasattr(self, "network_"):
            raise NotFittedError(f"this {type(self).__name__} is not fitted yet; call fit first")
        return self.network_

    def _labels(self, y: np.ndarray) -> np.ndarray:
        """Class codes of labels ``y`` checked by :func:`_checked_X`; sets ``classes_``."""
        check_classification_targets(y)  # a continuous target is refused, as in scikit-learn
        self.classes_, codes = np.unique(y, return_inverse=True)
        if self.classes_.size < 2:
            raise ValueError(f"y has 1 class ({self.classes_.tolist()[0]!r}); at least 2 "
                             "classes are needed")
        return codes

    def predict_proba(self, X: object) -> np.ndarray:
        """Class probabilities.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            The features of ``fit`` (same number; a DataFrame's columns by the same
            names, in the same order).

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
            Columns in the order of ``classes_``.
        """
        net = self._check_fitted()
        return net.forward(_checked_X(self, X, False, net.dtype))

    def predict(self, X: object) -> np.ndarray:
        """Most probable class of each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        proba = self.predict_proba(X)  # NotFittedError before classes_ is looked up
        return self.classes_[np.argmax(proba, axis=1)]

    def save(self, path: str | os.PathLike) -> Path:
        """Save the fitted classifier to ``path`` (.npz of arrays + JSON; never pickle).

        The class labels keep their dtype (strings stay strings).

        Parameters
        ----------
        path : str or PathLike
            ``.npz`` is appended if missing.

        Returns
        -------
        Path
            The file written; :func:`load_autoencoder` reads it back.
        """
        return _save(self, path)

    def _fitted_record(self, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return ({"n_features_in_": int(self.n_features_in_), "n_iter_": int(self.n_iter_),
                 "classes_": self.classes_.tolist(), "classes_dtype": self.classes_.dtype.str},
                {})


class SoftmaxRegression(_NetClassifier):
    """Softmax regression: a network with no hidden layer and a softmax output.

    Cost: mean cross-entropy + ``(lambda/2) sum W^2``, minimised by L-BFGS.

    Parameters
    ----------
    weight_decay : float, default 1e-4
    max_iter : int, default 400
    random_state : int, RandomState, Generator or None
        Seed of the small random initial weights.
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"

    Attributes
    ----------
    network_ : Network
        ``Dense(n_features, n_classes, "softmax")`` with cross-entropy.
    classes_ : ndarray of shape (n_classes,)
    n_iter_ : int
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The columns of a DataFrame ``X`` (only then); ``predict`` refuses other
        names or another order, as scikit-learn's estimators do.
    """

    def __init__(self, weight_decay: float = 1e-4, max_iter: int = 400,
                 random_state: int | np.random.RandomState | np.random.Generator | None = None,
                 method: str = "L-BFGS-B") -> None:
        self.weight_decay = weight_decay
        self.max_iter = max_iter
        self.random_state = random_state
        self.method = method

    def _check_settings(self) -> None:
        """Check every setting by its own name (``random_state`` apart)."""
        check_nonneg_float(self.weight_decay, "weight_decay")
        check_positive_int(self.max_iter, "max_iter")
        _check_method(self.method)

    def fit(self, X: object, y: object) -> SoftmaxRegression:
        """Train on features ``X`` of shape (n_samples, n_features) and labels ``y``.

        A fit that fails (bad data, one class) leaves a fitted model as it was.
        """
        with restored_on_error(self):
            return self._fit(X, y)

    def _fit(self, X: object, y: object) -> SoftmaxRegression:
        check_random_state_value(self.random_state)  # before anything changes
        X, y = _checked_X(self, X, True, np.float64, y)
        codes = self._labels(y)
        net = Network([Dense(X.shape[1], self.classes_.size, "softmax", init="normal",
                             seed=_rng(self.random_state))],
                      loss="cross_entropy",
                      weight_decay=check_nonneg_float(self.weight_decay, "weight_decay"))
        Y = net.prepare_targets(codes, X.shape[0], "y")
        result = _fit_scipy(net, X, Y, None, _check_method(self.method),
                            check_positive_int(self.max_iter, "max_iter"))
        self.network_ = net
        self.n_iter_ = int(result.nit)
        return self


# --- stacked autoencoder -----------------------------------------------------------------------
class StackedAutoencoder(_NetClassifier):
    """Sparse autoencoders stacked greedily, a softmax on top, then fine-tuned by backprop.

    1. Pretraining: the first autoencoder learns features of the unlabelled
       data, the second learns features of the first one's features, and so on.
    2. A :class:`SoftmaxRegression` is trained on the last features of the
       labelled data.
    3. Fine-tuning: the encoders and the softmax form one network
       ``n_features -> hidden_sizes... -> n_classes`` trained on the labelled
       data with cross-entropy + weight decay (+ the sparsity penalties of the
       hidden layers when ``fine_tune_sparsity``).

    Parameters
    ----------
    hidden_sizes : sequence of int, default (200, 200)
    rho, beta, weight_decay : float
        Settings of every autoencoder (SPEC 9's digits settings by default).
    max_iter : int, default 400
        Iterations of each pretraining.
    softmax_weight_decay : float, default 1e-4
    softmax_max_iter : int, default 400
    fine_tune_iter : int, default 400
        Iterations of fine-tuning (0 skips it).
    fine_tune_weight_decay : float, optional
        Weight decay of the whole stack while fine-tuning; by default
        ``softmax_weight_decay`` (the features are already regularised by
        their pretraining).
    fine_tune_sparsity : bool, default True
        Keep the KL sparsity penalties on the hidden layers while fine-tuning.
    random_state : int, RandomState, Generator or None
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"

    Attributes
    ----------
    autoencoders_ : list of SparseAutoencoder
    softmax_ : SoftmaxRegression
        The softmax before fine-tuning (self-taught learning on the top features).
    network_ : Network
        The fine-tuned stack.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The columns of a DataFrame ``X`` (only then), checked by ``predict``.
    """

    def __init__(
        self,
        hidden_sizes: Sequence[int] = (200, 200),
        rho: float = 0.1,
        beta: float = 3.0,
        weight_decay: float = 3e-3,
        max_iter: int = 400,
        softmax_weight_decay: float = 1e-4,
        softmax_max_iter: int = 400,
        fine_tune_iter: int = 400,
        fine_tune_weight_decay: float | None = None,
        fine_tune_sparsity: bool = True,
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        method: str = "L-BFGS-B",
    ) -> None:
        self.hidden_sizes = hidden_sizes
        self.rho = rho
        self.beta = beta
        self.weight_decay = weight_decay
        self.max_iter = max_iter
        self.softmax_weight_decay = softmax_weight_decay
        self.softmax_max_iter = softmax_max_iter
        self.fine_tune_iter = fine_tune_iter
        self.fine_tune_weight_decay = fine_tune_weight_decay
        self.fine_tune_sparsity = fine_tune_sparsity
        self.random_state = random_state
        self.method = method

    def fit(self, X: object, y: object, X_unlabeled: object = None) -> StackedAutoencoder:
        """Pretrain, train the softmax, fine-tune.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Labelled data, values in [0, 1].
        y : array-like of shape (n_samples,)
        X_unlabeled : array-like of shape (n_unlabeled, n_features), optional
            Data for the pretraining (self-taught learning); ``X`` when omitted.
            When both are DataFrames, the same column names in the same order.

        Returns
        -------
        self

        A fit that fails (bad data, one class, a diverging stage) leaves a
        fitted model as it was.
        """
        with restored_on_error(self):
            return self._fit(X, y, X_unlabeled)

    def _fit(self, X: object, y: object, X_unlabeled: object) -> StackedAutoencoder:
        check_random_state_value(self.random_state)  # before anything changes
        X, y = _checked_X(self, X, True, np.float64, y)
        self._labels(y)
        sizes, decay, fine = self._checked_settings()
        if X_unlabeled is None:
            U = X
        else:
            U = check_finite_array(X_unlabeled, "X_unlabeled", dtype=np.float64, ndim=2)
            if U.shape[1] != X.shape[1]:
                raise ValueError(f"X_unlabeled must have {X.shape[1]} columns like X, "
                                 f"got {U.shape[1]}")
            for name, data in (("X_unlabeled", U), ("X", X)):  # X: encoded as U was
                if data.min() < 0 or data.max() > 1:
                    raise ValueError(
                        f"{name}: the data must lie in [0, 1] (the first autoencoder "
                        f"reconstructs such data by a sigmoid), got values from "
                        f"{data.min():g} to {data.max():g}; rescale it "
                        "(chainrule.preprocessing.normalize_patches)")
            names = getattr(self, "feature_names_in_", None)  # X's, set by _checked_X
            columns = getattr(X_unlabeled, "columns", None)
            if names is not None and columns is not None and \
                    [str(c) for c in columns] != [str(n) for n in names]:
                raise ValueError(
                    f"X_unlabeled must have the columns of X, by the same names in the same "
                    f"order: expected {list(names)}, got {[str(c) for c in columns]}")
        rng = _rng(self.random_state)
        seeds = rng.integers(0, 2**31 - 1, size=len(sizes) + 1)
        self.autoencoders_ = []
        feats_u, feats_x = U, X
        for n_hidden, seed in zip(sizes, seeds, strict=False):
            ae = SparseAutoencoder(n_hidden, rho=self.rho, beta=self.beta,
                                   weight_decay=self.weight_decay, max_iter=self.max_iter,
                                   random_state=int(seed), method=self.method).fit(feats_u)
            self.autoencoders_.append(ae)
            feats_u, feats_x = ae.transform(feats_u), ae.transform(feats_x)
        self.softmax_ = SoftmaxRegression(self.softmax_weight_decay, self.softmax_max_iter,
                                          int(seeds[-1]), self.method).fit(feats_x, y)
        layers = [ae.network_.layers[0] for ae in self.autoencoders_]
        layers.append(self.softmax_.network_.layers[0])
        # the stack's own copy of the weights
        net = Network(layers, loss="cross_entropy", weight_decay=decay)
        self.network_ = net
        self.n_iter_ = 0
        if fine:  # X is checked: not again, which would warn that an array has no names
            self._fine_tune(X, y, fine)
        return self

    def _checked_settings(self) -> tuple[list[int], float, int]:
        """Every setting checked by its own name, before any autoencoder is trained.

        The autoencoders and the softmax check their settings again, under
        their own parameter names (``max_iter``, ``weight_decay``); checked
        here first, an error names the stack's parameter and comes before
        minutes of pretraining.

        Returns
        -------
        sizes : list of int
            ``hidden_sizes``.
        decay : float
            The weight decay of fine-tuning.
        fine : int
            ``fine_tune_iter``.
        """
        sizes = check_int_sequence(self.hidden_sizes, "hidden_sizes", "(200, 200)")
        KLSparsity(self.rho, self.beta)  # checks rho and beta
        check_nonneg_float(self.weight_decay, "weight_decay")
        check_positive_int(self.max_iter, "max_iter")
        decay = check_nonneg_float(self.softmax_weight_decay, "softmax_weight_decay")
        check_positive_int(self.softmax_max_iter, "softmax_max_iter")
        if self.fine_tune_weight_decay is not None:
            decay = check_nonneg_float(self.fine_tune_weight_decay, "fine_tune_weight_decay")
        fine = check_positive_int(self.fine_tune_iter, "fine_tune_iter", minimum=0)
        if not isinstance(self.fine_tune_sparsity, (bool, np.bool_)):
            raise TypeError(f"fine_tune_sparsity must be True or False, got "
                            f"{self.fine_tune_sparsity!r} "
                            f"({type(self.fine_tune_sparsity).__name__})")
        _check_method(self.method)
        return sizes, decay, fine

    def _check_settings(self) -> None:
        """Check every setting by its own name (``random_state`` apart)."""
        self._checked_settings()

    def _penalties(self) -> dict[int, KLSparsity] | None:
        if not self.fine_tune_sparsity:
            return None
        return {i: KLSparsity(self.rho, self.beta) for i in range(len(self.network_.layers) - 1)}

    def fine_tune(self, X: object, y: object, max_iter: int | None = None) -> StackedAutoencoder:
        """Train the whole stack by backprop on labelled data (more iterations after ``fit``).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), labels among ``classes_``
        max_iter : int, optional
            Defaults to ``fine_tune_iter`` (which must then be >= 1).

        Returns
        -------
        self
        """
        net = self._check_fitted()
        self._checked_settings()  # set_params may have changed them since the fit
        if max_iter is None:
            default = check_positive_int(self.fine_tune_iter, "fine_tune_iter", minimum=0)
            if default == 0:
                raise ValueError("max_iter: not given, so fine_tune_iter is used, and it is 0 "
                                 "(no fine-tuning); pass max_iter >= 1")
            max_iter = default
        max_iter = check_positive_int(max_iter, "max_iter")
        X = _checked_X(self, X, False, net.dtype)
        return self._fine_tune(X, y, max_iter)

    def _fine_tune(self, X: np.ndarray, y: object, max_iter: int) -> StackedAutoencoder:
        """:meth:`fine_tune` on an ``X`` already checked (by ``fit`` or ``fine_tune``).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), labels among ``classes_``
        max_iter : int
            Iterations of the optimiser (>= 1).
        """
        net = self.network_
        Y = net.prepare_targets(self._codes(y, X.shape[0]), X.shape[0], "y")
        result = _fit_scipy(net, X, Y, self._penalties(), _check_method(self.method), max_iter)
        self.n_iter_ += int(result.nit)
        return self

    def _codes(self, y: object, n: int) -> np.ndarray:
        y = np.asarray(y)
        if y.shape != (n,):
            raise ValueError(f"y must have shape ({n},), got {y.shape}")
        known = self.classes_.tolist()
        try:
            codes = np.searchsorted(self.classes_, y)
        except TypeError:  # labels that do not compare with the classes (None among ints)
            unseen = sorted({repr(v) for v in y.tolist() if v not in known})
            raise ValueError(f"y holds labels not seen in fit: [{', '.join(unseen)}]; "
                             f"known: {known}") from None
        if np.any(codes >= self.classes_.size) or np.any(self.classes_[
                np.minimum(codes, self.classes_.size - 1)] != y):
            unseen = np.unique(y[~np.isin(y, self.classes_)]).tolist()
            raise ValueError(f"y holds labels not seen in fit: {unseen}; known: {known}")
        return codes

    def cost(self, theta: object, X: object, y: object) -> tuple[float, np.ndarray]:
        """``(J, grad)`` of the fine-tuning cost at a flat vector (for gradient checks).

        Cross-entropy of the softmax on top + weight decay (``fine_tune_weight_decay``)
        + the KL sparsity penalties of the hidden layers when ``fine_tune_sparsity``.
        The stack is left as it was.

        Parameters
        ----------
        theta : array-like of shape (n_params,)
            In the order of ``network_.params``.
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Labels among ``classes_``.

        Returns
        -------
        J : float
        grad : ndarray of shape (n_params,)
        """
        net = self._check_fitted()
        theta = net._check_theta(theta)
        X = check_data(X, net.n_inputs, net.dtype)
        Y = net.prepare_targets(self._codes(y, X.shape[0]), X.shape[0], "y")
        penalties = self._penalties()
        saved = net.params.copy()
        try:
            net.params[...] = theta
            J, grad = penalized_cost(net, X, Y, penalties)
            return J, grad.copy()
        finally:
            net.params[...] = saved

    @property
    def params(self) -> np.ndarray:
        """Flat parameter vector of the stack :attr:`network_`."""
        return self._check_fitted().params


# --- saving and loading: arrays + JSON, never pickle ------------------------------------------
AUTOENCODER_FORMAT = "chainrule.autoencoder"
_KINDS: dict[str, type] = {"SparseAutoencoder": SparseAutoencoder,
                           "SoftmaxRegression": SoftmaxRegression,
                           "StackedAutoencoder": StackedAutoencoder}
# the JSON keys of each kind's "fitted" record (feature_names_in_ is optional)
_FITTED = {
    "SparseAutoencoder": {"n_features_in_", "n_iter_", "loss_"},
    "SoftmaxRegression": {"n_features_in_", "n_iter_", "classes_", "classes_dtype"},
    "StackedAutoencoder": {"n_features_in_", "n_iter_", "classes_", "classes_dtype"},
}
_RECORD_KEYS = {"estimator", "params", "fitted", "network", "states"}
# optional: the container set_output chose for transform, e.g. {"transform": "pandas"}
_OUTPUT_CONFIG = "output_config"
_OUTPUT_CONTAINERS = ("default", "pandas", "polars")
_STACK_KEYS = {"softmax_", "autoencoders_"}


def _is_count(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def _is_real(v: object) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and bool(np.isfinite(v))


def _json_params(est: BaseEstimator) -> dict[str, Any]:
    params = {}
    for key, value in est.get_params().items():
        if key == "random_state" and not (value is None or isinstance(value, numbers.Integral)):
            value = None  # a Generator: its state is not kept (the weights are)
        if isinstance(value, (tuple, list, range, np.ndarray)):  # hidden_sizes as fit takes it
            value = [v.item() if isinstance(v, np.generic) else v for v in value]
        elif isinstance(value, np.generic):
            value = value.item()
        params[key] = value
    return params


def _record(est: BaseEstimator, prefix: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The JSON record and arrays of one fitted estimator, its arrays named ``prefix...``."""
    net = est._check_fitted()
    fitted, arrays = est._fitted_record(prefix)
    names = getattr(est, "feature_names_in_", None)
    if names is not None:
        fitted["feature_names_in_"] = [str(name) for name in names]
    record = {"estimator": type(est).__name__, "params": _json_params(est), "fitted": fitted,
              "network": io.network_config(net),
              "states": [layer.get_state() for layer in net.layers]}
    # set_output(transform=...) of this estimator (scikit-learn keeps it in this attribute;
    # without it, the global configuration applies, at load time too)
    config = getattr(est, "_sklearn_output_config", None)
    if isinstance(config, dict) and isinstance(config.get("transform"), str):
        record[_OUTPUT_CONFIG] = {"transform": config["transform"]}
    arrays.update(io.network_arrays(net, prefix))
    if isinstance(est, StackedAutoencoder):
        record["softmax_"], more = _record(est.softmax_, f"{prefix}softmax_/")
        arrays.update(more)
        record["autoencoders_"] = []
        for i, ae in enumerate(est.autoencoders_):
            rec, more = _record(ae, f"{prefix}autoencoders_/{i}/")
            record["autoencoders_"].append(rec)
            arrays.update(more)
    return record, arrays


def _save(est: BaseEstimator, path: str | os.PathLike) -> Path:
    est._check_fitted()
    # a setting changed by set_params after the fit to one no fit accepts: the file would
    # be refused by load_autoencoder, so it is not written
    parts = [est, *getattr(est, "autoencoders_", [])]
    if hasattr(est, "softmax_"):
        parts.append(est.softmax_)
    for part in parts:
        part._check_settings()
    record, arrays = _record(est, "")
    return io.write_file(path, {"format": AUTOENCODER_FORMAT, **record}, arrays)


def _network_problem(kind: str, params: dict, fitted: dict, net: Network,
                     arrays: dict[str, np.ndarray], prefix: str) -> str | None:
    """What is wrong between a kind's fitted record, its parameters and its network."""
    act = net.output_activation
    out = act.name if act is not None else None
    if not all(isinstance(layer, Dense) for layer in net.layers):
        return "network: expected Dense layers only"
    if kind == "SparseAutoencoder":
        hidden = net.layers[0].activation
        if (len(net.layers) != 2 or net.loss.name != "squared_error"
                or hidden is None or hidden.name != "sigmoid"):
            return ("network: a SparseAutoencoder needs 2 Dense layers (the first sigmoid) "
                    f"and the loss 'squared_error'; found {len(net.layers)} layer(s) and "
                    f"{net.loss.name!r}")
        if net.n_outputs != net.n_inputs:
            return (f"network: a SparseAutoencoder reconstructs its {net.n_inputs} inputs, "
                    f"this network has {net.n_outputs} outputs")
        if out != params.get("output", "sigmoid"):
            return (f"params: output: expected {out!r} (the network's output activation), "
                    f"found {params.get('output')!r}")
        if params.get("n_hidden", 25) != net.layers[0].n_out:
            return (f"params: n_hidden: expected {net.layers[0].n_out} (the network's hidden "
                    f"units), found {params.get('n_hidden')!r}")
        if not (_is_real(fitted["loss_"]) and fitted["loss_"] >= 0):  # a sum of 3 terms >= 0
            return (f"fitted: loss_: expected a finite number >= 0 (the sparse cost), found "
                    f"{fitted['loss_']!r}")
        mean = arrays.get(f"{prefix}mean_activation_")
        if mean is None or mean.shape != (net.layers[0].n_out,) or mean.dtype.kind != "f":
            return (f"mean_activation_: expected a float array of shape "
                    f"({net.layers[0].n_out},), found "
                    f"{None if mean is None else (mean.shape, mean.dtype.str)}")
        if not np.all((mean >= 0) & (mean <= 1)):  # means of sigmoid activations
            return (f"mean_activation_: expected values in [0, 1] (means of sigmoid "
                    f"activations), found {mean.min()!r} to {mean.max()!r}")
    else:
        if out != "softmax" or net.loss.name != "cross_entropy":
            return (f"network: a {kind} needs a softmax output and the loss 'cross_entropy'; "
                    f"found {out!r} and {net.loss.name!r}")
        if kind == "SoftmaxRegression" and len(net.layers) != 1:
            return f"network: a SoftmaxRegression has 1 layer, found {len(net.layers)}"
        classes = fitted["classes_"]
        if not isinstance(classes, list) or not all(
                isinstance(v, (str, bool)) or _is_real(v) for v in classes):
            return f"fitted: classes_: expected a list of strings or numbers, found {classes!r}"
        if len(classes) != net.n_outputs:
            return (f"fitted: classes_: expected {net.n_outputs} labels (the network's "
                    f"outputs), found {len(classes)}")
        problem = io.class_labels_problem(classes, fitted["classes_dtype"])
        if problem is not None:
            return f"fitted: {problem}"
    return None


def _restore(record: object, arrays: dict[str, np.ndarray], path: object, prefix: str,
             kinds: Sequence[str]) -> BaseEstimator:
    """Check one estimator's record and rebuild it; ``bad`` errors name the file and key."""
    where = prefix.rstrip("/") or "record"

    def bad(what: str) -> ValueError:
        return ValueError(f"{path}: corrupted autoencoder file ({where}: {what})")

    if not isinstance(record, dict):
        raise bad(f"expected a JSON object, found {type(record).__name__}")
    kind = record.get("estimator")
    if not isinstance(kind, str) or kind not in kinds:
        raise bad(f"estimator: expected one of {sorted(kinds)}, found {kind!r}")
    allowed = _RECORD_KEYS | (_STACK_KEYS if kind == "StackedAutoencoder" else set())
    cls = _KINDS[kind]
    transforms = hasattr(cls, "transform")  # set_output exists for transformers only
    optional = {_OUTPUT_CONFIG} if transforms else set()
    unknown = sorted(set(record) - allowed - optional
                     - ({"format", "version"} if not prefix else set()))
    if unknown:
        raise bad(f"unknown key(s) {unknown}; expected only {sorted(allowed | optional)}")
    missing = sorted(allowed - set(record))
    if missing:
        raise bad(f"missing key(s) {missing}")
    output_config = record.get(_OUTPUT_CONFIG)
    if _OUTPUT_CONFIG in record and not (
            isinstance(output_config, dict) and set(output_config) == {"transform"}
            and output_config["transform"] in _OUTPUT_CONTAINERS):
        raise bad(f"{_OUTPUT_CONFIG}: expected {{\"transform\": one of "
                  f"{list(_OUTPUT_CONTAINERS)}}}, found {output_config!r:.80}")
    params, fitted = record["params"], record["fitted"]
    if not isinstance(params, dict):
        raise bad(f"params: expected a JSON object, found {type(params).__name__}")
    if not isinstance(fitted, dict):
        raise bad(f"fitted: expected a JSON object, found {type(fitted).__name__}")
    params = dict(params)
    unknown = sorted(set(params) - set(cls().get_params()))
    if unknown:
        raise bad(f"params: unknown parameter(s) {unknown} for {kind}")
    for key, value in params.items():
        if key == "hidden_sizes":
            if not isinstance(value, list) or not value or not all(
                    _is_count(v) and v > 0 for v in value):
                raise bad(f"params: hidden_sizes: expected a list of positive integers, "
                          f"found {value!r}")
            params[key] = tuple(value)
        elif key == "random_state":
            if value is not None and not (_is_count(value) and value < 2**32):
                raise bad(f"params: random_state: expected null or an integer in "
                          f"[0, 2**32), found {value!r}")
        elif key in ("method", "output"):
            if not isinstance(value, str):
                raise bad(f"params: {key}: expected a string, found {value!r}")
        elif key == "fine_tune_sparsity":
            if not isinstance(value, bool):
                raise bad(f"params: {key}: expected true or false, found {value!r}")
        elif not (value is None and key == "fine_tune_weight_decay") and not _is_real(value):
            raise bad(f"params: {key}: expected a finite number, found {value!r}")
    expected = _FITTED[kind]
    unknown = sorted(set(fitted) - expected - {"feature_names_in_"})
    if unknown:
        raise bad(f"fitted: unknown key(s) {unknown}; expected only {sorted(expected)}")
    missing = sorted(expected - set(fitted))
    if missing:
        raise bad(f"fitted: missing key(s) {missing}")
    net = io.restore_network(record, arrays, path, prefix)
    if not (_is_count(fitted["n_features_in_"]) and fitted["n_features_in_"] == net.n_inputs):
        raise bad(f"fitted: n_features_in_: expected {net.n_inputs!r} (the network's inputs), "
                  f"found {fitted['n_features_in_']!r}")
    if not _is_count(fitted["n_iter_"]):
        raise bad(f"fitted: n_iter_: expected a non-negative integer, found "
                  f"{fitted['n_iter_']!r}")
    names = fitted.get("feature_names_in_")
    if names is not None and (not isinstance(names, list) or len(names) != net.n_inputs
                              or not all(isinstance(n, str) for n in names)):
        raise bad(f"fitted: feature_names_in_: expected a list of {net.n_inputs} strings, "
                  f"found {names!r:.80}")
    problem = _network_problem(kind, params, fitted, net, arrays, prefix)
    if problem is not None:
        raise bad(problem)
    missing = sorted(set(cls().get_params()) - set(params))  # save writes every one
    if missing:
        raise bad(f"params: missing parameter(s) {missing} for {kind}")
    est = cls(**params)
    try:  # the estimator's own checks of its settings: a refit or cost() would fail later
        est._check_settings()
    except (TypeError, ValueError) as exc:
        raise bad(f"params: {exc}") from None
    if output_config is not None:  # as set_output(transform=...) set it before the save
        est.set_output(**output_config)
    est.network_ = net
    est.n_features_in_ = fitted["n_features_in_"]
    est.n_iter_ = fitted["n_iter_"]
    if names is not None:
        est.feature_names_in_ = np.asarray(names, dtype=object)
    if kind == "SparseAutoencoder":
        est.loss_ = float(fitted["loss_"])
        est.mean_activation_ = arrays[f"{prefix}mean_activation_"]
        return est
    est.classes_ = np.array(fitted["classes_"], dtype=np.dtype(fitted["classes_dtype"]))
    if kind == "StackedAutoencoder":
        _restore_parts(est, record, arrays, path, prefix, bad)
    return est


def _restore_parts(est: StackedAutoencoder, record: dict, arrays: dict[str, np.ndarray],
                   path: object, prefix: str, bad) -> None:
    """Rebuild a stack's ``softmax_`` and ``autoencoders_`` and check they fit its network."""
    net = est.network_
    n_hidden = len(net.layers) - 1
    if len(est.hidden_sizes) != n_hidden or any(
            size != layer.n_out for size, layer in zip(est.hidden_sizes, net.layers,
                                                       strict=False)):
        raise bad(f"params: hidden_sizes: expected the network's hidden layers "
                  f"{[layer.n_out for layer in net.layers[:-1]]}, found "
                  f"{list(est.hidden_sizes)}")
    parts = record["autoencoders_"]
    if not isinstance(parts, list) or len(parts) != n_hidden:
        raise bad(f"autoencoders_: expected a list of {n_hidden} records, found "
                  f"{type(parts).__name__} of {len(parts) if isinstance(parts, list) else '?'}")
    est.autoencoders_ = [
        _restore(rec, arrays, path, f"{prefix}autoencoders_/{i}/", ["SparseAutoencoder"])
        for i, rec in enumerate(parts)]
    n_in = net.n_inputs
    for i, ae in enumerate(est.autoencoders_):
        if ae.n_features_in_ != n_in or ae.network_.layers[0].n_out != net.layers[i].n_out:
            raise bad(f"autoencoders_[{i}]: expected {n_in} -> {net.layers[i].n_out} units "
                      f"(the stack's layer {i}), found {ae.n_features_in_} -> "
                      f"{ae.network_.layers[0].n_out}")
        n_in = net.layers[i].n_out
    est.softmax_ = _restore(record["softmax_"], arrays, path, f"{prefix}softmax_/",
                            ["SoftmaxRegression"])
    if est.softmax_.n_features_in_ != n_in or not np.array_equal(est.softmax_.classes_,
                                                                 est.classes_):
        raise bad(f"softmax_: expected {n_in} features and the classes {est.classes_.tolist()}"
                  f", found {est.softmax_.n_features_in_} and "
                  f"{est.softmax_.classes_.tolist()}")


def load_autoencoder(
    path: str | os.PathLike,
) -> SparseAutoencoder | SoftmaxRegression | StackedAutoencoder:
    """Load a model written by ``save`` of :class:`SparseAutoencoder`,
    :class:`SoftmaxRegression` or :class:`StackedAutoencoder`.

    The record is checked before the model is built: only the keys ``save``
    writes, each of its type, the class labels (with their dtype) and
    feature counts agreeing with the saved network(s).  Arrays are read
    without pickle.

    Parameters
    ----------
    path : str or PathLike
        The ``.npz`` file.

    Returns
    -------
    SparseAutoencoder or SoftmaxRegression or StackedAutoencoder
        Fitted, predicting/transforming exactly as the saved model did.

    Raises
    ------
    FileNotFoundError
        If there is no such file.
    IsADirectoryError
        If ``path`` is a directory.
    ValueError
        If the file is not a chainrule autoencoder file (a network or an MLP
        estimator file included), or is damaged or edited so that its record
        disagrees with itself or its networks; the message names the file.
    """
    meta, arrays = io.read_file(path, AUTOENCODER_FORMAT)
    try:
        return _restore(meta, arrays, path, "", list(_KINDS))
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"{path}: corrupted autoencoder file ({exc!r})") from None


# --- the self-taught learning comparison -------------------------------------------------------
@dataclass
class SelfTaughtResult:
    """Test accuracies and run times of raw pixels, self-taught features and the stack.

    Attributes
    ----------
    accuracy : dict of str -> float
        ``"raw"`` (softmax on the inputs), ``"self_taught"`` (softmax on the
        features of an autoencoder trained on the unlabelled data),
        ``"stacked_pretrained"`` (the stack's softmax before fine-tuning),
        ``"stacked"`` (after fine-tuning).
    seconds : dict of str -> float
        Training time of each, same keys.
    autoencoder : SparseAutoencoder
        The self-taught feature learner.
    stacked : StackedAutoencoder
    sizes : dict of str -> int
        ``n_unlabeled``, ``n_train``, ``n_test``, ``n_features``.
    """

    accuracy: dict[str, float]
    seconds: dict[str, float]
    autoencoder: SparseAutoencoder
    stacked: StackedAutoencoder
    sizes: dict[str, int]

    def summary(self) -> str:
        """A printable table of accuracies and times."""
        s = self.sizes
        lines = [f"{s['n_unlabeled']} unlabelled, {s['n_train']} labelled training and "
                 f"{s['n_test']} test examples of {s['n_features']} features",
                 f"{'classifier':<42} {'test accuracy':>13} {'time':>8}"]
        names = {"raw": "softmax on raw inputs",
                 "self_taught": "softmax on self-taught features",
                 "stacked_pretrained": "stacked autoencoder, before fine-tuning",
                 "stacked": "stacked autoencoder, fine-tuned"}
        for key, name in names.items():
            lines.append(f"{name:<42} {self.accuracy[key]:>13.4f} {self.seconds[key]:>7.1f}s")
        return "\n".join(lines)


def self_taught_learning(
    X_unlabeled: object,
    X_train: object,
    y_train: object,
    X_test: object,
    y_test: object,
    n_hidden: int = 200,
    hidden_sizes: Sequence[int] = (200, 200),
    rho: float = 0.1,
    beta: float = 3.0,
    weight_decay: float = 3e-3,
    max_iter: int = 400,
    softmax_weight_decay: float = 1e-4,
    softmax_max_iter: int = 400,
    fine_tune_iter: int = 400,
    random_state: int = 0,
) -> SelfTaughtResult:
    """Softmax on raw inputs vs on self-taught features vs a fine-tuned stacked autoencoder.

    All three classifiers see the same labelled training data and are scored
    on the same test data; the autoencoders learn from ``X_unlabeled`` only
    (SPEC 9's settings on handwritten digits by default).

    Parameters
    ----------
    X_unlabeled : array-like of shape (n_unlabeled, n_features), values in [0, 1]
    X_train : array-like of shape (n_train, n_features), values in [0, 1]
    X_test : array-like of shape (n_test, n_features)
    y_train, y_test : array-like of shape (n,)
    n_hidden : int, default 200
        Units of the self-taught autoencoder.
    hidden_sizes : sequence of int, default (200, 200)
        Layers of the stacked autoencoder.
    rho, beta, weight_decay, max_iter : autoencoder settings
    softmax_weight_decay, softmax_max_iter : softmax settings
    fine_tune_iter : int, default 400
        Iterations of the stack's fine-tuning (0 skips it: ``"stacked"`` is
        then ``"stacked_pretrained"``).
    random_state : int, default 0

    Returns
    -------
    SelfTaughtResult
    """
    import time

    X_unlabeled = check_finite_array(X_unlabeled, "X_unlabeled", dtype=np.float64, ndim=2)
    X_train = check_finite_array(X_train, "X_train", dtype=np.float64, ndim=2)
    X_test = check_finite_array(X_test, "X_test", dtype=np.float64, ndim=2)
    for name, data in (("X_unlabeled", X_unlabeled), ("X_test", X_test)):
        if data.shape[1] != X_train.shape[1]:
            raise ValueError(f"{name} must have {X_train.shape[1]} columns like X_train, "
                             f"got {data.shape[1]}")
    for name, data in (("X_unlabeled", X_unlabeled), ("X_train", X_train)):
        if data.min() < 0 or data.max() > 1:  # X_train: the stack's labelled data
            raise ValueError(
                f"{name}: the data must lie in [0, 1] (the autoencoders reconstruct such "
                f"data by a sigmoid), got values from {data.min():g} to {data.max():g}; "
                "rescale it (chainrule.preprocessing.normalize_patches)")
    y_train, y_test = np.asarray(y_train), np.asarray(y_test)
    for name, labels, data in (("y_train", y_train, X_train), ("y_test", y_test, X_test)):
        if labels.shape != (data.shape[0],):
            raise ValueError(f"{name} must have shape ({data.shape[0]},) (one label per row "
                             f"of X_{name[2:]}), got {labels.shape}")
    # every setting checked by its own name before minutes of training
    check_positive_int(n_hidden, "n_hidden")
    stack = StackedAutoencoder(hidden_sizes, rho=rho, beta=beta, weight_decay=weight_decay,
                               max_iter=max_iter, softmax_weight_decay=softmax_weight_decay,
                               softmax_max_iter=softmax_max_iter, fine_tune_iter=0,
                               random_state=random_state)
    stack._checked_settings()
    fine_tune_iter = check_positive_int(fine_tune_iter, "fine_tune_iter", minimum=0)
    acc, secs = {}, {}

    def softmax() -> SoftmaxRegression:
        return SoftmaxRegression(softmax_weight_decay, softmax_max_iter, random_state)

    start = time.perf_counter()
    raw = softmax().fit(X_train, y_train)
    secs["raw"] = time.perf_counter() - start
    acc["raw"] = float(raw.score(X_test, y_test))

    start = time.perf_counter()
    ae = SparseAutoencoder(n_hidden, rho=rho, beta=beta, weight_decay=weight_decay,
                           max_iter=max_iter, random_state=random_state).fit(X_unlabeled)
    taught = softmax().fit(ae.transform(X_train), y_train)
    secs["self_taught"] = time.perf_counter() - start
    acc["self_taught"] = float(taught.score(ae.transform(X_test), y_test))

    start = time.perf_counter()
    stack.fit(X_train, y_train, X_unlabeled)
    secs["stacked_pretrained"] = time.perf_counter() - start
    acc["stacked_pretrained"] = float(stack.score(X_test, y_test))
    start = time.perf_counter()
    if fine_tune_iter:  # 0: no fine-tuning, as in StackedAutoencoder
        stack.fine_tune(X_train, y_train, fine_tune_iter)
    secs["stacked"] = secs["stacked_pretrained"] + time.perf_counter() - start
    acc["stacked"] = float(stack.score(X_test, y_test))
    sizes = {"n_unlabeled": X_unlabeled.shape[0], "n_train": X_train.shape[0],
             "n_test": X_test.shape[0], "n_features": X_train.shape[1]}
    return SelfTaughtResult(acc, secs, ae, stack, sizes)
