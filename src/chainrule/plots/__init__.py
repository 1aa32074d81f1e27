"""Pictures, written as PNG files or drawn into a matplotlib Axes of the caller's (``ax=``).

matplotlib is imported only when a picture is drawn.  A picture saved to a path is drawn
on a figure of matplotlib's Agg canvas (the same file whatever the user's backend); one
drawn into the caller's ``ax`` leaves their figure's canvas, backend and layout as they
are; one with neither a path nor ``ax`` is a new pyplot figure, its Axes returned.

The package's modules, each with one job: ``_canvas`` (the figure on matplotlib's
Agg canvas, saving it, and the check that an argument holds numbers), ``_loss``
(:func:`plot_loss`), ``_tiles`` (:func:`plot_tiles`, :func:`first_layer_tiles`,
:func:`plot_first_layer`), ``_panels`` (:class:`Panel`, :func:`plot_panels`),
``_regions`` (:func:`plot_decision_regions`), ``_model_selection``
(:func:`plot_model_selection`), ``_confusion`` (:func:`plot_confusion_matrix`), ``_misclassified``
(:func:`plot_misclassified`) and
``_lr_range`` (:func:`plot_lr_range`).
Import from ``chainrule.plots``.  Every picture is written by ``chainrule.plots._save``,
looked up there when it is saved, so that replacing it there (as the tests do to
capture a figure) reaches every picture.
"""

from __future__ import annotations

from ._canvas import _figure as _figure
from ._canvas import _numbers as _numbers
from ._canvas import _save as _save
from ._confusion import _confusion_figure as _confusion_figure
from ._confusion import plot_confusion_matrix
from ._loss import _lone_points as _lone_points
from ._loss import _loss_series as _loss_series
from ._loss import plot_loss
from ._lr_range import plot_lr_range
from ._misclassified import misclassified_rows, plot_misclassified
from ._model_selection import plot_model_selection
from ._panels import Panel, plot_panels
from ._panels import _panel_xy as _panel_xy
from ._panels import _whole_numbers as _whole_numbers
from ._regions import _MARKERS as _MARKERS
from ._regions import _POINT_COLORS as _POINT_COLORS
from ._regions import _REGION_COLORS as _REGION_COLORS
from ._regions import _region_classes as _region_classes
from ._regions import plot_decision_regions
from ._tiles import _first_weight_layer as _first_weight_layer
from ._tiles import first_layer_tiles, plot_first_layer, plot_tiles

# ``_name as _name``: the private helpers stay importable from here, as they were from the
# one module before the split (tracing/diagram.py and the examples draw with _figure and _save)

__all__ = ["plot_loss", "plot_tiles"]

# --- pictures of the teaching experiments ----------------------------------------------------
__all__ += ["Panel", "plot_decision_regions", "plot_lr_range", "plot_model_selection",
            "plot_panels"]

# --- pictures of a trained model -------------------------------------------------------------
__all__ += ["first_layer_tiles", "misclassified_rows", "plot_confusion_matrix",
            "plot_first_layer", "plot_misclassified"]
