"""Convolutional layer: local receptive fields with shared weights (SPEC 12).

Unit (o, y, x) of the output sees one window of the input, the ``kh x kw``
pixels of every input channel starting at row ``sh*y - pt`` and column
``sw*x - pl`` (``pt``, ``pl``: the padding above and on the left), ``dh`` rows
and ``dw`` columns apart (the dilation; 1: side by side), and every unit of
output channel ``o`` uses the same kernel ``W[o]`` and bias ``b[o]``::

    Z[n, o, y, x] = b[o] + sum_{c, i, j} W[o, c, i, j] * Xpad[n, c, sh*y + dh*i, sw*x + dw*j]
    A = f(Z)

``padding="same"`` (stride 1 only) pads ``d (k - 1)`` zeros per axis, half
before and half after, the odd one after (as PyTorch's ``conv2d``), so the
output has the size of the input; ``"valid"`` is no padding.

Vectorised as *im2col*: the windows are gathered (one copy) into, per
example, a matrix of shape (c * kh * kw, out_h * out_w) whose columns are
patches, so the convolution is one matrix product per example with ``W``
reshaped to (out_channels, c * kh * kw): a Dense layer applied to every
patch.  Backward is two more products, ``dW = sum_n delta_n @ patches_n^T``
and ``dpatches = W^T @ delta``, the latter added back onto the pixels the
patches came from.
:func:`chainrule.reference.conv2d_forward` is the same thing as plain loops.
"""

from __future__ import annotations

import numpy as np

from ._activations_inplace import _row_sum
from ._conv_padding import check_forward_sizes, check_padding_fits, conv_padding
from ._conv_params import ConvParams
from ._layers_activation import ActivationSetting
from ._layers_base import as_array, check_explicit_init, check_grad_out, check_weight_count
from ._names import naming
from ._spatial import (
    SpatialLayer,
    col2im,
    col2im_width,
    im2col,
    pair,
    scratch,
    shown,
    single,
    window_output,
)
from ._validation import (
    check_bool,
    check_float_dtype,
    check_positive_int,
    data_dtype,
)
from .activations import Activation, get_activation
from .initializers import auto_init, get_initializer, kernel_weights, make_rng
from .layers import check_init_result

__all__ = ["Conv2D"]

# patches longer than this (c * kh * kw rows) get dW through the transposed product (see
# Conv2D.backward_delta): measured with OpenBLAS, 1 thread, batch 64, float32, over
# 6-64 kernels, it takes 0.54-0.85x the time at 150 rows or more (0.93-1.12x for 6 or 8
# kernels on 150 rows), and 0.91-1.07x, so either, at 72 rows or fewer
DW_TRANSPOSED_ROWS = 100

# the input gradient of a stride-1 convolution is computed for as many examples at a time
# as fit their products W^T @ delta in this many bytes (see Conv2D.backward_delta): LeNet's
# second conv (120 kB per example in float32): the product and col2im took 0.67 ms per
# batch of 64 in chunks of 4 or 8 examples, 0.80 in chunks of 16 and 1.22 all at once
# (0.97 with the per-tap adds before); whole backward passes 0.55-0.91x the time of the
# batch at once, float32 and float64, 3x3 and 5x5 kernels, 1 to 16 channels
CHUNK_BYTES = 1 << 20


class Conv2D(ConvParams, SpatialLayer):
    """2-D convolution ``A = f(conv(X, W) + b)`` on images (n_samples, channels, height, width).

    Parameters
    ----------
    in_channels, out_channels : int
        Channels of the input images and number of kernels (output channels).
    kernel_size : int or (int, int)
        Window height and width.
    stride : int or (int, int), default 1
        Step between windows.
    padding : "same", "valid", int or (int, int), default 0
        Zero rows/columns added on each side of the input.  "same" (stride 1
        only) pads so that the output has the input's height and width:
        ``d (k - 1)`` zeros per axis, half before and half after, the odd one
        after for an even ``d (k - 1)``, as PyTorch; "valid" is 0.
    activation : str or Activation, default "relu"
        Elementwise activation (softmax is refused).
    init : str, callable or array-like, default "auto"
        Initialiser name, a callable ``init(rng, fan_in, fan_out)`` called with
        ``fan_in = in_channels * kh * kw`` (one patch) and ``fan_out =
        out_channels`` that returns finite weights of shape (fan_in, fan_out),
        or explicit kernels of shape (out_channels,
        in_channels, kh, kw).  "auto": He normal for ReLU-family activations
        (relu, leaky_relu, elu, gelu, silu), Glorot uniform otherwise.  The
        named initialisers that use a fan_out (Glorot uniform and normal,
        ufldl) take it as ``out_channels * kh * kw``, as Keras and PyTorch do
        (see :func:`chainrule.initializers.kernel_weights`).
    bias : bool, default True
    seed : int, Generator or None
    dtype : float64 or float32, optional
        None: float64, or with explicit kernels float32 when they are float32
        (kernels of another dtype, integers or float16 among them, give float64).
    dilation : int or (int, int), default 1
        Spacing of the kernel's taps: tap ``(i, j)`` sees the pixel ``(dh i, dw j)``
        from the window's corner, so a window spans ``d (k - 1) + 1`` pixels per axis.

    Attributes
    ----------
    W : ndarray of shape (out_channels, in_channels, kh, kw)
        Kernels (decayed by weight decay); a view into the network's parameters.
    b : ndarray of shape (out_channels,) or None
        Biases (never decayed).
    dW, db : ndarray of the shapes of ``W`` and ``b``
        Gradients after a backward pass (``db`` None without biases).
    X : ndarray of shape (n_samples, in_channels, height, width)
    Z, A : ndarray of shape (n_samples, out_channels, out_h, out_w)
        Net input and output of the last forward pass, with
        ``out_h = (height + pt + pb - dh (kh - 1) - 1) // sh + 1`` (and likewise
        ``out_w``), the padding ``((pt, pb), (pl, pr))`` being ``padding_sides``.
    padding_sides : ((int, int), (int, int))
        The zero rows above and below and columns left and right that ``padding``
        adds: ((ph, ph), (pw, pw)) for an int or pair, unequal for "same" with
        an even ``d (k - 1)``.
    patches : ndarray of shape (n_samples, in_channels, kh, kw, out_h * grid_w)
        The windows of the last forward pass (im2col, see ``_spatial.im2col``);
        a buffer that the next forward pass overwrites.
    delta : ndarray of shape (n_samples, out_channels, out_h, out_w)
        ``dJ/dZ`` of the last backward pass (per-example error term divided by
        the batch size, since the cost is the batch mean), as a Dense layer's.
    """

    activation = ActivationSetting(elementwise=True)  # a name assigned: as __init__'s

    _caches = ("X", "Z", "A", "delta", "patches")

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: str | int | tuple[int, int] = 0,
        activation: str | Activation = "relu",
        init: object = "auto",
        bias: bool = True,
        seed: int | np.random.Generator | None = None,
        dtype: np.dtype | type | str | None = None,
        dilation: int | tuple[int, int] = 1,
    ) -> None:
        self.in_channels = check_positive_int(in_channels, "in_channels")
        self.out_channels = check_positive_int(out_channels, "out_channels")
        self.kernel_size = pair(kernel_size, "kernel_size")
        self.stride = pair(stride, "stride")
        self.dilation = pair(dilation, "dilation")
        self.padding, self.padding_sides = conv_padding(padding, self.kernel_size, self.stride,
                                                        self.dilation)
        check_padding_fits(self.padding, self.padding_sides)
        with naming("activation"):
            self.activation = get_activation(activation)
        if not self.activation.elementwise:
            raise ValueError(
                f"activation: Conv2D needs an elementwise activation, got "
                f"{self.activation.name!r}; put softmax on a Dense output layer"
            )
        self.has_bias = check_bool(bias, "bias")
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        check_weight_count(shape, "out_channels x in_channels x kernel_size")
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        if isinstance(init, str) or callable(init):
            name = init
            if init == "auto":
                name = auto_init(self.activation)
            with naming("init"):
                found = get_initializer(name)
            W = kernel_weights(found, make_rng(seed), fan_in,
                               self.out_channels, self.kernel_size[0] * self.kernel_size[1])
            if not isinstance(init, str):  # a callable: checked as explicit kernels are
                W = check_init_result(W, (fan_in, self.out_channels),
                                      "(in_channels * kh * kw, out_channels)")
            W = W.T.reshape(shape)
            self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
            dtype = np.float64 if dtype is None else dtype
        else:
            W = check_explicit_init(init, shape, "(out_channels, in_channels, kh, kw)",
                                    "kernels")
            dtype = data_dtype(W) if dtype is None else dtype  # as Dense
            self.init = "explicit"
        self.dtype = check_float_dtype(dtype)
        # C order: backward_delta sums into dW through a reshape, which of a transposed
        # (non-contiguous) array is a copy, so dW would stay 0 for kernels such as
        # W.transpose(3, 2, 0, 1) (a standalone layer; a Network binds its own views)
        self._W = np.array(W, dtype=self.dtype, order="C")
        self._b = np.zeros(self.out_channels, dtype=self.dtype) if self.has_bias else None
        self.dW = np.zeros_like(self._W)
        self.db = np.zeros_like(self._b) if self.has_bias else None
        self.X = self.Z = self.A = self.delta = self.patches = None
        self._work: dict[str, np.ndarray | int] = {}  # buffers reused from batch to batch

    # -- shapes ----------------------------------------------------------------------------------
    def _out_shape(self, in_shape: tuple[int, ...]) -> tuple[int, int, int]:
        c, h, w = in_shape
        if c != self.in_channels:
            raise ValueError(
                f"{self!r}: expects images with {self.in_channels} channel(s), the input has "
                f"{c} (one example has shape {tuple(in_shape)})"
            )
        ho, wo = window_output(self, (h, w), self.kernel_size, self.stride, self.padding_sides,
                               self.dilation)
        return self.out_channels, ho, wo

    # -- forward and backward ----------------------------------------------------------------
    def forward(self, X: np.ndarray, training: bool = False) -> np.ndarray:
        """``Z = conv(X, W) + b``, ``A = f(Z)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, in_channels, height, width)
        training : bool, default False
            Unused by a convolution (the same in training and in evaluation);
            there for the one signature all layers share.

        Returns
        -------
        A : ndarray of shape (n_samples, out_channels, out_h, out_w)
        """
        X = as_array(X, self, "X")
        _, ho, wo = self._check_batch(X)
        check_forward_sizes(self, X.shape, (ho, wo), np.result_type(X.dtype, self.dtype).itemsize)
        n, o = X.shape[0], self.out_channels
        self.X = X
        # im2col, one copy: per example a column per window, (c*kh*kw, ho*gw)
        self.patches, gw = im2col(X, self.kernel_size, self.stride, self.padding_sides,
                                  (ho, wo), self._work, self.dilation)
        # one product per example, (o, c*kh*kw) @ (c*kh*kw, ho*gw): many small products
        # run faster than one long one here
        # (the rows named, not -1: an empty batch has no size to infer them from)
        rows = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        Z = np.matmul(self._W.reshape(o, rows), self.patches.reshape(n, rows, ho * gw))
        if self._b is not None:
            Z += self._b[:, None]
        Z = Z.reshape(n, o, ho, gw)
        self.Z = Z if gw == wo else Z[..., :wo]  # drop the grid columns that are no window
        self.A = self.activation.f(self.Z)
        return self.A

    def backward(self, grad_out: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """From ``dJ/dA`` (n_samples, out_channels, out_h, out_w) to ``dJ/dX`` (like X).

        Parameters
        ----------
        grad_out : array-like of shape (n_samples, out_channels, out_h, out_w)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of shape (n_samples, in_channels, height, width), or None
            ``dJ/dX``; None when ``need_input_grad`` is false.
        """
        grad_out = check_grad_out(self, grad_out, None if self.A is None else self.A.shape)
        delta = self.activation.backward(self.Z, self.A, grad_out)
        return self.backward_delta(delta, need_input_grad)

    def backward_delta(self, delta: np.ndarray, need_input_grad: bool = True) -> np.ndarray | None:
        """Gradients from ``delta = dJ/dZ`` of shape (n_samples, out_channels, out_h, out_w).

        ``dW[o, c, i, j] = sum_{n, y, x} delta[n, o, y, x] Xpad[n, c, sh y + dh i, sw x + dw j]``,
        ``db[o] = sum_{n, y, x} delta[n, o, y, x]``, and ``dJ/dX`` adds
        ``W[o, c, i, j] delta[n, o, y, x]`` to every pixel a window covered.

        Parameters
        ----------
        delta : ndarray of shape (n_samples, out_channels, out_h, out_w)
        need_input_grad : bool, default True

        Returns
        -------
        ndarray of shape (n_samples, in_channels, height, width), or None
            ``dJ/dX``; None when ``need_input_grad`` is false.
        """
        self.delta = delta
        n, o, ho, wo = delta.shape
        size = self.patches.shape[-1]  # ho * gw (gw: wo, or the padded width, see im2col)
        d = self._on_grid(delta, size // ho)  # (n, o, ho * gw), as the patches' columns
        rows = self.in_channels * self.kernel_size[0] * self.kernel_size[1]  # c*kh*kw
        patches = self.patches.reshape(n, rows, size)
        # per example (o, ho*gw) @ (ho*gw, c*kh*kw), summed over the batch
        dW = self.dW.reshape(o, rows)
        if rows > DW_TRANSPOSED_ROWS:  # dW^T = sum_n patches_n @ delta_n^T: the same sums,
            # in the orientation OpenBLAS runs faster when a patch is long (0.55-0.85x the
            # time for 150 rows or more, e.g. LeNet's second 5x5 conv: 540 us, not 950)
            np.sum(np.matmul(patches, d.transpose(0, 2, 1)), axis=0, out=dW.T)
        else:  # (for short patches the two orientations are within 10% of each other)
            np.sum(np.matmul(d, patches.transpose(0, 2, 1)), axis=0, out=dW)
        if self.db is not None:  # sums over the columns, then over the batch, each a BLAS
            # product with ones: 0.2-0.45x the time of np.sum over both axes (LeNet's convs: 18 and
            # 9 us, not 65 and 41), rounded differently (last bits)
            self.db[...] = _row_sum(_row_sum(d.reshape(n * o, size)).reshape(n, o).T)
        if not need_input_grad:
            return None
        in_hw, gw = self.X.shape[2:], size // ho
        if self.stride == (1, 1) and gw != in_hw[1] + sum(self.padding_sides[1]):
            # col2im adds back runs of the flattened padded image: delta on that grid
            gw = in_hw[1] + sum(self.padding_sides[1])
            d, size = self._on_grid(delta, gw), ho * gw
        width = col2im_width(in_hw, self.kernel_size, self.stride, self.padding_sides, (ho, wo),
                             gw, self.dilation)
        # dpatches = W^T @ delta per example, added back onto the pixels by col2im, for a
        # chunk of examples at a time with stride 1: their dpatches (rows of `width`
        # columns, zeros after the product's `size`, see col2im) stay in the CPU's cache
        # from the product to the sums: 0.7x the time (LeNet's second conv, batch 64, in
        # chunks of 8: 0.67 ms, not 0.97)
        chunk = max(1, n if self.stride != (1, 1) else CHUNK_BYTES // (rows * width * d.itemsize))
        dpatches = scratch(self._work, "dpatches", (min(chunk, n), rows, width), delta.dtype)
        if self._work.get("dpatches size") != size:  # a buffer of this shape may come from
            dpatches[:, :, size:] = 0  # images of another size, with values in those columns
            self._work["dpatches size"] = size
        W_T, dX = self._W.reshape(o, rows).T, None
        for start in range(0, max(n, 1), chunk):  # (an empty batch: one empty chunk)
            k = min(chunk, n - start)
            np.matmul(W_T, d[start : start + k], out=dpatches[:k, :, :size])
            part = col2im(dpatches[:k].reshape(k, *self.patches.shape[1:4], width), in_hw,
                          self.stride, self.padding_sides, (ho, wo), gw, self.dilation)
            if k == n:  # the whole batch in one chunk
                return part
            if dX is None:
                dX = np.empty((n, *part.shape[1:]), dtype=part.dtype)
            dX[start : start + k] = part
        return dX

    def _on_grid(self, delta: np.ndarray, gw: int) -> np.ndarray:
        """``delta`` (n, o, ho, wo) as (n, o, ho * gw): rows of ``gw >= wo`` columns, zeros
        in the columns ``x >= wo`` (a buffer reused while the shape stays)."""
        n, o, ho, wo = delta.shape
        if gw == wo:
            return delta.reshape(n, o, ho * wo)
        d = scratch(self._work, "delta", (n, o, ho, gw), delta.dtype)
        d[..., :wo] = delta
        return d.reshape(n, o, ho * gw)

    def get_config(self) -> dict:
        return {
            "type": "Conv2D", "in_channels": self.in_channels, "out_channels": self.out_channels,
            "kernel_size": single(self.kernel_size), "stride": single(self.stride),
            "padding": self._padding_config(), "dilation": single(self.dilation),
            "activation": self.activation.name, "bias": self.has_bias,
        }

    def _padding_config(self) -> str | int | list[int]:
        """``padding`` as written in a configuration: "same", "valid", an int or a pair."""
        return self.padding if isinstance(self.padding, str) else single(self.padding)

    def __repr__(self) -> str:
        k = self.kernel_size[0] if self.kernel_size[0] == self.kernel_size[1] else self.kernel_size
        extra = "" if self.stride == (1, 1) else f", stride={shown(self.stride)}"
        padding = self.padding if isinstance(self.padding, str) else shown(self.padding)
        extra += "" if self.padding == (0, 0) else f", padding={padding!r}"
        extra += "" if self.dilation == (1, 1) else f", dilation={shown(self.dilation)}"
        bias = "" if self.has_bias else ", bias=False"
        return (f"Conv2D({self.in_channels}, {self.out_channels}, kernel_size={k}{extra}, "
                f"activation={self.activation.name!r}{bias})")
