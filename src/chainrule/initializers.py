"""Weight initialisers, as a name -> function table.

Every initialiser is ``init(rng, fan_in, fan_out) -> ndarray of shape
(fan_in, fan_out)`` in float64; the layer casts to its dtype.  A layer's biases
start at zero (the estimators' ``bias_init="uniform"`` then draws those of their
Dense layers in scikit-learn's bound of factor 6, after all the weights).
Randomness comes only from the ``numpy.random.Generator`` passed in, so a seed
reproduces the weights exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import numpy as np

from ._names import did_you_mean
from ._validation import number_text

__all__ = [
    "INITIALIZERS", "RELU_FAMILY", "USE_FAN_OUT", "auto_init", "get_initializer",
    "glorot_normal", "glorot_uniform", "he_normal", "he_uniform", "kernel_weights", "make_rng",
    "normal", "normal_with_eps", "ufldl", "zeros",
]

Initializer = Callable[[np.random.Generator, int, int], np.ndarray]

NORMAL_EPS = 0.01


def normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Small normal values N(0, eps^2) with eps = 0.01 (the textbook default).

    Another eps: :func:`normal_with_eps`, or the name ``"normal(eps=0.1)"``.

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    return rng.normal(0.0, NORMAL_EPS, size=(fan_in, fan_out))


def normal_with_eps(eps: float) -> Initializer:
    """The initialiser N(0, eps^2) for a chosen standard deviation ``eps``.

    Parameters
    ----------
    eps : float > 0
        Standard deviation of the weights (``"normal"`` uses 0.01).

    Returns
    -------
    callable
        ``init(rng, fan_in, fan_out) -> ndarray of shape (fan_in, fan_out)``,
        named ``"normal(eps=...)"``: that name is what a layer records (and a
        saved model keeps), and :func:`get_initializer` reads it back.

    Raises
    ------
    TypeError
        If ``eps`` is not a number (a str such as ``"0.1"``, a bool, None).
    ValueError
        If it is not finite or not > 0.

    Examples
    --------
    >>> from chainrule import Dense
    >>> layer = Dense(3, 2, init=normal_with_eps(0.5), seed=0)
    >>> layer.init
    'normal(eps=0.5)'
    >>> bool((Dense(3, 2, init="normal(eps=0.5)", seed=0).W == layer.W).all())
    True
    """
    expected = "a finite number > 0 (the standard deviation of the weights)"
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.integer, np.floating)):
        raise TypeError(f"eps must be {expected}, got {eps!r} ({type(eps).__name__})")
    try:  # np.isfinite would raise a TypeError on an int past int64 (10**20)
        finite = math.isfinite(eps)
    except OverflowError:  # an int past float's range (10**400)
        finite = False
    if not finite or eps <= 0:
        raise ValueError(f"eps must be {expected}, got {number_text(eps)}")
    return _NormalWithEps(float(eps))


class _NormalWithEps:
    """``init(rng, fan_in, fan_out)``: N(0, eps^2) weights of shape (fan_in, fan_out).

    An instance of a module-level class rather than a closure, so that it
    pickles (an estimator whose ``init`` it is can be pickled and sent to
    worker processes); ``__name__`` is the name :func:`get_initializer` reads.
    """

    def __init__(self, eps: float) -> None:
        self.eps = eps
        self.__name__ = self.__qualname__ = f"normal(eps={eps!r})"
        self.__doc__ = f"N(0, eps^2) with eps = {eps!r}."

    def __call__(self, rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
        return rng.normal(0.0, self.eps, size=(fan_in, fan_out))

    def __repr__(self) -> str:
        return f"normal_with_eps({self.eps!r})"


_NORMAL_EPS_NAME = re.compile(r"normal\(eps=([^()]*)\)")


def ufldl(rng: np.random.Generator, fan_in: int, fan_out: int, *,
          receptive_field: int = 1) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out + 1)), as in the UFLDL exercises.

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int
    receptive_field : int, default 1
        Pixels per kernel, ``kh * kw``, for a convolution (see :func:`kernel_weights`):
        the fan_out in the formula is then ``receptive_field * fan_out``.

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    r = np.sqrt(6.0 / (fan_in + receptive_field * fan_out + 1))
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int, *,
                   receptive_field: int = 1) -> np.ndarray:
    """Glorot/Xavier uniform: U(+-sqrt(6 / (fan_in + fan_out))).

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int
    receptive_field : int, default 1
        Pixels per kernel, ``kh * kw``, for a convolution (see :func:`kernel_weights`):
        the fan_out in the formula is then ``receptive_field * fan_out``.

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    r = np.sqrt(6.0 / (fan_in + receptive_field * fan_out))
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def glorot_normal(rng: np.random.Generator, fan_in: int, fan_out: int, *,
                  receptive_field: int = 1) -> np.ndarray:
    """Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)).

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int
    receptive_field : int, default 1
        Pixels per kernel, ``kh * kw``, for a convolution (see :func:`kernel_weights`):
        the fan_out in the formula is then ``receptive_field * fan_out``.

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    std = np.sqrt(2.0 / (fan_in + receptive_field * fan_out))
    return rng.normal(0.0, std, size=(fan_in, fan_out))


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """He normal for ReLU layers: N(0, 2 / fan_in).

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """He uniform for ReLU layers: U(+-sqrt(6 / fan_in)).

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    r = np.sqrt(6.0 / fan_in)
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def zeros(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """All zeros: shows the symmetry problem (hidden units stay identical).

    Every hidden unit of a zeros start computes the same thing and gets the same
    gradient, so it stays equal to the others under every optimizer, to the last
    bit and on any CPU.  That takes care: BLAS may round two equal entries of a
    product differently (which ones depends on the CPU's kernels), and Adam,
    RMSProp and AdaGrad grow those last bits into whole steps.  So a fit
    (``train``, ``Trainer.fit``, ``minimize``, the estimators' ``fit`` and
    ``partial_fit``, the autoencoders' ``fit`` and ``fine_tune``) that starts
    with equal units in a hidden Dense layer (as this start, or any constant
    one, gives) computes its Dense layers' products term by term in index order
    and updates without BLAS: slower (about 6 times a 64-100-10 epoch), and its
    numbers differ from BLAS's in the last bits.  A
    network without equal units (any random start) trains with BLAS.

    Parameters
    ----------
    rng : numpy.random.Generator
    fan_in, fan_out : int

    Returns
    -------
    ndarray of shape (fan_in, fan_out), float64
    """
    return np.zeros((fan_in, fan_out))


INITIALIZERS: dict[str, Initializer] = {
    "normal": normal,
    "ufldl": ufldl,
    "glorot_uniform": glorot_uniform,
    "glorot_normal": glorot_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "zeros": zeros,
}
"""Initialisers by name."""

USE_FAN_OUT: frozenset[Initializer] = frozenset({ufldl, glorot_uniform, glorot_normal})
"""The named initialisers whose scale depends on fan_out (He, normal and zeros do not):
they take ``receptive_field``, see :func:`kernel_weights`."""


def kernel_weights(init: Initializer, rng: np.random.Generator, fan_in: int, fan_out: int,
                   receptive_field: int) -> np.ndarray:
    """A convolution's weights from ``init``, with the fan_out of Keras and PyTorch.

    One input pixel feeds ``out_channels * kh * kw`` units of the output (each
    output channel, through each tap of its kernel): that is the fan_out of
    the Glorot formulas for a convolution, in Keras and in PyTorch
    (``torch.nn.init.xavier_uniform_`` on a conv weight) alike.

    Parameters
    ----------
    init : callable
        What :func:`get_initializer` returned.  Those of :data:`USE_FAN_OUT`
        (ufldl, Glorot uniform and normal) are given ``receptive_field``, so
        that their fan_out is ``fan_out * receptive_field``; any other
        initialiser, a user's included, is called as ``init(rng, fan_in, fan_out)``.
    rng : numpy.random.Generator
    fan_in : int
        ``in_channels * kh * kw``, the inputs of one unit.
    fan_out : int
        ``out_channels``.
    receptive_field : int
        ``kh * kw``.

    Returns
    -------
    ndarray of shape (fan_in, fan_out)
    """
    if init in USE_FAN_OUT:
        return init(rng, fan_in, fan_out, receptive_field=receptive_field)
    return init(rng, fan_in, fan_out)


ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal", "he": "he_normal"}


RELU_FAMILY: tuple[str, ...] = ("relu", "leaky_relu", "elu", "gelu", "silu")
"""The activations whose layers ``init="auto"`` starts with He normal: zero or nearly
zero for negative net inputs and the identity for large positive ones, so a layer passes
on about half its input variance, which He's factor 2 / fan_in makes up for."""


def auto_init(activation: object) -> str:
    """The initialiser that ``init="auto"`` picks for a layer with this activation.

    Parameters
    ----------
    activation : str or Activation
        An activation name (aliases such as "swish" included) or object.

    Returns
    -------
    str
        "he_normal" for :data:`RELU_FAMILY`, "glorot_uniform" otherwise.
    """
    from .activations import ALIASES

    name = getattr(activation, "name", activation)
    if isinstance(name, str):
        name = ALIASES.get(name, name)
    return "he_normal" if name in RELU_FAMILY else "glorot_uniform"


def get_initializer(name: str | Initializer) -> Initializer:
    """Look an initialiser up by name.

    ``"normal(eps=E)"`` is N(0, E^2) (see :func:`normal_with_eps`); a callable is
    returned as it is.

    Parameters
    ----------
    name : str or callable
        A name of :data:`INITIALIZERS`, an alias (``"xavier_uniform"``,
        ``"xavier_normal"``, ``"he"``), ``"normal(eps=E)"``, or an
        initialiser ``init(rng, fan_in, fan_out)``.

    Returns
    -------
    callable
        ``init(rng, fan_in, fan_out) -> ndarray of shape (fan_in, fan_out)``.

    Raises
    ------
    TypeError
        If ``name`` is neither a str nor callable.
    ValueError
        If the name is unknown (the message lists the valid names), or the
        ``E`` of ``"normal(eps=E)"`` is not a finite number > 0.
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"init must be a name (str) or a callable (Dense and Conv2D also take an array of "
            f"weights), got {type(name).__name__}"
        )
    match = _NORMAL_EPS_NAME.fullmatch(name.replace(" ", ""))
    if match:
        try:
            eps = float(match.group(1))
        except ValueError:
            eps = match.group(1)
        try:
            return normal_with_eps(eps)
        except (TypeError, ValueError) as exc:  # E of the name is no number ('x'): its value
            raise ValueError(f"init {name!r}: {exc}") from None
    try:
        return INITIALIZERS[ALIASES.get(name, name)]
    except KeyError:
        valid = ", ".join(sorted([*INITIALIZERS, *ALIASES]))
        raise ValueError(f"unknown initializer {name!r}{did_you_mean(name, valid.split(', '))}; "
                         f"valid names are: {valid}, "
                         "normal(eps=E)") from None


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed, a generator (passed through) or None.

    Parameters
    ----------
    seed : int >= 0, Generator or None
        ``None`` draws fresh entropy from the system.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    TypeError
        If ``seed`` is of another type (a bool included).
    ValueError
        If ``seed`` is a negative int.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be None, an int or a numpy.random.Generator, got {type(seed).__name__}"
    )
