"""Reading a picture back: the matplotlib Figure a chainrule picture function saves."""

from __future__ import annotations

from collections.abc import Callable

from chainrule import plots


def drawn_figure(monkeypatch, draw: Callable[[], object]):
    """The matplotlib Figure that ``draw()`` saves (captured at ``plots._save``), for the
    tests to read the numbers drawn back from it."""
    captured = []
    real_save = plots._save

    def save(fig, path):
        captured.append(fig)
        return real_save(fig, path)

    monkeypatch.setattr(plots, "_save", save)
    draw()
    (fig,) = captured
    return fig
