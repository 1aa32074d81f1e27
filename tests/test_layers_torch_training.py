"""A network of every layer type trained by SGD equals the same model trained by PyTorch.

Conv2D (a stride pair, an unequal padding pair, "same" with dilation), BatchNorm on
feature maps and on features, MaxPool2D (padding, stride 1), AvgPool2D (ceil_mode,
count_include_pad=False), Flatten, Dropout (rate 0) and Dense, from the same weights,
trained for 3 epochs of mini-batches of 3 of 10 images (the row left over joins the
last batch, of 4 images, as BatchNorm on features needs 2 rows or more in training)
with momentum (plain and Nesterov); then the running statistics, the evaluation
outputs, and a save/load round trip that predicts bit-identically in both modes.
Torch's BatchNorm momentum 0.1 is chainrule's 0.9.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import (
    SGD,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    MaxPool2D,
    Network,
    train,
)
from chainrule.io import load, save

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _pair(dtype):
    rng = np.random.default_rng(3)
    c1 = Conv2D(3, 4, (3, 2), stride=(2, 1), padding=(1, 0), activation="tanh", seed=0,
                dtype=dtype)
    bn1 = BatchNorm(4, activation="relu")
    c2 = Conv2D(4, 2, 2, padding="same", activation="identity", seed=1, dtype=dtype,
                dilation=2)
    layers = [c1, bn1, MaxPool2D(2, stride=1, padding=1), c2,
              AvgPool2D((2, 3), stride=(1, 2), padding=(1, 1), ceil_mode=True,
                        count_include_pad=False), Flatten(), Dropout(0.0)]
    shape = (3, 7, 5)
    for layer in layers:
        shape = layer.output_shape(shape)
    d1 = Dense(shape, 6, activation="identity", seed=2, dtype=dtype)
    bn2 = BatchNorm(6, activation="sigmoid")
    d2 = Dense(6, 3, activation="softmax", seed=3, dtype=dtype)
    net = Network([*layers, d1, bn2, d2], input_shape=(3, 7, 5))
    for bn in (bn1, bn2):
        bn.gamma, bn.beta = rng.uniform(0.5, 2, bn.n_in), rng.normal(size=bn.n_in)
    P = [torch.nn.Parameter(torch.tensor(np.array(a))) for a in (
        c1.W, c1.b, bn1.gamma, bn1.beta, c2.W, c2.b, d1.W.T, d1.b, bn2.gamma, bn2.beta,
        d2.W.T, d2.b)]
    tdt = torch.float64 if dtype == np.float64 else torch.float32
    stats = [torch.zeros(4, dtype=tdt), torch.ones(4, dtype=tdt),
             torch.zeros(6, dtype=tdt), torch.ones(6, dtype=tdt)]

    def model(X, training):
        h = torch.tanh(F.conv2d(X, P[0], P[1], stride=(2, 1), padding=(1, 0)))
        h = torch.relu(F.batch_norm(h, stats[0], stats[1], P[2], P[3], training, 0.1, 1e-5))
        h = F.max_pool2d(h, 2, 1, 1)
        h = F.conv2d(h, P[4], P[5], padding="same", dilation=2)
        h = F.avg_pool2d(h, (2, 3), (1, 2), (1, 1), ceil_mode=True, count_include_pad=False)
        h = F.linear(h.flatten(1), P[6], P[7])
        h = torch.sigmoid(F.batch_norm(h, stats[2], stats[3], P[8], P[9], training, 0.1,
                                       1e-5))
        return F.linear(h, P[10], P[11])

    return net, P, stats, model


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("nesterov", [False, True])
def test_training_every_layer_type_equals_pytorch(dtype, nesterov, tmp_path):
    rng = np.random.default_rng(4)
    X = rng.normal(size=(10, 3, 7, 5)).astype(dtype)
    y = rng.integers(0, 3, size=10)
    net, P, stats, model = _pair(dtype)
    opt = torch.optim.SGD(P, lr=0.05, momentum=0.9, nesterov=nesterov)
    for _ in range(3):
        for s, e in ((0, 3), (3, 6), (6, 10)):  # the 10th row in the last batch
            opt.zero_grad()
            F.cross_entropy(model(torch.tensor(X[s:e]), True),
                            torch.tensor(y[s:e])).backward()
            opt.step()
    train(net, X, y, optimizer=SGD(lr=0.05, momentum=0.9, nesterov=nesterov), batch_size=3,
          epochs=3, shuffle=False)

    c1, bn1, _, c2, _, _, _, d1, bn2, d2 = net.layers
    ours = [c1.W, c1.b, bn1.gamma, bn1.beta, c2.W, c2.b, d1.W.T, d1.b, bn2.gamma, bn2.beta,
            d2.W.T, d2.b, bn1.running_mean, bn1.running_var, bn2.running_mean,
            bn2.running_var]
    tol = {"rtol": 1e-9, "atol": 1e-11} if dtype == np.float64 else {"rtol": 2e-4, "atol": 2e-5}
    for a, t in zip(ours, [*P, *stats], strict=True):
        assert a.dtype == dtype
        np.testing.assert_allclose(a, t.detach().numpy(), **tol)
    X_new = rng.normal(size=(4, 3, 7, 5)).astype(dtype)
    A = net.forward(X_new)
    with torch.no_grad():
        np.testing.assert_allclose(A, torch.softmax(model(torch.tensor(X_new), False), 1),
                                   **tol)
    assert A.dtype == dtype

    save(net, tmp_path / "net.npz")
    back = load(tmp_path / "net.npz")
    assert back.dtype == dtype
    np.testing.assert_array_equal(back.forward(X_new), A)
    np.testing.assert_array_equal(back.forward(X_new, training=True),
                                  net.forward(X_new, training=True))
    for ours, theirs in zip(net.layers, back.layers, strict=True):
        for name, value in ours.buffers().items():
            assert theirs.buffers()[name].dtype == dtype
            np.testing.assert_array_equal(theirs.buffers()[name], value)
