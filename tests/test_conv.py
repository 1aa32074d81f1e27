"""Conv2D: hand-worked numbers, the loop reference, gradient checks, dtypes and bad shapes."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, Network, reference
from chainrule.initializers import get_initializer
from chainrule.network import _without_cache

# (kernel, stride, padding) geometries, each run through reference and gradient checks
GEOMETRIES = [(3, 1, 0), (3, 2, 1), (2, 3, 2), (5, 1, 2), (1, 1, 0), (4, 2, 0), (3, 1, 1)]


def test_hand_worked_convolution():
    # 3x3 image, 2x2 kernel, no padding: each output is the sum of a 2x2 patch times W
    X = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1 2 3] [4 5 6] [7 8 9]]
    W = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    layer = Conv2D(1, 1, 2, activation="identity", init=W)
    layer.b = [0.5]
    # 1*1 + 2*2 + 3*4 + 4*5 = 37, 2 + 6 + 15 + 24 = 47, 4 + 10 + 21 + 32 = 67, 5 + 12 + 24 + 36 = 77
    assert layer.forward(X)[0, 0].tolist() == [[37.5, 47.5], [67.5, 77.5]]
    assert reference.conv2d_forward(X, W, [0.5])[0, 0].tolist() == [[37.5, 47.5], [67.5, 77.5]]
    # backward of J = sum(Z): dW[i, j] = sum of the pixels tap (i, j) sees; db = 4 windows;
    # dX counts how many windows cover each pixel, weighted by the kernel entry that sees it
    dX = layer.backward(np.ones((1, 1, 2, 2)))
    assert layer.dW[0, 0].tolist() == [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6],
                                       [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]]
    assert layer.db.tolist() == [4.0]
    assert dX[0, 0].tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    ref_dx, ref_dW, ref_db = reference.conv2d_backward(X, W, np.ones((1, 1, 2, 2)))
    assert ref_dx[0, 0].tolist() == [[1, 3, 2], [4, 10, 6], [3, 7, 4]]
    assert ref_dW[0, 0].tolist() == [[12, 16], [24, 28]] and ref_db.tolist() == [4.0]


def test_hand_worked_stride_and_padding():
    # 2x2 image padded by 1 -> 4x4; 2x2 kernel of ones with stride 2 sees one pixel per window
    X = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    layer = Conv2D(1, 1, 2, stride=2, padding=1, activation="identity", init=np.ones((1, 1, 2, 2)))
    assert layer.forward(X)[0, 0].tolist() == [[1.0, 2.0], [3.0, 4.0]]
    layer.backward(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]))
    # tap (i, j) of window (y, x) sits at padded pixel (2y + i, 2x + j): only one tap is real
    assert layer.dW[0, 0].tolist() == [[4000.0, 300.0], [20.0, 1.0]]


@pytest.mark.parametrize(("k", "s", "p"), GEOMETRIES)
def test_forward_and_backward_match_the_loop_reference(rng, k, s, p):
    X = rng.normal(size=(2, 3, 7, 6))
    layer = Conv2D(3, 4, k, stride=s, padding=p, activation="identity", seed=1)
    layer.b = rng.normal(size=4)
    Z = layer.forward(X)
    np.testing.assert_allclose(Z, reference.conv2d_forward(X, layer.W, layer.b, s, p),
                               rtol=1e-12, atol=1e-12)
    delta = rng.normal(size=Z.shape)
    dX = layer.backward(delta)
    dx, dW, db = reference.conv2d_backward(X, layer.W, delta, s, p)
    np.testing.assert_allclose(dX, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)


def test_one_layer_on_images_of_two_sizes_with_padded_images_of_one_length(rng):
    """A layer on its own takes any image size; its reused buffers must not mix them up.

    Padded by 1, 4x10 and 6x7 images both flatten to 72 values: the buffer of the
    first batch held pixels where the second has padding (errors of about 1).
    """
    layer = Conv2D(2, 3, 3, padding=1, activation="identity", seed=0)
    for shape in [(2, 2, 4, 10), (2, 2, 6, 7), (2, 2, 4, 10)]:
        X = rng.normal(size=shape)
        Z = layer.forward(X)
        np.testing.assert_allclose(Z, reference.conv2d_forward(X, layer.W, layer.b, 1, 1),
                                   rtol=1e-12, atol=1e-12)
        delta = rng.normal(size=Z.shape)
        dx, dW, _ = reference.conv2d_backward(X, layer.W, delta, 1, 1)
        np.testing.assert_allclose(layer.backward(delta), dx, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)


def test_rectangular_kernel_stride_and_padding_match_a_padded_reference(rng):
    # (3, 2) kernel, stride (2, 1), padding (1, 0): compare with explicit zero padding
    X = rng.normal(size=(2, 2, 6, 5))
    layer = Conv2D(2, 3, (3, 2), stride=(2, 1), padding=(1, 0), activation="identity", seed=0)
    Z = layer.forward(X)
    Xp = np.pad(X, ((0, 0), (0, 0), (1, 1), (0, 0)))
    full = reference.conv2d_forward(Xp, layer.W, layer.b, 1, 0)  # stride 1, then subsample rows
    np.testing.assert_allclose(Z, full[:, :, ::2, :], atol=1e-12)


def _conv_net(conv: Conv2D, in_shape, loss="squared_error", seed=0) -> Network:
    n_out = int(np.prod(conv.output_shape(in_shape)))
    dense = Dense(n_out, 2, "identity", init="glorot_uniform", seed=seed)
    return Network([conv, Flatten(), dense], loss=loss, input_shape=in_shape)


@pytest.mark.parametrize(("k", "s", "p"), GEOMETRIES)
@pytest.mark.parametrize("act", ["tanh", "sigmoid", "softplus"])
def test_gradient_check_of_the_conv_layer(rng, k, s, p, act):
    conv = Conv2D(2, 3, k, stride=s, padding=p, activation=act, seed=3)
    net = _conv_net(conv, (2, 6, 5))
    net.params[...] = rng.normal(scale=0.5, size=net.n_params)  # biases too, not just zeros
    X, Y = rng.normal(size=(3, 2, 6, 5)), rng.normal(size=(3, 2))
    check = chainrule.gradient_check(net, X, Y)
    assert check.rel_diff < 1e-8, str(check)


def test_weights_are_decayed_and_biases_are_not(rng):
    conv = Conv2D(1, 2, 3, padding=1, activation="tanh", seed=0)
    net = _conv_net(conv, (1, 4, 4))
    net.params[...] = rng.normal(size=net.n_params)
    X, Y = rng.normal(size=(2, 1, 4, 4)), rng.normal(size=(2, 2))
    _, g0 = net.loss_and_grad(X, Y)
    net.weight_decay = 0.3
    _, g1 = net.loss_and_grad(X, Y)
    diff = (g1 - g0)[: conv.W.size + conv.b.size]
    np.testing.assert_allclose(diff[: conv.W.size], 0.3 * conv.W.ravel(), rtol=1e-12)
    assert np.all(diff[conv.W.size :] == 0)  # the 2 biases
    assert chainrule.gradient_check(net, X, Y).rel_diff < 1e-8


def test_parameters_are_views_into_the_network_vector():
    conv = Conv2D(1, 2, 3, seed=0)
    net = _conv_net(conv, (1, 5, 5))
    assert np.shares_memory(conv.W, net.params) and np.shares_memory(conv.b, net.params)
    conv.W = np.full((2, 1, 3, 3), 0.25)  # assignment writes into the shared vector
    assert np.all(net.params[:18] == 0.25)
    with pytest.raises(ValueError, match=r"W must have shape \(2, 1, 3, 3\)"):
        conv.W = np.zeros((2, 1, 3, 2))
    with pytest.raises(ValueError, match=r"W must be 4-D"):
        conv.W = np.zeros((2, 3, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_the_network(rng, dtype):
    conv = Conv2D(1, 2, 3, padding=1, activation="relu", seed=0, dtype=dtype)
    net = _conv_net(conv, (1, 5, 5))
    net = net.astype(dtype)
    X = rng.normal(size=(4, 1, 5, 5))
    out = net.forward(X)
    assert out.dtype == dtype and net.layers[0].A.dtype == dtype
    _, grad = net.loss_and_grad(X, rng.normal(size=(4, 2)))
    assert grad.dtype == dtype
    # float32 agrees with the float64 computation to float32 precision
    ref = net.astype(np.float64).forward(X)
    np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(("init", "relu_scale"), [("auto", True), ("glorot_uniform", False)])
def test_initialisation_is_reproducible_and_scaled_by_the_patch_size(init, relu_scale):
    a = Conv2D(4, 64, 3, activation="relu", init=init, seed=7)
    b = Conv2D(4, 64, 3, activation="relu", init=init, seed=7)
    assert np.array_equal(a.W, b.W) and not np.all(a.b)  # same seed, same kernels; zero biases
    fan_in, fan_out = 4 * 9, 64 * 9  # a pixel feeds 64 kernels through 9 taps each
    expected = np.sqrt(2 / fan_in) if relu_scale else np.sqrt(2 / (fan_in + fan_out))
    assert abs(a.W.std() / expected - 1) < 0.1


def test_explicit_kernels_and_config():
    W = np.arange(2 * 3 * 2 * 2, dtype=np.float32).reshape(2, 3, 2, 2)
    layer = Conv2D(3, 2, 2, stride=(2, 1), padding=1, activation="tanh", init=W, bias=False)
    assert layer.dtype == np.float32 and layer.b is None and np.array_equal(layer.W, W)
    assert layer.get_config() == {
        "type": "Conv2D", "in_channels": 3, "out_channels": 2, "kernel_size": 2,
        "stride": [2, 1], "padding": 1, "dilation": 1, "activation": "tanh", "bias": False,
    }
    assert repr(layer) == (
        "Conv2D(3, 2, kernel_size=2, stride=(2, 1), padding=1, activation='tanh', bias=False)")


def test_copies_drop_the_caches_but_keep_the_shapes(rng):
    conv = Conv2D(1, 2, 3, padding=1, seed=0)
    net = _conv_net(conv, (1, 4, 4))
    net.forward(rng.normal(size=(3, 1, 4, 4)))
    assert conv.patches is not None
    twin = net.copy()
    assert twin.layers[0].patches is None and twin.layers[0]._work == {}
    assert twin.layers[0].n_in == (1, 4, 4) and twin.n_inputs == (1, 4, 4)
    X = rng.normal(size=(2, 1, 4, 4))
    np.testing.assert_array_equal(twin.forward(X), net.forward(X))
    assert _without_cache(conv).X is None


# --- bad shapes and arguments: clear errors that name the layer -----------------------------


@pytest.mark.parametrize(
    ("layers", "input_shape", "match"),
    [
        ([Conv2D(1, 2, 5), Flatten(), Dense(2, 1)], (1, 4, 4),
         r"layers\[0\] Conv2D\(1, 2, kernel_size=5.*5x5 window is larger than the padded input "
         r"\(height 4 \+ 2 x padding 0 = 4\)"),
        ([Conv2D(1, 2, 7, padding=1), Flatten(), Dense(2, 1)], (1, 4, 9),
         r"layers\[0\] Conv2D.*larger than the padded input \(height 4 \+ 2 x padding 1 = 6\)"),
        ([Conv2D(3, 2, 3), Flatten(), Dense(2, 1)], (1, 8, 8),
         r"layers\[0\] Conv2D\(3, 2, kernel_size=3.*expects images with 3 channel\(s\), the "
         r"input has 1"),
        ([Conv2D(1, 4, 3), Conv2D(2, 1, 3), Flatten(), Dense(4, 1)], (1, 8, 8),
         r"layers\[1\] Conv2D\(2, 1, kernel_size=3.*2 channel\(s\), the input has 4"),
        ([Conv2D(1, 2, 3), Flatten(), Dense(2, 1)], (8, 8),
         r"input_shape must be an int \(features\) or \(channels, height, width\)"),
        ([Dense(4, 8), Conv2D(1, 2, 3), Flatten(), Dense(2, 1)], None,
         r"layers\[1\] Conv2D.*expects images of shape \(channels, height, width\), but the "
         r"layer before it gives vectors of 8 features"),
        ([Conv2D(1, 2, 3), Flatten(), Dense(2, 1)], None,
         r"layers\[0\] Conv2D.*size of its input images is not known; give the network "
         r"input_shape"),
        ([Conv2D(1, 2, 3), Dense(72, 1)], (1, 8, 8),
         r"layers\[1\] expects 72 inputs but the layer before it gives images of shape "
         r"\(2, 6, 6\); put a Flatten\(\) layer before it"),
        ([Conv2D(1, 2, 3)], (1, 8, 8), r"last layer gives images of shape \(2, 6, 6\)"),
    ],
)
def test_bad_shapes_are_refused_naming_the_layer(layers, input_shape, match):
    before = [(layer.n_in, layer.n_out) for layer in layers]
    with pytest.raises(ValueError, match=match):
        Network(layers, input_shape=input_shape)
    assert [(layer.n_in, layer.n_out) for layer in layers] == before  # nothing recorded


def test_direct_forward_checks_the_batch():
    layer = Conv2D(2, 3, 3)
    with pytest.raises(ValueError, match=r"Conv2D\(2, 3.*expects a batch of images of shape "
                                         r"\(n_samples, channels, height, width\), got an array "
                                         r"of shape \(5, 8, 8\)"):
        layer.forward(np.zeros((5, 8, 8)))
    with pytest.raises(ValueError, match=r"Conv2D\(2, 3.*2 channel\(s\), the input has 1"):
        layer.forward(np.zeros((5, 1, 8, 8)))
    with pytest.raises(ValueError, match=r"window is larger than the padded input"):
        layer.forward(np.zeros((5, 2, 2, 8)))
    assert layer.X is None  # refused before anything was stored


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"kernel_size": 0}, ValueError, r"kernel_size must be an int >= 1 or a pair"),
        ({"kernel_size": (3, 3, 3)}, ValueError, r"kernel_size must be .* pair"),
        ({"kernel_size": 3, "stride": 0}, ValueError, r"stride must be an int >= 1"),
        ({"kernel_size": 3, "padding": -1}, ValueError,
         r"padding must be 'same', 'valid', an int >= 0 or a pair of them \(height, width\), "
         r"got -1"),
        ({"kernel_size": 2.5}, ValueError, r"kernel_size"),
        ({"kernel_size": 3, "activation": "softmax"}, ValueError,
         r"activation: Conv2D needs an elementwise activation, got 'softmax'"),
        ({"kernel_size": 3, "activation": "nope"}, ValueError, r"unknown activation"),
        ({"kernel_size": 3, "init": np.zeros((2, 1, 3))}, ValueError,
         r"init must be an initializer name .*, or an array of the kernels' shape "
         r"\(out_channels, in_channels, kh, kw\) = \(2, 1, 3, 3\); got an array of shape "
         r"\(2, 1, 3\)$"),
        ({"kernel_size": 3, "init": np.zeros((2, 1, 3, 2))}, ValueError,
         r"init: explicit kernels must have shape \(out_channels, in_channels, kh, kw\) = "
         r"\(2, 1, 3, 3\), got \(2, 1, 3, 2\)"),
        ({"kernel_size": 3, "dtype": np.int32}, ValueError, r"dtype must be float32 or float64"),
    ],
)
def test_bad_arguments(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Conv2D(1, 2, **kwargs)


@pytest.mark.parametrize("bad", [0, -1, 2.0, True, "3"])
def test_channel_counts_must_be_positive_ints(bad):
    with pytest.raises((TypeError, ValueError), match=r"in_channels"):
        Conv2D(bad, 2, 3)
    with pytest.raises((TypeError, ValueError), match=r"out_channels"):
        Conv2D(1, bad, 3)


# --- the loop reference refuses what it cannot compute ---------------------------------------
_X = np.ones((1, 2, 4, 4))
_W = np.ones((3, 2, 3, 3))


@pytest.mark.parametrize(("call", "message"), [
    # x with 2 channels, W for 1: the extra channel used to be ignored silently
    (lambda: reference.conv2d_forward(_X, np.ones((3, 1, 3, 3))),
     r"W has 1 input channel\(s\) \(W.shape\[1\]\) but x has 2"),
    # W for 3 channels, x with 2: used to raise IndexError
    (lambda: reference.conv2d_forward(_X, np.ones((3, 3, 3, 3))), "but x has 2"),
    # a 5x5 kernel on a 4x4 image: used to return an empty output
    (lambda: reference.conv2d_forward(_X, np.ones((3, 2, 5, 5))),
     r"the 5x5 window does not fit in the 4x4 image with padding 0"),
    (lambda: reference.conv2d_forward(_X, _W, padding=-1), "padding must be an integer >= 0"),
    (lambda: reference.conv2d_forward(_X, _W, stride=0),
     r"stride must be an integer >= 1 or a pair of them \(height, width\), got 0"),
    (lambda: reference.conv2d_forward(_X, _W, stride=1.5), "stride must be an integer"),
    (lambda: reference.conv2d_forward(_X, _W, b=[1.0, 2.0]), r"b must have shape \(3,\)"),
    # not numbers: named, as x and W are (was NumPy's "could not convert string to float")
    (lambda: reference.conv2d_forward(_X, _W, b=["a", 1.0, 2.0]),
     r"b must be an array of shape \(3,\) of numbers, one bias per output channel of W"),
    (lambda: reference.conv2d_forward(np.ones((2, 4, 4)), _W),
     r"x must be a non-empty array of shape \(n_samples, channels, height, width\)"),
    (lambda: reference.conv2d_backward(_X, _W, np.ones((1, 3, 3, 3))),
     r"delta must have the shape of the output \(1, 3, 2, 2\), got shape \(1, 3, 3, 3\)"),
    (lambda: reference.maxpool2d_forward(_X, size=5), "the 5x5 window does not fit"),
    (lambda: reference.avgpool2d_forward(_X, size=2, stride=0), "stride must be an integer >= 1"),
    (lambda: reference.maxpool2d_forward(_X, size=2, padding=2),
     "padding must be at most half the window size 2, got 2"),
    (lambda: reference.avgpool2d_backward(_X, np.ones((1, 2, 3, 3))),
     r"grad_out must have the shape of the output \(1, 2, 2, 2\)"),
    (lambda: reference.maxpool2d_backward(_X, np.ones((1, 2, 2, 2)), size=0),
     r"size must be an integer >= 1 or a pair of them \(height, width\), got 0"),
])
def test_reference_conv_and_pool_check_their_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_reference_conv_with_padding_still_fits_a_large_kernel():
    # a 5x5 kernel fits a 4x4 image padded by 1 (6x6): a 2x2 output of window sums of ones
    z = reference.conv2d_forward(_X, np.ones((1, 2, 5, 5)), padding=1)
    # by hand: every window of the padded 6x6 covers all 4x4 real pixels of each channel
    # (rows -1..3 or 0..4, columns likewise): 16 ones x 2 channels
    assert z.shape == (1, 1, 2, 2)
    assert z[0, 0].tolist() == [[32.0, 32.0], [32.0, 32.0]]


# --- padding="same" / "valid" and dilation -----------------------------------------------------
def test_hand_worked_same_padding_of_an_even_kernel_adds_the_odd_zero_after():
    # 2x2 kernel of ones: "same" adds 1 zero row/column per axis, below and right (as torch),
    # so output (y, x) sums pixels (y..y+1, x..x+1) of [[1 2 3] [4 5 6]], zeros outside
    X = np.array([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]]])
    layer = Conv2D(1, 1, 2, padding="same", activation="identity", init=np.ones((1, 1, 2, 2)))
    assert layer.padding_sides == ((0, 1), (0, 1))
    assert layer.forward(X)[0, 0].tolist() == [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6, 3 + 6],
                                               [4 + 5, 5 + 6, 6]]
    # backward of J = sum(Z): each pixel counts the windows that cover it
    dX = layer.backward(np.ones((1, 1, 2, 3)))
    assert dX[0, 0].tolist() == [[1, 2, 2], [2, 4, 4]]
    assert layer.dW[0, 0].tolist() == [[21, 16], [15, 11]]  # tap (i, j) sees X[i:, j:]
    # a 3x3 kernel (odd) pads 1 on every side; a 4-wide kernel with dilation 2 spans 7:
    # 6 zeros, 3 before and 3 after; 2 with dilation 3 spans 4: 3 zeros, 1 before, 2 after
    assert Conv2D(1, 1, 3, padding="same").padding_sides == ((1, 1), (1, 1))
    assert Conv2D(1, 1, (4, 2), padding="same", dilation=(2, 3)).padding_sides == (
        (3, 3), (1, 2))
    assert Conv2D(1, 1, 3, padding="valid").padding_sides == ((0, 0), (0, 0))


def test_hand_worked_dilation():
    # 2x2 kernel with dilation 2 on a 3x3 image: one window, the four corners
    X = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    W = np.array([[[[1.0, 10.0], [100.0, 1000.0]]]])
    layer = Conv2D(1, 1, 2, dilation=2, activation="identity", init=W)
    assert layer.forward(X)[0, 0].tolist() == [[1 * 1 + 3 * 10 + 7 * 100 + 9 * 1000]]
    dX = layer.backward(np.ones((1, 1, 1, 1)))
    assert dX[0, 0].tolist() == [[1, 0, 10], [0, 0, 0], [100, 0, 1000]]
    assert layer.dW[0, 0].tolist() == [[1, 3], [7, 9]]
    assert reference.conv2d_forward(X, W, dilation=2)[0, 0].tolist() == [[9731.0]]


# (kernel, stride, padding, dilation) that the loop reference takes (int strides and dilations)
OPTIONS = [(3, 1, "same", 1), (2, 1, "same", 1), ((4, 3), 1, "same", 2), ((2, 3), 1, "same", 3),
           (3, 2, "valid", 1), (2, 1, "valid", 2), (3, 2, 1, 2), ((3, 2), 3, 2, 2)]


@pytest.mark.parametrize(("k", "s", "p", "d"), OPTIONS)
def test_padding_and_dilation_match_the_loop_reference(rng, k, s, p, d):
    X = rng.normal(size=(2, 3, 7, 6))
    layer = Conv2D(3, 4, k, stride=s, padding=p, dilation=d, activation="identity", seed=1)
    layer.b = rng.normal(size=4)
    Z = layer.forward(X)
    np.testing.assert_allclose(Z, reference.conv2d_forward(X, layer.W, layer.b, s, p, d),
                               rtol=1e-12, atol=1e-12)
    delta = rng.normal(size=Z.shape)
    dX = layer.backward(delta)
    dx, dW, db = reference.conv2d_backward(X, layer.W, delta, s, p, d)
    np.testing.assert_allclose(dX, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)


def test_same_padding_keeps_each_image_size_of_one_layer(rng):
    """Asymmetric padding in the reused buffers, on images of two sizes (both 72 long padded)."""
    layer = Conv2D(2, 3, 2, padding="same", dilation=(1, 2), activation="identity", seed=0)
    for shape in [(2, 2, 5, 10), (2, 2, 7, 7), (2, 2, 5, 10)]:
        X = rng.normal(size=shape)
        Z = layer.forward(X)
        assert Z.shape[2:] == shape[2:]
        Xp = np.pad(X, ((0, 0), (0, 0), (0, 1), (1, 1)))  # 1 zero row below, 1 column each side
        W = layer.W
        ref = sum(np.einsum("oc,nchw->nohw", W[:, :, i, j],
                            Xp[:, :, i : i + shape[2], 2 * j : 2 * j + shape[3]])
                  for i in range(2) for j in range(2)) + layer.b[:, None, None]
        np.testing.assert_allclose(Z, ref, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("k", "s", "p", "d"), [(2, 1, "same", 2), (3, 1, "same", (1, 2)),
                                                ((2, 3), 2, "valid", 2), (3, (2, 1), 1, 2)])
def test_gradient_check_with_padding_and_dilation(rng, k, s, p, d):
    conv = Conv2D(2, 3, k, stride=s, padding=p, dilation=d, activation="tanh", seed=3)
    net = _conv_net(conv, (2, 7, 6))
    net.params[...] = rng.normal(scale=0.5, size=net.n_params)
    X, Y = rng.normal(size=(3, 2, 7, 6)), rng.normal(size=(3, 2))
    check = chainrule.gradient_check(net, X, Y)
    assert check.rel_diff < 1e-8, str(check)


def test_padding_and_dilation_in_config_and_repr():
    layer = Conv2D(3, 2, 2, padding="same", dilation=(2, 1), activation="tanh")
    assert layer.get_config() == {
        "type": "Conv2D", "in_channels": 3, "out_channels": 2, "kernel_size": 2,
        "stride": 1, "padding": "same", "dilation": [2, 1], "activation": "tanh", "bias": True,
    }
    assert repr(layer) == (
        "Conv2D(3, 2, kernel_size=2, padding='same', dilation=(2, 1), activation='tanh')")
    layer = Conv2D(3, 2, 3, stride=2, padding="valid", dilation=2)
    assert layer.get_config()["padding"] == "valid" and layer.get_config()["dilation"] == 2
    assert repr(layer) == ("Conv2D(3, 2, kernel_size=3, stride=2, padding='valid', dilation=2, "
                           "activation='relu')")
    assert layer.output_shape((3, 9, 8)) == (2, (9 - 5) // 2 + 1, (8 - 5) // 2 + 1)  # spans 5


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"padding": "full"}, r"padding must be 'same', 'valid', an int >= 0 or a pair of them "
                          r"\(height, width\), got 'full'"),
    ({"padding": "SAME"}, r"padding must be 'same', 'valid', .*got 'SAME'"),
    ({"padding": (1, "same")}, r"padding must be 'same', 'valid', .*got \(1, 'same'\)"),
    ({"padding": "same", "stride": 2},
     r"padding='same' needs stride 1 \(as in PyTorch.*\), got stride=2"),
    ({"padding": "same", "stride": (1, 2)}, r"padding='same' needs stride 1 .*got stride=\(1, 2\)"),
    ({"dilation": 0}, r"dilation must be an int >= 1 or a pair of them \(height, width\), got 0"),
    ({"dilation": 1.5}, r"dilation must be an int >= 1 .*got 1.5"),
    ({"dilation": (1, 2, 3)}, r"dilation must be an int >= 1 .*got \(1, 2, 3\)"),
    ({"dilation": True}, r"dilation must be an int >= 1 .*got True"),
])
def test_bad_padding_and_dilation_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv2D(1, 2, 3, **kwargs)


def test_a_dilated_window_larger_than_the_image_is_refused_naming_its_span():
    with pytest.raises(ValueError, match=r"layers\[0\] Conv2D\(1, 2, kernel_size=3, dilation=3.*"
                                         r"the 3x3 window with dilation 3 \(spanning 7x7 pixels\) "
                                         r"is larger than the padded input \(height 6 \+ 2 x "
                                         r"padding 0 = 6\)"):
        Network([Conv2D(1, 2, 3, dilation=3), Flatten(), Dense(2, 1)], input_shape=(1, 6, 9))
    # "same" fits any window: a 5x5 kernel on 2x2 images gives 2x2 outputs, as torch
    assert Conv2D(1, 2, 5, padding="same").output_shape((1, 2, 2)) == (2, 2, 2)


@pytest.mark.parametrize(("call", "message"), [
    (lambda: reference.conv2d_forward(_X, _W, padding="full"),
     r"padding must be 'same', 'valid', an integer >= 0 or a pair of them "
     r"\(height, width\), got 'full'"),
    (lambda: reference.conv2d_forward(_X, _W, stride=2, padding="same"),
     r"padding='same' needs stride 1, got stride=2"),
    (lambda: reference.conv2d_forward(_X, _W, dilation=0), r"dilation must be an integer >= 1"),
    (lambda: reference.conv2d_backward(_X, _W, np.ones((1, 3, 1, 1)), dilation=2),
     r"the 3x3 window with dilation 2 \(spanning 5x5 pixels\) does not fit in the 4x4 image"),
    (lambda: reference.maxpool2d_forward(_X, padding="same"), r"padding must be an integer"),
])
def test_reference_conv_checks_padding_and_dilation(call, message):
    with pytest.raises(ValueError, match=message):
        call()


@pytest.mark.parametrize("layer", [
    Conv2D(3, 4, (4, 3), stride=(1, 2), padding=(1, 2), dilation=(2, 1), bias=False),
    Conv2D(2, 1, 3, padding="same", dilation=(1, 3), activation="tanh"),
    MaxPool2D((2, 3), stride=(1, 2), padding=(1, 0), dilation=(2, 1)),
    AvgPool2D(3, stride=(2, 1), padding=1),
])
def test_a_repr_written_back_builds_the_same_layer(layer):
    """The repr shows pairs as the tuples the constructors document, so it reads back."""
    rebuilt = eval(repr(layer), {"Conv2D": Conv2D, "MaxPool2D": MaxPool2D, "AvgPool2D": AvgPool2D})
    assert rebuilt.get_config() == layer.get_config()
    assert "[" not in repr(layer)



@pytest.mark.parametrize("given, expected", [
    (np.float16, np.float64), (np.longdouble, np.float64), (np.int8, np.float64),
    (np.float32, np.float32), (np.float64, np.float64),
])
def test_explicit_weights_of_any_number_dtype_give_float32_or_float64(given, expected):
    """Dense / Conv2D(init=float16 weights) said "dtype must be float32 or float64, got
    float16", of a dtype the user never passed, while integer weights gave float64.
    Without ``dtype``, float32 weights keep float32 and any other dtype gives float64,
    as the data's dtype decides elsewhere; the weights are the ones given."""
    rng = np.random.default_rng(0)
    W = (rng.normal(size=(3, 4)) * 8).astype(given)
    K = (rng.normal(size=(2, 1, 3, 3)) * 8).astype(given)
    dense, conv = Dense(3, 4, init=W), Conv2D(1, 2, 3, init=K)
    for layer, weights in ((dense, W), (conv, K)):
        assert layer.dtype == expected and layer.W.dtype == expected
        np.testing.assert_array_equal(layer.W, weights.astype(expected))
    x = rng.normal(size=(2, 3))  # the network computes with them in that dtype
    net = Network([Dense(3, 4, activation="identity", init=W)])
    np.testing.assert_allclose(net.predict(x), x @ W.astype(np.float64), rtol=1e-6)
    with pytest.raises(ValueError, match=r"^dtype must be float32 or float64, got float16$"):
        Dense(3, 4, init=W, dtype=np.float16)  # asked for: the message names dtype


@pytest.mark.parametrize("stride", [1, 2])
def test_an_empty_batch_gives_empty_outputs_and_zero_gradients(stride):
    # as Dense, the pools and torch's conv2d: no examples in, none out (it used to stop
    # in a reshape that could not infer the patch rows of an empty batch)
    layer = Conv2D(3, 2, 3, stride=stride, padding=1, activation="tanh", seed=0)
    layer.dW[...] = 1.0
    layer.db[...] = 1.0
    A = layer.forward(np.zeros((0, 3, 5, 5)), training=True)
    side = (5 + 2 * 1 - 3) // stride + 1
    assert A.shape == (0, 2, side, side)
    dX = layer.backward(np.zeros(A.shape))
    assert dX.shape == (0, 3, 5, 5)
    # the gradients are sums over no examples
    assert np.array_equal(layer.dW, np.zeros((2, 3, 3, 3)))
    assert np.array_equal(layer.db, np.zeros(2))


@pytest.mark.parametrize("init", ["glorot_uniform", "xavier_uniform", "ufldl"])
def test_glorot_family_limit_uses_the_receptive_field_fan_out(init):
    # 16 -> 64 channels, 5 x 5: fan_in = 16 * 25, fan_out = 64 * 25 (Keras, PyTorch)
    layer = Conv2D(16, 64, 5, activation="tanh", init=init, seed=0)
    extra = 1 if init == "ufldl" else 0
    limit = np.sqrt(6 / (16 * 25 + 64 * 25 + extra))
    assert np.abs(layer.W).max() <= limit
    assert np.abs(layer.W).max() > 0.999 * limit  # 25,600 draws reach the bound
    # the same stream as the initialiser called on its own, with fan_out * kh * kw
    W = get_initializer(init)(np.random.default_rng(0), 16 * 25, 64, receptive_field=25)
    np.testing.assert_array_equal(layer.W, W.T.reshape(64, 16, 5, 5))


def test_glorot_normal_std_uses_the_receptive_field_fan_out():
    layer = Conv2D(16, 64, (5, 3), activation="tanh", init="glorot_normal", seed=0)
    std = np.sqrt(2 / (16 * 15 + 64 * 15))
    assert abs(layer.W.std() / std - 1) < 0.03


@pytest.mark.parametrize("init", ["he_normal", "he_uniform", "normal", "normal(eps=0.5)"])
def test_initialisers_without_fan_out_are_unchanged_in_a_convolution(init):
    layer = Conv2D(3, 8, 3, init=init, seed=4)
    W = get_initializer(init)(np.random.default_rng(4), 27, 8)
    np.testing.assert_array_equal(layer.W, W.T.reshape(8, 3, 3, 3))


def test_a_custom_initialiser_is_called_with_the_patch_and_out_channels():
    calls = []

    def init(rng, fan_in, fan_out):
        calls.append((fan_in, fan_out))
        return np.full((fan_in, fan_out), 0.5)

    layer = Conv2D(3, 8, (3, 2), init=init, seed=0)
    assert calls == [(18, 8)] and layer.init == "init"
    assert np.all(layer.W == 0.5) and layer.W.shape == (8, 3, 3, 2)


def test_dense_glorot_limit_is_unchanged():
    W = Dense(400, 64, init="glorot_uniform", seed=0).W
    limit = np.sqrt(6 / (400 + 64))
    assert limit * 0.999 < np.abs(W).max() <= limit
