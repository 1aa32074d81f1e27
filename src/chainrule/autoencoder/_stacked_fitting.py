"""How a :class:`~chainrule.autoencoder.StackedAutoencoder` fit builds its stack.

:class:`_StackedFitting`, a mixin base of the estimator, checks the settings each by
its own name, combines ``sample_weight`` with ``class_weight``, and runs the fitting
stages: the greedy pretraining of the sparse autoencoders, the softmax on the top
features, and the stack's network that fine-tuning then trains.
:func:`_check_unit_range` refuses data outside [0, 1] (``fine_tune`` and ``cost``
apply it too).  The estimator's public face (``fit``, ``fine_tune``, ``cost``,
``params``) and fine-tuning itself stay in ``_stacked``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .._class_weight import (
    check_class_weight,
    checked_sample_weight,
    label_weights,
    times_sample_weight,
)
from .._validation import (
    check_finite_array,
    check_int_sequence,
    check_nonneg_float,
    check_positive_int,
    check_random_state_value,
)
from ..activations import _outside
from ..network import Network
from ._base import _check_method, _checked_X, _interrupt_aborts, _rng
from ._penalty import KLSparsity
from ._softmax import SoftmaxRegression
from ._sparse import SparseAutoencoder, _layer_outputs
from ._sparse_fitting import check_autoencoder_size

if TYPE_CHECKING:
    from ._stacked import StackedAutoencoder


def _check_unit_range(data: np.ndarray, name: str) -> None:
    """Refuse data outside [0, 1], which the first autoencoder was not trained on.

    Parameters
    ----------
    data : ndarray of shape (n_samples, n_features)
    name : str
        How the message names it.
    """
    if _outside(data, 0.0, 1.0):  # past a bound by rounding only is inside
        raise ValueError(
            f"{name}: the data must lie in [0, 1] (the first autoencoder "
            f"reconstructs such data by a sigmoid), got values from "
            f"{data.min():.7g} to {data.max():.7g}; rescale it "
            "(chainrule.preprocessing.normalize_patches)")


class _StackedFitting:
    """The fit of :class:`~chainrule.autoencoder.StackedAutoencoder`: the mixin base that
    checks its settings, weighs its examples and runs its fitting stages."""

    def _fit(self, X: object, y: object, X_unlabeled: object,
             sample_weight: object = None) -> StackedAutoencoder:
        check_random_state_value(self.random_state)  # before anything changes
        X, y = _checked_X(self, X, True, np.float64, y)
        self._labels(y)
        sizes, decay, fine = self._checked_settings()
        # each autoencoder of the stack, before any is trained: named as hidden_sizes[i],
        # not as the SparseAutoencoder's "n_features x n_hidden" that it is built as
        n_in, fan_in = X.shape[1], "n_features"
        for i, size in enumerate(sizes):
            check_autoencoder_size(n_in, size, f"hidden_sizes[{i}]", fan_in)
            n_in, fan_in = size, f"hidden_sizes[{i}]"
        sw = self._sample_weights(y, sample_weight, X.shape[0])
        if X_unlabeled is None:
            U = X
        else:
            U = check_finite_array(X_unlabeled, "X_unlabeled", dtype=np.float64, ndim=2,
                                   sparse_note="StackedAutoencoder takes dense data only")
            if U.shape[1] != X.shape[1]:
                raise ValueError(f"X_unlabeled must have {X.shape[1]} columns like X, "
                                 f"got {U.shape[1]}")
            for name, data in (("X_unlabeled", U), ("X", X)):  # X: encoded as U was
                _check_unit_range(data, name)
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
        feats_u, feats_x = np.ascontiguousarray(U), X  # in C order, as transform reads them
        # a Ctrl-C before the stack is whole ends the fit, which changes nothing (a stage
        # stopped by it would let the next stage start); in fine-tuning it stops there
        with _interrupt_aborts():
            for n_hidden, seed in zip(sizes, seeds, strict=False):
                ae = SparseAutoencoder(n_hidden, rho=self.rho, beta=self.beta,
                                       weight_decay=self.weight_decay, max_iter=self.max_iter,
                                       random_state=int(seed), method=self.method).fit(feats_u)
                self.autoencoders_.append(ae)
                # the encoder's outputs as ndarrays, as transform computes them but never
                # a DataFrame that a global set_config(transform_output=...) would make of
                # them: the next stage would record its columns as feature names
                feats_u, feats_x = (_layer_outputs(ae.network_, 0, feats_u),
                                    _layer_outputs(ae.network_, 0, feats_x))
            self.softmax_ = SoftmaxRegression(self.softmax_weight_decay, self.softmax_max_iter,
                                              int(seeds[-1]), self.method).fit(feats_x, y, sw)
        layers = [ae.network_.layers[0] for ae in self.autoencoders_]
        layers.append(self.softmax_.network_.layers[0])
        # the stack's own copy of the weights
        net = Network(layers, loss="cross_entropy", weight_decay=decay)
        self.network_ = net
        self.n_iter_ = 0
        if fine:  # X is checked: not again, which would warn that an array has no names
            self._fine_tune(X, y, fine, decay, f"fine_tune_iter={fine}", keeps=False,
                            sample_weight=sw)
        return self

    def _sample_weights(self, y: np.ndarray, sample_weight: object,
                        n: int) -> np.ndarray | None:
        """``sample_weight`` (checked) times ``class_weight``'s weight of each label in ``y``.

        As :class:`SoftmaxRegression` combines them; None when neither is given.
        ``y`` holds labels among ``classes_``.
        """
        sw = checked_sample_weight(sample_weight, n)
        cw = label_weights(check_class_weight(self.class_weight), y, self.classes_,
                           sample_weight=sw)
        if cw is None:
            return sw
        return times_sample_weight(cw, sw, self.class_weight,
                                   detail=f", for the classes {np.unique(y).tolist()} of y")

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
        if not (isinstance(self.fine_tune_decay_layers, str)
                and self.fine_tune_decay_layers in ("all", "softmax")):
            raise ValueError(f"fine_tune_decay_layers must be 'all' or 'softmax' (the weights "
                             f"fine-tuning decays), got {self.fine_tune_decay_layers!r}")
        _check_method(self.method)
        check_class_weight(self.class_weight, owner=type(self).__name__)
        return sizes, decay, fine

    def _check_settings(self) -> None:
        """Check every setting by its own name (``random_state`` apart)."""
        self._checked_settings()
