"""A network's targets, cost and gradient: the loss, the weight decay, sample weights,
and backpropagation into the flat gradient vector.

:class:`_CostAndGradient`, a mixin base of :class:`~chainrule.network.Network`, holds
those methods of the class;
:meth:`_CostAndGradient._workspace` gives the block in which the training loop lets
the layers reuse their buffers (:class:`~chainrule._network_workspace._Workspace`).
"""

from __future__ import annotations

import math

import numpy as np

from ._loss_hinge import MarginLoss, check_labels, refuse_labels
from ._network_workspace import _Workspace
from ._optimizers_blas import _add_scaled
from ._validation import check_bool, check_data, check_finite_array, check_positive_int
from .losses import LogitPath


class _CostAndGradient:
    """Targets, cost and gradient: the mixin base of :class:`~chainrule.network.Network`
    that training and the gradient check call."""

    # True within a workspace that says SciPy's BLAS may add the L2 gradient (_add_scaled)
    _blas = False

    # -- targets ---------------------------------------------------------------------------------
    def prepare_targets(self, Y: object, n_samples: int, name: str = "Y",
                        compact: bool = False, x_name: str = "X") -> np.ndarray:
        """Targets as an array of shape (n_samples, n_outputs).

        ``Y`` may be that array, a 1-D vector when there is one output, or a 1-D
        vector of integer class labels 0..n_outputs-1 (turned into one-hot rows;
        refused for ``hinge``, whose targets are -1 or +1, as ``train --loss hinge``
        refuses three or more classes).
        With ``compact``, one-hot rows made from labels are returned as uint8
        (exact 0 and 1, a quarter or an eighth of the network's float type), for
        a caller that converts them a batch at a time; other targets are always
        in the network's dtype.  Targets past a bound of the loss's range by its
        rounding only (:meth:`~chainrule.losses.Loss.check_targets` accepts them)
        come at that bound, in a copy.

        Parameters
        ----------
        Y : array-like of shape (n_samples, n_outputs) or (n_samples,)
        n_samples : int
        name : str, default "Y"
            The targets' name, for the messages (``x_name``: the inputs').
        compact : bool, default False
        x_name : str, default "X"

        Returns
        -------
        ndarray of shape (n_samples, n_outputs)
        """
        self._check_loss_output()  # (an output activation assigned since the loss was)
        k = self.n_outputs
        Y = check_finite_array(Y, name)
        one_hot = Y.ndim == 1 and k > 1
        if one_hot:
            labels = Y
            if isinstance(self.loss, MarginLoss):  # name the label, or the forms hinge takes
                if self.loss.values != "one_hot":
                    refuse_labels(self.loss.name, k, name)
                check_labels(self.loss.name, labels, k, name)
            # a 1-D target may have been meant as one example's k values (a regression)
            values = (f"; to give {k} target values per example, pass {name} of shape "
                      f"(n_samples, {k})")
            if not np.all(labels == np.round(labels)):
                raise ValueError(
                    f"{name}: a 1-D target for {k} outputs is read as integer class labels "
                    f"0..{k - 1}, got non-integer values{values}"
                )
            if labels.min() < 0 or labels.max() > k - 1:
                raise ValueError(
                    f"{name}: class labels must lie in 0..{k - 1} (one per output unit), got "
                    f"labels from {labels.min():g} to {labels.max():g}{values}"
                )
            Y = np.zeros((labels.shape[0], k), dtype=np.uint8 if compact else self.dtype)
            Y[np.arange(labels.shape[0]), labels.astype(np.intp)] = 1
        elif Y.ndim == 1:
            Y = Y.reshape(-1, 1)
        if Y.ndim != 2 or Y.shape[1] != k:
            raise ValueError(
                f"{name} must have shape (n_samples, {k}) to match the output layer, "
                f"got shape {Y.shape}"
            )
        if Y.shape[0] != n_samples:
            raise ValueError(
                f"{name} has {Y.shape[0]} rows but {x_name} has {n_samples}; they must match"
            )
        self.loss.check_targets(Y, name)
        if one_hot:  # exact 0 and 1
            return Y if compact else np.asarray(Y, dtype=self.dtype)
        # a target past a bound of the loss's range by rounding only is that bound
        return self.loss._at_bounds(np.asarray(Y, dtype=self.dtype))

    def _check_xy(self, X: object, Y: object) -> tuple[np.ndarray, np.ndarray]:
        X = check_data(X, self.n_inputs, self.dtype)
        return X, self.prepare_targets(Y, X.shape[0])

    # -- cost and gradient -----------------------------------------------------------------------
    def loss_and_grad(
        self, X: object, Y: object, training: bool = False, sample_weight: object = None
    ) -> tuple[float, np.ndarray]:
        """Cost ``J`` of a batch and its gradient by backpropagation.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        Y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets
        training : bool, default False
            Run the forward pass in training mode.
        sample_weight : array-like of shape (n_samples,), optional
            Non-negative weights of the examples, with a positive sum: the loss
            part of ``J`` becomes ``sum_i w_i L_i / sum_i w_i`` (the weighted
            mean).  The weight decay itself is not weighted, but with
            ``decay="per_sample"`` its ``1/m`` counts the examples as the weights
            do, ``m = sum_i w_i`` (the number of rows of the repeated data set).
            So integer weights give exactly the cost and gradient of the rows
            repeated that many times, weights all 1 exactly the unweighted ones,
            and other equal weights ``c`` the unweighted loss part with the
            per-sample decay divided by ``c m`` instead of ``m``.

        Returns
        -------
        J : float
            Mean (or weighted mean) loss plus weight decay.
        grad : ndarray of shape (n_params,)
            A copy of ``dJ/dtheta``, in the order of :attr:`params`.
        """
        training = check_bool(training, "training")
        X, Y = self._check_xy(X, Y)
        sw = self.check_sample_weight(sample_weight, X.shape[0])
        J, grad = self._loss_and_grad(X, Y, training, sw)
        return J, grad.copy()

    def check_sample_weight(self, sample_weight: object, n_samples: int) -> np.ndarray | None:
        """Validated weights of shape (n_samples,) in the network's dtype, or None.

        ``None`` is returned for ``None`` and for weights that are all 1, which
        take exactly the unweighted path.  Other equal weights are returned:
        their loss part is the unweighted one, but ``decay="per_sample"``
        divides by their sum (see :meth:`loss_and_grad`).

        Parameters
        ----------
        sample_weight : array-like of shape (n_samples,) or None
        n_samples : int

        Returns
        -------
        ndarray of shape (n_samples,) or None
        """
        if sample_weight is None:
            return None
        n_samples = check_positive_int(n_samples, "n_samples", minimum=0)  # no array: shape
        sw = check_finite_array(sample_weight, "sample_weight", dtype=self.dtype)
        if sw.shape != (n_samples,):
            raise ValueError(
                f"sample_weight must have shape ({n_samples},) (one weight per example), "
                f"got shape {sw.shape}"
            )
        if n_samples and (sw.min() < 0 or not sw.any()):  # no sum: it may overflow
            raise ValueError(
                "sample_weight must be non-negative with a positive sum, got values from "
                f"{sw.min():g} to {sw.max():g} (sum {sw.sum():g})"
            )
        return None if n_samples == 0 or np.all(sw == 1) else sw

    def loss_value(self, X: object, Y: object) -> float:
        """Cost ``J`` of a batch (forward pass only, in evaluation mode).

        Computed as :meth:`~chainrule.network.Network.evaluate` computes its
        ``"loss"``, a block of rows at a time, keeping none of the pass's
        arrays: the layers hold afterwards what they held before (use
        :meth:`forward` to inspect ``layer.Z`` and ``layer.A``).  The mean loss
        plus the weight decay, as :meth:`loss_and_grad` reports ``J``: exactly
        when the data fit in one block (about 2 MiB of the widest array), to
        rounding with several.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_inputs)
        Y : array-like of shape (n_samples, n_outputs), or 1-D labels / targets

        Returns
        -------
        float
        """
        X, Y = self._check_xy(X, Y)
        losses, _ = self._pass_terms(X, Y, self._block_rows(None), False)
        return float(np.mean(losses)) + self._decay_term(X.shape[0])

    def cost(
        self, theta: object, X: object, Y: object, training: bool = False,
        sample_weight: object = None,
    ) -> tuple[float, np.ndarray]:
        """``(J, grad)`` at the flat vector ``theta``, for ``scipy.optimize.minimize(jac=True)``.

        The network is left as it was (parameters, and running statistics of
        batch normalisation when ``training`` is true).

        Parameters
        ----------
        theta : array-like of shape (n_params,)
        X, Y : as in :meth:`loss_and_grad`
        training : bool, default False
            Training-mode forward pass (batch statistics; dropout with its
            fixed mask, see :meth:`Dropout.fix_mask`).
        sample_weight : array-like of shape (n_samples,), optional
            Weights of the examples, as in :meth:`loss_and_grad`.

        Returns
        -------
        J : float
        grad : ndarray of shape (n_params,)
            A copy of ``dJ/dtheta``.
        """
        training = check_bool(training, "training")
        theta = self._check_theta(theta)
        X, Y = self._check_xy(X, Y)
        sw = self.check_sample_weight(sample_weight, X.shape[0])
        saved = self._theta.copy()
        buffers = [{k: v.copy() for k, v in layer.buffers().items()} for layer in self.layers]
        try:
            self._theta[...] = theta
            J, grad = self._loss_and_grad(X, Y, training, sw)
            return J, grad.copy()
        finally:
            self._theta[...] = saved
            for layer, values in zip(self.layers, buffers, strict=True):
                if values:
                    layer.set_buffers(values)

    def _logit_path(self) -> LogitPath | None:
        """The loss's path from the output net input ``z``, if it has one for this output."""
        act = self.output_activation
        if act is None or not act.builtin:
            return None
        return self.loss.logit_paths.get(act.name)

    def _output_terms(self, Y: np.ndarray, path: object = False) -> np.ndarray:
        """Per-example losses, from ``z`` where the loss has a logit path (exact at any logit).

        ``path``: :meth:`_logit_path`'s answer where the caller has it already (False:
        asked here)."""
        out = self.layers[-1]
        if path is False:
            path = self._logit_path()
        lse = getattr(out, "_lse", None)
        if path is not None and lse is not None and path._value_lse is not None:
            return path._value_lse(out.Z, Y, lse)  # softmax forward already has logsumexp(z)
        if path is not None:
            return path.value(out.Z, Y)
        return self.loss.value(out.A, Y)

    def _decay_term(self, m: float) -> float:
        """Weight-decay part of the cost: (c/2) sum W^2 with c = lambda (or lambda/m).

        ``m`` is the number of examples the per-sample decay divides by: the
        batch's row count, or the sum of its weights (see :meth:`_loss_and_grad`).
        """
        if self.weight_decay == 0.0:
            return 0.0
        c = self.weight_decay / (m if self.decay == "per_sample" else 1)
        theta = self._theta
        return 0.5 * c * sum(float(np.dot(theta[s], theta[s])) for s in self._decay_slices)

    def _cost_value(self, Y: np.ndarray) -> float:
        return float(np.mean(self._output_terms(Y))) + self._decay_term(Y.shape[0])

    def _loss_and_grad(
        self, X: np.ndarray, Y: np.ndarray, training: bool,
        sample_weight: np.ndarray | None = None, one_hot: bool = False, decay: bool = True,
    ) -> tuple[float, np.ndarray]:
        """Forward, backward; fills ``self._grad`` and returns it (no copy).

        Without ``decay``, the loss part alone (no weight decay in ``J`` or the gradient):
        a block of the full batch, whose caller adds the decay once (``_network_blocks``).

        ``one_hot`` says that every row of ``Y`` is exactly one-hot (the
        training loop knows it once per run), so that the softmax +
        cross-entropy output needs no per-batch check of the row sums; the
        same numbers either way.

        ``sample_weight`` (checked, shape (n_samples,)) weights each example's
        loss by ``w_i m / sum(w)``: the weighted mean, exactly the mean when
        the weights are equal.  The per-sample decay divides by ``sum(w)``
        instead of the row count ``m`` (rows repeated ``w_i`` times), except
        in a batch whose weights are all zero (a mini-batch can be one): that
        batch has no data term and its decay divides by ``m``, so the cost and
        gradient stay finite.
        """
        m = X.shape[0]
        A = self._forward(X, training)
        out, n, path = self.layers[-1], len(self.layers), self._logit_path()
        lse = getattr(out, "_lse", None)  # the softmax forward's log-sum-exp, while training
        if (one_hot and lse is not None and path is not None
                and path._delta_one_hot is not None):
            terms = path._value_lse_one_hot(out.Z, Y, lse)
        else:
            one_hot = False
            terms = self._output_terms(Y, path)
        scale = None
        m_decay: float = m  # the examples the per-sample decay counts
        if sample_weight is not None:
            with np.errstate(over="ignore"):
                total = float(np.sum(sample_weight))
            if total > 0:
                m_decay = total  # inf for a sum past the float range: no per-sample decay
            factor = m / total if total > 0 else 0.0  # zero weights: no data term
            if 0 < total and not 0 < factor < math.inf and not np.all(
                    sample_weight == sample_weight[0]):
                # a sum past the float range (m / inf = 0: no data term) or of subnormal
                # weights (m / sum = inf: a NaN gradient): the same weighted mean from the
                # weights divided by the largest one
                scaled = sample_weight / sample_weight.max()
                scale = (scaled * (m / float(np.sum(scaled)))).astype(self.dtype,
                                                                      copy=False)[:, None]
            elif not np.all(sample_weight == sample_weight[0]) or total == 0:
                scale = (sample_weight * factor).astype(self.dtype, copy=False)[:, None]
        # the weight-decay part of J, kept for callers that report the data term apart
        # (the estimators' scikit-learn-scaled loss of several squared-error outputs)
        self._last_decay = term = self._decay_term(m_decay) if decay else 0.0
        if scale is not None:
            J = float(np.dot(scale[:, 0], terms)) / m + term
        else:
            # np.mean without its Python wrapper (the same sum and division)
            J = float(np.add.reduce(terms) / m) + term

        if path is not None:  # dJ/dz straight from z: a - y for the canonical pairs
            if one_hot:  # into the output layer's buffer for this batch shape
                dtype = A.dtype if A.dtype == Y.dtype else np.result_type(A, Y)
                delta = path._delta_one_hot(out.Z, A, Y, out._buffer("delta", A.shape, dtype))
            else:
                delta = path.delta(out.Z, A, Y)
            if scale is not None:
                delta = delta * scale
            delta /= m
            grad_in = out.backward_delta(delta, need_input_grad=n > 1)
        else:
            grad_a = self.loss.grad(A, Y)
            if scale is not None:
                grad_a = grad_a * scale
            grad_a /= m
            grad_in = out.backward(grad_a, need_input_grad=n > 1)
        for i in range(n - 2, -1, -1):
            grad_in = self.layers[i].backward(grad_in, need_input_grad=i > 0)

        if self.weight_decay and decay:
            self._add_decay_grad(m_decay)
        self._grad_computed = True
        return J, self._grad

    def _add_decay_grad(self, m_decay: float) -> None:
        """``grad += c W`` on the decayed slices, ``c`` as in :meth:`_decay_term`."""
        c = self.weight_decay / (m_decay if self.decay == "per_sample" else 1)
        if self._decay_work is None:  # no temporary the size of the weights per call
            self._decay_work = np.empty_like(self._theta)
        for s in self._decay_slices:  # grad += c W: one axpy per weight slice with BLAS
            _add_scaled(self._grad[s], c, self._theta[s], self._decay_work[s], self._blas)

    def _workspace(self, pool: dict | None = None, blas: bool = False) -> _Workspace:
        """A block within which Dense layers write into reused buffers, one set per batch shape.

        Training calls :meth:`_loss_and_grad` thousands of times on batches of the
        same size; inside this block the layers write their ``Z``, ``A``, ``delta``
        and input gradient into preallocated arrays instead of new ones (the same
        numbers; tests compare both paths).  The next call inside such a block
        overwrites them, so the block should wrap only the internal call whose
        results are used before the next one (never a public :meth:`forward`).

        The returned object can be entered again and again (the training loop
        makes one per run and enters it once per batch).

        Parameters
        ----------
        pool : dict, optional
            The buffers of earlier blocks (an empty dict the first time), so that
            block after block reuses them.
        blas : bool, default False
            Whether the L2 cost's gradient ``c W`` is added to the weights' gradient
            by SciPy's BLAS ``axpy`` inside the block (one pass per weight slice
            instead of two; it may round ``g + c W`` once where NumPy rounds twice,
            one unit in the last place at most).  Only for a block that runs within
            :func:`~chainrule._threads.scipy_blas_single_thread` (the training
            loop's), where SciPy's BLAS works on the calling thread.
        """
        return _Workspace(self, {} if pool is None else pool, blas)
