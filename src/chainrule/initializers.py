"""Weight initialisers, as a name -> function table.

Every initialiser is ``init(rng, fan_in, fan_out) -> ndarray of shape
(fan_in, fan_out)`` in float64; the layer casts to its dtype.  Biases always
start at zero.  Randomness comes only from the ``numpy.random.Generator``
passed in, so a seed reproduces the weights exactly.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["INITIALIZERS", "get_initializer", "make_rng"]

Initializer = Callable[[np.random.Generator, int, int], np.ndarray]

NORMAL_EPS = 0.01


def normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Small normal values N(0, eps^2) with eps = 0.01 (the textbook default)."""
    return rng.normal(0.0, NORMAL_EPS, size=(fan_in, fan_out))


def ufldl(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Uniform in +-sqrt(6 / (fan_in + fan_out + 1)), as in the UFLDL exercises."""
    r = np.sqrt(6.0 / (fan_in + fan_out + 1))
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def glorot_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot/Xavier uniform: U(+-sqrt(6 / (fan_in + fan_out)))."""
    r = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def glorot_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out))."""
    return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), size=(fan_in, fan_out))


def he_normal(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """He normal for ReLU layers: N(0, 2 / fan_in)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=(fan_in, fan_out))


def he_uniform(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """He uniform for ReLU layers: U(+-sqrt(6 / fan_in))."""
    r = np.sqrt(6.0 / fan_in)
    return rng.uniform(-r, r, size=(fan_in, fan_out))


def zeros(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    """All zeros: shows the symmetry problem (hidden units stay identical)."""
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

ALIASES = {"xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal", "he": "he_normal"}


def get_initializer(name: str) -> Initializer:
    """Look an initialiser up by name.

    Raises
    ------
    ValueError
        If the name is unknown; the message lists the valid names.
    """
    if callable(name):
        return name
    if not isinstance(name, str):
        raise TypeError(
            f"init must be a name (str), a callable or an array, got {type(name).__name__}"
        )
    try:
        return INITIALIZERS[ALIASES.get(name, name)]
    except KeyError:
        valid = ", ".join(sorted([*INITIALIZERS, *ALIASES]))
        raise ValueError(f"unknown initializer {name!r}; valid names are: {valid}") from None


def make_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed, a generator (passed through) or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be None, an int or a numpy.random.Generator, got {type(seed).__name__}"
    )
