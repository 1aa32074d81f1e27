"""Stacked sparse autoencoders, pretrained greedily, then fine-tuned with a softmax on top.

The settings checks and the fitting stages (pretraining, the softmax, the stack's
network) are in ``_stacked_fitting``; the learned features (``transform``,
``fit_transform``, their names) in ``_stacked_features``; fine-tuning and the
public face are here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .._validation import check_data, check_positive_int, restored_on_error
from ..network import _release_caches
from ..training import TrainingDiverged
from ._base import _check_method, _checked_X, _fit_scipy, _warn_unconverged
from ._classifier import _NetClassifier
from ._penalty import KLSparsity, _data_shares, _penalized_cost
from ._stacked_features import _StackedFeatures
from ._stacked_fitting import _check_unit_range, _StackedFitting


class StackedAutoencoder(_StackedFitting, _StackedFeatures, _NetClassifier):
    """Sparse autoencoders stacked greedily, a softmax on top, then fine-tuned by backprop.

    1. Pretraining: the first autoencoder learns features of the unlabelled
       data, the second learns features of the first one's features, and so on.
    2. A :class:`SoftmaxRegression` is trained on the last features of the
       labelled data.
    3. Fine-tuning: the encoders and the softmax form one network
       ``n_features -> hidden_sizes... -> n_classes`` trained on the labelled
       data with cross-entropy + weight decay (+ the sparsity penalties of the
       hidden layers when ``fine_tune_sparsity``).

    A classifier (``predict``, ``predict_proba``) and, like scikit-learn's
    ``LinearDiscriminantAnalysis``, a transformer: ``transform`` gives the features
    of the stack, its last hidden layer's activations with the fine-tuned weights
    (the pretrained ones without fine-tuning), ``fit_transform`` fits on labelled
    data first, and ``get_feature_names_out`` names them (so ``set_output`` applies).

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
        Iterations of fine-tuning (0 skips it).  Each stage that stops without
        converging gives a ConvergenceWarning: the autoencoders and the softmax
        as :class:`SparseAutoencoder` and :class:`SoftmaxRegression` (naming
        their ``max_iter``), fine-tuning as "StackedAutoencoder fine-tuning".
    fine_tune_weight_decay : float, optional
        Weight decay ``lambda`` of fine-tuning, on every layer's weights or the softmax's
        alone (``fine_tune_decay_layers``); by default
        ``softmax_weight_decay`` (the features are already regularised by
        their pretraining).
    fine_tune_sparsity : bool, default True
        Keep the KL sparsity penalties on the hidden layers while fine-tuning
        (UFLDL's stacked exercise fine-tunes without them: ``False``).
    fine_tune_decay_layers : {"all", "softmax"}, default "all"
        Which weights the weight decay of fine-tuning applies to: every layer's, or the
        softmax's alone, as UFLDL's ``stackedAECost`` decays them (with
        ``fine_tune_sparsity=False`` the cost is that exercise's).  The stack's
        ``network_.weight_decay`` records the value; its own cost decays every layer.
    random_state : int, RandomState, Generator or None
        Gives the seeds of every stage (one draw), read as
        :class:`SparseAutoencoder` reads it (None: a draw from NumPy's global
        RandomState, as in scikit-learn).
    method : {"L-BFGS-B", "CG", "BFGS"}, default "L-BFGS-B"
        In any case, and "lbfgs" for L-BFGS-B, as :func:`chainrule.minimize`
        takes them.
    class_weight : dict, "balanced" or None, default None
        Weighs each labelled example by its class, times its ``sample_weight``
        (see :meth:`fit`), with the rules and messages of
        :class:`SoftmaxRegression`'s ``class_weight``, in the softmax stage and in
        fine-tuning, not in the pretraining (which sees no labels).  Without
        ``sample_weight``, the weights of
        ``sklearn.utils.class_weight.compute_sample_weight(class_weight, y)``.

    Attributes
    ----------
    autoencoders_ : list of SparseAutoencoder
    softmax_ : SoftmaxRegression
        The softmax before fine-tuning (self-taught learning on the top features).
    network_ : Network
        The fine-tuned stack.
    n_iter_ : int
        Iterations of fine-tuning: those of ``fit`` (0 with ``fine_tune_iter=0``) and
        of every later :meth:`fine_tune`, added up.  The pretraining's are each
        autoencoder's ``n_iter_``, the softmax's ``softmax_.n_iter_``.
    classes_ : ndarray of shape (n_classes,)
    n_features_in_ : int
    feature_names_in_ : ndarray of shape (n_features_in_,)
        The columns of a DataFrame ``X`` (only then), checked by ``predict``.

    Notes
    -----
    Every stage (autoencoders, softmax, fine-tuning) trains in float64 whatever the
    dtype of ``X`` (float32 and integer data are converted), as UFLDL's minFunc does in
    double: SciPy's L-BFGS compares costs to a relative 2e-9 (its default ``ftol``),
    finer than float32 can hold. The network stays float64 after fitting, so
    ``predict_proba``'s probabilities are float64 too, for float32 data as well (where
    scikit-learn's ``MLPClassifier`` keeps float32).
    Rounded to float32, a log-probability from the float64 net input (-5e-9) would not
    match the log of a float32 probability rounded to 1.0 (0), which scikit-learn's
    ``check_classifiers_train`` asks to 1e-9; :meth:`transform` keeps float32, as
    :class:`SparseAutoencoder`'s ``transform`` does.
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
        fine_tune_decay_layers: str = "all",
        random_state: int | np.random.RandomState | np.random.Generator | None = None,
        method: str = "L-BFGS-B",
        class_weight: str | Mapping[object, float] | None = None,
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
        self.fine_tune_decay_layers = fine_tune_decay_layers
        self.random_state = random_state
        self.method = method
        self.class_weight = class_weight

    def __setstate__(self, state: dict[str, Any]) -> None:
        # a pickle from before the class_weight parameter weighs no class, and one from
        # before fine_tune_decay_layers decayed every layer
        super().__setstate__({"class_weight": None, "fine_tune_decay_layers": "all", **state})

    def fit(self, X: object, y: object, X_unlabeled: object = None,
            sample_weight: object = None) -> StackedAutoencoder:
        """Pretrain, train the softmax, fine-tune.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Labelled data, values in [0, 1].
        y : array-like of shape (n_samples,)
        X_unlabeled : array-like of shape (n_unlabeled, n_features), optional
            Data for the pretraining (self-taught learning); ``X`` when omitted.
            When both are DataFrames, the same column names in the same order.
        sample_weight : array-like of shape (n_samples,) or float, optional
            Non-negative weights of the labelled examples, not all zero (checked as
            :class:`SoftmaxRegression` checks them), multiplied by the weights of
            ``class_weight``: the softmax stage and fine-tuning minimise the
            weighted mean cross-entropy ``sum_i w_i L_i / sum_i w_i``, and the
            sparsity penalties of fine-tuning compare ``rho`` with the weighted
            mean activations, so that integer weights give the fit on the rows
            repeated (with the same ``X_unlabeled``); the weight decay is
            unchanged.  The pretraining is not weighted: it learns features of
            ``X_unlabeled`` (or of ``X``, each row once), whose rows have no labels
            to weigh by.

        Returns
        -------
        self

        A fit that fails (bad data, one class, a diverging stage) leaves a
        fitted model as it was.  A Ctrl-C (KeyboardInterrupt) while the
        autoencoders or the softmax train does too, and goes on to the caller
        (the stack predicts nothing without them); in fine-tuning it stops the
        fit with the last iterate and warns, as :meth:`fine_tune` does.
        """
        with restored_on_error(self):
            return self._fit(X, y, X_unlabeled, sample_weight)

    def _decay_layers(self) -> tuple[int, ...] | None:
        """The layers fine-tuning decays: None for all, or the softmax's index alone."""
        if self.fine_tune_decay_layers == "all":
            return None
        return (len(self.network_.layers) - 1,)

    def _penalties(self) -> dict[int, KLSparsity] | None:
        if not self.fine_tune_sparsity:
            return None
        return {i: KLSparsity(self.rho, self.beta) for i in range(len(self.network_.layers) - 1)}

    def fine_tune(self, X: object, y: object, max_iter: int | None = None,
                  sample_weight: object = None) -> StackedAutoencoder:
        """Train the whole stack by backprop on labelled data (more iterations after ``fit``).

        With the settings as they are now: ``fine_tune_weight_decay``, ``rho``,
        ``beta``, ``fine_tune_sparsity`` and ``fine_tune_decay_layers`` changed by
        ``set_params`` after the fit apply (the stack keeps the new weight decay).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Values in [0, 1], as in ``fit``.
        y : array-like of shape (n_samples,), labels among ``classes_``
        max_iter : int, optional
            Defaults to ``fine_tune_iter`` (which must then be >= 1).
        sample_weight : array-like of shape (n_samples,) or float, optional
            Weights of the examples, times those of ``class_weight`` (of the labels
            of this ``y``), as in :meth:`fit`.

        Returns
        -------
        self

        Raises
        ------
        TrainingDiverged
            If the cost or the parameters end NaN or infinite: the stack keeps
            the last iterate with a finite cost (``n_iter_`` counts the iterations
            up to it), as :func:`chainrule.minimize` does.  Any other error
            leaves the stack exactly as it was before the call.  A Ctrl-C
            (KeyboardInterrupt) stops fine-tuning, as one stops the MLP estimators:
            the stack keeps the last iterate (``n_iter_`` counts the iterations up
            to it) and warns ``UserWarning("Training interrupted by user.")``.
        ValueError
            If ``X`` or ``y`` is invalid (values outside [0, 1], another number
            of columns than in ``fit``, labels not among ``classes_``), or
            ``max_iter`` is below 1 (or not given while ``fine_tune_iter`` is 0).
        sklearn.exceptions.NotFittedError
            If the stack has not been fitted.
        """
        net = self._check_fitted()
        # set_params may have changed them since the fit: checked, and used as they are now
        _, decay, _ = self._checked_settings()
        limit = "max_iter"
        if max_iter is None:
            default = check_positive_int(self.fine_tune_iter, "fine_tune_iter", minimum=0)
            if default == 0:
                raise ValueError("max_iter: not given, so fine_tune_iter is used, and it is 0 "
                                 "(no fine-tuning); pass max_iter >= 1")
            max_iter, limit = default, "fine_tune_iter"
        max_iter = check_positive_int(max_iter, "max_iter")
        X = _checked_X(self, X, False, net.dtype)
        _check_unit_range(X, "X")  # as fit refuses it
        self._codes(y, X.shape[0])  # labels among classes_, before the weights read them
        sw = self._sample_weights(np.asarray(y), sample_weight, X.shape[0])
        return self._fine_tune(X, y, max_iter, decay, f"{limit}={max_iter}", keeps=True,
                               sample_weight=sw)

    def _fine_tune(self, X: np.ndarray, y: object, max_iter: int, decay: float,
                   limit: str, keeps: bool,
                   sample_weight: np.ndarray | None = None) -> StackedAutoencoder:
        """:meth:`fine_tune` on an ``X`` already checked (by ``fit`` or ``fine_tune``).

        Parameters
        ----------
        X : ndarray of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), labels among ``classes_``
        max_iter : int
            Iterations of the optimiser (>= 1).
        decay : float
            Weight decay of the stack (``fine_tune_weight_decay`` or
            ``softmax_weight_decay``, checked).
        limit : str
            The setting ``max_iter`` came from, with its value, for the
            ConvergenceWarning.
        keeps : bool
            Whether the stack is kept after a divergence (``fine_tune``) or put
            back as it was (``fit``): what the TrainingDiverged message says.
        sample_weight : ndarray of shape (n_samples,), optional
            The examples' weights (``sample_weight`` times ``class_weight``'s), or None.
        """
        net = self.network_
        Y = net.prepare_targets(self._codes(y, X.shape[0]), X.shape[0], "y")
        method, penalties = _check_method(self.method), self._penalties()
        saved_decay = net.weight_decay
        net.weight_decay = decay  # after the checks of y: a refused y changes nothing
        try:  # a failure puts the parameters back (_fit_scipy), and the weight decay here
            result = _fit_scipy(net, X, Y, penalties, method, max_iter,
                                "StackedAutoencoder fine-tuning", keeps,
                                sample_weight=_data_shares(sample_weight),
                                decay_layers=self._decay_layers())
        except TrainingDiverged as exc:  # the last parameters with a finite cost are kept
            self.n_iter_ += exc.epoch
            raise
        except BaseException:
            net.weight_decay = saved_decay
            raise
        self.n_iter_ += int(result.nit)
        _warn_unconverged(result, "StackedAutoencoder fine-tuning", method, limit)
        return self

    def cost(self, theta: object, X: object, y: object) -> tuple[float, np.ndarray]:
        """``(J, grad)`` of the fine-tuning cost at a flat vector (for gradient checks).

        Cross-entropy of the softmax on top + weight decay (``fine_tune_weight_decay``,
        by default ``softmax_weight_decay``, on the weights ``fine_tune_decay_layers``
        names) + the KL sparsity penalties of the hidden
        layers when ``fine_tune_sparsity``, with the settings as they are now (changed
        by ``set_params`` after the fit included).  The stack is left as it was.

        Parameters
        ----------
        theta : array-like of shape (n_params,)
            In the order of ``network_.params``.
        X : array-like of shape (n_samples, n_features)
            Values in [0, 1], as in ``fit``.
        y : array-like of shape (n_samples,)
            Labels among ``classes_``.

        Returns
        -------
        J : float
        grad : ndarray of shape (n_params,)
        """
        net = self._check_fitted()
        theta = net._check_theta(theta)
        X = check_data(X, net.n_inputs, net.dtype,
                       sparse_note="StackedAutoencoder takes dense data only")
        _check_unit_range(X, "X")  # as fit refuses it
        Y = net.prepare_targets(self._codes(y, X.shape[0]), X.shape[0], "y")
        _, decay, _ = self._checked_settings()  # as they are now, like the penalties
        penalties = self._penalties()
        saved, saved_decay = net.params.copy(), net.weight_decay
        try:
            net.params[...] = theta
            net.weight_decay = decay
            J, grad = _penalized_cost(net, X, Y, penalties, None, self._decay_layers())
            return J, grad.copy()
        finally:
            net.params[...] = saved
            net.weight_decay = saved_decay
            _release_caches(net)

    @property
    def params(self) -> np.ndarray:
        """Flat parameter vector of the stack :attr:`network_`: ndarray of shape (n_params,)."""
        return self._check_fitted().params
