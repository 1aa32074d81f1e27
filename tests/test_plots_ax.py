"""The one-Axes pictures drawn into a caller's matplotlib Axes (``ax=``), or returned unsaved.

Each is drawn into the left subplot of a 1 x 2 figure: the numbers drawn there are the
inputs (or written out with NumPy here), the right subplot stays empty, no file is
written; the path-only call writes the pixels of the same drawing into an Axes of a
figure of its size (so ``ax`` draws what the file shows); a wrong ``ax`` is refused.
"""

from __future__ import annotations

import types

import numpy as np
import pytest

from chainrule import plots


def _two_subplots(**kwargs):
    """A 1 x 2 Agg figure of 10 x 4 inches at 100 dpi, and its two Axes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), dpi=100, **kwargs)
    FigureCanvasAgg(fig)
    left, right = fig.subplots(1, 2)
    return fig, left, right


def _untouched(ax) -> None:
    assert not (ax.lines or ax.images or ax.texts or ax.collections or ax.patches)
    assert ax.get_title() == "" and ax.get_legend() is None
    assert ax.get_xlabel() == "" and ax.get_ylabel() == ""


def _pixels(path) -> np.ndarray:
    import matplotlib.image as mpimg

    return mpimg.imread(path)


def _same_drawing(tmp_path, draw, figsize, tight: bool) -> None:
    """``draw(path=...)`` (the path-only call) writes the pixels of ``draw(ax=...)`` drawn
    into the one Axes of an Agg figure of ``figsize`` inches at 100 dpi, saved."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    written = draw(path=tmp_path / "file.png")
    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    assert draw(ax=ax) is ax
    if tight:
        fig.tight_layout()
    fig.savefig(tmp_path / "reference.png")
    np.testing.assert_array_equal(_pixels(written), _pixels(tmp_path / "reference.png"))


HISTORY = {"loss": [2.0, 1.25, 0.9, 0.7], "val_loss": [2.2, 1.5, 1.3, 1.4]}


def _lr_test():
    lrs = np.logspace(-4, 0, 12)
    smoothed = np.array([2.0, 1.9, 1.7, 1.4, 1.0, 0.7, 0.6, 0.65, 0.9, 1.5, 2.5, 4.0])
    return types.SimpleNamespace(lrs=lrs, smoothed=smoothed, losses=smoothed + 0.05,
                                 suggested_lr=lrs[5])


M = np.array([4.0, 1.0, 2.0])
V = np.array([[0.3, 0.2, 0.25], [0.9, 0.8, 1.0], [0.5, 0.45, 0.4]])
Y_TRUE = np.array([0, 0, 1, 1, 1, 2, 2, 0, 1, 2])
Y_PRED = np.array([0, 1, 1, 1, 2, 2, 0, 0, 1, 2])

# name -> a call drawing the picture with the keywords given
DRAW = {
    "plot_loss": lambda **kw: plots.plot_loss(HISTORY, **kw),
    "plot_lr_range": lambda **kw: plots.plot_lr_range(_lr_test(), **kw),
    "plot_model_selection": lambda **kw: plots.plot_model_selection(M, V, best=(4, 0.2), **kw),
    "plot_confusion_matrix": lambda **kw: plots.plot_confusion_matrix(Y_TRUE, Y_PRED, **kw),
}


def test_the_loss_curve_drawn_into_a_subplot(tmp_path):
    _fig, left, right = _two_subplots()
    assert plots.plot_loss(HISTORY, ax=left) is left
    training, validation = left.lines[:2]
    np.testing.assert_array_equal(training.get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(training.get_ydata(), HISTORY["loss"])
    np.testing.assert_array_equal(validation.get_ydata(), HISTORY["val_loss"])
    best = 1 + int(np.argmin(HISTORY["val_loss"]))  # the dotted line at epoch 3
    np.testing.assert_array_equal(left.lines[2].get_xdata(), [best, best])
    assert len(left.lines) == 3 and left.get_legend() is not None
    assert left.get_title() == "Training and validation loss"
    _untouched(right)
    assert list(tmp_path.iterdir()) == []


def test_the_lr_range_test_drawn_into_a_subplot(tmp_path):
    _fig, left, right = _two_subplots()
    test = _lr_test()
    assert plots.plot_lr_range(test, ax=left) is left
    raw, smoothed, suggested, point = left.lines
    np.testing.assert_array_equal(raw.get_xdata(), test.lrs)
    np.testing.assert_array_equal(raw.get_ydata(), test.losses)
    np.testing.assert_array_equal(smoothed.get_ydata(), test.smoothed)
    np.testing.assert_array_equal(suggested.get_xdata(), [test.suggested_lr] * 2)
    np.testing.assert_array_equal(point.get_ydata(), [test.smoothed[5]])
    assert left.get_xscale() == "log" and right.get_xscale() == "linear"
    _untouched(right)
    assert list(tmp_path.iterdir()) == []


def test_the_model_selection_drawn_into_a_subplot(tmp_path):
    _fig, left, right = _two_subplots()
    assert plots.plot_model_selection(M, V, best=(4, 0.2), ax=left) is left
    runs, star = left.collections  # every run inside the axis (1.6 x the largest quartile)
    assert runs.get_offsets().shape == (V.size, 2)
    np.testing.assert_array_equal(np.sort(runs.get_offsets()[:, 1]), np.sort(V.ravel()))
    np.testing.assert_array_equal(star.get_offsets(), [[4, 0.2]])
    (line,) = left.lines  # the best start per size, from the smallest size up
    np.testing.assert_array_equal(line.get_xdata(), [1.0, 2.0, 4.0])
    np.testing.assert_array_equal(line.get_ydata(), [0.8, 0.4, 0.2])
    upper_quartile = max(np.percentile(row, 75) for row in V)
    assert left.get_ylim() == pytest.approx((0.0, 1.6 * upper_quartile))
    _untouched(right)
    assert list(tmp_path.iterdir()) == []


def test_the_confusion_matrix_drawn_into_a_subplot_with_its_colour_bar_beside_it(tmp_path):
    fig, left, right = _two_subplots()
    box = left.get_position()  # the room of the left subplot, before the colour bar
    assert plots.plot_confusion_matrix(Y_TRUE, Y_PRED, normalize=True, ax=left) is left
    counts = np.zeros((3, 3), dtype=int)
    for t, p in zip(Y_TRUE, Y_PRED, strict=True):
        counts[t, p] += 1
    fractions = counts / counts.sum(axis=1, keepdims=True)
    (image,) = left.images
    np.testing.assert_allclose(image.get_array(), fractions, rtol=1e-15)
    assert len(left.texts) == 9
    assert left.texts[1].get_text() == f"{counts[0, 1]}\n{fractions[0, 1]:.0%}"
    assert left.get_title().endswith(f"(accuracy {np.mean(Y_TRUE == Y_PRED):.1%}, 10 examples)")
    # the colour bar: one more Axes, inside the left subplot's room, clear of the right one
    (bar,) = [ax for ax in fig.axes if ax not in (left, right)]
    assert box.x0 <= left.get_position().x0 and bar.get_position().x1 <= box.x1 + 1e-9
    assert bar.get_position().x1 < right.get_position().x0
    _untouched(right)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("name", "figsize", "tight"), [
    ("plot_loss", (8, 5), False), ("plot_lr_range", (8, 5), False),
    ("plot_model_selection", (7.0, 4.5), True), ("plot_confusion_matrix", (6.0, 5.0), True)])
def test_the_file_holds_the_drawing_into_an_axes(tmp_path, name, figsize, tight):
    _same_drawing(tmp_path, DRAW[name], figsize, tight)


@pytest.mark.parametrize("name", sorted(DRAW))
def test_a_wrong_ax_is_refused_naming_it(tmp_path, name):
    from matplotlib.figure import Figure

    for wrong in ("left", Figure(), [None]):
        with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes.*got .*\((str|"
                                            r"Figure|list)\)"):
            DRAW[name](ax=wrong)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(DRAW))
def test_with_path_and_ax_the_whole_figure_is_written(tmp_path, name):
    fig, left, right = _two_subplots()
    right.plot([0, 1], [1, 0])  # the caller's own drawing, in the file too
    out = DRAW[name](ax=left, path=tmp_path / "both.png")
    assert out == tmp_path / "both.png"
    assert _pixels(out).shape[:2] == (400, 1000)  # the 10 x 4 inch figure, not the default
    fig.savefig(tmp_path / "reference.png")
    np.testing.assert_array_equal(_pixels(out), _pixels(tmp_path / "reference.png"))


@pytest.mark.parametrize("name", sorted(DRAW))
def test_a_callers_constrained_layout_is_kept(name):
    """tight_layout on the caller's figure would replace its layout engine."""
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    fig, left, _right = _two_subplots(layout="constrained")
    DRAW[name](ax=left)
    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)


@pytest.mark.parametrize("name", sorted(DRAW))
def test_without_path_or_ax_a_pyplot_figure_is_returned_unsaved(tmp_path, monkeypatch, name):
    import matplotlib
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    backend = matplotlib.get_backend()
    before = plt.get_fignums()
    ax = DRAW[name]()
    try:
        assert ax.figure.number not in before and ax in ax.figure.axes
        assert ax.lines or ax.images
        assert matplotlib.get_backend() == backend
    finally:
        plt.close(ax.figure)
    assert list(tmp_path.iterdir()) == []


def test_the_size_of_a_new_confusion_figure_is_refused_with_ax():
    _fig, left, _right = _two_subplots()
    with pytest.raises(ValueError, match=r"^size sets the size of a new figure.*ax"):
        plots.plot_confusion_matrix(Y_TRUE, Y_PRED, size=(4, 4), ax=left)
    _untouched(left)


# --- pictures of panels side by side: one Axes of the caller's per panel ------------------

PANELS = [plots.Panel("curves", lines={"a": [3.0, 1.0, 2.0], "b": ([1, 2, 3], [0.5, 0.7, 0.2])},
                      points={"data": ([1.5, 2.5], [1.0, 2.0])}, xlabel="x", ylabel="y"),
          plots.Panel("one curve", lines={"c": ([0.1, 1.0, 10.0], [1.0, 0.1, 0.01])},
                      log_x=True, log_y=True)]
X2 = np.array([[-1.0, 0.5], [-2.0, -1.0], [1.0, 1.0], [2.0, -0.5], [0.5, 2.0]])
Y2 = (X2[:, 0] > 0).astype(int)
REGIONS = [("sign of x1", lambda grid: (grid[:, 0] > 0).astype(int), X2, Y2),
           ("sign of x2", lambda grid: (grid[:, 1] > 0).astype(int), X2, Y2)]
DRAW_PANELS = {
    "plot_panels": lambda panels, **kw: plots.plot_panels(PANELS[:panels], **kw),
    "plot_decision_regions": lambda panels, **kw: plots.plot_decision_regions(
        REGIONS[:panels], resolution=20, **kw),
}


def test_a_panel_drawn_into_a_subplot(tmp_path):
    _fig, left, right = _two_subplots()
    assert plots.plot_panels(PANELS[:1], ax=left) is left
    a, b = left.lines
    np.testing.assert_array_equal(a.get_xdata(), [1, 2, 3])  # a bare y: against 1, 2, ...
    np.testing.assert_array_equal(a.get_ydata(), PANELS[0].lines["a"])
    np.testing.assert_array_equal(b.get_ydata(), PANELS[0].lines["b"][1])
    (points,) = left.collections
    np.testing.assert_array_equal(points.get_offsets(), np.transpose(PANELS[0].points["data"]))
    assert left.get_title() == "curves" and left.get_xlabel() == "x"
    assert len(left.get_legend().get_texts()) == 3
    _untouched(right)
    assert list(tmp_path.iterdir()) == []


def test_panels_drawn_into_two_of_three_subplots():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(12, 4))
    axes = fig.subplots(1, 3)
    assert plots.plot_panels(PANELS, ax=axes[:2]) == [axes[0], axes[1]]
    np.testing.assert_array_equal(axes[1].lines[0].get_ydata(), [1.0, 0.1, 0.01])
    assert axes[1].get_xscale() == "log" and axes[1].get_yscale() == "log"
    assert fig._suptitle is None
    _untouched(axes[2])


def test_decision_regions_drawn_into_a_subplot(tmp_path):
    _fig, left, right = _two_subplots()
    assert plots.plot_decision_regions(REGIONS[:1], resolution=20, ax=left) is left
    _regions, *points = left.collections  # the filled regions, then one scatter per class
    assert len(points) == 2
    for c, scatter in enumerate(points):
        np.testing.assert_array_equal(scatter.get_offsets(), X2[Y2 == c])
    # the grid spans the points with a quarter of their range on every side
    span = X2.max(axis=0) - X2.min(axis=0)
    assert left.get_xlim() == pytest.approx((X2[:, 0].min() - span[0] / 4,
                                             X2[:, 0].max() + span[0] / 4))
    assert left.get_title() == "sign of x1" and left.get_xlabel() == "feature 1"
    _untouched(right)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", sorted(DRAW_PANELS))
def test_the_panels_file_holds_the_drawing_into_axes(tmp_path, name):
    """Two panels: the path-only call writes the drawing into the two Axes of a figure
    of its size, laid out tight."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    written = DRAW_PANELS[name](2, path=tmp_path / "file.png")
    fig = Figure(figsize=(10.0, 3.8) if name == "plot_panels" else (8.0, 4.0), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(1, 2)
    assert DRAW_PANELS[name](2, ax=axes) == list(axes)
    fig.tight_layout()
    fig.savefig(tmp_path / "reference.png")
    np.testing.assert_array_equal(_pixels(written), _pixels(tmp_path / "reference.png"))


@pytest.mark.parametrize("name", sorted(DRAW_PANELS))
def test_the_axes_of_panels_are_checked(tmp_path, name):
    from matplotlib.figure import Figure

    _fig, left, right = _two_subplots()
    draw = DRAW_PANELS[name]
    with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes.*\(str\)"):
        draw(1, ax="left")
    with pytest.raises(TypeError, match=r"^ax\[1\] must be a matplotlib Axes.*\(NoneType\)"):
        draw(2, ax=[left, None])
    with pytest.raises(ValueError, match=r"^ax must hold one Axes per panel, 2 here, got 1"):
        draw(2, ax=left)
    with pytest.raises(ValueError, match=r"^title is the title over the panels of a new"):
        draw(2, ax=[left, right], title="both")
    other = Figure().add_subplot()
    with pytest.raises(ValueError, match=r"^ax: the 2 Axes are in 2 figures"):
        draw(2, ax=[left, other], path=tmp_path / "p.png")
    assert draw(2, ax=[left, other]) == [left, other]  # unsaved: any figures
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match=r"^panel_inches sizes the panels of a new figure"):
        plots.plot_panels(PANELS[:1], ax=right, panel_inches=(2, 2))


@pytest.mark.parametrize("name", sorted(DRAW_PANELS))
def test_panels_with_path_and_ax_write_the_whole_figure(tmp_path, name):
    fig, left, right = _two_subplots(layout="constrained")
    out = DRAW_PANELS[name](1, ax=left, path=tmp_path / "both.png")
    assert out == tmp_path / "both.png" and _pixels(out).shape[:2] == (400, 1000)
    from matplotlib.layout_engine import ConstrainedLayoutEngine

    assert isinstance(fig.get_layout_engine(), ConstrainedLayoutEngine)
    _untouched(right)


@pytest.mark.parametrize("name", sorted(DRAW_PANELS))
def test_panels_without_path_or_ax_are_a_pyplot_figure(tmp_path, monkeypatch, name):
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    axes = DRAW_PANELS[name](2)
    try:
        assert len(axes) == 2 and axes[0].figure is axes[1].figure
        assert axes[0].figure.number in plt.get_fignums()
    finally:
        plt.close(axes[0].figure)
    assert list(tmp_path.iterdir()) == []


def test_panels_without_path_on_a_backend_without_a_pixel_renderer():
    """A pyplot figure of the svg backend: the legends are placed (and a covering one
    moved) through the figure's own renderer; the svg canvas has no get_renderer."""
    import matplotlib.pyplot as plt

    backend = plt.get_backend()
    plt.switch_backend("svg")
    try:
        covered = plots.Panel("covered", lines={"up": [1.0, 2.0, 3.0], "down": [3.0, 2.0, 1.0],
                                                "middle": [2.0, 2.0, 2.0]})
        (ax,) = plots.plot_panels([covered])
        assert type(ax.figure.canvas).__name__ == "FigureCanvasSVG"
        assert len(ax.lines) == 3 and ax.get_legend() is not None
        plt.close(ax.figure)
    finally:
        plt.switch_backend(backend)


def test_a_failed_decision_regions_call_leaves_no_pyplot_figure(tmp_path, monkeypatch):
    """The second panel's X has one column: the ValueError comes after the first panel is
    drawn; no half-drawn figure of the call's may stay in pyplot's list (a notebook would
    show it under the error, and a loop of such calls would pile them up)."""
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    title, model, X, y = REGIONS[0]
    before = plt.get_fignums()
    for bad in ((f"{title}, one column", model, X[:, :1], y), (title, model, X, y[:3])):
        with pytest.raises(ValueError, match=r"panels\[1\]"):
            plots.plot_decision_regions([REGIONS[0], bad], resolution=10)
        assert plt.get_fignums() == before
    axes = plots.plot_decision_regions(REGIONS[:1], resolution=10)  # a good call: kept
    assert plt.get_fignums() == [*before, axes[0].figure.number]
    plt.close(axes[0].figure)
