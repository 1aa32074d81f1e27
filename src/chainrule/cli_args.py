"""argparse types of the command line: every option is checked where it is parsed.

Each function here takes the text the user typed and returns the value, or
raises :class:`argparse.ArgumentTypeError`, which argparse turns into
``chainrule CMD: error: argument --epochs: expected an integer >= 1, got '0'``
(exit status 2), naming the option as it was typed.  The library's own checks
stay as a second line; they name Python arguments, which the command line
never shows for a value it could check itself.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

__all__ = [
    "finite_float", "fraction", "integer", "nonnegative_float", "nonzero_int", "positive_float",
    "positive_int", "real", "seed_int",
]

#: Largest seed: scikit-learn's ``random_state`` (used to split data) takes 0 .. 2**32 - 1.
MAX_SEED = 2**32 - 1


def integer(minimum: int | None = None, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number in ``[minimum, maximum]`` (either bound optional).

    Parameters
    ----------
    minimum, maximum : int, optional
        Inclusive bounds; ``None`` for none.

    Returns
    -------
    callable
        ``str -> int``, raising :class:`argparse.ArgumentTypeError` with a
        message that says what was expected and what was given.
    """
    if minimum is not None and maximum is not None:
        expected = f"an integer from {minimum} to {maximum}"
    elif minimum is not None:
        expected = f"an integer >= {minimum}"
    elif maximum is not None:
        expected = f"an integer <= {maximum}"
    else:
        expected = "an integer"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected  # what argparse would call the type
    return parse


def real(low: float | None = None, high: float | None = None, *, low_open: bool = False,
         high_open: bool = False) -> Callable[[str], float]:
    """An argparse type: a finite number between ``low`` and ``high``.

    Parameters
    ----------
    low, high : float, optional
        Bounds; ``None`` for none.
    low_open, high_open : bool
        Whether the bound itself is excluded (``> low`` rather than ``>= low``).

    Returns
    -------
    callable
        ``str -> float``, refusing NaN, infinities and values out of range with
        :class:`argparse.ArgumentTypeError`.
    """
    if low is not None and high is not None:
        expected = (f"a number in {'(' if low_open else '['}{low:g}, {high:g}"
                    f"{')' if high_open else ']'}")
    elif low is not None:
        expected = f"a finite number {'>' if low_open else '>='} {low:g}"
    elif high is not None:
        expected = f"a finite number {'<' if high_open else '<='} {high:g}"
    else:
        expected = "a finite number"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = math.isfinite(value)
        if ok and low is not None:
            ok = value > low if low_open else value >= low
        if ok and high is not None:
            ok = value < high if high_open else value <= high
        if not ok:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}")
        return value

    parse.__name__ = expected
    return parse


def nonzero_int(text: str) -> int:
    """argparse type of a worker count: a non-zero integer (-1: every core, -2: all but one)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value == 0:
        raise argparse.ArgumentTypeError(
            f"expected a non-zero integer (a number of workers, or -1 for every core), "
            f"got {text!r}")
    return value


positive_int = integer(1)  # widths, epochs, batch sizes, counts
seed_int = integer(0, MAX_SEED)
finite_float = real()  # inputs and targets of an example
positive_float = real(0, low_open=True)  # learning rates, tolerances, eps
nonnegative_float = real(0)  # weight decay, noise
fraction = real(0, 1, high_open=True)  # momentum, the fraction held out for validation
