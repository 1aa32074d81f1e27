"""Activation functions and their derivatives, as a name -> object table.

Each activation knows three things:

* ``f(z)``: the forward map, applied elementwise (softmax: per row);
* ``df``: its derivative, taken from the output ``a = f(z)`` where that is
  cheaper (sigmoid ``a(1-a)``, tanh ``1-a^2``, ReLU ``a > 0``, ELU ``min(a, 0) + 1``)
  and from the net input ``z`` otherwise (softplus, GELU, SiLU);
* ``backward(z, a, grad_a)``: the error term ``delta = dJ/dz`` given
  ``grad_a = dJ/da``.  For elementwise functions this is ``grad_a * f'``; for
  softmax it is the Jacobian-vector product ``a * (grad_a - sum(grad_a * a))``.

The table :data:`ACTIVATIONS` is also the list of valid names for error
messages.  Users add their own with :func:`register_activation`, which calls
their f and df once on a small array and refuses functions that change its shape.

This module holds the :class:`Activation` type, the table and its lookup and
registration.  The built-in functions themselves are in ``_activations_builtin``,
the output ranges of the bounded ones (:data:`OUTPUT_RANGES`, :data:`RANGE_ROUNDING`)
in ``_activations_ranges`` and the in-place twins of the training fast path in
``_activations_inplace``; import the names from here.
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from ._activations_builtin import _INV_SQRT_2PI as _INV_SQRT_2PI
from ._activations_builtin import _PDF_CLIP as _PDF_CLIP
from ._activations_builtin import LEAKY_SLOPE as LEAKY_SLOPE
from ._activations_builtin import (
    _elu,
    _elu_d,
    _exp,
    _exp_d,
    _gelu,
    _gelu_d,
    _identity,
    _identity_d,
    _leaky_relu,
    _leaky_relu_d,
    _relu,
    _relu_d,
    _sigmoid,
    _sigmoid_d,
    _sign,
    _silu,
    _silu_d,
    _softmax,
    _softplus,
    _softplus_d,
    _square,
    _square_d,
    _step,
    _tanh,
    _tanh_d,
)
from ._activations_ranges import OUTPUT_RANGES as OUTPUT_RANGES
from ._activations_ranges import RANGE_ROUNDING as RANGE_ROUNDING
from ._activations_ranges import _outside as _outside
from ._activations_ranges import _rounded_range as _rounded_range
from ._validation import check_bool

ArrayFn = Callable[[np.ndarray], np.ndarray]

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "register_activation",
    "unregister_activation",
]


@dataclass(frozen=True)
class Activation:
    """An activation function with its derivative.

    Parameters
    ----------
    name : str
        Name under which the activation is registered.
    f : callable
        ``f(z) -> a``, elementwise, same shape as ``z``.
    df : callable or None
        Derivative.  Takes ``a`` when ``from_output`` is true, ``z`` otherwise.
        ``None`` for functions without a useful derivative (step, sign).
    from_output : bool
        Whether ``df`` is written in terms of the output ``a``.
    elementwise : bool
        False only for softmax, whose Jacobian couples the units of a row.
    builtin : bool
        True for the activations that ship with chainrule.
    kinks : tuple of float, default ()
        The net inputs ``z`` where ``f`` is continuous but not differentiable
        (ReLU and leaky ReLU: ``(0.0,)``), or where ``f'`` is continuous but
        ``f''`` jumps (ELU: ``(0.0,)``; a central difference across it is only
        first-order accurate, off by up to ``eps/4`` in ``f'``).
        :func:`chainrule.gradient_check` with ``exclude_kinks=True`` leaves out
        the parameters whose central differences move a net input across one of
        them.
    """

    name: str
    f: ArrayFn
    df: ArrayFn | None
    from_output: bool = False
    elementwise: bool = True
    builtin: bool = False
    kinks: tuple[float, ...] = ()

    def __call__(self, z: np.ndarray) -> np.ndarray:
        """The activation ``a = f(z)``.

        Parameters
        ----------
        z : ndarray of shape (n_samples, n_units)
            Net input of the layer.

        Returns
        -------
        a : ndarray of shape (n_samples, n_units)
        """
        return self.f(z)

    @property
    def differentiable(self) -> bool:
        """Whether backpropagation can pass through this activation."""
        return self.df is not None or not self.elementwise

    def derivative(self, z: np.ndarray, a: np.ndarray) -> np.ndarray:
        """Elementwise derivative ``f'(z)``, from ``a`` where cheaper.

        Parameters
        ----------
        z, a : ndarray of shape (n_samples, n_units)
            Net input and output of the layer.

        Returns
        -------
        ndarray of shape (n_samples, n_units)
        """
        if not self.elementwise:
            raise ValueError(
                f"activation {self.name!r} has no elementwise derivative; use backward()"
            )
        if self.df is None:
            raise ValueError(
                f"activation {self.name!r} has no useful derivative, so backpropagation "
                "cannot pass through it; train it with the perceptron learning rule instead"
            )
        return self.df(a if self.from_output else z)

    def backward(self, z: np.ndarray, a: np.ndarray, grad_a: np.ndarray) -> np.ndarray:
        """Error term ``delta = dJ/dz`` from ``grad_a = dJ/da``.

        Parameters
        ----------
        z, a, grad_a : ndarray of shape (n_samples, n_units)

        Returns
        -------
        delta : ndarray of shape (n_samples, n_units)
        """
        if not self.elementwise:  # softmax: Jacobian-vector product, row by row
            return a * (grad_a - np.sum(grad_a * a, axis=1, keepdims=True))
        return grad_a * self.derivative(z, a)


# --- the built-in activations: their functions, each forward map next to its derivative, are
# in _activations_builtin

ACTIVATIONS: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("identity", _identity, _identity_d, builtin=True),
        Activation("sigmoid", _sigmoid, _sigmoid_d, from_output=True, builtin=True),
        Activation("tanh", _tanh, _tanh_d, from_output=True, builtin=True),
        Activation("relu", _relu, _relu_d, from_output=True, builtin=True, kinks=(0.0,)),
        Activation("leaky_relu", _leaky_relu, _leaky_relu_d, from_output=True, builtin=True,
                   kinks=(0.0,)),
        Activation("softplus", _softplus, _softplus_d, builtin=True),
        # ELU's f' is continuous at 0 (1 on both sides), but f'' jumps from 1 to 0 there: a
        # central difference straddling 0 is off by up to eps/4 in f' (2.5e-5 at eps = 1e-4,
        # where a smooth f gives ~eps^2), enough to fail gradient_check's 1e-7, so 0 is
        # listed for exclude_kinks as ReLU's corner is
        Activation("elu", _elu, _elu_d, from_output=True, builtin=True, kinks=(0.0,)),
        Activation("gelu", _gelu, _gelu_d, builtin=True),
        Activation("silu", _silu, _silu_d, builtin=True),
        Activation("exp", _exp, _exp_d, from_output=True, builtin=True),
        Activation("softmax", _softmax, None, elementwise=False, builtin=True),
        Activation("square", _square, _square_d, builtin=True),
        Activation("step", _step, None, builtin=True),
        Activation("sign", _sign, None, builtin=True),
    ]
}
"""Registered activations by name (built-ins and those added by users)."""

ALIASES: dict[str, str] = {"linear": "identity", "logistic": "sigmoid", "heaviside": "step",
                           "swish": "silu"}



def get_activation(name: str | Activation) -> Activation:
    """Look an activation up by name (or pass an :class:`Activation` through).

    Parameters
    ----------
    name : str or Activation
        A name of :data:`ACTIVATIONS` (built in or registered) or an alias.

    Returns
    -------
    Activation

    Raises
    ------
    TypeError
        If ``name`` is neither a str nor an Activation.
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if isinstance(name, Activation):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"activation must be a name (str) or an Activation, got {type(name).__name__}"
        )
    key = ALIASES.get(name, name)
    try:
        return ACTIVATIONS[key]
    except KeyError:
        valid = ", ".join(sorted([*ACTIVATIONS, *ALIASES]))
        hint = ""
        if multiprocessing.parent_process() is not None:  # e.g. a joblib worker
            hint = (
                ".  This is a worker process: a name given to register_activation exists only "
                "in the process that registered it, so workers (GridSearchCV or "
                "cross_val_score with n_jobs > 1, joblib) do not know it; pass the "
                "Activation object that register_activation returned instead of its name"
            )
        raise ValueError(f"unknown activation {name!r}; valid names are: {valid}{hint}") from None


def _check_hidden_activation(act: Activation, name: str) -> Activation:
    """``act``, if a hidden layer can have it: differentiable and elementwise.

    Step and sign have no usable derivative (the perceptron rule trains them);
    a softmax couples the units of its layer (it is an output layer's).  One
    message for every entry point that takes a hidden activation (the
    estimators, :func:`~chainrule.select_hidden_units`, the experiments).

    Parameters
    ----------
    act : Activation
        The activation looked up (:func:`get_activation`).
    name : str
        How the message names the argument: "activation", "activations[1]".

    Returns
    -------
    Activation
        ``act`` itself.

    Raises
    ------
    ValueError
        ``"{name}: 'softmax' cannot be a hidden activation (...)"``.
    """
    if not act.differentiable or not act.elementwise:
        raise ValueError(
            f"{name}: {act.name!r} cannot be a hidden activation (it has no "
            "usable derivative or is not elementwise)"
        )
    return act


def register_activation(
    name: str,
    f: ArrayFn,
    df: ArrayFn,
    from_output: bool = False,
    *,
    overwrite: bool = False,
    kinks: Sequence[float] = (),
) -> Activation:
    """Register an elementwise activation under ``name``.

    Parameters
    ----------
    name : str
        The name layers will use.  Built-in names cannot be replaced.
    f : callable
        ``f(z) -> a`` on an ndarray of any shape, elementwise: ``a`` has the
        shape of ``z``.
    df : callable
        The derivative: ``df(a)`` if ``from_output`` else ``df(z)``, also of
        the shape of its argument.
    from_output : bool, default False
        Whether ``df`` takes the output ``a = f(z)`` instead of ``z``.
    overwrite : bool, default False
        Replace an earlier user registration of the same name.
    kinks : sequence of float, default ()
        The net inputs where ``f`` is not differentiable (a ReLU-like corner at
        0: ``kinks=(0.0,)``), for :func:`chainrule.gradient_check`'s
        ``exclude_kinks``.

    Returns
    -------
    Activation
        The registered object.

    Raises
    ------
    ValueError
        If ``f`` or ``df``, called once on a small float64 array of shape
        (2, 3) (distinct values from -1.5 to 2; for ``df`` with
        ``from_output``, on ``f`` of it), fails or returns something whose
        shape is not (2, 3), e.g. a function that sums over a row.  Nothing is
        registered then.  Only the shape is checked: NaN or infinite values
        (a function defined for positive inputs only) are accepted.
        Also if ``name`` is a built-in activation or alias, or is already
        registered and ``overwrite`` is False, or ``kinks`` is not a sequence
        of finite numbers.
    TypeError
        If ``name`` is not a non-empty str, or ``f`` or ``df`` is not callable.

    Notes
    -----
    The registry is a dictionary of this process: the name exists only in the
    process that registered it.  Worker processes, such as those of
    ``GridSearchCV(..., n_jobs=2)``, ``cross_val_score(..., n_jobs=2)`` or
    joblib, start without it and fail with "unknown activation".  For parallel
    searches, pass the returned :class:`Activation` object itself
    (``MLPClassifier(activation=act)``): it travels to the workers with the
    estimator's parameters.  A fitted network saved with :func:`chainrule.save` or an
    estimator's ``save`` names its activations, so loading it in another
    process also needs the registration there.

    Examples
    --------
    >>> import numpy as np, chainrule
    >>> act = chainrule.register_activation("cube", lambda z: z**3, lambda z: 3 * z**2)
    >>> act(np.array([2.0]))
    array([8.])
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"name must be a non-empty str, got {name!r}")
    if not callable(f) or not callable(df):
        raise TypeError(
            "f and df must be callables taking an ndarray, got "
            f"{type(f).__name__} and {type(df).__name__}"
        )
    from_output = check_bool(from_output, "from_output")
    existing = ACTIVATIONS.get(name)
    if name in ALIASES or (existing is not None and existing.builtin):
        raise ValueError(f"activation name {name!r} is built in and cannot be replaced")
    if existing is not None and not overwrite:
        raise ValueError(
            f"activation {name!r} is already registered; pass overwrite=True to replace it"
        )
    try:
        kink_points = tuple(float(k) for k in kinks)
    except (TypeError, ValueError):
        kink_points = None
    if kink_points is None or isinstance(kinks, str) or not all(
            math.isfinite(k) for k in kink_points):
        raise ValueError(f"kinks must be a sequence of finite numbers (the net inputs where f "
                         f"is not differentiable, e.g. (0.0,)), got {kinks!r}")
    a = _probe(f, "f", _PROBE.copy())
    _probe(df, "df", a.copy() if from_output else _PROBE.copy(),
           "a = f(z)" if from_output else "z")
    act = Activation(name, f, df, from_output=from_output, kinks=kink_points)
    ACTIVATIONS[name] = act
    return act


# What register_activation calls f and df on: a few distinct values, negative and positive,
# none of them 0, in a (2, 3) array (not square, so a transpose is caught too)
_PROBE = np.array([[-1.5, -0.25, 0.5], [0.75, 1.25, 2.0]])


def _probe(fn: ArrayFn, name: str, x: np.ndarray, arg: str = "z") -> np.ndarray:
    """``fn(x)`` as an array of the shape of ``x``; a ValueError naming ``fn`` otherwise."""
    what = (f"{name} must return an array of the shape of its argument (an elementwise "
            f"function): called on {arg}, a float64 array of shape {x.shape},")
    try:
        with np.errstate(all="ignore"):  # NaN for inputs outside the domain is not the question
            out = fn(x)
    except Exception as exc:
        raise ValueError(f"{what} it raised {type(exc).__name__}: {exc}") from exc
    try:
        arr = np.asarray(out, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{what} it returned {type(out).__name__}, which NumPy cannot read as an array of "
            f"numbers ({exc})"
        ) from None
    if arr.shape != x.shape:
        raise ValueError(f"{what} it returned shape {arr.shape}")
    return arr


def unregister_activation(name: str) -> None:
    """Remove a user-registered activation (built-ins stay).

    Parameters
    ----------
    name : str
        The name it was registered under.

    Raises
    ------
    ValueError
        If no activation has that name, or it is a built-in one.
    """
    act = ACTIVATIONS.get(name)
    if act is None:
        raise ValueError(f"no activation registered as {name!r}")
    if act.builtin:
        raise ValueError(f"activation {name!r} is built in and cannot be removed")
    del ACTIVATIONS[name]
