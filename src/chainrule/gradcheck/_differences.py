"""Central differences of any function, and the relative difference of two gradients.

Nothing here knows a model: :func:`numerical_gradient` moves each entry of
``theta`` by ``+-eps`` and calls ``fun``; :func:`relative_difference` is the
figure every check reports, by UFLDL's formula or another course's (:data:`MEASURES`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from .._validation import check_positive_float

__all__ = ["MEASURES", "numerical_gradient", "relative_difference"]


#: The measures :func:`relative_difference` knows, each the figure a course prints.
MEASURES: dict[str, str] = {
    "ufldl": "||a - b|| / ||a + b||",
    "dlai": "||a - b|| / (||a|| + ||b||)",
    "cs231n": "max |a - b| / max(1e-8, |a| + |b|)",
    "cs231n_notes": "max |a - b| / max(|a|, |b|)",
}


def check_measure(measure: object) -> str:
    """``measure`` if it names one of :data:`MEASURES`, else an error naming the argument."""
    if not isinstance(measure, str) or measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(map(repr, MEASURES))}, got "
                         f"{measure!r}")
    return measure


def relative_difference(a: object, b: object, measure: str = "ufldl") -> float:
    """How far apart two gradients of one shape are, as a course measures it.

    ``measure`` picks the formula (:data:`MEASURES`); each is 0 when ``a`` and ``b``
    are equal, zeros included:

    * ``"ufldl"`` (the default, the figure of every check): ``||a - b|| / ||a +
      b||``, UFLDL's and Ng's ex4 (``checkNNGradients``: ``norm(numgrad - grad) /
      norm(numgrad + grad)``).
    * ``"dlai"``: ``||a - b|| / (||a|| + ||b||)``, deeplearning.ai's (course 2, week 1,
      "Gradient Checking": a mistake above 2e-7 at ``epsilon = 1e-7``).  Nearly
      ``"ufldl"``'s figure when the two nearly agree (``||a + b||`` is then about
      ``||a|| + ||b||``), never above 1.
    * ``"cs231n"``: ``max_i |a_i - b_i| / max(1e-8, |a_i| + |b_i|)``, the ``rel_error``
      of cs231n's assignments (the worst entry; the ``1e-8`` keeps entries that are
      both about 0 from counting).
    * ``"cs231n_notes"``: ``max_i |a_i - b_i| / max(|a_i|, |b_i|)``, the relative error of
      cs231n's notes on gradient checks (an entry 0 in both counts 0).

    Parameters
    ----------
    a, b : array-like of the same shape
        E.g. a central-difference gradient and your backpropagation's.
    measure : {"ufldl", "dlai", "cs231n", "cs231n_notes"}, default "ufldl"

    Returns
    -------
    float
        ``"ufldl"``: in [0, 1] when the two agree in sign entry by entry; ``inf``
        when ``a + b`` is zero but ``a - b`` is not.  ``"dlai"``: in [0, 1];
        ``"cs231n_notes"``: in [0, 2].  Any measure: NaN when either holds a NaN or
        an infinity (a gradient or a cost that is not a number there, or
        overflowed): then no difference can be measured, and a gradient check
        FAILS.  0 for empty arrays.

    Raises
    ------
    ValueError
        If ``a`` and ``b`` have different shapes, or ``measure`` is unknown.

    Examples
    --------
    >>> a, b = [3.0, 4.0], [3.0, -4.0]            # a - b = [0, 8], a + b = [6, 0]
    >>> [relative_difference(a, b, m) for m in ("ufldl", "dlai", "cs231n")]
    [1.3333333333333333, 0.8, 1.0]
    """
    measure = check_measure(measure)
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"a and b must be gradients of the same shape, got {a.shape} and "
                         f"{b.shape}")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):  # inf - inf, nan: no figure
        return float("nan")
    if a.size == 0:
        return 0.0
    if measure in ("cs231n", "cs231n_notes"):
        gap = np.abs(a - b)
        if measure == "cs231n":
            return float(np.max(gap / np.maximum(1e-8, np.abs(a) + np.abs(b))))
        scale = np.maximum(np.abs(a), np.abs(b))
        return float(np.max(np.divide(gap, scale, out=np.zeros_like(gap), where=scale > 0)))
    num = float(np.linalg.norm(a - b))
    if num == 0.0:
        return 0.0
    if measure == "dlai":
        return num / (float(np.linalg.norm(a)) + float(np.linalg.norm(b)))
    den = float(np.linalg.norm(a + b))
    return num / den if den > 0 else float("inf")


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
    theta : array-like of real numbers, any shape, e.g. (n,) or (fan_in, fan_out)
    eps : float > 0

    Returns
    -------
    ndarray of the shape of ``theta``

    Raises
    ------
    ValueError
        If ``eps`` is not a finite number > 0, or ``theta`` holds something other
        than real numbers.

    Examples
    --------
    >>> import numpy as np
    >>> W = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> numerical_gradient(lambda W: np.sum(W ** 3) / 3, W)   # W ** 2
    array([[ 1.,  4.],
           [ 9., 16.]])
    """
    eps = check_positive_float(eps, "eps")
    try:
        theta = np.array(theta, dtype=np.float64)
    except (TypeError, ValueError) as exc:  # text, complex numbers, ragged lists
        raise ValueError(f"theta must be an array of real numbers, got {type(theta).__name__} "
                         f"({exc})") from None
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
