"""The faster forms of the CNN layers' passes give the numbers of the loop references.

Conv2D's dW in either product orientation, col2im's gathered sums (checked as the
adjoint of im2col), and MaxPool2D's contiguous tap copies and tiled backward.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Conv2D, MaxPool2D, _spatial, conv, reference
from chainrule._spatial import col2im, col2im_width, im2col, sides, window_output


@pytest.mark.parametrize("threshold", [0, 10**9])  # every patch transposed, or none
@pytest.mark.parametrize(("c", "k", "s", "p", "d"), [
    (6, 5, 1, 0, 1), (6, 5, 1, 2, 1), (3, 3, 1, 1, 1), (7, (5, 4), 2, 1, 1), (5, 3, 1, 2, 2)])
def test_dW_in_either_orientation_matches_the_loop_reference(rng, monkeypatch, threshold, c, k,
                                                            s, p, d):
    """Both products, per example ``delta @ patches^T`` and ``patches @ delta^T``, sum to dW.

    (6, 5): 150 rows, transposed by default; (3, 3): 27 rows, not.
    """
    monkeypatch.setattr(conv, "DW_TRANSPOSED_ROWS", threshold)
    X = rng.normal(size=(3, c, 11, 9))
    layer = Conv2D(c, 4, k, stride=s, padding=p, dilation=d, activation="identity", seed=1)
    Z = layer.forward(X)
    delta = rng.normal(size=Z.shape)
    dX = layer.backward(delta)
    dx, dW, db = reference.conv2d_backward(X, layer.W, delta, s, p, dilation=d)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(dX, dx, rtol=1e-12, atol=1e-12)


def test_dW_orientations_agree_on_float32_lenet_shapes(rng, monkeypatch):
    """LeNet's second convolution in float32: the two orientations within float rounding."""
    X = rng.random((16, 6, 14, 14), dtype=np.float32)
    delta = rng.standard_normal((16, 16, 10, 10), dtype=np.float32)
    dWs = []
    for threshold in (0, 10**9):
        monkeypatch.setattr(conv, "DW_TRANSPOSED_ROWS", threshold)
        layer = Conv2D(6, 16, 5, activation="identity", seed=0, dtype=np.float32)
        layer.forward(X)
        layer.backward(delta)
        dWs.append(layer.dW.astype(np.float64))
    # float64 by hand: dW[o, c, i, j] = sum_{n, y, x} delta[n, o, y, x] X[n, c, y + i, x + j]
    Xd, dd = X.astype(np.float64), delta.astype(np.float64)
    ref = np.zeros((16, 6, 5, 5))
    for i in range(5):
        for j in range(5):
            ref[:, :, i, j] = np.einsum("noyx,ncyx->oc", dd, Xd[:, :, i : i + 10, j : j + 10])
    for dW in dWs:
        np.testing.assert_allclose(dW, ref, rtol=1e-4, atol=1e-4)


# (in_hw, kernel, stride, padding ((top, bottom), (left, right)), dilation)
COL2IM = [((7, 6), (3, 3), (1, 1), ((0, 0), (0, 0)), (1, 1)),
          ((7, 6), (3, 2), (1, 1), ((1, 1), (2, 2)), (1, 1)),
          ((14, 14), (5, 5), (1, 1), ((0, 0), (0, 0)), (1, 1)),
          ((28, 28), (5, 5), (1, 1), ((2, 2), (2, 2)), (1, 1)),
          ((9, 8), (2, 3), (1, 1), ((1, 2), (2, 2)), (2, 1)),  # "same": unequal sides
          ((4, 10), (1, 1), (1, 1), ((0, 0), (0, 0)), (1, 1)),
          ((12, 13), (3, 3), (1, 1), ((1, 1), (2, 2)), (2, 2)),
          ((7, 6), (3, 3), (2, 2), ((1, 1), (1, 1)), (1, 1))]


@pytest.mark.parametrize(("in_hw", "kernel", "stride", "padding", "dilation"), COL2IM)
def test_col2im_is_the_adjoint_of_im2col(rng, in_hw, kernel, stride, padding, dilation):
    """<im2col(X), G> = <X, col2im(G)> for every X and every G of the windows' shape.

    G is zero in the grid columns that are no window and, with stride 1, after each
    row's ``out_h * grid_w`` columns (the zeros col2im gathers from).
    """
    n, c = 3, 2
    (ho, wo) = window_output("layer", in_hw, kernel, stride, padding, dilation)
    X = rng.normal(size=(n, c, *in_hw))
    patches, pw = im2col(X, kernel, stride, padding, (ho, wo), None, dilation)
    # col2im's grid: rows of the padded width with stride 1 (see Conv2D.backward_delta)
    gw = in_hw[1] + sum(sides(padding)[1]) if stride == (1, 1) else wo
    width = col2im_width(in_hw, kernel, stride, padding, (ho, wo), gw, dilation)
    G = np.zeros((n, c, *kernel, width))
    grid = G[..., : ho * gw].reshape(n, c, *kernel, ho, gw)
    grid[..., :wo] = rng.normal(size=(n, c, *kernel, ho, wo))
    dX = col2im(G, in_hw, stride, padding, (ho, wo), gw, dilation)
    assert dX.shape == X.shape
    lhs = np.sum(patches.reshape(n, c, *kernel, ho, pw)[..., :wo] * grid[..., :wo])
    np.testing.assert_allclose(np.sum(X * dX), lhs, rtol=1e-12)
    # and pixel by pixel against the sums written out: each window tap adds its gradient
    (pt, pb), (pl, pr) = sides(padding)
    ref = np.zeros((n, c, in_hw[0] + pt + pb, in_hw[1] + pl + pr))
    for i in range(kernel[0]):
        for j in range(kernel[1]):
            for y in range(ho):
                for x in range(wo):
                    ref[:, :, stride[0] * y + dilation[0] * i,
                        stride[1] * x + dilation[1] * j] += grid[:, :, i, j, y, x]
    np.testing.assert_allclose(dX, ref[:, :, pt : pt + in_hw[0], pl : pl + in_hw[1]],
                               rtol=1e-12, atol=1e-12)


def test_col2im_refuses_rows_of_another_width():
    # 5x5 image, 3x3 kernel: 3 rows of 5 columns, and the last tap's offset 2 * 5 + 2 = 12
    # after them: 27 columns (the 25 pixels are fewer)
    G = np.zeros((1, 1, 3, 3, 25))
    with pytest.raises(ValueError, match="dpatches: expected 27 columns per row"):
        col2im(G, (5, 5), (1, 1), (0, 0), (3, 3), 5)


def test_a_conv_after_images_of_another_size_with_the_same_buffer_shape(rng):
    """The backward buffer's zero columns survive a batch of images of another size.

    3x12 and 4x9 images with a 2x2 kernel both need rows of 36 columns, but the first
    fills 2 * 12 = 24 of them and the second 3 * 9 = 27: the second's columns 24-26 must
    not keep the first one's gradients, nor the third's (3x12 again) the second's.
    """
    layer = Conv2D(2, 3, 2, activation="identity", seed=0)
    for shape in [(2, 2, 3, 12), (2, 2, 4, 9), (2, 2, 3, 12)]:
        X = rng.normal(size=shape)
        Z = layer.forward(X)
        delta = rng.normal(size=Z.shape)
        dx, _, _ = reference.conv2d_backward(X, layer.W, delta, 1, 0)
        np.testing.assert_allclose(layer.backward(delta), dx, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("shape", "size", "stride", "padding", "ceil_mode"), [
    ((2, 3, 8, 6), 2, None, 0, False),  # tiled: every pixel written once
    ((2, 3, 6, 6), 3, None, 0, False),
    ((2, 3, 6, 8), 2, None, 1, False),  # tiled with the padding
    ((2, 3, 7, 6), 2, None, 0, False),  # a row left over: zeros
    ((2, 3, 7, 7), 2, None, 0, True),  # ceil mode
    ((2, 3, 7, 6), 3, 2, 1, False)])  # overlapping
def test_max_pool_backward_writes_every_pixel_after_garbage(rng, shape, size, stride, padding,
                                                            ceil_mode):
    """The tiled backward starts from uninitialised memory: it must write every pixel.

    Arrays of NaN of the gradient's size are freed right before, so the memory handed
    out again is likely full of them.
    """
    X = rng.normal(size=shape)
    layer = MaxPool2D(size, stride, padding, ceil_mode=ceil_mode)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    for _ in range(3):
        np.full(X.size + 64, np.nan)  # freed at once
        dX = layer.backward(G)
        expected = reference.maxpool2d_backward(X, G, size, stride, padding,
                                                ceil_mode=ceil_mode)
        np.testing.assert_allclose(dX, expected, rtol=1e-13, atol=1e-13)
    # and the forward's tap copies give the loop reference, ties to the first pixel
    Xt = np.round(X)  # many ties
    np.testing.assert_array_equal(
        layer.forward(Xt), reference.maxpool2d_forward(Xt, size, stride, padding,
                                                       ceil_mode=ceil_mode))
    np.testing.assert_allclose(
        layer.backward(G), reference.maxpool2d_backward(Xt, G, size, stride, padding,
                                                        ceil_mode=ceil_mode),
        rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("in_hw", "kernel", "stride", "padding", "dilation"), COL2IM)
def test_im2col_gathers_each_window_tap_written_out(rng, in_hw, kernel, stride, padding,
                                                     dilation):
    """``patches[n, c, i, j, y * grid_w + x]`` is pixel (s y + d i, s x + d j) of the
    padded image, for every window (y, x), and the buffer reused for a second batch."""
    (ho, wo) = window_output("layer", in_hw, kernel, stride, padding, dilation)
    (pt, pb), (pl, pr) = sides(padding)
    work: dict = {}
    for _ in range(2):
        X = rng.normal(size=(3, 2, *in_hw))
        patches, gw = im2col(X, kernel, stride, padding, (ho, wo), work, dilation)
        Xp = np.zeros((3, 2, in_hw[0] + pt + pb, in_hw[1] + pl + pr))
        Xp[:, :, pt : pt + in_hw[0], pl : pl + in_hw[1]] = X
        assert patches.shape == (3, 2, *kernel, ho * gw)
        for i in range(kernel[0]):
            for j in range(kernel[1]):
                for y in range(ho):
                    for x in range(wo):
                        np.testing.assert_array_equal(
                            patches[:, :, i, j, y * gw + x],
                            Xp[:, :, stride[0] * y + dilation[0] * i,
                               stride[1] * x + dilation[1] * j])


@pytest.mark.parametrize(("shape", "c", "k", "p"), [((64, 1, 28, 28), 1, 5, 2),
                                                    ((64, 6, 14, 14), 6, 5, 0),
                                                    ((0, 2, 6, 6), 2, 3, 1)])
def test_bias_gradient_is_the_sum_of_delta_over_batch_and_positions(rng, shape, c, k, p):
    """db[o] = sum over examples and positions of delta[:, o]: float32 against a float64
    sum (the BLAS sums round differently from NumPy's), and an empty batch gives zeros."""
    X = rng.random(shape, dtype=np.float32)
    layer = Conv2D(c, 16, k, padding=p, activation="identity", seed=0, dtype=np.float32)
    Z = layer.forward(X)
    delta = rng.standard_normal(Z.shape, dtype=np.float32)
    layer.db[...] = np.nan  # written, not added to
    layer.backward(delta)
    expected = delta.astype(np.float64).sum(axis=(0, 2, 3))
    assert layer.db.dtype == np.float32
    np.testing.assert_allclose(layer.db, expected, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("grid_below", [0, 10**9])  # windows copied exactly, or on the grid
@pytest.mark.parametrize(("k", "p", "d"), [(3, 1, 1), (5, 2, 1), (2, "same", 2), ((3, 2), 0, 1)])
def test_both_patch_layouts_match_the_loop_reference(rng, monkeypatch, grid_below, k, p, d):
    """im2col's two layouts (out_w columns, or the padded width's) give the same layer."""
    monkeypatch.setattr(_spatial, "GRID_BELOW", grid_below)
    X = rng.normal(size=(3, 2, 9, 10))
    layer = Conv2D(2, 3, k, padding=p, dilation=d, activation="identity", seed=2)
    layer.b = rng.normal(size=3)
    Z = layer.forward(X)
    np.testing.assert_allclose(Z, reference.conv2d_forward(X, layer.W, layer.b, 1, p, d),
                               rtol=1e-12, atol=1e-12)
    width = Z.shape[3] if grid_below == 0 else 10 + sum(layer.padding_sides[1])
    assert layer.patches.shape == (3, 2, *layer.kernel_size, Z.shape[2] * width)
    delta = rng.normal(size=Z.shape)
    dX = layer.backward(delta)
    dx, dW, db = reference.conv2d_backward(X, layer.W, delta, 1, p, d)
    np.testing.assert_allclose(dX, dx, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.dW, dW, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.db, db, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("chunk", [1, 2, 5, 100])  # examples per chunk, of a batch of 5
@pytest.mark.parametrize(("k", "s", "p", "d"), [(3, 1, 1, 1), (5, 1, 0, 1), (2, 1, "same", 2),
                                                ((3, 2), 2, 1, 1)])
def test_input_gradient_in_chunks_matches_the_loop_reference(rng, monkeypatch, chunk, k, s, p,
                                                             d):
    """dJ/dX computed for a few examples at a time (the last chunk shorter) is the loop
    reference's, over two batches, the second smaller, through the same buffers."""
    layer = Conv2D(3, 4, k, stride=s, padding=p, dilation=d, activation="identity", seed=3)
    for n in (5, 3):
        X = rng.normal(size=(n, 3, 9, 10))
        Z = layer.forward(X)
        kh, kw = layer.kernel_size
        width = _spatial.col2im_width(X.shape[2:], layer.kernel_size, layer.stride,
                                      layer.padding_sides, Z.shape[2:], 10 + sum(
                                          layer.padding_sides[1]), layer.dilation)
        monkeypatch.setattr(conv, "CHUNK_BYTES", chunk * 3 * kh * kw * width * 8)
        delta = rng.normal(size=Z.shape)
        dx, _, _ = reference.conv2d_backward(X, layer.W, delta, s, p, d)
        np.testing.assert_allclose(layer.backward(delta), dx, rtol=1e-12, atol=1e-12)
