"""Network.predict and Network.evaluate: inference in blocks of rows, keeping no arrays."""

from __future__ import annotations

import sys

import numpy as np
import pytest
import scipy.sparse as sp

import chainrule
from chainrule._inference import BLOCK_BYTES, block_rows, row_values
from chainrule.network import _BATCH_CACHES


def _caches(net: chainrule.Network) -> dict[tuple[int, str], object]:
    """The layers' per-pass arrays that are set."""
    return {(i, attr): getattr(layer, attr) for i, layer in enumerate(net.layers)
            for attr in _BATCH_CACHES if getattr(layer, attr, None) is not None}


def _rounding(dtype: type) -> dict[str, float]:
    """Tolerance of a block's rows against one product of all rows: a few eps of the dtype
    (measured: up to 6 eps in float64, 4 in float32, for these networks)."""
    eps = float(np.finfo(dtype).eps)
    return {"rtol": 64 * eps, "atol": 64 * eps}


def _mlp(dtype: type = np.float64, **kw) -> chainrule.Network:
    return chainrule.mlp([6, 40, 20, 4], hidden="tanh", output="softmax", seed=0,
                         dtype=dtype, **kw)


def _cnn(dtype: type = np.float64) -> chainrule.Network:
    """Conv, BatchNorm, pooling, Dropout: a CNN whose training and evaluation modes differ."""
    layers = [{"type": "Conv2D", "out_channels": 4, "kernel_size": 3, "padding": 1},
              {"type": "BatchNorm", "activation": "relu"}, {"type": "MaxPool2D", "size": 2},
              {"type": "Flatten"}, {"type": "Dropout", "rate": 0.5},
              {"type": "Dense", "fan_out": 3, "activation": "softmax"}]
    return chainrule.network_from_layers(layers, input_shape=(1, 8, 8), seed=0, dtype=dtype)


# -- predict equals forward ----------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_equals_forward_at_any_block_size(dtype, rng):
    net = _mlp(dtype)
    X = rng.normal(size=(1000, 6)).astype(dtype)
    expected = net.copy().forward(X)
    for batch_size in (None, 1, 7, 64, 999):
        got = net.predict(X, batch_size=batch_size)
        assert got.shape == expected.shape and got.dtype == np.dtype(dtype)
        np.testing.assert_allclose(got, expected, **_rounding(dtype))
    # one block of all rows is forward's own computation: the same bits
    for batch_size in (1000, 5000):
        np.testing.assert_array_equal(net.predict(X, batch_size=batch_size), expected)
    # one example, as forward reads a 1-D array
    np.testing.assert_array_equal(net.predict(X[3]), net.copy().forward(X[3]))


def test_predict_leaves_the_layers_as_forward_left_them(rng):
    """The arrays of the last forward pass, which the README's tour reads, stay."""
    net = _mlp()
    X = rng.normal(size=(5, 6))
    net.forward(X)
    before = _caches(net)
    net.predict(rng.normal(size=(300, 6)), batch_size=100)
    after = _caches(net)
    assert after.keys() == before.keys()
    assert all(after[key] is before[key] for key in before)


def test_predict_of_a_cnn_with_batchnorm_and_dropout_is_evaluation_mode(rng):
    net = _cnn()
    X, y = rng.random((48, 1, 8, 8)), rng.integers(0, 3, 48)
    chainrule.train(net, X, y, optimizer="sgd", lr=0.05, batch_size=16, epochs=2, seed=0)
    bn = net.layers[1]
    assert not np.allclose(bn.running_mean, 0)  # running statistics that matter
    Xt = rng.random((100, 1, 8, 8))
    twin = net.copy()
    expected = twin.forward(Xt, training=False)
    # by hand from the convolution's output: BatchNorm with its running statistics, ReLU,
    # 2x2 max pooling, Dropout passing its input through, the softmax layer
    C = twin.layers[0].A
    mean, var = bn.running_mean[None, :, None, None], bn.running_var[None, :, None, None]
    gamma, beta = bn.gamma[None, :, None, None], bn.beta[None, :, None, None]
    H = np.maximum(gamma * (C - mean) / np.sqrt(var + bn.eps) + beta, 0)
    H = H.reshape(100, 4, 4, 2, 4, 2).max(axis=(3, 5)).reshape(100, -1)
    Z = H @ net.layers[-1].W + net.layers[-1].b
    by_hand = np.exp(Z - Z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(expected, by_hand / by_hand.sum(axis=1, keepdims=True),
                               rtol=1e-12)
    for batch_size in (None, 1, 33):
        np.testing.assert_allclose(net.predict(Xt, batch_size=batch_size), expected,
                                   **_rounding(np.float64))
    np.testing.assert_array_equal(net.predict(Xt, batch_size=100), expected)
    # flattened rows of pixels, as forward takes them
    np.testing.assert_array_equal(net.predict(Xt.reshape(100, -1), batch_size=100), expected)


@pytest.mark.parametrize("fmt", ["csr", "coo", "csc"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_predict_takes_sparse_rows(fmt, dtype, rng):
    net = _mlp()
    dense = rng.normal(size=(300, 6)) * (rng.random((300, 6)) < 0.4)
    X = getattr(sp, f"{fmt}_matrix")(dense.astype(dtype))
    expected = net.copy().forward(dense.astype(dtype).astype(np.float64))
    # the first Dense layer multiplies the sparse rows as they are: the dense products'
    # numbers up to their rounding
    np.testing.assert_allclose(net.predict(X, batch_size=300), expected,
                               **_rounding(np.float64))
    np.testing.assert_allclose(net.predict(X, batch_size=50),
                               net.predict(dense.astype(dtype), batch_size=50),
                               **_rounding(np.float64))
    # a convolutional network takes sparse rows of pixels
    cnn = _cnn()
    pixels = rng.random((20, 64)) * (rng.random((20, 64)) < 0.3)
    np.testing.assert_array_equal(cnn.predict(sp.csr_matrix(pixels), batch_size=20),
                                  cnn.copy().forward(pixels))


@pytest.mark.parametrize("data", [np.uint8, np.int16, np.float32, bool])
def test_predict_converts_narrower_data_a_block_at_a_time(data, rng, tmp_path):
    net = _mlp()
    X = (rng.random((400, 6)) * 4).astype(data)
    expected = net.copy().forward(X.astype(np.float64))
    np.testing.assert_array_equal(net.predict(X, batch_size=400), expected)
    np.testing.assert_allclose(net.predict(X, batch_size=64), expected, **_rounding(np.float64))
    np.save(tmp_path / "x.npy", X)
    mapped = np.load(tmp_path / "x.npy", mmap_mode="r")
    np.testing.assert_array_equal(net.predict(mapped, batch_size=400), expected)


def test_predict_of_a_float32_network_refuses_values_beyond_its_range():
    net = _mlp(np.float32)
    X = np.zeros((200, 6))
    X[150, 2] = -1e300
    with pytest.raises(ValueError) as forward_error:
        net.forward(X)
    with pytest.raises(ValueError) as predict_error:
        net.predict(X, batch_size=64)  # found in the third block: the same message
    assert str(predict_error.value) == str(forward_error.value)
    assert "too large for float32 (largest magnitude 1e+300" in str(predict_error.value)


# -- memory ---------------------------------------------------------------------------------------
def test_predict_keeps_nothing_and_peaks_at_one_block(rng):
    import tracemalloc

    net = chainrule.mlp([5, 100, 3], hidden="relu", output="softmax", seed=0)
    X = rng.normal(size=(20000, 5))  # hidden Z or A of all rows: 15.3 MiB each
    refs = sys.getrefcount(X)
    rows = 640
    tracemalloc.start()
    try:
        out = net.predict(X, batch_size=rows)
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert sys.getrefcount(X) == refs
    assert _caches(net) == {}
    # a block's arrays: its hidden Z and A (100 units), and the output's Z, A and log-sum-exp
    block = rows * (2 * 100 + 3 * 3 + 5) * 8
    assert held < out.nbytes + 2**16, (held, out.nbytes)
    assert peak < out.nbytes + 2 * block, (peak, out.nbytes, block)


def test_predict_default_blocks_bound_a_cnns_memory(rng):
    """The default block counts a convolution's im2col columns and feature maps, not
    only the Dense widths (a 28x28 image through 16 filters: 12,544 values per example)."""
    import tracemalloc

    layers = [{"type": "Conv2D", "out_channels": 16, "kernel_size": 3, "padding": 1},
              {"type": "MaxPool2D", "size": 2}, {"type": "Flatten"},
              {"type": "Dense", "fan_out": 10, "activation": "softmax"}]
    net = chainrule.network_from_layers(layers, input_shape=(1, 28, 28), seed=0)
    widest = row_values(net.layers, net.layer_shapes())
    assert widest == 16 * 28 * 28  # the convolution's output; its columns are 9 x 28 x 30
    rows = block_rows(widest, 8)
    assert rows * widest * 8 <= BLOCK_BYTES < (rows + 1) * widest * 8
    X = rng.random((400, 1, 28, 28))  # the convolution's Z of all rows: 38 MiB
    tracemalloc.start()
    try:
        out = net.predict(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert _caches(net) == {}
    np.testing.assert_allclose(out, net.copy().forward(X), **_rounding(np.float64))
    # a block's Z, A, columns, padded images, pooled maps: a few of the 2 MiB arrays
    assert peak < out.nbytes + 8 * BLOCK_BYTES, peak / 2**20


# -- bad input ------------------------------------------------------------------------------------
@pytest.mark.parametrize("bad", [
    np.zeros((3, 5)), np.zeros(4), np.zeros((0, 6)), np.zeros((2, 6, 1)),
    np.full((2, 6), np.nan), np.array([["a"] * 6]), [[1, 2], [3]], np.zeros((2, 6), complex),
])
def test_predict_refuses_what_forward_refuses_with_its_message(bad):
    net = _mlp()
    with pytest.raises((ValueError, TypeError)) as forward_error:
        net.forward(bad)
    for call in (lambda: net.predict(bad), lambda: net.evaluate(bad, [0, 1])):
        with pytest.raises(type(forward_error.value)) as error:
            call()
        assert str(error.value) == str(forward_error.value)


def test_predict_and_evaluate_refuse_bad_arguments_and_change_nothing(rng):
    net = _mlp()
    X = rng.normal(size=(10, 6))
    net.forward(X[:2])
    before, params = _caches(net), net.params.copy()
    cases = [
        (lambda: net.predict(X, batch_size=0), ValueError, "batch_size must be an int >= 1"),
        (lambda: net.predict(X, batch_size=2.5), TypeError, "batch_size"),
        (lambda: net.predict(sp.csr_matrix(X[:, :5])), ValueError,
         "X must have 6 features (columns) to match the network's input layer, got shape "
         "(10, 5)"),
        (lambda: net.predict(sp.csr_matrix(np.full((2, 6), np.inf))), ValueError,
         "X contains 12 NaN or infinite value(s)"),
        (lambda: net.evaluate(X, [0, 1, 2]), ValueError, "Y has 3 rows but X has 10"),
        (lambda: net.evaluate(X, np.full(10, 4)), ValueError,
         "Y: class labels must lie in 0..3"),
        (lambda: net.evaluate(X, np.zeros(10, int), sample_weight=np.ones(9)), ValueError,
         "sample_weight must have shape (10,)"),
        (lambda: net.evaluate(X, np.zeros(10, int), sample_weight=-np.ones(10)), ValueError,
         "sample_weight must be non-negative"),
    ]
    for call, kind, message in cases:
        with pytest.raises(kind) as error:
            call()
        assert message in str(error.value)
    after = _caches(net)
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)
    np.testing.assert_array_equal(net.params, params)


# -- evaluate --------------------------------------------------------------------------------------
@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_evaluate_gives_trains_validation_numbers(decay, rng):
    net = _mlp(weight_decay=1e-3, decay=decay)
    X, y = rng.normal(size=(200, 6)), rng.integers(0, 4, 200)
    Xv, yv = rng.normal(size=(150, 6)), rng.integers(0, 4, 150)
    history = chainrule.train(net, X, y, optimizer="sgd", lr=0.1, batch_size=32, epochs=3,
                              seed=0, validation_data=(Xv, yv))
    assert net.evaluate(Xv, yv, batch_size=150) == {
        "loss": history["val_loss"][-1], "accuracy": history["val_accuracy"][-1]}
    blocks = net.evaluate(Xv, yv, batch_size=16)
    assert blocks["accuracy"] == history["val_accuracy"][-1]
    np.testing.assert_allclose(blocks["loss"], history["val_loss"][-1], **_rounding(np.float64))
    # the weight decay is in it, as in loss_value
    assert net.evaluate(Xv, yv, batch_size=150)["loss"] == net.loss_value(Xv, yv)


@pytest.mark.filterwarnings("ignore:The y_prob values do not sum to one")  # float32 sums
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_evaluate_equals_scikit_learns_metrics(dtype, rng):
    from sklearn.metrics import accuracy_score, log_loss

    net = _mlp(dtype)
    X, y = rng.normal(size=(500, 6)).astype(dtype), rng.integers(0, 4, 500)
    P = net.predict(X).astype(np.float64)
    tol = _rounding(dtype)
    result = net.evaluate(X, y, batch_size=64)
    np.testing.assert_allclose(result["loss"], log_loss(y, P, labels=range(4)), **tol)
    assert result["accuracy"] == accuracy_score(y, P.argmax(axis=1))
    w = rng.random(500) * 3
    weighted = net.evaluate(X, y, sample_weight=w, batch_size=64)
    np.testing.assert_allclose(weighted["loss"],
                               log_loss(y, P, sample_weight=w, labels=range(4)), **tol)
    np.testing.assert_allclose(weighted["accuracy"],
                               accuracy_score(y, P.argmax(axis=1), sample_weight=w), **tol)


def test_evaluate_of_sigmoid_outputs_and_of_a_regression(rng):
    from sklearn.metrics import accuracy_score, log_loss

    X = rng.normal(size=(300, 4))
    binary = chainrule.mlp([4, 8, 1], hidden="tanh", output="sigmoid", seed=0)
    y = rng.integers(0, 2, 300)
    p = binary.predict(X)[:, 0]
    result = binary.evaluate(X, y, batch_size=50)
    np.testing.assert_allclose(result["loss"], log_loss(y, p), rtol=1e-12)
    assert result["accuracy"] == accuracy_score(y, p > 0.5)
    # several sigmoid outputs under log loss: multi-label, subset accuracy
    multi = chainrule.mlp([4, 8, 3], hidden="tanh", output="sigmoid", seed=0)
    Y = rng.integers(0, 2, (300, 3))
    P = multi.predict(X)
    result = multi.evaluate(X, Y, batch_size=50)
    by_hand = -np.mean(np.sum(Y * np.log(P) + (1 - Y) * np.log(1 - P), axis=1))
    np.testing.assert_allclose(result["loss"], by_hand, rtol=1e-12)
    assert result["accuracy"] == accuracy_score(Y, (P > 0.5).astype(int))
    # a regression: the loss alone, 1/2 ||a - y||^2 averaged over the examples
    reg = chainrule.mlp([4, 8, 2], hidden="tanh", seed=0)
    T = rng.normal(size=(300, 2))
    result = reg.evaluate(X, T, batch_size=50)
    assert list(result) == ["loss"]
    np.testing.assert_allclose(result["loss"], 0.5 * np.mean(np.sum((reg.predict(X) - T) ** 2,
                                                                     axis=1)), rtol=1e-12)


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_evaluate_weights_the_loss_as_loss_and_grad_does(decay, rng):
    net = _mlp(weight_decay=0.01, decay=decay)
    X, y = rng.normal(size=(300, 6)), rng.integers(0, 4, 300)
    w = rng.integers(0, 4, 300).astype(float)
    P = net.predict(X)
    # by hand: the weighted mean cross-entropy, and the decay over the weights' sum
    m = w.sum() if decay == "per_sample" else 1.0
    penalty = 0.01 / (2 * m) * sum(np.sum(layer.W ** 2) for layer in net.layers)
    by_hand = np.dot(w, -np.log(P[np.arange(300), y])) / w.sum() + penalty
    result = net.evaluate(X, y, sample_weight=w, batch_size=32)
    np.testing.assert_allclose(result["loss"], by_hand, rtol=1e-12)
    np.testing.assert_allclose(result["loss"], net.loss_and_grad(X, y, sample_weight=w)[0],
                               rtol=1e-12)
    # integer weights: the cost of the rows repeated that many times
    rows = np.repeat(np.arange(300), w.astype(int))
    np.testing.assert_allclose(result["loss"], net.evaluate(X[rows], y[rows])["loss"],
                               rtol=1e-12)
    assert result["accuracy"] == np.mean(P[rows].argmax(axis=1) == y[rows])


@pytest.mark.parametrize("decay", ["ufldl", "per_sample"])
def test_evaluate_and_val_loss_of_weights_whose_sum_overflows(decay, rng):
    """sample_weight=np.full(n, 1e308): the weights' sum and the weighted sum of the
    losses overflowed to inf, so evaluate gave loss and accuracy NaN, and train's
    val_loss (the same sums) stopped the run as diverged.  The weighted mean is the
    same for weights scaled by any factor: the one the finite weights w give."""
    from sklearn.metrics import accuracy_score, log_loss

    net = _mlp(weight_decay=0.01, decay=decay)
    X, y = rng.normal(size=(200, 6)), rng.integers(0, 4, 200)
    P = net.predict(X)
    penalty = 0.01 / 2 * sum(np.sum(layer.W ** 2) for layer in net.layers)  # ufldl; else ~0
    w = rng.uniform(1, 2, 200)
    for big in (np.full(200, 1e308), w * 1e307):
        small = big / big.max()  # the same weighted mean, by scikit-learn
        with np.errstate(over="ignore"):
            assert np.isinf(big.sum())
        result = net.evaluate(X, y, sample_weight=big, batch_size=64)
        np.testing.assert_allclose(
            result["loss"], log_loss(y, P, sample_weight=small, labels=range(4))
            + (penalty if decay == "ufldl" else 0.0), rtol=1e-12)
        np.testing.assert_allclose(
            result["accuracy"], accuracy_score(y, P.argmax(axis=1), sample_weight=small),
            rtol=1e-12)
    # train: equal weights, so the run of weights 2 (whose sums are exact) without decay
    runs = [chainrule.train(_mlp(), X, y, lr=0.1, epochs=2, seed=0, validation_fraction=0.25,
                            sample_weight=np.full(200, value)) for value in (1e308, 2.0)]
    assert runs[0]["val_loss"] == runs[1]["val_loss"] and len(runs[0]["val_loss"]) == 2


# -- every evaluation pass in blocks: train's validation, SavedModel, decision regions ----------
def _blocks_of(monkeypatch, nbytes: int) -> None:
    """Default blocks of about ``nbytes`` (block_rows reads BLOCK_BYTES at each call)."""
    from chainrule import _inference

    monkeypatch.setattr(_inference, "BLOCK_BYTES", nbytes)


@pytest.mark.parametrize("weighted", [False, True])
def test_trains_validation_in_blocks_gives_one_pass_numbers(weighted, rng, monkeypatch):
    """val_loss (a weighted mean: losses and weights summed once) and val_accuracy of a
    validation set in many blocks: those of one pass, which scikit-learn's metrics give;
    the rest of the run is bit for bit the same."""
    from sklearn.metrics import accuracy_score, log_loss

    X, y = rng.random((300, 1, 8, 8)), rng.integers(0, 3, 300)
    w = rng.random(300) if weighted else None
    kw = dict(optimizer="sgd", lr=0.1, batch_size=25, epochs=3, seed=0, diagnostics=True,
              validation_fraction=0.5, sample_weight=w)
    one_net, many_net = _cnn(), _cnn()
    one = chainrule.train(one_net, X, y, **kw)  # default blocks: all 150 rows in one
    _blocks_of(monkeypatch, 2**15)
    rows = block_rows(row_values(many_net.layers, many_net.layer_shapes()), 8)
    assert rows < 10  # 15 blocks or more
    many = chainrule.train(many_net, X, y, **kw)
    np.testing.assert_array_equal(many_net.params, one_net.params)
    for name in one:
        if name == "val_loss":
            np.testing.assert_allclose(many[name], one[name], rtol=1e-12, atol=0)
        else:
            assert many[name] == one[name], name
    # the held-out rows, as training draws them; one pass of forward over them
    order = np.random.default_rng([0, 1]).permutation(300)[:150]
    P = one_net.forward(X[order])
    wv = None if w is None else w[order]
    assert one["val_loss"][-1] == pytest.approx(
        log_loss(y[order], P, sample_weight=wv, labels=[0, 1, 2]), rel=1e-12)
    # weighted as val_loss
    assert many["val_accuracy"][-1] == pytest.approx(
        accuracy_score(y[order], P.argmax(axis=1), sample_weight=wv), rel=1e-12)
    if w is None:  # evaluate's default blocks are the validation pass's
        assert many_net.evaluate(X[order], y[order]) == {
            "loss": many["val_loss"][-1], "accuracy": many["val_accuracy"][-1]}


def test_validation_saved_model_and_regions_peak_at_one_block(rng, monkeypatch, tmp_path):
    """Train's validation pass, SavedModel.predict and the decision regions ran all the
    rows in one pass, their memory growing with the data (a CNN's im2col columns for
    all of them); in blocks they need a few blocks' arrays beyond their results."""
    import tracemalloc

    from chainrule.plots._regions import _region_classes
    from chainrule.saved_model import SavedModel

    def peak(run) -> int:
        tracemalloc.start()
        try:
            run()
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    nbytes = 2**15
    _blocks_of(monkeypatch, nbytes)
    net = _cnn()
    X, y = rng.random((20, 1, 8, 8)), rng.integers(0, 3, 20)
    Xv, yv = rng.random((500, 1, 8, 8)), rng.integers(0, 3, 500)
    # the convolution's columns for all of the validation rows: 2.7 MiB
    columns = 9 * 8 * 10 * Xv.shape[0] * 8
    assert columns == row_values(net.layers, net.layer_shapes()) * Xv.shape[0] * 8
    kw = dict(optimizer="sgd", lr=0.1, batch_size=20, epochs=1, seed=0)
    alone = peak(lambda: chainrule.train(net, X, y, **kw))  # the training batches' arrays
    used = peak(lambda: chainrule.train(net, X, y, validation_data=(Xv, yv), **kw))
    assert used - alone < columns / 16, (used, alone, columns)  # measured: 12 KiB more
    model = SavedModel(net, {"task": "classification", "labels": ["a", "b", "c"]})
    model.predict(Xv[:2].reshape(2, -1))  # the modules predict imports on first use
    used = peak(lambda: model.predict(Xv.reshape(500, -1)))
    assert used < columns / 8, (used, columns)
    mlp = chainrule.mlp([2, 100, 3], hidden="relu", output="softmax", seed=0)
    grid = rng.normal(size=(5000, 2))  # a hidden Z or A for all of it: 3.8 MiB
    used = peak(lambda: _region_classes(mlp, grid, np.array([0, 1, 2])))
    assert used < grid.shape[0] * 100 * 8 / 8, used


# -- several threads predicting with one network ----------------------------------------------
def test_passes_from_several_threads_at_once_each_get_their_own_numbers(rng):
    """A pass writes its arrays on the layers (X, Z, A, a Conv2D's im2col buffers) and puts
    back on leaving what they held on entering: threads predicting at once with one
    network got each other's outputs and losses (measured, 4 threads x 40 calls: 0 to 5
    wrong), and left another thread's arrays in the layers (30 of 30 runs of this test
    failed one check or the other).  A lock per network serialises the passes: each
    call gives what it gives alone."""
    import threading

    from chainrule.saved_model import SavedModel

    net = _cnn()  # Conv2D buffers, BatchNorm, Dropout in evaluation mode
    X, y = rng.random((40, 1, 8, 8)), rng.integers(0, 3, 40)
    chainrule.train(net, X, y, optimizer="sgd", lr=0.1, batch_size=8, epochs=1, seed=0)
    before = _caches(net)  # the last training batch's arrays, which the diagnostics read
    model = SavedModel(net, {"task": "classification", "labels": ["a", "b", "c"]})
    calls = {"predict": lambda n: net.predict(X[:n], batch_size=1),
             "evaluate": lambda n: net.evaluate(X[:n], y[:n], batch_size=1)["loss"],
             "saved model": lambda n: model.predict_proba(X[:n].reshape(n, -1))}
    sizes = (3, 5, 7, 11)
    alone = {(name, n): call(n) for name, call in calls.items() for n in sizes}
    wrong = []

    def work(k: int) -> None:
        for i in range(60):
            key = (list(calls)[i % 3], sizes[(i + k) % 4])
            try:
                if not np.array_equal(calls[key[0]](key[1]), alone[key]):
                    wrong.append(key)
            except Exception as exc:  # e.g. shapes of another thread's block
                wrong.append((*key, repr(exc)))

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # many thread switches within each pass
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(switch)
    assert wrong == []
    after = _caches(net)
    assert after.keys() == before.keys() and all(after[k] is before[k] for k in before)


@pytest.mark.parametrize(("bad", "error", "message"), [
    (np.array([[1 + 1j, 0, 0]]), TypeError,
     r"^X must hold real numbers, got an array of dtype complex128$"),
    ([[1.0, 2.0], [3.0]], ValueError,
     r"^X must be a numeric array of shape \(n_samples, 3\), could not convert: "),
    ([["x", "2", "3"]], ValueError,
     r"^X must be a numeric array of shape \(n_samples, 3\), could not convert: "),
    (sp.csr_matrix(np.ones((2, 3))), TypeError,
     r"^X must be a dense array, got a sparse csr_matrix; pass X\.toarray\(\)$"),
])
def test_saved_model_refuses_rows_that_are_no_real_numbers_naming_x(bad, error, message):
    """SavedModel cast X to float64 first: complex rows lost their imaginary parts and were
    predicted (a ComplexWarning only), ragged rows and a sparse matrix raised NumPy's
    messages, which name no argument ("setting an array element with a sequence")."""
    from chainrule.saved_model import SavedModel

    model = SavedModel(chainrule.mlp([3, 4, 2], output="softmax", seed=0),
                       {"task": "classification", "labels": ["a", "b"]})
    with pytest.raises(error, match=message):
        model.predict(bad)
    # what was accepted still is: booleans, and text of numbers (a table's cells)
    rows = np.array([[1.0, 0.0, 1.0]])
    expected = model.predict(rows)
    assert model.predict(rows.astype(bool)) == expected == model.predict([["1", "0", "1"]])


def test_passes_over_a_layer_that_defines_eq_predict_and_evaluate(rng):
    """The per-network lock was kept in a weak dictionary keyed by the first layer, so it
    hashed the layer: a Layer subclass of the user's that defines __eq__ (as a dataclass
    does) has no hash, and predict, evaluate and train's validation pass raised
    "TypeError: unhashable type".  The lock is now keyed by the layer's identity."""
    import dataclasses

    @dataclasses.dataclass
    class Scale(chainrule.Layer):  # eq=True: __hash__ is None
        c: float

        def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
            self.X = X
            return self.c * X

        def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray:
            return self.c * grad_out

        def output_shape(self, input_shape: object) -> object:
            return input_shape

    dense = chainrule.Dense(3, 2, activation="sigmoid", seed=0)
    net = chainrule.Network([Scale(2.0), dense], loss="squared_error")
    X, Y = rng.normal(size=(5, 3)), rng.random((5, 2))
    expected = 1 / (1 + np.exp(-(2.0 * X @ dense.W + dense.b)))  # by hand
    np.testing.assert_allclose(net.predict(X), expected, rtol=1e-12)
    loss = np.mean(0.5 * np.sum((expected - Y) ** 2, axis=1))
    assert net.evaluate(X, Y)["loss"] == pytest.approx(loss, rel=1e-12)
    history = chainrule.train(net, X, Y, optimizer="sgd", lr=0.1, epochs=1, seed=0,
                              validation_data=(X, Y))
    assert history["val_loss"][0] == pytest.approx(net.evaluate(X, Y)["loss"], rel=1e-12)


@pytest.mark.parametrize("target", [["y"], ["y", "z"]])
def test_predict_of_a_classifier_runs_the_network_once(tmp_path, capsys, monkeypatch,
                                                       target):
    """chainrule predict of a classifier computed its probabilities twice (the labels'
    pass, then the pass that says NaN rows); the labels are now those of the one pass's
    probabilities: argmax of each row (each target's > 0.5 of a multi-label model), as
    --proba's columns, written by NumPy in the test."""
    from chainrule.cli import main
    from chainrule.saved_model import SavedModel

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    rows = ["a,b,c,y,z"] + [f"{a},{b},{c},{'p' if a + b > 0 else 'q'},{int(c > 0)}"
                            for a, b, c in X]
    (tmp_path / "d.csv").write_text("\n".join(rows) + "\n")
    features = ["--features", "a", "b", "c"]
    assert main(["train", str(tmp_path / "d.csv"), "--target", *target, *features, "-q",
                 "--epochs", "20", "-o", str(tmp_path / "m.npz")]) == 0
    calls = []
    proba = SavedModel.predict_proba
    monkeypatch.setattr(SavedModel, "predict_proba",
                        lambda self, *a, **k: calls.append(1) or proba(self, *a, **k))
    capsys.readouterr()
    assert main(["predict", str(tmp_path / "m.npz"), str(tmp_path / "d.csv"), "--proba"]) == 0
    assert len(calls) == 1
    out = capsys.readouterr().out.splitlines()
    header, cells = out[0].split(","), [line.split(",") for line in out[1:]]
    n_labels = len(target)
    P = np.array([[float(v) for v in row[n_labels:]] for row in cells])
    labels = [row[:n_labels] for row in cells]
    if n_labels == 1:  # columns proba_p, proba_q (the labels' order)
        names = [h.removeprefix("proba_") for h in header[1:]]
        assert [row[0] for row in labels] == [names[i] for i in P.argmax(axis=1)]
    else:  # each target's probability of its second label ('q' of p/q, 1 of 0/1)
        assert [row[0] for row in labels] == ["q" if p > 0.5 else "p" for p in P[:, 0]]
        assert [row[1] for row in labels] == ["1" if p > 0.5 else "0" for p in P[:, 1]]
