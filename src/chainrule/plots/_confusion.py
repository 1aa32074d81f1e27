"""The confusion matrix of class predictions: :func:`plot_confusion_matrix`."""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._canvas import _axes, _done

__all__ = ["plot_confusion_matrix"]


def _confusion_figure(y_true: object, y_pred: object, labels: Sequence | None,
                      title: str, normalize: bool, size: tuple[float, float] | None,
                      ax: object = None, path: object = ""):
    """The figure drawn (``ax``'s where given, else a new one: Agg unless ``path`` is None,
    see ``_canvas._axes``) and the matrix of counts, shape (n_classes, n_classes)."""
    from sklearn.metrics import confusion_matrix

    from .._validation import check_bool

    normalize = check_bool(normalize, "normalize")  # "no" would be taken by truthiness
    if size is not None and ax is not None:  # the figure is the caller's, sized by them
        raise ValueError(f"size sets the size of a new figure, but ax (a subplot of a figure "
                         f"of the caller's) was given; give size=None with ax, got "
                         f"size={size!r:.60}")
    if size is not None:  # matplotlib's own refusal names its figsize, not this argument
        try:
            inches = np.asarray(size, dtype=np.float64)
        except (TypeError, ValueError):
            inches = np.empty(0)
        if inches.shape != (2,) or not (np.isfinite(inches).all() and (inches > 0).all()):
            raise ValueError(f"size must be (width, height) in inches, two finite numbers > 0, "
                             f"got {size!r:.80}")
        size = (float(inches[0]), float(inches[1]))
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.ndim != 1 or y_true.shape != y_pred.shape or y_true.size == 0:
        raise ValueError(
            f"y_true and y_pred must be non-empty and of one shape (n_samples,), got "
            f"{y_true.shape} and {y_pred.shape}"
        )
    y_true, y_pred = _checked_label_kinds(y_true, y_pred)
    if labels is None:
        try:  # the classes in sorted order: an object array may hold what does not sort
            labels = list(np.unique(np.concatenate([y_true, y_pred])))
        except TypeError:  # None (a missing label), or numbers among strings
            kinds = sorted({type(v).__name__ for v in [*y_true.tolist(), *y_pred.tolist()]})
            raise ValueError(
                f"y_true and y_pred must hold classes of one kind that sort together (all "
                f"numbers or all strings, no None), got values of the types "
                f"{', '.join(kinds)}; give labels=[...] to name the classes and their "
                "order") from None
    else:
        known = np.asarray(labels)
        if known.ndim != 1 or known.size == 0:
            raise ValueError(f"labels must be a non-empty sequence of classes, got {labels!r}")
        values, counts = np.unique(known, return_counts=True)
        if (counts > 1).any():  # a repeated class would get two rows, one of them empty
            raise ValueError(f"labels must name each class once; {values[counts > 1].tolist()} "
                             f"repeated in {known.tolist()}")
        for name, y in (("y_true", y_true), ("y_pred", y_pred)):
            unknown = np.unique(y[~np.isin(y, known)])
            if unknown.size:
                # sklearn's confusion_matrix would leave these examples out of every cell
                shown = ", ".join(map(repr, unknown[:10].tolist()))
                raise ValueError(
                    f"{name} holds classes that are not in labels: {shown} "
                    f"(labels: {', '.join(map(repr, known.tolist()))})")
    import warnings

    with warnings.catch_warnings():  # one class: scikit-learn asks for the labels (given or
        # found above, every one of y_true and y_pred), as if the 1 x 1 matrix were a mistake
        warnings.filterwarnings("ignore", message="A single label was found",
                                category=UserWarning)
        counts = confusion_matrix(y_true, y_pred, labels=np.asarray(labels))
    k = len(labels)
    if size is None:  # past 10 classes, cells of a fixed picture get too small for their text
        grow = _INCHES_PER_CLASS * max(0, k - 10)
        size = (6.0 + grow, 5.0 + grow)
    fig, ax, own = _axes(ax, size, path)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalize else counts
    image = ax.imshow(shown, cmap="Blues", vmin=0)
    ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04,
                 label="fraction of the true class" if normalize else "examples")
    top = float(shown.max()) or 1.0
    empty = counts.sum(axis=1) == 0  # no true example: no fraction of it (not 0% recall)
    for i in range(k):
        for j in range(k):
            fraction = "n/a" if empty[i] else f"{shown[i, j]:.0%}"
            text = f"{counts[i, j]}" + (f"\n{fraction}" if normalize else "")
            ax.text(j, i, text, ha="center", va="center", fontsize=9 if k <= 10 else 6,
                    color="white" if shown[i, j] > 0.6 * top else "black")
    names = [str(v) for v in labels]
    ax.set_xticks(range(k), names, rotation=45 if max(map(len, names)) > 3 else 0,
                  ha="right" if max(map(len, names)) > 3 else "center")
    ax.set_yticks(range(k), names)
    accuracy = np.trace(counts) / counts.sum()
    ax.set(xlabel="predicted class", ylabel="true class",
           title=f"{title} (accuracy {accuracy:.1%}, {counts.sum()} examples)")
    if own:  # a caller's figure keeps its layout (tight_layout would replace a constrained one)
        fig.tight_layout()
    return fig, counts


def _label_kind(y: np.ndarray) -> str | None:
    """"strings" or "numbers" when every label of ``y`` is one, else None."""
    if y.dtype.kind in "US":
        return "strings"
    if y.dtype.kind in "biuf":
        return "numbers"
    values = y.tolist()
    if all(isinstance(v, str) for v in values):
        return "strings"
    if all(isinstance(v, numbers.Real) for v in values):
        return "numbers"
    return None  # None or a mix inside one array: the sort below names it


def _checked_label_kinds(y_true: np.ndarray,
                         y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``y_true`` and ``y_pred``, shape (n_samples,), numbers of an object array as a numeric
    array (scikit-learn's "unknown" target type); a ValueError naming them for numbers in
    one and strings in the other, or numbers that are no class (0.5, NaN), which
    scikit-learn's confusion_matrix refuses unprefixed ("Mix of label input types",
    "continuous is not supported")."""
    kinds = {name: _label_kind(y) for name, y in (("y_true", y_true), ("y_pred", y_pred))}
    if set(kinds.values()) == {"strings", "numbers"}:
        numeric = "y_true" if kinds["y_true"] == "numbers" else "y_pred"
        raise ValueError(
            f"y_true and y_pred must hold classes of one kind (all numbers or all strings), "
            f"got {kinds['y_true']} in y_true and {kinds['y_pred']} in y_pred; convert one "
            f"to the other's kind (such as np.asarray({numeric}).astype(str))")
    arrays = []
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if kinds[name] == "numbers":
            y = np.asarray(y.tolist()) if y.dtype == object else y
            values = y.astype(np.float64)
            bad = ~np.isfinite(values) | (values != np.round(values))
            if bad.any():
                shown = ", ".join(map(repr, np.unique(values[bad])[:5].tolist()))
                raise ValueError(
                    f"{name} holds numbers that are no class labels: {shown}; classes "
                    "are whole numbers or strings (scikit-learn takes other floats for a "
                    "continuous target)")
        arrays.append(y)
    return arrays[0], arrays[1]


#: Inches added to the default picture's width and height for each class past 10: the cells
#: stay about 0.4 inch, room for a count and a percentage in 6-point type.
_INCHES_PER_CLASS = 0.45


def plot_confusion_matrix(
    y_true: object,
    y_pred: object,
    path: str | Path | None = None,
    labels: Sequence | None = None,
    title: str = "Confusion matrix",
    normalize: bool = False,
    size: tuple[float, float] | None = None,
    *,
    ax: object = None,
) -> Path | object:
    """Confusion matrix of class predictions, each cell annotated with its count, as a PNG
    or into a matplotlib Axes.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        True and predicted labels (numbers or strings).
    path : str or Path, optional
        Output PNG of ``size`` inches at 100 pixels per inch (600 x 500 by
        default, up to 10 classes); with ``ax``, the file of ``ax``'s whole
        figure.  None: nothing is written, the Axes is returned.
    labels : sequence, optional
        Classes in the order of the rows and columns; by default the sorted
        labels that occur in ``y_true`` or ``y_pred``.  Every label of
        ``y_true`` and ``y_pred`` must be one of them, and each only once.
    title : str
        The accuracy and number of examples are appended.
    normalize : bool, default False
        Colour by the fraction of each true class (row) and print it under
        the count ("n/a" in the row of a class with no true example, which has
        no fractions).
    size : (width, height) in inches, optional
        Default: (6, 5) up to 10 classes, 0.45 inch wider and taller for each
        class past 10 (10.5 x 9.5 for 20 classes), so that the count (and
        percentage) of every cell stays readable and apart from its neighbours'.
        The size of a new figure only: refused with ``ax``.
    ax : matplotlib Axes, optional
        Draw into this Axes (a subplot of the caller's figure, whose layout stays
        the caller's); the colour bar takes its room from this Axes alone.  By
        default a new figure of ``size``, its layout made tight: on
        matplotlib's Agg canvas when ``path`` is given, else a pyplot figure.

    Returns
    -------
    Path or Axes
        The file written when ``path`` is given, else the Axes drawn into.

    Raises
    ------
    TypeError
        If ``normalize`` is not True or False, or ``ax`` is not a matplotlib Axes.
    ValueError
        If ``y_true`` and ``y_pred`` are not 1-D arrays of one length, hold
        numbers in one and strings in the other, or numbers that are no class
        labels (0.5, NaN), or classes that do not sort together (None, numbers
        among strings) and no ``labels`` are given, or
        hold a class that is not in ``labels``, or ``labels`` repeats a class,
        or ``size`` is not two finite numbers > 0, or is given with ``ax``.
    """
    fig, _ = _confusion_figure(y_true, y_pred, labels, title, normalize, size, ax, path)
    return _done(fig, ax if ax is not None else fig.axes[0], path)
