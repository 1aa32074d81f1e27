"""Activations of the user's own (private): :func:`register_activation`, the check
that its functions are elementwise, and :func:`unregister_activation`.

They add to and remove from :data:`chainrule.activations.ACTIVATIONS`, the
registry that module owns; import the names from there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ._validation import check_bool
from .activations import ACTIVATIONS, ALIASES, Activation, ArrayFn

__all__ = ["register_activation", "unregister_activation"]


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
        shape is not (2, 3), e.g. a function that sums over a row, or
        something that is not a plain ndarray (a list, a ``np.matrix``, a masked
        array), or if ``f`` overwrites its argument while ``df`` takes ``z``
        (``from_output`` False), which the layers keep for ``df``.  Nothing is
        registered then.  Only the shape is checked: NaN or infinite values
        (a function defined for positive inputs only) are accepted.
        Also if ``name`` is a built-in activation or alias, or is already
        registered and ``overwrite`` is False, or ``kinks`` is not a sequence
        of finite numbers.
    TypeError
        If ``name`` is not a non-empty str, ``f`` or ``df`` is not callable, or
        ``from_output`` or ``overwrite`` is not True or False.

    Notes
    -----
    The registry is a dictionary of this process: the name exists only in the
    process that registered it.  Worker processes, such as those of
    ``GridSearchCV(..., n_jobs=2)``, ``cross_val_score(..., n_jobs=2)`` or
    joblib, start without it and fail with "unknown activation".  For parallel
    searches, pass the returned :class:`Activation` object itself
    (``MLPClassifier(activation=act)``): it travels to the workers with the
    estimator's parameters, and a fitted estimator so given unpickles in a
    process without the registration (and computes with its own object where
    the name is registered there to another function).  A fitted network saved with
    :func:`chainrule.save` or an estimator's ``save`` names its activations, so
    loading it in another process needs the registration there.

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
    # bool(value) would take the string "no" or "False" as a yes and replace a registration
    overwrite = check_bool(overwrite, "overwrite")
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
    z = _PROBE.copy()
    a = _probe(f, "f", z)
    if not from_output and not np.array_equal(z, _PROBE):
        # np.sin(z, out=z): the layers keep z for df(z) in the backward pass, which then
        # read f(z) instead, and the gradients came out wrong without a word
        raise ValueError(
            f"f must not change its argument in place: df takes z, which the layers keep "
            f"for the backward pass; called on z, a float64 array of shape {z.shape}, f "
            f"overwrote it; return a new array (np.sin(z), not np.sin(z, out=z)), or pass "
            f"from_output=True with df written in terms of a = f(z)"
        )
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
    if type(out) is not np.ndarray:
        # a list passed the shape test, then broke the backward pass (AttributeError: 'list'
        # object has no attribute 'T'); a np.matrix turns the layers' elementwise products
        # into matrix products; a masked array (np.ma.sin) broke the fit's first step with
        # "operands could not be broadcast together"
        raise ValueError(
            f"{name} must return a NumPy ndarray (the layers compute with its result as one): "
            f"called on {arg}, a float64 array of shape {x.shape}, it returned "
            f"{type(out).__name__}; return np.asarray(...) of it"
        )
    return arr


def unregister_activation(name: str) -> None:
    """Remove a user-registered activation (built-ins stay).

    Parameters
    ----------
    name : str
        The name it was registered under.

    Raises
    ------
    TypeError
        If ``name`` is not a str (the :class:`Activation` object itself, too: pass
        its ``.name``).
    ValueError
        If no activation has that name, or it is a built-in one or alias.
    """
    if not isinstance(name, str):
        hint = f" (pass its .name, {name.name!r})" if isinstance(name, Activation) else ""
        raise TypeError(f"name must be the str an activation was registered under, got "
                        f"{type(name).__name__}{hint}")
    act = ACTIVATIONS.get(name)
    if act is None and name in ALIASES:  # 'linear', 'logistic': names of built-ins too
        act = ACTIVATIONS[ALIASES[name]]
    if act is None:
        raise ValueError(f"no activation registered as {name!r}")
    if act.builtin:
        raise ValueError(f"activation {name!r} is built in and cannot be removed")
    del ACTIVATIONS[name]
