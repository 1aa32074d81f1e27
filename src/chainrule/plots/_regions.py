"""Decision regions of 2-D classifiers with their data points: :func:`plot_decision_regions`.

:func:`_region_classes` reads the class of every grid point from any kind of
classifier: a chainrule Network, an estimator with ``predict`` or
``predict_proba``, or a callable giving labels or scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._canvas import _closed_on_error, _done_panels, _new_figure, _panel_axes

__all__ = ["plot_decision_regions"]


_POINT_COLORS = ["tab:orange", "tab:blue", "tab:green", "tab:red", "tab:purple", "tab:brown",
                 "tab:pink", "tab:gray", "tab:olive", "tab:cyan"]
_REGION_COLORS = ["#f4c7a1", "#a9cbe8", "#b5dfb0", "#f0b0b0", "#d3c2e6", "#d9c0b8",
                  "#f3c6e4", "#d4d4d4", "#e3e3a6", "#b0e3ea"]
_MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*", "<", ">"]


def _region_classes(model: object, grid: np.ndarray, y: np.ndarray,
                    columns: object = None) -> tuple[np.ndarray, list]:
    """Class index of every grid point and the class list, for any kind of classifier.

    ``model`` may be a chainrule Network (its outputs: argmax of several
    units; one sigmoid unit thresholded at 0.5 whatever the labels, the
    probability of the second of the sorted classes; another single unit
    read as labels or scores like a callable's), an object with ``predict`` (labels)
    or ``predict_proba`` (argmax, columns in the order of its ``classes_``
    or of the sorted labels of ``y``), or a callable giving labels or scores
    (scores are thresholded at 0.5 for 0/1 labels, else at 0).  ``columns``: the
    column names of a pandas DataFrame of the points, or None; an estimator fitted
    with column names (``feature_names_in_``) then gets the grid as a DataFrame of
    those columns, as it was fitted (scikit-learn warns about a plain array, and a
    ColumnTransformer picking columns by name needs them); one fitted on an array
    gets an array (a DataFrame would make scikit-learn warn the other way).
    """
    from ..network import Network

    if columns is not None and hasattr(model, "feature_names_in_") \
            and not isinstance(model, Network):
        import pandas as pd

        grid = pd.DataFrame(grid, columns=columns)

    classes = list(np.unique(y))
    probability = False  # one sigmoid unit: P(second class), whatever the labels are
    if isinstance(model, Network):
        # model.forward(grid) would leave the grid's arrays in the layers (and the layers'
        # own, of the last training batch, which the diagnostics read, gone); predict runs
        # in blocks of rows, so a fine grid needs no more than its outputs
        out = model.predict(grid)
        act = model.output_activation
        probability = act is not None and act.name == "sigmoid"
    elif hasattr(model, "predict"):  # estimators: their own preprocessing and labels
        labels = np.asarray(model.predict(grid)).ravel()
        mixed = _one_kind(y, labels, either_way=True)
        known = y
        if mixed or labels.dtype.kind == "U" or y.dtype.kind == "U":
            labels, known = labels.astype(str), y.astype(str)
        classes = list(np.unique(np.concatenate([known, labels])))
        return np.searchsorted(np.asarray(classes), labels), classes
    elif hasattr(model, "predict_proba"):
        out = np.asarray(model.predict_proba(grid), dtype=np.float64)
        if getattr(model, "classes_", None) is not None:
            classes = list(np.asarray(model.classes_))
    elif callable(model):
        out = np.asarray(model(grid))
        _one_kind(y, out, either_way=False)  # numbers of y's string classes: scores
    else:
        raise TypeError(
            f"a panel's model must be a Network, have predict or predict_proba, or be "
            f"callable; got {type(model).__name__}"
        )
    out = np.asarray(out)
    if out.ndim == 2 and out.shape[1] > 1:
        index = out.argmax(axis=1)
        if len(classes) < out.shape[1]:
            # fewer classes in y than outputs: output j is class j, so the labels must be
            # such indexes, or the points (drawn by their label) would all be left out
            if not all(isinstance(c, (int, float, np.number)) and c in range(out.shape[1])
                       for c in classes):
                raise ValueError(
                    f"y holds {len(classes)} classes {[str(c) for c in classes]} for a model "
                    f"of {out.shape[1]} outputs: give y as output indexes 0..{out.shape[1] - 1}, "
                    "or points of every class the model knows")
            classes = list(range(out.shape[1]))
        return index, classes
    out = out.ravel()
    if not probability and set(np.unique(out)) <= set(classes):  # labels
        return np.searchsorted(np.asarray(classes), out), classes
    threshold = 0.5 if probability or set(classes) <= {0, 1} else 0.0
    if len(classes) > 2:
        raise ValueError(f"one score per point cannot separate {len(classes)} classes")
    two = classes if len(classes) == 2 else [0, 1]
    return (out.astype(np.float64) > threshold).astype(int), two


def _one_kind(y: np.ndarray, predicted: np.ndarray, either_way: bool) -> bool:
    """Refuse string labels predicted for numbers in ``y`` (and, ``either_way``, number
    labels for strings in ``y``): cast to text together, they made classes of both kinds
    (0, 1, "a", "b") and a picture whose points and regions share no class.

    With ``either_way`` (labels from ``predict``), the same classes written as numbers
    in one and as text in the other (y of 3, 7, 11 from a table, and the "3", "7", "11"
    that the model file of a CSV predicts) are taken, compared as text: True then.
    """
    from ._confusion import _label_kind

    kinds = _label_kind(y), _label_kind(predicted)
    if kinds == ("numbers", "strings") or (either_way and kinds == ("strings", "numbers")):
        if either_way and np.intersect1d(y.astype(str), predicted.astype(str)).size:
            return True
        raise ValueError(f"y holds {kinds[0]} and the model predicts {kinds[1]}; give y as "
                         "classes of the kind the model predicts (all numbers or all "
                         "strings)")
    return False


def _check_labels(y: np.ndarray, where: str) -> None:
    """Refuse a point without a class (None, NaN), or classes that do not sort together
    (numbers among strings): numpy's sort of them failed, or NaN, unequal to itself, was
    "a class the model does not know" while listed among its classes."""
    values = y.tolist()
    for k, v in enumerate(values):
        if v is None or (isinstance(v, float) and v != v):
            raise ValueError(f"{where}: y[{k}] is {v!r}; every point needs a class (a label, "
                             "not None or NaN)")
    try:
        np.unique(y)
    except TypeError:
        kinds = sorted({type(v).__name__ for v in values})
        raise ValueError(f"{where}: y must hold classes of one kind that sort together (all "
                         f"numbers or all strings), got values of the types "
                         f"{', '.join(kinds)}") from None


def _model_inputs(model: object) -> int | tuple | None:
    """The inputs ``model`` takes: a Network's ``n_inputs`` (a tuple for images), a model
    file's (:func:`chainrule.load_model`), an estimator's ``n_features_in_``, or None where
    it does not say (a callable)."""
    from ..network import Network
    from ..saved_model import EstimatorModel, SavedModel

    if isinstance(model, Network):
        return model.n_inputs
    if isinstance(model, SavedModel):
        return model.network.n_inputs
    if isinstance(model, EstimatorModel):
        return model.n_features
    found = getattr(model, "n_features_in_", None)
    return int(found) if isinstance(found, (int, np.integer)) else None


def plot_decision_regions(
    panels: Sequence[tuple[str, object, object, object]],
    path: str | Path | None = None,
    resolution: int = 200,
    title: str | None = None,
    feature_names: Sequence[str] | None = None,
    *,
    ax: object = None,
) -> Path | object:
    """Decision regions of 2-D classifiers, one panel each, with their data points.

    Parameters
    ----------
    panels : sequence of (title, model, X, y)
        ``model``: a :class:`~chainrule.Network` (several outputs: the region
        is the argmax; one sigmoid output: thresholded at 0.5, the second of
        the sorted classes above; another single output: as a callable's), anything with
        ``predict`` (labels) or ``predict_proba`` (such as a scikit-learn
        classifier), or a callable mapping an array of shape (n, 2) to labels
        or to scores of shape (n,) (thresholded at 0.5 for 0/1 labels, else
        at 0).  ``X`` of shape (n_samples, 2), ``y`` of shape (n_samples,),
        any number of classes (up to 10 colours); a Network, an estimator
        (``n_features_in_``) or a model file (:func:`chainrule.load_model`) of
        other than 2 inputs is refused, and so is ``y`` of numbers for a
        model that predicts strings (or, with ``predict``, the other way:
        classes of one kind), unless, with ``predict``, they share classes as
        text (3 and "3": a model file of a CSV predicts its labels as text),
        which are then drawn as text.  When ``X`` is a pandas DataFrame, an
        estimator fitted on one (with ``feature_names_in_``) gets the grid as a
        DataFrame of its columns, any other model an array.
    path : str or Path, optional
        Output PNG, 400 pixels high (430 with a title) and 400 wide per panel;
        with ``ax``, the file of their whole figure.  None: nothing is written,
        the Axes are returned.
    resolution : int, default 200
        Grid points per axis, at least 2.
    title : str, optional
        Title over the panels of a new figure (refused with ``ax``: the
        figure's suptitle is the caller's).
    feature_names : (str, str), optional
        The two features, columns of ``X``, that label the horizontal and the
        vertical axis (whose ticks are in the units of ``X``).  By default
        the column names of a pandas DataFrame ``X``, else "feature 1" and
        "feature 2".
    ax : matplotlib Axes, or sequence of them, optional
        The caller's Axes to draw into: one per panel (a single Axes for one
        panel), such as ``plt.subplots(1, n)[1]``, in one figure when ``path``
        is given; their figure's size and layout stay the caller's.  By
        default a new figure: on matplotlib's Agg canvas when ``path`` is
        given, else a pyplot figure.

    Returns
    -------
    Path, Axes or list of Axes
        The file written when ``path`` is given; else ``ax`` where it is one
        Axes, or the list of Axes drawn into, one per panel.

    Raises
    ------
    TypeError
        If ``ax`` (or one of them) is not a matplotlib Axes, or a model is none
        of the kinds above.
    ValueError
        If a panel is not (title, model, X, y) of the shapes above, ``ax``
        holds another number of Axes than panels, or ``title`` is given with
        ``ax``.
    """
    from .._validation import check_positive_int

    resolution = check_positive_int(resolution, "resolution", minimum=2)
    if feature_names is not None:
        names = feature_names if isinstance(feature_names, (list, tuple)) else [feature_names]
        if len(names) != 2 or not all(isinstance(v, str) for v in names):
            raise ValueError(f"feature_names must be two strings (the features of the "
                             f"horizontal and vertical axis), got {feature_names!r:.80}")
    panels = list(panels)
    if not panels:
        raise ValueError("panels is empty; give at least one (title, model, X, y)")
    for i, panel in enumerate(panels):
        if not isinstance(panel, (tuple, list)) or len(panel) != 4:
            raise ValueError(f"panels[{i}] must be a tuple (title, model, X, y), got "
                             f"{panel!r:.80}")
    axes, fig = _panel_axes(ax, len(panels), path, title)
    if axes is None:
        fig = _new_figure((4.0 * len(panels), 4.0 + (0.3 if title else 0)), path)
    # a failed panel leaves no half-drawn pyplot figure of ours behind (Jupyter would
    # show it under the error, and pyplot would hold it)
    with _closed_on_error(fig, made=axes is None and path is None):
        drawn = []
        for i, (name, model, X, y) in enumerate(panels):
            # a pandas DataFrame's names, for an estimator fitted on one
            columns = X.columns if type(X).__module__.startswith("pandas") else None
            X, y = np.asarray(X, dtype=np.float64), np.asarray(y).ravel()
            if X.ndim != 2 or X.shape[1] != 2:
                raise ValueError(f"panels[{i}]: X must have shape (n_samples, 2), got {X.shape}")
            inputs = _model_inputs(model)
            # images of 2 pixels take the plane's points as their flat rows, as any 2 inputs
            size = int(np.prod(inputs)) if isinstance(inputs, tuple) else inputs
            if size is not None and size != 2:  # else its error would name the grid's shape
                takes = (f"images of {'x'.join(map(str, inputs))} values"
                         if isinstance(inputs, tuple) else f"{inputs} inputs (features)")
                raise ValueError(f"panels[{i}]: the model takes {takes}; decision regions are "
                                 "drawn on the plane of 2 features, for a model of 2 inputs")
            if y.shape[0] != X.shape[0]:
                raise ValueError(f"panels[{i}]: y must have shape ({X.shape[0]},), got {y.shape}")
            _check_labels(y, f"panels[{i}]")
            if X.shape[0] == 0:
                raise ValueError(f"panels[{i}]: X has no points; the regions span the data")
            if not np.isfinite(X).all():  # NaN bounds would make an all-NaN grid: an empty panel
                bad = int(np.flatnonzero(~np.isfinite(X).all(axis=1))[0])
                raise ValueError(f"panels[{i}]: X[{bad}] is {X[bad].tolist()}; every point must be "
                                 "finite")
            lo, hi = X.min(axis=0), X.max(axis=0)
            pad = 0.25 * np.maximum(hi - lo, 1e-9)
            gx, gy = np.meshgrid(np.linspace(lo[0] - pad[0], hi[0] + pad[0], resolution),
                                 np.linspace(lo[1] - pad[1], hi[1] + pad[1], resolution))
            grid = np.column_stack([gx.ravel(), gy.ravel()])
            try:
                index, classes = _region_classes(model, grid, y, columns)
            except ValueError as exc:  # the model and y do not fit: say which panel
                raise ValueError(f"panels[{i}]: {exc}") from None
            k = len(classes)
            if k > len(_POINT_COLORS):
                raise ValueError(f"panels[{i}]: {k} classes (those of y and those the model "
                                 f"predicts on the plane); at most {len(_POINT_COLORS)} can be "
                                 "drawn, one colour each")
            ax_i = fig.add_subplot(1, len(panels), i + 1) if axes is None else axes[i]
            drawn.append(ax_i)
            ax_i.contourf(gx, gy, index.reshape(gx.shape).astype(float),
                        levels=np.arange(k + 1) - 0.5, colors=_REGION_COLORS[:k], alpha=0.8)
            lookup = {c: j for j, c in enumerate(classes)}
            ys = y.astype(str) if np.asarray(classes).dtype.kind == "U" else y
            point_index = np.array([lookup.get(v, -1) for v in ys.tolist()])
            if (point_index < 0).any():  # such points would be left out of the picture
                unknown = sorted({str(v) for v, j in zip(ys.tolist(), point_index, strict=True)
                                  if j < 0})
                raise ValueError(f"panels[{i}]: y holds classes {unknown} that the model does not "
                                 f"know (its classes: {[str(c) for c in classes]})")
            for j, c in enumerate(classes):
                mask = point_index == j
                if mask.any():
                    ax_i.scatter(*X[mask].T, marker=_MARKERS[j], color=_POINT_COLORS[j],
                               edgecolor="k", label=str(c))
            ax_i.legend(fontsize=7, framealpha=0.6, handletextpad=0.2, borderpad=0.3)
            ax_i.set_title(name, fontsize=10)
            axis_names = (feature_names if feature_names is not None else
                          [str(c) for c in columns] if columns is not None else
                          ["feature 1", "feature 2"])
            ax_i.set_xlabel(axis_names[0], fontsize=9)
            ax_i.set_ylabel(axis_names[1], fontsize=9)
            ax_i.tick_params(labelsize=8)
    if axes is None:  # a caller's figure keeps its layout and suptitle
        if title:
            fig.suptitle(title)
        fig.tight_layout()
    return _done_panels(fig, ax, drawn, path)
