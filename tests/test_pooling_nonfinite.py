"""Max pooling of windows whose maximum is not finite: where the gradient goes, as PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import MaxPool2D, reference

# (size, stride, padding, dilation, ceil_mode): windows with taps in the padding
PADDED = [(2, 2, 1, 1, False), (3, 2, 1, 1, True), (2, 1, 1, 1, False), (3, 1, 1, 2, False),
          (3, 2, 1, 2, True), ((3, 2), (2, 1), (1, 1), (1, 2), False)]


def _torch_max_pool(X, g, size, stride, padding, dilation, ceil_mode):
    """PyTorch's output and input gradient for ``X`` and ``dJ/d(output)`` ``g``."""
    torch = pytest.importorskip("torch")
    x = torch.tensor(X, requires_grad=True)
    out = torch.nn.functional.max_pool2d(x, size, stride, padding, dilation,
                                         ceil_mode=ceil_mode)
    out.backward(torch.tensor(g))
    return out.detach().numpy(), x.grad.numpy()


def test_a_window_of_minus_inf_pixels_keeps_its_gradient():
    # each 2x2 window of the padded 4x4 input holds one pixel of the image and three of
    # padding, all -inf: the gradient goes to that pixel, not to the padding (lost there)
    X = np.full((1, 1, 2, 2), -np.inf)
    layer = MaxPool2D(2, 2, padding=1)
    assert layer.forward(X).tolist() == [[[[-np.inf, -np.inf], [-np.inf, -np.inf]]]]
    g = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    assert layer.backward(g).tolist() == [[[[1.0, 2.0], [3.0, 4.0]]]]
    assert reference.maxpool2d_backward(X, g, 2, 2, 1).tolist() == [[[[1.0, 2.0],
                                                                       [3.0, 4.0]]]]


@pytest.mark.parametrize(("size", "stride", "padding", "dilation", "ceil_mode"), PADDED)
def test_windows_of_minus_inf_pixels_send_the_gradient_as_pytorch(rng, size, stride, padding,
                                                                   dilation, ceil_mode):
    X = rng.normal(size=(2, 3, 7, 6))
    X[rng.random(X.shape) < 0.7] = -np.inf  # many windows all -inf, some not
    layer = MaxPool2D(size, stride, padding, dilation, ceil_mode)
    A = layer.forward(X)
    assert np.isneginf(A).any() and np.isfinite(A).any()
    g = rng.normal(size=A.shape)
    want_A, want_dX = _torch_max_pool(X, g, size, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(A, want_A)
    np.testing.assert_allclose(layer.backward(g), want_dX, rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(
        reference.maxpool2d_backward(X, g, size, stride, padding, dilation, ceil_mode),
        want_dX, rtol=1e-13, atol=1e-15)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_minus_inf_images_keep_the_gradient_in_either_dtype(dtype):
    X = np.full((2, 2, 3, 3), -np.inf, dtype=dtype)
    layer = MaxPool2D(2, 2, padding=1)
    g = np.ones((2, 2, 2, 2), dtype=dtype)
    layer.forward(X)
    dX = layer.backward(g)
    assert dX.dtype == dtype
    # every 2x2 window's first pixel in the image: (0, 0), (0, 1), (1, 0), (1, 1) of the
    # image, so the gradient of the four windows stays in the image
    assert dX.sum() == g.sum()
    assert dX[0, 0].tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 0]]


def test_a_window_holding_nan_gives_nan_and_sends_the_gradient_to_it():
    # PyTorch's rule, hand-worked: NaN counts as the largest; of several, the last wins
    X = np.array([[[[1.0, np.nan, 5.0, 2.0],
                    [0.0, 2.0, np.nan, np.nan]]]])
    layer = MaxPool2D(2)
    A = layer.forward(X)
    assert np.isnan(A).all()
    dX = layer.backward(np.array([[[[3.0, 4.0]]]]))
    assert dX.tolist() == [[[[0.0, 3.0, 0.0, 0.0], [0.0, 0.0, 0.0, 4.0]]]]
    assert np.isnan(reference.maxpool2d_forward(X)).all()
    assert reference.maxpool2d_backward(X, [[[[3.0, 4.0]]]]).tolist() == dX.tolist()


@pytest.mark.parametrize(("size", "stride", "padding", "dilation", "ceil_mode"),
                         [(2, None, 0, 1, False), (3, 1, 0, 1, False), (2, 3, 0, 1, True),
                          *PADDED])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_windows_holding_nan_match_pytorch(rng, size, stride, padding, dilation, ceil_mode,
                                           dtype):
    X = rng.normal(size=(2, 3, 7, 6)).astype(dtype)
    draw = rng.random(X.shape)
    X[draw < 0.15] = np.nan
    X[draw > 0.8] = -np.inf  # windows of NaN and -inf together, and of -inf alone
    layer = MaxPool2D(size, stride, padding, dilation, ceil_mode)
    A = layer.forward(X)
    assert np.isnan(A).any() and np.isfinite(A).any()
    g = rng.normal(size=A.shape).astype(dtype)
    want_A, want_dX = _torch_max_pool(X, g, size, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(A, want_A)
    dX = layer.backward(g)
    assert dX.dtype == dtype
    tol = 1e-6 if dtype == np.float32 else 1e-13
    np.testing.assert_allclose(dX, want_dX, rtol=tol, atol=tol)
    options = (size, stride, padding, dilation, ceil_mode)
    np.testing.assert_array_equal(reference.maxpool2d_forward(X, *options), want_A)
    np.testing.assert_allclose(reference.maxpool2d_backward(X, g, *options), want_dX,
                               rtol=tol, atol=tol)
