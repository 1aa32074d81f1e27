"""``chainrule gradcheck --model`` of a network with BatchNorm: which mode is checked.

The check was in evaluation mode (BatchNorm's running statistics) without saying so,
and the training-mode gradient, with the batch's statistics, could not be checked from
the command line.  The references: the cost J of either mode computed here in NumPy
(tanh layer, batch normalisation written out, softmax cross-entropy), which the
command's "cost J =" line must equal, the mode's backward pass then passing against
central differences of that same cost.
"""

from __future__ import annotations

import re

import numpy as np
import pytest

import chainrule as cr
from chainrule import BatchNorm, Conv2D, Dense, Dropout, Network
from chainrule.cli import main
from chainrule.pooling import Flatten


@pytest.fixture
def bn_file(tmp_path):
    """A 4-6-3 network: tanh, BatchNorm (learned gamma, beta and running statistics that
    are not the batch's), Dropout(0.3), softmax; and a CSV of 8 examples."""
    rng = np.random.default_rng(3)
    net = Network([Dense(4, 6, "tanh", seed=1), BatchNorm(6), Dropout(0.3),
                   Dense(6, 3, "softmax", seed=2)], loss="cross_entropy")
    bn = net.layers[1]
    bn.gamma[:] = rng.uniform(0.5, 1.5, 6)
    bn.beta[:] = rng.normal(scale=0.3, size=6)
    bn.running_mean[:] = rng.normal(scale=0.2, size=6)
    bn.running_var[:] = rng.uniform(0.2, 0.8, 6)
    path = tmp_path / "bn.npz"
    net.save(path)
    X = np.round(rng.normal(size=(8, 4)), 6)
    y = np.arange(8) % 3
    data = tmp_path / "d.csv"
    data.write_text("a,b,c,d,y\n" + "".join(",".join(map(repr, row.tolist())) + f",{t}\n"
                                          for row, t in zip(X, y, strict=True)))
    return path, data, net, X, y


def _cost(net, X, y, training: bool) -> float:
    W1, b1 = net.layers[0].W, net.layers[0].b
    bn = net.layers[1]
    W2, b2 = net.layers[3].W, net.layers[3].b
    H = np.tanh(X @ W1 + b1)
    mean, var = (H.mean(axis=0), H.var(axis=0)) if training else (bn.running_mean,
                                                                  bn.running_var)
    N = bn.gamma * (H - mean) / np.sqrt(var + 1e-5) + bn.beta  # Dropout off
    Z = N @ W2 + b2
    log_p = Z - Z.max(axis=1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(y)), y].mean())


def _printed_cost(out: str) -> float:
    return float(re.search(r"^cost J = (\S+) at these parameters$", out, re.M).group(1))


@pytest.mark.parametrize("training", [False, True])
def test_gradcheck_says_which_mode_it_checks_and_checks_that_cost(bn_file, capsys,
                                                                   training):
    path, data, net, X, y = bn_file
    argv = ["gradcheck", "--model", str(path), "--data", str(data), "--samples", "6"]
    assert main(argv + (["--training"] if training else [])) == 0
    out = capsys.readouterr().out
    expected = _cost(net, X[:6], y[:6], training)
    assert _printed_cost(out) == pytest.approx(expected, rel=1e-13)
    assert abs(_cost(net, X[:6], y[:6], not training) - expected) > 1e-3  # modes differ
    line = ("checked in training mode (BatchNorm normalising with the mean and variance of "
            "these 6 examples, Dropout off)" if training else
            "checked in evaluation mode (BatchNorm normalising with its running statistics, "
            "Dropout off; --training: BatchNorm with the batch's statistics)")
    assert line in out.splitlines()
    assert out.splitlines()[-1].startswith("PASS: relative difference ")
    # the file's running statistics are what they were: the check changed nothing there
    np.testing.assert_array_equal(cr.load(path).layers[1].running_var,
                                  net.layers[1].running_var)


def test_a_wrong_training_mode_gradient_would_fail(bn_file, capsys, monkeypatch):
    """The check is of the training-mode backward pass: an evaluation-mode one (what
    BatchNorm's backward gives with the running statistics' inv_std) fails it."""
    path, data, *_ = bn_file
    real = BatchNorm.backward

    def evaluation_backward(self, grad_out, need_input_grad=True):
        self._batch_stats = False
        self.inv_std = 1.0 / np.sqrt(self.running_var + self.eps)
        return real(self, grad_out, need_input_grad)

    monkeypatch.setattr(BatchNorm, "backward", evaluation_backward)
    assert main(["gradcheck", "--model", str(path), "--data", str(data), "--samples", "6",
                 "--training"]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_training_is_refused_where_it_checks_nothing_else(bn_file, tmp_path, capsys):
    path, *_ = bn_file
    assert main(["gradcheck", "--model", str(path), "--training", "--samples", "1"]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --training: the batch statistics of BatchNorm need 2 or more "
        "examples, got 1 (a single example is normalised with the running statistics, in "
        "training too); give --samples 2 or more\n")
    plain = tmp_path / "plain.npz"
    Network([Dense(4, 3, "tanh", seed=0), Dropout(0.2), Dense(3, 2, "softmax", seed=1)]
            ).save(plain)
    assert main(["gradcheck", "--model", str(plain), "--training"]) == 2
    assert capsys.readouterr().err == (
        f"chainrule: error: --training: checks BatchNorm with the statistics of the batch, and "
        f"the network of {plain} has no BatchNorm layer (Dropout stays off in both modes): "
        "its training mode is its evaluation mode; leave --training out\n")
    assert main(["gradcheck", "--model", str(plain)]) == 0
    assert "checked in evaluation mode (Dropout off)" in capsys.readouterr().out
    assert main(["gradcheck", "--sizes", "4", "3", "--training"]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --training applies only to --model, not to a random MLP (no "
        "--model or --sparse-autoencoder)\n")


def test_an_estimators_batch_norm_network_is_checked_in_either_mode(tmp_path, capsys):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(40, 3)), np.arange(40) % 2
    est = cr.MLPClassifier((5,), batch_norm=True, max_iter=3, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, y)
    est.save(tmp_path / "est.npz")
    for extra, mode in (([], "evaluation"), (["--training"], "training")):
        assert main(["gradcheck", "--model", str(tmp_path / "est.npz"), *extra]) == 0
        assert f"checked in {mode} mode (BatchNorm normalising with" in capsys.readouterr().out


def _conv_bn_file(tmp_path, size: int):
    """A Conv2D(2, 3, 1x1 kernel, tanh), BatchNorm(3) of its images, Flatten, softmax
    network on images of 2 channels of size x size pixels, saved."""
    rng = np.random.default_rng(5)
    net = Network([Conv2D(2, 3, 1, activation="tanh", seed=1), BatchNorm(3), Flatten(),
                   Dense(3 * size * size, 3, "softmax", seed=2)], loss="cross_entropy",
                  input_shape=(2, size, size))
    bn = net.layers[1]
    bn.gamma[:] = rng.uniform(0.5, 1.5, 3)
    bn.beta[:] = rng.normal(scale=0.3, size=3)
    bn.running_mean[:] = rng.normal(scale=0.5, size=3)
    bn.running_var[:] = rng.uniform(0.2, 0.8, 3)
    path = tmp_path / f"conv{size}.npz"
    net.save(path)
    return path, net


def test_training_checks_one_image_of_many_pixels(tmp_path, capsys):
    """BatchNorm of images normalises each channel over the examples and the pixels: one
    image of 3x3 pixels has batch statistics of its own (9 values per channel), and its
    training-mode cost differs from the evaluation-mode one.  --samples 1 was refused as
    if a single example were always normalised with the running statistics."""
    path, net = _conv_bn_file(tmp_path, 3)
    assert main(["gradcheck", "--model", str(path), "--training", "--samples", "1",
                 "--seed", "7"]) == 0
    out = capsys.readouterr().out
    rng = np.random.default_rng(7)  # the command's random example and target
    X = rng.normal(size=(1, 2, 3, 3))
    y = rng.integers(0, 3, size=1)
    conv, bn, dense = net.layers[0], net.layers[1], net.layers[3]
    W = conv.W.reshape(3, 2)  # a 1x1 kernel: each pixel's channels times W
    H = np.tanh(np.einsum("oc,nchw->nohw", W, X) + conv.b.reshape(1, 3, 1, 1))
    mean, var = H.mean(axis=(0, 2, 3)), H.var(axis=(0, 2, 3))  # per channel, 9 values
    N = (bn.gamma[:, None, None] * (H - mean[:, None, None])
         / np.sqrt(var[:, None, None] + 1e-5) + bn.beta[:, None, None])
    Z = N.reshape(1, -1) @ dense.W + dense.b
    expected = float(np.log(np.exp(Z).sum()) - Z[0, y[0]])
    assert _printed_cost(out) == pytest.approx(expected, rel=1e-13)
    evaluation = net.cost(net.params, X, y)[0]
    assert abs(evaluation - expected) > 1e-3  # the modes differ on this one image
    assert ("checked in training mode (BatchNorm normalising with the mean and variance of "
            "this example's pixels)") in out.splitlines()
    assert out.splitlines()[-1].startswith("PASS: relative difference ")
    one_pixel, _ = _conv_bn_file(tmp_path, 1)  # one value per channel: refused as before
    assert main(["gradcheck", "--model", str(one_pixel), "--training", "--samples", "1"]) == 2
    assert "need 2 or more examples, got 1" in capsys.readouterr().err


def test_training_on_a_table_of_one_example_says_so(bn_file, tmp_path, capsys):
    """--samples 5 (the default) on a table of one row: the advice was '--samples 2 or
    more', which was given; the table is what has too few examples."""
    path, data, *_ = bn_file
    one = tmp_path / "one.csv"
    one.write_text("".join(data.read_text().splitlines(keepends=True)[:2]))
    assert main(["gradcheck", "--model", str(path), "--data", str(one), "--training"]) == 2
    assert capsys.readouterr().err == (
        "chainrule: error: --training: the batch statistics of BatchNorm need 2 or more "
        "examples, got 1 (a single example is normalised with the running statistics, in "
        f"training too); {one} has a single example: give a table of 2 or more\n")


def test_training_checks_one_image_of_an_estimators_convolution(tmp_path, capsys):
    """An estimator's network takes images as rows of features (input_shape (2, 3, 3)):
    its BatchNorm of a 2x2 convolution's output still has 4 values per channel in one
    example, and --training --samples 1 checks them as the library's training cost."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 18)), np.arange(30) % 2
    layers = [{"type": "Conv2D", "out_channels": 2, "kernel_size": 2, "activation": "tanh"},
              {"type": "BatchNorm"}, {"type": "Flatten"}]
    est = cr.MLPClassifier(layers=layers, input_shape=(2, 3, 3), max_iter=3, random_state=0)
    with pytest.warns(Warning):
        est.fit(X, y)
    est.save(tmp_path / "conv.npz")
    assert main(["gradcheck", "--model", str(tmp_path / "conv.npz"), "--training",
                 "--samples", "1", "--seed", "2"]) == 0
    out = capsys.readouterr().out
    net = est.network_
    conv, bn, dense = net.layers[0], net.layers[1], net.layers[3]
    r = np.random.default_rng(2)  # the command's random example and 0/1 target
    x = r.normal(size=(1, 18)).reshape(2, 3, 3)
    t = float(r.integers(0, 2, size=(1, 1))[0, 0])
    H = np.empty((2, 2, 2))  # the 2x2 kernels' valid positions, written out
    for o in range(2):
        for i in range(2):
            for j in range(2):
                H[o, i, j] = np.sum(conv.W[o] * x[:, i:i + 2, j:j + 2]) + conv.b.ravel()[o]
    H = np.tanh(H)
    mean, var = H.mean(axis=(1, 2)), H.var(axis=(1, 2))  # per channel, over 4 pixels
    N = (bn.gamma[:, None, None] * (H - mean[:, None, None])
         / np.sqrt(var[:, None, None] + bn.eps) + bn.beta[:, None, None])
    z = float(N.reshape(-1) @ dense.W[:, 0] + dense.b[0])
    p = 1 / (1 + np.exp(-z))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    # alpha's penalty on the weights, scikit-learn's alpha / (2 m) with m = 1 example
    expected += 1e-4 / 2 * (np.sum(conv.W ** 2) + np.sum(dense.W ** 2))
    assert _printed_cost(out) == pytest.approx(expected, rel=1e-12)
    assert "this example's pixels" in out
