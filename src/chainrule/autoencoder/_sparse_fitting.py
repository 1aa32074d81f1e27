"""How a :class:`~chainrule.autoencoder.SparseAutoencoder` fit builds and trains its network.

:class:`_SparseFitting`, a mixin base of the estimator, checks the settings each by
its own name, builds the ``n_features -> n_hidden -> n_features`` network with
UFLDL's initial weights, refuses data the decoder cannot reach
(:func:`_check_reachable`, which :meth:`SparseAutoencoder.cost` applies too), runs
SciPy's optimiser on the sparse cost and records the fitted attributes; its public
``initialized(X)`` is a copy at the starting point of such a fit (for a gradient
check before training, as UFLDL's exercise does).  The
estimator's public face (``fit``, ``cost``, ``transform``, ``inverse_transform``,
``filters_``, ``save``) stays in ``_sparse``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from sklearn.base import clone

from .._layers_init_checks import check_weight_count
from .._validation import (
    check_nonneg_float,
    check_positive_int,
    check_random_state_value,
    number_text,
)
from ..activations import OUTPUT_RANGES, _outside, get_activation
from ..network import Network, _release_caches
from ._base import _check_method, _checked_X, _fit_scipy, _rng, _ufldl_dense, _warn_unconverged
from ._penalty import KLSparsity, _penalized_cost

if TYPE_CHECKING:
    from ._sparse import SparseAutoencoder


def _check_reachable(X: np.ndarray, output: str, decoder: str) -> None:
    """Refuse data that a decoder of activation ``decoder`` cannot reconstruct.

    Values past a bound by rounding only (:data:`chainrule.activations.RANGE_ROUNDING`)
    are accepted.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_features)
    output : str
        The decoder as the message names it (the ``output`` setting, an alias such
        as "logistic" included).
    decoder : str
        The canonical name of its activation ("sigmoid", "tanh", ...).
    """
    low, high = OUTPUT_RANGES.get(decoder, (-np.inf, np.inf))
    if _outside(X, low, high):
        raise ValueError(
            f"X: with output={output!r} the data must lie in [{low:g}, {high:g}] (it "
            f"is reconstructed by a {decoder}), got values from {X.min():.7g} to "
            f"{X.max():.7g}; rescale it (chainrule.preprocessing.normalize_patches) or use "
            "output='identity'")


def check_autoencoder_size(n_in: int, n_hidden: int, name: str = "n_hidden",
                           fan_in: str = "n_features") -> None:
    """Refuse an ``n_in -> n_hidden -> n_in`` autoencoder whose parameters an array cannot
    hold, naming the size ``name`` and the memory they would take.

    The network keeps its ``2 n_in n_hidden + n_hidden + n_in`` parameters in one float64
    array; past ``np.iinfo(np.intp).max`` bytes NumPy says "array is too big", naming
    nothing (``n_hidden=10**18``: fewer entries than that, but 8 bytes each).

    Parameters
    ----------
    n_in, n_hidden : int
        Inputs (and outputs) and hidden units.
    name, fan_in : str
        How the message names them (``"hidden_sizes[1]"``, ``"hidden_sizes[0]"`` in a
        stack).
    """
    # more entries in one matrix than an array indexes: as a Dense layer names its sizes
    # (entries only, itemsize 1: the bytes of the whole parameter vector are counted below)
    check_weight_count((n_in, n_hidden),
                       f"{fan_in} x n_hidden" if name == "n_hidden" else
                       f"{name}: {fan_in} x {name}", itemsize=1)
    limit = int(np.iinfo(np.intp).max)
    n_params = 2 * n_in * n_hidden + n_hidden + n_in
    n_bytes = 8 * n_params
    if n_bytes > limit:
        raise ValueError(
            f"{name}: {number_text(n_hidden)} hidden units on {n_in} inputs make {n_params} "
            f"parameters (the {fan_in} x {name} weights of the encoder and of the decoder, "
            f"and the biases), {n_bytes} bytes of float64 ({n_bytes / 2**30:.3g} GiB), more "
            f"than an array holds ({limit} bytes)")


class _SparseFitting:
    """The fit of :class:`~chainrule.autoencoder.SparseAutoencoder`: the mixin base that
    checks its settings, builds its network and trains it."""

    def _penalty(self) -> KLSparsity:
        return KLSparsity(self.rho, self.beta)

    def _build(self, n_features: int) -> Network:
        n_hidden = check_positive_int(self.n_hidden, "n_hidden")
        # 10**400 hidden units: named, not as the encoder's "fan_in x fan_out"; 10**18:
        # named with the memory, not NumPy's "array is too big"
        check_autoencoder_size(n_features, n_hidden)
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
        if not output.differentiable:  # step, sign: backpropagation cannot pass through
            raise ValueError(
                f"output: {output.name!r} has no useful derivative, so backpropagation "
                "cannot train the decoder; use 'sigmoid' for data in [0, 1], 'tanh' for "
                "[-1, 1], 'relu' or 'softplus' for data >= 0, or 'identity'")

    def _start(self, X: object) -> tuple[np.ndarray, Network, str, int]:
        """What a fit checks and builds before it optimises: ``X`` (checked, recorded as
        ``n_features_in_``), the network at UFLDL's initial weights, the method, max_iter."""
        check_random_state_value(self.random_state)  # before anything changes
        X = _checked_X(self, X, True, np.float64)
        max_iter = check_positive_int(self.max_iter, "max_iter")
        method = _check_method(self.method)
        self._check_settings()
        output = get_activation(self.output)
        net = self._build(X.shape[1])
        _check_reachable(X, self.output, output.name)
        return X, net, method, max_iter

    def initialized(self, X: object) -> SparseAutoencoder:
        """A copy of the autoencoder at the initial weights a ``fit(X)`` starts from.

        UFLDL's ``initializeParameters``: both weight matrices uniform in
        ``+-sqrt(6 / (n_features + n_hidden + 1))``, drawn from ``random_state`` as
        :meth:`fit` draws them, and the biases 0.  The copy (``sklearn.base.clone``
        of this one, so a RandomState or Generator ``random_state`` is copied and
        left as it was: a ``fit(X)`` after this call starts from the same weights;
        None draws from NumPy's global RandomState, as every fit does) is set as a
        fit of no iteration would leave it, so its :meth:`cost`, :meth:`cost_terms`
        and :func:`chainrule.gradient_check` work there, as UFLDL's exercise checks
        its gradient before training.  This autoencoder is left as it was (unfitted
        stays unfitted).  ``gradient_check(ae, X)`` of an unfitted autoencoder checks
        ``ae.initialized(X)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Checked as :meth:`fit` checks it (a sigmoid decoder's data in [0, 1]).

        Returns
        -------
        SparseAutoencoder
            With ``network_`` at the initial weights (``params`` of shape
            (n_params,), ``n_params = 2 * n_features * n_hidden + n_hidden +
            n_features``), ``n_iter_`` 0, ``loss_`` the full cost there (with weight
            decay and the sparsity penalty), ``mean_activation_`` of shape
            (n_hidden,), ``n_features_in_``.

        Examples
        --------
        >>> import numpy as np, chainrule as cr
        >>> X = np.random.default_rng(0).uniform(0.1, 0.9, size=(10, 6))
        >>> ae = cr.SparseAutoencoder(3, random_state=0)
        >>> ae.initialized(X).params.shape, hasattr(ae, "network_")
        ((45,), False)
        """
        start = clone(self)
        X, net, _, _ = start._start(X)
        try:
            J, _ = _penalized_cost(net, X, X, {0: start._penalty()})
            start.mean_activation_ = net.layers[0].forward(X).mean(axis=0)
        finally:
            _release_caches(net)
        start.network_ = net
        start.n_iter_ = 0
        start.loss_ = float(J)
        return start

    def _fit(self, X: object) -> SparseAutoencoder:
        X, net, method, max_iter = self._start(X)
        result = _fit_scipy(net, X, X, {0: self._penalty()}, method, max_iter,
                            "SparseAutoencoder")
        _warn_unconverged(result, "SparseAutoencoder", method, f"max_iter={max_iter}")
        self.network_ = net
        self.n_iter_ = int(result.nit)
        self.loss_ = float(result.fun)
        self.mean_activation_ = net.layers[0].forward(X).mean(axis=0)
        _release_caches(net)
        return self
