"""``chainrule hessian`` on a model file of a small CNN (Conv2D, MaxPool2D, Flatten, Dense):
its eigenvalues against np.linalg.eigvalsh of the whole Hessian by central differences of
the loaded network's gradient, and J against loss_and_grad on the same images."""

from __future__ import annotations

import json

import numpy as np

from chainrule.saved_model import SavedModel
from file_helpers import cli_out


def test_a_cnn_model_file_gets_its_hessian_eigenvalues(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.uniform(size=(30, 1, 6, 6)), np.arange(30) % 3
    np.savez(tmp_path / "img.npz", X=X, y=y)
    (tmp_path / "cnn.json").write_text(json.dumps(
        [{"type": "Conv2D", "out_channels": 2, "kernel_size": 3, "activation": "tanh"},
         {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"}]))
    model = tmp_path / "cnn.npz"
    cli_out(capsys, ["train", tmp_path / "img.npz", "--layers", tmp_path / "cnn.json",
                     "--epochs", "3", "-q", "-o", model])
    f = json.loads(cli_out(capsys, ["hessian", model, tmp_path / "img.npz", "--k", "3",
                                    "--which", "LM", "--json"]))
    saved = SavedModel.load(str(model))
    net, meta = saved.network, saved.metadata
    # the images as the model was trained on them: standardised by the file's mean and scale
    # (one per pixel, flat), in NumPy here
    X = ((X.reshape(30, -1) - np.asarray(meta["x_mean"])) / np.asarray(meta["x_scale"])
         ).reshape(X.shape)
    J, _ = net.loss_and_grad(X, y)
    assert abs(f["J"] - J) < 1e-12  # the same images and targets as here
    theta, eps, n = net.params.copy(), 1e-5, net.n_params
    H = np.empty((n, n))
    for i in range(n):  # column i: central differences of the gradient along e_i
        for sign in (1, -1):
            net.params[...] = theta
            net.params[i] += sign * eps
            H[:, i] = (H[:, i] if sign == -1 else 0) + sign * net.loss_and_grad(X, y)[1]
    H /= 2 * eps
    lam = np.linalg.eigvalsh((H + H.T) / 2)
    ref = lam[np.argsort(-np.abs(lam))][:3]
    np.testing.assert_allclose(f["eigenvalues"], ref, rtol=1e-6, atol=1e-8)
