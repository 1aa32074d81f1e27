"""The numbers of one training step, read from the library's own forward and backward pass.

Nothing here re-implements backpropagation: :func:`compute_step` runs
``Network.loss_and_grad`` on a copy of the network and reads the layers'
attributes (``X``, ``Z``, ``A``, ``delta``, ``dW``, ``db``).  The one value
the layers do not keep, ``dE/d(out)`` of each layer (the ``grad_out`` handed to
``Dense.backward``), is recorded while that very call runs; for an output
layer on the fused canonical path (``delta = a - y``, where ``backward`` is
not called) it is the loss's own ``grad(a, y)``.  The update is plain
gradient descent on the flat parameter vector, ``theta - lr * grad``, the frozen
parameters (a layer's ``trainable = False`` or ``frozen``) left as they are, as
training leaves them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .._validation import check_data, check_finite_array, check_positive_float
from ..layers import Dense
from ..network import Network
from ._frozen import layer_frozen, sgd_update
from .render import fmt

__all__ = ["LayerStep", "StepTrace", "compute_step"]


@dataclass(frozen=True, eq=False)
class LayerStep:
    """Every number of one Dense layer during one step, for one example.

    Vectors are of shape (fan_in,) or (fan_out,); matrices are in chainrule's
    orientation, shape (fan_in, fan_out) (a notation transposes or augments
    them when it prints them).

    Attributes
    ----------
    activation : str
    a_in : ndarray of shape (fan_in,)
        Input of the layer (output of the layer below, or the example).
    W, W_new : ndarray of shape (fan_in, fan_out)
        Weights before and after the update.
    b, b_new : ndarray of shape (fan_out,) or None
        Biases before and after (None for a layer without biases).
    z, a : ndarray of shape (fan_out,)
        Net input and output.
    dE_da : ndarray of shape (fan_out,)
        ``dE/d(out)`` of each unit.
    fprime : ndarray of shape (fan_out,) or None
        ``f'(net)`` of each unit (None for softmax, whose Jacobian is not diagonal).
    delta : ndarray of shape (fan_out,)
        Error term ``dE/d(net)``.
    dW : ndarray of shape (fan_in, fan_out)
        Gradient of the cost with respect to ``W`` (weight decay included).
    db : ndarray of shape (fan_out,) or None
    fused : bool
        Output layer of a canonical pair: ``delta = a - y`` computed directly.
    from_net : bool
        Output layer of another pair whose loss has a closed form of
        ``dE/d(net)`` (sigmoid + cross_entropy, softmax + log_loss, softplus +
        cross_entropy or poisson): ``delta`` is computed from ``z``, not as
        the product of ``dE_da`` and ``f'``, which lose it where the output
        saturates (see :attr:`product` and :meth:`product_differs`).
    backprop : ndarray of shape (fan_out,) or None
        Under the sparsity penalty (``chainrule trace --rho``), the hidden layer's
        ``dE/d(out)`` from the layer above alone, before the sparsity term that
        :attr:`dE_da` then includes; None elsewhere.
    frozen : frozenset of str, default frozenset()
        The parameters ("W", "b") the step keeps, as training does (the layer's
        ``trainable = False`` or ``frozen``): their new value is the old one, their
        gradient (:attr:`dW`, :attr:`db`) is shown all the same.
    """

    activation: str
    a_in: np.ndarray
    W: np.ndarray
    b: np.ndarray | None
    z: np.ndarray
    a: np.ndarray
    dE_da: np.ndarray
    fprime: np.ndarray | None
    delta: np.ndarray
    dW: np.ndarray
    db: np.ndarray | None
    W_new: np.ndarray
    b_new: np.ndarray | None
    fused: bool
    from_net: bool = False
    backprop: np.ndarray | None = None
    frozen: frozenset[str] = frozenset()

    @property
    def product(self) -> np.ndarray:
        """What the printed factors multiply to in float64, shape (fan_out,).

        ``dE_da * fprime``, or for softmax ``sum_m dE_da[m] a[m] ([m = n] - a[n])``.
        """
        with np.errstate(over="ignore", invalid="ignore"):  # inf * 0 where a is clipped
            if self.fprime is not None:
                return self.dE_da * self.fprime
            jac = self.a[:, None] * (np.eye(self.n_out) - self.a[None, :])  # da_m/dz_n
            return jac.T @ self.dE_da

    def product_differs(self, digits: int = 6) -> np.ndarray:
        """Units whose :attr:`product` is not ``delta``: of an output layer not computed as
        a product (a :attr:`from_net` or :attr:`fused` output), or of a softmax layer,
        whose backward pass computes ``a * (dE_da - sum(dE_da * a))``, not the Jacobian
        sum written out.

        Judged as printed: the two differ when their ``digits`` significant
        digits do, so a last-bit difference far below the printed precision
        is no difference (while at 17 digits every bit counts).

        Parameters
        ----------
        digits : int, default 6

        Returns
        -------
        ndarray of shape (fan_out,), bool
            All False for every other layer.
        """
        if not (self.from_net or self.fused or self.fprime is None):
            return np.zeros(self.n_out, dtype=bool)
        return np.array([fmt(p, digits) != fmt(d, digits)
                         for p, d in zip(self.product, self.delta, strict=True)])

    @property
    def n_in(self) -> int:
        """The layer's inputs: ``W.shape[0]`` (fan_in)."""
        return self.W.shape[0]

    @property
    def n_out(self) -> int:
        """The layer's units: ``W.shape[1]`` (fan_out)."""
        return self.W.shape[1]


@dataclass(frozen=True, eq=False)
class StepTrace:
    """One gradient-descent step of a network on one example.

    Attributes
    ----------
    x : ndarray of shape (n_inputs,)
    y : ndarray of shape (n_outputs,)
        The target as the loss sees it (class labels become one-hot rows; with
        label smoothing, the smoothed target, which the plain loss reads).
    lr : float
    loss : str
        Name of the loss.
    weight_decay : float
    decay : str
    cost : float
        ``J`` before the update (equal to the example's loss ``E`` without weight decay).
    layers : list of LayerStep
        Input side first.
    cost_new : float
        ``J`` after the update.
    output_new : ndarray of shape (n_outputs,)
        The network's output for ``x`` after the update.
    network_after : Network
        A float64 copy of the network holding the updated parameters.
    loss_value : float or None
        The example's loss ``E`` before the update, as the engine computed it
        (None: ``cost`` less the weight decay, see :attr:`example_loss`).
    dtype : str, default "float64"
        The dtype of the network traced; the step itself is computed in
        float64 whatever it is (a float32 network's weights widen exactly).
    loss_params : mapping of str to float, default {}
        The loss's settings: huber's ``delta``, which its formula names, and a
        ``label_smoothing``, which made ``y`` the smoothed target.
    """

    x: np.ndarray
    y: np.ndarray
    lr: float
    loss: str
    weight_decay: float
    decay: str
    cost: float
    layers: list[LayerStep]
    cost_new: float
    output_new: np.ndarray
    network_after: Network
    loss_value: float | None = None
    dtype: str = "float64"
    loss_params: dict[str, float] = field(default_factory=dict)

    @property
    def output(self) -> np.ndarray:
        """The network's output before the update, shape (n_outputs,)."""
        return self.layers[-1].a

    @property
    def decay_term(self) -> float:
        """``(lambda/2) sum W^2`` of the weights before the update (biases never; for one
        example ``m = 1``, so both decay conventions give this)."""
        return 0.5 * self.weight_decay * sum(float(np.sum(ls.W * ls.W)) for ls in self.layers)

    @property
    def example_loss(self) -> float:
        """The example's loss ``E`` before the update: ``cost`` without the weight decay.

        The engine's own ``E`` (:attr:`loss_value`), not ``cost - decay_term``: where the
        decay is far larger than ``E``, that difference keeps only the rounding of ``J``.
        """
        if self.loss_value is not None:
            return self.loss_value
        return self.cost - self.decay_term if self.weight_decay else self.cost


@contextmanager
def _recording_grad_out(layers: list[Dense]) -> Iterator[dict[int, np.ndarray]]:
    """Record the ``grad_out`` (dE/d(out)) each layer's ``backward`` receives."""
    seen: dict[int, np.ndarray] = {}

    def wrap(i: int, method):
        def backward(grad_out: np.ndarray, need_input_grad: bool = True):
            seen[i] = np.array(grad_out, copy=True)
            return method(grad_out, need_input_grad)

        return backward

    for i, layer in enumerate(layers):
        layer.backward = wrap(i, layer.backward)  # instance attribute shadows the method
    try:
        yield seen
    finally:
        for layer in layers:
            vars(layer).pop("backward", None)


def _one_example(value: object, name: str) -> np.ndarray:
    arr = check_finite_array(value, name)
    if arr.ndim == 2 and arr.shape[0] != 1:
        raise ValueError(
            f"{name}: a trace follows one example, got {arr.shape[0]} rows (shape {arr.shape})"
        )
    return arr.reshape(1, -1) if arr.ndim <= 1 else arr


def compute_step(net: Network, x: object, y: object, lr: float = 1.0) -> StepTrace:
    """Run one forward pass, backward pass and gradient-descent update, keeping every number.

    The network passed in is not changed: the step runs on a float64 copy,
    whatever the network's dtype, as the worked examples are computed (a
    float32 network's parameters widen to float64 exactly; its step in
    float32 would differ from them in the 7th digit).

    Parameters
    ----------
    net : Network
        Dense layers only, with differentiable activations.
    x : array-like of shape (n_inputs,) or (1, n_inputs)
        One example.
    y : array-like of shape (n_outputs,) or (1, n_outputs), or a class label
        Its target.
    lr : float, default 1.0
        Learning rate of the update ``theta <- theta - lr * grad``; the parameters the
        layers freeze (``trainable = False``, ``frozen``) keep their values, as in one
        step of :func:`chainrule.train` with ``SGD(lr)``.

    Returns
    -------
    StepTrace

    Raises
    ------
    ValueError
        If a number of the step (net input, output, cost, gradient or updated
        parameter), or the forward pass after the update, overflows float64:
        the message says whether to scale the weights, input and target down or
        to lower ``lr``.  Also if a layer is
        not Dense or its activation has no derivative, ``x`` or ``y`` does
        not fit the network, or ``lr`` is not > 0.
    TypeError
        If ``net`` is not a :class:`Network`.
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be a chainrule Network, got {type(net).__name__}")
    lr = check_positive_float(lr, "lr")
    for i, layer in enumerate(net.layers):
        if not isinstance(layer, Dense):
            raise ValueError(
                f"net.layers[{i}]: a trace shows Dense layers only (one weight per connection), "
                f"got {layer!r}" + ("; chainrule.tracing.trace(net, x, y) shows a first "
                "Embedding's lookup and table gradient with the Dense layers' step, and "
                "chainrule.tracing.trace_embedding (chainrule trace-conv --table W --input X) "
                "the layer alone" if type(layer).__name__ == "Embedding" else "")
            )
        if not layer.activation.differentiable:
            raise ValueError(
                f"net.layers[{i}]: activation {layer.activation.name!r} has no derivative, so "
                "there is no backward pass to trace; use chainrule.perceptron for it"
            )
    X = _one_example(x, "x")
    Yraw = check_finite_array(y, "y")
    if Yraw.ndim == 0 or (Yraw.ndim == 1 and net.n_outputs > 1 and Yraw.size == 1):
        Yarg: object = Yraw.reshape(1)  # one value: a target (1 output) or a class label
    else:
        Yarg = _one_example(Yraw, "y")
    work = net.astype(np.float64)  # a copy; float32 weights widen exactly
    layers: list[Dense] = list(work.layers)  # type: ignore[arg-type]
    before_W = [layer.W.copy() for layer in layers]
    before_b = [None if layer.b is None else layer.b.copy() for layer in layers]
    X = check_data(X, work.n_inputs, work.dtype, "x")
    Y = work.prepare_targets(Yarg, 1, "y")  # refused here, named y, before anything runs
    smoothed_loss = work.loss
    if "label_smoothing" in smoothed_loss.params:  # the plain loss of the smoothed target:
        # the same numbers, and the formulas (E, dE/da, delta = a - y) hold of the y shown
        from .._loss_smoothing import smoothed_targets
        from ..losses import LOSSES

        Y = smoothed_targets(smoothed_loss, Y)
        work.loss = LOSSES[smoothed_loss.name]
    with _recording_grad_out(layers) as grad_out, np.errstate(over="ignore", invalid="ignore"):
        cost, grad = work.loss_and_grad(X, Y)
        # E itself, the term J adds the decay to (J - decay would lose it where it is small)
        loss_value = float(work._output_terms(Y)[0])
    bad = int(np.count_nonzero(~np.isfinite(grad)))
    forward_bad = sum(int(np.count_nonzero(~np.isfinite(v))) for layer in layers
                      for v in (layer.Z, layer.A))
    if not np.isfinite(cost) or bad or forward_bad:
        raise ValueError(
            f"x, y: the step overflows float64 with these weights, input and target: the "
            f"cost is {cost:g}, {forward_bad} net input(s) or output(s) and {bad} of the "
            f"{grad.size} gradient entries are not finite; expected weights, input and target "
            "small enough for finite numbers (scale them down)"
        )
    fused = work.output_activation.name == work.loss.canonical
    from_net = not fused and work._logit_path() is not None  # delta from z in closed form
    records = []
    for i, layer in enumerate(layers):
        if i in grad_out:
            dE_da = grad_out[i][0]
        else:  # fused output layer: the loss's own dE/da, never used by the engine
            with np.errstate(divide="ignore", invalid="ignore"):
                dE_da = work.loss.grad(layer.A, Y)[0]
        act = layer.activation
        fprime = act.derivative(layer.Z, layer.A)[0] if act.elementwise else None
        records.append(dict(
            activation=act.name, a_in=layer.X[0].copy(), W=before_W[i], b=before_b[i],
            z=layer.Z[0].copy(), a=layer.A[0].copy(), dE_da=dE_da, fprime=fprime,
            delta=layer.delta[0].copy(), dW=layer.dW.copy(),
            db=None if layer.db is None else layer.db.copy(),
            fused=fused and i == len(layers) - 1, from_net=from_net and i == len(layers) - 1,
            frozen=layer_frozen(layer),
        ))
    with np.errstate(over="ignore", invalid="ignore"):
        theta_new = sgd_update(work, grad, lr)  # frozen parameters kept (gradients shown)
    bad = int(np.count_nonzero(~np.isfinite(theta_new)))
    if bad:
        raise ValueError(
            f"lr: the update theta - lr * grad overflows float64 in {bad} of the "
            f"{theta_new.size} parameters with lr = {lr:g}; expected a smaller learning rate"
        )
    work.set_params(theta_new)
    with np.errstate(over="ignore", invalid="ignore"):
        cost_new = work.loss_value(X, Y)
        output_new = work.forward(X)[0].copy()
    bad = sum(int(np.count_nonzero(~np.isfinite(v))) for layer in layers
              for v in (layer.Z, layer.A))
    if not np.isfinite(cost_new) and not bad and work.weight_decay > 0:
        _decay_overflow(work, X, Y, lr)
    if not np.isfinite(cost_new) or bad:
        raise ValueError(
            f"lr: after the update theta - lr * grad with lr = {lr:g} the forward pass "
            f"overflows float64: the new cost is {cost_new:g} and {bad} new net input(s) or "
            "output(s) are not finite; expected a smaller learning rate (or smaller weights, "
            "input and target)"
        )
    steps = [
        LayerStep(**rec, W_new=layer.W.copy(), b_new=None if layer.b is None else layer.b.copy())
        for rec, layer in zip(records, layers, strict=True)
    ]
    work.loss = smoothed_loss  # network_after: the network's own loss
    return StepTrace(
        x=X[0].copy(), y=Y[0].copy(), lr=lr, loss=work.loss.name,
        weight_decay=work.weight_decay, decay=work.decay, cost=cost, layers=steps,
        cost_new=cost_new, output_new=output_new, network_after=work, loss_value=loss_value,
        dtype=str(np.dtype(net.dtype)),
        loss_params=dict(work.loss.params),
    )


def _decay_overflow(work: Network, X: np.ndarray, Y: np.ndarray, lr: float) -> None:
    """Refuse a step whose new cost is infinite through its weight-decay term alone (the
    new forward pass and its loss finite), naming weight_decay: a decay of lambda moves each
    decayed weight to ``w (1 - lr c) - lr dE/dw`` (``c`` lambda, or lambda / m per sample),
    and with ``lr c`` of 1e308 the new ``(c/2) sum W^2`` overflows, however small ``lr``
    looks beside it."""
    with np.errstate(over="ignore", invalid="ignore"):
        loss_new = float(np.mean(work._output_terms(Y)))
        decay_new = work._decay_term(X.shape[0])
    if not np.isfinite(loss_new) or np.isfinite(decay_new):
        return
    c = work.weight_decay / (X.shape[0] if work.decay == "per_sample" else 1)
    raise ValueError(
        f"weight_decay: after the update theta - lr * grad with lr = {lr:g} the new cost is "
        f"inf through its weight-decay term alone ((lambda/2) sum W^2 with weight_decay = "
        f"{work.weight_decay:g}; the loss term is {loss_new:g}): the update multiplies each "
        f"decayed weight by about 1 - lr lambda = {1 - lr * c:g}; expected a weight_decay "
        "(times lr) far smaller, e.g. below 2 / lr for a step that shrinks the weights")

