"""Fitting an estimator: its targets and outputs, the checks that a warm start or
``partial_fit`` continues the network it has, and the SciPy solvers ("lbfgs", "cg",
"newton-cg", "trust-ncg");
:class:`_Fitting`, a mixin base of :class:`~chainrule._mlp_base._BaseMLP`, holds
those methods of the class (the fit itself, ``_fit`` and ``_checked_fit``, is in
``_mlp_checked_fit``, and the stochastic solvers' run, ``_fit_stochastic``, in
:mod:`chainrule._mlp_base`)."""

from __future__ import annotations

import math
import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._mlp_image_rows import shape_from_X, shape_words
from ._mlp_rules import _reported_loss
from ._mlp_second_order import SECOND_ORDER_SOLVERS, check_second_order_network, scipy_options
from ._training_data import _is_sparse, _sparse_batch
from ._training_epochs import _epoch_line
from ._training_guards import _say, _StopFlag
from ._validation import caller_outside_chainrule
from .batchnorm import BatchNorm
from .dropout import Dropout
from .layers import Dense
from .network import _release_caches
from .scipy_fit import minimize
from .training import TrainingDiverged

if TYPE_CHECKING:
    from .network import Network

_SCIPY_METHOD = {"lbfgs": "L-BFGS-B", "cg": "CG", **SECOND_ORDER_SOLVERS}
# scikit-learn's names for the output activations (out_activation_)
_SK_NAME = {"sigmoid": "logistic", "softmax": "softmax", "identity": "identity", "exp": "exp"}


def _seed(random_state: object) -> int:
    """The seed of the estimator's Generator: one draw from ``random_state``.

    As scikit-learn reads it (None, an int, a RandomState, which advances), or
    from a ``numpy.random.Generator`` (one draw, which advances it too).
    """
    high = np.iinfo(np.int32).max
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(high))
    return int(check_random_state(random_state).randint(high))


# the settings of the BatchNorm layers that batch_norm=True builds
_BN_DEFAULTS = BatchNorm(1)


class _Fitting:
    """Fitting, but for the stochastic solvers' epochs: the mixin base of
    :class:`~chainrule._mlp_base._BaseMLP` that checks the network a fit
    continues, and runs the SciPy solvers."""

    # -- fitting ---------------------------------------------------------------------------------
    def _targets(self, y: np.ndarray, first: bool, classes: object,
                 incremental: bool = False) -> np.ndarray:
        raise NotImplementedError  # pragma: no cover - per subclass

    def _output(self) -> tuple[str, str]:
        raise NotImplementedError  # pragma: no cover - per subclass

    def _score_output(self, out: np.ndarray, y: np.ndarray, sw: np.ndarray | None) -> float:
        raise NotImplementedError  # pragma: no cover - per subclass

    def _fitted_architecture(self) -> dict[str, Any] | None:
        """The architecture parameters that the fitted network was built with.

        Read from ``network_`` (so a loaded estimator has them too), in the form
        of :meth:`_asked_architecture`: hidden widths, hidden activation names,
        ``batch_norm`` and the dropout rate after each hidden layer.  None for a
        network that ``hidden_layer_sizes`` cannot describe, built from ``layers``:
        other layers than Dense, BatchNorm and Dropout, or these in another order or
        with other settings than ``hidden_layer_sizes`` gives them (a Dense without
        bias, a BatchNorm after a Dense that has an activation of its own or of
        another momentum or eps, a BatchNorm after some hidden layers only, two
        Dropouts in a row, a Dropout of rate 0).
        """
        sizes: list[int] = []
        acts: list[str] = []
        drops: list[float] = []
        norms = 0  # hidden layers followed by a BatchNorm: none or all of them
        last = None  # the type of the layer before, which decides what may follow
        for layer in self.network_.layers[:-1]:
            if isinstance(layer, Dense) and layer.has_bias:
                sizes.append(int(layer.n_out))
                acts.append(layer.activation.name)
                drops.append(0.0)
            elif (isinstance(layer, BatchNorm) and last is Dense
                    and acts[-1] == "identity"
                    and (layer.momentum, layer.eps) == (_BN_DEFAULTS.momentum,
                                                        _BN_DEFAULTS.eps)):
                norms += 1
                acts[-1] = layer.activation.name  # the hidden layer's activation is here
            elif (isinstance(layer, Dropout) and last in (Dense, BatchNorm)
                    and layer.rate > 0):
                drops[-1] = float(layer.rate)
            else:
                return None
            last = type(layer)
        if norms not in (0, len(sizes)):
            return None
        return {"hidden_layer_sizes": tuple(sizes), "activation": acts,
                "batch_norm": norms > 0, "dropout": drops}

    def _asked_architecture(self) -> dict[str, Any]:
        """The architecture the parameters ask for now (checked by ``_validate_params``)."""
        sizes = self._hidden_sizes()
        return {"hidden_layer_sizes": tuple(sizes),
                "activation": [a.name for a in self._activations(len(sizes))],
                "batch_norm": bool(self.batch_norm), "dropout": self._dropouts(len(sizes))}

    def _continuing(self, incremental: bool) -> str:
        """How the message names what goes on with the fitted network, and the way out."""
        if incremental:
            return ("partial_fit goes on with the fitted network; to train another architecture "
                    "fit a new network (fit with warm_start=False)")
        return ("a warm start (warm_start=True) goes on with the fitted network; to train "
                "another architecture fit a new network (warm_start=False)")

    def _check_architecture(self, incremental: bool) -> None:
        """Refuse parameters that ask for another network than the fitted one (warm start,
        ``partial_fit``): it cannot be continued with other layers, and would be used as
        it is, silently ignoring them.  Raised before anything changes."""
        fitted = self._fitted_architecture()
        asked = self._asked_architecture() if self.layers is None else None
        for name in ("hidden_layer_sizes", "activation", "batch_norm", "dropout"):
            if fitted is None or asked is None:
                break
            if fitted[name] != asked[name]:
                old = fitted[name]
                if isinstance(old, list) and len(set(old)) == 1:  # one value for every layer
                    old = old[0]
                raise ValueError(
                    f"{name}: the fitted network has {name}={old!r}, got "
                    f"{name}={getattr(self, name)!r}; {self._continuing(incremental)}, or "
                    f"set {name}={old!r} again"
                )
        if self.layers is None and fitted is not None:
            return  # all compared above, without building a network to compare with
        problem = self._network_problem(self.network_)
        if problem is not None:  # layers=, input_shape=, or a network hidden_layer_sizes
            raise ValueError(f"{problem}; {self._continuing(incremental)}")  # cannot describe

    def _network_problem(self, net: Network) -> str | None:
        """How the hidden layers of ``net`` differ from those the parameters build, or None.

        Builds the network of the parameters for ``net``'s inputs and outputs
        and compares each hidden layer's configuration (sizes, activations,
        rates: not the weights) and the input shape.

        Returns
        -------
        str or None
            ``"layers: ..."`` or ``"input_shape: ..."``.
        """
        was = net._input_shape if isinstance(net._input_shape, tuple) else None
        now = self._image_shape()
        if was != now and self.input_shape is None and now is not None:
            # images X, no input_shape: the shape is X's; the network's is named as the fit
            # recorded it (shape_words: of the first fit's X, or given as input_shape then),
            # as image_rows' refusal at predict names it
            if was is None:
                flat = ("; give their flat rows, X.reshape(len(X), -1)"
                        if math.prod(now) == net.n_inputs else "")
                return (f"X: the fitted network takes rows of {net.n_inputs} features "
                        f"(input_shape=None), got images of shape {now!r}{flat}")
            return (f"X: the fitted network takes {shape_words(self, was)}, got images of "
                    f"shape {now!r}" + ("" if shape_from_X(self) else " (input_shape=None)"))
        if was != now:  # compared first: the layers may not take the new one
            got = (f"input_shape={self.input_shape!r}" if self.input_shape is not None
                   or now is None else f"images of shape {now!r} in X (input_shape=None)")
            takes = (f"input_shape={was!r}" if was is None or not shape_from_X(self)
                     else shape_words(self, was))
            return f"input_shape: the fitted network takes {takes}, got {got}"
        n_in = net.n_inputs
        n_in = math.prod(n_in) if isinstance(n_in, tuple) else int(n_in)
        asked = self._build_network(n_in, net.n_outputs, net.layers[-1].activation,
                                    net.loss.get_config(), np.random.default_rng(0),
                                    net.dtype)
        fitted_layers, asked_layers = net.layers[:-1], asked.layers[:-1]
        if [layer.get_config() for layer in fitted_layers] != [
                layer.get_config() for layer in asked_layers]:
            def shown(layers: list) -> str:
                return "[" + ", ".join(map(repr, layers)) + "]"

            given = (f"layers={self.layers!r}" if self.layers is not None else
                     f"layers=None (hidden_layer_sizes={self.hidden_layer_sizes!r})")
            return (f"layers: the fitted network's hidden layers are {shown(fitted_layers)}; "
                    f"{given} asks for {shown(asked_layers)}")
        return None

    def _fit_scipy(self, X: Any, Y: np.ndarray, sw: np.ndarray | None) -> None:
        """Train ``network_`` with "lbfgs", "cg", "newton-cg" or "trust-ncg" on ``X`` of
        shape (n_samples, n_features) (an ndarray, or a CSR matrix that
        :func:`~chainrule.scipy_fit.minimize` keeps sparse) and ``Y`` of shape
        (n_samples, n_outputs), ``sw`` the training weights or None.

        One Ctrl-C stops the run after the iteration under way (a KeyboardInterrupt
        raised elsewhere, e.g. in an evaluation, at the last completed iterate): the
        network keeps that iterate, ``n_iter_``, ``loss_`` and ``loss_curve_`` describe
        it, and a UserWarning says so; a second Ctrl-C goes on to the caller, and
        ``_fit`` puts the estimator back as it was.
        """
        method = _SCIPY_METHOD[self.solver]
        if self.solver in SECOND_ORDER_SOLVERS:  # refused before anything changes
            check_second_order_network(self, self.network_)
        # a warm start from parameters made NaN in place (est.coefs_[0][...] = np.nan): named,
        # as the mini-batch solvers' run does, where SciPy's first cost was NaN and the
        # refusal blamed X ("the cost at the initial parameters is nan")
        self.network_._check_params_finite("train")
        # no validation record, as after a fresh fit of theirs (which ignores early_stopping):
        # a warm start after a mini-batch fit with early stopping keeps none of its scores
        self.validation_scores_ = self.best_validation_score_ = None
        # they ignore ema, as clip_norm: no steps to average; a mini-batch fit's average
        # is not this network's
        self.__dict__.pop("_ema_run", None)
        options = scipy_options(self.solver, self.tol)
        if self.solver == "lbfgs":
            options["maxfun"] = int(self.max_fun)
        net, k = self.network_, self._outputs_averaged()
        verbose = int(self.verbose) > 0  # lines on stderr, as the mini-batch solvers' (no bar)
        # the per-sample decay of the whole set: (alpha / 2 m) sum W^2, m the rows or the
        # sum of the weights (Network._loss_and_grad)
        c = 0.5 * float(self.alpha) / (X.shape[0] if sw is None else float(sw.sum()))

        def decay(theta: np.ndarray) -> float:
            return c * sum(float(np.dot(theta[s], theta[s])) for s in net._decay_slices)

        curve: list[float] = []
        kept = [0, math.nan]  # the last iterate with a finite cost: its number, its cost

        def record(theta: np.ndarray, cost: float) -> None:
            curve.append(_reported_loss(float(cost), decay(theta) if k > 1 else 0.0, k))
            if verbose:  # the mini-batch solvers' line, per iteration: loss_curve_'s loss
                _say(_epoch_line(len(curve), int(self.max_iter), {"loss": curve[-1]},
                                 unit="iteration"))
            if math.isfinite(cost):
                kept[:] = len(curve), curve[-1]
            if ctrl_c.set:  # one Ctrl-C: stop at this iterate (minimize keeps it)
                raise KeyboardInterrupt

        # Ctrl-C, as for the mini-batch solvers: the first stops the run after the current
        # iteration (a KeyboardInterrupt from elsewhere, in an evaluation, stops it there),
        # keeping the last completed iterate; a second one aborts (see _fit)
        with warnings.catch_warnings(), _StopFlag("iteration") as ctrl_c:
            warnings.simplefilter("ignore", DeprecationWarning)  # SciPy's L-BFGS-B iprint/disp
            try:
                result = minimize(net, X, Y, method=method, maxiter=int(self.max_iter),
                                  sample_weight=sw, max_time=self.max_time,
                                  options=options, callback=record)
            except KeyboardInterrupt:
                if ctrl_c.aborted:
                    raise
                result = None
            except TrainingDiverged:
                # the network keeps iterate kept[0], the last with a finite cost (minimize):
                # recorded as the mini-batch solvers record their completed epochs, so that
                # n_iter_, loss_, loss_curve_ and t_ describe it; the estimator keeps it (_fit)
                n = kept[0]
                self.loss_curve_.extend(self._loss_type(v) for v in curve[:n])
                self.__dict__.pop("history_", None)
                self.n_iter_ = n
                self.t_ += X.shape[0] * n
                self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
                self.best_loss_ = self.loss_
                raise
        if result is None:  # interrupted: the network holds iterate kept[0] (minimize)
            n, loss = kept
            if n == 0:  # no iteration completed: the parameters from before the call
                try:
                    if _is_sparse(X):  # as minimize evaluates it, never densified whole
                        cost, _ = net._loss_and_grad(
                            _sparse_batch(X, net), net.prepare_targets(Y, X.shape[0]), False,
                            net.check_sample_weight(sw, X.shape[0]))
                    else:
                        cost, _ = net.loss_and_grad(X, Y, sample_weight=sw)
                finally:
                    _release_caches(net)
                loss = _reported_loss(float(cost), decay(net.params) if k > 1 else 0.0, k)
            del curve[n:]
        self.loss_curve_.extend(self._loss_type(v) for v in curve)
        self.__dict__.pop("history_", None)  # a mini-batch run's, from before a warm start
        self.n_iter_ = int(result.nit) if result is not None else n
        self.t_ += X.shape[0] * self.n_iter_
        self.loss_ = self._loss_type(
            _reported_loss(float(result.fun), decay(result.x) if k > 1 else 0.0, k)
            if result is not None else loss)
        self.best_loss_ = self.loss_
        if verbose and result is not None:  # SciPy's reason, with loss_ (not the network's cost)
            _say(f"{self.solver}: {result.message} after {self.n_iter_} iteration(s), "
                 f"loss {self.loss_:.5g}")
        if result is None:  # said as the mini-batch solvers say it
            warnings.warn("Training interrupted by user.", UserWarning,
                          stacklevel=caller_outside_chainrule())
        elif result.timed_out:  # max_time, checked after each iteration (as minimize does)
            warnings.warn(
                f"{type(self).__name__}: max_time={self.max_time:g} s spent after "
                f"{result.nit} {self.solver} iteration(s) (n_iter_={self.n_iter_}); the "
                "optimization hasn't converged yet (raise max_time, or set it to None, to "
                "train further)", ConvergenceWarning, stacklevel=5)
        elif not result.success:  # the iteration or evaluation limit, or a failed line search
            limits = f"max_iter={self.max_iter}" + (
                f", max_fun={self.max_fun}" if self.solver == "lbfgs" else "")
            warnings.warn(
                f"{self.solver} failed to converge after {result.nit} iteration(s) ({limits}): "
                f"{result.message}", ConvergenceWarning, stacklevel=5)
