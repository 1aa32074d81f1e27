"""trace_conv2d: every Z, dW, db and dX entry as an explicit sum, checked against the layer,
a plain NumPy loop written here, cs231n's published conv_forward_naive output, the sums'
printed numbers read back, and PyTorch's autograd."""

from __future__ import annotations

import re

import numpy as np
import pytest

from chainrule import Conv2D
from chainrule.tracing import ConvTrace, trace_conv2d
from test_student19_cs231n_layer_checks import CONV_OUT

NUMBER = r"\(?-?[0-9.]+(?:e[-+]?[0-9]+)?\)?|inf|nan"


def loop_conv(x, w, b, stride, pad, dout):
    """Forward and backward by plain loops over a zero-padded copy (cs231n's naive layers)."""
    n, _, H, W = x.shape
    F, _, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    Z = np.zeros((n, F, ho, wo))
    dW, dxp = np.zeros_like(w), np.zeros_like(xp)
    for m in range(n):
        for f in range(F):
            for i in range(ho):
                for j in range(wo):
                    win = xp[m, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
                    Z[m, f, i, j] = np.sum(win * w[f]) + b[f]
                    dW[f] += dout[m, f, i, j] * win
                    dxp[m, :, i * stride : i * stride + kh, j * stride : j * stride + kw] += (
                        dout[m, f, i, j] * w[f])
    db = dout.sum(axis=(0, 2, 3))
    return Z, dW, db, dxp[:, :, pad : pad + H, pad : pad + W]


def parsed_sums(text: str, name: str) -> dict[tuple[int, ...], tuple[float, float]]:
    """``entry -> (sum of the printed terms, printed value)`` for every ``name[...]`` sum."""
    out = {}
    lines = text.splitlines()
    for k, line in enumerate(lines):
        m = re.match(rf"{name}\[([0-9,]+)\] = ", line)
        if not m or not lines[k + 1].startswith("  = "):
            continue
        *terms, value = lines[k + 1][4:].split(" = ")
        assert len(terms) == 1
        total = 0.0
        for term in terms[0].split(" + "):
            factors = [float(f.strip("()")) for f in term.split("*")]
            assert all(re.fullmatch(NUMBER, f) for f in term.split("*")), term
            total += float(np.prod(factors))
        out[tuple(int(i) for i in m.group(1).split(","))] = (total, float(value.strip("()")))
    return out


def _case(stride, pad, n=2, C=3, F=2, H=5, W=5, k=3, seed=0):
    rng = np.random.default_rng(seed)
    x, w = rng.normal(size=(n, C, H, W)), rng.normal(size=(F, C, k, k))
    b = rng.normal(size=F)
    conv = Conv2D(C, F, k, stride=stride, padding=pad, activation="identity", init=w)
    conv.b = b
    ho, wo = (H + 2 * pad - k) // stride + 1, (W + 2 * pad - k) // stride + 1
    dout = rng.normal(size=(n, F, ho, wo))
    return conv, x, w, b, dout


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 1), (2, 0)])
def test_trace_values_match_the_layer_and_a_plain_loop(stride, pad):
    conv, x, w, b, dout = _case(stride, pad)
    t = trace_conv2d(conv, x, dout)
    Z, dW, db, dX = loop_conv(x, w, b, stride, pad, dout)
    np.testing.assert_allclose(t.Z, Z, atol=1e-12)
    np.testing.assert_allclose(t.dW, dW, atol=1e-12)
    np.testing.assert_allclose(t.db, db, atol=1e-12)
    np.testing.assert_allclose(t.dX, dX, atol=1e-12)
    # the layer's own forward/backward
    A = conv.forward(x)
    np.testing.assert_array_equal(t.A, A)
    np.testing.assert_array_equal(t.dX, conv.backward(dout))
    np.testing.assert_array_equal(t.dW, conv.dW)
    # the sums' index lists, evaluated here, give the same numbers
    for out, terms in t.z_terms.items():
        assert sum(x[xi] * w[wi] for xi, wi in terms) + b[out[1]] == pytest.approx(Z[out])
    for wi, terms in t.dw_terms.items():
        assert sum(dout[zi] * x[xi] for zi, xi in terms) == pytest.approx(dW[wi], abs=1e-12)
    for xi, terms in t.dx_terms.items():
        assert sum(dout[zi] * w[wi] for zi, wi in terms) == pytest.approx(dX[xi], abs=1e-12)


def test_trace_leaves_the_layer_untouched():
    conv, x, _, _, dout = _case(1, 1)
    trace_conv2d(conv, x, dout)
    assert conv.Z is None and not conv.dW.any()


@pytest.mark.parametrize(("stride", "pad", "digits", "tol"),
                         [(1, 1, 17, 1e-12), (2, 1, 17, 1e-12), (2, 0, 6, 1e-4)])
def test_printed_terms_sum_to_the_printed_values(stride, pad, digits, tol):
    conv, x, w, b, dout = _case(stride, pad)
    t = trace_conv2d(conv, x, dout, digits=digits)
    text = t.text()
    Z, dW, db, dX = loop_conv(x, w, b, stride, pad, dout)
    for name, ref in (("Z", Z), ("dW", dW), ("db", db), ("dX", dX)):
        sums = parsed_sums(text, name)
        assert len(sums) == ref.size, name  # every entry printed
        for idx, (total, value) in sums.items():
            assert total == pytest.approx(ref[idx], rel=tol, abs=tol), (name, idx)
            assert value == pytest.approx(ref[idx], rel=tol, abs=tol), (name, idx)


def test_padding_terms_are_left_out_of_the_corner_sums():
    conv, x, _, _, dout = _case(1, 1, n=1, C=1, F=1, H=4, W=4)
    t = trace_conv2d(conv, x, dout)
    # a corner output of a 3x3 window over one padded ring sees 2x2 image pixels
    assert len(t.z_terms[(0, 0, 0, 0)]) == 4 and len(t.z_terms[(0, 0, 1, 1)]) == 9
    assert "Z[0,0,0,0] = x[0,0,0,0]*w[0,0,1,1] + x[0,0,0,1]*w[0,0,1,2] + " in t.text()
    # a corner pixel is reached by the 4 windows whose taps cover it, w flipped
    assert [wi for _, wi in t.dx_terms[(0, 0, 0, 0)]] == [
        (0, 0, 1, 1), (0, 0, 1, 0), (0, 0, 0, 1), (0, 0, 0, 0)]


def test_cs231n_naive_forward_linspace_case():
    # ConvolutionalNetworks.ipynb's conv_forward_naive check (stride 2, pad 1), its
    # published correct_out in tests/test_student19_cs231n_layer_checks.py
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    conv = Conv2D(3, 3, 4, stride=2, padding=1, activation="identity", init=w)
    conv.b = np.linspace(-0.1, 0.2, num=3)
    t = trace_conv2d(conv, x, np.ones((2, 3, 2, 2)), digits=10)
    np.testing.assert_allclose(t.Z, CONV_OUT, rtol=1e-7, atol=1e-8)
    for idx, (total, _) in parsed_sums(t.text(), "Z").items():
        assert total == pytest.approx(CONV_OUT[idx], rel=1e-7, abs=1e-8)


def test_torch_autograd_gives_dx_dw_db_and_relu_delta():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, w, b = rng.normal(size=(2, 2, 6, 6)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
    conv = Conv2D(2, 3, 3, stride=2, padding=1, activation="relu", init=w)
    conv.b = b
    dout = rng.normal(size=(2, 3, 3, 3))
    t = trace_conv2d(conv, x, dout)
    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    out = torch.relu(torch.nn.functional.conv2d(xt, wt, bt, stride=2, padding=1))
    out.backward(torch.tensor(dout))
    np.testing.assert_allclose(t.A, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(t.dX, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(t.dW, wt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(t.db, bt.grad.numpy(), atol=1e-12)
    np.testing.assert_array_equal(t.dZ, dout * (t.Z > 0))
    assert "activation relu: A = f(Z), dZ = dout * f'(Z)" in t.text()


def test_no_bias_dilation_and_to_dict():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(4)
    x, w = rng.normal(size=(1, 2, 6, 6)), rng.normal(size=(2, 2, 2, 2))
    conv = Conv2D(2, 2, 2, dilation=2, padding=1, activation="identity", init=w, bias=False)
    dout = rng.normal(size=(1, 2, 6, 6))
    t = trace_conv2d(conv, x, dout, digits=17)
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    torch.nn.functional.conv2d(xt, wt, padding=1, dilation=2).backward(torch.tensor(dout))
    np.testing.assert_allclose(t.dX, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(t.dW, wt.grad.numpy(), atol=1e-12)
    assert t.db is None and "+ b[0]" not in t.text() and "db[" not in t.text()
    for idx, (total, _) in parsed_sums(t.text(), "dX").items():
        assert total == pytest.approx(xt.grad.numpy()[idx], abs=1e-12)
    d = t.to_dict()
    assert d["db"] is None and len(d["z_terms"]) == 72 and isinstance(t, ConvTrace)


def test_large_layers_and_bad_arguments_are_refused():
    conv = Conv2D(3, 8, 3, padding="same", activation="identity", seed=0)
    with pytest.raises(ValueError, match=r"make 7776 products .* max_terms=5000"):
        trace_conv2d(conv, np.zeros((1, 3, 6, 6)), np.zeros((1, 8, 6, 6)))
    small = Conv2D(1, 1, 2, activation="identity", seed=0)
    with pytest.raises(ValueError, match=r"dout must have the output's shape \(1, 1, 2, 2\)"):
        trace_conv2d(small, np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"X must be images .* got an array of shape \(3, 3\)"):
        trace_conv2d(small, np.zeros((3, 3)), np.zeros((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="layer must be a chainrule Conv2D"):
        trace_conv2d("conv", np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)))
    with pytest.raises(ValueError, match="digits must be an int from 1 to 17"):
        trace_conv2d(small, np.zeros((1, 1, 3, 3)), np.zeros((1, 1, 2, 2)), digits=0)


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
def test_same_padding_with_an_even_kernel_pads_after_as_torch():
    # "same" with a 2x2 kernel pads 0 above/left and 1 below/right (PyTorch's rule)
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(6)
    x, w = rng.normal(size=(1, 1, 4, 4)), rng.normal(size=(2, 1, 2, 2))
    conv = Conv2D(1, 2, 2, padding="same", activation="identity", init=w, bias=False)
    dout = rng.normal(size=(1, 2, 4, 4))
    t = trace_conv2d(conv, x, dout)
    xt, wt = (torch.tensor(a, requires_grad=True) for a in (x, w))
    out = torch.nn.functional.conv2d(xt, wt, padding="same")
    out.backward(torch.tensor(dout))
    np.testing.assert_allclose(t.Z, out.detach().numpy(), atol=1e-12)
    np.testing.assert_allclose(t.dX, xt.grad.numpy(), atol=1e-12)
    np.testing.assert_allclose(t.dW, wt.grad.numpy(), atol=1e-12)
    assert [xi for xi, _ in t.z_terms[(0, 0, 3, 3)]] == [(0, 0, 3, 3)]  # the corner tap only
    assert len(t.z_terms[(0, 0, 0, 0)]) == 4
