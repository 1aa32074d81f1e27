"""trace_maxpool2d: each window's winner and the routed gradient, checked against the layer,
a plain NumPy loop written here, cs231n's published max_pool_forward_naive output, the
printed sums read back, hand-worked ties and PyTorch's autograd."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import MaxPool2D
from chainrule.tracing import PoolTrace, trace_maxpool2d
from test_student19_cs231n_layer_checks import POOL_OUT
from test_student20_trace_conv import parsed_sums


def loop_pool(x, k, stride, pad, dout):
    """Max pooling by loops; the first largest pixel of a window (row-major) wins."""
    n, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)), constant_values=-np.inf)
    ho, wo = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
    out, dxp = np.zeros((n, C, ho, wo)), np.zeros_like(xp)
    for m, c, i, j in np.ndindex(n, C, ho, wo):
        win = xp[m, c, i * stride : i * stride + k, j * stride : j * stride + k]
        p, q = np.unravel_index(np.argmax(win), win.shape)  # np.argmax: first maximum
        out[m, c, i, j] = win[p, q]
        dxp[m, c, i * stride + p, j * stride + q] += dout[m, c, i, j]
    return out, dxp[:, :, pad : pad + H, pad : pad + W]


@pytest.mark.parametrize(("k", "stride", "pad"), [(2, 2, 0), (3, 1, 1), (3, 2, 1), (2, 1, 0)])
def test_trace_matches_the_layer_and_a_plain_loop(k, stride, pad):
    rng = np.random.default_rng(k * 10 + stride + pad)
    x = rng.normal(size=(2, 3, 6, 5))
    pool = MaxPool2D(k, stride=stride, padding=pad)
    ho, wo = (6 + 2 * pad - k) // stride + 1, (5 + 2 * pad - k) // stride + 1
    dout = rng.normal(size=(2, 3, ho, wo))
    t = trace_maxpool2d(pool, x, dout, digits=17)
    A, dX = loop_pool(x, k, stride, pad, dout)
    np.testing.assert_array_equal(t.A, A)
    np.testing.assert_allclose(t.dX, dX, atol=1e-15)
    np.testing.assert_array_equal(t.A, pool.forward(x))
    np.testing.assert_array_equal(t.dX, pool.backward(dout))
    for out, win in t.winners.items():
        assert x[win] == A[out] and win in t.windows[out]
    sums = parsed_sums(t.text(), "dX")
    assert len(sums) == x.size
    for idx, (total, value) in sums.items():
        assert total == pytest.approx(dX[idx], abs=1e-14) and value == pytest.approx(dX[idx])


def test_cs231n_max_pool_forward_naive_linspace_case():
    # ConvolutionalNetworks.ipynb's max_pool_forward_naive check (2x2, stride 2): the
    # published correct_out, in tests/test_student19_cs231n_layer_checks.py
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    t = trace_maxpool2d(MaxPool2D(2, stride=2), x, np.ones((2, 3, 2, 2)), digits=10)
    np.testing.assert_allclose(t.A, POOL_OUT, rtol=1e-7)
    # linspace rises along each row: every window's bottom-right pixel wins
    assert "A[0,0,0,0] = max(x[0,0,0,0]=-0.3, x[0,0,0,1]=" in t.text()
    assert all(win[2:] == (2 * o[2] + 1, 2 * o[3] + 1) for o, win in t.winners.items())


def test_ties_go_to_the_first_largest_pixel_and_padding_never_wins():
    # hand-worked: a 2x2 image of ones but for a 2 at the bottom right, 2x2 windows with
    # stride 1 and padding 1 (9 windows); the tied windows send dout to their first 1
    x = np.array([[[[1.0, 1.0], [1.0, 2.0]]]])
    dout = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    t = trace_maxpool2d(MaxPool2D(2, stride=1, padding=1), x, dout)
    assert t.winners[(0, 0, 0, 1)] == (0, 0, 0, 0)  # x[0,0]=1 and x[0,1]=1 tie: the first
    assert t.winners[(0, 0, 1, 0)] == (0, 0, 0, 0)
    assert "A[0,0,0,0] = max(pad, pad, pad, x[0,0,0,0]=1) = 1 from x[0,0,0,0]" in t.text()
    # windows (0,0), (0,1), (1,0) go to x[0,0]; (0,2) to x[0,1]; (2,0) to x[1,0]; the
    # other four hold the 2
    np.testing.assert_array_equal(t.dX, [[[[1 + 2 + 4, 3], [7, 5 + 6 + 8 + 9]]]])
    assert "dX[0,0,1,1] = dout[0,0,1,1] + dout[0,0,1,2] + dout[0,0,2,1] + dout[0,0,2,2]" in (
        t.text())


def test_torch_autograd_routes_the_same_gradient():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    x = rng.normal(size=(2, 2, 6, 6))
    dout = rng.normal(size=(2, 2, 3, 3))
    t = trace_maxpool2d(MaxPool2D(3, stride=2, padding=1), x, dout)
    xt = torch.tensor(x, requires_grad=True)
    out = torch.nn.functional.max_pool2d(xt, 3, stride=2, padding=1)
    out.backward(torch.tensor(dout))
    np.testing.assert_array_equal(t.A, out.detach().numpy())
    np.testing.assert_allclose(t.dX, xt.grad.numpy(), atol=1e-15)


def test_to_dict_and_refusals():
    x = np.zeros((1, 1, 4, 4))
    t = trace_maxpool2d(MaxPool2D(2), x, np.ones((1, 1, 2, 2)))
    d = t.to_dict()
    assert isinstance(t, PoolTrace) and len(d["windows"]) == 4 and d["dX"][0][0][0][0] == 1.0
    with pytest.raises(ValueError, match=r"make 8000 window taps .* max_terms=5000"):
        trace_maxpool2d(MaxPool2D(2), np.zeros((2, 10, 20, 20)), np.zeros((2, 10, 10, 10)))
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(1, 1, 2, 2\)"):
        trace_maxpool2d(MaxPool2D(2), x, np.ones((1, 1, 4, 4)))
    with pytest.raises(TypeError, match="layer must be a chainrule MaxPool2D"):
        trace_maxpool2d(object(), x, np.ones((1, 1, 2, 2)))
