"""The teaching loops of pooling and convolution take every argument the layers take.

Rectangular windows, and strides, paddings and dilations given as pairs (height,
width), checked three ways: the loops of :mod:`chainrule.reference`, the
vectorised layers, and PyTorch's functional pools and convolution (outputs and
input gradients; the convolution's kernel and bias gradients too).
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import AvgPool2D, Conv2D, MaxPool2D, reference

TOL = {"rtol": 1e-12, "atol": 1e-12}

# (size, stride, padding, dilation) with unequal height and width; stride None: the size
POOL_GEOMETRIES = [
    ((2, 3), None, 0, 1),
    ((3, 2), (2, 1), (1, 0), 1),
    ((2, 4), (3, 2), (1, 2), 1),
    (2, (1, 3), (1, 0), 1),
    ((3, 3), (1, 2), (1, 1), (2, 1)),  # dilation: max pooling only
    ((3, 2), (2, 3), (0, 1), (1, 2)),
]
MODES = [(False, True), (True, True), (False, False), (True, False)]


def _pools(dilation):
    """(layer class, loop forward, loop backward, name of torch's pool, options) for each
    pool that takes ``dilation`` (AvgPool2D has none, nor PyTorch's)."""
    pools = [(MaxPool2D, reference.maxpool2d_forward, reference.maxpool2d_backward,
              "max_pool2d", "dilation")]
    if dilation == 1:
        pools.append((AvgPool2D, reference.avgpool2d_forward, reference.avgpool2d_backward,
                      "avg_pool2d", "count_include_pad"))
    return pools


@pytest.mark.parametrize(("size", "stride", "padding", "dilation"), POOL_GEOMETRIES)
@pytest.mark.parametrize(("ceil_mode", "count_include_pad"), MODES)
def test_pool_loops_with_pairs_match_the_layers_and_pytorch(rng, size, stride, padding,
                                                            dilation, ceil_mode,
                                                            count_include_pad):
    torch = pytest.importorskip("torch")
    X = rng.normal(size=(2, 2, 7, 8))  # continuous draws: no ties in a max window
    for cls, loop_forward, loop_backward, torch_name, option in _pools(dilation):
        extra = {"dilation": dilation} if option == "dilation" else \
            {"count_include_pad": count_include_pad}
        layer = cls(size, stride, padding, ceil_mode=ceil_mode, **extra)
        A = layer.forward(X)
        loop_A = loop_forward(X, size, stride, padding, ceil_mode=ceil_mode, **extra)
        x = torch.tensor(X, requires_grad=True)
        out = getattr(torch.nn.functional, torch_name)(
            x, size, size if stride is None else stride, padding, ceil_mode=ceil_mode, **extra)
        np.testing.assert_allclose(loop_A, out.detach().numpy(), **TOL)
        np.testing.assert_allclose(A, out.detach().numpy(), **TOL)

        g = rng.normal(size=A.shape)
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(loop_backward(X, g, size, stride, padding,
                                                 ceil_mode=ceil_mode, **extra),
                                   x.grad.numpy(), **TOL)
        np.testing.assert_allclose(layer.backward(g), x.grad.numpy(), **TOL)


def test_hand_worked_rectangular_windows_in_the_loops():
    X = np.arange(1.0, 13.0).reshape(1, 1, 3, 4)  # [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]
    # 1 row x 2 columns, side by side: the pairs of each row
    assert reference.maxpool2d_forward(X, (1, 2))[0, 0].tolist() == \
        [[2, 4], [6, 8], [10, 12]]
    # 3 rows x 2 columns, stride (1, 2), one zero column left and right, padding not counted
    assert reference.avgpool2d_forward(X, (3, 2), (1, 2), (0, 1),
                                       count_include_pad=False)[0, 0].tolist() == \
        [[(1 + 5 + 9) / 3, (2 + 3 + 6 + 7 + 10 + 11) / 6, (4 + 8 + 12) / 3]]
    # and counted: each window divides by its 6 pixels, zeros included
    g = np.array([[[[6.0, 12.0, 18.0]]]])
    assert reference.avgpool2d_backward(X, g, (3, 2), (1, 2), (0, 1))[0, 0].tolist() == \
        [[1, 2, 2, 3], [1, 2, 2, 3], [1, 2, 2, 3]]


@pytest.mark.parametrize(("call", "message"), [
    (lambda: reference.maxpool2d_forward(np.ones((1, 1, 4, 4)), (2, 0)),
     r"size must be an integer >= 1 or a pair of them \(height, width\), got \(2, 0\)"),
    (lambda: reference.avgpool2d_forward(np.ones((1, 1, 4, 4)), 2, (1, 2, 3)),
     r"stride must be an integer >= 1 or a pair of them \(height, width\), got \(1, 2, 3\)"),
    (lambda: reference.maxpool2d_forward(np.ones((1, 1, 4, 4)), (2, 3), 1, (1, 2)),
     r"padding must be at most half the window size \(2, 3\), got \(1, 2\)"),
    (lambda: reference.maxpool2d_forward(np.ones((1, 1, 4, 4)), 2, 1, 0, (1, True)),
     r"dilation must be an integer >= 1 or a pair of them \(height, width\), got \(1, True\)"),
    (lambda: reference.maxpool2d_forward(np.ones((1, 1, 4, 2)), (2, 3)),
     r"the 2x3 window does not fit in the 4x2 image with padding 0 \(padded 4x2\)"),
    (lambda: reference.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)),
                                      padding=(1, -1)),
     r"padding must be an integer >= 0 or a pair of them \(height, width\), got \(1, -1\)"),
    (lambda: reference.conv2d_forward(np.ones((1, 1, 4, 4)), np.ones((1, 1, 2, 2)),
                                      stride=(1, 2), padding="same"),
     r"padding='same' needs stride 1, got stride=\(1, 2\)"),
])
def test_the_loops_refuse_bad_pairs_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_pool_loops_refuse_a_window_wholly_in_the_padding_along_the_width_as_the_layer():
    # dilation (1, 3) on 2 columns, padding (0, 1): taps at columns -1, 2 both miss the image
    X = np.arange(8.0).reshape(1, 1, 4, 2)
    layer = MaxPool2D((2, 2), 1, (0, 1), dilation=(1, 3))
    with pytest.raises(ValueError) as err:
        layer.forward(X)
    with pytest.raises(ValueError) as loop_err:
        reference.maxpool2d_forward(X, (2, 2), 1, (0, 1), (1, 3))
    assert "along the width has a window wholly in the padding" in str(loop_err.value)
    assert str(err.value) == f"{layer!r}: {loop_err.value}"


# (kernel (kh, kw), stride, padding, dilation), pairs with unequal height and width
CONV_GEOMETRIES = [
    ((2, 3), (2, 1), (1, 0), 1),
    ((3, 2), (1, 2), (0, 2), (2, 1)),
    ((1, 3), 1, "same", (1, 2)),
    ((3, 1), (3, 2), "valid", (2, 3)),
]


@pytest.mark.parametrize(("kernel", "stride", "padding", "dilation"), CONV_GEOMETRIES)
def test_conv_loops_with_pairs_match_the_layer_and_pytorch(rng, kernel, stride, padding,
                                                           dilation):
    torch = pytest.importorskip("torch")
    X = rng.normal(size=(2, 2, 7, 8))
    layer = Conv2D(2, 3, kernel, stride=stride, padding=padding, dilation=dilation,
                   activation="identity", seed=0)
    layer.b = rng.normal(size=3)
    Z = layer.forward(X)
    loop_Z = reference.conv2d_forward(X, layer.W, layer.b, stride, padding, dilation)
    x, W, b = (torch.tensor(a, requires_grad=True) for a in (X, layer.W, layer.b))
    out = torch.nn.functional.conv2d(x, W, b, stride=stride, padding=padding,
                                     dilation=dilation)
    np.testing.assert_allclose(loop_Z, out.detach().numpy(), **TOL)
    np.testing.assert_allclose(Z, out.detach().numpy(), **TOL)

    delta = rng.normal(size=Z.shape)
    out.backward(torch.tensor(delta))
    dx, dW, db = reference.conv2d_backward(X, layer.W, delta, stride, padding, dilation)
    dX = layer.backward(delta)
    for loop_grad, layer_grad, torch_grad in ((dx, dX, x.grad), (dW, layer.dW, W.grad),
                                              (db, layer.db, b.grad)):
        np.testing.assert_allclose(loop_grad, torch_grad.numpy(), **TOL)
        np.testing.assert_allclose(layer_grad, torch_grad.numpy(), **TOL)
