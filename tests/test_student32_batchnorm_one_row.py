"""BatchNorm and a batch of one value per feature.

The layer in training mode refuses one example (or one 1x1 image), as PyTorch's
BatchNorm1d/2d ("Expected more than 1 value per channel when training"), instead of
normalising it with its running statistics.  The training loop never makes such a
batch: with BatchNorm on vectors, the row left over when ``n_samples % batch_size == 1``
joins the epoch's last batch, checked against plain NumPy of the same batches and against
PyTorch's BatchNorm1d trained on them.
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
    Flatten,
    Network,
    train,
)
from chainrule.callbacks import Callback


# -- the layer called directly ----------------------------------------------------------------
@pytest.mark.parametrize("shape", [(1, 3), (1, 3, 1, 1)])
def test_one_value_per_feature_in_training_is_refused_naming_the_layer(shape):
    bn = BatchNorm(3, activation="tanh")
    bn.running_mean, bn.running_var = [1.0, 2.0, 3.0], [4.0, 5.0, 6.0]
    X = np.arange(3.0).reshape(shape)
    with pytest.raises(ValueError) as info:
        bn.forward(X, training=True)
    msg = str(info.value)
    assert "BatchNorm(3, activation='tanh')" in msg
    assert f"shape {shape}" in msg
    assert "training=False" in msg and "at least 2 rows" in msg
    # nothing changed
    np.testing.assert_array_equal(bn.running_mean, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(bn.running_var, [4.0, 5.0, 6.0])
    # evaluation mode takes it: (x - running_mean) / sqrt(running_var + eps), by hand
    np.testing.assert_allclose(
        bn.forward(X).reshape(-1), np.tanh((np.arange(3.0) - [1, 2, 3]) / np.sqrt(
            np.array([4.0, 5.0, 6.0]) + 1e-5)), rtol=1e-15)


def test_pytorch_refuses_the_same_batches_and_takes_one_image_of_two_pixels():
    torch = pytest.importorskip("torch")
    for shape, module in (((1, 3), torch.nn.BatchNorm1d(3)),
                          ((1, 3, 1, 1), torch.nn.BatchNorm2d(3))):
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            module.train()(torch.zeros(shape))
    # one image of 2 pixels: two values per channel, which both take
    X = np.array([[[[1.0], [4.0]], [[2.0], [-2.0]], [[0.5], [0.25]]]])  # (1, 3, 2, 1)
    bn = BatchNorm(3)
    ours = bn.forward(X, training=True)
    ref = torch.nn.BatchNorm2d(3, momentum=0.1).double().train()
    theirs = ref(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(bn.running_var, ref.running_var.numpy(), rtol=1e-12)


# -- the training loop: the row left over joins the last batch ---------------------------------
class _Rows(Callback):
    """The rows of each training batch (what the BatchNorm layer normalised) and its loss."""

    def __init__(self, layer):
        self.layer, self.rows, self.losses = layer, [], []

    def on_batch_end(self, state):
        self.rows.append(self.layer.Xhat.shape[0])
        self.losses.append(float(state.logs["batch_loss"]))


def _bn_net(seed=0):
    rng = np.random.default_rng(seed)
    d1 = Dense(3, 4, activation="identity")
    bn = BatchNorm(4, activation="tanh")
    d2 = Dense(4, 1, activation="identity")
    net = Network([d1, bn, d2])
    d1.W, d1.b = rng.normal(size=(3, 4)), rng.normal(size=4) * 0.1
    bn.gamma, bn.beta = rng.uniform(0.5, 2, 4), rng.normal(size=4) * 0.1
    d2.W, d2.b = rng.normal(size=(4, 1)), np.array([0.2])
    return net


def _numpy_sgd(params, X, y, batches, lr, epochs):
    """Plain NumPy: Dense -> BatchNorm(tanh) (batch mean, 1/m variance, eps 1e-5; running
    averages at momentum 0.9 of the mean and the m/(m-1) variance) -> Dense, half the
    squared error averaged over the batch, one SGD step per batch; the batch losses."""
    W1, b1, g, be, W2, b2 = (p.copy() for p in params)
    rm, rv = np.zeros(4), np.ones(4)
    losses = []
    for _ in range(epochs):
        for rows in batches:
            x, t = X[rows], y[rows]
            m = x.shape[0]
            h = x @ W1 + b1
            mu, var = h.mean(0), ((h - h.mean(0)) ** 2).mean(0)
            inv = 1 / np.sqrt(var + 1e-5)
            xh = (h - mu) * inv
            a = np.tanh(g * xh + be)
            out = a @ W2 + b2
            losses.append(0.5 * np.sum((out - t) ** 2) / m)
            dout = (out - t) / m
            dW2, db2 = a.T @ dout, dout.sum(0)
            dz = (dout @ W2.T) * (1 - a ** 2)
            dg, dbe = (dz * xh).sum(0), dz.sum(0)
            dxh = dz * g
            dh = inv / m * (m * dxh - dxh.sum(0) - xh * (dxh * xh).sum(0))
            dW1, db1 = x.T @ dh, dh.sum(0)
            rm = 0.9 * rm + 0.1 * mu
            rv = 0.9 * rv + 0.1 * var * m / (m - 1)
            for p, d in ((W1, dW1), (b1, db1), (g, dg), (be, dbe), (W2, dW2), (b2, db2)):
                p -= lr * d
    return losses, (W1, b1, g, be, W2, b2), (rm, rv)


def _data(n=9):
    rng = np.random.default_rng(5)
    return rng.normal(size=(n, 3)), rng.normal(size=(n, 1))


def test_the_row_left_over_joins_the_last_batch_equal_to_numpy_of_those_batches():
    X, y = _data(9)  # 9 = 2 * 4 + 1
    net = _bn_net()
    d1, bn, d2 = net.layers
    start = (d1.W, d1.b, bn.gamma, bn.beta, d2.W, d2.b)
    batches = [np.arange(0, 4), np.arange(4, 9)]
    losses, params, stats = _numpy_sgd(start, X, y, batches, 0.1, 3)
    rows = _Rows(bn)
    history = train(net, X, y, optimizer=SGD(lr=0.1), batch_size=4, epochs=3, shuffle=False,
                    callbacks=[rows], verbose=0)
    assert rows.rows == [4, 5] * 3
    np.testing.assert_allclose(rows.losses, losses, rtol=0, atol=1e-12)
    # an epoch's loss: the batches' losses weighted by their rows, over the 9 rows
    np.testing.assert_allclose(history["loss"],
                               [(4 * losses[i] + 5 * losses[i + 1]) / 9 for i in (0, 2, 4)],
                               rtol=0, atol=1e-12)
    for ours, ref in zip((d1.W, d1.b, bn.gamma, bn.beta, d2.W, d2.b, bn.running_mean,
                          bn.running_var), (*params, *stats), strict=True):
        np.testing.assert_allclose(ours, ref, rtol=0, atol=1e-12)


def test_the_last_batch_of_five_rows_equals_pytorch_batchnorm1d():
    torch = pytest.importorskip("torch")
    X, y = _data(9)
    net = _bn_net(1)
    d1, bn, d2 = net.layers
    lin1, lin2 = torch.nn.Linear(3, 4).double(), torch.nn.Linear(4, 1).double()
    tbn = torch.nn.BatchNorm1d(4, momentum=0.1, eps=1e-5).double()  # torch's 0.1: our 0.9
    with torch.no_grad():
        for mod, w, b in ((lin1, d1.W.T, d1.b), (lin2, d2.W.T, d2.b), (tbn, bn.gamma, bn.beta)):
            mod.weight.copy_(torch.from_numpy(w.copy()))
            mod.bias.copy_(torch.from_numpy(b.copy()))
    model = torch.nn.Sequential(lin1, tbn, torch.nn.Tanh(), lin2)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    theirs = []
    for _ in range(3):
        for s, e in ((0, 4), (4, 9)):  # the same batches: 4 rows, then the last 5
            loss = 0.5 * ((model(Xt[s:e]) - yt[s:e]) ** 2).sum(1).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            theirs.append(loss.item())
    rows = _Rows(bn)
    train(net, X, y, optimizer=SGD(lr=0.1), batch_size=4, epochs=3, shuffle=False,
          callbacks=[rows], verbose=0)
    np.testing.assert_allclose(rows.losses, theirs, rtol=0, atol=1e-12)
    for ours, ref in ((d1.W, lin1.weight.T), (bn.gamma, tbn.weight), (bn.beta, tbn.bias),
                      (d2.W, lin2.weight.T), (bn.running_mean, tbn.running_mean),
                      (bn.running_var, tbn.running_var)):
        np.testing.assert_allclose(ours, ref.detach().numpy(), rtol=0, atol=1e-12)


def test_shuffled_epochs_each_have_every_row_and_no_batch_of_one():
    X, y = _data(13)  # 13 = 3 * 4 + 1
    net = _bn_net()
    rows = _Rows(net.layers[1])
    history = train(net, X, y, optimizer=SGD(lr=0.05), batch_size=4, epochs=4, seed=3,
                    callbacks=[rows], verbose=0)
    assert rows.rows == [4, 4, 5] * 4
    assert np.all(np.isfinite(history["loss"]))


def test_without_batchnorm_or_with_pixels_the_batches_stay_as_they_were():
    X, y = _data(9)
    plain = Network([Dense(3, 4, activation="tanh"), Dense(4, 1, activation="identity")])
    seen = []

    class Rows(Callback):
        def on_batch_end(self, state):
            seen.append(plain.layers[0].A.shape[0])

    train(plain, X, y, optimizer=SGD(lr=0.1), batch_size=4, epochs=1, shuffle=False,
          callbacks=[Rows()], verbose=0)
    assert seen == [4, 4, 1]
    # BatchNorm on 2x2 feature maps: one image has 4 values per channel (PyTorch's
    # BatchNorm2d takes it), so the last batch of one image stays
    rng = np.random.default_rng(0)
    images = rng.normal(size=(9, 1, 2, 2))
    bn = BatchNorm(2)
    conv = Network([Conv2D(1, 2, 1, activation="identity", seed=0), bn, Flatten(),
                    Dense(8, 1, activation="identity", seed=1)], input_shape=(1, 2, 2))
    rows = _Rows(bn)
    train(conv, images, y, optimizer=SGD(lr=0.01), batch_size=4, epochs=1, shuffle=False,
          callbacks=[rows], verbose=0)
    assert rows.rows == [16, 16, 4]  # pixels: 4 images, 4 images, 1 image of 4 pixels
    # after pooling to 1x1, one value per channel: the last image joins the batch before
    bn = BatchNorm(2)
    pooled = Network([Conv2D(1, 2, 1, activation="identity", seed=0), AvgPool2D(2), bn,
                      Flatten(), Dense(2, 1, activation="identity", seed=1)],
                     input_shape=(1, 2, 2))
    rows = _Rows(bn)
    train(pooled, images, y, optimizer=SGD(lr=0.01), batch_size=4, epochs=1, shuffle=False,
          callbacks=[rows], verbose=0)
    assert rows.rows == [4, 5]


@pytest.mark.parametrize("n, batch_size", [(1, 4), (6, 1)])
def test_batches_that_are_all_one_row_are_refused_before_a_step(n, batch_size):
    X, y = _data(n)
    net = _bn_net()
    before = net.params.copy()
    with pytest.raises(ValueError, match=r"layers\[1\] BatchNorm\(4, activation='tanh'\)"
                       r".*at least 2 rows") as info:
        train(net, X, y, optimizer=SGD(lr=0.1), batch_size=batch_size, epochs=1, verbose=0)
    assert ("batch_size=1" if batch_size == 1 else "X has 1 sample") in str(info.value)
    np.testing.assert_array_equal(net.params, before)
    np.testing.assert_array_equal(net.layers[1].running_var, np.ones(4))


@pytest.mark.filterwarnings("ignore:Stochastic Optimizer")
def test_estimator_with_batch_norm_trains_nine_rows_in_batches_of_four():
    from chainrule.estimators import MLPRegressor

    X, y = _data(9)
    est = MLPRegressor(hidden_layer_sizes=(5,), batch_norm=True, batch_size=4, max_iter=3,
                       solver="sgd", learning_rate_init=0.05, random_state=0, shuffle=True)
    est.fit(X, y.ravel())
    assert len(est.loss_curve_) == 3 and np.all(np.isfinite(est.loss_curve_))
    assert est.predict(X).shape == (9,)
