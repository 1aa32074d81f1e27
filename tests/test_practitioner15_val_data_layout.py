"""``train --val-data`` of flat rows beside DATA of images (and the other way round).

``predict`` and ``evaluate`` take a model of images either as images or as flat rows of
their pixels, but ``--val-data`` refused a file of rows beside DATA of images (and
images beside DATA's rows with ``--input-shape``) with ``--val-data v.npz: rows; DATA
d.npz holds images of shape 1 x 6 x 6``.  Now rows of the images' width validate as
their pixels, and images beside DATA's rows are checked against ``--input-shape``.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from chainrule.cli import main

LAYERS = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3},
          {"type": "AvgPool2D", "size": 2}, {"type": "Flatten"}]


@pytest.fixture()
def files(tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(50, 1, 6, 6))
    y = np.digitize(X[:, 0, :3].sum(axis=(1, 2)), [-1.5, 1.5])  # 3 classes: softmax
    V = rng.normal(size=(20, 1, 6, 6))
    v = np.digitize(V[:, 0, :3].sum(axis=(1, 2)), [-1.5, 1.5])
    np.savez(tmp_path / "img.npz", X=X, y=y)
    np.savez(tmp_path / "rows.npz", X=X.reshape(50, -1), y=y)
    np.savez(tmp_path / "val_img.npz", X=V, y=v)
    np.savez(tmp_path / "val_rows.npz", X=V.reshape(20, -1), y=v)
    return tmp_path, V, v


def _torch_val_loss(path, V, v):
    """Mean cross-entropy of the saved CNN on V: a PyTorch forward of its weights."""
    torch = pytest.importorskip("torch")
    z = np.load(path)
    meta = json.loads(str(z["__meta__"]))
    p, md = z["params"], meta["metadata"]
    x = (V.reshape(len(V), -1) - np.array(md["x_mean"])) / np.array(md["x_scale"])
    x = torch.tensor(x).reshape(len(V), 1, 6, 6)
    W, b = torch.tensor(p[:18]).reshape(2, 1, 3, 3), torch.tensor(p[18:20])
    h = torch.nn.functional.avg_pool2d(torch.relu(torch.nn.functional.conv2d(x, W, b)), 2)
    h = h.reshape(len(V), -1)  # 2 x 2 x 2 = 8
    W2, b2 = torch.tensor(p[20:44]).reshape(8, 3), torch.tensor(p[44:47])
    assert len(p) == 47
    return float(torch.nn.functional.cross_entropy(h @ W2 + b2, torch.tensor(v)))


@pytest.mark.parametrize(("data", "val", "shape"), [
    ("img.npz", "val_rows.npz", []),
    ("rows.npz", "val_img.npz", ["--input-shape", "1", "6", "6"]),
    ("img.npz", "val_img.npz", [])])
def test_either_layout_validates_as_the_same_pixels(files, capsys, data, val, shape):
    d, V, v = files
    out = d / "m.npz"
    code = main(["train", str(d / data), "--val-data", str(d / val), *shape, "--layers",
                 json.dumps(LAYERS), "--epochs", "3", "-q", "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    meta = json.loads(str(np.load(out)["__meta__"]))["metadata"]
    assert meta["history"]["val_loss"][-1] == pytest.approx(_torch_val_loss(out, V, v),
                                                            rel=1e-12)


def test_images_of_another_shape_than_input_shape_are_refused(files, capsys):
    d = files[0]
    layers = json.dumps([*LAYERS[:1], {"type": "Flatten"}])
    code = main(["train", str(d / "rows.npz"), "--val-data", str(d / "val_img.npz"),
                 "--input-shape", "4", "3", "3", "--layers", layers, "--epochs", "1", "-q",
                 "-o", str(d / "m.npz")])
    assert code == 2
    assert capsys.readouterr().err.strip().endswith(
        "images of shape 1 x 6 x 6; --input-shape 4 3 3 takes DATA's rows as images of "
        "shape 4 x 3 x 3 (C x H x W)")


def test_channels_last_images_beside_rows_name_the_transpose(files, capsys):
    d, V, v = files
    np.savez(d / "val_last.npz", X=np.moveaxis(V, 1, -1), y=v)  # (n, 6, 6, 1)
    code = main(["train", str(d / "rows.npz"), "--val-data", str(d / "val_last.npz"),
                 "--input-shape", "1", "6", "6", "--layers", json.dumps(LAYERS), "--epochs",
                 "1", "-q", "-o", str(d / "m.npz")])
    assert code == 2
    assert "save X = np.moveaxis(X, -1, 1), of shape n x 1 x 6 x 6" in capsys.readouterr().err
