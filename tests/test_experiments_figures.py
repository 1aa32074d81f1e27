"""The experiments' pictures draw their results: the numbers are read back from the
matplotlib Figure (captured where it is saved) and compared with the result's own
fields and with values computed here."""

from __future__ import annotations

import numpy as np

from chainrule.experiments import free_fall
from plot_helpers import drawn_figure


def test_free_fall_error_lines_run_from_the_fewest_units_up(monkeypatch, tmp_path):
    """Architectures given 3, 1, 2 tanh units drew the error line 3 -> 1 -> 2, back and
    forth; it runs 1 -> 2 -> 3, each point the RMS error of its own architecture,
    written out here against the law g t^2 / 2 on 201 times of the sampled range."""
    result = free_fall(architectures=[("tanh", 3, True), ("tanh", 1, True), ("tanh", 2, True)],
                       starts=1, maxiter=30)
    fig = drawn_figure(monkeypatch, lambda: result.plot(tmp_path / "f.png"))
    lines = {line.get_label(): line for line in fig.axes[1].get_lines()}
    np.testing.assert_array_equal(lines["tanh"].get_xdata(), [1, 2, 3])
    t = np.linspace(0, result.t_max, 201)[:, None]
    by_units = {r.hidden: r for r in result.rows}
    expected = [np.sqrt(np.mean((by_units[m].network.predict(t)[:, 0]
                                 - 0.5 * result.g * t[:, 0] ** 2) ** 2)) for m in (1, 2, 3)]
    np.testing.assert_allclose(lines["tanh"].get_ydata(), expected, rtol=1e-12)


def test_pen_strokes_picture_draws_and_names_the_filters_shown(monkeypatch, tmp_path):
    """examples/digit_pen_strokes.py draws --show of the --hidden filters; its title said
    nothing of the units left out.  Each tile is a hidden unit's input weights (W1's
    column) as an 8x8 image, read back here from the network of the autoencoder fitted."""
    import runpy
    from pathlib import Path

    import chainrule as cr

    fitted = []
    real_fit = cr.SparseAutoencoder.fit

    def fit(self, *args, **kwargs):
        fitted.append(self)
        return real_fit(self, *args, **kwargs)

    monkeypatch.setattr(cr.SparseAutoencoder, "fit", fit)
    script = Path(__file__).resolve().parents[1] / "examples" / "digit_pen_strokes.py"
    monkeypatch.setattr("sys.argv", [str(script), "--data", "digits8", "--images", "100",
                                     "--iters", "5", "--hidden", "12", "--show", "9",
                                     "--out", str(tmp_path / "p.png")])
    fig = drawn_figure(monkeypatch, lambda: runpy.run_path(str(script), run_name="__main__"))
    assert fig._suptitle.get_text() == ("Pen strokes: sparse autoencoder on 8x8 digits "
                                        "(first 9 of 12 units)")
    (ae,) = fitted
    W1 = ae.network_.layers[0].W  # (64 pixels, 12 units)
    tiles = [ax.get_images()[0].get_array() for ax in fig.axes]
    assert len(tiles) == 9
    for j, tile in enumerate(tiles):
        np.testing.assert_array_equal(tile, W1[:, j].reshape(8, 8))


def test_self_taught_bars_draw_the_accuracies_and_times_printed(monkeypatch, tmp_path):
    """examples/self_taught_digits.py labels each bar with its accuracy and fit time; a
    time under 10 s was rounded to whole seconds ('0 s' for a softmax fit of 0.3 s)."""
    import runpy
    from pathlib import Path

    from chainrule.autoencoder import _self_taught

    results = []
    real = _self_taught.self_taught_learning

    def run(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    monkeypatch.setattr("chainrule.autoencoder.self_taught_learning", run)
    script = Path(__file__).resolve().parents[1] / "examples" / "self_taught_digits.py"
    monkeypatch.setattr("sys.argv", [str(script), "--data", "digits8", "--iters", "5",
                                     "--hidden", "8", "--out", str(tmp_path / "s.png")])
    fig = drawn_figure(monkeypatch, lambda: runpy.run_path(str(script), run_name="__main__"))
    (result,) = results
    ax = fig.axes[0]
    keys = ["raw", "self_taught", "stacked_pretrained", "stacked"]
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, [result.accuracy[k] for k in keys])
    texts = [t.get_text() for t in ax.texts]
    assert texts == [f"{result.accuracy[k]:.3f}\n{result.seconds[k]:.1f} s" for k in keys]
    assert all(result.seconds[k] < 10 for k in keys)  # a small run: every time has a decimal
