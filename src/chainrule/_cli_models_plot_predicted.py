"""``chainrule plot predicted MODEL DATA``: a regression model's predictions against the
true targets of DATA, one panel per target, each point an example, with the diagonal
on which a perfect model's points would lie and the panel's R^2 and RMSE in its title
(as ``chainrule evaluate`` computes them)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

_PANEL_INCHES = 4.5  # each target's panel is square


def _scores(y: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """R^2 (1 - SS_res / SS_tot; NaN where the targets are all one value) and RMSE."""
    residual = float(np.sum((y - pred) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    r2 = 1.0 - residual / total if total > 0 else float("nan")
    return r2, float(np.sqrt(residual / len(y)))


def plot_predicted(y: np.ndarray, pred: np.ndarray, names: list[str],
                   path: str | os.PathLike, title: str) -> Path:
    """Draw predictions against true values, one panel per target, and write ``path``.

    Parameters
    ----------
    y, pred : ndarray of shape (n_samples, n_targets)
        The true targets and the model's predictions, in the targets' own units.
    names : list of str
        The n_targets targets' names, each panel's axes' labels.
    path : str or PathLike
        The picture to write (PNG by default, as every picture of ``chainrule.plots``).
    title : str
        The picture's title, above the panels.

    Returns
    -------
    Path
        The file written.
    """
    from . import plots
    from .plots._canvas import _figure

    k = y.shape[1]
    fig = _figure((_PANEL_INCHES * k, _PANEL_INCHES + 0.4))
    for j in range(k):
        ax = fig.add_subplot(1, k, j + 1)
        ax.scatter(y[:, j], pred[:, j], s=12, alpha=0.6, label="examples")
        low = float(min(y[:, j].min(), pred[:, j].min()))
        high = float(max(y[:, j].max(), pred[:, j].max()))
        ax.plot([low, high], [low, high], color="gray", linestyle="--", linewidth=1,
                label="predicted = true")
        r2, rmse = _scores(y[:, j], pred[:, j])
        ax.set_title(f"R^2 {r2:.4g}, RMSE {rmse:.4g}", fontsize=10)
        ax.set_xlabel(f"true {names[j]}")
        ax.set_ylabel(f"predicted {names[j]}")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(title)
    fig.tight_layout()
    return plots._save(fig, path)
