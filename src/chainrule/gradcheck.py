"""Gradient checking by central differences (SPEC 8).

``g_i ~ (J(theta + eps e_i) - J(theta - eps e_i)) / (2 eps)``, compared with
backpropagation's gradient by the relative difference
``||num - ana|| / ||num + ana||``.

How small the difference is, in float64 with the default ``eps = 1e-4``:
backpropagation is exact up to rounding, but the central difference has a
truncation error of about ``eps**2 / 6`` times the cost's third derivative
along each parameter.  So the figure depends on the curvature of the cost and
on the size of the gradient it is divided by: about 1e-10 for a small sigmoid
network, 1e-9 to 5e-9 for small tanh networks, and up to a few 1e-8 for a
trained sparse autoencoder, whose gradient is close to zero.  A bug in a
backward pass gives 1e-2 or worse, so the command line's default pass
tolerance, 1e-7, lies well between.  Halving ``eps`` divides the truncation
part by about 4 (``chainrule gradcheck --scaling`` shows it), until rounding
error takes over: about ``1e-16 / eps`` times the size of the numbers ``J`` is
computed from, usually ``|J|`` (below ``eps`` of about 1e-5), but far more when
``J`` is a small difference of large numbers; the difference then grows as
``eps`` is halved (``--scaling``: a ratio below 1).  The losses avoid such
differences where they can: the log loss of a sigmoid output is computed as
``max(z, 0) - y z + log(1 + e^-|z|)``, not ``log(1 + e^z) - y z``, which for a
classifier that fits its examples with large logits (``z`` of 15 to 40)
cancelled to a few digits and made a correct gradient FAIL on those examples.

>>> import numpy as np, chainrule as cr
>>> net = cr.mlp([3, 4, 2], hidden="tanh", output="sigmoid", seed=0)
>>> rng = np.random.default_rng(0)
>>> X, Y = rng.normal(size=(5, 3)), rng.integers(0, 2, (5, 2)).astype(float)
>>> a, b = (gradient_check(net, X, Y, eps=e).rel_diff for e in (1e-4, 5e-5))
>>> bool(a > 1e-9 and 3.5 < a / b < 4.5)    # above 1e-9, and falls as eps**2
True
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._validation import check_positive_float
from .pooling import MaxPool2D

__all__ = ["GradientCheck", "gradient_check", "numerical_gradient", "relative_difference"]


@dataclass(frozen=True)
class GradientCheck:
    """Result of :func:`gradient_check`.

    Attributes
    ----------
    numerical : ndarray of shape (n_params,)
        Central-difference estimate.
    analytical : ndarray of shape (n_params,)
        Backpropagation's gradient.
    rel_diff : float
        ``||numerical - analytical|| / ||numerical + analytical||``.
    cost : float
        The cost at the unperturbed parameters.
    eps : float
        The step used.
    near_kink : ndarray of bool, shape (n_params,), or None
        With ``exclude_kinks``: the parameters whose steps ``+-eps`` move a net
        input of a kinked activation (ReLU, leaky ReLU, see
        :attr:`Activation.kinks`) across its kink, or change which pixel of a
        max-pooling window is the largest, so that the central difference
        straddles the corner and is no estimate of the derivative.
        ``rel_diff`` leaves them out.  None without ``exclude_kinks``.
    kink_units : int
        With ``exclude_kinks``: how many net inputs (one per example and unit)
        some step moved across a kink, and max-pooling windows (one per
        example, channel and output pixel) whose largest pixel some step changed.
    rel_diff_all : float
        The relative difference over every parameter (``rel_diff`` itself
        without ``exclude_kinks``).
    tolerance : float
        The largest relative difference that passes (:attr:`verdict`).
    series : tuple of GradientCheck
        The checks at ``eps/2`` and ``eps/4`` when the verdict needed them (a
        difference at or above ``tolerance`` that is neither 0 / 0 nor from tiny
        gradients); empty otherwise.
    layout : tuple of (str, tuple of int), or None
        Where each parameter of the flat vector lives, in its order: one
        ``("layers[i].W", shape)`` per parameter array of the model's layers
        (``W``, ``b``, a convolution's kernels, batch normalisation's ``gamma``
        and ``beta``); None when the model's layers do not account for its
        ``params``.  :meth:`parameter_name` reads it.

    ``print(check)`` shows the figures and the verdict, PASS, FAIL or
    INCONCLUSIVE, by the rule and in the words of ``chainrule gradcheck``
    (:attr:`verdict`, :attr:`verdict_text`).
    """

    numerical: np.ndarray
    analytical: np.ndarray
    rel_diff: float
    cost: float
    eps: float
    near_kink: np.ndarray | None = None
    kink_units: int = 0
    rel_diff_all: float | None = None
    tolerance: float = 1e-7
    series: tuple[GradientCheck, ...] = ()
    layout: tuple[tuple[str, tuple[int, ...]], ...] | None = None

    @property
    def compared(self) -> int:
        """How many parameters ``rel_diff`` compares (all but those near a kink)."""
        n = self.numerical.size
        return n if self.near_kink is None else n - int(np.count_nonzero(self.near_kink))

    @property
    def worst(self) -> int:
        """Index of the compared parameter with the largest absolute disagreement."""
        gap = np.abs(self.numerical - self.analytical)
        if self.near_kink is not None and self.compared:
            gap = np.where(self.near_kink, -1.0, gap)
        return int(np.argmax(gap))

    @property
    def verdict(self) -> str:
        """``"PASS"``, ``"FAIL"`` or ``"INCONCLUSIVE"``: the rule of ``chainrule gradcheck``.

        PASS when ``rel_diff < tolerance``.  Otherwise INCONCLUSIVE when the
        difference is rounding error, where the gradient is too small for central
        differences: every compared entry of both gradients is below ``1e-10 x
        max(1, |J|)``, or the difference grows by more than 1.4 at each of two
        halvings of ``eps``.  A difference that falls by 3 to 5 at each halving
        (the ``eps**2`` truncation error) is judged on the central differences
        extrapolated to ``eps -> 0`` (Richardson): PASS below ``tolerance``,
        INCONCLUSIVE while it still falls, FAIL when it stays.  Anything else
        at or above ``tolerance`` is a FAIL, as is a check that compared no
        parameter (all near a kink).
        """
        return _judgement(self, _ADVICE)[0]

    @property
    def verdict_text(self) -> str:
        """The verdict and why, as ``chainrule gradcheck`` words it (a note first for 0 / 0)."""
        return _judgement(self, _ADVICE)[1]

    def __repr__(self) -> str:
        return (f"GradientCheck(verdict={self.verdict!r}, rel_diff={self.rel_diff:.3e}, "
                f"compared={self.compared}, eps={self.eps:g}, tolerance={self.tolerance:g}, "
                f"worst={self.parameter_name(self.worst)!r})")

    def parameter_name(self, i: int) -> str:
        """Which layer and entry the flat parameter ``i`` is, e.g. ``"layers[1].W[2, 0]"``.

        ``layers[1]`` is ``net.layers[1]`` (the numbering of ``net.summary()``) and
        ``W[2, 0]`` the entry of its weight matrix of shape (fan_in, fan_out): from
        unit 2 of the layer below to unit 0.  Just ``i`` without a :attr:`layout`.
        """
        if isinstance(i, (bool, np.bool_)) or not isinstance(i, (int, np.integer)):
            raise TypeError(f"i must be an integer parameter index, got {i!r}")
        i = int(i)
        if not 0 <= i < self.numerical.size:
            raise ValueError(f"i must be a parameter index in 0..{self.numerical.size - 1}, "
                             f"got {i}")
        offset = 0
        for name, shape in self.layout or ():
            n = int(np.prod(shape))
            if i < offset + n:
                entry = ", ".join(map(str, np.unravel_index(i - offset, shape)))
                return f"{name}[{entry}]"
            offset += n
        return str(i)

    def __str__(self) -> str:
        return f"{self.summary()}\n{self.verdict_text}"

    def summary(self) -> str:
        """The figures without the verdict: relative difference and the worst parameter."""
        i = self.worst
        text = (
            f"gradient check over {self.compared} parameters (eps={self.eps:g}): "
            f"relative difference {self.rel_diff:.3e}; worst parameter {i}"
            f"{'' if self.layout is None else f' ({self.parameter_name(i)})'}: "
            f"numerical {self.numerical[i]:.10g}, analytical {self.analytical[i]:.10g}"
        )
        if self.near_kink is not None and self.compared < self.numerical.size:
            k = self.numerical.size - self.compared
            text += (
                f"\n{k} parameter(s) near a kink, not comparable: their steps of +-eps move "
                f"{self.kink_units} net input(s) of a ReLU-like activation across its kink "
                f"or change the largest pixel of a max-pooling window, where the central "
                f"difference is no derivative (relative difference with "
                f"them: {self.rel_diff_all:.3e})"
            )
        return text


def relative_difference(a: object, b: object) -> float:
    """``||a - b|| / ||a + b||`` (0 when both are zero), for two gradients of one shape.

    Parameters
    ----------
    a, b : array-like of the same shape
        E.g. a central-difference gradient and your backpropagation's.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be gradients of the same shape, got {a.shape} and "
                         f"{b.shape}")
    den = float(np.linalg.norm(a + b))
    num = float(np.linalg.norm(a - b))
    return 0.0 if num == 0.0 else num / den if den > 0 else float("inf")


# Gradients whose entries are all below this (times max(1, |J|)) are too small to check by
# central differences: around 1e-16 they are the rounding of the forward pass itself.
_TINY = 1e-10

# what the verdicts advise, in Python's words (the command line passes its options' words)
_ADVICE = {
    "eps": "a smaller eps",
    "examples": "other examples (more rows of X, or other rows)",
    "elsewhere": "on random examples, or on other examples",
}


def _largest_compared(result: GradientCheck) -> float:
    """The largest magnitude among the compared entries of both gradients (0 if none)."""
    keep = slice(None) if result.near_kink is None else ~result.near_kink
    both = np.concatenate([np.abs(result.numerical[keep]), np.abs(result.analytical[keep])])
    return float(both.max()) if both.size else 0.0


def _needs_series(result: GradientCheck) -> bool:
    """Whether the verdict reads the checks at eps/2 and eps/4: a difference at or above
    the tolerance, with something compared, that is neither 0 / 0 nor tiny gradients."""
    zero = not np.any(result.analytical) and not np.any(result.numerical)
    return (bool(result.compared) and not zero and result.rel_diff >= result.tolerance
            and _largest_compared(result) >= _TINY * max(1.0, abs(result.cost)))


def _extrapolated(coarse: GradientCheck, fine: GradientCheck) -> float:
    """Relative difference of the analytical gradient and the Richardson extrapolation
    ``(4 g(eps/2) - g(eps)) / 3`` of two checks' central differences (eps, eps/2).

    The extrapolation cancels the ``eps**2`` term of the truncation error, so what is
    left is its ``eps**4`` term, rounding, and any error of the gradient itself.  Only
    the parameters that neither check left out near a kink are compared.
    """
    keep = np.ones(fine.numerical.size, dtype=bool)
    for check in (coarse, fine):
        if check.near_kink is not None:
            keep &= ~check.near_kink
    g = (4.0 * fine.numerical - coarse.numerical) / 3.0
    return relative_difference(g[keep], fine.analytical[keep])


def _judgement(r: GradientCheck, advice: dict[str, str]) -> tuple[str, str]:
    """``(verdict, text)`` of a check: the one rule of :attr:`GradientCheck.verdict`.

    Of the three things that make the two gradients differ, truncation falls as
    ``eps**2`` (by 4 at each halving), a wrong gradient stays (about 1), and the
    rounding of ``J(theta + eps e_i) - J(theta - eps e_i)``, divided by ``2 eps``,
    grows as ``1 / eps`` (about 2): the series at eps, eps/2 and eps/4
    (:attr:`GradientCheck.series`) says which.  ``advice`` words what to try
    (keys ``eps``, ``examples``, ``elsewhere``), for Python or the command line.
    """
    tol = r.tolerance
    note = ""
    zero = not np.any(r.analytical) and not np.any(r.numerical)
    if zero:  # 0 / 0: the relative difference is 0 by convention, and says nothing
        note = ("note: both gradients are exactly 0 at these parameters (saturated units, or "
                "examples the loss no longer sees), so the check compares nothing; try "
                f"{advice['examples']}\n")
    if not r.compared:
        return "FAIL", (f"{note}FAIL: every one of the {r.numerical.size} parameters is near "
                        f"a kink, so nothing could be compared; try {advice['eps']} or other "
                        "examples")
    ok = r.rel_diff < tol
    checks = (r, *r.series)
    if len(checks) == 3 and all(c.compared for c in checks):  # only when _needs_series
        diffs = [c.rel_diff for c in checks]
        shown = ", ".join(f"{d:.2e}" for d in diffs)
        if all(b > 1.4 * a for a, b in itertools.pairwise(diffs)):
            return "INCONCLUSIVE", (
                f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, but it "
                "is the rounding error of the central differences: with eps, eps/2 and eps/4 "
                f"it grew ({shown}), where a wrong gradient would keep it and truncation "
                "would shrink it by 4 each time. The gradient is too small here for central "
                "differences (as for a model that fits these examples well); check it where "
                f"it is larger: {advice['elsewhere']}")
        if all(3.0 < a / b < 5.0 for a, b in itertools.pairwise(diffs)):
            # falling as eps^2: truncation, unless a wrong gradient hides under it; the
            # Richardson extrapolation (4 g(eps/2) - g(eps)) / 3 cancels the eps^2 term
            early, late = (_extrapolated(c, f) for c, f in itertools.pairwise(checks))
            falls = (f"relative difference {r.rel_diff:.3e} >= {tol:g}, falling by about 4 "
                     f"each time eps is halved ({shown}), as the truncation error of central "
                     "differences does; extrapolated to eps -> 0 (Richardson, from eps/2 and "
                     "eps/4) it is")
            if late < tol:
                return "PASS", f"{note}PASS: {falls} {late:.3e} < {tol:g}"
            # still falling: the eps^4 term would divide it by 16 at each halving, and at a
            # large eps the higher terms still pull that down to about 7; a wrong gradient
            # keeps it at about 1
            if late < early / 4:
                return "INCONCLUSIVE", (
                    f"{note}INCONCLUSIVE: {falls} {late:.3e} (from eps and eps/2: "
                    f"{early:.3e}), still falling: eps is too large for this cost; try "
                    f"{advice['eps']}")
            return "FAIL", (f"{note}FAIL: {falls} {late:.3e} (from eps and eps/2: "
                            f"{early:.3e}) >= {tol:g}: the gradient is wrong by about that "
                            "much, under a truncation error that hid it")
    largest = _largest_compared(r)
    if not ok and not zero and largest < _TINY * max(1.0, abs(r.cost)):
        return "INCONCLUSIVE", (
            f"{note}INCONCLUSIVE: relative difference {r.rel_diff:.3e} >= {tol:g}, but the "
            f"gradients here are tiny (largest entry {largest:.2e}, below {_TINY:g} x max(1, "
            "|J|)): at that size both are mostly the rounding of the numbers they are "
            "computed from, as at a minimum the model has fitted its examples to, and their "
            "difference says nothing about backpropagation. Check where the gradient is "
            f"larger: {advice['elsewhere']}")
    return ("PASS" if ok else "FAIL"), (f"{note}{'PASS' if ok else 'FAIL'}: relative "
                                        f"difference {r.rel_diff:.3e} {'<' if ok else '>='} "
                                        f"{tol:g}")


def _cost_value(value: object) -> float:
    """``fun(theta)`` as a float, or an error that says what ``fun`` must return."""
    if isinstance(value, tuple):
        raise TypeError(
            f"fun must return the cost J, one number, got a tuple of {len(value)} item(s); for "
            "a function that returns (J, grad), pass lambda theta: fun(theta)[0]"
        )
    try:
        arr = np.asarray(value)
    except (TypeError, ValueError, RuntimeError):  # a PyTorch tensor that requires grad
        arr = None
    if (arr is None or arr.dtype == object) and not isinstance(value, (str, bytes)):
        item = getattr(value, "item", None)  # a tensor's item(): no warning about its grad
        try:  # a number NumPy does not hold as one (that tensor, a Fraction): its float()
            number = item() if callable(item) else value
            # but not a text or a truth value, which float() would also take ('1.5', True)
            if not isinstance(number, (str, bytes, bool, np.bool_)):
                return float(number)
        except (TypeError, ValueError, RuntimeError):  # item() of a tensor of many values
            pass
    if arr is None or arr.size != 1 or not np.issubdtype(arr.dtype, np.number):
        shape = "" if arr is None else f" of shape {arr.shape}"
        raise ValueError(f"fun must return the cost J, one number, got "
                         f"{type(value).__name__}{shape}")
    if arr.dtype.kind == "c":  # float() would raise a TypeError that names no argument
        raise ValueError(f"fun must return the cost J, one real number, got "
                         f"{type(value).__name__} {arr.reshape(()).item()!r}")
    return float(arr.reshape(()))


def numerical_gradient(fun: Callable[[np.ndarray], float], theta: object,
                       eps: float = 1e-4) -> np.ndarray:
    """Central-difference gradient of a scalar function ``fun(theta)``.

    ``theta`` may have any shape, e.g. one weight matrix of your own network: each
    entry is moved by ``+-eps`` in turn, in a copy (``theta`` is not changed).

    Parameters
    ----------
    fun : callable
        ``fun(theta) -> float``, the cost (not a ``(cost, gradient)`` pair).
    theta : array-like of any shape, e.g. (n,) or (fan_in, fan_out)
    eps : float

    Returns
    -------
    ndarray of the shape of ``theta``

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> numerical_gradient(lambda W: np.sum(W ** 3) / 3, W)   # W ** 2
    array([[ 1.,  4.],
           [ 9., 16.]])
    """
    theta = np.array(theta, dtype=np.float64)
    flat = theta.reshape(-1)  # a view: moving flat[i] moves the entry fun sees in theta
    g = np.empty_like(flat)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        plus = _cost_value(fun(theta))
        flat[i] = old - eps
        minus = _cost_value(fun(theta))
        flat[i] = old
        g[i] = (plus - minus) / (2 * eps)
    return g.reshape(theta.shape)


def _model_layers(model: Any) -> list[Any]:
    """The layers of ``model`` (``layers`` or ``network_.layers``; none if it has neither)."""
    layers = getattr(model, "layers", None)
    if layers is None:
        layers = getattr(getattr(model, "network_", None), "layers", None)
    return list(layers or ())


def _layout(model: Any, n_params: int) -> tuple[tuple[str, tuple[int, ...]], ...] | None:
    """``("layers[i].<name>", shape)`` of every parameter array of ``model``'s layers, in
    the order of its flat vector; None when they do not add up to ``n_params``."""
    layout = tuple((f"layers[{i}].{spec.name}", tuple(spec.shape))
                   for i, layer in enumerate(_model_layers(model))
                   for spec in (layer.param_specs() if hasattr(layer, "param_specs") else ()))
    return layout if sum(int(np.prod(shape)) for _, shape in layout) == n_params else None


def _kinked_layers(model: Any) -> list[Any]:
    """The layers of ``model`` (``layers`` or ``network_.layers``) with kinks.

    Those with a kinked activation, and max pooling: the largest of a window
    is a kink too, where the window's winner changes.
    """
    return [layer for layer in _model_layers(model)
            if isinstance(layer, MaxPool2D)
            or getattr(getattr(layer, "activation", None), "kinks", ())]


def _check_dropout_masks(model: Any) -> None:
    """Refuse a training-mode check through a Dropout layer that draws a new mask per pass.

    Every evaluation of the cost would then be another function of ``theta``: the
    central differences mix masks and disagree with any gradient (a relative
    difference near 1 for a correct backward pass).
    """
    for i, layer in enumerate(_model_layers(model)):
        if getattr(layer, "rate", 0) and getattr(layer, "fixed_mask", False) is None:
            raise ValueError(
                f"training=True: layers[{i}] is {type(layer).__name__}(rate={layer.rate:g}) "
                "without a fixed mask, so every evaluation of the cost would draw another "
                "mask and the central differences would compare different functions; fix "
                "one first (layer.fix_mask(keep), keep of shape (n_samples, n_units)) or "
                "check in evaluation mode (leave training out)"
            )


def _sides(layers: list[Any]) -> list[np.ndarray]:
    """Which side of each kink every net input of the last pass lies on (-1, 0, 1).

    For max pooling: which pixel of each window was its largest (``argmax``).
    """
    sides = []
    for layer in layers:
        if isinstance(layer, MaxPool2D):
            if layer.argmax is not None:
                sides.append(layer.argmax.copy())
        elif layer.Z is not None:
            sides.extend(np.sign(layer.Z - k) for k in layer.activation.kinks)
    return sides


def gradient_check(
    model: Any, X: object, Y: object = None, eps: float = 1e-4, sample_weight: object = None,
    exclude_kinks: bool = False, tolerance: float = 1e-7, **cost_kwargs: Any,
) -> GradientCheck:
    """Compare backpropagation with central differences on any chainrule model.

    The model needs ``params`` (flat vector) and ``cost(theta, X, Y)`` (or
    ``cost(theta, X)`` when ``Y`` is None, as for an autoencoder) returning
    ``(J, grad)``.  A float32 network is checked through a float64 copy, since
    differences of float32 costs carry too little precision.

    Parameters
    ----------
    model : Network or model with ``params`` and ``cost``
    X : array-like of shape (n_samples, n_inputs)
    Y : array-like, optional
        Targets (omit for unsupervised models).
    eps : float, default 1e-4
        Step of the central differences; see the module's notes for how the
        relative difference depends on it (as ``eps**2``, then rounding).
    sample_weight : array-like of shape (n_samples,), optional
        Weights of the examples: the weighted cost is checked (see
        :meth:`Network.loss_and_grad`).  Only for models whose ``cost`` takes
        ``sample_weight``, as a :class:`Network`'s does.
    exclude_kinks : bool, default False
        Leave out of ``rel_diff`` the parameters whose central difference
        straddles a kink: those whose steps ``+-eps`` put a net input of a
        ReLU-like layer (an activation with :attr:`Activation.kinks`) on
        another side of its kink than at ``theta``, or make another pixel the
        largest of a max-pooling window (``MaxPool2D``).  There the cost is not
        differentiable within the step, and the difference quotient mixes the
        two one-sided slopes however right backpropagation is (an untrained
        network with small weights has many net inputs within reach).  They
        are reported in ``near_kink`` and ``kink_units``; ``rel_diff_all``
        keeps the figure over all.  Read from the layers of ``model``
        (``model.layers`` or ``model.network_.layers``) after each evaluation.
    tolerance : float, default 1e-7
        The largest relative difference that passes: the :attr:`GradientCheck.verdict`,
        by the rule of ``chainrule gradcheck`` (whose ``--tolerance`` it is).  When
        ``rel_diff`` is at or above it (and is neither 0 / 0 nor from tiny
        gradients, which the verdict names without more evaluations), the check
        is repeated at ``eps/2`` and ``eps/4`` to tell rounding and truncation
        error from a wrong gradient.
    **cost_kwargs
        Passed to ``model.cost``, e.g. ``training=True`` to check dropout (with a
        fixed mask: a Dropout layer without one is refused, since each
        evaluation would draw another mask) or batch normalisation with batch
        statistics.

    Returns
    -------
    GradientCheck
    """
    eps = check_positive_float(eps, "eps")
    tolerance = check_positive_float(tolerance, "tolerance")
    if not hasattr(model, "cost") or not hasattr(model, "params"):
        raise TypeError(
            "model must have `params` and `cost(theta, X, Y)`, e.g. a chainrule Network; "
            f"got {type(model).__name__}"
        )
    if getattr(model, "dtype", np.float64) != np.float64 and hasattr(model, "astype"):
        model = model.astype(np.float64)
    if sample_weight is not None:
        try:
            accepts = "sample_weight" in inspect.signature(model.cost).parameters
        except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
            accepts = False
        if not accepts:
            raise TypeError(
                f"sample_weight was given, but {type(model).__name__}.cost takes no "
                "sample_weight; leave it out for this model"
            )
        cost_kwargs["sample_weight"] = sample_weight
    if not isinstance(exclude_kinks, (bool, np.bool_)):
        raise TypeError(f"exclude_kinks must be True or False, got {exclude_kinks!r}")
    if cost_kwargs.get("training"):
        _check_dropout_masks(model)
    args = (X,) if Y is None else (X, Y)
    theta = np.array(model.params, dtype=np.float64)
    cost0, analytical = model.cost(theta, *args, **cost_kwargs)
    analytical = np.asarray(analytical, dtype=np.float64)
    if analytical.shape != theta.shape:
        raise ValueError(
            f"model.cost must return (J, grad) with grad of the shape of model.params "
            f"{theta.shape}, got a gradient of shape {analytical.shape}"
        )
    kinked = _kinked_layers(model) if exclude_kinks else []
    cost = lambda t: model.cost(t, *args, **cost_kwargs)[0]  # noqa: E731
    result = _central(model, cost, theta, float(cost0), analytical, eps, exclude_kinks, kinked,
                      tolerance)
    if _needs_series(result):  # the verdict reads how the difference moves with eps
        series = []
        for k in (2, 4):
            series.append(_central(model, cost, theta, float(cost0), analytical, eps / k,
                                   exclude_kinks, kinked, tolerance))
            if not series[-1].compared:
                break
        result = dataclasses.replace(result, series=tuple(series))
    return dataclasses.replace(result, layout=_layout(model, theta.size))


def _central(model: Any, cost: Callable[[np.ndarray], float], theta: np.ndarray,
             cost0: float, analytical: np.ndarray, eps: float, exclude_kinks: bool,
             kinked: list[Any], tolerance: float) -> GradientCheck:
    """The central differences at ``eps`` against ``analytical``, kinks read off ``kinked``."""
    kinked = _kinked_layers(model) if exclude_kinks else []
    if not kinked:
        numerical = numerical_gradient(cost, theta, eps)
        rel = relative_difference(numerical, analytical)
        near = np.zeros(theta.size, dtype=bool) if exclude_kinks else None
        return GradientCheck(numerical=numerical, analytical=analytical, rel_diff=rel,
                             cost=cost0, eps=eps, near_kink=near, rel_diff_all=rel,
                             tolerance=tolerance)
    # the same central differences as numerical_gradient, with the sides of the kinks
    # read after each evaluation and compared with those at theta (evaluated again: a
    # check at another eps comes after the steps of the last one)
    cost(theta)
    base = _sides(kinked)
    crossed = [np.zeros(s.shape, dtype=bool) for s in base]
    near = np.zeros(theta.size, dtype=bool)
    numerical = np.empty_like(theta)
    t = theta.copy()
    for i in range(t.size):
        values = []
        for step in (eps, -eps):
            t[i] = theta[i] + step
            values.append(cost(t))
            for s0, s, hit in zip(base, _sides(kinked), crossed, strict=True):
                moved = s != s0
                if moved.any():
                    near[i] = True
                    hit |= moved
        t[i] = theta[i]
        numerical[i] = (values[0] - values[1]) / (2 * eps)
    return GradientCheck(
        numerical=numerical,
        analytical=analytical,
        rel_diff=relative_difference(numerical[~near], analytical[~near]),
        cost=cost0,
        eps=eps,
        near_kink=near,
        kink_units=int(sum(np.count_nonzero(hit) for hit in crossed)),
        rel_diff_all=relative_difference(numerical, analytical),
        tolerance=tolerance,
    )
