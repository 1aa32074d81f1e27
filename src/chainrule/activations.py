"""Activation functions and their derivatives, as a name -> object table.

Each activation knows three things:

* ``f(z)``: the forward map, applied elementwise (softmax: per row);
* ``df``: its derivative, taken from the output ``a = f(z)`` where that is
  cheaper (sigmoid ``a(1-a)``, tanh ``1-a^2``, LeCun's scaled tanh
  ``1.7159 tanh(2z/3)``: ``(2/3)(1.7159 - a^2/1.7159)``, ReLU ``a > 0``, ELU ``min(a, 0) + 1``)
  and from the net input ``z`` otherwise (softplus, GELU, SiLU); at the corner ``z = 0``
  of ReLU and leaky ReLU it is the left derivative (0 and 0.01), as PyTorch's autograd
  takes it, and step and sign give 1 at ``z = 0``;
* ``backward(z, a, grad_a)``: the error term ``delta = dJ/dz`` given
  ``grad_a = dJ/da``.  For elementwise functions this is ``grad_a * f'``; for
  softmax it is the Jacobian-vector product ``a * (grad_a - sum(grad_a * a))``.

The table :data:`ACTIVATIONS` is also the list of valid names for error
messages.  Users add their own with :func:`register_activation`, which calls
their f and df once on a small array and refuses functions that change its shape.

This module holds the :class:`Activation` type, the table and its lookup;
registering and removing a user's activation is in ``_activations_registry``.
The built-in functions themselves are in ``_activations_builtin``,
the output ranges of the bounded ones (:data:`OUTPUT_RANGES`, :data:`RANGE_ROUNDING`)
in ``_activations_ranges`` and the in-place twins of the training fast path in
``_activations_inplace``; import the names from here.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
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
    _lecun_tanh,
    _lecun_tanh_d,
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
from ._names import did_you_mean

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
        # LeCun's 1.7159 tanh(2z/3) (Efficient BackProp): f(+-1) = +-1
        Activation("lecun_tanh", _lecun_tanh, _lecun_tanh_d, from_output=True, builtin=True),
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
        raise ValueError(f"unknown activation {name!r}{did_you_mean(name, valid.split(', '))}; "
                         f"valid names are: {valid}{hint}") from None


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


# Registering a user's activation writes ACTIVATIONS and builds an Activation, so its module
# imports this one: imported last, once both exist; the names stay importable from here
from ._activations_registry import register_activation as register_activation  # noqa: E402
from ._activations_registry import unregister_activation as unregister_activation  # noqa: E402
