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
"""

from __future__ import annotations

import math
import multiprocessing
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import expit, ndtr

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


# --- the built-in functions ---------------------------------------------------------------
# Each forward map sits next to its derivative, so a reader can check one against the other.

LEAKY_SLOPE = 0.01


def _identity(z: np.ndarray) -> np.ndarray:
    return z


def _identity_d(z: np.ndarray) -> np.ndarray:
    return np.ones_like(z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return expit(z)  # 1 / (1 + exp(-z)) without overflow


def _sigmoid_d(a: np.ndarray) -> np.ndarray:
    return a * (1.0 - a)


def _tanh(z: np.ndarray) -> np.ndarray:
    return np.tanh(z)


def _tanh_d(a: np.ndarray) -> np.ndarray:
    return 1.0 - a * a


def _relu(z: np.ndarray) -> np.ndarray:
    return np.maximum(z, 0)


def _relu_d(a: np.ndarray) -> np.ndarray:
    return (a > 0).astype(a.dtype)


def _leaky_relu(z: np.ndarray) -> np.ndarray:
    return np.where(z > 0, z, LEAKY_SLOPE * z)


def _leaky_relu_d(a: np.ndarray) -> np.ndarray:
    # sign(a) == sign(z), so the output is enough
    return np.where(a > 0, 1.0, LEAKY_SLOPE).astype(a.dtype)


def _softplus(z: np.ndarray) -> np.ndarray:
    return np.logaddexp(0, z)  # log(1 + e^z) without overflow


def _softplus_d(z: np.ndarray) -> np.ndarray:
    return expit(z)


def _elu(z: np.ndarray) -> np.ndarray:
    # z above 0, e^z - 1 below (alpha = 1); expm1 of min(z, 0): no overflow for large z,
    # and no cancellation near 0
    return np.where(z > 0, z, np.expm1(np.minimum(z, 0)))


def _elu_d(a: np.ndarray) -> np.ndarray:
    # 1 above 0, e^z = a + 1 below: min(a, 0) + 1 covers both (a > 0 exactly where z > 0).
    # Exact to an absolute 1e-16 (float64); for z below -37, where e^z < 1e-16, it is 0.
    return np.minimum(a, 0) + 1


_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_PDF_CLIP = 40.0  # exp(-z^2 / 2) is 0 in float32 and float64 beyond |z| ~ 38.6


def _gelu(z: np.ndarray) -> np.ndarray:
    # z Phi(z), Phi the standard normal CDF (the exact form, not the tanh approximation);
    # ndtr takes erfc for negative z, so Phi keeps its digits in the far left tail
    return z * ndtr(z)


def _gelu_d(z: np.ndarray) -> np.ndarray:
    # Phi(z) + z phi(z), phi(z) = exp(-z^2 / 2) / sqrt(2 pi); z clipped inside the square,
    # where it changes nothing, so that z^2 cannot overflow
    phi = np.exp(np.square(np.clip(z, -_PDF_CLIP, _PDF_CLIP)) * -0.5) * _INV_SQRT_2PI
    return z * phi + ndtr(z)


def _silu(z: np.ndarray) -> np.ndarray:
    return z * expit(z)  # z sigmoid(z), "swish"


def _silu_d(z: np.ndarray) -> np.ndarray:
    # s (1 + z (1 - s)) with s = sigmoid(z) and 1 - s = sigmoid(-z), which keeps its digits
    # where s is close to 1 (1 - s would cancel)
    return expit(z) * (1 + z * expit(-z))


def _exp(z: np.ndarray) -> np.ndarray:
    return np.exp(z)  # the output of Poisson regression (canonical for the "poisson" loss)


def _exp_d(a: np.ndarray) -> np.ndarray:
    return a  # d exp(z) / dz = exp(z)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - np.max(z, axis=-1, keepdims=True))  # shift: exp never overflows
    return e / np.sum(e, axis=-1, keepdims=True)


def _square(z: np.ndarray) -> np.ndarray:
    return z * z


def _square_d(z: np.ndarray) -> np.ndarray:
    return 2 * z


def _step(z: np.ndarray) -> np.ndarray:
    return (z >= 0).astype(np.result_type(z, np.float32))


def _sign(z: np.ndarray) -> np.ndarray:
    return np.where(z >= 0, 1, -1).astype(np.result_type(z, np.float32))


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

OUTPUT_RANGES: dict[str, tuple[float, float]] = {
    "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0), "relu": (0.0, np.inf),
    "softplus": (0.0, np.inf), "exp": (0.0, np.inf), "square": (0.0, np.inf),
    "elu": (-1.0, np.inf),
    # the minima of z Phi(z) (at z = -0.7517915...: -0.16997120747990366) and of z sigmoid(z)
    # (at z = -1.2784645..., where f' = 0 gives sigmoid(z) = 1 + 1/z, so the value is z + 1:
    # -0.2784645427610738), each 4 ulp lower: the float64 functions round up to 1 ulp below
    # the exact minimum, and such an output must count as in range
    "gelu": (-0.16997120747990377, np.inf), "silu": (-0.278464542761074, np.inf),
}
"""The closed range of values each bounded built-in activation can output (by name).

An output layer with one of these cannot reach a target outside it; the others
(identity, leaky ReLU) reach any real number.
"""

RANGE_ROUNDING = 8 * float(np.finfo(np.float32).eps)
"""How far data may pass a bounded range and still count as inside it (about 1e-6).

A rescaling to a range rounds: scikit-learn's ``MinMaxScaler`` gives maxima such as
``1.0000000000000002`` in float64 (and a float32 ulp, 1.2e-7, in float32).  Such
values are the bound itself; an output (or a loss's target range) misses them by
nothing a cost can see.  Used for the data of the autoencoders' decoders, the targets
of a loss with a range (:meth:`chainrule.losses.Loss.check_targets`) and those of the
command line's bounded outputs.
"""


def _rounded_range(low: float, high: float) -> tuple[float, float]:
    """``[low, high]`` widened by :data:`RANGE_ROUNDING` times ``max(1, |bound|)`` at each
    end (an infinite bound stays infinite): the values that count as inside it."""
    return (low - RANGE_ROUNDING * max(1.0, abs(low)),
            high + RANGE_ROUNDING * max(1.0, abs(high)))


def _outside(data: np.ndarray, low: float, high: float) -> bool:
    """Whether ``data`` passes ``[low, high]`` by more than :data:`RANGE_ROUNDING`.

    Parameters
    ----------
    data : ndarray of any shape, not empty
    low, high : float
        The closed range (infinite bounds allowed); see :func:`_rounded_range`.
    """
    lo, hi = _rounded_range(low, high)
    return bool(data.min() < lo or data.max() > hi)


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
