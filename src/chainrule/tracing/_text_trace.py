"""What the single-layer traces (:mod:`conv_trace`, :mod:`pool_trace`,
:mod:`embedding_trace`, :mod:`batchnorm_trace`, :mod:`layernorm_trace`,
:mod:`dropout_trace`) share: printing one prints its text, and the refusal of NaN or inf
in their arrays."""

from __future__ import annotations

import numpy as np

__all__ = ["TextTrace", "check_finite"]


class TextTrace:
    """A trace whose ``str`` is its :meth:`text` (each subclass writes ``text()``)."""

    def __str__(self) -> str:
        return self.text()  # type: ignore[attr-defined]


def check_finite(a: object, name: str) -> np.ndarray:
    """``a`` as a float64 array, refused (a ValueError naming ``name``) if it holds NaN or
    inf: a trace of them would be NaN throughout, its checks "max |diff| nan"."""
    x = np.asarray(a, dtype=float)
    if not np.isfinite(x).all():
        i = tuple(int(k) for k in np.argwhere(~np.isfinite(x))[0])
        raise ValueError(f"{name} must hold finite numbers, got {x[i]} at {list(i)}")
    return x
