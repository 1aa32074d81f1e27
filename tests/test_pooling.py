"""MaxPool2D, AvgPool2D, Flatten: hand-worked numbers, loop reference, gradient checks, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest

import chainrule
from chainrule import AvgPool2D, Conv2D, Dense, Flatten, MaxPool2D, Network, reference
from cnn_helpers import draw_away_from_ties, windows_gap

# (size, stride, padding): side by side, overlapping, with gaps, padded
GEOMETRIES = [(2, None, 0), (3, 2, 1), (2, 1, 1), (3, 1, 0), (2, 3, 0), (3, 3, 1)]

POOLS = [
    (MaxPool2D, reference.maxpool2d_forward, reference.maxpool2d_backward),
    (AvgPool2D, reference.avgpool2d_forward, reference.avgpool2d_backward),
]


def test_hand_worked_max_and_average_pooling():
    X = np.array([[[[1.0, 5.0, 2.0, 0.0],
                    [3.0, 4.0, 8.0, 6.0],
                    [0.0, 1.0, 7.0, 2.0],
                    [9.0, 2.0, 3.0, 4.0]]]])
    mp, ap = MaxPool2D(2), AvgPool2D(2)
    assert mp.forward(X)[0, 0].tolist() == [[5.0, 8.0], [9.0, 7.0]]
    assert ap.forward(X)[0, 0].tolist() == [[13 / 4, 16 / 4], [12 / 4, 16 / 4]]
    assert reference.maxpool2d_forward(X)[0, 0].tolist() == [[5.0, 8.0], [9.0, 7.0]]
    assert reference.avgpool2d_forward(X)[0, 0].tolist() == [[13 / 4, 16 / 4], [12 / 4, 16 / 4]]
    g = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    # max: each gradient goes to the pixel that was its window's maximum
    assert mp.backward(g)[0, 0].tolist() == [[0, 1, 0, 0], [0, 0, 2, 0], [0, 0, 4, 0],
                                             [3, 0, 0, 0]]
    # average: a quarter of it to every pixel of the window
    assert ap.backward(g)[0, 0].tolist() == [[0.25, 0.25, 0.5, 0.5], [0.25, 0.25, 0.5, 0.5],
                                             [0.75, 0.75, 1.0, 1.0], [0.75, 0.75, 1.0, 1.0]]


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    X = np.array([[[[2.0, 2.0], [2.0, 1.0]]]])
    layer = MaxPool2D(2)
    layer.forward(X)
    dX = layer.backward(np.array([[[[5.0]]]]))
    assert dX[0, 0].tolist() == [[5.0, 0.0], [0.0, 0.0]]
    assert dX.tolist() == reference.maxpool2d_backward(X, [[[[5.0]]]], 2).tolist()


@pytest.mark.parametrize(("size", "stride", "padding"), GEOMETRIES)
@pytest.mark.parametrize(("cls", "ref_forward", "ref_backward"), POOLS)
def test_pooling_matches_the_loop_reference(rng, cls, ref_forward, ref_backward, size, stride,
                                            padding):
    X = rng.normal(size=(2, 3, 7, 6))
    layer = cls(size, stride, padding)
    A = layer.forward(X)
    np.testing.assert_allclose(A, ref_forward(X, size, stride, padding), rtol=1e-13, atol=1e-13)
    g = rng.normal(size=A.shape)
    np.testing.assert_allclose(layer.backward(g), ref_backward(X, g, size, stride, padding),
                               rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("size", "stride", "padding"), GEOMETRIES)
@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_gradient_check_of_the_pooling_layers(rng, cls, size, stride, padding):
    # Conv (tanh) -> pool -> Flatten -> Dense: the pool's input depends on parameters
    conv = Conv2D(2, 3, 3, padding=1, activation="tanh", seed=1)
    pool = cls(size, stride, padding)
    flat = int(np.prod(pool.output_shape(conv.output_shape((2, 7, 6)))))
    net = Network([conv, pool, Flatten(), Dense(flat, 2, "identity", init="glorot_uniform",
                                                seed=2)], input_shape=(2, 7, 6))
    net.params[...] = rng.normal(scale=0.3, size=net.n_params)
    # away from ties: every window's maximum leads by > 2e-3, so no step of 1e-4 changes it
    X = draw_away_from_ties(rng, (3, 2, 7, 6), conv.forward, size, stride or size, padding)
    if cls is MaxPool2D:
        assert windows_gap(conv.forward(X), size, stride or size, padding) > 2e-3
    Y = rng.normal(size=(3, 2))
    check = chainrule.gradient_check(net, X, Y)
    assert check.rel_diff < 1e-8, str(check)


def test_pooling_on_the_input_gradient_check(rng):
    # pooling first, then a conv: dJ/dX flows through pooling into nothing, parameters after it
    X = rng.permutation(np.linspace(-3, 3, 2 * 1 * 8 * 8)).reshape(2, 1, 8, 8)  # distinct values
    net = Network([MaxPool2D(2), Conv2D(1, 2, 3, padding=1, activation="sigmoid", seed=0),
                   AvgPool2D(2, padding=1), Flatten(), Dense(18, 1, "identity", seed=0)],
                  input_shape=(1, 8, 8))
    check = chainrule.gradient_check(net, X, rng.normal(size=(2, 1)))
    assert check.rel_diff < 1e-8, str(check)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_pooling_keeps_the_dtype(rng, cls, dtype):
    X = rng.normal(size=(2, 3, 6, 6)).astype(dtype)
    layer = cls(3, 2, 1)
    A = layer.forward(X)
    assert A.dtype == dtype and layer.backward(np.ones_like(A)).dtype == dtype


@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_pooling_takes_float16_images_as_float64(rng, cls):
    """float16 images kept float16: AvgPool2D(64) of a 64 x 64 image of 2000s summed to
    inf (float16 ends at 65504) and gave inf for the mean 2000.  They are now pooled in
    float64, as integer images are and as Conv2D, BatchNorm and Dropout compute."""
    big = np.full((1, 2, 64, 64), 2000, dtype=np.float16)
    A = cls(64).forward(big)
    assert A.dtype == np.float64
    np.testing.assert_array_equal(A, np.full((1, 2, 1, 1), 2000.0))
    X = rng.normal(size=(2, 3, 6, 6)).astype(np.float16)
    layer, twin = cls(3, 2, 1), cls(3, 2, 1)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    assert A.dtype == dX.dtype == np.float64
    np.testing.assert_array_equal(A, twin.forward(X.astype(np.float64)))
    np.testing.assert_array_equal(dX, twin.backward(G))


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, bool])
@pytest.mark.parametrize(("size", "stride", "padding"), [(2, None, 0), (3, 1, 1)])
def test_average_pooling_of_integer_images_gives_their_means(dtype, size, stride, padding):
    """AvgPool2D(2).forward(np.arange(16).reshape(1, 1, 4, 4)) gave [[0, 0], [0, 0]]: the
    sum was kept in the integers' dtype and multiplied by the int 1 / 4 = 0; MaxPool2D
    with padding cast its -inf padding to the integers (a RuntimeWarning, and for uint8
    a padding of 0 that took the gradient of a window whose maximum was a pixel 0).
    Both now pool integer images as float64, as the loop reference does."""
    X = (np.arange(2 * 2 * 5 * 5).reshape(2, 2, 5, 5) % 7).astype(dtype)
    for cls, ref_forward, ref_backward in [
            (AvgPool2D, reference.avgpool2d_forward, reference.avgpool2d_backward),
            (MaxPool2D, reference.maxpool2d_forward, reference.maxpool2d_backward)]:
        layer = cls(size, stride, padding)
        A = layer.forward(X)
        assert A.dtype == np.float64
        Xf = X.astype(np.float64)
        np.testing.assert_allclose(A, ref_forward(Xf, size, stride, padding), rtol=1e-15)
        G = np.arange(A.size, dtype=np.float64).reshape(A.shape) % 5 + 1
        np.testing.assert_allclose(layer.backward(G), ref_backward(Xf, G, size, stride, padding),
                                   rtol=1e-15)


def test_flatten_is_row_major_and_undone_by_backward(rng):
    X = rng.normal(size=(2, 3, 4, 5))
    layer = Flatten()
    out = layer.forward(X)
    assert out.shape == (2, 60) and out[1, 20 + 5 + 2] == X[1, 1, 1, 2]
    assert np.array_equal(layer.backward(out), X)
    assert layer.output_shape((3, 4, 5)) == 60 and layer.output_shape(7) == 7
    assert layer.param_specs() == [] and layer.get_config() == {"type": "Flatten"}


def test_flatten_of_an_empty_batch_gives_empty_rows():
    # as Conv2D, the pools and Dense: no examples in, none out (it used to stop in a
    # reshape that could not infer the width of 0 rows)
    layer = Flatten()
    out = layer.forward(np.zeros((0, 3, 4, 5)))
    assert out.shape == (0, 60)
    assert layer.backward(np.zeros((0, 60))).shape == (0, 3, 4, 5)


def test_pooling_has_no_parameters_and_a_config():
    layer = MaxPool2D(3, stride=2, padding=1)
    assert layer.param_specs() == []
    assert layer.get_config() == {"type": "MaxPool2D", "size": 3, "stride": 2, "padding": 1,
                                  "ceil_mode": False, "dilation": 1}
    assert repr(layer) == "MaxPool2D(3, stride=2, padding=1)"
    assert AvgPool2D((2, 3)).get_config() == {"type": "AvgPool2D", "size": [2, 3],
                                               "stride": [2, 3], "padding": 0,
                                               "ceil_mode": False, "count_include_pad": True}
    assert repr(AvgPool2D()) == "AvgPool2D(2)"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"size": 0}, r"size must be an int >= 1"),
        ({"size": 2, "stride": 0}, r"stride must be an int >= 1"),
        ({"size": 2, "padding": 2}, r"padding must be at most half the window size 2, got 2"),
        ({"size": 2, "padding": -1}, r"padding must be an int >= 0"),
    ],
)
@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_bad_pool_arguments(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


def test_pool_window_larger_than_the_image_names_the_layer():
    layers = [Conv2D(1, 2, 3), MaxPool2D(4), Flatten(), Dense(2, 1)]
    with pytest.raises(ValueError, match=r"layers\[1\] MaxPool2D\(4\): the 4x4 window is larger "
                                         r"than the padded input \(height 3 \+ 2 x padding 0"):
        Network(layers, input_shape=(1, 5, 5))
    with pytest.raises(ValueError, match=r"MaxPool2D\(2\): expects a batch of images"):
        MaxPool2D(2).forward(np.zeros((4, 16)))


# --- MaxPool2D's dilation (PyTorch's MaxPool2d has it; AvgPool2d has not) ---------------------
def test_hand_worked_dilated_max_pooling():
    # 2x2 windows with dilation 2 and stride 1 on 4x4: window (y, x) holds pixels
    # (y, x), (y, x + 2), (y + 2, x), (y + 2, x + 2)
    X = np.array([[[[9.0, 0, 1, 8], [2, 15, 3, 4], [14, 5, 6, 7], [10, 11, 12, 13]]]])
    layer = MaxPool2D(2, stride=1, dilation=2)
    # (0, 0): 9 1 14 6 -> 14; (0, 1): 0 8 5 7 -> 8; (1, 0): 2 3 10 12 -> 12; (1, 1): 15 4 11 13
    assert layer.forward(X)[0, 0].tolist() == [[14, 8], [12, 15]]
    dX = layer.backward(np.array([[[[1.0, 10.0], [100.0, 1000.0]]]]))
    assert dX[0, 0].tolist() == [[0, 0, 0, 10], [0, 1000, 0, 0], [1, 0, 0, 0], [0, 0, 100, 0]]


# (size, stride, padding, dilation): interleaved windows (stride < span), windows apart
# (stride >= span 3: each pixel written once), padded
DILATED = [(2, 1, 0, 2), (2, 2, 1, 2), (2, 3, 0, 2), (3, 2, 1, 2), (2, None, 1, 3),
           (3, 1, 1, 3)]


@pytest.mark.parametrize(("size", "stride", "padding", "dilation"), DILATED)
def test_dilated_max_pooling_matches_the_loop_reference(rng, size, stride, padding, dilation):
    X = rng.permutation(np.arange(2 * 3 * 9 * 8, dtype=np.float64)).reshape(2, 3, 9, 8)
    layer = MaxPool2D(size, stride, padding, dilation=dilation)
    A = layer.forward(X)
    G = rng.normal(size=A.shape)
    dX = layer.backward(G)
    np.testing.assert_array_equal(A, reference.maxpool2d_forward(X, size, stride, padding,
                                                                 dilation))
    np.testing.assert_allclose(
        dX, reference.maxpool2d_backward(X, G, size, stride, padding, dilation), atol=1e-15)
    assert dX.sum() == pytest.approx(G.sum())  # each window's gradient goes to one pixel


@pytest.mark.parametrize(("size", "stride", "padding", "dilation"), DILATED[:4])
def test_gradient_check_of_dilated_max_pooling(rng, size, stride, padding, dilation):
    conv = Conv2D(1, 2, 2, activation="tanh", seed=0)
    pool = MaxPool2D(size, stride, padding, dilation=dilation)
    n_out = int(np.prod(pool.output_shape(conv.output_shape((1, 8, 8)))))
    net = Network([conv, pool, Flatten(), Dense(n_out, 2, "identity", seed=1)],
                  input_shape=(1, 8, 8))
    X = rng.normal(size=(3, 1, 8, 8))
    check = chainrule.gradient_check(net, X, rng.normal(size=(3, 2)), exclude_kinks=True)
    assert check.rel_diff < 1e-8, str(check)


def test_dilation_in_max_pooling_config_and_errors():
    layer = MaxPool2D(2, stride=1, dilation=(2, 3))
    assert layer.get_config() == {"type": "MaxPool2D", "size": 2, "stride": 1, "padding": 0,
                                  "ceil_mode": False, "dilation": [2, 3]}
    assert repr(layer) == "MaxPool2D(2, stride=1, dilation=(2, 3))"
    assert layer.output_shape((4, 7, 9)) == (4, 7 - 2, 9 - 3)  # spans 3x4
    with pytest.raises(ValueError, match=r"dilation must be an int >= 1 .*got 0"):
        MaxPool2D(2, dilation=0)
    with pytest.raises(TypeError, match=r"dilation"):  # as PyTorch's AvgPool2d: none
        AvgPool2D(2, dilation=2)
    with pytest.raises(ValueError, match=r"layers\[1\] MaxPool2D\(3, dilation=3\): the 3x3 "
                                         r"window with dilation 3 \(spanning 7x7 pixels\) is "
                                         r"larger than the padded input \(height 6"):
        Network([Conv2D(1, 2, 3), MaxPool2D(3, dilation=3), Flatten(), Dense(2, 1)],
                input_shape=(1, 8, 8))


def test_max_pooling_refuses_exactly_the_windows_wholly_in_the_padding():
    """Where PyTorch's max_pool2d gives -inf (a window of padding only, which dilation
    makes possible), the layer is refused; everywhere else it agrees with PyTorch."""
    torch = pytest.importorskip("torch")
    import itertools

    X = np.random.default_rng(0).normal(size=(1, 1, 3, 5))
    refused = 0
    for size, pad, dil, stride in itertools.product((2, 3), (0, 1), (1, 2, 3, 4), (1, 2)):
        if pad > size // 2:
            continue
        with torch.no_grad():
            try:
                ref = torch.nn.functional.max_pool2d(torch.tensor(X), size, stride, pad,
                                                     dilation=dil).numpy()
            except RuntimeError:  # the window does not fit: both refuse
                continue
        layer = MaxPool2D(size, stride=stride, padding=pad, dilation=dil)
        if np.isneginf(ref).any():
            with pytest.raises(ValueError, match=r"has a window wholly in the padding"):
                layer.forward(X)
            refused += 1
        else:
            np.testing.assert_array_equal(layer.forward(X), ref)
    assert refused > 0


def test_the_loop_reference_refuses_the_windows_wholly_in_the_padding_as_the_layer():
    """reference.maxpool2d_forward gave -inf for a window of padding only (and its backward
    sent that window's gradient to a padding position, which Python's negative index put on
    a pixel of the far side), where MaxPool2D is refused.  Both now refuse exactly the
    geometries where some window's taps along an axis all miss the image (counted here),
    with the same message; elsewhere they agree."""
    import itertools

    X = np.random.default_rng(0).permutation(np.arange(15.0)).reshape(1, 1, 3, 5)
    refused = 0
    for size, pad, dil, stride in itertools.product((1, 2, 3), (0, 1), (1, 2, 3, 4), (1, 2)):
        if 2 * pad > size or dil * (size - 1) + 1 > 3 + 2 * pad:  # not a pooling that fits
            continue
        out = [(n + 2 * pad - dil * (size - 1) - 1) // stride + 1 for n in (3, 5)]
        empty = any(all(not 0 <= stride * o + dil * i - pad < n for i in range(size))
                    for n, n_out in zip((3, 5), out, strict=True) for o in range(n_out))
        layer = MaxPool2D(size, stride=stride, padding=pad, dilation=dil)
        if empty:
            refused += 1
            with pytest.raises(ValueError, match=r"has a window wholly in the padding") as err:
                layer.forward(X)
            with pytest.raises(ValueError) as ref_err:
                reference.maxpool2d_forward(X, size, stride, pad, dil)
            assert str(err.value) == f"{layer!r}: {ref_err.value}"
            with pytest.raises(ValueError, match=r"has a window wholly in the padding"):
                reference.maxpool2d_backward(X, np.ones((1, 1, *out)), size, stride, pad, dil)
        else:
            np.testing.assert_array_equal(reference.maxpool2d_forward(X, size, stride, pad,
                                                                      dil), layer.forward(X))
    assert refused > 0


def test_a_huge_window_is_checked_without_listing_its_taps(tmp_path):
    """The check of windows wholly in the padding listed every tap of every window, an
    array of size x out_h: a pooling size of 10**12 (a damaged model file, a typo) asked
    for 7.28 TiB and raised MemoryError, where the file was to be called corrupted.
    Windows of adjacent pixels (dilation 1) cannot lie wholly in the padding, which is at
    most half of them (counted here), so they are not listed; dilated windows that fit
    have no more taps than the image has pixels, plus one."""
    import itertools

    for n, size, stride in itertools.product(range(1, 7), range(1, 6), range(1, 4)):
        for pad in range(size // 2 + 1):
            if size > n + 2 * pad:
                continue
            n_out = (n + 2 * pad - size) // stride + 1
            assert all(any(0 <= stride * o - pad + i < n for i in range(size))
                       for o in range(n_out))
    for cls in (MaxPool2D, AvgPool2D):  # (10**12 wide: a padding of 5 * 10**11 on both
        # axes, 10**24 pixels of a one-pixel image, is refused as Conv2D's is)
        layer = cls((1, 10**12), stride=1, padding=(0, 5 * 10**11))
        assert layer.output_shape((2, 4, 3)) == (2, 4, 3 + 1)  # (n + 2 p - k) // s + 1
    net = Network([MaxPool2D(2, stride=1, padding=1), Flatten(), Dense(2 * 5 * 4, 1)],
                  input_shape=(2, 4, 3))
    path = net.save(tmp_path / "net.npz")
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    meta["network"]["layers"][0].update(size=[1, 10**12], padding=[0, 5 * 10**11 - 1])
    # out (2, 4, 2), not the (2, 5, 4) of Dense(40)
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ValueError, match=r"net\.npz: corrupted or incomplete chainrule file"):
        chainrule.load(path)


def test_a_file_with_a_window_wholly_in_the_padding_is_not_called_corrupted(tmp_path,
                                                                         monkeypatch):
    """A network file an older chainrule wrote, with a max pooling whose window lies wholly
    in the padding (size 2, padding 1, dilation 2 on a 1-pixel row: taps at -1 and 1), is
    refused now; the message said "corrupted or incomplete chainrule file", where the file
    is as chainrule wrote it.  It says which window, and that an older chainrule wrote it."""
    from chainrule.pooling import _Pool2D

    with monkeypatch.context() as m:  # the older code: no check of the windows
        m.setattr(_Pool2D, "_check_windows_reach_the_image", lambda self, *args: None)
        net = Network([MaxPool2D(2, stride=1, padding=1, dilation=2), Flatten(), Dense(1, 2)],
                      input_shape=(1, 1, 1))
        pooled = net.layers[0].forward(np.ones((1, 1, 1, 1)))
        path = net.save(tmp_path / "old.npz")
    taps = [-1 + 2 * i for i in range(2)]  # padded index - padding, dilation 2
    assert all(not 0 <= t < 1 for t in taps) and np.isneginf(pooled).all()
    with pytest.raises(ValueError) as info:
        chainrule.load(path)
    message = str(info.value)
    assert message.startswith(
        f"{path}: layers[0] MaxPool2D(2, stride=1, padding=1, dilation=2): output 0 along the "
        f"height has a window wholly in the padding (its taps at {taps[0]}, {taps[1]} miss "
        "the 1 pixel of the input)")
    assert message.endswith("(the file was written by an older chainrule, which let such a "
                            "window through: its output there was -inf)")
    assert "corrupted" not in message


def _ceil_windows(n, k, s, p):
    """The starts of the windows along an axis in ceil mode, in PyTorch's words: windows
    go on while the one before does not reach the end of the padded input, and each
    starts in the image or in the padding before it (not in that after it)."""
    return [start for start in range(-p, n, s) if start == -p or start - s + k < n + p]


def test_hand_worked_ceil_mode_and_count_include_pad():
    X = np.arange(25, dtype=np.float64).reshape(1, 1, 5, 5)  # X[r, c] = 5 r + c
    # 2x2 windows, stride 2: floor keeps rows/columns 0-3, ceil adds the 1-pixel edge
    assert MaxPool2D(2).forward(X).shape == (1, 1, 2, 2)
    np.testing.assert_array_equal(MaxPool2D(2, ceil_mode=True).forward(X)[0, 0],
                                  [[6, 8, 9], [16, 18, 19], [21, 23, 24]])
    np.testing.assert_array_equal(AvgPool2D(2, ceil_mode=True).forward(X)[0, 0],
                                  [[3, 5, 6.5], [13, 15, 16.5], [20.5, 22.5, 24]])
    # 3x3 windows, stride 2, padding 1 on 5x5: windows start at -1, 1, 3 (no ceil extra);
    # the corner window (-1..1) holds 4 pixels and 5 zeros of padding
    with_pad = AvgPool2D(3, 2, 1).forward(X)[0, 0]
    without = AvgPool2D(3, 2, 1, count_include_pad=False).forward(X)[0, 0]
    assert with_pad[0, 0] == (0 + 1 + 5 + 6) / 9 and without[0, 0] == (0 + 1 + 5 + 6) / 4
    assert with_pad[1, 1] == without[1, 1] == X[0, 0, 1:4, 1:4].mean()  # inside: 9 pixels
    # ceil with padding: 4x4, size 3, stride 2, padding 1: floor (4 + 2 - 3) // 2 + 1 = 2,
    # ceil 3, window 2 at 3..5 hangs 1 past the padding: PyTorch divides by the 2 rows of
    # it inside the padded input (count_include_pad) or the 1 row of image (not)
    X4 = np.arange(16, dtype=np.float64).reshape(1, 1, 4, 4)
    A = AvgPool2D(3, 2, 1, ceil_mode=True).forward(X4)[0, 0]
    B = AvgPool2D(3, 2, 1, ceil_mode=True, count_include_pad=False).forward(X4)[0, 0]
    assert A.shape == B.shape == (3, 3)
    assert A[2, 2] == X4[0, 0, 3, 3] / 4 and B[2, 2] == X4[0, 0, 3, 3]
    assert A[0, 2] == X4[0, 0, 0:2, 3].sum() / 6 and B[0, 2] == X4[0, 0, 0:2, 3].sum() / 2


@pytest.mark.parametrize(("n", "k", "s", "p"), [(5, 2, 2, 0), (6, 3, 2, 1), (7, 3, 3, 1),
                                                (4, 2, 3, 1), (8, 3, 3, 0), (6, 2, 2, 1)])
def test_ceil_mode_counts_the_windows_as_pytorch(n, k, s, p):
    for cls in (MaxPool2D, AvgPool2D):
        assert cls(k, s, p, ceil_mode=True).output_shape((1, n, n))[1] \
            == len(_ceil_windows(n, k, s, p))
        assert cls(k, s, p).output_shape((1, n, n))[1] == (n + 2 * p - k) // s + 1


@pytest.mark.parametrize(("size", "stride", "padding", "count_include_pad"),
                         [(2, None, 0, True), (3, 2, 1, True), (3, 2, 1, False),
                          (2, 3, 1, False), ((3, 2), (2, 3), (1, 0), False)])
@pytest.mark.parametrize("cls", [MaxPool2D, AvgPool2D])
def test_gradient_check_with_ceil_mode(rng, cls, size, stride, padding, count_include_pad):
    conv = Conv2D(2, 3, 3, padding=1, activation="tanh", seed=1)
    extra = {} if cls is MaxPool2D else {"count_include_pad": count_include_pad}
    pool = cls(size, stride, padding, ceil_mode=True, **extra)
    flat = int(np.prod(pool.output_shape(conv.output_shape((2, 7, 6)))))
    assert flat > int(np.prod(cls(size, stride, padding).output_shape((2, 7, 6))))
    net = Network([conv, pool, Flatten(), Dense(flat, 2, "identity", seed=2)],
                  input_shape=(2, 7, 6))
    net.params[...] = rng.normal(scale=0.3, size=net.n_params)
    X = rng.normal(size=(3, 2, 7, 6))
    check = chainrule.gradient_check(net, X, rng.normal(size=(3, 2)), exclude_kinks=True)
    assert check.rel_diff < 1e-8, str(check)


def test_ceil_mode_and_count_include_pad_save_load_and_config(tmp_path, rng):
    avg = AvgPool2D(3, 2, 1, ceil_mode=True, count_include_pad=False)
    mx = MaxPool2D(2, ceil_mode=True)
    assert avg.get_config() == {"type": "AvgPool2D", "size": 3, "stride": 2, "padding": 1,
                                "ceil_mode": True, "count_include_pad": False}
    assert repr(avg) == "AvgPool2D(3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)"
    assert repr(mx) == "MaxPool2D(2, ceil_mode=True)"
    net = Network([Conv2D(1, 2, 3, seed=0), avg, mx, Flatten(), Dense(8, 1, seed=1)],
                  input_shape=(1, 8, 8))  # 6x6 -> 4x4 (3 without ceil) -> 2x2
    X = rng.normal(size=(3, 1, 8, 8))
    back = chainrule.load(net.save(tmp_path / "net.npz"))
    assert [layer.get_config() for layer in back.layers[1:3]] == [avg.get_config(),
                                                                  mx.get_config()]
    np.testing.assert_array_equal(back.forward(X), net.forward(X))
    # a file written before the options: PyTorch's defaults, as those layers worked
    net = Network([MaxPool2D(2), AvgPool2D(2, padding=1), Flatten(), Dense(4, 1, seed=1)],
                  input_shape=(1, 4, 4))
    path = net.save(tmp_path / "old.npz")
    with np.load(path) as data:
        arrays = {key: data[key] for key in data.files}
    meta = json.loads(str(arrays.pop("__meta__")))
    for cfg in meta["network"]["layers"][:2]:
        cfg.pop("ceil_mode")
        cfg.pop("count_include_pad", None)
    np.savez(path, __meta__=np.array(json.dumps(meta)), **arrays)
    old = chainrule.load(path)
    assert not old.layers[0].ceil_mode and old.layers[1].count_include_pad
    X = rng.normal(size=(2, 1, 4, 4))
    np.testing.assert_array_equal(old.forward(X), net.forward(X))


@pytest.mark.parametrize("bad", ["yes", 1, None, np.array([True])])
def test_bad_ceil_mode_and_count_include_pad_are_refused_by_name(bad):
    for cls in (MaxPool2D, AvgPool2D):
        with pytest.raises(TypeError, match=r"^ceil_mode must be True or False, got"):
            cls(2, ceil_mode=bad)
    with pytest.raises(TypeError, match=r"^count_include_pad must be True or False, got"):
        AvgPool2D(2, count_include_pad=bad)
    with pytest.raises(TypeError, match="count_include_pad"):  # PyTorch's MaxPool2d: none
        MaxPool2D(2, count_include_pad=False)
    with pytest.raises(TypeError, match=r"layers\[0\] \(AvgPool2D\): ceil_mode must be"):
        chainrule.network_from_layers([{"type": "AvgPool2D", "ceil_mode": "true"}, {
            "type": "Flatten"}, {"type": "Dense", "fan_out": 1}], input_shape=(1, 4, 4))


# --- the loop versions (chainrule.reference) with ceil_mode and count_include_pad ----------------

# (size, stride, padding, dilation) on 7x6 images: ceil adds a window on one axis or both,
# drops one that would start in the padding after the image (2, 3, 1), or keeps one that
# hangs past a padded image smaller than its span (3, 2, 0, 3: 5 rows x 7 pixels)
CEIL_GEOMETRIES = [(2, None, 0, 1), (3, 2, 1, 1), (2, 3, 1, 1), (3, 2, 0, 1), (3, 2, 0, 2),
                   (2, 2, 1, 2), (3, 2, 0, 3)]


def _loop_options(cls, ceil_mode, count_include_pad, dilation):
    if cls is MaxPool2D:
        return {"dilation": dilation, "ceil_mode": ceil_mode}
    return {"ceil_mode": ceil_mode, "count_include_pad": count_include_pad}


def test_hand_worked_loops_with_ceil_mode_and_count_include_pad():
    X = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
    # 2x2 windows, stride 2, ceil: the last row and column are windows of their own
    assert reference.maxpool2d_forward(X, ceil_mode=True)[0, 0].tolist() == [[5, 6], [8, 9]]
    assert reference.avgpool2d_forward(X, ceil_mode=True)[0, 0].tolist() == \
        [[(1 + 2 + 4 + 5) / 4, (3 + 6) / 2], [(7 + 8) / 2, 9 / 1]]
    g = np.array([[[[4.0, 2.0], [2.0, 1.0]]]])
    assert reference.avgpool2d_backward(X, g, ceil_mode=True)[0, 0].tolist() == \
        [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
    assert reference.maxpool2d_backward(X, g, ceil_mode=True)[0, 0].tolist() == \
        [[0, 0, 0], [0, 4, 2], [0, 2, 1]]
    # 2x2 windows, stride 2, padding 1: the corner window holds one pixel and 3 zeros
    with_pad = reference.avgpool2d_forward(X, 2, 2, 1)[0, 0].tolist()
    without = reference.avgpool2d_forward(X, 2, 2, 1, count_include_pad=False)[0, 0].tolist()
    assert with_pad == [[1 / 4, (2 + 3) / 4], [(4 + 7) / 4, (5 + 6 + 8 + 9) / 4]]
    assert without == [[1 / 1, (2 + 3) / 2], [(4 + 7) / 2, (5 + 6 + 8 + 9) / 4]]
    dx = reference.avgpool2d_backward(X, np.ones((1, 1, 2, 2)), 2, 2, 1,
                                      count_include_pad=False)[0, 0].tolist()
    assert dx == [[1, 1 / 2, 1 / 2], [1 / 2, 1 / 4, 1 / 4], [1 / 2, 1 / 4, 1 / 4]]


@pytest.mark.parametrize(("cls", "ref_forward", "ref_backward", "geometry"), [
    (*pool, geometry) for pool in POOLS for geometry in CEIL_GEOMETRIES
    if pool[0] is MaxPool2D or geometry[3] == 1])  # AvgPool2D has no dilation (nor PyTorch's)
@pytest.mark.parametrize(("ceil_mode", "count_include_pad"), [(True, True), (True, False),
                                                               (False, False)])
def test_loops_with_ceil_mode_and_count_include_pad_match_the_layers(
        rng, cls, ref_forward, ref_backward, geometry, ceil_mode, count_include_pad):
    size, stride, padding, dilation = geometry
    X = rng.normal(size=(2, 2, 7, 6))
    options = _loop_options(cls, ceil_mode, count_include_pad, dilation)
    layer = cls(size, stride, padding, **options)
    if not ceil_mode and dilation * (size - 1) + 1 > 6 + 2 * padding:  # no window fits
        with pytest.raises(ValueError, match="larger than the padded input"):
            layer.forward(X)
        with pytest.raises(ValueError, match="does not fit in the 7x6 image"):
            ref_forward(X, size, stride, padding, **options)
        return
    A = layer.forward(X)
    np.testing.assert_allclose(ref_forward(X, size, stride, padding, **options), A,
                               rtol=1e-13, atol=1e-13)
    g = rng.normal(size=A.shape)
    np.testing.assert_allclose(ref_backward(X, g, size, stride, padding, **options),
                               layer.backward(g), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize(("size", "stride", "padding", "dilation"), CEIL_GEOMETRIES)
@pytest.mark.parametrize("count_include_pad", [True, False])
def test_loops_with_ceil_mode_and_count_include_pad_match_pytorch(rng, size, stride, padding,
                                                                  dilation, count_include_pad):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    X = rng.normal(size=(2, 2, 7, 6))
    s = stride or size
    calls = [(F.max_pool2d, {"dilation": dilation}, reference.maxpool2d_forward,
              reference.maxpool2d_backward)]
    if dilation == 1:
        calls.append((F.avg_pool2d, {"count_include_pad": count_include_pad},
                      reference.avgpool2d_forward, reference.avgpool2d_backward))
    for torch_pool, options, ref_forward, ref_backward in calls:
        x = torch.tensor(X, requires_grad=True)
        out = torch_pool(x, size, s, padding, ceil_mode=True, **options)
        g = rng.normal(size=tuple(out.shape))
        out.backward(torch.tensor(g))
        np.testing.assert_allclose(ref_forward(X, size, stride, padding, ceil_mode=True,
                                               **options), out.detach().numpy(),
                                   rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(ref_backward(X, g, size, stride, padding, ceil_mode=True,
                                                **options), x.grad.numpy(),
                                   rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("bad", ["yes", 1, None])
def test_loops_refuse_bad_ceil_mode_and_count_include_pad_by_name(bad):
    X = np.ones((1, 1, 4, 4))
    for call in (lambda: reference.maxpool2d_forward(X, ceil_mode=bad),
                 lambda: reference.maxpool2d_backward(X, np.ones((1, 1, 2, 2)), ceil_mode=bad),
                 lambda: reference.avgpool2d_forward(X, ceil_mode=bad),
                 lambda: reference.avgpool2d_backward(X, np.ones((1, 1, 2, 2)), ceil_mode=bad)):
        with pytest.raises(TypeError, match=r"^ceil_mode must be True or False, got"):
            call()
    with pytest.raises(TypeError, match=r"^count_include_pad must be True or False, got"):
        reference.avgpool2d_forward(X, count_include_pad=bad)
    with pytest.raises(TypeError, match=r"^count_include_pad must be True or False, got"):
        reference.avgpool2d_backward(X, np.ones((1, 1, 2, 2)), count_include_pad=bad)
