"""Pictures, written as PNG files.  matplotlib is imported only when a picture is drawn."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

__all__ = ["plot_loss"]


def _figure(figsize: tuple[float, float]):
    """A matplotlib Figure on the Agg canvas: no display, no global pyplot state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_loss(
    history: Mapping[str, Sequence[float]],
    path: str | Path,
    title: str = "Training and validation loss",
    log_scale: bool | None = None,
) -> Path:
    """Training (and validation) loss per epoch as a PNG.

    Parameters
    ----------
    history : mapping with "loss" and optionally "val_loss"
        E.g. the :class:`~chainrule.training.History` returned by ``train``.
    path : str or Path
        Output file (PNG), 800 x 500 pixels.
    title : str
    log_scale : bool, optional
        Logarithmic loss axis; by default when the loss spans more than two decades.

    Returns
    -------
    Path
        The file written.
    """
    loss = list(history.get("loss", []))
    if not loss:
        raise ValueError("history has no 'loss' values to plot")
    val = list(history.get("val_loss", []))
    fig = _figure((8, 5))
    ax = fig.add_subplot()
    epochs = range(1, len(loss) + 1)
    ax.plot(epochs, loss, label="training loss", color="tab:blue")
    if val:
        ax.plot(range(1, len(val) + 1), val, label="validation loss", color="tab:orange")
        best = min(range(len(val)), key=val.__getitem__)
        ax.axvline(best + 1, color="tab:orange", ls=":", lw=1,
                   label=f"best validation (epoch {best + 1})")
    values = [v for v in loss + val if v > 0]
    if log_scale is None:
        log_scale = bool(values) and max(values) / min(values) > 100
    if log_scale:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path
