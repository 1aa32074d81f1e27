"""``plot loss``'s (and ``train --plot``'s) title is drawn whole: a regression model's,
"Training and validation cost on dia_train.csv (mean squared_error on the standardised
target)", 93 characters on one line, ran past both edges of the 8-inch picture.  The
title's extent is measured by matplotlib's renderer against the figure's own."""

from __future__ import annotations

import numpy as np
import pandas as pd

from chainrule.cli import main


def test_a_long_loss_title_fits_the_picture(tmp_path, saved_figures):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=60)})
    frame["y"] = 3 * frame["a"] + rng.normal(0, 0.1, 60)
    data = tmp_path / "a_regression_data_file.csv"
    frame.to_csv(data, index=False)
    model = tmp_path / "m.npz"
    assert main(["train", str(data), "--hidden", "3", "--epochs", "2", "-q", "-o",
                 str(model), "--plot", str(tmp_path / "t.png")]) == 0
    assert main(["plot", "loss", str(model), "-o", str(tmp_path / "p.png")]) == 0
    assert len(saved_figures) == 2
    for fig in saved_figures:  # train --plot, then plot loss
        title = fig.axes[0].title
        assert title.get_text() == (
            "Training and validation cost on a_regression_data_file.csv\n"
            "(mean squared_error on the standardised target)")
        renderer = fig.canvas.get_renderer()
        box, whole = title.get_window_extent(renderer), fig.bbox
        assert whole.x0 <= box.x0 and box.x1 <= whole.x1, (box, whole)
        assert box.y1 <= whole.y1, (box, whole)
