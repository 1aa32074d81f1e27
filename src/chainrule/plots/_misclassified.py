"""The images a classifier gets wrong, each with its true and predicted class
(:func:`plot_misclassified`; ``chainrule plot misclassified MODEL DATA``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._canvas import _done, _new_figure


def misclassified_rows(y_true: object, y_pred: object) -> np.ndarray:
    """Indices of the examples whose predicted class is not the true one, in data order.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels (numbers or strings, compared as they are).

    Returns
    -------
    ndarray of shape (n_wrong,), int
    """
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if t.ndim != 1 or t.shape != p.shape:
        raise ValueError(f"y_true and y_pred must be 1-D arrays of one length, got shapes "
                         f"{t.shape} and {p.shape}")
    return np.flatnonzero(t != p)


def _tile(image: np.ndarray) -> tuple[np.ndarray, str | None]:
    """One image (C, H, W) as matplotlib draws it, scaled to [0, 1] by its own minimum and
    maximum: RGB (H, W, 3) for 3 channels, else gray, several channels stacked top to
    bottom; with the colour map (None for RGB)."""
    lo, hi = float(image.min()), float(image.max())
    scaled = (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)
    if scaled.shape[0] == 3:
        return np.moveaxis(scaled, 0, -1), None
    return scaled.reshape(-1, scaled.shape[2]), "gray"


def plot_misclassified(
    images: object,
    y_true: object,
    y_pred: object,
    path: str | Path | None = None,
    max_images: int = 36,
    title: str | None = None,
) -> Path | list:
    """The misclassified images, each titled ``#row: true -> predicted``, as a PNG.

    Parameters
    ----------
    images : array-like of shape (n_samples, C, H, W), or (n_samples, H, W) of one channel
        The examples as given (each drawn scaled by its own minimum and maximum: 3
        channels in colour, 1 in gray, another number of channels stacked top to bottom).
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels.
    path : str or Path, optional
        Output PNG (on matplotlib's Agg canvas); None: a new pyplot figure, its tiles'
        Axes returned.
    max_images : int, default 36
        Draw at most this many, the first misclassified ones in data order.
    title : str, optional
        Default: "misclassified: K of N examples" ("first M shown" added where
        ``max_images`` leaves some out).

    Returns
    -------
    Path or list of Axes
        The file written when ``path`` is given, else the tiles' Axes.
    """
    X = np.asarray(images)
    if X.ndim == 3:
        X = X[:, None]
    if X.ndim != 4:
        raise ValueError(f"images must have shape (n_samples, C, H, W) or (n_samples, H, W), "
                         f"got {X.shape}")
    if isinstance(max_images, bool) or not isinstance(max_images, (int, np.integer)) \
            or max_images < 1:
        raise ValueError(f"max_images must be a positive integer, got {max_images!r}")
    wrong = misclassified_rows(y_true, y_pred)
    t, p = np.asarray(y_true), np.asarray(y_pred)
    if len(t) != len(X):
        raise ValueError(f"images has {len(X)} examples, y_true {len(t)}")
    shown = wrong[:max_images]
    if title is None:
        title = f"misclassified: {len(wrong)} of {len(X)} examples"
        if len(shown) < len(wrong):
            title += f" (first {len(shown)} shown)"
    ncols = max(1, min(len(shown), math.ceil(math.sqrt(len(shown)))))
    nrows = max(1, math.ceil(len(shown) / ncols))
    c, h, w = X.shape[1:]
    aspect = (h * (c if c != 3 else 1)) / w
    side = 1.3
    fig = _new_figure((max(ncols * side, 4.0), nrows * side * min(max(aspect, 0.5), 3) + 0.6), path)
    fig.suptitle(title, fontsize=10)
    axes = []
    for k, row in enumerate(shown):
        ax = fig.add_subplot(nrows, ncols, k + 1)
        tile, cmap = _tile(X[row].astype(np.float64))
        ax.imshow(tile, cmap=cmap, interpolation="nearest", vmin=0, vmax=1)
        ax.set_title(f"#{row}: {t[row]} -> {p[row]}", fontsize=7)
        ax.set_xticks([])
        ax.set_yticks([])
        axes.append(ax)
    if not len(shown):
        fig.text(0.5, 0.5, "no misclassified examples", ha="center", va="center")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    return _done(fig, axes, path)


__all__: Sequence[str] = ["misclassified_rows", "plot_misclassified"]
