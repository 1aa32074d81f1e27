"""trace_avgpool2d: each window's sum over its size and each pixel's share of the windows
covering it, checked against the layer, plain Python loops written here (a hand-worked
4x4 image), central differences, the printed sums read back and PyTorch's autograd."""

from __future__ import annotations

import json
import re
from fractions import Fraction

import numpy as np
import pytest

from chainrule import AvgPool2D, MaxPool2D
from chainrule.tracing import AvgPoolTrace, trace_avgpool2d

X4 = [[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0], [9.0, 10.0, 11.0, 12.0],
      [13.0, 14.0, 15.0, 16.0]]


def loop_avgpool(x, k, stride, pad, include, dout):
    """One channel's average pooling (floor mode) by plain Python loops over lists:
    (A, dX, sizes), the padding's zeros counted in a window's size when ``include``."""
    H, W = len(x), len(x[0])
    ho, wo = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
    A = [[0.0] * wo for _ in range(ho)]
    sizes = [[0] * wo for _ in range(ho)]
    dX = [[0.0] * W for _ in range(H)]
    for i in range(ho):
        for j in range(wo):
            total, size, pixels = 0.0, 0, []
            for p in range(k):
                for q in range(k):
                    r, s = i * stride + p - pad, j * stride + q - pad
                    if 0 <= r < H and 0 <= s < W:
                        total += x[r][s]
                        size += 1
                        pixels.append((r, s))
                    elif include:
                        size += 1  # a zero of the padding
            A[i][j], sizes[i][j] = total / size, size
            for r, s in pixels:
                dX[r][s] += dout[i][j] / size
    return A, dX, sizes


def parsed_dx(text: str) -> dict[tuple[int, ...], tuple[Fraction, float]]:
    """``entry -> (the printed terms dout/size summed exactly, printed value)``."""
    out, lines = {}, text.splitlines()
    for k, line in enumerate(lines):
        m = re.match(r"dX\[([0-9,]+)\] = ", line)
        if not m:
            continue
        terms, value = lines[k + 1][4:].rsplit(" = ", 1)
        total = Fraction(0)
        for term in ([] if terms == "0" else terms.split(" + ")):
            num, den = term.split("/")
            total += Fraction(num.strip("()")) / int(den)
        out[tuple(int(i) for i in m.group(1).split(","))] = (total, float(value))
    return out


def test_hand_worked_4x4_side_by_side():
    # 1..16 in 2x2 windows, stride 2: A[0,0] = (1 + 2 + 5 + 6) / 4 = 3.5; with dout
    # [[4, -8], [2, 1]] each pixel of window (0, 1) gets -8 / 4 = -2
    dout = [[4.0, -8.0], [2.0, 1.0]]
    t = trace_avgpool2d(AvgPool2D(2), np.array([[X4]]), np.array([[dout]]))
    A, dX, sizes = loop_avgpool(X4, 2, 2, 0, True, dout)
    np.testing.assert_array_equal(t.A[0, 0], A)
    np.testing.assert_array_equal(t.dX[0, 0], dX)
    assert A[0][0] == 3.5 and dX[0][2] == -2.0 and sizes == [[4, 4], [4, 4]]
    text = t.text()
    assert ("A[0,0,0,0] = (x[0,0,0,0] + x[0,0,0,1] + x[0,0,1,0] + x[0,0,1,1]) / 4\n"
            "  = (1 + 2 + 5 + 6) / 4 = 3.5\n") in text
    assert "dX[0,0,0,2] = dout[0,0,0,1]/4\n  = (-8)/4 = -2\n" in text


@pytest.mark.parametrize("include", [True, False])
@pytest.mark.parametrize(("k", "stride", "pad"), [(2, 1, 0), (3, 1, 1), (3, 2, 1), (2, 2, 1)])
def test_hand_worked_4x4_overlapping_and_padded(k, stride, pad, include):
    # stride < K: windows overlap and a pixel takes the shares of every window covering
    # it; padding: zeros counted in the size, or not (count_include_pad=False)
    rng = np.random.default_rng(k * 100 + stride * 10 + pad)
    n_out = (4 + 2 * pad - k) // stride + 1
    dout = rng.integers(-5, 6, size=(n_out, n_out)).astype(float).tolist()
    layer = AvgPool2D(k, stride=stride, padding=pad, count_include_pad=include)
    t = trace_avgpool2d(layer, np.array([[X4]]), np.array([[dout]]), digits=17)
    A, dX, sizes = loop_avgpool(X4, k, stride, pad, include, dout)
    np.testing.assert_allclose(t.A[0, 0], A, rtol=1e-15)
    np.testing.assert_allclose(t.dX[0, 0], dX, rtol=1e-15, atol=1e-15)
    assert [[t.sizes[(0, 0, i, j)] for j in range(n_out)] for i in range(n_out)] == sizes
    for out, taps in t.windows.items():
        assert len(taps) == t.sizes[out]
        assert (None in taps) == (include and any(
            not (0 <= r < 4 and 0 <= s < 4) for r, s in
            ((out[2] * stride + p - pad, out[3] * stride + q - pad)
             for p in range(k) for q in range(k))))
    sums = parsed_dx(t.text())
    assert len(sums) == 16
    for (_, _, r, s), (total, value) in sums.items():
        assert float(total) == pytest.approx(dX[r][s], abs=1e-14)
        assert value == pytest.approx(dX[r][s], abs=1e-14)


def test_overlapping_windows_each_send_a_share():
    # 2x2 windows at stride 1 on 1..16: the centre pixel x[1,1] lies in windows (0,0),
    # (0,1), (1,0), (1,1), so dX[1,1] = (1 + 2 + 4 + 5) / 4 for dout = 1..9
    dout = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    t = trace_avgpool2d(AvgPool2D(2, stride=1), np.array([[X4]]), dout)
    assert t.dx_terms[(0, 0, 1, 1)] == [(0, 0, 0, 0), (0, 0, 0, 1), (0, 0, 1, 0), (0, 0, 1, 1)]
    assert t.dX[0, 0, 1, 1] == (1 + 2 + 4 + 5) / 4
    assert t.dX[0, 0, 0, 0] == 1 / 4
    assert ("dX[0,0,1,1] = dout[0,0,0,0]/4 + dout[0,0,0,1]/4 + dout[0,0,1,0]/4 + "
            "dout[0,0,1,1]/4\n  = 1/4 + 2/4 + 4/4 + 5/4 = 3\n") in t.text()


def test_padding_shown_as_pad_or_left_out():
    x = np.array([[X4]])
    t = trace_avgpool2d(AvgPool2D(2, padding=1), x, np.ones((1, 1, 3, 3)))
    assert "A[0,0,0,0] = (pad + pad + pad + x[0,0,0,0]) / 4\n  = (0 + 0 + 0 + 1) / 4 = 0.25\n" \
        in t.text()
    t = trace_avgpool2d(AvgPool2D(2, padding=1, count_include_pad=False), x,
                        np.ones((1, 1, 3, 3)))
    assert "A[0,0,0,0] = (x[0,0,0,0]) / 1\n  = (1) / 1 = 1\n" in t.text()
    assert "(count_include_pad=False)" in t.text()


@pytest.mark.parametrize(("k", "stride", "pad", "include", "ceil"), [
    (2, 2, 0, True, False), (3, 1, 1, True, False), (3, 2, 1, False, False),
    (3, 2, 1, True, True), (3, 2, 1, False, True), (2, 1, 1, True, False),
    (3, 2, 0, True, True)])
def test_torch_autograd_and_central_differences(k, stride, pad, include, ceil):
    rng = np.random.default_rng(k + 10 * stride + 100 * pad + 1000 * include + 10000 * ceil)
    x = rng.normal(size=(2, 3, 5, 6))
    layer = AvgPool2D(k, stride=stride, padding=pad, ceil_mode=ceil, count_include_pad=include)
    out_shape = layer.output_shape(x.shape[1:])
    dout = rng.normal(size=(2, *out_shape))
    t = trace_avgpool2d(layer, x, dout, max_terms=10**5)
    # the layer itself, and its caches untouched by the trace (it ran on a copy)
    assert layer.X is None and layer.A is None
    np.testing.assert_array_equal(t.A, layer.forward(x))
    np.testing.assert_array_equal(t.dX, layer.backward(dout))
    assert t.max_diff["A"] <= 1e-13 and t.max_diff["dX"] <= 1e-13
    # central differences of J(x) = sum(dout * A(x)), linear in x: exact up to rounding
    h, num = 1e-3, np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[idx] = h
        num[idx] = (np.sum(dout * layer.forward(x + e))
                    - np.sum(dout * layer.forward(x - e))) / (2 * h)
    np.testing.assert_allclose(t.dX, num, atol=1e-10)
    torch = pytest.importorskip("torch")
    xt = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.avg_pool2d(xt, k, stride=stride, padding=pad, ceil_mode=ceil,
                                         count_include_pad=include)
    out.backward(torch.tensor(dout))
    np.testing.assert_allclose(t.A, out.detach().numpy(), rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(t.dX, xt.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_float32_images_are_checked_in_float32():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 2, 4, 4)).astype(np.float32)
    t = trace_avgpool2d(AvgPool2D(3, stride=1, padding=1), x, np.ones((1, 2, 4, 4)))
    assert t.A.dtype == np.float32
    A, dX, _ = loop_avgpool(x[0, 1].astype(float).tolist(), 3, 1, 1, True,
                            np.ones((4, 4)).tolist())
    np.testing.assert_allclose(t.A[0, 1], A, rtol=1e-6)
    np.testing.assert_allclose(t.dX[0, 1], dX, rtol=1e-6)


class _WrongBackward(AvgPool2D):
    def backward(self, grad_out, need_input_grad=True):
        return 1.01 * super().backward(grad_out, need_input_grad)


class _WrongDivisor(AvgPool2D):
    def _divisor(self, in_hw, out_hw):
        return super()._divisor(in_hw, out_hw) + 1


def test_a_layer_that_disagrees_is_a_runtime_error():
    x, dout = np.array([[X4]]), np.ones((1, 1, 2, 2))
    with pytest.raises(RuntimeError, match=r"trace's dX differs from the layer's by 0\.0025"):
        trace_avgpool2d(_WrongBackward(2), x, dout)
    with pytest.raises(RuntimeError, match=r"window \(0, 0\) covers 4 taps, the layer divides "
                       r"its sum by 5"):
        trace_avgpool2d(_WrongDivisor(2), x, dout)


def test_to_dict_and_refusals():
    x = np.array([[X4]])
    t = trace_avgpool2d(AvgPool2D(2), x, np.ones((1, 1, 2, 2)))
    d = json.loads(json.dumps(t.to_dict()))
    assert isinstance(t, AvgPoolTrace) and str(t) == t.text()
    assert d["A"] == [[[[3.5, 5.5], [11.5, 13.5]]]] and d["dX"][0][0][3][3] == 0.25
    assert d["windows"][0] == {"entry": [0, 0, 0, 0], "size": 4,
                               "taps": [[0, 0, 0, 0], [0, 0, 0, 1], [0, 0, 1, 0], [0, 0, 1, 1]]}
    assert d["dx_terms"][5] == {"entry": [0, 0, 1, 1], "from": [[0, 0, 0, 0]]}
    assert d["count_include_pad"] is True and set(d["max_diff"]) == {"A", "dX"}
    with pytest.raises(ValueError, match=r"make 8000 window taps .* max_terms=5000"):
        trace_avgpool2d(AvgPool2D(2), np.zeros((2, 10, 20, 20)), np.zeros((2, 10, 10, 10)))
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(1, 1, 2, 2\)"):
        trace_avgpool2d(AvgPool2D(2), x, np.ones((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"X must be images of shape \(n, channels, height, "
                       r"width\), got an array of shape \(4, 4\)"):
        trace_avgpool2d(AvgPool2D(2), X4, np.ones((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="layer must be a chainrule AvgPool2D, got MaxPool2D"):
        trace_avgpool2d(MaxPool2D(2), x, np.ones((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="digits"):
        trace_avgpool2d(AvgPool2D(2), x, np.ones((1, 1, 2, 2)), digits=0)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_x_and_dout_refused_by_name(bad):
    x, dout = np.array([[X4]]), np.ones((1, 1, 2, 2))
    xb, db = x.copy(), dout.copy()
    xb[0, 0, 1, 2], db[0, 0, 1, 0] = bad, bad
    with pytest.raises(ValueError, match=rf"^X must hold finite numbers, got {bad} at "
                       r"\[0, 0, 1, 2\]"):
        trace_avgpool2d(AvgPool2D(2), xb, dout)
    with pytest.raises(ValueError, match=rf"^dout must hold finite numbers, got {bad} at "
                       r"\[0, 0, 1, 0\]"):
        trace_avgpool2d(AvgPool2D(2), x, db)


def test_a_stride_past_int64_leaves_one_window():
    # --avgpool 2 --stride 10**30 on a 3x3 image (the command line's int): one window,
    # the mean of 1, 2, 4, 5 = 3; the layer's divisor multiplied the stride into an int64
    # array (OverflowError) where MaxPool2D's forward ran
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    t = trace_avgpool2d(AvgPool2D(2, stride=10**30), x, np.ones((1, 1, 1, 1)))
    assert t.A.tolist() == [[[[3.0]]]] and t.sizes == {(0, 0, 0, 0): 4}
    np.testing.assert_array_equal(t.dX[0, 0], [[0.25, 0.25, 0], [0.25, 0.25, 0], [0, 0, 0]])
