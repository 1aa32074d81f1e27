"""The small rare-class data set and the figure reading shared by the ``chainrule plot pr``
tests (test_practitioner20_plot_pr_*)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification

FAST = ["--hidden", "4", "--epochs", "60", "--seed", "0", "-q"]
FEATURES = ["--features", "a", "b", "c", "d"]


def pr_data(path: object, n: int = 200, flip: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Write a CSV of ``n`` rows (features a..d, class 'yes' about 1 row in 5, a weight
    column w in [0.1, 3]) to ``path``; its 0/1 labels and weights, shapes (n,) and (n,)."""
    X, y = make_classification(n, 4, n_informative=2, n_redundant=0, weights=[0.8],
                               class_sep=1.0, flip_y=flip, random_state=2)
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    frame["kind"] = np.where(y == 1, "yes", "no")
    frame["w"] = np.random.default_rng(1).uniform(0.1, 3.0, n).round(3)
    frame.to_csv(path, index=False)
    return y, frame["w"].to_numpy()


def pr_lines(fig: object) -> dict:
    """The lines of the figure's first axes by their gid."""
    return {line.get_gid(): line for line in fig.axes[0].lines}
