"""A model file whose arrays are big-endian ('>f8', '>f4': written on a big-endian machine
or by a tool that writes that byte order) loads: the values are float64 (float32) numbers,
only their bytes are in the other order.

Before, ``chainrule.load`` refused it as a "corrupted or incomplete chainrule file (the
parameter vector has shape (25,) and dtype >f8, the architecture needs (25,) and
float64)".  Another dtype than the network's is still refused.
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule import BatchNorm, Dense, Network


def _big_endian_copy(src, dst) -> None:
    """The file ``src`` rewritten with every float array in big-endian byte order."""
    with np.load(src) as z:
        arrays = {k: (z[k].astype(z[k].dtype.newbyteorder(">")) if z[k].dtype.kind == "f"
                      else z[k]) for k in z.files}
    assert arrays["params"].dtype.str in (">f8", ">f4")
    np.savez(dst, **arrays)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_a_big_endian_file_loads_with_its_values(dtype: str, tmp_path) -> None:
    net = Network([Dense(4, 3, "relu", seed=0), BatchNorm(3), Dense(3, 1, "identity", seed=1)],
                  loss="squared_error").astype(dtype)
    X = np.random.default_rng(0).normal(size=(8, 4)).astype(dtype)
    net.forward(X, training=True)  # running statistics that are not the initial 0 and 1
    theta = np.arange(net.n_params, dtype=dtype) / 16 - 1  # values exact in either dtype
    net.set_params(theta)
    net.save(tmp_path / "native.npz")
    _big_endian_copy(tmp_path / "native.npz", tmp_path / "big.npz")
    loaded = cr.load(tmp_path / "big.npz")
    assert loaded.dtype == np.dtype(dtype)
    assert np.array_equal(loaded.params, theta)
    for name in ("running_mean", "running_var"):
        assert np.array_equal(getattr(loaded.layers[1], name), getattr(net.layers[1], name))
    # in evaluation: relu, then (x - mean) / sqrt(var + eps) * gamma + beta, then the output
    np.testing.assert_array_equal(loaded.predict(X), net.predict(X))


def test_another_dtype_in_big_endian_order_is_still_refused(tmp_path) -> None:
    net = Network([Dense(2, 1, "identity", seed=0)], loss="squared_error")
    net.save(tmp_path / "native.npz")
    with np.load(tmp_path / "native.npz") as z:
        arrays = {k: z[k] for k in z.files}
    arrays["params"] = arrays["params"].astype(">f4")
    np.savez(tmp_path / "f4.npz", **arrays)
    # (read in the native byte order since robust24: '>f4' is float32)
    with pytest.raises(ValueError,
                       match=r"dtype float32, the architecture needs \(3,\) and float64"):
        cr.load(tmp_path / "f4.npz")


def test_a_big_endian_sparse_autoencoder_file_loads(tmp_path) -> None:
    from chainrule import SparseAutoencoder, load_autoencoder

    X = np.random.default_rng(1).random((20, 6))
    with pytest.warns(Warning):  # 3 iterations: not converged
        sa = SparseAutoencoder(n_hidden=3, max_iter=3, random_state=0).fit(X)
    sa.save(tmp_path / "native.npz")
    _big_endian_copy(tmp_path / "native.npz", tmp_path / "big.npz")
    loaded = load_autoencoder(tmp_path / "big.npz")
    assert np.array_equal(loaded.params, sa.params)
    assert loaded.mean_activation_.dtype == np.dtype(np.float64)  # native order
    assert np.array_equal(loaded.mean_activation_, sa.mean_activation_)
    # the hidden layer by hand: sigmoid(X W1 + b1), W1 and b1 from the loaded parameters
    layer = loaded.network_.layers[0]
    np.testing.assert_allclose(loaded.transform(X), 1 / (1 + np.exp(-(X @ layer.W + layer.b))),
                               rtol=0, atol=1e-12)
