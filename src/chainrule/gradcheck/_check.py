"""Gradient checks of chainrule models: :func:`gradient_check`.

It reads the model's ``params`` and ``cost``, runs the central differences
(leaving out, on request, the parameters whose steps cross a kink of a
ReLU-like activation or of max pooling), refuses a training-mode check through
a Dropout layer that draws a new mask per pass, and names each parameter by
its layer (:attr:`GradientCheck.layout`).
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._validation import check_positive_float
from ..layers import Dense
from ..pooling import MaxPool2D
from ._differences import check_measure, numerical_gradient, relative_difference
from ._result import GradientCheck
from ._verdict import _needs_series

__all__ = ["gradient_check"]


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


def _estimator_hint(model: Any) -> str:
    """What to pass instead of a scikit-learn-style estimator (none for other objects)."""
    if hasattr(model, "network_"):
        labels = ", Y the indices into model.classes_" if hasattr(model, "classes_") else ""
        return (f" (an estimator: check its network, gradient_check(model.network_, X, Y)"
                f"{labels})")
    if hasattr(model, "fit") and hasattr(model, "get_params"):
        own = _own_cost_call(model)
        if own is not None:  # an autoencoder: its network_ alone has no sparsity penalty
            penalty = ("; the cost of its network_ alone leaves out the KL sparsity penalty"
                       if hasattr(model, "rho")
                       and getattr(model, "fine_tune_sparsity", True) is not False else "")
            return (f" (a {type(model).__name__} that is not fitted: fit it, then check the "
                    f"cost its training minimises, {own}{penalty})")
        return " (an estimator: fit it, then check its network, model.network_)"
    return ""


def _own_cost_call(model: Any) -> str | None:
    """``gradient_check(model, X[, y])`` for an estimator with a ``cost(theta, X[, y])`` of
    its own (the autoencoders', whose cost adds the KL penalty, and SoftmaxRegression's),
    else None; the optional arguments of the cost (``sample_weight``) left out."""
    cost = getattr(type(model), "cost", None)
    if not callable(cost):
        return None
    try:
        names = [name for name, p in list(inspect.signature(cost).parameters.items())[2:]
                 if p.default is inspect.Parameter.empty]  # after self and theta
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        return None
    return f"gradient_check(model, {', '.join(names)})"


def _initial_model(model: Any, X: object) -> Any:
    """An unfitted estimator with an ``initialized(X)`` method (a SparseAutoencoder): its
    copy at the initial weights a fit on ``X`` starts from (the estimator stays unfitted),
    as UFLDL's exercise checks the gradient before training; any other model as it is."""
    initialized = getattr(type(model), "initialized", None)
    if not callable(initialized) or not hasattr(model, "get_params"):
        return model
    # scikit-learn only here: `import chainrule` loads none of it (tests/test_memory.py)
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    try:
        check_is_fitted(model)
    except NotFittedError:
        return model.initialized(X)
    return model


def _check_targets_given(model: Any, Y: object, cost_kwargs: dict) -> None:
    """Refuse a missing ``Y`` for a cost that takes targets, or a ``Y`` for one that takes
    none, naming ``Y``: else Python's own TypeError names a private class's method."""
    try:
        sig = inspect.signature(model.cost)
    except (TypeError, ValueError):  # pragma: no cover - a builtin without a signature
        return

    def binds(*args: object) -> bool:
        try:
            sig.bind(None, *args, **cost_kwargs)
        except TypeError:
            return False
        return True

    name = f"{type(model).__name__}.cost({', '.join(sig.parameters)})"
    if Y is None and not binds(None) and binds(None, None):
        raise TypeError(f"Y is required: {name} takes the targets; give Y of shape "
                        "(n_samples,) or (n_samples, n_outputs)")
    if Y is not None and not binds(None, None) and binds(None):
        raise TypeError(f"Y was given, but {name} takes no targets (an unsupervised "
                        "model); leave Y out")


def gradient_check(
    model: Any, X: object, Y: object = None, eps: float = 1e-4, sample_weight: object = None,
    exclude_kinks: bool = False, tolerance: float = 1e-7, measure: str = "ufldl",
    **cost_kwargs: Any,
) -> GradientCheck:
    """Compare backpropagation with central differences on any chainrule model.

    The model needs ``params`` (flat vector) and ``cost(theta, X, Y)`` (or
    ``cost(theta, X)`` when ``Y`` is None, as for an autoencoder) returning
    ``(J, grad)``.  A float32 network is checked through a float64 copy, since
    differences of float32 costs carry too little precision.  The parameters are not
    moved, and a network's gradient and layer arrays (``grads``, each layer's ``A``,
    ``Z``, ``delta``) are left as ``loss_and_grad(X, Y)`` leaves them.

    Parameters
    ----------
    model : Network or model with ``params`` and ``cost``
        A fitted estimator's network is its ``network_`` (refused whole, saying so).
        An autoencoder is checked through its own ``cost`` (with the sparsity
        penalty); an unfitted :class:`~chainrule.SparseAutoencoder` at the initial
        weights a ``fit(X)`` starts from (its ``initialized(X)``, drawn from its
        ``random_state``; the autoencoder stays unfitted), as UFLDL's exercise
        checks its gradient before training.
    X : array-like of shape (n_samples, n_inputs)
    Y : array-like of shape (n_samples,) or (n_samples, n_outputs), optional
        Targets, as the model's cost takes them (omit for unsupervised models).
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
        Left False, a check that FAILS on a model with kinks is run once more
        at ``eps`` with them left out (:attr:`GradientCheck.kink_check`), and
        its verdict, still FAIL, says how many parameters straddle a kink and
        the relative difference without them.
    tolerance : float, default 1e-7
        The largest relative difference that passes: the :attr:`GradientCheck.verdict`,
        by the rule of ``chainrule gradcheck`` (whose ``--tolerance`` it is).  When
        ``rel_diff`` is at or above it (and is neither 0 / 0 nor from tiny
        gradients, which the verdict names without more evaluations), the check
        is repeated at ``eps/2`` and ``eps/4`` to tell rounding and truncation
        error from a wrong gradient.
    measure : {"ufldl", "dlai", "cs231n", "cs231n_notes"}, default "ufldl"
        A course's formula for the difference, which the result prints beside
        ``rel_diff`` and :meth:`GradientCheck.difference` returns: ``"dlai"``,
        deeplearning.ai's ``||a - b|| / (||a|| + ||b||)``; ``"cs231n"``, cs231n's
        ``rel_error`` (the worst entry's ``|a - b| / max(1e-8, |a| + |b|)``);
        ``"cs231n_notes"``, the notes' ``|a - b| / max(|a|, |b|)``.  The verdict stays
        on ``rel_diff`` (UFLDL's and Ng's ex4's ``||a - b|| / ||a + b||``), whose rule
        (series in ``eps``, tiny gradients) is made for it: ``"dlai"`` is within a
        hair of it where the gradients nearly agree, and the element-wise measures
        judge the worst entry, which rounding alone can make large.
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
    measure = check_measure(measure)
    model = _initial_model(model, X)
    if not hasattr(model, "cost") or not hasattr(model, "params"):
        raise TypeError(
            "model must have `params` and `cost(theta, X, Y)`, e.g. a chainrule Network; "
            f"got {type(model).__name__}{_estimator_hint(model)}"
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
    _check_targets_given(model, Y, cost_kwargs)
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
    if not exclude_kinks and result.verdict == "FAIL" and _kinked_layers(model):
        # a FAIL that may be a kink's, not backpropagation's: which parameters' steps cross
        # one, and the difference without them, for the verdict's note (it stays a FAIL)
        result = dataclasses.replace(result, kink_check=_central(
            model, cost, theta, float(cost0), analytical, eps, True, _kinked_layers(model),
            tolerance))
    # the last evaluation was a step's (theta with an entry moved by -eps): once more at
    # theta, so the model's gradient and layer arrays are those at its parameters, as
    # loss_and_grad(X, Y) leaves them, not about eps away (robust19)
    model.cost(theta, *args, **cost_kwargs)
    layout = _layout(model, theta.size)
    return dataclasses.replace(result, layout=layout, measure=measure, ufldl=(
        layout is not None and all(type(layer) is Dense for layer in _model_layers(model))))


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
