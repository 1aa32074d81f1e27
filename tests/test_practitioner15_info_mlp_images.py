"""``info`` of an MLP trained on an NPZ file of images names their shape.

Such a model records ``image_shape`` and ``predict`` and ``evaluate`` refuse images of
another shape (or layout) by it, but ``info`` showed only ``features (60): x0, x1, ...``,
so a user could not see which images the model takes before a refusal told them.
"""

from __future__ import annotations

import numpy as np

from chainrule.cli import main


def test_info_names_the_images_an_mlp_takes(tmp_path, capsys):
    rng = np.random.default_rng(2)
    np.savez(tmp_path / "img.npz", X=rng.normal(size=(30, 3, 4, 5)), y=np.arange(30) % 2)
    np.savez(tmp_path / "rows.npz", X=rng.normal(size=(30, 60)), y=np.arange(30) % 2)
    for name in ("img", "rows"):
        assert main(["train", str(tmp_path / f"{name}.npz"), "--hidden", "2", "--epochs", "1",
                     "-q", "-o", str(tmp_path / f"{name}-m.npz")]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "img-m.npz")]) == 0
    lines = capsys.readouterr().out.splitlines()
    at = lines.index(next(s for s in lines if s.startswith("features (60)")))
    assert lines[at + 1] == ("images 3 x 4 x 5 (C x H x W), taken as rows of 60 pixels: "
                             "predict and evaluate refuse images of another shape")
    assert main(["info", str(tmp_path / "rows-m.npz")]) == 0  # flat rows: no images said
    assert not any(s.startswith("images ") for s in capsys.readouterr().out.splitlines())
