"""Every layer and entry point given arrays of unusual layout computes what it computes for a
C-ordered copy of the same numbers, and never writes into the caller's array.

The layouts: Fortran order, a strided slice ``a[..., ::2]``, a transposed view, negative
strides, a read-only array, ``np.broadcast_to`` (read-only, zero strides), a read-only
memmap.  The reference is the same call on ``np.array(a)`` (bit for bit); Dense's
gradients are also compared with plain NumPy products written here.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import (
    SGD,
    Adam,
    AvgPool2D,
    BatchNorm,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LayerNorm,
    MaxPool2D,
    Network,
    train,
)

LAYOUTS = ["fortran", "slice", "transposed", "negative", "readonly", "broadcast", "memmap"]


def layout(a: np.ndarray, kind: str, tmp_path) -> np.ndarray:
    """``a``'s numbers (a's first row repeated for "broadcast") in the layout ``kind``."""
    if kind == "fortran":
        out = np.asfortranarray(a)
        assert a.ndim < 2 or not out.flags.c_contiguous
    elif kind == "slice":
        wide = np.zeros((*a.shape[:-1], 2 * a.shape[-1]), a.dtype)
        wide[..., ::2] = a
        out = wide[..., ::2]
    elif kind == "transposed":  # the first and last axes swapped in memory
        out = np.swapaxes(np.ascontiguousarray(np.swapaxes(a, 0, -1)), 0, -1)
    elif kind == "negative":
        out = np.ascontiguousarray(a[::-1])[::-1]
    elif kind == "readonly":
        out = a.copy()
        out.flags.writeable = False
    elif kind == "broadcast":
        out = np.broadcast_to(a[:1], a.shape)
    else:
        path = tmp_path / f"{kind}-{a.shape}-{a.size}.npy"
        np.save(path, a)
        out = np.load(path, mmap_mode="r")
    assert kind in ("readonly", "memmap", "broadcast") or not out.flags.c_contiguous
    return out


def run(layer, X, G, training: bool) -> list[np.ndarray]:
    """A forward and a backward pass: the output, dJ/dX and the parameter gradients."""
    A = np.array(layer.forward(X, training=training))
    dX = layer.backward(G)
    grads = [np.array(getattr(layer, k)) for k in ("dW", "db", "dgamma", "dbeta")
             if getattr(layer, k, None) is not None]
    return [A, np.array(dX), *grads]


RNG = np.random.default_rng(22)
X2, X4 = RNG.normal(size=(5, 6)), RNG.normal(size=(3, 2, 6, 6))
LAYERS = {
    "dense": (lambda: Dense(6, 4, "tanh", seed=1), X2, (5, 4)),
    "dense-softmax": (lambda: Dense(6, 4, "softmax", seed=1), X2, (5, 4)),
    "batchnorm": (lambda: BatchNorm(6, "tanh"), X2, (5, 6)),
    "batchnorm-images": (lambda: BatchNorm(2), X4, X4.shape),
    "layernorm": (lambda: LayerNorm(6, "tanh"), X2, (5, 6)),
    "layernorm-images": (lambda: LayerNorm((2, 6, 6)), X4, X4.shape),
    "dropout": (lambda: Dropout(0.3, seed=2), X2, (5, 6)),
    "conv": (lambda: Conv2D(2, 3, 3, padding=1, activation="tanh", seed=1), X4, (3, 3, 6, 6)),
    "conv-stride": (lambda: Conv2D(2, 3, 3, stride=2, activation="relu", seed=1), X4,
                    (3, 3, 2, 2)),
    "maxpool": (lambda: MaxPool2D(2), X4, (3, 2, 3, 3)),
    "maxpool-overlap": (lambda: MaxPool2D(3, stride=1, padding=1), X4, X4.shape),
    "avgpool": (lambda: AvgPool2D(2), X4, (3, 2, 3, 3)),
    "flatten": (lambda: Flatten(), X4, (3, 72)),
}


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_inputs_of_any_layout(name: str, kind: str, tmp_path) -> None:
    make, X, g_shape = LAYERS[name]
    G = RNG.normal(size=g_shape)
    Xv, Gv = layout(X, kind, tmp_path), layout(G, kind, tmp_path)
    X0, G0 = np.array(Xv), np.array(Gv)
    for training in (True, False):
        got = run(make(), Xv, Gv, training)
        ref = run(make(), X0, G0, training)
        for a, b in zip(got, ref, strict=True):
            if kind == "broadcast":  # NumPy's mean over zero strides adds in another order
                np.testing.assert_allclose(a, b, rtol=0, atol=1e-12)  # (LayerNorm: 1e-16)
            else:
                assert np.array_equal(a, b)
    assert np.array_equal(Xv, X0) and np.array_equal(Gv, G0)  # the caller's arrays unchanged


@pytest.mark.parametrize("kind", LAYOUTS)
def test_dense_weights_of_any_layout(kind: str, tmp_path) -> None:
    W = RNG.normal(size=(6, 4))
    Wv = layout(W, kind, tmp_path)
    W0 = np.array(Wv)
    X, G = RNG.normal(size=(5, 6)), RNG.normal(size=(5, 4))
    for layer in (Dense(6, 4, "identity", init=Wv),
                  Dense(6, 4, "identity", init=lambda rng, i, o: Wv)):
        Z = layer.forward(X)
        dX = layer.backward(G)
        # plain NumPy: Z = X W, dW = X^T G, db = column sums of G, dX = G W^T
        np.testing.assert_allclose(Z, X @ W0, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer.dW, X.T @ G, rtol=0, atol=1e-12)
        np.testing.assert_allclose(layer.db, G.sum(axis=0), rtol=0, atol=1e-12)
        np.testing.assert_allclose(dX, G @ W0.T, rtol=0, atol=1e-12)
        layer.W = layer.W - 0.1 * layer.dW  # a standalone step: W - lr dW
        np.testing.assert_allclose(layer.W, W0 - 0.1 * (X.T @ G), rtol=0, atol=1e-12)
        assigned = Dense(6, 4, "identity", seed=0)
        assigned.W = Wv
        assert np.array_equal(assigned.W, W0)
    assert np.array_equal(Wv, W0)


@pytest.mark.parametrize("kind", LAYOUTS)
def test_conv_kernels_of_any_layout_train_as_a_c_ordered_copy(kind: str, tmp_path) -> None:
    K = RNG.normal(size=(3, 2, 3, 3))
    Kv = layout(K, kind, tmp_path)
    K0 = np.array(Kv)
    X, Y = RNG.normal(size=(6, 2 * 25)), RNG.normal(size=(6, 2))

    def net(kernels: np.ndarray) -> Network:
        return Network([Conv2D(2, 3, 3, activation="tanh", init=kernels), Flatten(),
                        Dense(27, 2, "identity", seed=3)], loss="squared_error",
                       input_shape=(2, 5, 5))

    a, b = net(Kv), net(K0)
    train(a, X, Y, "sgd", lr=0.1, epochs=3, batch_size=2, seed=0)
    train(b, X, Y, "sgd", lr=0.1, epochs=3, batch_size=2, seed=0)
    assert np.array_equal(a.params, b.params)
    assert not np.array_equal(a.layers[0].W, K0)  # it trained
    assert np.array_equal(Kv, K0)  # ... and the caller's kernels did not


@pytest.mark.parametrize("kind", LAYOUTS)
@pytest.mark.parametrize("batch_size", [None, 4])
def test_training_data_of_any_layout(kind: str, batch_size: int | None, tmp_path) -> None:
    X, Y = RNG.normal(size=(12, 6)), RNG.normal(size=(12, 2))
    Xv, Yv = layout(X, kind, tmp_path), layout(Y, kind, tmp_path)
    X0, Y0 = np.array(Xv), np.array(Yv)

    def net() -> Network:
        return Network([Dense(6, 5, "relu", seed=1), BatchNorm(5), Dropout(0.2, seed=4),
                        Dense(5, 2, "identity", seed=2)], loss="squared_error")

    a, b = net(), net()
    for n, (x, y) in ((a, (Xv, Yv)), (b, (X0, Y0))):
        train(n, x, y, Adam(lr=0.01), epochs=3, batch_size=batch_size, seed=0)
    assert np.array_equal(a.params, b.params)
    assert np.array_equal(a.predict(Xv), b.predict(X0))
    assert np.array_equal(Xv, X0) and np.array_equal(Yv, Y0)


@pytest.mark.parametrize("kind", ["slice", "negative", "readonly", "memmap", "float32", "int"])
def test_set_params_and_optimizer_state_copy_what_they_are_given(kind: str, tmp_path) -> None:
    net = Network([Dense(3, 2, "tanh", seed=0), Dense(2, 1, "identity", seed=1)])
    theta = np.arange(net.n_params, dtype=float) / 8
    given = (theta.astype(np.float32) if kind == "float32" else np.arange(net.n_params)
             if kind == "int" else layout(theta, kind, tmp_path))
    before = np.array(given)
    net.set_params(given)
    assert np.array_equal(net.params, before.astype(float))
    net.params[...] += 1.0  # the network's vector is its own
    assert np.array_equal(given, before)
    opt = SGD(lr=0.5, momentum=0.9)
    opt.set_state({"velocity": given}, params=net.params)
    grad = np.ones(net.n_params)
    p = net.params.copy()
    opt.step(p, grad)  # v = 0.9 v + g; p = p - lr v (chainrule's momentum convention)
    v = 0.9 * before.astype(float) + 1.0
    np.testing.assert_allclose(p, net.params - 0.5 * v, rtol=0, atol=1e-12)
    assert np.array_equal(given, before)
