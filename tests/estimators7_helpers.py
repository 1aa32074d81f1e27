"""The rows early stopping holds out, by scikit-learn's recipe (for the tests)."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split


def sklearn_held_out(est: object, y: np.ndarray, test_size: float) -> np.ndarray:
    """The validation rows of scikit-learn's MLP for ``est``'s integer ``random_state``.

    scikit-learn draws its initial weights and biases from ``RandomState(random_state)``
    (one uniform value each: as many as ``est``'s coefs_ and intercepts_ hold), then
    splits with the same generator, stratified by class for a binary target only.
    """
    rs = np.random.RandomState(est.random_state)
    rs.uniform(size=sum(c.size + b.size for c, b in zip(est.coefs_, est.intercepts_,
                                                          strict=True)))
    binary = getattr(est, "classes_", None) is not None and len(est.classes_) == 2
    _, va = train_test_split(np.arange(len(y)), test_size=test_size,
                             stratify=y if binary else None, random_state=rs)
    return va
