"""The one check of a trace's ``digits`` (significant digits shown), for the network,
convolution and scalar traces alike."""

from __future__ import annotations

import numbers

from ._validation import number_text

__all__ = ["check_digits"]


def check_digits(digits: object) -> int:
    """``digits`` as an int from 1 to 17 (float64 needs at most 17 significant digits).

    A NumPy integer is taken (``np.int64(3)`` from an array), a bool is not.

    Raises
    ------
    ValueError
        Naming ``digits`` and what was given (a huge int by its size, not its digits).
    """
    if (isinstance(digits, bool) or not isinstance(digits, numbers.Integral)
            or not 1 <= digits <= 17):
        raise ValueError(f"digits must be an int from 1 to 17, got {number_text(digits)}")
    return int(digits)
