"""``Trace.plot`` / ``plot_step`` with ``ax=``, as every other picture takes it.

They took a path alone.  Now: the path alone writes the file it wrote; ``ax`` alone
draws into the caller's Axes (nothing saved, the Axes returned); both save the caller's
whole figure; neither makes a pyplot figure.  The numbers drawn are the SPEC's worked
example B, by hand: with square units, no biases and learning rate 0.5, the second
layer's new weights are o1 = [70, 154] and o2 = [-31, -72].
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.tracing import trace_preset
from chainrule.tracing.diagram import plot_step


def _agg(figsize):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def _pixels(path) -> np.ndarray:
    import matplotlib.image as mpimg

    return mpimg.imread(path)


def _edge_labels(ax) -> set[str]:
    return {t.get_text().split("\n")[0] for t in ax.texts if "→" in t.get_text()
            and "(grad" in t.get_text() and "net" not in t.get_text()}


def test_ax_alone_draws_example_b_into_the_callers_axes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    trace = trace_preset("integer-example")
    fig = _agg((12, 5))
    left, right = fig.subplots(1, 2)
    assert trace.plot(ax=left, title="example B") is left
    assert list(tmp_path.iterdir()) == []  # nothing saved
    assert left.get_title() == "example B" and fig.get_suptitle() == ""
    assert not left.axison
    # the second layer's weights w -> w_new of example B (SPEC 10 B), worked by hand
    assert {"2 → 70", "1 → 154", "1 → -31", "0 → -72"} <= _edge_labels(left)
    assert not (right.texts or right.lines)  # the other subplot untouched


def test_path_alone_writes_the_drawing_into_an_axes_of_its_figure(tmp_path):
    """The file is the picture ax= draws into an Axes placed as the file's own (0.01 to
    0.99 of a figure 3.3 inches wide per column of units and 1.5 inches tall per unit
    of the widest column, plus 0.8 for the caption)."""
    trace = trace_preset("integer-example")
    written = trace.plot(tmp_path / "file.png")
    assert written == tmp_path / "file.png"
    fig = _agg((3.3 * 3, 1.5 * 2 + 0.8))
    ax = fig.add_axes((0.01, 0.01, 0.98, 0.98))
    assert plot_step(trace.step, ax=ax) is ax
    fig.savefig(tmp_path / "reference.png")
    np.testing.assert_array_equal(_pixels(written), _pixels(tmp_path / "reference.png"))


def test_path_and_ax_save_the_callers_whole_figure(tmp_path):
    trace = trace_preset("transfer-example")
    fig = _agg((14, 6))
    left, right = fig.subplots(1, 2)
    right.plot([0, 1], [1, 0])
    assert trace.plot(tmp_path / "both.png", ax=left) == tmp_path / "both.png"
    fig.savefig(tmp_path / "again.png")
    np.testing.assert_array_equal(_pixels(tmp_path / "both.png"),
                                  _pixels(tmp_path / "again.png"))
    assert _pixels(tmp_path / "both.png").shape[:2] == (600, 1400)


def test_neither_draws_a_new_pyplot_figure(tmp_path, monkeypatch):
    import matplotlib
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    backend = matplotlib.get_backend()
    before = plt.get_fignums()
    ax = trace_preset("integer-example").plot()
    try:
        assert ax.figure.number not in before and plt.gcf() is ax.figure
        assert matplotlib.get_backend() == backend
        np.testing.assert_allclose(ax.figure.get_size_inches(), [3.3 * 3, 1.5 * 2 + 0.8])
        assert {"2 → 70", "0 → -72"} <= _edge_labels(ax)
        assert list(tmp_path.iterdir()) == []
    finally:
        plt.close(ax.figure)


def test_a_pdf_figure_of_the_caller_is_drawn_into(tmp_path):
    """The labels' boxes are measured with the figure's renderer, of any canvas: a pdf
    canvas has no get_renderer."""
    from matplotlib.backends.backend_pdf import FigureCanvasPdf
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4))
    FigureCanvasPdf(fig)
    ax = fig.add_subplot()
    assert trace_preset("integer-example").plot(tmp_path / "b.pdf", ax=ax) == tmp_path / "b.pdf"
    assert (tmp_path / "b.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("ax", ["left", 3, [None]])
def test_an_ax_that_is_no_axes_is_refused_by_name(ax, tmp_path):
    with pytest.raises(TypeError, match=r"^ax must be a matplotlib Axes"):
        trace_preset("integer-example").plot(tmp_path / "x.png", ax=ax)
    assert not (tmp_path / "x.png").exists()
