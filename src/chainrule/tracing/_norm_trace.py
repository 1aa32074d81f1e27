"""What the BatchNorm and LayerNorm traces hold (:mod:`batchnorm_trace`,
:mod:`layernorm_trace`): the same quantities of ``y = gamma xhat + beta``, over each
feature's rows (BatchNorm) or over each example's features (LayerNorm), and their
``to_dict``.  Each trace's own class documents the shapes and writes its text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._text_trace import TextTrace

__all__ = ["NormTrace"]

_ARRAYS = ("X", "gamma", "beta", "mu", "var", "std", "xhat", "y", "dout", "dgamma", "dbeta",
           "dxhat", "dvar", "dmu", "dx_terms", "dx_steps", "dx_compact", "dx")


@dataclass(eq=False)
class NormTrace(TextTrace):
    """The fields of a normalisation layer's trace (see the subclasses for their shapes)."""

    layer: str
    eps: float
    X: np.ndarray
    gamma: np.ndarray
    beta: np.ndarray
    mu: np.ndarray
    var: np.ndarray
    std: np.ndarray
    xhat: np.ndarray
    y: np.ndarray
    dout: np.ndarray
    dgamma: np.ndarray
    dbeta: np.ndarray
    dxhat: np.ndarray
    dvar: np.ndarray
    dmu: np.ndarray
    dx_terms: np.ndarray
    dx_steps: np.ndarray
    dx_compact: np.ndarray
    dx: np.ndarray
    max_diff: dict
    digits: int = 6

    def to_dict(self) -> dict[str, Any]:
        """Every array (nested lists, full precision), ``eps`` and ``max_diff``.

        Returns
        -------
        dict
            JSON-serialisable.
        """
        return {"layer": self.layer, "eps": float(self.eps),
                **{k: np.asarray(getattr(self, k), dtype=float).tolist() for k in _ARRAYS},
                "max_diff": {k: float(v) for k, v in self.max_diff.items()}}
