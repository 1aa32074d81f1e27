"""``importance`` of an MLP trained on images refuses their flat rows as it refuses them.

importance refuses a model of images (a CNN) and DATA of images, a pixel shuffled alone
saying little while its neighbours carry the same signal.  An MLP trained on an NPZ file
of images (it records ``image_shape``) was refused given the images, but the same pixels
as flat rows were shuffled one by one: the answer hung on DATA's layout, not the model.
"""

from __future__ import annotations

import numpy as np

from chainrule.cli import main


def test_an_mlp_of_images_is_refused_whatever_datas_layout(tmp_path, capsys):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 1, 4, 4))
    y = (X[:, 0, 0, 0] > 0).astype(int)
    np.savez(tmp_path / "img.npz", X=X, y=y)
    np.savez(tmp_path / "rows.npz", X=X.reshape(40, -1), y=y)
    model = tmp_path / "m.npz"
    assert main(["train", str(tmp_path / "img.npz"), "--hidden", "3", "--epochs", "1", "-q",
                 "-o", str(model)]) == 0
    capsys.readouterr()
    for data in ("img.npz", "rows.npz"):
        assert main(["importance", str(model), str(tmp_path / data), "-q"]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"chainrule: error: {model}: the model takes images of "
                              "1 x 4 x 4 (16 pixels); importance shuffles one feature")
    # a model of flat rows, given flat rows, is scored as before
    assert main(["train", str(tmp_path / "rows.npz"), "--hidden", "3", "--epochs", "1", "-q",
                 "-o", str(tmp_path / "r.npz")]) == 0
    assert main(["importance", str(tmp_path / "r.npz"), str(tmp_path / "rows.npz"),
                 "-q", "--repeats", "1"]) == 0
